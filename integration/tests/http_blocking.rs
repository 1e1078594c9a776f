//! Where a scrape runs: a collector that blocks runs on a blocking thread,
//! so it never stalls other requests nor the timeout's 503; a gatherer
//! whose collectors cannot block runs on the server's workers, so it needs
//! no blocking thread at all.

#![allow(clippy::unwrap_used)]

mod http_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::{CollectError, Collector, Desc, MetricEncoder, MetricType, Registry};
use http_support::{get, start, Fixed};

/// A derived snapshot struct: its `may_block` is false.
#[derive(Collector)]
struct Hello {
    /// Help Info for Hello World Exporter
    #[metric(gauge, name = "a_hello_world_exporter", labels(name))]
    values: Vec<([&'static str; 1], f64)>,
}

/// Sleeps in `collect` (a collector querying a slow system), counting calls.
struct Sleepy {
    desc: Desc,
    sleep: Duration,
    calls: AtomicUsize,
}

impl Sleepy {
    fn new(sleep: Duration) -> Self {
        Sleepy {
            desc: Desc::new("test_sleepy", "Sleeps.", MetricType::Gauge, [] as [&str; 0]).unwrap(),
            sleep,
            calls: AtomicUsize::new(0),
        }
    }
}

impl Collector for Sleepy {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.sleep);
        encoder.family(&self.desc)?.sample(&(), 1)
    }
}

/// Four scrapes blocked for 3 s on a 2-worker runtime: another handler on
/// the same runtime still answers at once (they hold blocking threads, not
/// the workers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_collector_does_not_stall_other_requests() {
    let sleepy = Arc::new(Sleepy::new(Duration::from_secs(3)));
    let registry = Registry::new();
    registry.register_arc(sleepy.clone()).unwrap();
    let slow = start(MetricsHandler::new(registry)).await;
    let fast = {
        let registry = Registry::new();
        registry.register(Fixed::new()).unwrap();
        start(MetricsHandler::new(registry)).await
    };

    let blocked: Vec<_> = (0..4)
        .map(|_| tokio::spawn(get(slow.addr, "/metrics", &[])))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(2);
    while sleepy.calls.load(Ordering::SeqCst) < 4 {
        assert!(
            Instant::now() < deadline,
            "the blocked scrapes did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    let reply = get(fast.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "another handler waited {:?} behind blocking collectors",
        started.elapsed()
    );
    for b in blocked {
        assert_eq!(b.await.unwrap().status, 200);
    }
}

/// The handler's timeout answers 503 on time while collectors block, for
/// more blocked scrapes than the runtime has workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_collector_does_not_delay_the_timeout() {
    let registry = Registry::new();
    registry
        .register(Sleepy::new(Duration::from_secs(3)))
        .unwrap();
    let opts = HandlerOpts::default().timeout(Some(Duration::from_millis(300)));
    let server = start(MetricsHandler::with_opts(registry, opts)).await;

    let started = Instant::now();
    let replies: Vec<_> = (0..4)
        .map(|_| tokio::spawn(get(server.addr, "/metrics", &[])))
        .collect();
    for r in replies {
        assert_eq!(r.await.unwrap().status, 503);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "four timeouts took {:?}",
        started.elapsed()
    );
}

/// A gatherer whose collectors cannot block runs in the request's task: with the only
/// blocking thread of the runtime busy, it still answers at once, where a
/// blocking collector's scrape must wait for that thread.
#[test]
fn a_scrape_that_cannot_block_needs_no_blocking_thread() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let derived = {
            let registry = Registry::new();
            registry
                .register(Hello {
                    values: vec![(["haohao"], 81.0)],
                })
                .unwrap();
            start(MetricsHandler::new(registry)).await
        };
        let blocking = {
            let registry = Registry::new();
            registry.register(Sleepy::new(Duration::ZERO)).unwrap();
            start(MetricsHandler::new(registry)).await
        };
        // Occupy the one blocking thread for 2 s.
        let busy = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(2)));
        tokio::time::sleep(Duration::from_millis(100)).await;

        let started = Instant::now();
        assert_eq!(get(derived.addr, "/metrics", &[]).await.status, 200);
        let on_task = started.elapsed();
        assert!(
            on_task < Duration::from_millis(500),
            "a non-blocking scrape waited {on_task:?} for a blocking thread"
        );

        let started = Instant::now();
        assert_eq!(get(blocking.addr, "/metrics", &[]).await.status, 200);
        assert!(
            started.elapsed() > Duration::from_secs(1),
            "the blocking scrape did not wait for the blocking thread: the check cannot tell"
        );
        busy.await.unwrap();
    });
}
