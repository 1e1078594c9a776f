// `labels(...)` names two labels but the key carries one: a trait error naming both counts.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Rows per table.
    #[metric(gauge, labels(db, kind))]
    rows: Vec<([String; 1], u64)>,
}

fn main() {}
