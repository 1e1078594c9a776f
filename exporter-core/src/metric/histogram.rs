//! [`Histogram`]: observations counted in buckets.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use super::atomic::add_f64;
use super::{EncodeMetric, Instrument, InstrumentOpts};
use crate::desc::MetricType;
use crate::encoding::FamilyEncoder;
use crate::error::CollectError;
use crate::labels::EncodeLabelValues;
use crate::value::HistogramValue;

/// Go's `prometheus.DefBuckets`: request latencies in seconds, 5ms to 10s.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why a bucket layout was refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BucketError {
    /// A helper was asked for zero buckets.
    #[error("bucket count must be at least 1")]
    ZeroCount,
    /// [`linear_buckets`] with a width that is not a positive finite number.
    #[error("bucket width must be positive and finite, got {0}")]
    Width(f64),
    /// [`exponential_buckets`] with a start that is not a positive finite number.
    #[error("first bucket must be positive and finite, got {0}")]
    Start(f64),
    /// [`exponential_buckets`] with a factor not above 1.
    #[error("bucket factor must be greater than 1 and finite, got {0}")]
    Factor(f64),
    /// Explicit bounds that are NaN or not strictly increasing.
    #[error("bucket bounds must be strictly increasing numbers, got {0} after {1}")]
    NotIncreasing(f64, f64),
    /// An explicit bound is NaN.
    #[error("bucket bound is NaN")]
    NaN,
}

/// `count` buckets of `width`, the first with upper bound `start`
/// (Go's `LinearBuckets`).
///
/// ```
/// assert_eq!(exporter_core::metric::linear_buckets(1.0, 2.0, 3)?, [1.0, 3.0, 5.0]);
/// # Ok::<(), exporter_core::metric::BucketError>(())
/// ```
///
/// # Errors
///
/// [`BucketError`] when `count` is 0 or `width` is not positive, or `start` is not finite.
pub fn linear_buckets(start: f64, width: f64, count: usize) -> Result<Vec<f64>, BucketError> {
    if count == 0 {
        return Err(BucketError::ZeroCount);
    }
    if !(width > 0.0 && width.is_finite()) {
        return Err(BucketError::Width(width));
    }
    if !start.is_finite() {
        return Err(BucketError::Start(start));
    }
    Ok((0..count).map(|i| start + width * i as f64).collect())
}

/// `count` buckets, the first with upper bound `start`, each `factor` times
/// the one before (Go's `ExponentialBuckets`).
///
/// ```
/// assert_eq!(exporter_core::metric::exponential_buckets(1.0, 10.0, 3)?, [1.0, 10.0, 100.0]);
/// # Ok::<(), exporter_core::metric::BucketError>(())
/// ```
///
/// # Errors
///
/// [`BucketError`] when `count` is 0, `start` is not positive or `factor` not above 1.
pub fn exponential_buckets(start: f64, factor: f64, count: usize) -> Result<Vec<f64>, BucketError> {
    if count == 0 {
        return Err(BucketError::ZeroCount);
    }
    if !(start > 0.0 && start.is_finite()) {
        return Err(BucketError::Start(start));
    }
    if !(factor > 1.0 && factor.is_finite()) {
        return Err(BucketError::Factor(factor));
    }
    let mut out = Vec::with_capacity(count);
    let mut bound = start;
    for _ in 0..count {
        out.push(bound);
        bound *= factor;
    }
    Ok(out)
}

/// A histogram: request durations, response sizes.
///
/// Each observation adds one to the first bucket whose upper bound is at or
/// above it (the `+Inf` bucket catches the rest) and to the sum. Observing is
/// lock-free: one atomic add on the bucket and a compare-and-swap on the sum.
/// A scrape reports the count as the total of the buckets, so `_count` and the
/// `+Inf` bucket always agree; under concurrent observation `_sum` may lag
/// them by the observations in flight.
///
/// # Example
///
/// ```
/// use exporter_core::metric::Histogram;
///
/// let latency = Histogram::with_buckets([0.1, 0.5, 1.0])?;
/// latency.observe(0.3);
/// latency.observe(0.7);
/// assert_eq!(latency.count(), 2);
/// assert_eq!(latency.sum(), 1.0);
/// # Ok::<(), exporter_core::metric::BucketError>(())
/// ```
pub struct Histogram {
    /// Finite upper bounds, strictly increasing; `+Inf` is implied.
    bounds: Box<[f64]>,
    /// Non-cumulative counts, one per bound plus the `+Inf` bucket.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl Histogram {
    /// A histogram with Go's [`DEFAULT_BUCKETS`].
    pub fn new() -> Self {
        Self::from_sorted(DEFAULT_BUCKETS.to_vec())
    }

