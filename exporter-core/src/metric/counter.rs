//! [`Counter`]: a value that only goes up.

use super::atomic::Atomic;

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
    /// Seconds since the Unix epoch at creation: protobuf `created_timestamp`,
    /// OpenMetrics `_created`.
    created: f64,
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
            created: super::created_now(),
        }
    }

    /// When the counter was created, in seconds since the Unix epoch.
    pub fn created(&self) -> f64 {
        self.created
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

one_value_instrument!(Counter, Counter);
