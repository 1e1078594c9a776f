//! Run with: cargo run --example axum
//!
//! Metrics mounted in an existing axum application: the handler is a tower
//! `Service`, so `Router::route_service` takes it as is.
//! Try `curl http://127.0.0.1:3000/` and `curl http://127.0.0.1:3000/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use exporter_core::http::MetricsHandler;
use exporter_core::{Collector, Registry};

/// The application's own state, also reported as metrics.
#[derive(Default)]
struct Hits {
    count: AtomicU64,
}

/// What the app reports at each scrape.
#[derive(Collector)]
struct AppMetrics {
    /// Requests served by the index page.
    #[metric(counter)]
    app_index_requests_total: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hits = Arc::new(Hits::default());
    let registry = Registry::new();
    let seen = Arc::clone(&hits);
    registry.register(exporter_core::collector::from_fn(move || {
        Ok(AppMetrics {
            app_index_requests_total: seen.count.load(Ordering::Relaxed),
        })
    }))?;

    let app = Router::new()
        .route(
            "/",
            get(move || async move {
                hits.count.fetch_add(1, Ordering::Relaxed);
                "hello from axum\n"
            }),
        )
        .route_service("/metrics", MetricsHandler::new(registry));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("serving on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
