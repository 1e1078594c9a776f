// Tuple structs cannot derive Collector.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats(f64);

fn main() {}
