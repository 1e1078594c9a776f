// A misspelt metric type gets a suggestion.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Temperature.
    #[metric(guage)]
    temperature_celsius: f64,
}

fn main() {}
