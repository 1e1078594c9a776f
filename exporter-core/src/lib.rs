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
//!
//! # How the crate is built
//!
//! The modules form layers. Each imports only modules on lines below its own
//! (`tests/layers.rs` reads this drawing and fails on an import that goes up):
//!
//! ```text
//! __private                        (hidden) what generated code names
//! runtime testutil                 the exporter surface: flags, logging, landing page, signals; the test kit
//! http                             the metrics handler, the server, TLS and basic auth
//! scrape interop process           scrapers (flags, `<ns>_up`, `/probe`); bridges to other crates; ready-made collectors
//! registry                         collectors registered; gathering a scrape
//! metric                           live instruments (counters, histograms, families)
//! collector                        what a registry asks of a collector
//! field                            what a metric field implements (values, families, info, stateset)
//! encoding                         the formats, the checks of one scrape, wrapping's rewrite
//! error                            what collecting reports
//! desc labels                      descriptors and label values
//! value escape escaping            sample values; escaping of help and label values, and of names
//! name short_copy hash             leaves: the name grammar (shared with the derive); byte copies; hashing
//! ```
//!
//! A scrape runs top to bottom: the handler negotiates a [`Format`], the
//! registry hands a [`MetricEncoder`] to each collector, each collector opens a
//! [`FamilyEncoder`] per descriptor and writes its samples straight into the
//! output bytes. `__private` (hidden) re-exports what generated code names.

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
pub(crate) mod escape;
pub mod escaping;
pub mod field;
pub(crate) mod hash;
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
#[cfg(feature = "async")]
pub mod scrape;
pub(crate) mod short_copy;
pub mod testutil;
pub mod value;

#[doc(hidden)]
pub mod __private;

#[doc(inline)]
pub use crate::collector::{Collector, StaticCollector};
#[doc(inline)]
pub use crate::desc::DescError;
#[doc(inline)]
pub use crate::desc::{Desc, DescBuilder, MetricType};
#[doc(inline)]
pub use crate::encoding::{FamilyEncoder, Format, MetricEncoder};
#[doc(inline)]
pub use crate::error::CollectError;
/// The label traits and, with the `derive` feature, their derives.
#[doc(inline)]
pub use crate::labels::{LabelSet, LabelValue};
#[doc(inline)]
pub use crate::metric::{Counter, Family, Gauge, Histogram, Summary};
#[doc(inline)]
pub use crate::registry::{default_registry, Gatherer, Registry};
#[doc(inline)]
pub use crate::registry::{GatherError, RegisterError};
/// Owned counter, histogram and summary values, for snapshot struct fields.
pub use crate::value::{
    CounterSnapshot, HistogramSnapshot, NativeHistogramSnapshot, SummarySnapshot,
};

#[doc = include_str!("../docs/derive.md")]
#[cfg(feature = "derive")]
pub use exporter_derive::Collector;
// `LabelSet` and `LabelValue` (traits and derives) are re-exported above,
// from `labels`.
