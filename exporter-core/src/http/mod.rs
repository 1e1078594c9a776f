//! HTTP serving on hyper 1 and tokio: the metrics handler (Go's
//! `promhttp.HandlerFor`), a tower `Service` for it, and a small server.

mod body;
mod compress;
mod default;
mod handler;
mod instrument;
mod server;
#[cfg(feature = "tls")]
mod tls;
mod tower;

pub use body::{Body, BodyError};
pub use compress::Compression;
pub use default::handler;
pub use handler::{
    ErrorHandling, HandlerOpts, MetricsHandler, CHANNEL_CHUNKS, CHUNK, INLINE_UNDER,
};
pub use server::{serve, Serve};
#[cfg(feature = "tls")]
pub use tls::{WebConfig, WebConfigError};
