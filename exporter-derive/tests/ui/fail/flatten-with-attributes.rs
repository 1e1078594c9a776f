// `flatten` includes another collector as it is and takes no other metric attributes.
use exporter_core::Collector;

#[derive(Collector)]
struct Inner {
    /// Help.
    #[metric(gauge)]
    value: f64,
}

#[derive(Collector)]
struct Outer {
    #[metric(flatten, name = "renamed")]
    inner: Inner,
}

fn main() {}
