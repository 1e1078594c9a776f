// A stateset field holds `(state, enabled)` pairs, not a number: one error, at `stateset`.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Door state.
    #[metric(stateset)]
    door: u8,
}

fn main() {}
