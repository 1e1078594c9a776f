// A misspelt `labels` gets a suggestion, and no "missing `labels(...)`" after it.
use exporter_core::Collector;

#[derive(Collector)]
struct Memory {
    /// Memory by kind.
    #[metric(gauge, lables(kind))]
    bytes: Vec<([&'static str; 1], u64)>,
}

fn main() {}
