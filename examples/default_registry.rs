//! Run with: cargo run --example default_registry
//!
//! Go's `prometheus.MustRegister(...)` + `http.Handle("/metrics", promhttp.Handler())`:
//! instruments registered in the process-wide default registry, served with
//! one call, with the process metrics (`process_*`, Linux) and the handler's
//! self-metrics (`promhttp_*`) included.
//! Try `curl http://127.0.0.1:8080/metrics`.

use std::sync::Arc;
use std::time::Duration;

use exporter_core::http::{handler, serve};
use exporter_core::metric::{Counter, Metric};
use exporter_core::{default_registry, Desc, MetricType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Go: `ticks := prometheus.NewCounter(prometheus.CounterOpts{...}); prometheus.MustRegister(ticks)`.
    let desc = Desc::new(
        "example_ticks_total",
        "Seconds the example has been ticking.",
        MetricType::Counter,
        [] as [&str; 0],
    )?;
    let ticks = Arc::new(Metric::new(desc, Counter::<u64>::new())?);
    default_registry().register_arc(ticks.clone())?;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            ticks.inc();
        }
    });

    // Go: `http.Handle("/metrics", promhttp.Handler()); http.ListenAndServe(":8080", nil)`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("serving on http://{}/metrics", listener.local_addr()?);
    serve(listener, handler()).await?;
    Ok(())
}
