// Every error of the input is reported in one run.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Help.
    #[metric(gauge, name = "a-b")]
    one: f64,
    #[metric(gauge)]
    two: f64,
    /// Help.
    #[metric(gauge, labels(__x))]
    three: Vec<([&'static str; 1], f64)>,
}

fn main() {}
