// A misspelt `native(...)` option gets a suggestion.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = 1.1, max_bucket = 160))]
    latency_seconds: Histogram,
}

fn main() {}
