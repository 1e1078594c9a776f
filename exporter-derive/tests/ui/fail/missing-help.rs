// A metric needs a doc comment or `help`.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    #[metric(gauge)]
    temperature: f64,
}

fn main() {}
