//! How a [`Histogram`]'s buckets are chosen: Go's default bounds and its
//! bucket helpers for classic buckets, [`HistogramBuilder`] for classic and
//! native ones with client_golang's `HistogramOpts` options, and
//! [`BucketError`] for a layout that is refused.

use std::time::Duration;

use super::histogram::Histogram;
use super::native::{self, NativeConfig};

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
    /// A native bucket factor that is not above 1 (or not a number).
    #[error("native histogram bucket factor must be greater than 1, got {0}")]
    NativeFactor(f64),
    /// A native zero threshold that is NaN or infinite.
    #[error("native histogram zero threshold must be a finite number, got {0}")]
    NativeZeroThreshold(f64),
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

/// Classic bucket bounds as a histogram keeps them: no NaN, strictly
/// increasing, without a trailing `+Inf` (the implied last bucket).
pub(super) fn classic_bounds(
    bounds: impl IntoIterator<Item = f64>,
) -> Result<Vec<f64>, BucketError> {
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
    Ok(bounds)
}

/// Builds a [`Histogram`]: classic buckets, native buckets, or both, with
/// client_golang's `HistogramOpts` options and defaults.
///
/// Without [`native`](Self::native) the histogram is classic, with
/// [`buckets`](Self::buckets) or Go's [`DEFAULT_BUCKETS`]. With it and
/// without `buckets`, it is only native (no classic buckets, as in Go);
/// with both, it is both.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct HistogramBuilder {
    buckets: Option<Vec<f64>>,
    factor: Option<f64>,
    zero_threshold: f64,
    max_buckets: u32,
    min_reset_duration: Duration,
    max_zero_threshold: f64,
    max_exemplars: Option<usize>,
}

impl HistogramBuilder {
    /// Classic bucket upper bounds (as [`Histogram::with_buckets`]).
    /// Default is Go's [`DEFAULT_BUCKETS`] for a classic histogram, none for
    /// a native one.
    pub fn buckets(mut self, bounds: impl IntoIterator<Item = f64>) -> Self {
        self.buckets = Some(bounds.into_iter().collect());
        self
    }

    /// Makes the histogram native, with buckets that grow by at most
    /// `factor` each (Go's `NativeHistogramBucketFactor`; 1.1 is a common
    /// choice). The schema is the largest resolution that fits, from 8
    /// (factor 1.0027) to -4 (65536). A factor not above 1 is an error at
    /// [`build`](Self::build). Default is none (classic only).
    pub fn native(mut self, factor: f64) -> Self {
        self.factor = Some(factor);
        self
    }

    /// Observations within this distance of zero go to the zero bucket
    /// (Go's `NativeHistogramZeroThreshold`). Default is 2^-128
    /// ([`NATIVE_DEFAULT_ZERO_THRESHOLD`](crate::metric::NATIVE_DEFAULT_ZERO_THRESHOLD)); a negative value means
    /// zero (Go's `NativeHistogramZeroThresholdZero`).
    pub fn native_zero_threshold(mut self, threshold: f64) -> Self {
        self.zero_threshold = threshold;
        self
    }

    /// The most native buckets to keep (Go's
    /// `NativeHistogramMaxBucketNumber`); past it, Go's strategies apply:
    /// reset, widen the zero bucket, or halve the resolution. Default is 0,
    /// no limit.
    pub fn native_max_buckets(mut self, max: u32) -> Self {
        self.max_buckets = max;
        self
    }

    /// A histogram past its bucket limit is reset (all counts to zero, the
    /// created time renewed) when at least this long has passed since its
    /// last reset (Go's `NativeHistogramMinResetDuration`). Default is zero:
    /// never reset.
    pub fn native_min_reset_duration(mut self, duration: Duration) -> Self {
        self.min_reset_duration = duration;
        self
    }

    /// How wide the zero bucket may grow to stay within the bucket limit
    /// (Go's `NativeHistogramMaxZeroThreshold`). Default is 0: never widened.
    pub fn native_max_zero_threshold(mut self, threshold: f64) -> Self {
        self.max_zero_threshold = threshold;
        self
    }

    /// How many native exemplars to keep, the newest (Go's
    /// `NativeHistogramMaxExemplars`). Default is 10.
    pub fn native_max_exemplars(mut self, max: usize) -> Self {
        self.max_exemplars = Some(max);
        self
    }

    /// Builds the histogram.
    ///
    /// # Errors
    ///
    /// [`BucketError`]: classic bounds as for [`Histogram::with_buckets`], a
    /// native factor not above 1, a NaN or infinite zero threshold.
    pub fn build(self) -> Result<Histogram, BucketError> {
        let native = match self.factor {
            None => None,
            Some(f) if f.is_nan() || f <= 1.0 => return Err(BucketError::NativeFactor(f)),
            Some(f) => {
                if !self.zero_threshold.is_finite() {
                    return Err(BucketError::NativeZeroThreshold(self.zero_threshold));
                }
                let zero_threshold = if self.zero_threshold < 0.0 {
                    0.0
                } else if self.zero_threshold == 0.0 {
                    native::DEFAULT_ZERO_THRESHOLD
                } else {
                    self.zero_threshold
                };
                Some(NativeConfig {
                    schema: native::native_schema_for_factor(f),
                    zero_threshold,
                    max_buckets: self.max_buckets,
                    min_reset_duration: self.min_reset_duration,
                    max_zero_threshold: self.max_zero_threshold,
                    max_exemplars: self.max_exemplars.unwrap_or(10),
                })
            }
        };
        let classic = match (self.buckets, native.is_some()) {
            (Some(b), _) => classic_bounds(b)?,
            (None, true) => Vec::new(),
            (None, false) => DEFAULT_BUCKETS.to_vec(),
        };
        Ok(Histogram::from_parts(classic, native))
    }
}
