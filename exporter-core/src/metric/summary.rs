//! [`Summary`]: observations summarised as quantiles over a sliding window.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::ckms::Stream;
use super::{Instrument, InstrumentOpts};
use crate::desc::MetricType;
use crate::encoding::FamilyEncoder;
use crate::error::CollectError;
use crate::field::{EncodeFamily, EncodeMetric};
use crate::labels::LabelSet;
use crate::value::SummaryValue;

/// Go's `DefMaxAge`: quantiles cover the last ten minutes.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_mins(10);

/// Go's `DefAgeBuckets`: the window slides in five steps.
pub const DEFAULT_AGE_BUCKETS: u32 = 5;

/// Why a summary configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SummaryError {
    /// A quantile outside `[0, 1]` or NaN.
    #[error("quantile must be in [0, 1], got {0}")]
    Quantile(f64),
    /// An allowed error outside `[0, 1]` or NaN.
    #[error("quantile error must be in [0, 1], got {0}")]
    Error(f64),
    /// The same quantile twice.
    #[error("quantile {0} appears twice")]
    DuplicateQuantile(f64),
    /// A zero max age, or one too long for the monotonic clock to add.
    #[error("max age must be positive and representable by the clock")]
    MaxAge,
    /// Zero age buckets.
    #[error("age buckets must be at least 1")]
    AgeBuckets,
}

/// A summary: quantiles of request durations over the last ten minutes.
///
/// This is Go's `prometheus.Summary`. Each objective `(q, e)` asks for the `q`
/// quantile with a rank error of at most `e` (`(0.99, 0.001)`: the 99th
/// percentile, give or take 0.1% of the observations). Quantiles cover a
/// sliding window of `max_age` (default 10 minutes) that moves in
/// `age_buckets` steps (default 5); `_sum` and `_count` cover all time. With no
/// objectives (the default, as in Go) only `_sum` and `_count` are reported.
///
/// Quantiles are estimated with the CKMS targeted-quantile algorithm Go uses
/// (`beorn7/perks`). Observing takes a mutex, as in Go; prefer a
/// [`Histogram`](super::Histogram) on very hot paths, and to aggregate across
/// instances. As in Go, values arriving in adversarial order (descending) can
/// push the rank error a little past the objective; random order stays within it.
///
/// # Example
///
/// ```
/// use exporter_core::metric::Summary;
///
/// let latency = Summary::builder()
///     .objective(0.5, 0.05)
///     .objective(0.99, 0.001)
///     .build()?;
/// for ms in 1..=100 {
///     latency.observe(f64::from(ms));
/// }
/// assert_eq!(latency.quantile(0.5), Some(50.0));
/// assert_eq!(latency.count(), 100);
/// # Ok::<(), exporter_core::metric::SummaryError>(())
/// ```
pub struct Summary {
    /// `(quantile, error)` sorted by quantile.
    objectives: Box<[(f64, f64)]>,
    /// Each stream's time span: `max_age / age_buckets`.
    step: Duration,
    inner: Mutex<Window>,
    /// Seconds since the Unix epoch at creation: protobuf `created_timestamp`,
    /// OpenMetrics `_created`.
    created: f64,
}

struct Window {
    /// One stream per age bucket; all receive every observation.
    streams: Vec<Stream>,
    /// The oldest stream, the one queried.
    head: usize,
    /// When the head stream is reset and the next one becomes head.
    head_expires: Instant,
    count: u64,
    sum: f64,
}

/// Builds a [`Summary`]; see [`Summary::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SummaryBuilder {
    objectives: Vec<(f64, f64)>,
    max_age: Duration,
    age_buckets: u32,
}

impl SummaryBuilder {
    /// Adds the objective: the `quantile` with at most `error` rank error.
    /// Default is no objectives (only `_sum` and `_count`).
    pub fn objective(mut self, quantile: f64, error: f64) -> Self {
        self.objectives.push((quantile, error));
        self
    }

    /// How far back quantiles look. Default is [`DEFAULT_MAX_AGE`] (10 minutes).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// In how many steps the window slides. Default is [`DEFAULT_AGE_BUCKETS`] (5).
    pub fn age_buckets(mut self, age_buckets: u32) -> Self {
        self.age_buckets = age_buckets;
        self
    }

