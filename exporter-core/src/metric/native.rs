//! Native (sparse, exponential) histogram buckets, as client_golang's
//! `histogram.go` keeps them.
//!
//! A native histogram has no bucket layout to choose: bucket `i` of schema
//! `s` holds the observations in `(2^((i-1)/2^s), 2^(i/2^s)]` (and the mirror
//! for negative ones), so the resolution is the one knob. The schema is picked
//! from a bucket factor as Go's `pickSchema` does: the largest resolution
//! whose growth factor from one bucket to the next is at most the factor.
//! Observations within the zero threshold of zero land in the zero bucket.
//!
//! A bucket exists once something landed in it. When a limit on the number of
//! buckets is set and exceeded, Go's strategies are applied in Go's order:
//! reset the whole histogram if the minimum reset duration has passed since
//! the last reset, else widen the zero bucket to swallow the bucket closest to
//! zero if that stays within the maximum zero threshold, else halve the
//! resolution (schema - 1), merging bucket pairs, down to schema -4.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hashbrown::HashMap;

/// The finest schema: 256 buckets per power of two.
pub const MAX_SCHEMA: i32 = 8;
/// The coarsest schema: one bucket per 2^16.
pub const MIN_SCHEMA: i32 = -4;

/// Go's `DefNativeHistogramZeroThreshold`: 2^-128.
pub const DEFAULT_ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// Go's `pickSchema`: the schema of a bucket factor (which must be above 1).
///
/// ```
/// use exporter_core::metric::native_schema_for_factor;
/// assert_eq!(native_schema_for_factor(1.1), 3); // 2^(1/8) = 1.09
/// assert_eq!(native_schema_for_factor(2.0), 0);
/// assert_eq!(native_schema_for_factor(1.0001), 8);
/// assert_eq!(native_schema_for_factor(1e300), -4);
/// ```
pub fn native_schema_for_factor(factor: f64) -> i32 {
    let floor = factor.log2().log2().floor();
    if floor <= -8.0 {
        MAX_SCHEMA
    } else if floor >= 4.0 {
        MIN_SCHEMA
    } else {
        // In (-8, 4): fits.
        -(floor as i32)
    }
}

/// Go's `math.Frexp` for a finite, non-zero, non-negative `v`: `(frac, exp)`
/// with `frac` in `[0.5, 1)` and `v = frac * 2^exp`.
#[inline]
fn frexp(v: f64) -> (f64, i32) {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (frac, exp) = frexp(v * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (frac, exp - 64);
    }
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, biased - 1022)
}

/// `0.5 * 2^(j / 2^schema)` for `j` in `0..2^schema`, per positive schema:
/// Go's `nativeHistogramBounds`, computed here (correctly rounded by `exp2`,
/// where Go's literal table is at most a few ulps lower; only an observation
/// within those ulps of a boundary can land one bucket apart from Go).
fn bounds(schema: i32) -> &'static [f64] {
    static TABLES: OnceLock<Vec<Vec<f64>>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        (0..=MAX_SCHEMA)
            .map(|s| {
                let n = 1usize << s;
                (0..n).map(|j| 0.5 * (j as f64 / n as f64).exp2()).collect()
            })
            .collect()
    });
    tables
        .get(schema.clamp(0, MAX_SCHEMA) as usize)
        .map_or(&[0.5][..], Vec::as_slice)
}

/// The index of the native bucket that holds `v` (by its absolute value) in
/// `schema`, as client_golang's `histogramCounts.observe` computes it with
/// `math.Frexp`: `±Inf` lands one past the bucket of `±MaxFloat64`. `v` must
/// not be NaN or zero (NaN has no bucket; zero belongs to the zero bucket);
/// the result for them is unspecified but never a panic.
///
/// ```
/// use exporter_core::metric::native_bucket_index;
/// assert_eq!(native_bucket_index(1.0, 0), 0); // (0.5, 1]
/// assert_eq!(native_bucket_index(1.5, 0), 1); // (1, 2]
/// assert_eq!(native_bucket_index(-1.5, 0), 1); // negative buckets mirror
/// assert_eq!(native_bucket_index(1.05, 3), 1); // (1, 1.0905]
/// ```
#[inline]
#[allow(clippy::float_cmp)] // Go's exact `frac == 0.5`: a power of two ends a bucket.
pub fn native_bucket_index(v: f64, schema: i32) -> i32 {
    let mut a = v.abs();
    let inf = a.is_infinite();
    if inf {
        a = f64::MAX;
    }
    if a == 0.0 || a.is_nan() {
        return i32::MIN;
    }
    let (frac, exp) = frexp(a);
    let key = if schema > 0 {
        let b = bounds(schema);
        // Go's sort.SearchFloat64s: the first bound >= frac.
        b.partition_point(|&x| x < frac) as i32 + (exp - 1) * b.len() as i32
    } else {
        let k = if frac == 0.5 { exp - 1 } else { exp };
        let shift = -schema;
        let offset = (1 << shift) - 1;
        (k + offset) >> shift
    };
    key + i32::from(inf)
}

