// The expansion uses absolute paths only: it survives a shadowed prelude and `std`.
#![no_implicit_prelude]

extern crate exporter_core as runtime;
extern crate std as real_std;

mod empty {}
#[allow(unused_imports)]
use empty as std;
#[allow(unused_imports)]
use empty as core;
#[allow(dead_code)]
type Result = ();
#[allow(dead_code)]
type Option = ();
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
struct String;

#[derive(runtime::LabelSet)]
#[label(crate = "runtime")]
struct Key {
    name: &'static str,
}

#[derive(runtime::LabelValue)]
#[label(crate = "runtime")]
enum State {
    #[allow(dead_code)]
    Up,
}

#[derive(runtime::Collector)]
#[collector(crate = "runtime")]
struct Stats {
    /// A value.
    #[metric(gauge, labels(name))]
    values: real_std::vec::Vec<([&'static str; 1], f64)>,
}

#[derive(runtime::Collector)]
#[collector(crate = "runtime")]
struct ByLabelSet {
    /// Rows keyed by a label set.
    #[metric(gauge)]
    rows: real_std::vec::Vec<(Key, u64)>,
    /// Rows keyed by an enum.
    #[metric(gauge, labels(state))]
    states: real_std::vec::Vec<((State,), u64)>,
}

fn main() {}
