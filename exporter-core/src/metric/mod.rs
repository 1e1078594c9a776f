//! Live instruments: metrics an application updates as it runs.
//!
//! Where a snapshot struct reads a system at scrape time, an instrument is
//! updated in place by the code it measures and read at scrape time:
//!
//! - [`Counter`]: a value that only goes up (`Counter<u64>`, or `Counter<f64>`);
//! - [`Gauge`]: a value that goes up and down (`Gauge<f64>`, or `Gauge<i64>`);
//! - [`Histogram`]: observations counted in buckets, with a sum and a count;
//! - [`Summary`]: observations summarised as quantiles over a sliding window;
//! - [`Family`]: one instrument per set of label values, Go's `*Vec` types.
//!
//! Instruments are plain values: put them in a `#[derive(Collector)]` struct
//! (the derive describes and collects them, and builds them from the field
//! attributes), or pair one with a [`Desc`](crate::Desc) in a
//! [`Metric`] to register it on its own, as Go's `prometheus.NewCounterVec`.
//! Each implements [`EncodeMetric`](crate::field::EncodeMetric) (one
//! series) and [`EncodeFamily`](crate::field::EncodeFamily) (a whole field;
//! a [`Family`] only the latter), the traits of [`crate::field`].
//!
//! # Example
//!
//! ```
//! use exporter_core::metric::{Counter, Family, Metric};
//! use exporter_core::{Desc, MetricType, Registry};
//! use std::sync::Arc;
//!
//! let desc = Desc::new("http_requests_total", "Requests served.", MetricType::Counter, ["code"])?;
//! let requests = Arc::new(Metric::new(desc, Family::<[String; 1], Counter>::default())?);
//! let registry = Registry::new();
//! registry.register_arc(requests.clone())?;
//!
//! requests.metric().get_or_create(&["200"]).inc();
//! requests.metric().with(&["200"], Counter::inc); // no allocation: the series exists
//! assert!(registry.gather_text().contains("http_requests_total{code=\"200\"} 2\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// The plumbing the two one-value instruments, [`Counter`] and [`Gauge`],
/// share: `Default` and `Debug`, encoding their value (one series, or a
/// family's series in one batch), building from the derive's options, and
/// serving as a derived struct's field.
macro_rules! one_value_instrument {
    ($ty:ident, $metric_type:ident) => {
        impl<T: $crate::metric::Atomic> Default for $ty<T> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<T: $crate::metric::Atomic> std::fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.get()).finish()
            }
        }

        impl<T: $crate::metric::Atomic> $crate::field::EncodeMetric for $ty<T> {
            const METRIC_TYPE: Option<$crate::desc::MetricType> =
                Some($crate::desc::MetricType::$metric_type);

            #[inline]
            fn encode_metric<L: $crate::labels::LabelSet + ?Sized>(
                &self,
                labels: &L,
                family: &mut $crate::encoding::FamilyEncoder<'_>,
            ) -> Result<(), $crate::error::CollectError> {
                match $crate::metric::CreatedTime::created_time(self) {
                    Some(created) if family.wants_created() => family.sample_with(
                        labels,
                        self.get(),
                        &$crate::value::SampleOpts {
                            timestamp_ms: None,
                            created: Some(created),
                        },
                    ),
                    _ => family.sample(labels, self.get()),
                }
            }

            #[inline]
            fn encode_series<'a, K>(
                series: impl Iterator<Item = (&'a K, &'a Self)>,
                family: &mut $crate::encoding::FamilyEncoder<'_>,
            ) -> Result<(), $crate::error::CollectError>
            where
                K: $crate::labels::LabelSet + 'a,
            {
                if <Self as $crate::metric::CreatedTime>::HAS_CREATED && family.wants_created() {
                    // Each series carries its own created time: one at a time.
                    for (labels, metric) in series {
                        metric.encode_metric(labels, family)?;
                    }
                    return Ok(());
                }
                family.samples(series.map(|(labels, metric)| (labels, metric.get())))
            }
        }

        impl<T: $crate::metric::Atomic> $crate::metric::Instrument for $ty<T> {
            fn from_opts(_: &$crate::metric::InstrumentOpts<'_>) -> Self {
                Self::new()
            }
        }

        impl<T: $crate::metric::Atomic> $crate::field::EncodeFamily for $ty<T> {
            const METRIC_TYPE: Option<$crate::desc::MetricType> =
                Some($crate::desc::MetricType::$metric_type);
            const LABELS: Option<usize> = Some(0);

            fn encode_family(
                &self,
                family: &mut $crate::encoding::FamilyEncoder<'_>,
            ) -> Result<(), $crate::error::CollectError> {
                $crate::field::EncodeMetric::encode_metric(self, &(), family)
            }
        }
    };
}

