// Unions cannot derive Collector.
use exporter_core::Collector;

#[derive(Collector)]
union Stats {
    a: f64,
}

fn main() {}
