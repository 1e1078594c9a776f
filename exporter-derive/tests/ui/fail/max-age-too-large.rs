// A summary window past `Duration::MAX` is rejected instead of panicking in `new()`.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(max_age = 1e20)]
    size_bytes: exporter_core::metric::Summary,
}

fn main() {}
