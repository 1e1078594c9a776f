// `allow(...)` takes the lint names only.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(counter, allow(counter_totals))]
    requests: u64,
}

fn main() {}
