//! An exporter for the tests that need a process of their own (signals, limits,
//! socket activation): the standard runtime with one collector, which blocks for
//! `TEST_EXPORTER_SCRAPE_SLEEP_MS` milliseconds per scrape (default 0).

use std::process::ExitCode;
use std::time::Duration;

use exporter_core::runtime::Exporter;
use exporter_core::{collector, Collector};

#[derive(Collector)]
struct Test {
    /// Always 1.
    #[metric(gauge)]
    test_up: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let sleep = std::env::var("TEST_EXPORTER_SCRAPE_SLEEP_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    Exporter::builder("test_exporter")
        .version("0.0.0")
        .collector(collector::from_fn(move || {
            // Blocking on purpose: a collector stuck in a system call.
            std::thread::sleep(sleep);
            Ok(Test { test_up: 1.0 })
        }))
        .run()
        .await
}