    /// Validates and builds the summary.
    ///
    /// # Errors
    ///
    /// [`SummaryError`] for a quantile or error outside `[0, 1]`, a repeated
    /// quantile, a zero (or clock-overflowing) max age or zero age buckets.
    pub fn build(self) -> Result<Summary, SummaryError> {
        let mut objectives = self.objectives;
        for &(q, e) in &objectives {
            if !(0.0..=1.0).contains(&q) {
                return Err(SummaryError::Quantile(q));
            }
            if !(0.0..=1.0).contains(&e) {
                return Err(SummaryError::Error(e));
            }
        }
        objectives.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = objectives
            .windows(2)
            .find(|w| w[0].0.total_cmp(&w[1].0).is_eq())
        {
            return Err(SummaryError::DuplicateQuantile(w[0].0));
        }
        if self.max_age.is_zero() {
            return Err(SummaryError::MaxAge);
        }
        if self.age_buckets == 0 {
            return Err(SummaryError::AgeBuckets);
        }
        let step = self.max_age / self.age_buckets;
        let step = if step.is_zero() {
            Duration::from_nanos(1)
        } else {
            step
        };
        let streams = if objectives.is_empty() {
            Vec::new()
        } else {
            (0..self.age_buckets)
                .map(|_| Stream::new(&objectives))
                .collect()
        };
        // `Instant + Duration` panics on overflow (`Duration::MAX` windows).
        let head_expires = Instant::now()
            .checked_add(step)
            .ok_or(SummaryError::MaxAge)?;
        Ok(Summary {
            created: super::created_now(),
            objectives: objectives.into_boxed_slice(),
            step,
            inner: Mutex::new(Window {
                streams,
                head: 0,
                head_expires,
                count: 0,
                sum: 0.0,
            }),
        })
    }
}

impl Summary {
    /// A summary with no objectives: `_sum` and `_count` only (Go's default).
    pub fn new() -> Self {
        Summary::from_valid(Self::builder())
    }

    /// Starts a summary configuration.
    pub fn builder() -> SummaryBuilder {
        SummaryBuilder {
            objectives: Vec::new(),
            max_age: DEFAULT_MAX_AGE,
            age_buckets: DEFAULT_AGE_BUCKETS,
        }
    }

    /// Builds a configuration already known to be valid.
    fn from_valid(builder: SummaryBuilder) -> Self {
        match builder.build() {
            Ok(s) => s,
            // Unreachable for the callers' inputs; fall back to no objectives
            // rather than panic.
            Err(_) => Summary {
                created: super::created_now(),
                objectives: Box::new([]),
                step: DEFAULT_MAX_AGE / DEFAULT_AGE_BUCKETS,
                inner: Mutex::new(Window {
                    streams: Vec::new(),
                    head: 0,
                    head_expires: Instant::now(),
                    count: 0,
                    sum: 0.0,
                }),
            },
        }
    }

    /// Records one observation.
    pub fn observe(&self, v: f64) {
        let mut w = self.window();
        self.rotate(&mut w, Instant::now());
        for s in &mut w.streams {
            s.insert(v);
        }
        w.count += 1;
        w.sum += v;
    }

    /// When the summary was created, in seconds since the Unix epoch.
    pub fn created(&self) -> f64 {
        self.created
    }

    /// The objectives, sorted by quantile.
    pub fn objectives(&self) -> &[(f64, f64)] {
        &self.objectives
    }

    /// The number of observations, all time.
    pub fn count(&self) -> u64 {
        self.window().count
    }

    /// The sum of observations, all time.
    pub fn sum(&self) -> f64 {
        self.window().sum
    }

    /// The estimated `q` quantile over the window; `None` when `q` is not an
    /// objective, NaN when the window holds no observation.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if !self.objectives.iter().any(|o| o.0.total_cmp(&q).is_eq()) {
            return None;
        }
        let mut w = self.window();
        self.rotate(&mut w, Instant::now());
        let head = w.head;
        w.streams.get_mut(head).map(|s| s.query(q))
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        // The window holds plain numbers: a panic elsewhere cannot leave it torn.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Resets the streams whose time is up, oldest first, as Go's `maybeRotateStreams`.
    fn rotate(&self, w: &mut Window, now: Instant) {
        if now < w.head_expires || w.streams.is_empty() {
            return;
        }
        let behind = now.duration_since(w.head_expires);
        let steps = behind.as_nanos() / self.step.as_nanos() + 1;
        let n = w.streams.len();
        for _ in 0..steps.min(n as u128) {
            let head = w.head;
            w.streams[head].reset();
            w.head = (head + 1) % n;
        }
        let advance = u32::try_from(steps)
            .ok()
            .and_then(|k| self.step.checked_mul(k));
        // Checked: this runs in the scrape path, where a panic is not an option.
        w.head_expires = advance
            .and_then(|d| w.head_expires.checked_add(d))
            .or_else(|| now.checked_add(self.step))
            .unwrap_or(now);
    }
}

impl Default for Summary {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Summary")
            .field("objectives", &self.objectives)
            .field("count", &self.count())
            .finish_non_exhaustive()
    }
}

