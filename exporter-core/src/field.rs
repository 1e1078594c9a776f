//! What a field type implements to be a metric of a `#[derive(Collector)]`
//! struct, or the instrument of a [`Metric`](crate::metric::Metric).
//!
//! Two traits, one per level:
//!
//! - [`EncodeMetric`]: **one series' value**, written with the label values
//!   it is given: numbers, `bool`, `Duration`, `SystemTime`, histogram
//!   (classic and native) and summary values, counter and histogram
//!   snapshots with their created time, and the live [`Counter`](crate::Counter),
//!   [`Gauge`](crate::Gauge), [`Histogram`](crate::Histogram) and
//!   [`Summary`](crate::Summary). It is the `V` of `Vec<(L, V)>` and the `M`
//!   of a [`Family<K, M>`](crate::Family).
//! - [`EncodeFamily`]: **a whole field**, every series of its family: a
//!   single value (as one series without labels), `Option<T>` (`None` writes
//!   no series), `Vec<(L, V)>`, `&[(L, V)]`, `BTreeMap<L, V>`, `HashMap<L, V>`
//!   and a [`Family`](crate::Family).
//!
//! Two more serve the field kinds with their own sample shape:
//! [`EncodeInfo`] (`#[metric(info)]`: the field's value is the label set,
//! the sample is 1) and [`EncodeStateSet`] (`#[metric(stateset)]`:
//! `(state, enabled)` pairs). [`MetricNames`] lists the families a derived
//! collector defines, so that a struct flattening it can check for
//! duplicates while compiling.
//!
//! The associated constants let the derive check a field against its
//! attributes at compile time: `METRIC_TYPE` is the type the Rust type
//! implies (a `Counter` is a counter; a `u64` could be anything, so it says
//! `None` and the attribute decides), and `LABELS` the number of label
//! values of each series, when the type fixes it.
//!
//! # Example: a value type of your own
//!
//! ```
//! use exporter_core::field::{EncodeFamily, EncodeMetric};
//! use exporter_core::labels::LabelSet;
//! use exporter_core::{CollectError, Collector, FamilyEncoder, MetricType, Registry};
//!
//! /// Milliseconds, exposed in seconds.
//! struct Millis(u64);
//!
//! impl EncodeMetric for Millis {
//!     fn encode_metric<L: LabelSet + ?Sized>(
//!         &self,
//!         labels: &L,
//!         family: &mut FamilyEncoder<'_>,
//!     ) -> Result<(), CollectError> {
//!         // u64 -> f64 is exact below 2^53 ms (285 000 years).
//!         #[allow(clippy::cast_precision_loss)]
//!         let seconds = self.0 as f64 / 1000.0;
//!         family.sample(labels, seconds)
//!     }
//! }
//!
//! // As a field on its own: one series without labels.
//! impl EncodeFamily for Millis {
//!     const LABELS: Option<usize> = Some(0);
//!
//!     fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
//!         self.encode_metric(&(), family)
//!     }
//! }
//!
//! #[derive(Collector)]
//! struct Stats {
//!     /// Time since the last backup.
//!     #[metric(gauge, unit = "seconds")]
//!     backup_age_seconds: Millis,
//!     /// Time of the last query, per database.
//!     #[metric(gauge, labels(db))]
//!     query_seconds: Vec<([&'static str; 1], Millis)>,
//! }
//!
//! let registry = Registry::new();
//! registry.register(Stats {
//!     backup_age_seconds: Millis(1500),
//!     query_seconds: vec![(["users"], Millis(20))],
//! })?;
//! let text = registry.gather_text();
//! assert!(text.contains("backup_age_seconds 1.5\n"));
//! assert!(text.contains("query_seconds{db=\"users\"} 0.02\n"));
//! # let _ = MetricType::Gauge;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use crate::desc::MetricType;
use crate::encoding::FamilyEncoder;
use crate::error::CollectError;
use crate::labels::{LabelSet, LabelValue};
use crate::value::{
    unix_seconds, CounterSnapshot, EncodeValue, HistogramSnapshot, HistogramValue,
    NativeHistogramSnapshot, NativeHistogramValue, SampleOpts, SummarySnapshot, SummaryValue,
};

