// A bad attribute still gets a Collector impl, so register() adds no error.
use exporter_core::{Collector, Registry};

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, name = "bad name")]
    value: f64,
}

fn main() {
    let registry = Registry::new();
    let _ = registry.register(Stats { value: 1.0 });
}
