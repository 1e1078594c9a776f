// `native(...)` on a field whose type implies another metric type: a const check at the option.
use exporter_core::metric::Counter;
use exporter_core::Collector;

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Help.
    #[metric(native(factor = 1.1))]
    requests_total: Counter,
}

fn main() {}
