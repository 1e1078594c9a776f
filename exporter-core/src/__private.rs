//! Support for the code `#[derive(Collector)]` generates. Not a public API:
//! anything here may change in any release.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

pub use crate::collector::{Collector, StaticCollector};
pub use crate::desc::{Desc, MetricType};
pub use crate::encoding::{FamilyEncoder, MetricEncoder};
pub use crate::error::{CollectError, DescError};
pub use std::sync::OnceLock;

use crate::labels::EncodeLabelValues;
use crate::value::EncodeValue;

/// Builds a descriptor whose every part the derive already validated at compile time.
///
/// The derive runs the same validator ([`crate::name`]) on the literals, so this
/// cannot fail for generated code; should it ever, the family is reported as
/// inconsistent at collect time rather than panicking.
pub fn desc(
    name: &str,
    help: &str,
    metric_type: MetricType,
    unit: Option<&str>,
    labels: &[&str],
    const_labels: &[(&str, &str)],
) -> Result<Desc, DescError> {
    let mut b = Desc::builder(name, metric_type)
        .help(help)
        .labels(labels.iter().copied());
    if let Some(unit) = unit {
        b = b.unit(unit);
    }
    for (k, v) in const_labels {
        b = b.const_label(*k, *v);
    }
    b.build()
}

/// A struct field that `#[derive(Collector)]` can turn into samples.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric field",
    label = "unsupported metric field type",
    note = "supported: integers, `f64`, `f32`, `bool`, `Duration`, `SystemTime`, `Option<T>`, and `Vec<(L, V)>`, `BTreeMap<L, V>`, `HashMap<L, V>` whose keys `L` are label values such as `[String; N]` or tuples"
)]
pub trait CollectField {
    /// The metric type the Rust type implies (a counter instrument is a counter), if any.
    const METRIC_TYPE: Option<MetricType> = None;

    /// The number of label values of each series, when the type fixes it.
    const LABELS: Option<usize> = None;

    /// Writes the field's samples into its family.
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError>;
}

macro_rules! scalar_field {
    ($($t:ty),*) => {$(
        impl CollectField for $t {
            #[inline]
            fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
                family.sample(&(), *self)
            }
        }
    )*};
}

scalar_field!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, Duration,
    SystemTime
);

impl<T: CollectField> CollectField for Option<T> {
    /// `None` writes no sample: the series is absent from this scrape.
    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        match self {
            Some(v) => v.collect_field(family),
            None => Ok(()),
        }
    }
}

impl<T: CollectField + ?Sized> CollectField for &T {
    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).collect_field(family)
    }
}

impl<L: EncodeLabelValues, V: EncodeValue> CollectField for [(L, V)] {
    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        for (labels, value) in self {
            family.sample(labels, value)?;
        }
        Ok(())
    }
}

impl<L: EncodeLabelValues, V: EncodeValue> CollectField for Vec<(L, V)> {
    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().collect_field(family)
    }
}

impl<L: EncodeLabelValues, V: EncodeValue> CollectField for BTreeMap<L, V> {
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        for (labels, value) in self {
            family.sample(labels, value)?;
        }
        Ok(())
    }
}

impl<L: EncodeLabelValues, V: EncodeValue, S> CollectField for HashMap<L, V, S> {
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        for (labels, value) in self {
            family.sample(labels, value)?;
        }
        Ok(())
    }
}

/// The descriptors of a derived type, built on first use and kept for the
/// life of the program (one set per type, not per scrape).
pub type DescCell = OnceLock<Result<Vec<Desc>, DescError>>;

/// Returns the descriptors in `cell`, building them with `init` the first time.
///
/// # Errors
///
/// The descriptor error, if `init` failed (which the compile-time checks rule out).
#[inline]
pub fn descs(
    cell: &'static DescCell,
    init: fn() -> Result<Vec<Desc>, DescError>,
) -> Result<&'static [Desc], CollectError> {
    match cell.get_or_init(init) {
        Ok(descs) => Ok(descs),
        Err(e) => Err(CollectError::other(e.clone())),
    }
}
