// A flattened struct's metric names count in the duplicate check.
use exporter_core::Collector;

#[derive(Collector)]
struct Inner {
    /// Help.
    #[metric(gauge)]
    temperature: f64,
}

#[derive(Collector)]
struct Outer {
    /// Help.
    #[metric(gauge)]
    temperature: f64,
    #[metric(flatten)]
    inner: Inner,
}

fn main() {}
