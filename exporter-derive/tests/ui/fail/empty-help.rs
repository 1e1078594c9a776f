// `help = ""` is rejected.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    #[metric(gauge, help = "  ")]
    temperature: f64,
}

fn main() {}
