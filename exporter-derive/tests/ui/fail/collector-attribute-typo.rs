// A misspelt container attribute gets a suggestion.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(namespce = "app")]
struct Stats {
    /// Temperature.
    #[metric(gauge)]
    temperature_celsius: f64,
}

fn main() {}
