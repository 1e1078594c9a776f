//! Build Prometheus exporters from annotated structs.
//!
//! `exporter-core` holds the registry, the exposition formats and the HTTP
//! serving; `#[derive(Collector)]` (re-exported here) turns a struct into a
//! collector, the way a Go author hand-writes `Describe` and `Collect`.
//!
//! # Example
//!
//! ```
//! use exporter_core::{Collector, Registry};
//!
//! /// The classic client_golang hello world, as a snapshot struct.
//! #[derive(Collector)]
//! struct HelloWorld {
//!     /// Help Info for Hello World Exporter
//!     #[metric(gauge, name = "a_hello_world_exporter", labels(name))]
//!     values: Vec<([&'static str; 1], f64)>,
//! }
//!
//! let registry = Registry::new();
//! registry.register(HelloWorld { values: vec![(["haohao"], 81.0), (["nana"], 87.0)] })?;
//! let expected = [
//!     "# HELP a_hello_world_exporter Help Info for Hello World Exporter",
//!     "# TYPE a_hello_world_exporter gauge",
//!     "a_hello_world_exporter{name=\"haohao\"} 81",
//!     "a_hello_world_exporter{name=\"nana\"} 87",
//! ];
//! assert_eq!(registry.gather_text(), expected.join("\n") + "\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs, unreachable_pub)]
// Library code never unwraps, panics or prints: a scrape must not take the exporter down.
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::float_cmp
    )
)]

pub mod collector;
pub mod desc;
pub mod encoding;
pub mod error;
pub mod escaping;
#[cfg(feature = "http")]
pub mod http;
pub mod interop;
pub mod labels;
pub mod metric;
pub mod name;
pub mod process;
pub mod registry;
#[cfg(feature = "runtime")]
pub mod runtime;
pub mod value;

#[doc(hidden)]
pub mod __private;

#[doc(inline)]
pub use crate::collector::{Collector, StaticCollector};
#[doc(inline)]
pub use crate::desc::{Desc, DescBuilder, MetricType};
#[doc(inline)]
pub use crate::encoding::{FamilyEncoder, Format, MetricEncoder};
#[doc(inline)]
pub use crate::error::{CollectError, DescError, GatherError, RegisterError};
#[doc(inline)]
pub use crate::metric::{Counter, Family, Gauge, Histogram, Summary};
#[doc(inline)]
pub use crate::registry::{default_registry, Gatherer, Registry};
/// Owned histogram and summary values, for snapshot struct fields.
pub use crate::value::{HistogramSnapshot, SummarySnapshot};

#[doc = include_str!("../docs/derive.md")]
#[cfg(feature = "derive")]
pub use exporter_derive::Collector;
/// Derives [`labels::EncodeLabelValues`] for a struct whose field names are
/// label names; see [`derive@Collector`].
#[cfg(feature = "derive")]
pub use exporter_derive::LabelSet;
/// Derives [`labels::EncodeLabelValue`] for a fieldless enum; see [`derive@Collector`].
#[cfg(feature = "derive")]
pub use exporter_derive::LabelValue;
