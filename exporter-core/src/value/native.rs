//! Native histogram values: the sample a collector writes
//! ([`NativeHistogramValue`]) and the owned snapshot a struct field holds
//! ([`NativeHistogramSnapshot`]), with what makes one invalid.

use std::time::SystemTime;

/// A native (sparse, exponential) histogram sample, as `client_model`'s
/// `Histogram` message carries it: bucket `i` of `schema` holds the
/// observations in `(2^((i-1)/2^schema), 2^(i/2^schema)]` (the negative side
/// mirrors it), and the zero bucket those within `zero_threshold` of zero.
///
/// Counts are per bucket, not cumulative; only buckets that hold something
/// need to be listed. The encoder writes them as `client_model` defines them
/// (spans and delta-encoded counts) in protobuf; the text formats have no
/// place for them and write only the `+Inf` bucket, `_sum` and `_count`, as
/// Go's `text_create.go` and `openmetrics_create.go` do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NativeHistogramValue<'a> {
    /// The resolution, -4 to 8: `2^(2^-schema)` is the growth factor from one
    /// bucket to the next.
    pub schema: i32,
    /// The width of the zero bucket, `[-zero_threshold, zero_threshold]`.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// `(bucket index, count)` of the positive buckets, increasing index.
    pub positive: &'a [(i32, u64)],
    /// `(bucket index, count)` of the negative buckets, increasing index
    /// (bucket `i` holds `[-2^(i/2^schema), -2^((i-1)/2^schema))`).
    pub negative: &'a [(i32, u64)],
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations (NaN observations count, in no bucket).
    pub count: u64,
}

/// Why a [`NativeHistogramSnapshot`] was refused (Go's
/// `NewConstNativeHistogram` checks).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NativeHistogramError {
    /// The schema is outside -4 to 8.
    #[error("native histogram schema {0} is outside -4..=8")]
    Schema(i32),
    /// The zero threshold is negative or not a number.
    #[error("native histogram zero threshold {0} must be a non-negative number")]
    ZeroThreshold(f64),
    /// A bucket index appears twice on one side.
    #[error("native histogram bucket index {0} appears twice")]
    DuplicateIndex(i32),
    /// The buckets and the zero bucket hold more than `count` observations,
    /// or (with a sum that is not NaN) a different number.
    #[error("native histogram count {count} does not match its buckets ({buckets})")]
    Count {
        /// The count given.
        count: u64,
        /// The buckets' total, zero bucket included.
        buckets: u64,
    },
}

/// An owned native histogram, for snapshot structs that hold one already
/// (Go's `NewConstNativeHistogram`): built by
/// [`from_buckets`](Self::from_buckets), which sorts and checks it.
///
/// # Example
///
/// ```
/// use exporter_core::value::NativeHistogramSnapshot;
///
/// // Schema 0: bucket 1 is (1, 2], bucket 2 is (2, 4].
/// let h = NativeHistogramSnapshot::from_buckets(0, 0.001, 1, [(2, 3), (1, 1)], [], 10.5, 5)?;
/// assert_eq!(h.as_value().positive, [(1, 1), (2, 3)]);
/// # Ok::<(), exporter_core::value::NativeHistogramError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NativeHistogramSnapshot {
    schema: i32,
    zero_threshold: f64,
    zero_count: u64,
    positive: Vec<(i32, u64)>,
    negative: Vec<(i32, u64)>,
    sum: f64,
    count: u64,
    created: Option<SystemTime>,
}

impl NativeHistogramSnapshot {
    /// A native histogram from its buckets, in any order.
    ///
    /// # Errors
    ///
    /// [`NativeHistogramError`]: a schema outside -4..=8, a negative or NaN
    /// zero threshold, an index twice on one side, or a count that does not
    /// match the buckets (it may exceed them only when `sum` is NaN, since
    /// NaN observations are counted in no bucket, as Go checks).
    pub fn from_buckets(
        schema: i32,
        zero_threshold: f64,
        zero_count: u64,
        positive: impl IntoIterator<Item = (i32, u64)>,
        negative: impl IntoIterator<Item = (i32, u64)>,
        sum: f64,
        count: u64,
    ) -> Result<Self, NativeHistogramError> {
        if !(-4..=8).contains(&schema) {
            return Err(NativeHistogramError::Schema(schema));
        }
        if zero_threshold.is_nan() || zero_threshold < 0.0 {
            return Err(NativeHistogramError::ZeroThreshold(zero_threshold));
        }
        let side = |buckets: &mut Vec<(i32, u64)>| -> Result<u64, NativeHistogramError> {
            buckets.sort_unstable_by_key(|&(i, _)| i);
            if let Some(w) = buckets.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(NativeHistogramError::DuplicateIndex(w[0].0));
            }
            Ok(buckets
                .iter()
                .map(|&(_, c)| c)
                .fold(0u64, u64::saturating_add))
        };
        let mut positive: Vec<_> = positive.into_iter().collect();
        let mut negative: Vec<_> = negative.into_iter().collect();
        let total = side(&mut positive)?
            .saturating_add(side(&mut negative)?)
            .saturating_add(zero_count);
        if total > count || (total != count && !sum.is_nan()) {
            return Err(NativeHistogramError::Count {
                count,
                buckets: total,
            });
        }
        Ok(NativeHistogramSnapshot {
            schema,
            zero_threshold,
            zero_count,
            positive,
            negative,
            sum,
            count,
            created: None,
        })
    }

    /// Sets when the system being exported started counting: protobuf
    /// `created_timestamp`, OpenMetrics `_created` (when enabled), as the
    /// `createdTimestamp` of Go's `NewConstNativeHistogram`. Default is none.
    ///
    /// ```
    /// use exporter_core::value::NativeHistogramSnapshot;
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let h = NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [(1, 2)], [], 3.0, 2)?
    ///     .with_created(started);
    /// assert_eq!(h.created(), Some(started));
    /// # Ok::<(), exporter_core::value::NativeHistogramError>(())
    /// ```
    #[must_use]
    pub fn with_created(mut self, created: SystemTime) -> Self {
        self.created = Some(created);
        self
    }

    /// When the histogram started counting, if known.
    pub fn created(&self) -> Option<SystemTime> {
        self.created
    }

    /// The borrowed form the encoder writes.
    pub fn as_value(&self) -> NativeHistogramValue<'_> {
        NativeHistogramValue {
            schema: self.schema,
            zero_threshold: self.zero_threshold,
            zero_count: self.zero_count,
            positive: &self.positive,
            negative: &self.negative,
            sum: self.sum,
            count: self.count,
        }
    }
}
