//! One hello-world scrape through the HTTP handler, in process (no sockets):
//! this crate's `MetricsHandler` without and with its self-metrics, against
//! the `prometheus`-crate peer's handler function (the same work as
//! `benches/peers/prometheus_hello_world.rs` does per request). It isolates
//! the handler's own cost from the server's; `scripts/bench_http.sh` loads
//! the whole servers.
//!
//! Run with: cargo bench -p exporter-benches --bench handler
//!
//! `BENCH_HANDLER=<bare|self|peer> BENCH_ITERS=<n>` runs one case n times
//! outside criterion (for `valgrind --tool=callgrind`, which counts
//! instructions independently of the machine's load) and prints the mean.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use exporter_benches::peer::PrometheusHelloWorld;
use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::{collector, Collector, Registry};
use http_body_util::BodyExt;
use hyper::Request;

#[derive(Collector)]
struct HelloWorld {
    /// Help Info for Hello World Exporter
    #[metric(gauge, name = "a_hello_world_exporter", labels(name))]
    values: Vec<([&'static str; 1], f64)>,
}

fn exporter(self_metrics: bool) -> MetricsHandler {
    let registry = Registry::new();
    let hello = collector::from_fn(|| {
        Ok(HelloWorld {
            values: vec![
                (["haohao"], f64::from(fastrand::u32(0..1000))),
                (["nana"], f64::from(fastrand::u32(0..100))),
            ],
        })
    })
    .non_blocking();
    registry.register(hello).expect("valid collector");
    MetricsHandler::with_opts(registry, HandlerOpts::default().self_metrics(self_metrics))
}

/// `n` requests of `case`, run as a task on a 2-worker runtime (as the
/// server runs them); returns the time they took.
fn run(runtime: &tokio::runtime::Runtime, case: &str, n: u64) -> Duration {
    let case = case.to_owned();
    let handler = Arc::new(match case.as_str() {
        "bare" => Some(exporter(false)),
        "self" => Some(exporter(true)),
        _ => None,
    });
    let peer = Arc::new(PrometheusHelloWorld::new().expect("peer registry"));
    runtime.block_on(async move {
        tokio::spawn(async move {
            let req = Request::get("/metrics").body(()).expect("request");
            let started = Instant::now();
            let mut bytes = 0;
            for _ in 0..n {
                bytes += match handler.as_ref() {
                    Some(h) => h
                        .handle(&req)
                        .await
                        .into_body()
                        .collect()
                        .await
                        .map_or(0, |b| b.to_bytes().len()),
                    None => peer
                        .scrape()
                        .into_body()
                        .collect()
                        .await
                        .map_or(0, |b| b.to_bytes().len()),
                };
            }
            assert!(bytes as u64 >= n * 100, "{case}: short answers");
            started.elapsed()
        })
        .await
        .expect("bench task")
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn handler(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("handler");
    for case in ["bare", "self", "peer"] {
        group.bench_function(case, |b| b.iter_custom(|n| run(&runtime, case, n)));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = handler
}

fn main() {
    if let Ok(case) = std::env::var("BENCH_HANDLER") {
        let n = std::env::var("BENCH_ITERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        let took = run(&runtime(), &case, n);
        println!(
            "{case}: {:.2} us per request over {n}",
            took.as_secs_f64() * 1e6 / n as f64
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
