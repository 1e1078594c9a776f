// A keyed collection without `labels(...)` is rejected on the key type.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    values: Vec<([&'static str; 1], f64)>,
}

fn main() {}
