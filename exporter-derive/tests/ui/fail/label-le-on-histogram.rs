// `le` is reserved on histograms.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(histogram, labels(le))]
    latency_seconds: Vec<([&'static str; 1], exporter_core::encoding::HistogramValue<'static>)>,
}

fn main() {}
