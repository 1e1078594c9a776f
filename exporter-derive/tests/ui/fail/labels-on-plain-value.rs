// A plain value is one series: `labels(...)` has nothing to name.
use exporter_core::Collector;

#[derive(Collector)]
struct Memory {
    /// Free memory.
    #[metric(gauge, labels(kind))]
    free_bytes: f64,
}

fn main() {}
