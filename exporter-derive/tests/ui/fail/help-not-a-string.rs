// An unquoted help is one error, not also "missing help".
use exporter_core::Collector;

#[derive(Collector)]
struct Memory {
    #[metric(gauge, help = free)]
    free_bytes: u64,
}

fn main() {}
