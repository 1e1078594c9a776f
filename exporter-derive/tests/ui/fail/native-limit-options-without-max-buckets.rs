// `min_reset_duration` and `max_zero_threshold` act only when `max_buckets` limits the buckets.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = 1.1, min_reset_duration = "1h", max_zero_threshold = 0.01))]
    latency_seconds: Histogram,
}

fn main() {}
