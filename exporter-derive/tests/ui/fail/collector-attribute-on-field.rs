// `#[collector(...)]` on a field would be dropped without a word.
use exporter_core::Collector;

#[derive(Collector)]
struct Memory {
    /// Free memory.
    #[collector(namespace = "node")]
    #[metric(gauge)]
    free_bytes: u64,
}

fn main() {}
