//! [`Histogram`]: observations counted in buckets.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::atomic::add_f64;
use super::buckets::{classic_bounds, BucketError, HistogramBuilder, DEFAULT_BUCKETS};
use super::native::{NativeConfig, NativeState};
use super::{Instrument, InstrumentOpts};
use crate::desc::MetricType;
use crate::encoding::FamilyEncoder;
use crate::error::CollectError;
use crate::field::{EncodeFamily, EncodeMetric};
use crate::labels::LabelSet;
use crate::value::{Exemplar, HistogramValue, NativeHistogramValue, SampleOpts};

/// A histogram: request durations, response sizes.
///
/// Each observation adds one to the first bucket whose upper bound is at or
/// above it (the `+Inf` bucket catches the rest) and to the sum. Observing is
/// lock-free: one atomic add on the bucket and a compare-and-swap on the sum.
/// A scrape reports the count as the total of the buckets, so `_count` and the
/// `+Inf` bucket always agree; under concurrent observation `_sum` may lag
/// them by the observations in flight.
///
/// A histogram can also be, or only be, a *native* histogram (Prometheus
/// 2.40+ with `--enable-feature=native-histograms`, stable in 3.8):
/// exponential buckets created as observations arrive, whose resolution is
/// chosen from a bucket factor; see [`HistogramBuilder::native`]. Scrapers
/// get them over protobuf; the text formats show the classic buckets, or for
/// a histogram that is only native, the `+Inf` bucket, `_sum` and `_count`,
/// as Go writes them.
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
///
/// // Native, with buckets growing by at most 10% each (schema 3).
/// let native = Histogram::builder().native(1.1).build()?;
/// native.observe(0.3);
/// assert_eq!(native.native_schema(), Some(3));
/// # Ok::<(), exporter_core::metric::BucketError>(())
/// ```
pub struct Histogram {
    /// Finite upper bounds, strictly increasing; `+Inf` is implied.
    bounds: Box<[f64]>,
    /// Non-cumulative counts, one per bound plus the `+Inf` bucket.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    /// Seconds since the Unix epoch (f64 bits) of creation or the last reset.
    created: AtomicU64,
    native: Option<Box<Native>>,
    /// Exemplars, made on first use.
    exemplars: std::sync::OnceLock<Mutex<Exemplars>>,
}

/// The native part: its options and its buckets. Observations of a native
/// histogram take the read lock (classic counts included, so a reset, under
/// the write lock, sees no observation half done).
struct Native {
    config: NativeConfig,
    state: RwLock<NativeState>,
}

impl Native {
    fn read(&self) -> RwLockReadGuard<'_, NativeState> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }
    fn write(&self) -> RwLockWriteGuard<'_, NativeState> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An exemplar kept by a live histogram, owned.
#[derive(Debug, Clone)]
struct OwnedExemplar {
    labels: Vec<(String, String)>,
    value: f64,
    timestamp: f64,
}

#[derive(Debug, Default)]
struct Exemplars {
    /// The newest exemplar of each classic bucket (`+Inf` last).
    classic: Vec<Option<OwnedExemplar>>,
    /// The newest native exemplars, oldest first.
    native: std::collections::VecDeque<OwnedExemplar>,
}

use super::created_now as now_secs;

impl Histogram {
    /// A histogram with Go's [`DEFAULT_BUCKETS`].
    pub fn new() -> Self {
        Self::from_sorted(DEFAULT_BUCKETS.to_vec())
    }

    /// A builder for classic, native or both (Go's `HistogramOpts`).
    pub fn builder() -> HistogramBuilder {
        HistogramBuilder::default()
    }

    /// A new, empty histogram with the same buckets and options: what a
    /// [`Family`](super::Family) of such histograms builds each series with.
    ///
    /// ```
    /// use exporter_core::metric::{Family, Histogram};
    ///
    /// let proto = Histogram::builder().native(1.1).build()?;
    /// let latency = Family::<[String; 1], Histogram>::new_with(move || proto.empty_like());
    /// latency.with(&["GET"], |h| h.observe(0.25));
    /// # Ok::<(), exporter_core::metric::BucketError>(())
    /// ```
    #[must_use]
    pub fn empty_like(&self) -> Self {
        Self::from_parts(self.bounds.to_vec(), self.native.as_ref().map(|n| n.config))
    }

