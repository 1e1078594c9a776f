// A stateset field is one series; its state label is the metric name, so `labels(...)` is rejected.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Door state.
    #[metric(stateset, labels(door))]
    door: Vec<(&'static str, bool)>,
}

fn main() {}
