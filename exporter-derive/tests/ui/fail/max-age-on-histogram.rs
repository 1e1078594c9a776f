// `max_age` is a summary window; on a histogram it is rejected.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, max_age = 600)]
    latency_seconds: exporter_core::encoding::HistogramValue<'static>,
}

fn main() {}
