// A generic key that turns out to carry no label values is a keyed field
// all the same: the count message, not the one-series one.
use exporter_core::{Collector, Registry};

#[derive(Collector)]
struct Stats<L> {
    /// Rows.
    #[metric(gauge, labels(a))]
    rows: Vec<(L, f64)>,
}

fn main() {
    let registry = Registry::new();
    let _ = registry.register(Stats::<[&'static str; 0]> { rows: vec![([], 1.0)] });
}
