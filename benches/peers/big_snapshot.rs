//! Run with: `cargo run --release -p exporter-benches --example big_snapshot -- 1000000`
//!
//! BENCHMARK FIXTURE for `scripts/bench_rss.sh`: one snapshot collector of N series
//! (default 1 000 000, a ~36 MB text body), a fresh snapshot built at every scrape as an
//! exporter's collector would, served by the metrics handler on 127.0.0.1 (a free port,
//! printed on stdout). The script measures the peak RSS one scrape adds per format.

use exporter_core::http::{serve, MetricsHandler};
use exporter_core::{collector, Collector, Registry};

#[derive(Collector)]
struct Big {
    /// One series per id.
    #[metric(gauge, name = "bench_series", labels(id))]
    values: Vec<([String; 1], f64)>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |s| s.parse())?;
    let registry = Registry::new();
    registry.register(collector::from_fn(move || {
        Ok(Big {
            values: (0..n).map(|i| ([i.to_string()], f64::from(i))).collect(),
        })
    }))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?);
    serve(listener, MetricsHandler::new(registry)).await?;
    Ok(())
}