impl EncodeMetric for Summary {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);

    fn encode_metric<L: LabelSet + ?Sized>(
        &self,
        labels: &L,
        family: &mut FamilyEncoder<'_>,
    ) -> Result<(), CollectError> {
        // Common objective counts fit on the stack: no allocation per series per scrape.
        const INLINE: usize = 16;
        let n = self.objectives.len();
        let mut inline = [(0.0, 0.0); INLINE];
        let mut spilled = Vec::new();
        let quantiles: &mut [(f64, f64)] = if n <= INLINE {
            &mut inline[..n]
        } else {
            spilled.resize(n, (0.0, 0.0));
            &mut spilled
        };
        let (count, sum) = {
            let mut w = self.window();
            self.rotate(&mut w, Instant::now());
            let head = w.head;
            for (slot, &(q, _)) in quantiles.iter_mut().zip(self.objectives.iter()) {
                let v = w.streams.get_mut(head).map_or(f64::NAN, |s| s.query(q));
                *slot = (q, v);
            }
            (w.count, w.sum)
        };
        let opts = crate::value::SampleOpts {
            timestamp_ms: None,
            created: family.wants_created().then_some(self.created),
        };
        family.summary_with(
            labels,
            &SummaryValue {
                quantiles,
                sum,
                count,
            },
            &opts,
        )
    }
}

impl Instrument for Summary {
    /// Uses `opts.objectives` and `opts.max_age`. Options the derive did not
    /// check (it does) are repaired rather than refused: invalid objectives
    /// are dropped and a zero max age becomes the default.
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self {
        let mut builder = Summary::builder();
        let mut seen: Vec<f64> = Vec::new();
        for &(q, e) in opts.objectives.unwrap_or_default() {
            if (0.0..=1.0).contains(&q) && (0.0..=1.0).contains(&e) && !seen.contains(&q) {
                seen.push(q);
                builder = builder.objective(q, e);
            }
        }
        if let Some(max_age) = opts.max_age.filter(|d| !d.is_zero()) {
            builder = builder.max_age(max_age);
        }
        Summary::from_valid(builder)
    }
}

impl EncodeFamily for Summary {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);
    const LABELS: Option<usize> = Some(0);

    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        self.encode_metric(&(), family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_configuration() {
        let b = || Summary::builder();
        assert_eq!(
            b().objective(1.5, 0.1).build().err(),
            Some(SummaryError::Quantile(1.5))
        );
        assert!(matches!(
            b().objective(f64::NAN, 0.1).build(),
            Err(SummaryError::Quantile(_))
        ));
        assert_eq!(
            b().objective(0.5, -0.1).build().err(),
            Some(SummaryError::Error(-0.1))
        );
        assert_eq!(
            b().objective(0.5, 0.1).objective(0.5, 0.01).build().err(),
            Some(SummaryError::DuplicateQuantile(0.5))
        );
        assert_eq!(
            b().max_age(Duration::ZERO).build().err(),
            Some(SummaryError::MaxAge)
        );
        // A window the monotonic clock cannot add is an error, not a panic.
        assert_eq!(
            b().max_age(Duration::MAX).age_buckets(1).build().err(),
            Some(SummaryError::MaxAge)
        );
        assert_eq!(
            b().age_buckets(0).build().err(),
            Some(SummaryError::AgeBuckets)
        );
    }

    #[test]
    fn window_forgets_old_observations() {
        let s = Summary::builder()
            .objective(0.5, 0.01)
            .max_age(Duration::from_millis(200))
            .age_buckets(2)
            .build()
            .unwrap();
        s.observe(1.0);
        assert_eq!(s.quantile(0.5), Some(1.0));
        std::thread::sleep(Duration::from_millis(250));
        // Both age buckets expired: the window is empty, all-time totals are not.
        assert!(s.quantile(0.5).unwrap().is_nan());
        assert_eq!(s.count(), 1);
        s.observe(7.0);
        assert_eq!(s.quantile(0.5), Some(7.0));
    }

    #[test]
    fn window_slides_in_steps() {
        let s = Summary::builder()
            .objective(1.0, 0.0)
            .max_age(Duration::from_secs(2))
            .age_buckets(2)
            .build()
            .unwrap();
        s.observe(10.0);
        // Sleeps land mid-step, leaving 900ms of slack either side for a loaded machine.
        std::thread::sleep(Duration::from_millis(1100));
        // One step later: the head (covering 10) was reset; the next stream saw 10 too.
        s.observe(1.0);
        assert_eq!(s.quantile(1.0), Some(10.0));
        std::thread::sleep(Duration::from_secs(1));
        // Two steps: only the observation from the second step is left.
        assert_eq!(s.quantile(1.0), Some(1.0));
    }

    #[test]
    fn from_opts_repairs_bad_options() {
        let s = Summary::from_opts(&InstrumentOpts {
            objectives: Some(&[(0.9, 0.01), (2.0, 0.1), (0.5, 0.05), (0.9, 0.1)]),
            max_age: Some(Duration::ZERO),
            ..InstrumentOpts::default()
        });
        assert_eq!(s.objectives(), [(0.5, 0.05), (0.9, 0.01)]);
    }
}
