// `allow(utf8_name)` still refuses what no Prometheus accepts: the reserved `__` prefix.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Requests by method.
    #[metric(counter, labels("__http.method"), allow(utf8_name))]
    requests_total: Vec<([String; 1], u64)>,
}

fn main() {}