    /// A histogram with the given upper bounds. A trailing `+Inf` is allowed
    /// and dropped (it is always there); no bounds at all leaves only `+Inf`.
    ///
    /// # Errors
    ///
    /// [`BucketError`] when a bound is NaN or the bounds are not strictly increasing.
    pub fn with_buckets(bounds: impl IntoIterator<Item = f64>) -> Result<Self, BucketError> {
        Ok(Self::from_sorted(classic_bounds(bounds)?))
    }

    fn from_sorted(bounds: Vec<f64>) -> Self {
        Self::from_parts(bounds, None)
    }

    pub(super) fn from_parts(bounds: Vec<f64>, native: Option<NativeConfig>) -> Self {
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Histogram {
            bounds: bounds.into_boxed_slice(),
            counts,
            sum: AtomicU64::new(0.0f64.to_bits()),
            created: AtomicU64::new(now_secs().to_bits()),
            native: native.map(|config| {
                Box::new(Native {
                    state: RwLock::new(NativeState::new(&config)),
                    config,
                })
            }),
            exemplars: std::sync::OnceLock::new(),
        }
    }

    /// Records one observation.
    ///
    /// NaN lands in the `+Inf` bucket and makes the sum NaN, as in Go (and in
    /// no native bucket). A native observation whose bucket exists takes a
    /// read lock and one atomic add, and allocates nothing; the first one in a
    /// bucket takes the write lock (and applies the bucket limit).
    #[inline]
    pub fn observe(&self, v: f64) {
        match &self.native {
            None => self.observe_classic(v),
            Some(n) => {
                {
                    let state = n.read();
                    if state.add_existing(state.slot(v)) {
                        self.observe_classic(v);
                        return;
                    }
                }
                self.observe_new_bucket(n, v);
            }
        }
    }

    #[inline]
    fn classic_index(&self, v: f64) -> usize {
        // First bound >= v; NaN compares false everywhere and lands past the end (+Inf).
        if v.is_nan() {
            self.bounds.len()
        } else {
            self.bounds.partition_point(|&b| b < v)
        }
    }

    #[inline]
    fn observe_classic(&self, v: f64) {
        self.counts[self.classic_index(v)].fetch_add(1, Ordering::Relaxed);
        add_f64(&self.sum, v);
    }

    /// The slow path: a native bucket to create, then Go's `limitBuckets`.
    #[cold]
    fn observe_new_bucket(&self, n: &Native, v: f64) {
        let mut state = n.write();
        let slot = state.slot(v);
        state.add(slot, 1);
        self.observe_classic(v);
        let config = &n.config;
        if config.max_buckets == 0 || state.buckets() <= config.max_buckets as usize {
            return;
        }
        // Go's order: reset if the minimum duration has passed, else widen the
        // zero bucket, else halve the resolution.
        if !config.min_reset_duration.is_zero()
            && state.last_reset.elapsed() >= config.min_reset_duration
        {
            *state = NativeState::new(config);
            for c in &self.counts {
                c.store(0, Ordering::Relaxed);
            }
            self.sum.store(0.0f64.to_bits(), Ordering::Relaxed);
            self.created.store(now_secs().to_bits(), Ordering::Relaxed);
            // Repeat the latest observation so that it is not lost, as Go does.
            let slot = state.slot(v);
            state.add(slot, 1);
            self.observe_classic(v);
            return;
        }
        if state.widen_zero_bucket(config.max_zero_threshold) {
            return;
        }
        state.halve_resolution();
    }

