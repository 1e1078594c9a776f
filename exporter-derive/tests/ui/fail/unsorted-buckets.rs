// Bucket bounds must increase.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, buckets(0.5, 0.1, 1))]
    latency_seconds: exporter_core::encoding::HistogramValue<'static>,
}

fn main() {}
