//! Support for the code `#[derive(Collector)]`, `#[derive(LabelSet)]` and
//! `#[derive(LabelValue)]` generate. Not a public API: anything here may
//! change in any release.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

/// `impl prometheus::core::Collector` for a derived type (nothing without the
/// `prometheus` feature).
pub use crate::__impl_prometheus_collector;
pub use crate::collector::{Collector, StaticCollector};
pub use crate::desc::DescError;
pub use crate::desc::{Desc, MetricType};
pub use crate::encoding::{FamilyEncoder, MetricEncoder};
pub use crate::error::CollectError;
pub use crate::labels::{EncodeLabelValue, EncodeLabelValues, LabelValueWriter, LabelWriter};
pub use crate::metric::{Instrument, InstrumentOpts};
pub use crate::value::{HistogramSnapshot, SummarySnapshot};
pub use crate::value::{HistogramValue, SummaryValue};
pub use std::sync::OnceLock;

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
///
/// The associated constants let the derive check the field against its
/// attributes at compile time: the metric type the Rust type implies, and how
/// many label values each of its series carries.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric field",
    label = "unsupported metric field type",
    note = "supported: integers, `f64`, `f32`, `bool`, `Duration`, `SystemTime`, `HistogramValue`, `SummaryValue` (or the owned `HistogramSnapshot`, `SummarySnapshot`), `Option<T>`, and `Vec<(L, V)>`, `&[(L, V)]`, `BTreeMap<L, V>`, `HashMap<L, V>` whose keys `L` are label values such as `[String; N]`, tuples or a `#[derive(LabelSet)]` struct; and the live instruments of `exporter_core::metric`",
    note = "to nest another `#[derive(Collector)]` struct, mark the field `#[metric(flatten)]`"
)]
pub trait CollectField {
    /// The metric type the Rust type implies (a counter instrument is a counter), if any.
    const METRIC_TYPE: Option<MetricType> = None;

    /// The number of label values of each series, when the type fixes it.
    const LABELS: Option<usize> = None;

    /// Writes the field's samples into its family.
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError>;
}

/// The value of one series in a labelled collection (`V` in `Vec<(L, V)>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric value",
    label = "not a metric value",
    note = "metric values are integers, `f64`, `f32`, `bool`, `Duration`, `SystemTime`, `HistogramValue`, `SummaryValue`, or their owned `HistogramSnapshot`, `SummarySnapshot`"
)]
pub trait FieldValue {
    /// The metric type the value implies, if any (a histogram value is a histogram).
    const METRIC_TYPE: Option<MetricType> = None;

    /// Writes one series with `labels`.
    fn write_value<L: EncodeLabelValues + ?Sized>(
        &self,
        family: &mut FamilyEncoder<'_>,
        labels: &L,
    ) -> Result<(), CollectError>;

    /// Writes every series of a collection; scalar values override it to
    /// write them in one batch ([`FamilyEncoder::samples`]).
    #[inline]
    fn write_series<'a, L>(
        series: impl Iterator<Item = (&'a L, &'a Self)>,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + 'a,
        Self: 'a,
    {
        for (labels, value) in series {
            value.write_value(family, labels)?;
        }
        Ok(())
    }
}

macro_rules! scalar_field {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            #[inline]
            fn write_value<L: EncodeLabelValues + ?Sized>(
                &self,
                family: &mut FamilyEncoder<'_>,
                labels: &L,
            ) -> Result<(), CollectError> {
                family.sample(labels, self)
            }

            #[inline]
            fn write_series<'a, L>(
                series: impl Iterator<Item = (&'a L, &'a Self)>,
                family: &mut FamilyEncoder<'_>,
            ) -> Result<(), CollectError>
            where
                L: EncodeLabelValues + 'a,
            {
                family.samples(series)
            }
        }

        impl CollectField for $t {
            const LABELS: Option<usize> = Some(0);

            #[inline]
            fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
                self.write_value(family, &())
            }
        }
    )*};
}

scalar_field!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, Duration,
    SystemTime
);

macro_rules! distribution_field {
    ($($t:ty),*) => {$(
        impl CollectField for $t {
            const METRIC_TYPE: Option<MetricType> = <$t as FieldValue>::METRIC_TYPE;
            const LABELS: Option<usize> = Some(0);

            #[inline]
            fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
                self.write_value(family, &())
            }
        }
    )*};
}

impl FieldValue for HistogramValue<'_> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    #[inline]
    fn write_value<L: EncodeLabelValues + ?Sized>(
        &self,
        family: &mut FamilyEncoder<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        family.histogram(labels, self)
    }
}

impl FieldValue for HistogramSnapshot {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    #[inline]
    fn write_value<L: EncodeLabelValues + ?Sized>(
        &self,
        family: &mut FamilyEncoder<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        family.histogram(labels, &self.as_value())
    }
}

impl FieldValue for SummaryValue<'_> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);

    #[inline]
    fn write_value<L: EncodeLabelValues + ?Sized>(
        &self,
        family: &mut FamilyEncoder<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        family.summary(labels, self)
    }
}

impl FieldValue for SummarySnapshot {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);

    #[inline]
    fn write_value<L: EncodeLabelValues + ?Sized>(
        &self,
        family: &mut FamilyEncoder<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        family.summary(labels, &self.as_value())
    }
}

distribution_field!(
    HistogramValue<'_>,
    HistogramSnapshot,
    SummaryValue<'_>,
    SummarySnapshot
);

impl<T: CollectField> CollectField for Option<T> {
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;
    const LABELS: Option<usize> = T::LABELS;

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
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;
    const LABELS: Option<usize> = T::LABELS;

    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).collect_field(family)
    }
}

impl<T: CollectField + ?Sized> CollectField for Box<T> {
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;
    const LABELS: Option<usize> = T::LABELS;

    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).collect_field(family)
    }
}

