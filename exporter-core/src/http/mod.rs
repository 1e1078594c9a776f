//! HTTP serving on hyper 1 and tokio: the metrics handler (Go's
//! `promhttp.HandlerFor`), a tower `Service` for it, and a small server.

mod body;
mod compress;
mod default;
mod duration;
mod handler;
mod instrument;
mod send_timeout;
mod server;
mod tower;
#[cfg(feature = "tls")]
mod web_config;

pub use body::{Body, BodyError};
pub use compress::Compression;
pub use default::handler;
pub(crate) use duration::parse_go_duration;
pub use handler::{
    ErrorHandling, HandlerOpts, MetricsHandler, CHANNEL_CHUNKS, CHUNK, INLINE_UNDER,
};
pub use server::{serve, Serve};
#[cfg(feature = "tls")]
#[doc(hidden)]
pub use web_config::parse_basic_credentials;
#[cfg(feature = "tls")]
pub use web_config::{WebConfig, WebConfigError, BCRYPT_COSTS};
