// An info field holds its labels, not a number: one error, at `info`.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Build information.
    #[metric(info)]
    build: f64,
}

fn main() {}
