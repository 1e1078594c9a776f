// Promlint: metric names use base units.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    latency_milliseconds: f64,
}

fn main() {}
