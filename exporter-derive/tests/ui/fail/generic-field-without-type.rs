// A generic field must state its metric type.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats<T> {
    /// Help.
    value: T,
}

fn main() {}
