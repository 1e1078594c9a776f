//! Interop with other metrics libraries.
//!
//! With the `prometheus` cargo feature, the `prometheus` module
//! serves an existing `prometheus::Registry` (or any of its collectors) in
//! this crate's scrapes, and lets a `#[derive(Collector)]` type register in a
//! `prometheus::Registry`.

#[cfg(feature = "prometheus")]
pub mod prometheus;

/// Implements `prometheus::core::Collector` for a derived collector; expands
/// to nothing without the `prometheus` feature. Not a public API.
#[cfg(not(feature = "prometheus"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_prometheus_collector {
    ($($tokens:tt)*) => {};
}
