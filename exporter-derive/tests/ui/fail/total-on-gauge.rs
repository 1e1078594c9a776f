// Promlint: `_total` is for counters only.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    connections_total: u64,
}

fn main() {}
