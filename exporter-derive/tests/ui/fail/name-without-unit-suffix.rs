// A metric with a unit ends in it.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, unit = "seconds")]
    latency: f64,
}

fn main() {}
