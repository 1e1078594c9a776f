// An unknown key in `#[collector(...)]` is rejected on the key.
use exporter_core::Collector;

#[derive(Collector)]
#[collector(prefix = "app")]
struct Stats {
    /// Help.
    #[metric(gauge)]
    value: f64,
}

fn main() {}
