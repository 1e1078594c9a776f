// `quantile` is reserved on summaries.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(summary, labels(quantile))]
    latency_seconds: Vec<([&'static str; 1], exporter_core::encoding::SummaryValue<'static>)>,
}

fn main() {}
