// `native(...)` given twice: the second is the error.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = 1.1), native(factor = 2))]
    latency_seconds: Histogram,
}

fn main() {}
