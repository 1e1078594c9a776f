// Enums cannot derive Collector.
use exporter_core::Collector;

#[derive(Collector)]
enum Stats {
    A,
}

fn main() {}
