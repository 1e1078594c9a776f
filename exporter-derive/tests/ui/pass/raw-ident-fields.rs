// `r#type` fields and labels lose their `r#` in metric and label names.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Rows by type.
    #[metric(gauge, labels(r#type))]
    r#type: Vec<([&'static str; 1], f64)>,
}

fn main() {
    let stats = Stats { r#type: vec![(["a"], 1.0)] };
    let descs = stats.describe();
    assert_eq!(descs[0].name(), "type");
    assert_eq!(descs[0].variable_labels(), ["type"]);
}
