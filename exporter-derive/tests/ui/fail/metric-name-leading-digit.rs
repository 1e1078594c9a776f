// A metric name cannot start with a digit.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, name = "1st")]
    value: f64,
}

fn main() {}
