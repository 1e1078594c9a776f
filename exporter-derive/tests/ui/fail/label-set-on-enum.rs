// LabelSet needs a struct with named fields.
use exporter_core::LabelSet;

#[derive(LabelSet)]
enum Labels {
    A,
}

fn main() {}
