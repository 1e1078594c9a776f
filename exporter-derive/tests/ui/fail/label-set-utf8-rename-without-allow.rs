// A `LabelSet` field renamed outside the legacy grammar needs `allow(utf8_name)` too.
use exporter_core::LabelSet;

#[derive(LabelSet)]
struct Request {
    #[label(rename = "http.method")]
    method: String,
}

fn main() {}
