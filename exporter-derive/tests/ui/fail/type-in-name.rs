// Promlint: the metric type does not belong in the name.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    queue_gauge: f64,
}

fn main() {}
