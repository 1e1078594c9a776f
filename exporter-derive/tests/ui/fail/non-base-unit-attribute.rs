// `unit = "..."` must be a base unit.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, unit = "kilobytes")]
    memory_kilobytes: f64,
}

fn main() {}