/// The upper bound of native bucket `key` in `schema` (Go's `getLe`): the
/// last bucket of finite numbers ends at `f64::MAX`, the one after it (which
/// counts `±Inf`) at `+Inf`.
#[allow(clippy::float_cmp)] // Go's exact `frac == 0.5`.
pub fn native_bucket_upper_bound(key: i32, schema: i32) -> f64 {
    if schema < 0 {
        let exp = key.checked_shl(schema.unsigned_abs()).unwrap_or(i32::MAX);
        if exp == 1024 {
            return f64::MAX;
        }
        return ldexp(1.0, exp);
    }
    let b = bounds(schema);
    let frac = b[(key & ((1 << schema) - 1)) as usize];
    let exp = (key >> schema) + 1;
    if frac == 0.5 && exp == 1025 {
        return f64::MAX;
    }
    ldexp(frac, exp)
}

/// `frac * 2^exp`, saturating to `±Inf` and to zero like Go's `math.Ldexp`.
fn ldexp(frac: f64, exp: i32) -> f64 {
    let mut out = frac;
    let mut e = exp;
    // Scale in steps that stay within the normal range.
    while e > 1000 {
        out *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        out *= 2f64.powi(-1000);
        e += 1000;
    }
    out * 2f64.powi(e)
}

/// The native options of a histogram, validated (Go's `HistogramOpts`
/// `NativeHistogram*` fields).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NativeConfig {
    pub(crate) schema: i32,
    pub(crate) zero_threshold: f64,
    /// 0: no limit.
    pub(crate) max_buckets: u32,
    /// Zero: never reset.
    pub(crate) min_reset_duration: Duration,
    pub(crate) max_zero_threshold: f64,
    /// How many native exemplars are kept (the newest).
    pub(crate) max_exemplars: usize,
}

/// One side's buckets: index -> count.
pub(crate) type Buckets = HashMap<i32, AtomicU64>;

/// The native part of a live histogram. Observations take the read lock and
/// add to an existing bucket with one atomic add; creating a bucket, and the
/// limiting strategies, take the write lock.
#[derive(Debug)]
pub(crate) struct NativeState {
    pub(crate) schema: i32,
    pub(crate) zero_threshold: f64,
    pub(crate) zero: AtomicU64,
    pub(crate) positive: Buckets,
    pub(crate) negative: Buckets,
    pub(crate) last_reset: Instant,
}

/// Where an observation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Zero,
    Positive(i32),
    Negative(i32),
    /// NaN: counted and summed, in no bucket (as in Go).
    None,
}

impl NativeState {
    pub(crate) fn new(config: &NativeConfig) -> Self {
        NativeState {
            schema: config.schema,
            zero_threshold: config.zero_threshold,
            zero: AtomicU64::new(0),
            positive: HashMap::new(),
            negative: HashMap::new(),
            last_reset: Instant::now(),
        }
    }

    #[inline]
    pub(crate) fn slot(&self, v: f64) -> Slot {
        if v.is_nan() {
            Slot::None
        } else if v > self.zero_threshold {
            Slot::Positive(native_bucket_index(v, self.schema))
        } else if v < -self.zero_threshold {
            Slot::Negative(native_bucket_index(v, self.schema))
        } else {
            Slot::Zero
        }
    }

