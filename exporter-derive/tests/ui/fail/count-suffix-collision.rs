// A metric named like a histogram's `_count` series is rejected.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(histogram)]
    latency_seconds: exporter_core::encoding::HistogramValue<'static>,
    /// Help.
    #[metric(gauge)]
    latency_seconds_count: f64,
}

fn main() {}
