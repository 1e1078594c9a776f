// An info field's label values must match `labels(...)` in number.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Build information.
    #[metric(info, labels(version, revision))]
    build: [&'static str; 1],
}

fn main() {}
