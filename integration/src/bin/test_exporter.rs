//! An exporter for the tests that need a process of their own (signals, limits,
//! socket activation): the standard runtime with one collector, which blocks for
//! `TEST_EXPORTER_SCRAPE_SLEEP_MS` milliseconds per scrape (default 0) and writes
//! `TEST_EXPORTER_ROWS` rows of `test_row` (default 0; a big scrape for the tests
//! of slow clients).

use std::process::ExitCode;
use std::time::Duration;

use exporter_core::runtime::Exporter;
use exporter_core::{collector, Collector};

#[derive(Collector)]
struct Test {
    /// Always 1.
    #[metric(gauge)]
    test_up: f64,
    /// One series per row, with a long label value.
    #[metric(gauge, labels(row, pad))]
    test_row: Vec<([String; 2], f64)>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let sleep = std::env::var("TEST_EXPORTER_SCRAPE_SLEEP_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    let rows: usize = std::env::var("TEST_EXPORTER_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Exporter::builder("test_exporter")
        .version("0.0.0")
        .collector(collector::from_fn(move || {
            // Blocking on purpose: a collector stuck in a system call.
            std::thread::sleep(sleep);
            let pad = "p".repeat(60);
            let test_row = (0..rows)
                .map(|row| ([row.to_string(), pad.clone()], row as f64))
                .collect();
            Ok(Test {
                test_up: 1.0,
                test_row,
            })
        }))
        .run()
        .await
}
