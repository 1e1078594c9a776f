// `info` and `stateset` parse, but the derive cannot collect them yet.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Build information.
    #[metric(info, labels(version))]
    build: Vec<([&'static str; 1], u8)>,
}

fn main() {}
