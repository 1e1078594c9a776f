// Names outside the legacy grammar need `allow(utf8_name)`: escaping rewrites
// them for scrapers that do not ask for UTF-8, so the choice is made in the source.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Active requests.
    #[metric(gauge, name = "http.server.active_requests")]
    active: f64,
    /// Requests by method.
    #[metric(counter, labels("http.method"))]
    requests_total: Vec<([String; 1], u64)>,
}

fn main() {}
