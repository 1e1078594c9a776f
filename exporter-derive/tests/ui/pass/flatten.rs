// `#[metric(flatten)]` includes a nested collector's descriptors and samples.
use exporter_core::{Collector, Registry};

#[derive(Collector)]
#[collector(namespace = "inner")]
struct Inner {
    /// Inner value.
    #[metric(gauge)]
    value: f64,
}

#[derive(Collector)]
#[collector(namespace = "outer")]
struct Outer {
    /// Outer value.
    #[metric(gauge)]
    value: f64,
    #[metric(flatten)]
    inner: Inner,
}

fn main() {
    let outer = Outer { value: 1.0, inner: Inner { value: 2.0 } };
    let names: Vec<&str> = outer.describe().iter().map(|d| d.name()).collect();
    assert_eq!(names, ["outer_value", "inner_value"]);
    let registry = Registry::new();
    registry.register(outer).unwrap();
    let text = registry.gather_text();
    assert!(text.contains("inner_value 2\n") && text.contains("outer_value 1\n"), "{text}");
}
