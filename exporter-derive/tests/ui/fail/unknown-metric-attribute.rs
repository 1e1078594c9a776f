// An unknown key in `#[metric(...)]` is rejected on the key.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, colour = "red")]
    value: f64,
}

fn main() {}
