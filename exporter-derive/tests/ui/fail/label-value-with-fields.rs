// LabelValue variants have no fields.
use exporter_core::LabelValue;

#[derive(LabelValue)]
enum Method {
    Get,
    Other(String),
}

fn main() {}
