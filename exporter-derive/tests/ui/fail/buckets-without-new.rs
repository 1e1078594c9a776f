// `buckets(...)` needs the generated constructor.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(histogram, buckets(0.1, 1))]
    latency_seconds: exporter_core::encoding::HistogramValue<'static>,
}

fn main() {}
