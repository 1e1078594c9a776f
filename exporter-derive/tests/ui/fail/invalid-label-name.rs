// A label name outside [a-zA-Z0-9_] is rejected on the label.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, labels(naïve))]
    values: Vec<([&'static str; 1], f64)>,
}

fn main() {}
