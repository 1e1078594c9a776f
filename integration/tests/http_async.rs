//! Async collectors behind the HTTP handler: they run concurrently, and the
//! scraper's `X-Prometheus-Scrape-Timeout-Seconds` (minus the offset) cancels
//! the ones that are too slow while the rest of the scrape is served.

#![allow(clippy::unwrap_used)]

mod http_support;

use std::time::{Duration, Instant};

use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
use exporter_core::{collector, Collector, Registry};
use http_support::{get, handler_errors, start, value};

#[derive(Collector)]
struct Fast {
    /// A value from a quick remote.
    #[metric(gauge)]
    fast_value: f64,
}

#[derive(Collector)]
struct Slow {
    /// A value from a remote that does not answer in time.
    #[metric(gauge)]
    slow_value: f64,
}

fn registry() -> Registry {
    let registry = Registry::new();
    registry
        .register_async(collector::from_async_fn(|| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Fast { fast_value: 1.5 })
        }))
        .unwrap();
    registry
        .register_async(collector::from_async_fn(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(Slow { slow_value: 2.0 })
        }))
        .unwrap();
    registry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_timeout_header_cancels_slow_async_collectors() {
    let opts = HandlerOpts::default()
        .error_handling(ErrorHandling::ContinueOnError)
        .scrape_timeout_offset(Duration::from_millis(200));
    let server = start(MetricsHandler::with_opts(registry(), opts)).await;
    let started = Instant::now();
    let reply = get(
        server.addr,
        "/metrics",
        &[("X-Prometheus-Scrape-Timeout-Seconds", "0.5")],
    )
    .await;
    let took = started.elapsed();
    assert_eq!(reply.status, 200);
    // 0.5 s minus the 0.2 s offset: the slow collector is dropped at ~0.3 s.
    assert!(took >= Duration::from_millis(250), "answered in {took:?}");
    assert!(took < Duration::from_secs(3), "answered in {took:?}");
    let text = reply.text();
    assert_eq!(value(&text, "fast_value", &[]), Some(1.5));
    assert_eq!(value(&text, "slow_value", &[]), None);
    // The cancelled collector is counted as a gathering error, in this very scrape.
    assert_eq!(handler_errors(&text, "gathering"), Some(1.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_error_policy_answers_500_naming_the_timed_out_collector() {
    let server = start(MetricsHandler::new(registry())).await;
    let reply = get(
        server.addr,
        "/metrics",
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1")],
    )
    .await;
    assert_eq!(reply.status, 500);
    let text = reply.text();
    assert!(text.contains("Slow"), "{text}");
    assert!(text.contains("timed out"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_timeout_header_is_ignored() {
    let registry = Registry::new();
    registry
        .register_async(collector::from_async_fn(|| async {
            Ok(Fast { fast_value: 3.0 })
        }))
        .unwrap();
    let server = start(MetricsHandler::new(registry)).await;
    // 1e19 s is a valid duration that no `Instant` can be moved by.
    for bad in ["abc", "-1", "NaN", "inf", "1e400", "", "1e19", "1e15"] {
        let reply = get(
            server.addr,
            "/metrics",
            &[("X-Prometheus-Scrape-Timeout-Seconds", bad)],
        )
        .await;
        assert_eq!(reply.status, 200, "header {bad:?}");
        assert_eq!(value(&reply.text(), "fast_value", &[]), Some(3.0));
    }
}
