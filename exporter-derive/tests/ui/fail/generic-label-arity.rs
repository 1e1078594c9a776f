// A generic key type is checked against `labels(...)` where the struct is instantiated.
use exporter_core::{Collector, Registry};

#[derive(Collector)]
struct Stats<L> {
    /// Help.
    #[metric(gauge, labels(a))]
    rows: Vec<(L, f64)>,
}

fn main() {
    let registry = Registry::new();
    let _ = registry.register(Stats { rows: vec![(["x", "y"], 1.0)] });
}
