// A float cannot be a label value.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, labels(x))]
    values: Vec<([f64; 1], f64)>,
}

fn main() {}
