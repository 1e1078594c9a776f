//! Scrapes that run in the request's own task (collectors that cannot block;
//! see the `http` module docs) answer as one on a blocking thread would: the
//! timeout's 503, the error policy's 500, a panic's 500, compressed bodies;
//! and a big one moves to a task and streams, whatever came before it.

#![allow(clippy::unwrap_used)]

mod http_support;

use std::io::Read as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
use exporter_core::registry::{GatherError, Gatherer};
use exporter_core::{collector, CollectError, Collector, MetricEncoder, Registry};
use http_support::{get, handler_errors, start, value};

#[derive(Collector)]
struct Small {
    /// Always 1.
    #[metric(gauge)]
    test_inline: f64,
}

/// A registry with one async collector that waits 30 s while `slow` is set.
fn slow_when(slow: &Arc<AtomicBool>) -> Registry {
    let registry = Registry::new();
    let slow = Arc::clone(slow);
    registry
        .register_async(collector::from_async_fn(move || {
            let slow = slow.load(Ordering::SeqCst);
            async move {
                if slow {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                Ok::<_, CollectError>(Small { test_inline: 1.0 })
            }
        }))
        .unwrap();
    registry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_scrape_past_the_timeout_is_a_503_and_frees_its_slot() {
    for policy in [ErrorHandling::HttpError, ErrorHandling::ContinueOnError] {
        let slow = Arc::new(AtomicBool::new(false));
        let handler = MetricsHandler::with_opts(
            slow_when(&slow),
            HandlerOpts::default()
                .timeout(Some(Duration::from_millis(300)))
                .error_handling(policy),
        );
        let server = start(handler.clone()).await;
        assert_eq!(get(server.addr, "/metrics", &[]).await.status, 200);

        slow.store(true, Ordering::SeqCst);
        for _ in 0..3 {
            let started = Instant::now();
            let reply = get(server.addr, "/metrics", &[]).await;
            assert_eq!(reply.status, 503, "{policy:?}: {}", reply.text());
            assert!(reply.text().contains("exceeded configured timeout"));
            assert!(started.elapsed() < Duration::from_secs(5));
            assert_eq!(handler.in_flight(), 0, "the dropped scrape keeps its slot");
        }
        slow.store(false, Ordering::SeqCst);
        assert_eq!(get(server.addr, "/metrics", &[]).await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_scrape_follows_the_error_policy() {
    for (policy, status) in [
        (ErrorHandling::HttpError, 500),
        (ErrorHandling::ContinueOnError, 200),
    ] {
        let fail = Arc::new(AtomicBool::new(false));
        let registry = Registry::new();
        let failing = Arc::clone(&fail);
        registry
            .register(
                collector::from_fn(move || {
                    if failing.load(Ordering::SeqCst) {
                        Err(CollectError::other("backend unreachable"))
                    } else {
                        Ok(Small { test_inline: 1.0 })
                    }
                })
                .non_blocking(),
            )
            .unwrap();
        let handler =
            MetricsHandler::with_opts(registry, HandlerOpts::default().error_handling(policy));
        let server = start(handler).await;
        assert_eq!(get(server.addr, "/metrics", &[]).await.status, 200);

        fail.store(true, Ordering::SeqCst);
        let reply = get(server.addr, "/metrics", &[]).await;
        assert_eq!(reply.status, status, "{policy:?}: {}", reply.text());
        let text = reply.text();
        if status == 500 {
            assert!(text.contains("backend unreachable"), "{text}");
        } else {
            assert_eq!(handler_errors(&text, "gathering"), Some(1.0));
        }
    }
}

/// Writes one family; panics outside any collector from its `panic_from`-th
/// scrape on (a bug in a gatherer, not a collector's, which the registry contains).
struct PanickingGatherer {
    scrapes: AtomicUsize,
    panic_from: usize,
    registry: Registry,
}

impl Gatherer for PanickingGatherer {
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        let n = self.scrapes.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(n < self.panic_from, "scrape {n} of a broken gatherer");
        self.registry.gather_into(encoder)
    }

    fn may_block(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_an_inline_scrape_is_a_500_not_a_lost_connection() {
    let registry = Registry::new();
    registry.register(Small { test_inline: 1.0 }).unwrap();
    let gatherer = PanickingGatherer {
        scrapes: AtomicUsize::new(0),
        panic_from: 2,
        registry,
    };
    let handler = MetricsHandler::new(gatherer);
    let server = start(handler.clone()).await;
    assert_eq!(get(server.addr, "/metrics", &[]).await.status, 200);
    for _ in 0..2 {
        let reply = get(server.addr, "/metrics", &[]).await;
        assert_eq!(reply.status, 500, "{}", reply.text());
        assert!(reply.text().contains("an error has occurred"));
    }
    assert_eq!(handler.in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_scrape_is_compressed_as_asked() {
    let registry = Registry::new();
    registry
        .register(collector::from_fn(|| Ok(Small { test_inline: 1.0 })).non_blocking())
        .unwrap();
    let server = start(MetricsHandler::new(registry)).await;
    let plain = get(server.addr, "/metrics", &[]).await;
    assert_eq!(plain.status, 200);
    let reply = get(server.addr, "/metrics", &[("accept-encoding", "gzip")]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&reply.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(value(&text, "test_inline", &[]), Some(1.0));
    assert_eq!(
        value(
            &text,
            "promhttp_metric_handler_requests_total",
            &[("code", "200")]
        ),
        Some(1.0)
    );
}

#[derive(Collector)]
struct Rows {
    /// One series per row.
    #[metric(gauge, labels(row))]
    test_rows: Vec<([String; 1], f64)>,
}

#[derive(Collector)]
struct MoreRows {
    /// One series per row.
    #[metric(gauge, labels(row))]
    test_more_rows: Vec<([String; 1], f64)>,
}

fn rows(n: u32) -> Vec<([String; 1], f64)> {
    (0..n)
        .map(|row| ([format!("{row:0>24}")], f64::from(row)))
        .collect()
}

/// Where a scrape runs does not depend on the scrapes before it: with small
/// filtered scrapes (two Prometheus jobs with different `name[]` filters)
/// between them, every big scrape of two collectors that cannot block moves
/// out of the request's task once the first has written its rows, and
/// streams; every small one is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_big_scrape_streams_whatever_came_before_it() {
    let registry = Registry::new();
    registry
        .register(
            collector::from_fn(|| {
                Ok(Rows {
                    test_rows: rows(10_000),
                })
            })
            .non_blocking(),
        )
        .unwrap();
    registry
        .register(
            collector::from_fn(|| {
                Ok(MoreRows {
                    test_more_rows: rows(10_000),
                })
            })
            .non_blocking(),
        )
        .unwrap();
    let server = start(MetricsHandler::new(registry)).await;
    for round in 0..4 {
        let big = get(server.addr, "/metrics", &[]).await;
        assert_eq!(big.status, 200);
        assert!(big.body.len() > 500_000, "{}", big.body.len());
        assert_eq!(
            big.header("content-length"),
            None,
            "round {round}: the big scrape was held whole"
        );
        assert_eq!(big.header("transfer-encoding"), Some("chunked"));
        let text = big.text();
        assert_eq!(text.matches("test_rows{").count(), 10_000);
        assert_eq!(text.matches("test_more_rows{").count(), 10_000);
        // The second collector's family streamed, so it comes first.
        assert!(text.starts_with("# HELP test_more_rows "), "round {round}");
        let small = get(server.addr, "/metrics?name%5B%5D=nothing", &[]).await;
        assert_eq!(small.status, 200);
        assert!(small.body.len() < 1024);
        assert!(small.header("content-length").is_some());
    }
}
