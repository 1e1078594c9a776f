// `#[metric(...)]` on the struct would be dropped without a word: the
// compiler accepts a derive's helper attribute anywhere in its input.
use exporter_core::Collector;

#[derive(Collector)]
#[metric(namespace = "node")]
struct Memory {
    /// Free memory.
    #[metric(gauge)]
    free_bytes: u64,
}

fn main() {}
