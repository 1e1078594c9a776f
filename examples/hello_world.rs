//! Run with: cargo run --example hello_world
//!
//! The classic client_golang hello world: one gauge, `a_hello_world_exporter`,
//! with a `name` label and random values, served on port 8080 at `/metrics`
//! (all interfaces; change it with `--web.listen-address 127.0.0.1:9000`,
//! see `--help` for the other standard flags).

use std::process::ExitCode;
use std::sync::Arc;

use exporter_core::runtime::Exporter;
use exporter_core::{collector, Collector, Registry};

/// What one scrape reports; a fresh one is filled at every scrape.
#[derive(Collector)]
struct HelloWorld {
    /// Help Info for Hello World Exporter
    #[metric(gauge, name = "a_hello_world_exporter", labels(name))]
    values: Vec<([&'static str; 1], f64)>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let registry = Arc::new(Registry::new());
    // Random numbers never keep a scrape waiting: it may run on the server's
    // async workers instead of a blocking thread.
    let hello = collector::from_fn(|| {
        Ok(HelloWorld {
            values: vec![
                (["haohao"], f64::from(fastrand::u32(0..1000))),
                (["nana"], f64::from(fastrand::u32(0..100))),
            ],
        })
    })
    .non_blocking();
    if let Err(e) = registry.register(hello) {
        eprintln!("cannot register the hello world collector: {e}");
        return ExitCode::FAILURE;
    }
    Exporter::builder("hello_world")
        .description("The client_golang hello world, derived.")
        .version(env!("CARGO_PKG_VERSION"))
        .registry(registry)
        // The reference output is the one gauge plus the promhttp_* self-metrics.
        .process_metrics(false)
        .build_info(false)
        .run()
        .await
}
