// A counter `foo_total` writes `foo_created` in OpenMetrics: a gauge of that name collides.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Requests.
    #[metric(counter)]
    requests_total: u64,
    /// When requests were last reset.
    #[metric(gauge)]
    requests_created: f64,
}

fn main() {}
