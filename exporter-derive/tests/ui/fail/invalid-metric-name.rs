// A metric name with a `-` is rejected on the literal.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, name = "http-requests")]
    value: f64,
}

fn main() {}