    /// A histogram with the given upper bounds. A trailing `+Inf` is allowed
    /// and dropped (it is always there); no bounds at all leaves only `+Inf`.
    ///
    /// # Errors
    ///
    /// [`BucketError`] when a bound is NaN or the bounds are not strictly increasing.
    pub fn with_buckets(bounds: impl IntoIterator<Item = f64>) -> Result<Self, BucketError> {
        let mut bounds: Vec<f64> = bounds.into_iter().collect();
        if bounds.iter().any(|b| b.is_nan()) {
            return Err(BucketError::NaN);
        }
        // Checked before the trailing `+Inf` is dropped, so `[1, +Inf, +Inf]`
        // cannot leave a finite-bucket `+Inf` that repeats the implied one.
        if let Some(w) = bounds.windows(2).find(|w| w[0] >= w[1]) {
            return Err(BucketError::NotIncreasing(w[1], w[0]));
        }
        if bounds.last() == Some(&f64::INFINITY) {
            bounds.pop();
        }
        Ok(Self::from_sorted(bounds))
    }

    fn from_sorted(bounds: Vec<f64>) -> Self {
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Histogram {
            bounds: bounds.into_boxed_slice(),
            counts,
            sum: AtomicU64::new(0.0f64.to_bits()),
        }
    }

    /// Records one observation.
    ///
    /// NaN lands in the `+Inf` bucket and makes the sum NaN, as in Go.
    #[inline]
    pub fn observe(&self, v: f64) {
        // First bound >= v; NaN compares false everywhere and lands past the end (+Inf).
        let i = self.bounds.partition_point(|&b| b < v);
        let i = if v.is_nan() { self.bounds.len() } else { i };
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        add_f64(&self.sum, v);
    }

    /// The finite upper bounds.
    pub fn buckets(&self) -> &[f64] {
        &self.bounds
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The sum of observations.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum.load(Ordering::Relaxed))
    }

    /// `(upper bound, cumulative count)` for each finite bound, and the total count.
    ///
    /// Allocates one vector: scrape-time cost per histogram series, not per observation.
    pub fn cumulative(&self) -> (Vec<(f64, u64)>, u64) {
        let mut acc = 0u64;
        let buckets = self
            .bounds
            .iter()
            .zip(self.counts.iter())
            .map(|(&b, c)| {
                acc += c.load(Ordering::Relaxed);
                (b, acc)
            })
            .collect();
        let total = acc + self.counts[self.bounds.len()].load(Ordering::Relaxed);
        (buckets, total)
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("buckets", &self.bounds)
            .field("count", &self.count())
            .field("sum", &self.sum())
            .finish_non_exhaustive()
    }
}

impl EncodeMetric for Histogram {
    const METRIC_TYPE: MetricType = MetricType::Histogram;

    fn encode_metric<L>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        // Common layouts fit on the stack: no allocation per series per scrape.
        const INLINE: usize = 32;
        let n = self.bounds.len();
        let mut inline = [(0.0, 0u64); INLINE];
        let mut heap = Vec::new();
        let buckets: &mut [(f64, u64)] = if n <= INLINE {
            &mut inline[..n]
        } else {
            heap.resize(n, (0.0, 0u64));
            &mut heap
        };
        let mut acc = 0u64;
        for ((slot, &bound), c) in buckets
            .iter_mut()
            .zip(self.bounds.iter())
            .zip(self.counts.iter())
        {
            acc += c.load(Ordering::Relaxed);
            *slot = (bound, acc);
        }
        let count = acc + self.counts[n].load(Ordering::Relaxed);
        family.histogram(
            labels,
            &HistogramValue {
                buckets,
                sum: self.sum(),
                count,
            },
        )
    }
}

