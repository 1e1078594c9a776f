// LabelSet field names are label names, checked like `labels(...)`.
use exporter_core::LabelSet;

#[derive(LabelSet)]
struct Labels {
    __reserved: String,
    #[label(name = "a-b")]
    other: String,
}

fn main() {}
