// A collision through a type inferred from the field type (a `Counter`
// instrument named `requests_total` writes `requests_created`) is a compile
// error too, once the type is known.
use exporter_core::Counter;
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Requests.
    requests_total: Counter,
    /// When requests were last reset.
    #[metric(gauge)]
    requests_created: f64,
}

fn main() {}