    /// Records one observation with an exemplar (e.g. a trace id): the newest
    /// exemplar of its classic bucket, and one of the newest native ones.
    ///
    /// # Errors
    ///
    /// [`ExemplarError`](crate::value::ExemplarError) when the labels are
    /// invalid or too long (the observation is recorded anyway).
    pub fn observe_with_exemplar(
        &self,
        v: f64,
        labels: &[(&str, &str)],
    ) -> Result<(), crate::value::ExemplarError> {
        self.observe(v);
        let timestamp = now_secs();
        Exemplar::new(labels, v)
            .with_timestamp(timestamp)
            .validate()?;
        let owned = OwnedExemplar {
            labels: labels
                .iter()
                .map(|&(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            value: v,
            timestamp,
        };
        let store = self.exemplars.get_or_init(Mutex::default);
        let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = &self.native {
            if n.config.max_exemplars > 0 {
                if store.native.len() >= n.config.max_exemplars {
                    store.native.pop_front();
                }
                store.native.push_back(owned.clone());
            }
        }
        let i = self.classic_index(v);
        if store.classic.len() <= i {
            store.classic.resize(self.counts.len(), None);
        }
        store.classic[i] = Some(owned);
        Ok(())
    }

    /// The finite upper bounds.
    pub fn buckets(&self) -> &[f64] {
        &self.bounds
    }

    /// The native schema, or `None` for a classic-only histogram. It goes down
    /// when the bucket limit halves the resolution.
    pub fn native_schema(&self) -> Option<i32> {
        self.native.as_ref().map(|n| n.read().schema)
    }

    /// The number of native buckets in use (the zero bucket not counted).
    pub fn native_bucket_count(&self) -> usize {
        self.native.as_ref().map_or(0, |n| n.read().buckets())
    }

    /// The native zero bucket's threshold and count.
    pub fn native_zero_bucket(&self) -> Option<(f64, u64)> {
        self.native.as_ref().map(|n| {
            let s = n.read();
            (s.zero_threshold, s.zero.load(Ordering::Relaxed))
        })
    }

    /// When the histogram was created or last reset, in seconds since the
    /// Unix epoch: the protobuf `created_timestamp`, OpenMetrics `_created`.
    pub fn created(&self) -> f64 {
        f64::from_bits(self.created.load(Ordering::Relaxed))
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

    /// The native buckets as a snapshot: `(schema, zero threshold, zero
    /// count, positive, negative)`, each side `(index, count)` by index.
    pub fn native_buckets(&self) -> Option<NativeBuckets> {
        self.native.as_ref().map(|n| {
            let s = n.read();
            NativeBuckets {
                schema: s.schema,
                zero_threshold: s.zero_threshold,
                zero_count: s.zero.load(Ordering::Relaxed),
                positive: NativeState::sorted(&s.positive),
                negative: NativeState::sorted(&s.negative),
            }
        })
    }
}

/// The native buckets of a live [`Histogram`] at one moment
/// ([`Histogram::native_buckets`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NativeBuckets {
    /// The resolution.
    pub schema: i32,
    /// The zero bucket's half-width.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// `(index, count)` of the positive buckets, by index.
    pub positive: Vec<(i32, u64)>,
    /// `(index, count)` of the negative buckets, by index.
    pub negative: Vec<(i32, u64)>,
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
            .field("native_schema", &self.native_schema())
            .finish_non_exhaustive()
    }
}

impl Histogram {
    /// Runs `f` with the exemplars borrowed as the encoder takes them: the
    /// classic ones by bucket, the native ones. Allocates only when there
    /// are exemplars.
    fn with_exemplars<R>(
        &self,
        f: impl FnOnce(&[Option<Exemplar<'_>>], &[Exemplar<'_>]) -> R,
    ) -> R {
        let Some(store) = self.exemplars.get() else {
            return f(&[], &[]);
        };
        let store = store.lock().unwrap_or_else(PoisonError::into_inner);
        let classic_labels: Vec<Option<Vec<(&str, &str)>>> = store
            .classic
            .iter()
            .map(|e| e.as_ref().map(OwnedExemplar::labels))
            .collect();
        let native_labels: Vec<Vec<(&str, &str)>> =
            store.native.iter().map(OwnedExemplar::labels).collect();
        let classic: Vec<Option<Exemplar<'_>>> = store
            .classic
            .iter()
            .zip(&classic_labels)
            .map(|(e, l)| match (e, l) {
                (Some(e), Some(l)) => Some(e.borrowed(l)),
                _ => None,
            })
            .collect();
        let native: Vec<Exemplar<'_>> = store
            .native
            .iter()
            .zip(&native_labels)
            .map(|(e, l)| e.borrowed(l))
            .collect();
        f(&classic, &native)
    }
}

impl OwnedExemplar {
    fn labels(&self) -> Vec<(&str, &str)> {
        self.labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn borrowed<'a>(&self, labels: &'a [(&'a str, &'a str)]) -> Exemplar<'a> {
        Exemplar::new(labels, self.value).with_timestamp(self.timestamp)
    }
}

/// The native buckets as the encoder takes them, copied under the lock.
type NativeCopy = (i32, f64, u64, Vec<(i32, u64)>, Vec<(i32, u64)>);

impl EncodeMetric for Histogram {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);

    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        // Common layouts fit on the stack: no allocation per series per scrape.
        const INLINE: usize = 32;
        // A native histogram is read under its write lock, so that no
        // observation is half done: count, sum and buckets agree (Prometheus
        // refuses a native histogram whose count is below its buckets').
        let native_state = self.native.as_ref().map(|n| n.write());
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
        let sum = self.sum();
        let native: Option<NativeCopy> = native_state.map(|state| {
            (
                state.schema,
                state.zero_threshold,
                state.zero.load(Ordering::Relaxed),
                NativeState::sorted(&state.positive),
                NativeState::sorted(&state.negative),
            )
        });
        let opts = SampleOpts {
            timestamp_ms: None,
            created: family.wants_created().then(|| self.created()),
        };
        self.with_exemplars(|classic_exemplars, native_exemplars| match &native {
            None => family.histogram_with(
                labels,
                &HistogramValue {
                    buckets,
                    sum,
                    count,
                },
                &opts,
                classic_exemplars,
            ),
            Some((schema, zero_threshold, zero_count, positive, negative)) => family
                .native_histogram_with(
                    labels,
                    &NativeHistogramValue {
                        schema: *schema,
                        zero_threshold: *zero_threshold,
                        zero_count: *zero_count,
                        positive,
                        negative,
                        sum,
                        count,
                    },
                    buckets,
                    &opts,
                    classic_exemplars,
                    native_exemplars,
                ),
        })
    }
}

