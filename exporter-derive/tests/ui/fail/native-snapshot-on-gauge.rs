// A native histogram snapshot is a histogram: `gauge` contradicts it.
use exporter_core::value::NativeHistogramSnapshot;
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    latency_seconds: NativeHistogramSnapshot,
}

fn main() {}
