// A bare `f64` does not say its metric type.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    temperature: f64,
}

fn main() {}
