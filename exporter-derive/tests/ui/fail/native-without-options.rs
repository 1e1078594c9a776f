// A bare `native` is rejected with the form to write.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native)]
    latency_seconds: Histogram,
}

fn main() {}