/// The value of one series: written into its family with the label values
/// it is given.
///
/// Implemented by numbers, `bool`, `Duration`, `SystemTime`,
/// [`HistogramValue`], [`NativeHistogramValue`], [`SummaryValue`], their
/// owned snapshots, [`CounterSnapshot`] (a counter value with its created
/// time), and the live instruments of [`metric`](crate::metric).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric value",
    label = "not a metric value",
    note = "metric values implement `exporter_core::field::EncodeMetric`: integers, `f64`, `f32`, `bool`, `Duration`, `SystemTime`, `HistogramValue`, `SummaryValue`, `NativeHistogramValue` (or the owned `HistogramSnapshot`, `SummarySnapshot`, `NativeHistogramSnapshot`), `CounterSnapshot<T>`, and the live `Counter`, `Gauge`, `Histogram`, `Summary`"
)]
pub trait EncodeMetric {
    /// The metric type the value implies, if any (a histogram value is a
    /// histogram; a number may be a counter, a gauge or untyped).
    const METRIC_TYPE: Option<MetricType> = None;

    /// Writes the value as the series `labels` of `family`.
    ///
    /// # Errors
    ///
    /// What the encoder reports: wrong label arity, a family of another
    /// type, a duplicate series.
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError>;

    /// Writes a collection of series, `(label values, value)` each. Numbers
    /// and the counter and gauge override it to write them in one batch
    /// ([`FamilyEncoder::samples`]).
    ///
    /// # Errors
    ///
    /// As for [`encode_metric`](Self::encode_metric), at the first failing series.
    #[inline]
    fn encode_series<'a, K>(
        series: impl Iterator<Item = (&'a K, &'a Self)>,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError>
    where
        K: LabelSet + 'a,
        Self: Sized + 'a,
    {
        for (labels, value) in series {
            value.encode_metric(labels, family)?;
        }
        Ok(())
    }
}

/// A whole field: every series of one family.
///
/// What a `#[derive(Collector)]` field type implements (except `info`,
/// `stateset` and `flatten` fields), and what a
/// [`Metric`](crate::metric::Metric) holds.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric field",
    label = "unsupported metric field type",
    note = "metric fields implement `exporter_core::field::EncodeFamily`: integers, `f64`, `f32`, `bool`, `Duration`, `SystemTime`, `HistogramValue`, `SummaryValue`, `NativeHistogramValue` (or the owned `HistogramSnapshot`, `SummarySnapshot`, `NativeHistogramSnapshot`), `CounterSnapshot<T>`, `Option<T>`, and `Vec<(L, V)>`, `&[(L, V)]`, `BTreeMap<L, V>`, `HashMap<L, V>` whose keys `L` are label values such as `[String; N]`, tuples or a `#[derive(LabelSet)]` struct; and the live instruments of `exporter_core::metric`",
    note = "to nest another `#[derive(Collector)]` struct, mark the field `#[metric(flatten)]`"
)]
pub trait EncodeFamily {
    /// The metric type the Rust type implies (a counter instrument is a counter), if any.
    const METRIC_TYPE: Option<MetricType> = None;

    /// The number of label values of each series, when the type fixes it.
    const LABELS: Option<usize> = None;

    /// Writes every series of the field into its family.
    ///
    /// # Errors
    ///
    /// What the encoder reports, at the first failing series.
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError>;
}

/// The `EncodeMetric` and `EncodeFamily` of a type whose one value is
/// written as is by one encoder call.
macro_rules! one_series {
    ($($t:ty),*) => {$(
        impl EncodeFamily for $t {
            const METRIC_TYPE: Option<MetricType> = <$t as EncodeMetric>::METRIC_TYPE;
            const LABELS: Option<usize> = Some(0);

            #[inline]
            fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
                self.encode_metric(&(), family)
            }
        }
    )*};
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl EncodeMetric for $t {
            #[inline]
            fn encode_metric<L: LabelSet + ?Sized>(
                &self,
                labels: &L,
                family: &mut FamilyEncoder<'_>,
            ) -> Result<(), CollectError> {
                family.sample(labels, self)
            }

            #[inline]
            fn encode_series<'a, K>(
                series: impl Iterator<Item = (&'a K, &'a Self)>,
                family: &mut FamilyEncoder<'_>,
            ) -> Result<(), CollectError>
            where
                K: LabelSet + 'a,
            {
                family.samples(series)
            }
        }

        one_series!($t);
    )*};
}

scalar!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, Duration,
    SystemTime
);

impl EncodeMetric for HistogramValue<'_> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        family.histogram(labels, self)
    }
}