impl Instrument for Histogram {
    /// Uses `opts.buckets`, or Go's default buckets, and with `opts.native`
    /// makes the histogram native (only native without `buckets`, as
    /// [`HistogramBuilder`] does). Options the derive did not check (it
    /// does) are repaired rather than refused: bounds with NaN dropped, then
    /// sorted and deduplicated; native options that do not build leave the
    /// histogram classic.
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self {
        let bounds = opts.buckets.map(|bounds| {
            let mut fixed: Vec<f64> = bounds
                .iter()
                .copied()
                .filter(|b| !b.is_nan() && *b != f64::INFINITY)
                .collect();
            fixed.sort_by(f64::total_cmp);
            fixed.dedup();
            fixed
        });
        let Some(native) = opts.native else {
            return bounds.map_or_else(Self::new, Self::from_sorted);
        };
        let mut builder = Self::builder()
            .native(native.factor)
            .native_max_buckets(native.max_buckets)
            .native_min_reset_duration(native.min_reset_duration)
            .native_max_zero_threshold(native.max_zero_threshold);
        match native.zero_threshold {
            // The builder's "zero" is a negative threshold (Go's
            // `NativeHistogramZeroThresholdZero`); its 0 is Go's default.
            Some(0.0) => builder = builder.native_zero_threshold(-1.0),
            Some(t) => builder = builder.native_zero_threshold(t),
            None => {}
        }
        if let Some(max) = native.max_exemplars {
            builder = builder.native_max_exemplars(max);
        }
        if let Some(bounds) = &bounds {
            builder = builder.buckets(bounds.iter().copied());
        }
        builder
            .build()
            .unwrap_or_else(|_| bounds.map_or_else(Self::new, Self::from_sorted))
    }
}

impl EncodeFamily for Histogram {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);
    const LABELS: Option<usize> = Some(0);

    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.encode_metric(&(), family)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::metric::buckets::{exponential_buckets, linear_buckets};
    use crate::metric::native;

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
    fn from_opts_builds_native_histograms() {
        let native = crate::metric::NativeOpts {
            factor: 1.1,
            zero_threshold: Some(0.0),
            max_buckets: 0,
            min_reset_duration: Duration::ZERO,
            max_zero_threshold: 0.0,
            max_exemplars: None,
        };
        let only = Histogram::from_opts(&InstrumentOpts {
            native: Some(native),
            ..InstrumentOpts::default()
        });
        assert_eq!(only.native_schema(), Some(3));
        assert!(only.buckets().is_empty());
        // `zero_threshold = 0` is a zero bucket of width 0, not Go's default.
        assert_eq!(only.native_zero_bucket(), Some((0.0, 0)));
        let both = Histogram::from_opts(&InstrumentOpts {
            buckets: Some(&[1.0, 0.5]),
            native: Some(crate::metric::NativeOpts {
                factor: 2.0,
                zero_threshold: None,
                ..native
            }),
            ..InstrumentOpts::default()
        });
        assert_eq!(both.native_schema(), Some(0));
        assert_eq!(both.buckets(), [0.5, 1.0]);
        assert_eq!(
            both.native_zero_bucket(),
            Some((native::DEFAULT_ZERO_THRESHOLD, 0))
        );
        // A factor the derive would refuse leaves a classic histogram.
        let bad = Histogram::from_opts(&InstrumentOpts {
            native: Some(crate::metric::NativeOpts {
                factor: 1.0,
                ..native
            }),
            ..InstrumentOpts::default()
        });
        assert_eq!(bad.native_schema(), None);
        assert_eq!(bad.buckets(), DEFAULT_BUCKETS);
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
