// A generic struct gets inferred `EncodeFamily` bounds for its generic fields.
use exporter_core::{Collector, Registry};

#[derive(Collector)]
struct Stats<T, L> {
    /// A value of any metric value type.
    #[metric(gauge)]
    value: T,
    /// Rows keyed by any label values.
    #[metric(gauge, labels(kind))]
    rows: Vec<(L, f64)>,
}

fn main() {
    let registry = Registry::new();
    registry
        .register(Stats {
            value: 1_u32,
            rows: vec![(["a"], 1.0)],
        })
        .unwrap();
    let text = registry.gather_text();
    assert!(text.contains("rows{kind=\"a\"} 1\n") && text.contains("value 1\n"), "{text}");
}
