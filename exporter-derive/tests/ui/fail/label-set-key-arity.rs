// A `#[derive(LabelSet)]` key carries as many values as it has fields: the
// error says how many, since the type does not show it.
use exporter_core::{Collector, LabelSet};

#[derive(LabelSet)]
struct Table {
    db: String,
    table: String,
}

#[derive(Collector)]
struct Stats {
    /// Rows per table.
    #[metric(gauge, labels(table))]
    rows: Vec<(Table, u64)>,
}

fn main() {}
