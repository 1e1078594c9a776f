// Summary objectives are quantiles in [0, 1].
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(summary, objectives((0.5, 0.05), (99.0, 0.001)))]
    latency_seconds: exporter_core::encoding::SummaryValue<'static>,
}

fn main() {}
