// `labels(...)` takes label names, not `name = value` pairs.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, labels(name = "x"))]
    values: Vec<([&'static str; 1], f64)>,
}

fn main() {}
