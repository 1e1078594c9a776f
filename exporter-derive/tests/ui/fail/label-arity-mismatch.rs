// `labels(...)` must name as many labels as the key has values.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, labels(a, b))]
    values: Vec<([&'static str; 1], f64)>,
}

fn main() {}
