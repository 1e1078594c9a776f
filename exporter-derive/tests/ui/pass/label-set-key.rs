// A `#[derive(LabelSet)]` key names its labels; `#[derive(LabelValue)]` enums are values.
use exporter_core::{Collector, LabelSet, LabelValue};

#[derive(LabelValue)]
enum Method {
    #[label(rename = "GET")]
    Get,
}

#[derive(LabelSet)]
struct Route<'a> {
    method: Method,
    #[label(name = "handler")]
    path: &'a str,
}

#[derive(Collector)]
struct Stats<'a> {
    /// Requests by route.
    #[metric(counter)]
    requests_total: Vec<(Route<'a>, u64)>,
}

fn main() {
    let stats = Stats { requests_total: vec![(Route { method: Method::Get, path: "/" }, 1)] };
    assert_eq!(stats.describe()[0].variable_labels(), ["method", "handler"]);
}