mod atomic;
mod buckets;
mod ckms;
mod counter;
mod family;
mod gauge;
mod histogram;
mod native;
mod standalone;
mod summary;

use std::time::Duration;

pub use self::atomic::Atomic;
pub use self::buckets::{
    exponential_buckets, linear_buckets, BucketError, HistogramBuilder, DEFAULT_BUCKETS,
};
pub use self::counter::{Counter, CounterError};
pub use self::family::{Family, LabelQuery};
pub use self::gauge::Gauge;
pub use self::histogram::{Histogram, NativeBuckets};
pub use self::native::{
    native_bucket_index, native_bucket_upper_bound, native_schema_for_factor, native_widened_index,
    DEFAULT_ZERO_THRESHOLD as NATIVE_DEFAULT_ZERO_THRESHOLD, MAX_SCHEMA as NATIVE_MAX_SCHEMA,
    MIN_SCHEMA as NATIVE_MIN_SCHEMA,
};
pub use self::standalone::{Metric, MetricError};
pub use self::summary::{
    Summary, SummaryBuilder, SummaryError, DEFAULT_AGE_BUCKETS, DEFAULT_MAX_AGE,
};

/// Seconds since the Unix epoch, now: an instrument's created time.
pub(crate) fn created_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Which one-value instruments carry a created time (counters do, gauges
/// do not), for the plumbing they share.
#[doc(hidden)]
pub trait CreatedTime {
    /// Whether [`created_time`](Self::created_time) can be `Some`.
    const HAS_CREATED: bool;
    /// The created time, seconds since the Unix epoch.
    fn created_time(&self) -> Option<f64>;
}

impl<T: Atomic> CreatedTime for Counter<T> {
    const HAS_CREATED: bool = true;
    #[inline]
    fn created_time(&self) -> Option<f64> {
        Some(self.created())
    }
}

impl<T: Atomic> CreatedTime for Gauge<T> {
    const HAS_CREATED: bool = false;
    #[inline]
    fn created_time(&self) -> Option<f64> {
        None
    }
}

/// Options the derive passes when it builds an instrument field from its
/// `#[metric(...)]` attributes. Not a public API.
#[doc(hidden)]
#[derive(Debug, Default, Clone, Copy)]
pub struct InstrumentOpts<'a> {
    /// Histogram `buckets(...)`.
    pub buckets: Option<&'a [f64]>,
    /// Summary `objectives((0.5, 0.05), ...)`.
    pub objectives: Option<&'a [(f64, f64)]>,
    /// Summary window.
    pub max_age: Option<Duration>,
    /// Histogram `native(...)`: make it native (or native and classic, with
    /// `buckets`).
    pub native: Option<NativeOpts>,
}

/// A histogram's `native(...)` options, as the derive passes them: Go's
/// `HistogramOpts` `NativeHistogram*` fields, each mapped to the
/// [`HistogramBuilder`] setter of the same name. Not a public API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NativeOpts {
    /// `factor`: [`HistogramBuilder::native`].
    pub factor: f64,
    /// `zero_threshold`, the width itself (0 is a zero bucket of width 0);
    /// `None` for Go's default, 2^-128.
    pub zero_threshold: Option<f64>,
    /// `max_buckets`; 0 is no limit.
    pub max_buckets: u32,
    /// `min_reset_duration`; zero is never.
    pub min_reset_duration: Duration,
    /// `max_zero_threshold`; 0 is never widened.
    pub max_zero_threshold: f64,
    /// `max_exemplars`; `None` for the default, 10.
    pub max_exemplars: Option<usize>,
}

/// Builds an instrument from [`InstrumentOpts`]; what the derive's generated
/// constructor calls for each instrument field. Not a public API.
///
/// Options the instrument does not use are ignored. Invalid options (which the
/// derive rules out at compile time) are repaired, never a panic: see each
/// instrument's `from_opts`.
#[doc(hidden)]
pub trait Instrument: Sized {
    /// Builds the instrument.
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self;
}
