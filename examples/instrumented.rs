//! Run with: cargo run --example instrumented -- --web.listen-address 127.0.0.1:9000
//!
//! An application instrumented for Prometheus 3: a *native* request-latency
//! histogram with labels, under an OpenTelemetry-style UTF-8 name,
//! `http.server.request.duration` (labels `http.request.method` and
//! `http.response.status_code`), declared with `#[derive(Collector)]`: the
//! constructor builds the native histogram family from `native(...)`.
//!
//! What a scraper gets depends on what it asks for (see the README's
//! "Prometheus 3" section):
//!
//! - Prometheus 3 asks for `escaping=allow-utf-8` and gets the names as they
//!   are (in the text formats in the quoted syntax,
//!   `{"http.server.request.duration_count","http.request.method"="GET",...}`);
//! - Prometheus 2 asks for nothing and gets Go's default escaping,
//!   `http_server_request_duration` with `http_request_method`;
//! - with native histograms on (Prometheus 2.40+ `--enable-feature=native-histograms`,
//!   3.x `scrape_native_histograms: true`) it asks for protobuf first and
//!   stores the native buckets; the text formats show the `+Inf` bucket,
//!   `_sum` and `_count`.
//!
//! At start-up it records 1000 observations (latencies `i / 1000` seconds for
//! `i` in `1..=1000`, all `GET 200`), so that a test can compare what
//! Prometheus stored with what was observed (`histogram_count` 1000,
//! `histogram_sum` 500.5, median 0.5); then it
//! keeps observing a request a second, labelled `POST 201`, until stopped.
//! The standard flags apply (`--help`).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use exporter_core::metric::{Family, Histogram};
use exporter_core::runtime::Exporter;
use exporter_core::{Collector, Registry};

/// The application's metrics, built by the derive's constructor.
#[derive(Collector)]
#[collector(new)]
struct HttpServer {
    // Native buckets at most 10% wide (schema 3), at most 160 of them, reset
    // at most once an hour when there would be more, as client_golang users
    // commonly set. A UTF-8 name is an explicit choice (`allow(utf8_name)`):
    // scrapers that do not ask for `allow-utf-8` get it escaped.
    #[metric(
        name = "http.server.request.duration",
        help = "Duration of HTTP server requests.",
        labels("http.request.method", "http.response.status_code"),
        native(factor = 1.1, max_buckets = 160, min_reset_duration = "1h"),
        allow(utf8_name)
    )]
    request_duration: Family<[String; 2], Histogram>,
}

/// Observations recorded at start-up, `i / n` seconds for `i` in `1..=n`.
const DEMO_REQUESTS: u32 = 1000;

#[tokio::main]
async fn main() -> ExitCode {
    let n = DEMO_REQUESTS;
    let registry = Arc::new(Registry::new());
    let metrics = Arc::new(HttpServer::new());
    if let Err(e) = registry.register_arc(metrics.clone()) {
        eprintln!("cannot register the metrics: {e}");
        return ExitCode::FAILURE;
    }
    for i in 1..=n {
        metrics
            .request_duration
            .with(&["GET", "200"], |h| h.observe(f64::from(i) / f64::from(n)));
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            let seconds = f64::from(fastrand::u32(1..500)) / 1000.0;
            metrics
                .request_duration
                .with(&["POST", "201"], |h| h.observe(seconds));
        }
    });
    Exporter::builder("instrumented")
        .description("A native request-latency histogram with an OpenTelemetry-style name.")
        .version(env!("CARGO_PKG_VERSION"))
        .registry(registry)
        .run()
        .await
}
