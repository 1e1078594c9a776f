//! HTTP serving on hyper 1 and tokio: the metrics handler (Go's
//! `promhttp.HandlerFor`), a tower `Service` for it, and a small server.
//!
//! # Where a scrape runs
//!
//! In one sentence: a scrape whose gatherer has a collector that [may
//! block](crate::Collector::may_block) runs on a blocking thread, and on a
//! multi-thread runtime any other runs on the async workers: inside the
//! request's own task while the handler's recent scrapes were under 32 KiB,
//! else as a task of its own, which can stream.
//!
//! Derived structs, live instruments, async collectors, the process
//! collector and the self-metrics cannot block; a hand-written collector or a
//! [`from_fn`](crate::collector::from_fn) closure may, unless it says it
//! cannot (`from_fn(..).non_blocking()`, as the hello world does). So a
//! collector that waits for the system it exports never holds up other
//! requests or the timeout's 503, and a scrape that cannot wait skips the
//! trip to another thread and back. On a current-thread runtime every scrape
//! takes a blocking thread.
//!
//! Why the size: a scrape inside the request's task costs no task, channel
//! or thread hand-off, but it cannot stream, because hyper sends the
//! response from that same task, so it is held whole. So the handler runs
//! inline only what it expects to be small: the usual exporter, whose
//! scrapes are small and about the same size from one to the next. It
//! remembers the largest recent scrape, forgetting an eighth of it per
//! scrape, so one small scrape (a `name[]` filter) between big ones does not
//! send the next big one inline; the first scrape of a handler runs as a
//! task. One that runs inline and turns out big (a registry that suddenly
//! grew) is held whole, once, and the scrapes after it run as tasks (a
//! scrape that failed as a whole records no size). An inline scrape is
//! dropped at the [timeout](HandlerOpts::timeout) (its async collectors
//! cancelled) instead of finishing in the background.

//! # What is held in memory
//!
//! A family is written to its own buffer while collectors run, because the
//! text formats need each family's lines together under one header, and its
//! samples may come from several collectors. A big family is sent while it
//! is written ("streamed") when nothing else can add to it later in the
//! scrape: only the one collector writing it describes its name (no other
//! collector of its registry, no other gatherer of a
//! [`Gatherers`](crate::registry::Gatherers), nor the `promhttp_*`
//! self-metrics). Once such a family holds 64 KiB, the bytes go to the
//! compressor and the buffer is reused; streamed families come first in the
//! body, the others follow sorted by name when every collector is done (a
//! scrape that streams nothing is byte for byte what it would be whole).
//!
//! So a scrape holds the families that cannot be streamed, whole, and about
//! 64 KiB per streamed family plus a few compressed chunks waiting for the
//! socket. A scrape under 64 KiB is sent in one piece with a
//! `Content-Length`, as is every inline scrape (above). Protobuf families are never streamed (a family message
//! carries its length up front), nor is anything when a gatherer cannot say
//! which families it writes (an unchecked collector, a `prometheus`
//! registry).
//!
//! # When streaming meets errors
//!
//! The response head (`200`) goes out with the first streamed bytes, and the
//! [timeout](HandlerOpts::timeout) applies until then only. A collector that
//! fails after its family started streaming keeps the complete lines already
//! sent (the rest of its output is removed as usual). With
//! [`ErrorHandling::ContinueOnError`] the scrape goes on, the error logged
//! and counted. With [`ErrorHandling::HttpError`], a failure before anything
//! was streamed gives HTTP 500; one after ends the body with a
//! [`BodyError`], so hyper cuts the connection (HTTP/2: resets the stream)
//! and the scraper records a failed scrape, never a shorter body that looks
//! whole.

mod body;
mod compress;
mod conn_timer;
mod default;
#[cfg(any(feature = "runtime", feature = "tls"))]
mod duration;
mod handler;
mod instrument;
mod many_headers;
mod send_timeout;
mod server;
mod tower;
#[cfg(feature = "tls")]
mod web_config;

pub use body::{Body, BodyError};
pub use compress::Compression;
pub use default::handler;
#[cfg(any(feature = "runtime", feature = "tls"))]
pub(crate) use duration::parse_go_duration;
pub use handler::{ErrorHandling, HandlerOpts, MetricsHandler};
pub use server::{serve, Serve};
#[cfg(feature = "tls")]
#[doc(hidden)]
pub use web_config::{parse_basic_credentials, subject_alt_names};
#[cfg(feature = "tls")]
pub use web_config::{WebConfig, WebConfigError, BCRYPT_COSTS};
