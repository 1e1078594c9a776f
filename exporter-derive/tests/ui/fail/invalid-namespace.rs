// The namespace is checked like a metric name.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(namespace = "my-app")]
struct Stats {
    /// Help.
    #[metric(gauge)]
    value: f64,
}

fn main() {}
