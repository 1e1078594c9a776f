// `factor` takes a number, not a string.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = "1.1"))]
    latency_seconds: Histogram,
}

fn main() {}
