// The `__` prefix is reserved for Prometheus.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, name = "__internal")]
    value: f64,
}

fn main() {}
