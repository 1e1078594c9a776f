// A native bucket factor must be above 1 (Go's `pickSchema` needs it): the error is on the value.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = 1))]
    latency_seconds: Histogram,
}

fn main() {}
