// Promlint: a counter name ends in `_total`.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(counter)]
    requests: u64,
}

fn main() {}