/// The sample options of a snapshot's created time, when the scrape writes it.
#[inline]
fn created_opts(created: Option<SystemTime>, family: &FamilyEncoder<'_>) -> SampleOpts {
    SampleOpts {
        timestamp_ms: None,
        created: created.filter(|_| family.wants_created()).map(unix_seconds),
    }
}

impl EncodeMetric for HistogramSnapshot {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        let opts = created_opts(self.created, family);
        family.histogram_with(labels, &self.as_value(), &opts, &[])
    }
}

impl EncodeMetric for NativeHistogramValue<'_> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        family.native_histogram(labels, self)
    }
}

impl EncodeMetric for NativeHistogramSnapshot {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        let opts = created_opts(self.created(), family);
        family.native_histogram_with(labels, &self.as_value(), &[], &opts, &[], &[])
    }
}

/// A counter with its created time: written like a number, one series at a
/// time (each carries its own created time).
impl<T: EncodeValue> EncodeMetric for CounterSnapshot<T> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Counter);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        let opts = created_opts(self.created, family);
        family.sample_with(labels, &self.value, &opts)
    }
}

impl<T: EncodeValue> EncodeFamily for CounterSnapshot<T> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Counter);
    const LABELS: Option<usize> = Some(0);

    #[inline]
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.encode_metric(&(), family)
    }
}

impl EncodeMetric for SummaryValue<'_> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        family.summary(labels, self)
    }
}

impl EncodeMetric for SummarySnapshot {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        let opts = created_opts(self.created, family);
        family.summary_with(labels, &self.as_value(), &opts)
    }
}

one_series!(
    HistogramValue<'_>,
    HistogramSnapshot,
    NativeHistogramValue<'_>,
    NativeHistogramSnapshot,
    SummaryValue<'_>,
    SummarySnapshot
);

impl<T: EncodeMetric + ?Sized> EncodeMetric for &T {
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;

    #[inline]
    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        (**self).encode_metric(labels, family)
    }
}

impl<T: EncodeFamily> EncodeFamily for Option<T> {
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;
    const LABELS: Option<usize> = T::LABELS;

    /// `None` writes no sample: the series is absent from this scrape.
    #[inline]
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        match self {
            Some(v) => v.encode_family(family),
            None => Ok(()),
        }
    }
}

impl<T: EncodeFamily + ?Sized> EncodeFamily for &T {
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;
    const LABELS: Option<usize> = T::LABELS;

    #[inline]
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).encode_family(family)
    }
}

impl<T: EncodeFamily + ?Sized> EncodeFamily for Box<T> {
    const METRIC_TYPE: Option<MetricType> = T::METRIC_TYPE;
    const LABELS: Option<usize> = T::LABELS;

    #[inline]
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).encode_family(family)
    }
}

impl<L: LabelSet, V: EncodeMetric> EncodeFamily for [(L, V)] {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    #[inline]
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.reserve_series(self.len());
        V::encode_series(self.iter().map(|(labels, value)| (labels, value)), family)
    }
}

impl<L: LabelSet, V: EncodeMetric> EncodeFamily for Vec<(L, V)> {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    #[inline]
    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().encode_family(family)
    }
}

impl<L: LabelSet, V: EncodeMetric> EncodeFamily for BTreeMap<L, V> {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.reserve_series(self.len());
        // A map holds each key once, so its series cannot repeat one another:
        // the scrape's duplicate check need not hash them (as for `Family`).
        let keyed = family.check_mut().set_keyed(true);
        let result = V::encode_series(self.iter(), family);
        family.check_mut().set_keyed(keyed);
        result
    }
}

impl<L: LabelSet, V: EncodeMetric, S> EncodeFamily for HashMap<L, V, S> {
    const METRIC_TYPE: Option<MetricType> = V::METRIC_TYPE;
    const LABELS: Option<usize> = L::LEN;

    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.reserve_series(self.len());
        // A map holds each key once, so its series cannot repeat one another:
        // the scrape's duplicate check need not hash them (as for `Family`).
        let keyed = family.check_mut().set_keyed(true);
        let result = V::encode_series(self.iter(), family);
        family.check_mut().set_keyed(keyed);
        result
    }
}

