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
    // `--web.listen-address <addr>` as in every Prometheus exporter; default all interfaces, port 8080.
    let mut args = std::env::args().skip(1);
    let mut addr = "0.0.0.0:8080".to_owned();
    while let Some(arg) = args.next() {
        match arg.split_once('=') {
            Some(("--web.listen-address", v)) => v.clone_into(&mut addr),
            _ if arg == "--web.listen-address" => addr = args.next().ok_or("missing address")?,
            _ => return Err(format!("unknown flag {arg}").into()),
        }
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("serving on http://{}/metrics", listener.local_addr()?);
    serve(listener, MetricsHandler::new(registry)).await?;
    Ok(())
}
