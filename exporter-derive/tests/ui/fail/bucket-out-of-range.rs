// A bound too large for an `f64` (it would parse as infinity) is rejected on the literal.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(buckets(1, 1e400))]
    latency_seconds: exporter_core::metric::Histogram,
}

fn main() {}
