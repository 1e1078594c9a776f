// An info whose label set is empty has nothing for `labels(...)` to name.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Build information.
    #[metric(info, labels(version))]
    build: [&'static str; 0],
}

fn main() {}
