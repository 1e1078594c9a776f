// `native(...)` configures the generated constructor, which a snapshot struct does not have.
use exporter_core::value::NativeHistogramSnapshot;
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = 1.1))]
    latency_seconds: NativeHistogramSnapshot,
}

fn main() {}
