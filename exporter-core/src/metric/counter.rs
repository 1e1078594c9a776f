//! [`Counter`]: a value that only goes up.

use std::fmt;

use super::atomic::Atomic;
use super::{EncodeMetric, Instrument, InstrumentOpts};
use crate::desc::MetricType;
use crate::encoding::FamilyEncoder;
use crate::error::CollectError;
use crate::labels::EncodeLabelValues;

/// A monotonic counter: requests served, bytes sent, errors seen.
///
/// `Counter<u64>` (the default) counts events; `Counter<f64>` accumulates
/// amounts such as seconds spent. A counter never goes down: an `f64`
/// increment that is negative or NaN is refused with a [`CounterError`]
/// (Go panics there; this crate does not panic on values it is handed).
///
/// # Example
///
/// ```
/// use exporter_core::metric::Counter;
///
/// let requests: Counter = Counter::new();
/// requests.inc();
/// requests.inc_by(2);
/// assert_eq!(requests.get(), 3);
///
/// let seconds: Counter<f64> = Counter::new();
/// seconds.inc_by(0.25)?;
/// assert!(seconds.inc_by(-1.0).is_err());
/// assert_eq!(seconds.get(), 0.25);
/// # Ok::<(), exporter_core::metric::CounterError>(())
/// ```
pub struct Counter<T: Atomic = u64> {
    value: T::Cell,
}

/// Why a [`Counter<f64>`] refused an increment.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CounterError {
    /// The increment was negative: counters only go up.
    #[error("counter cannot decrease (increment {0})")]
    Negative(f64),
    /// The increment was NaN.
    #[error("counter increment is NaN")]
    NaN,
}

impl<T: Atomic> Counter<T> {
    /// A counter at zero.
    pub fn new() -> Self {
        Counter {
            value: T::cell(T::ZERO),
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        T::add(&self.value, T::ONE);
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> T {
        T::load(&self.value)
    }
}

impl Counter<u64> {
    /// Adds `v`. Wraps at `u64::MAX`, which a counter of events never reaches.
    #[inline]
    pub fn inc_by(&self, v: u64) {
        u64::add(&self.value, v);
    }
}

impl Counter<f64> {
    /// Adds `v`.
    ///
    /// # Errors
    ///
    /// [`CounterError`] when `v` is negative or NaN; the counter is unchanged.
    #[inline]
    pub fn inc_by(&self, v: f64) -> Result<(), CounterError> {
        if v.is_nan() {
            Err(CounterError::NaN)
        } else if v < 0.0 {
            Err(CounterError::Negative(v))
        } else {
            f64::add(&self.value, v);
            Ok(())
        }
    }
}

impl<T: Atomic> Default for Counter<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Atomic> fmt::Debug for Counter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counter").field(&self.get()).finish()
    }
}

impl<T: Atomic> EncodeMetric for Counter<T> {
    const METRIC_TYPE: MetricType = MetricType::Counter;

    #[inline]
    fn encode_metric<L>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        family.sample(labels, self.get())
    }

    #[inline]
    fn encode_series<'a, K>(
        series: impl Iterator<Item = (&'a K, &'a Self)>,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError>
    where
        K: EncodeLabelValues + 'a,
    {
        family.samples(series.map(|(labels, metric)| (labels, metric.get())))
    }
}

impl<T: Atomic> Instrument for Counter<T> {
    fn from_opts(_: &InstrumentOpts<'_>) -> Self {
        Self::new()
    }
}

impl<T: Atomic> crate::__private::CollectField for Counter<T> {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Counter);
    const LABELS: Option<usize> = Some(0);

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.encode_metric(&(), family)
    }
}
