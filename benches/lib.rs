//! Shared pieces of the benchmarks in this folder (criterion, `harness = false`).
//!
//! Run with: cargo bench -p exporter-benches

pub mod peer;
pub mod report;