impl Instrument for Histogram {
    /// Uses `opts.buckets`, or Go's default buckets. Bounds the derive did not
    /// check (it does) are repaired rather than refused: NaN dropped, then
    /// sorted and deduplicated.
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self {
        match opts.buckets {
            None => Self::new(),
            Some(bounds) => Self::with_buckets(bounds.iter().copied()).unwrap_or_else(|_| {
                let mut fixed: Vec<f64> = bounds
                    .iter()
                    .copied()
                    .filter(|b| !b.is_nan() && *b != f64::INFINITY)
                    .collect();
                fixed.sort_by(f64::total_cmp);
                fixed.dedup();
                Self::from_sorted(fixed)
            }),
        }
    }
}

impl crate::__private::CollectField for Histogram {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);
    const LABELS: Option<usize> = Some(0);

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.encode_metric(&(), family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_follow_go() {
        assert_eq!(linear_buckets(0.0, 0.5, 3).unwrap(), [0.0, 0.5, 1.0]);
        assert_eq!(exponential_buckets(2.0, 2.0, 3).unwrap(), [2.0, 4.0, 8.0]);
        assert_eq!(linear_buckets(0.0, 1.0, 0), Err(BucketError::ZeroCount));
        assert_eq!(linear_buckets(0.0, -1.0, 2), Err(BucketError::Width(-1.0)));
        assert_eq!(
            exponential_buckets(0.0, 2.0, 2),
            Err(BucketError::Start(0.0))
        );
        assert_eq!(
            exponential_buckets(1.0, 1.0, 2),
            Err(BucketError::Factor(1.0))
        );
        assert_eq!(
            exponential_buckets(1.0, 2.0, 0),
            Err(BucketError::ZeroCount)
        );
    }

    #[test]
    fn rejects_unsorted_and_nan_bounds() {
        assert!(matches!(
            Histogram::with_buckets([1.0, 1.0]),
            Err(BucketError::NotIncreasing(..))
        ));
        assert!(matches!(
            Histogram::with_buckets([2.0, 1.0]),
            Err(BucketError::NotIncreasing(..))
        ));
        assert_eq!(
            Histogram::with_buckets([f64::NAN]).err(),
            Some(BucketError::NaN)
        );
        let h = Histogram::with_buckets([1.0, f64::INFINITY]).unwrap();
        assert_eq!(h.buckets(), [1.0]);
        // A repeated `+Inf` would otherwise survive as a bound and print
        // `le="+Inf"` twice.
        assert!(matches!(
            Histogram::with_buckets([1.0, f64::INFINITY, f64::INFINITY]),
            Err(BucketError::NotIncreasing(..))
        ));
    }

    #[test]
    fn counts_land_in_the_first_bucket_at_or_above() {
        let h = Histogram::with_buckets([1.0, 2.0, 5.0]).unwrap();
        for v in [0.5, 1.0, 1.5, 2.0, 4.0, 5.0, 6.0, f64::INFINITY] {
            h.observe(v);
        }
        let (buckets, total) = h.cumulative();
        assert_eq!(buckets, [(1.0, 2), (2.0, 4), (5.0, 6)]);
        assert_eq!(total, 8);
        h.observe(f64::NAN);
        assert_eq!(h.count(), 9);
        assert!(h.sum().is_nan());
    }

    #[test]
    fn from_opts_repairs_bad_bounds() {
        let h = Histogram::from_opts(&InstrumentOpts {
            buckets: Some(&[3.0, 1.0, f64::NAN, 1.0]),
            ..InstrumentOpts::default()
        });
        assert_eq!(h.buckets(), [1.0, 3.0]);
        assert_eq!(
            Histogram::from_opts(&InstrumentOpts::default()).buckets(),
            DEFAULT_BUCKETS
        );
    }
}
