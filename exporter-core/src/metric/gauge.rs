//! [`Gauge`]: a value that goes up and down.

use std::time::SystemTime;

use super::atomic::Atomic;
use crate::value::EncodeValue;

/// A gauge: temperature, queue length, connections open.
///
/// `Gauge<f64>` (the default, as in Go) or `Gauge<i64>` for counts that go
/// both ways; integer arithmetic wraps.
///
/// # Example
///
/// ```
/// use exporter_core::metric::Gauge;
///
/// let in_flight: Gauge<i64> = Gauge::new();
/// in_flight.inc();
/// in_flight.inc();
/// in_flight.dec();
/// assert_eq!(in_flight.get(), 1);
///
/// let temperature: Gauge = Gauge::new();
/// temperature.set(21.5);
/// temperature.sub(1.5);
/// assert_eq!(temperature.get(), 20.0);
/// ```
pub struct Gauge<T: Atomic = f64> {
    value: T::Cell,
}

impl<T: Atomic> Gauge<T> {
    /// A gauge at zero.
    pub fn new() -> Self {
        Gauge {
            value: T::cell(T::ZERO),
        }
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: T) {
        T::store(&self.value, v);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        T::add(&self.value, T::ONE);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        T::sub(&self.value, T::ONE);
    }

    /// Adds `v` (which may be negative).
    #[inline]
    pub fn add(&self, v: T) {
        T::add(&self.value, v);
    }

    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: T) {
        T::sub(&self.value, v);
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> T {
        T::load(&self.value)
    }
}

impl Gauge<f64> {
    /// Sets the value to the current Unix time in seconds, as Go's `SetToCurrentTime`.
    pub fn set_to_current_time(&self) {
        // The same conversion a `SystemTime` snapshot field uses (negative before 1970).
        self.set(SystemTime::now().to_number().as_f64());
    }
}

one_value_instrument!(Gauge, Gauge);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_to_current_time_is_unix_seconds_now() {
        let secs = |t: SystemTime| t.to_number().as_f64();
        let g = Gauge::<f64>::new();
        let before = secs(SystemTime::now());
        g.set_to_current_time();
        let after = secs(SystemTime::now());
        assert!(
            before <= g.get() && g.get() <= after,
            "{before} {} {after}",
            g.get()
        );
        // Sanity on the scale: seconds, not milliseconds (2020-01-01 .. 2100-01-01).
        assert!((1_577_836_800.0..4_102_444_800.0).contains(&g.get()));
    }
}
