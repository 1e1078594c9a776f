// A field const label that repeats a container const label is rejected on the field's.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(const_labels(host = "a"))]
struct Stats {
    /// Help.
    #[metric(gauge, const_labels(host = "b"))]
    value: f64,
}

fn main() {}
