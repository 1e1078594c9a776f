// Two fields with the same metric name are rejected on the second.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    temperature: f64,
    /// Help.
    #[metric(gauge, name = "temperature")]
    other: f64,
}

fn main() {}
