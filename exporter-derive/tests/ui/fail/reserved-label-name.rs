// A label name starting with `__` is rejected.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, labels(__name__))]
    values: Vec<([&'static str; 1], f64)>,
}

fn main() {}
