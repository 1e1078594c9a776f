// `skip` takes no other metric attributes.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(skip, gauge)]
    value: f64,
}

fn main() {}
