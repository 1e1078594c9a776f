// A label named twice across labels and const_labels is rejected on the second.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, labels(host), const_labels(host = "a"))]
    values: Vec<([&'static str; 1], f64)>,
}

fn main() {}