    /// Adds one to an existing slot; false when its bucket does not exist yet.
    #[inline]
    pub(crate) fn add_existing(&self, slot: Slot) -> bool {
        let cell = match slot {
            Slot::None => return true,
            Slot::Zero => &self.zero,
            Slot::Positive(k) => match self.positive.get(&k) {
                Some(c) => c,
                None => return false,
            },
            Slot::Negative(k) => match self.negative.get(&k) {
                Some(c) => c,
                None => return false,
            },
        };
        cell.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Adds `n` to a slot, creating its bucket (write lock held).
    pub(crate) fn add(&mut self, slot: Slot, n: u64) {
        match slot {
            Slot::None => {}
            Slot::Zero => {
                self.zero.fetch_add(n, Ordering::Relaxed);
            }
            Slot::Positive(k) => {
                self.positive
                    .entry(k)
                    .or_insert_with(|| AtomicU64::new(0))
                    .fetch_add(n, Ordering::Relaxed);
            }
            Slot::Negative(k) => {
                self.negative
                    .entry(k)
                    .or_insert_with(|| AtomicU64::new(0))
                    .fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// The number of (non-zero) buckets.
    pub(crate) fn buckets(&self) -> usize {
        self.positive.len() + self.negative.len()
    }

    /// Go's `maybeWidenZeroBucket`: merges the bucket closest to zero into
    /// the zero bucket, if the new threshold stays within `max`. Returns
    /// whether it did.
    pub(crate) fn widen_zero_bucket(&mut self, max: f64) -> bool {
        if self.zero_threshold >= max {
            return false;
        }
        let smallest = self
            .positive
            .keys()
            .chain(self.negative.keys())
            .copied()
            .min();
        let Some(smallest) = smallest else {
            return false;
        };
        let threshold = native_bucket_upper_bound(smallest, self.schema);
        if threshold > max {
            return false;
        }
        self.zero_threshold = threshold;
        for side in [&mut self.positive, &mut self.negative] {
            if let Some(c) = side.remove(&smallest) {
                self.zero.fetch_add(c.into_inner(), Ordering::Relaxed);
            }
        }
        true
    }

    /// Go's `doubleBucketWidth`: schema - 1, each bucket merged into the one
    /// of the coarser schema that holds it (`ceil(key / 2)`). Returns false
    /// at the coarsest schema.
    pub(crate) fn halve_resolution(&mut self) -> bool {
        if self.schema <= MIN_SCHEMA {
            return false;
        }
        self.schema -= 1;
        for side in [&mut self.positive, &mut self.negative] {
            let old = std::mem::take(side);
            for (key, count) in old {
                side.entry(widened_key(key))
                    .or_insert_with(|| AtomicU64::new(0))
                    .fetch_add(count.into_inner(), Ordering::Relaxed);
            }
        }
        true
    }

    /// `(index, count)` of one side, sorted by index.
    pub(crate) fn sorted(side: &Buckets) -> Vec<(i32, u64)> {
        let mut v: Vec<(i32, u64)> = side
            .iter()
            .map(|(&k, c)| (k, c.load(Ordering::Relaxed)))
            .collect();
        v.sort_unstable_by_key(|&(k, _)| k);
        v
    }
}

/// The bucket of schema `s - 1` that holds bucket `key` of schema `s`:
/// `ceil(key / 2)`, Go's `if key > 0 { key++ }; key /= 2`.
#[inline]
pub fn native_widened_index(key: i32) -> i32 {
    widened_key(key)
}

#[inline]
fn widened_key(key: i32) -> i32 {
    (i64::from(key) + 1).div_euclid(2) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_go() {
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(f64::MAX).1, 1024);
        let (f, e) = frexp(f64::from_bits(1)); // smallest subnormal
        assert_eq!((f, e), (0.5, -1073));
    }

    #[test]
    fn bounds_and_indexes_agree() {
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            // Keys whose bounds are normal numbers.
            let lim = if schema >= 0 {
                300
            } else {
                (1000 >> -schema) - 1
            };
            for key in -lim..lim {
                let le = native_bucket_upper_bound(key, schema);
                assert_eq!(
                    native_bucket_index(le, schema),
                    key,
                    "schema {schema} key {key}"
                );
                let below = native_bucket_upper_bound(key - 1, schema);
                let inside = f64::from_bits(below.to_bits() + 1);
                assert_eq!(
                    native_bucket_index(inside, schema),
                    key,
                    "schema {schema} key {key}"
                );
            }
        }
    }

    #[test]
    fn infinities_land_past_max() {
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            let last = native_bucket_index(f64::MAX, schema);
            assert_eq!(native_bucket_index(f64::INFINITY, schema), last + 1);
            assert_eq!(native_bucket_upper_bound(last, schema), f64::MAX);
            assert_eq!(native_bucket_upper_bound(last + 1, schema), f64::INFINITY);
        }
    }

    #[test]
    fn widened_keys_are_ceil_half() {
        assert_eq!(
            [-3, -2, -1, 0, 1, 2, 3, 4].map(widened_key),
            [-1, -1, 0, 0, 1, 1, 2, 2]
        );
    }
}