impl<L: EncodeLabelValues, V: FieldValue> CollectField for [(L, V)] {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.reserve_series(self.len());
        V::write_series(self.iter().map(|(labels, value)| (labels, value)), family)
    }
}

impl<L: EncodeLabelValues, V: FieldValue> CollectField for Vec<(L, V)> {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    #[inline]
    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().collect_field(family)
    }
}

impl<L: EncodeLabelValues, V: FieldValue> CollectField for BTreeMap<L, V> {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.reserve_series(self.len());
        // A map holds each key once, so its series cannot repeat one another:
        // the scrape's duplicate check need not hash them (as for `Family`).
        let keyed = family.check_mut().set_keyed(true);
        let result = V::write_series(self.iter(), family);
        family.check_mut().set_keyed(keyed);
        result
    }
}

impl<L: EncodeLabelValues, V: FieldValue, S> CollectField for HashMap<L, V, S> {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.reserve_series(self.len());
        // A map holds each key once, so its series cannot repeat one another:
        // the scrape's duplicate check need not hash them (as for `Family`).
        let keyed = family.check_mut().set_keyed(true);
        let result = V::write_series(self.iter(), family);
        family.check_mut().set_keyed(keyed);
        result
    }
}

/// Writes an `#[metric(info)]` field: the field holds the info labels (an
/// array, a tuple or a `#[derive(LabelSet)]` struct); the sample's value is 1.
///
/// # Errors
///
/// As [`FamilyEncoder::info`].
#[inline]
pub fn collect_info<L: EncodeLabelValues + ?Sized>(
    labels: &L,
    family: &mut FamilyEncoder<'_>,
) -> Result<(), CollectError> {
    family.info(labels)
}

/// A field that can be an `#[metric(stateset)]`: `(state, enabled)` pairs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a stateset",
    label = "not a set of states",
    note = "a stateset field is `Vec<(S, bool)>`, `[(S, bool); N]` or `&[(S, bool)]` with `S: AsRef<str>`, optionally in an `Option`"
)]
pub trait StateSetField {
    /// Writes one sample per state.
    fn collect_states(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError>;
}

impl<S: AsRef<str>> StateSetField for [(S, bool)] {
    fn collect_states(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        let states: Vec<(&str, bool)> = self.iter().map(|(s, on)| (s.as_ref(), *on)).collect();
        family.stateset(&(), &states)
    }
}

impl<S: AsRef<str>> StateSetField for Vec<(S, bool)> {
    fn collect_states(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().collect_states(family)
    }
}

impl<S: AsRef<str>, const N: usize> StateSetField for [(S, bool); N] {
    fn collect_states(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().collect_states(family)
    }
}

impl<T: StateSetField + ?Sized> StateSetField for &T {
    fn collect_states(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).collect_states(family)
    }
}

impl<T: StateSetField> StateSetField for Option<T> {
    fn collect_states(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        match self {
            Some(v) => v.collect_states(family),
            None => Ok(()),
        }
    }
}

/// The label names of a `#[derive(LabelSet)]` struct: its field names, in order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name its labels",
    label = "label names unknown",
    note = "add `labels(name, ...)` to the field's `#[metric(...)]`, or use a struct with `#[derive(LabelSet)]` as the key"
)]
pub trait LabelNames {
    /// One name per label value, in the order the values are written.
    const NAMES: &'static [&'static str];
}

/// The fully-qualified metric names a derived collector defines, so a struct
/// that flattens it can check for duplicates at compile time.
pub trait MetricNames {
    /// Every family name, in field order.
    const NAMES: &'static [&'static str];
}

/// Whether a field's label count `len` (if the type fixes it) differs from the `expected` names.
pub const fn label_arity_differs(len: Option<usize>, expected: usize) -> bool {
    match len {
        Some(len) => len != expected,
        None => false,
    }
}

/// Whether the type the field's Rust type implies (`implied`) contradicts the attribute.
pub const fn metric_type_differs(implied: Option<MetricType>, stated: MetricType) -> bool {
    match implied {
        Some(t) => t as u8 != stated as u8,
        None => false,
    }
}

/// Whether the field's Rust type implies exactly the metric type `t`.
pub const fn implies(implied: Option<MetricType>, t: MetricType) -> bool {
    match implied {
        Some(i) => i as u8 == t as u8,
        None => false,
    }
}

/// The metric type of a field whose attribute does not state one: the type
/// its Rust type implies, checked present at compile time by the derive.
pub const fn implied_metric_type(implied: Option<MetricType>) -> MetricType {
    match implied {
        Some(t) => t,
        // Unreachable for generated code: a `const` check rejects the field first.
        None => MetricType::Untyped,
    }
}

/// Whether two lists of metric names share one (byte comparison, usable in `const`).
pub const fn names_overlap(a: &[&str], b: &[&str]) -> bool {
    let mut i = 0;
    while i < a.len() {
        let mut j = 0;
        while j < b.len() {
            if str_eq(a[i], b[j]) {
                return true;
            }
            j += 1;
        }
        i += 1;
    }
    false
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_helpers() {
        assert!(names_overlap(&["a", "b_total"], &["c", "b_total"]));
        assert!(!names_overlap(&["a", "b"], &["ab", "ba"]));
        assert!(label_arity_differs(Some(1), 2));
        assert!(!label_arity_differs(None, 2));
        assert!(metric_type_differs(
            Some(MetricType::Counter),
            MetricType::Gauge
        ));
        assert!(!metric_type_differs(None, MetricType::Gauge));
        assert_eq!(
            implied_metric_type(<Vec<([&str; 1], HistogramSnapshot)> as CollectField>::METRIC_TYPE),
            MetricType::Histogram
        );
    }
}
