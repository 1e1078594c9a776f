//! HTTP serving on hyper 1 and tokio: the metrics handler (Go's
//! `promhttp.HandlerFor`) and a small server around it.

mod handler;
mod server;

pub use handler::{HandlerOpts, MetricsHandler};
pub use server::{serve, Serve};
