// `native(...)` is a histogram option; on a summary it is rejected.
use exporter_core::metric::Summary;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(summary, native(factor = 1.1))]
    latency_seconds: Summary,
}

fn main() {}
