//! Async collectors: concurrent scrapes, the scrape deadline, contained panics.
#![cfg(feature = "async")]

use std::time::{Duration, Instant};

use exporter_core::collector::{self, NeedsAsync};
use exporter_core::registry::Gatherers;
use exporter_core::{
    CollectError, Collector, Format, GatherError, Gatherer, MetricEncoder, Registry,
};

#[derive(Collector)]
struct Fast {
    /// Answers quickly.
    #[metric(gauge)]
    fast_up: u8,
}

#[derive(Collector)]
struct SlowA {
    /// First slow system.
    #[metric(gauge)]
    slow_a_up: u8,
}

#[derive(Collector)]
struct SlowB {
    /// Second slow system.
    #[metric(gauge)]
    slow_b_up: u8,
}

#[derive(Collector)]
struct Sync {
    /// A plain sync collector.
    #[metric(counter)]
    sync_total: u64,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

async fn gather(r: &Registry, deadline: Option<Instant>) -> (String, Vec<GatherError>) {
    let mut enc = MetricEncoder::new(Format::Text);
    let errors = r.gather_async(&mut enc, deadline).await;
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    (String::from_utf8(out).expect("utf-8"), errors)
}

fn values(text: &str) -> Vec<(String, f64)> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("parse");
    let mut v: Vec<(String, f64)> = scrape
        .samples
        .into_iter()
        .map(|s| {
            let value = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                other => panic!("{other:?}"),
            };
            (s.metric, value)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn slow_registry(delay: Duration) -> Registry {
    let r = Registry::new();
    r.register_async(collector::from_async_fn(move || async move {
        tokio::time::sleep(delay).await;
        Ok(SlowA { slow_a_up: 1 })
    }))
    .unwrap();
    r.register_async(collector::from_async_fn(move || async move {
        tokio::time::sleep(delay).await;
        Ok(SlowB { slow_b_up: 1 })
    }))
    .unwrap();
    r.register(Sync { sync_total: 7 }).unwrap();
    r
}

#[test]
fn async_scrapes_run_concurrently() {
    let r = slow_registry(Duration::from_millis(300));
    let started = Instant::now();
    let (text, errors) = runtime().block_on(gather(&r, None));
    let took = started.elapsed();
    assert!(errors.is_empty(), "{errors:?}");
    // One after the other would take 600 ms.
    assert!(took < Duration::from_millis(500), "{took:?}");
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert_eq!(
        values(&text),
        [
            ("slow_a_up".to_owned(), 1.0),
            ("slow_b_up".to_owned(), 1.0),
            ("sync_total".to_owned(), 7.0)
        ]
    );
}

struct OnDrop(std::sync::mpsc::Sender<()>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

#[test]
fn a_scrape_past_the_deadline_is_cancelled_and_reported() {
    let r = Registry::new();
    let (dropped_tx, dropped_rx) = std::sync::mpsc::channel::<()>();
    r.register_async(collector::from_async_fn(move || {
        let guard = OnDrop(dropped_tx.clone());
        async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(guard);
            Ok(SlowA { slow_a_up: 1 })
        }
    }))
    .unwrap();
    r.register_async(collector::from_async_fn(|| async {
        Ok(Fast { fast_up: 1 })
    }))
    .unwrap();
    r.register(Sync { sync_total: 3 }).unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_millis(200);
    let (text, errors) = runtime().block_on(gather(&r, Some(deadline)));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(took >= Duration::from_millis(190), "{took:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].collector.contains("SlowA"),
        "{}",
        errors[0].collector
    );
    assert!(matches!(errors[0].error, CollectError::TimedOut));
    // The slow scrape was dropped, not left running.
    dropped_rx
        .recv_timeout(Duration::from_secs(1))
        .expect("the timed-out scrape was dropped");
    assert_eq!(
        values(&text),
        [("fast_up".to_owned(), 1.0), ("sync_total".to_owned(), 3.0)]
    );
}

#[test]
fn a_panicking_async_scrape_is_contained() {
    let r = Registry::new();
    r.register_async(collector::from_async_fn(|| async {
        tokio::task::yield_now().await;
        let replicas: Vec<SlowA> = Vec::new();
        // Exporter code that assumes a replica exists.
        let first = replicas
            .into_iter()
            .next()
            .map_or_else(|| panic!("replica vanished"), Ok);
        first
    }))
    .unwrap();
    r.register_async(collector::from_async_fn(|| async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(Fast { fast_up: 1 })
    }))
    .unwrap();
    let (text, errors) =
        runtime().block_on(gather(&r, Some(Instant::now() + Duration::from_secs(5))));
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0].error {
        CollectError::Panicked(message) => assert_eq!(message, "replica vanished"),
        other => panic!("{other:?}"),
    }
    assert_eq!(values(&text), [("fast_up".to_owned(), 1.0)]);
}

#[test]
fn a_failing_async_scrape_is_reported_and_a_sync_gather_names_the_async_ones() {
    let r = Registry::new();
    r.register_async(collector::from_async_fn(|| async {
        Err::<SlowA, _>(CollectError::other("connection refused"))
    }))
    .unwrap();
    r.register(Sync { sync_total: 1 }).unwrap();
    let (text, errors) = runtime().block_on(gather(&r, None));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error.to_string(), "connection refused");
    assert_eq!(values(&text), [("sync_total".to_owned(), 1.0)]);

    // The same collector registered twice is refused, as for sync ones.
    let again = r.register_async(collector::from_async_fn(|| async {
        Ok(SlowA { slow_a_up: 1 })
    }));
    assert!(again.is_err());

    // A sync gather cannot await: the async collector is reported, the rest served.
    let mut enc = MetricEncoder::new(Format::Text);
    let errors = r.gather_into(&mut enc);
    assert_eq!(errors.len(), 1);
    match &errors[0].error {
        CollectError::Other(e) => assert!(e.downcast_ref::<NeedsAsync>().is_some(), "{e}"),
        other => panic!("{other:?}"),
    }
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    assert_eq!(
        values(&String::from_utf8(out).unwrap()),
        [("sync_total".to_owned(), 1.0)]
    );
}

#[test]
fn gatherers_and_a_dyn_gatherer_await_async_collectors() {
    let slow = std::sync::Arc::new(slow_registry(Duration::from_millis(300)));
    let other = std::sync::Arc::new(Registry::new());
    other
        .register_async(collector::from_async_fn(|| async {
            Ok(Fast { fast_up: 1 })
        }))
        .unwrap();
    // What an HTTP handler holds: a `dyn Gatherer`.
    let all: std::sync::Arc<dyn Gatherer> =
        std::sync::Arc::new(Gatherers::new().with(slow).with(other));
    let started = Instant::now();
    let (text, errors) = runtime().block_on(async {
        let mut enc = MetricEncoder::new(Format::Text);
        let errors = all
            .gather_async(&mut enc, Some(Instant::now() + Duration::from_millis(100)))
            .await;
        let mut out = Vec::new();
        enc.finish_into(&mut out);
        (String::from_utf8(out).unwrap(), errors)
    });
    assert!(started.elapsed() < Duration::from_secs(5));
    let mut timed_out: Vec<&str> = errors
        .iter()
        .filter(|e| matches!(e.error, CollectError::TimedOut))
        .map(|e| e.collector.as_str())
        .collect();
    timed_out.sort_unstable();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        timed_out[0].contains("SlowA") && timed_out[1].contains("SlowB"),
        "{timed_out:?}"
    );
    assert_eq!(
        values(&text),
        [("fast_up".to_owned(), 1.0), ("sync_total".to_owned(), 7.0)]
    );
}
