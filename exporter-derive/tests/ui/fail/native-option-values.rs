// Option values Go would refuse or ignore, each reported at its value: a negative
// threshold, no limit written as 0, a zero reset duration, an unknown duration, a
// fractional bucket count, a maximum zero threshold below the zero threshold.
use exporter_core::metric::Histogram;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(histogram, native(factor = 1.1, zero_threshold = -0.1))]
    a_seconds: Histogram,
    /// Help.
    #[metric(histogram, native(factor = 1.1, max_buckets = 0))]
    b_seconds: Histogram,
    /// Help.
    #[metric(histogram, native(factor = 1.1, max_buckets = 100, min_reset_duration = 0))]
    c_seconds: Histogram,
    /// Help.
    #[metric(histogram, native(factor = 1.1, max_buckets = 100, min_reset_duration = "1 hour"))]
    d_seconds: Histogram,
    /// Help.
    #[metric(histogram, native(factor = 1.1, max_buckets = 1.5))]
    e_seconds: Histogram,
    /// Help.
    #[metric(histogram, native(factor = 1.1, zero_threshold = 0.01, max_buckets = 100, max_zero_threshold = 0.001))]
    f_seconds: Histogram,
}

fn main() {}
