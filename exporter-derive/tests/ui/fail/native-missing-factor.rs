// `native(...)` needs a bucket factor: Go has no default one.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(max_buckets = 160))]
    latency_seconds: Histogram,
}

fn main() {}