/// An `#[metric(info)]` field: the field's value is the info's label set (an
/// array, a tuple or a `#[derive(LabelSet)]` struct, which implements this
/// trait), written as one sample of value 1; in an `Option`, `None` writes
/// no sample.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as an info metric",
    label = "not a set of info labels",
    note = "an `info` field holds the info's label values: an array `[T; N]`, a tuple, or a `#[derive(LabelSet)]` struct (optionally in an `Option`); it implements `exporter_core::field::EncodeInfo`",
    note = "for a number, use `gauge`, `counter` or `untyped` instead of `info`"
)]
pub trait EncodeInfo {
    /// The label set the info writes (the type itself, or `T` of `Option<T>`).
    type Labels: LabelSet + ?Sized;

    /// Writes the info sample.
    ///
    /// # Errors
    ///
    /// As [`FamilyEncoder::info`].
    fn encode_info(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError>;
}

/// The info of a label set written out: `EncodeInfo` is implemented per
/// shape (not for every `LabelSet`), so a wrong field type gets this trait's
/// message rather than a label one.
macro_rules! info_labels {
    ($([$($g:tt)*] $t:ty),* $(,)?) => {$(
        impl<$($g)*> EncodeInfo for $t {
            type Labels = Self;

            #[inline]
            fn encode_info(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
                family.info(self)
            }
        }
    )*};
}

info_labels!(
    [] (),
    [T: LabelValue, const N: usize] [T; N],
    [T: LabelValue] Vec<T>,
    [A: LabelValue] (A,),
    [A: LabelValue, B: LabelValue] (A, B),
    [A: LabelValue, B: LabelValue, C: LabelValue] (A, B, C),
    [A: LabelValue, B: LabelValue, C: LabelValue, D: LabelValue] (A, B, C, D),
    [A: LabelValue, B: LabelValue, C: LabelValue, D: LabelValue, E: LabelValue] (A, B, C, D, E),
    [A: LabelValue, B: LabelValue, C: LabelValue, D: LabelValue, E: LabelValue, F: LabelValue] (A, B, C, D, E, F),
    [A: LabelValue, B: LabelValue, C: LabelValue, D: LabelValue, E: LabelValue, F: LabelValue, G: LabelValue] (A, B, C, D, E, F, G),
    [A: LabelValue, B: LabelValue, C: LabelValue, D: LabelValue, E: LabelValue, F: LabelValue, G: LabelValue, H: LabelValue] (A, B, C, D, E, F, G, H),
);

impl<T: EncodeInfo + ?Sized> EncodeInfo for &T {
    type Labels = T::Labels;

    #[inline]
    fn encode_info(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).encode_info(family)
    }
}

impl<T: EncodeInfo> EncodeInfo for Option<T> {
    type Labels = T::Labels;

    #[inline]
    fn encode_info(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        match self {
            Some(labels) => labels.encode_info(family),
            None => Ok(()),
        }
    }
}

/// An `#[metric(stateset)]` field: `(state, enabled)` pairs, one sample per state.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a stateset",
    label = "not a set of states",
    note = "a stateset field is `Vec<(S, bool)>`, `[(S, bool); N]` or `&[(S, bool)]` with `S: AsRef<str>`, optionally in an `Option`; it implements `exporter_core::field::EncodeStateSet`",
    note = "for a number, use `gauge`, `counter` or `untyped` instead of `stateset`"
)]
pub trait EncodeStateSet {
    /// Writes one sample per state.
    ///
    /// # Errors
    ///
    /// As [`FamilyEncoder::stateset`].
    fn encode_stateset(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError>;
}

impl<S: AsRef<str>> EncodeStateSet for [(S, bool)] {
    fn encode_stateset(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        let states: Vec<(&str, bool)> = self.iter().map(|(s, on)| (s.as_ref(), *on)).collect();
        family.stateset(&(), &states)
    }
}

impl<S: AsRef<str>> EncodeStateSet for Vec<(S, bool)> {
    fn encode_stateset(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().encode_stateset(family)
    }
}

impl<S: AsRef<str>, const N: usize> EncodeStateSet for [(S, bool); N] {
    fn encode_stateset(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.as_slice().encode_stateset(family)
    }
}

impl<T: EncodeStateSet + ?Sized> EncodeStateSet for &T {
    fn encode_stateset(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        (**self).encode_stateset(family)
    }
}

impl<T: EncodeStateSet> EncodeStateSet for Option<T> {
    fn encode_stateset(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        match self {
            Some(v) => v.encode_stateset(family),
            None => Ok(()),
        }
    }
}

/// The fully-qualified metric names a derived collector defines, so a struct
/// that flattens it can check for duplicates at compile time.
pub trait MetricNames {
    /// Every family name, in field order.
    const NAMES: &'static [&'static str];
}
