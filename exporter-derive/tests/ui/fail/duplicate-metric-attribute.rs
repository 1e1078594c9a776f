// A key given twice is rejected on the second one.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, name = "a", name = "b")]
    value: f64,
}

fn main() {}
