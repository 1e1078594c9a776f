// A histogram needs a field type that holds one, not a plain number.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Request latency.
    #[metric(histogram)]
    latency_seconds: f64,
}

fn main() {}
