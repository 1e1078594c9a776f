//! HTTP serving on hyper 1 and tokio: the metrics handler (Go's
//! `promhttp.HandlerFor`), a tower `Service` for it, and a small server.
//!
//! # Where a scrape runs
//!
//! In one sentence: a scrape whose gatherer has a collector that [may
//! block](crate::Collector::may_block) runs on a blocking thread, and any
//! other runs in the request's own task until it has written 64 KiB, when
//! the rest of it moves to a task of its own, which streams.
//!
//! Derived structs, live instruments, async collectors, the process
//! collector and the self-metrics cannot block; a hand-written collector or a
//! [`from_fn`](crate::collector::from_fn) closure may, unless it says it
//! cannot (`from_fn(..).non_blocking()`, as the hello world does). So a
//! collector that waits for the system it exports never holds up other
//! requests or the timeout's 503, and a scrape that cannot wait costs no
//! task, channel or thread hand-off.
//!
//! Why it moves: hyper sends the response from the request's task, so
//! nothing written there goes out before the scrape returns. A scrape checks
//! its size between two collectors; once it has written 64 KiB and could
//! stream (below), it pauses there and is moved to a task that can wait
//! for the client (on a current-thread runtime, which has no worker to
//! spare for that, a blocking thread), and the collectors after it stream.
//! What it wrote before the move is held until the scrape ends: under
//! 64 KiB plus the output of the collector that passed it. So a single
//! collector that writes a big family alone is held whole when it cannot
//! block; when it may (a `from_fn` snapshot, by default), it runs on a
//! blocking thread and its family goes out while it is written. Only this
//! crate's gatherers pause (a [`Registry`](crate::Registry) and
//! [`Gatherers`](crate::registry::Gatherers) of them). A gatherer of your
//! own cannot say which families it writes, so nothing of its scrape is
//! sent while it is written: it runs on a blocking thread (unless its
//! [`may_block`](crate::Gatherer::may_block) says no; then in the request's
//! task, to the end), and its body goes out once it is done. A scrape still in the
//! request's task is dropped at the [timeout](HandlerOpts::timeout) (its
//! async collectors cancelled) instead of finishing in the background.

//! # What is held in memory
//!
//! A family is written to its own buffer while collectors run, because the
//! text formats need each family's lines together under one header, and its
//! samples may come from several collectors. A big family is sent while it
//! is written ("streamed") when the scrape can send (it runs on a blocking
//! thread, or has moved out of the request's task, above) and nothing else
//! can add to the family later in the scrape: only the one collector
//! writing it describes its name (no other collector of its registry, no
//! other gatherer of a [`Gatherers`](crate::registry::Gatherers), nor the
//! `promhttp_*` self-metrics). Once such a family holds 64 KiB, the bytes go
//! to the compressor and the buffer is reused; streamed families come first
//! in the body, the others follow sorted by name when every collector is
//! done (a scrape that streams nothing is byte for byte what it would be
//! whole).
//!
//! So a scrape holds the families that cannot be streamed, whole, what it
//! wrote before it moved (if it did), and about 64 KiB per streamed family
//! plus a few compressed chunks waiting for the socket. A scrape under
//! 64 KiB is sent in one piece with a `Content-Length`, as is every scrape
//! that ends in the request's task (above); a bigger one that did not
//! stream goes out in compressed chunks once done. Protobuf families are never streamed (a family message
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
