//! The consistency rules of registration (Go's): every descriptor of one
//! family name agrees on help, type and label names; a descriptor's identity
//! is its name and const label values.

use crate::desc::{Desc, MetricType};

/// What a family name is bound to once registered: every descriptor with this
/// name must agree on these.
#[derive(Debug)]
pub(super) struct FamilyShape {
    pub(super) help: String,
    pub(super) metric_type: MetricType,
    /// Const and variable label names, sorted.
    pub(super) label_names: Vec<String>,
    /// How many registered descriptors use this name.
    pub(super) uses: usize,
    /// How many registered collectors describe this name: with one, it is
    /// that collector's alone, which lets a scrape stream it.
    pub(super) collectors: usize,
}

/// A descriptor's identity: name and const label values (Go's `Desc.id`).
pub(super) type DescKey = (String, Vec<(String, String)>);

/// The distinct family names of sorted descriptor identities.
pub(super) fn distinct_names(keys: &[DescKey]) -> impl Iterator<Item = &str> {
    keys.iter()
        .enumerate()
        .filter(|&(i, k)| i == 0 || keys[i - 1].0 != k.0)
        .map(|(_, k)| k.0.as_str())
}

pub(super) fn desc_key(desc: &Desc) -> DescKey {
    (desc.name().to_owned(), desc.const_labels().to_vec())
}

pub(super) fn label_names(desc: &Desc) -> Vec<String> {
    let mut names: Vec<String> = desc
        .const_labels()
        .iter()
        .map(|(k, _)| k.clone())
        .chain(desc.variable_labels().iter().cloned())
        .collect();
    names.sort();
    names
}

pub(super) fn shape_mismatch(shape: &FamilyShape, desc: &Desc) -> Option<&'static str> {
    if shape.help != desc.help() {
        Some("a registered descriptor of this name has different help")
    } else if shape.metric_type != desc.metric_type() {
        Some("a registered descriptor of this name has a different type")
    } else if shape.label_names != label_names(desc) {
        Some("a registered descriptor of this name has different label names")
    } else {
        None
    }
}
