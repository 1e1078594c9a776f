// A stated type that contradicts the field type is rejected on the keyword.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    latency_seconds: exporter_core::encoding::HistogramValue<'static>,
}

fn main() {}
