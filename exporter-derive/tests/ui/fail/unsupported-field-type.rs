// A field type that is no metric errors at the field type.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge)]
    name: String,
}

fn main() {}
