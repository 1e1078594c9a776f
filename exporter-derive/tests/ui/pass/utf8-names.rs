// UTF-8 names (Prometheus 3), each opted into with `allow(utf8_name)`: a metric
// name, a label in `labels("...")`, and a renamed `LabelSet` field.
use exporter_core::labels::LabelNames;
use exporter_core::metric::Family;
use exporter_core::{Collector, Counter, LabelSet};

#[derive(LabelSet, Clone, PartialEq, Eq, Hash)]
struct Request {
    #[label(rename = "http.method", allow(utf8_name))]
    method: String,
    #[label(rename = "code")]
    status: u16,
}

#[derive(Collector)]
struct Stats {
    /// Active requests.
    #[metric(gauge, name = "http.server.active_requests", allow(utf8_name))]
    active: f64,
    /// Requests by method, labels named in the attribute.
    #[metric(counter, labels("http.method", code), allow(utf8_name))]
    requests_total: Vec<([String; 2], u64)>,
    /// Requests by method, labels named by the key (a `Family` of a `LabelSet`).
    #[metric(counter)]
    served_total: Family<Request, Counter>,
    /// A counter whose name has a character of two bytes where the `_total`
    /// check cuts (it compares bytes, then cuts on a boundary).
    #[metric(counter, name = "größe_x", allow(utf8_name, counter_total))]
    size: u64,
    /// The same, inferred from its type (the compile-time check).
    #[metric(name = "über_a", allow(utf8_name, counter_total))]
    over: Counter,
}

fn main() {
    assert_eq!(<Request as LabelNames>::NAMES, ["http.method", "code"]);
    let names: &[&str] = <Stats as exporter_core::field::MetricNames>::NAMES;
    assert_eq!(
        names,
        ["http.server.active_requests", "requests_total", "served_total", "größe_x", "über_a"]
    );
}
