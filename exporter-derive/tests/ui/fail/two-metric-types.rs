// A metric has one type keyword.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, counter)]
    value: f64,
}

fn main() {}
