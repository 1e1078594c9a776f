// A summary needs a field type that holds one, not a plain number.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Request latency.
    #[metric(summary, labels(route))]
    latency_seconds: Vec<([String; 1], u64)>,
}

fn main() {}
