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

// A trait in scope that gives every type methods named like those the
// expansion needs: method calls would pick these, so it calls by path.
#[allow(dead_code)]
trait Everything: real_std::marker::Sized {
    fn get(self) -> u8 {
        0
    }
    fn describe(self) -> u8 {
        0
    }
    fn iter(self) -> u8 {
        0
    }
    fn copied(self) -> u8 {
        0
    }
    fn map_err(self) -> u8 {
        0
    }
    fn help(self) -> u8 {
        0
    }
    fn labels(self) -> u8 {
        0
    }
    fn unit(self) -> u8 {
        0
    }
    fn const_label(self) -> u8 {
        0
    }
    fn build(self) -> u8 {
        0
    }
}
impl<T> Everything for T {}

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
