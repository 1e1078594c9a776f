//! Run with: cargo run --example hello_world
//!
//! The classic client_golang hello world: one gauge, `a_hello_world_exporter`,
//! with a `name` label and random values, served on port 8080 at `/metrics`.

use exporter_core::http::{serve, MetricsHandler};
use exporter_core::{collector, Collector, Registry};

/// What one scrape reports; a fresh one is filled at every scrape.
#[derive(Collector)]
struct HelloWorld {
    /// Help Info for Hello World Exporter
    #[metric(gauge, name = "a_hello_world_exporter", labels(name))]
    values: Vec<([&'static str; 1], f64)>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::new();
    registry.register(collector::from_fn(|| {
        Ok(HelloWorld {
            values: vec![
                (["haohao"], f64::from(fastrand::u32(0..1000))),
                (["nana"], f64::from(fastrand::u32(0..100))),
            ],
        })
    }))?;
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    println!("serving on http://{}/metrics", listener.local_addr()?);
    serve(listener, MetricsHandler::new(registry)).await?;
    Ok(())
}
