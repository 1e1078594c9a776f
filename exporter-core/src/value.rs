//! Sample values: the numbers a metric can report, and how Rust types become them.

mod native;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use self::native::{NativeHistogramError, NativeHistogramSnapshot, NativeHistogramValue};

/// One sample value. Integers stay integers so they print exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A float; `NaN` and the infinities are allowed.
    Float(f64),
}

impl Number {
    /// Whether the value can be a counter's total: a number at or above
    /// zero. OpenMetrics forbids a NaN or negative total, and its strict
    /// parsers refuse the whole scrape that carries one.
    #[inline]
    pub fn is_counter_value(self) -> bool {
        match self {
            Number::Int(v) => v >= 0,
            Number::Uint(_) => true,
            // False for NaN too.
            Number::Float(v) => v >= 0.0,
        }
    }

    /// The value as an `f64` (what protobuf and the Prometheus server store).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(v) => v as f64,
            Number::Uint(v) => v as f64,
            Number::Float(v) => v,
        }
    }

    /// Writes the value as the text formats print it: integers exactly, floats
    /// in shortest round-trip form, `+Inf`, `-Inf` and `NaN` spelled out.
    ///
    /// Always inlined: it runs once per sample, and outlined (as the
    /// compiler chose once the crate grew) it costs ~30 instructions a call.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn write_text(self, out: &mut Vec<u8>) {
        match self {
            Number::Int(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            Number::Uint(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
            Number::Float(v) => write_float(out, v),
        }
    }
}

impl Number {
    /// Writes the end of a text sample line without a timestamp: the last
    /// `close` bytes of `"} ` (the last label value's closing quote and the
    /// brace, the brace, or just the space), the value, and the newline.
    ///
    /// An integer is formatted on the stack together with what surrounds
    /// it and copied out once: against writing the pieces one by one that
    /// saves capacity checks and copies on every line.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn write_text_line_end(self, out: &mut Vec<u8>, close: usize) {
        const CLOSE: &[u8; 3] = b"\"} ";
        let close = close.min(3);
        let (negative, magnitude) = match self {
            Number::Int(v) => (v < 0, v.unsigned_abs()),
            Number::Uint(v) => (false, v),
            Number::Float(v) => {
                out.extend_from_slice(&CLOSE[3 - close..]);
                write_float(out, v);
                out.push(b'\n');
                return;
            }
        };
        // `"} `, a sign, at most 20 digits, the newline.
        let mut buf = [0u8; 25];
        let mut p = buf.len() - 1;
        buf[p] = b'\n';
        p = digits_before(&mut buf, p, magnitude);
        if negative {
            p -= 1;
            buf[p] = b'-';
        }
        buf[p - 3..p].copy_from_slice(CLOSE);
        p -= close;
        out.extend_from_slice(&buf[p..]);
    }
}

/// `"00" "01" .. "99"`: two decimal digits at a time.
static DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `v` in decimal into `buf`, ending just before `end`; returns
/// where the digits start. `buf` must have room for 20 digits before `end`.
///
/// Four digits at a time while more than four remain, then the last one to
/// four in 32-bit arithmetic, which divides by 100 more cheaply.
#[inline(always)]
#[allow(clippy::inline_always, clippy::cast_possible_truncation)]
fn digits_before(buf: &mut [u8], end: usize, mut v: u64) -> usize {
    let mut p = end;
    let mut pair = |p: &mut usize, two: u32| {
        let at = two as usize * 2;
        *p -= 2;
        buf[*p..*p + 2].copy_from_slice(&DIGIT_PAIRS[at..at + 2]);
    };
    while v >= 10_000 {
        // `v % 10_000 < 10_000`: the cast keeps every bit.
        let four = (v % 10_000) as u32;
        v /= 10_000;
        pair(&mut p, four % 100);
        pair(&mut p, four / 100);
    }
    // `v < 10_000` here.
    let mut v = v as u32;
    if v >= 100 {
        pair(&mut p, v % 100);
        v /= 100;
    }
    if v >= 10 {
        pair(&mut p, v);
    } else {
        p -= 1;
        buf[p] = b'0' + v as u8;
    }
    p
}

/// Writes a float in shortest round-trip form; integral values print without a fraction.
#[inline]
pub(crate) fn write_float(out: &mut Vec<u8>, v: f64) {
    // Integral values below 2^53 are exact as i64; print them like Go's `%g` would ("81").
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        let i = v as i64;
        if i == 0 && v.is_sign_negative() {
            // Not "-0": parsers that try integers first would read it as 0.
            out.extend_from_slice(b"-0.0");
        } else {
            out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        }
    } else if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// An owned histogram snapshot, for structs that keep their values (see
/// [`HistogramValue`] for the borrowed form and the meaning of the fields).
///
/// # Example
///
/// ```
/// use exporter_core::{Collector, HistogramSnapshot, Registry};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// #[derive(Collector)]
/// struct Stats {
///     /// Query latency, as the database reports it.
///     #[metric(histogram)]
///     query_seconds: HistogramSnapshot,
/// }
///
/// let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let registry = Registry::new();
/// registry.register(Stats {
///     query_seconds: HistogramSnapshot {
///         buckets: vec![(0.1, 3), (1.0, 5)],
///         sum: 1.7,
///         count: 6,
///         ..HistogramSnapshot::default()
///     }
///     .with_created(started),
/// })?;
/// assert!(registry.gather_text().contains("query_seconds_bucket{le=\"+Inf\"} 6\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound, cumulative count)` in increasing bound order.
    pub buckets: Vec<(f64, u64)>,
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
    /// When the system being exported started counting (its start or last
    /// reset): protobuf `created_timestamp`, OpenMetrics `_created` (when
    /// enabled), as Go's `NewConstHistogramWithCreatedTimestamp`. Default is
    /// none: the series carries no created time.
    pub created: Option<SystemTime>,
}

impl HistogramSnapshot {
    /// The borrowed form the encoder writes.
    pub fn as_value(&self) -> HistogramValue<'_> {
        HistogramValue {
            buckets: &self.buckets,
            sum: self.sum,
            count: self.count,
        }
    }

    /// Sets [`created`](Self::created).
    #[must_use]
    pub fn with_created(mut self, created: SystemTime) -> Self {
        self.created = Some(created);
        self
    }
}

/// An owned summary snapshot (see [`SummaryValue`] for the borrowed form).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummarySnapshot {
    /// `(quantile, value)` pairs, quantiles in `[0, 1]`.
    pub quantiles: Vec<(f64, f64)>,
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
    /// When the system being exported started counting: protobuf
    /// `created_timestamp`, OpenMetrics `_created` (when enabled), as Go's
    /// `NewConstSummaryWithCreatedTimestamp`. Default is none.
    pub created: Option<SystemTime>,
}

impl SummarySnapshot {
    /// The borrowed form the encoder writes.
    pub fn as_value(&self) -> SummaryValue<'_> {
        SummaryValue {
            quantiles: &self.quantiles,
            sum: self.sum,
            count: self.count,
        }
    }

    /// Sets [`created`](Self::created).
    #[must_use]
    pub fn with_created(mut self, created: SystemTime) -> Self {
        self.created = Some(created);
        self
    }
}

/// A counter's value as a snapshot struct reads it, with the time the
/// system being exported started counting (Go's
/// `NewConstMetricWithCreatedTimestamp`).
///
/// A plain integer field is a counter without a created time; wrap it in
/// `CounterSnapshot` to carry one. The field type implies a counter, so
/// `#[metric(counter)]` may be left out; it works wherever a number does
/// (`Option`, `Vec<(L, V)>`, maps).
///
/// # Example
///
/// ```
/// use exporter_core::{Collector, CounterSnapshot, Format, MetricEncoder, Registry};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// #[derive(Collector)]
/// struct Stats {
///     /// Queries run since the server started.
///     queries_total: CounterSnapshot<u64>,
/// }
///
/// let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let registry = Registry::new();
/// registry.register(Stats {
///     queries_total: CounterSnapshot::new(42).with_created(started),
/// })?;
/// // OpenMetrics `_created` lines are off by default, as in Go.
/// let mut encoder = MetricEncoder::new(Format::OpenMetrics);
/// encoder.openmetrics_created_lines(true);
/// exporter_core::Gatherer::gather_into(&registry, &mut encoder);
/// let mut out = Vec::new();
/// encoder.finish_into(&mut out);
/// let text = String::from_utf8(out)?;
/// assert!(text.contains("queries_total 42\nqueries_created 1700000000.0\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CounterSnapshot<T> {
    /// The counter's value.
    pub value: T,
    /// When the counter started counting. Default is none.
    pub created: Option<SystemTime>,
}

impl<T> CounterSnapshot<T> {
    /// A counter value without a created time.
    pub fn new(value: T) -> Self {
        CounterSnapshot {
            value,
            created: None,
        }
    }

    /// Sets [`created`](Self::created).
    #[must_use]
    pub fn with_created(mut self, created: SystemTime) -> Self {
        self.created = Some(created);
        self
    }
}

/// Seconds since the Unix epoch (negative before it): a created time as
/// [`SampleOpts::created`] takes it.
pub(crate) fn unix_seconds(t: SystemTime) -> f64 {
    t.to_number().as_f64()
}

/// A Rust type that can be the value of a sample.
///
/// Implemented for every integer and float type, `bool` (1 or 0), [`Duration`]
/// (seconds) and [`SystemTime`] (seconds since the Unix epoch).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a metric value",
    label = "not a metric value",
    note = "metric values are integers, `f64`, `f32`, `bool`, `Duration` or `SystemTime`"
)]
pub trait EncodeValue {
    /// The value as a [`Number`].
    fn to_number(&self) -> Number;
}

macro_rules! int_value {
    ($variant:ident as $target:ty: $($t:ty),*) => {$(
        impl EncodeValue for $t {
            #[inline]
            fn to_number(&self) -> Number {
                Number::$variant(<$target>::from(*self))
            }
        }
    )*};
}

int_value!(Int as i64: i8, i16, i32, i64);
int_value!(Uint as u64: u8, u16, u32, u64);

impl EncodeValue for isize {
    #[inline]
    fn to_number(&self) -> Number {
        Number::Int(*self as i64)
    }
}

impl EncodeValue for usize {
    #[inline]
    fn to_number(&self) -> Number {
        Number::Uint(*self as u64)
    }
}

impl EncodeValue for i128 {
    #[inline]
    fn to_number(&self) -> Number {
        i64::try_from(*self).map_or(Number::Float(*self as f64), Number::Int)
    }
}

impl EncodeValue for u128 {
    #[inline]
    fn to_number(&self) -> Number {
        u64::try_from(*self).map_or(Number::Float(*self as f64), Number::Uint)
    }
}

impl EncodeValue for f64 {
    #[inline]
    fn to_number(&self) -> Number {
        Number::Float(*self)
    }
}

impl EncodeValue for f32 {
    #[inline]
    fn to_number(&self) -> Number {
        Number::Float(f64::from(*self))
    }
}

impl EncodeValue for bool {
    #[inline]
    fn to_number(&self) -> Number {
        Number::Uint(u64::from(*self))
    }
}

impl EncodeValue for Duration {
    #[inline]
    fn to_number(&self) -> Number {
        Number::Float(self.as_secs_f64())
    }
}

impl EncodeValue for SystemTime {
    /// Seconds since the Unix epoch; negative before it.
    fn to_number(&self) -> Number {
        match self.duration_since(UNIX_EPOCH) {
            Ok(d) => Number::Float(d.as_secs_f64()),
            Err(e) => Number::Float(-e.duration().as_secs_f64()),
        }
    }
}

impl<T: EncodeValue + ?Sized> EncodeValue for &T {
    #[inline]
    fn to_number(&self) -> Number {
        (**self).to_number()
    }
}

/// Optional parts of a sample beyond its labels and value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SampleOpts {
    /// Sample timestamp in milliseconds since the Unix epoch. Default is none
    /// (the server uses the scrape time), which is what exporters should do.
    /// Written in every format (OpenMetrics prints it in seconds).
    pub timestamp_ms: Option<i64>,
    /// When the series was created, in seconds since the Unix epoch
    /// (OpenMetrics `_created`, protobuf `created_timestamp`). Default is none.
    /// Used by counters, histograms and summaries; ignored elsewhere and in
    /// the text format, which has no place for it.
    pub created: Option<f64>,
}

/// A histogram sample: cumulative bucket counts, sum and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistogramValue<'a> {
    /// `(upper bound, cumulative count)` in increasing bound order. A `+Inf`
    /// bucket is added from `count` in the text formats when the last bound is
    /// finite (protobuf leaves it implicit, as Go does).
    pub buckets: &'a [(f64, u64)],
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

/// A summary sample: quantiles, sum and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryValue<'a> {
    /// `(quantile, value)` pairs, quantiles in `[0, 1]`.
    pub quantiles: &'a [(f64, f64)],
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

/// An exemplar: one observation, with labels such as a trace id, attached to a
/// counter sample or a histogram bucket.
///
/// # Example
///
/// ```
/// use exporter_core::value::Exemplar;
///
/// let e = Exemplar::new(&[("trace_id", "4bf92f3577b34da6")], 0.67).with_timestamp(1_700_000_000.5);
/// assert_eq!(e.value, 0.67);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exemplar<'a> {
    /// Label pairs; names must be valid label names, and names plus values at
    /// most [`Exemplar::MAX_LABEL_CHARS`] characters together.
    pub labels: &'a [(&'a str, &'a str)],
    /// The observed value.
    pub value: f64,
    /// When it was observed, seconds since the Unix epoch; must be finite.
    /// Default is none.
    pub timestamp: Option<f64>,
}

impl<'a> Exemplar<'a> {
    /// The OpenMetrics limit on the label names and values of one exemplar,
    /// counted in UTF-8 characters (code points).
    pub const MAX_LABEL_CHARS: usize = 128;

    /// An exemplar without a timestamp.
    pub fn new(labels: &'a [(&'a str, &'a str)], value: f64) -> Self {
        Exemplar {
            labels,
            value,
            timestamp: None,
        }
    }

    /// Sets when the observation was made, in seconds since the Unix epoch.
    #[must_use]
    pub fn with_timestamp(mut self, timestamp: f64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ExemplarError> {
        let mut chars = 0;
        for (name, value) in self.labels {
            crate::name::check_label_name(name).map_err(|_| ExemplarError::LabelName {
                label: (*name).to_owned(),
            })?;
            chars += name.chars().count() + value.chars().count();
        }
        if chars > Self::MAX_LABEL_CHARS {
            return Err(ExemplarError::TooLong { chars });
        }
        match self.timestamp {
            Some(ts) if !ts.is_finite() => Err(ExemplarError::Timestamp),
            _ => Ok(()),
        }
    }
}

/// Why an [`Exemplar`] was refused. It reaches the collector as
/// [`CollectError::Other`](crate::CollectError::Other), from which it can be downcast.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExemplarError {
    /// The labels are longer than OpenMetrics allows.
    #[error("exemplar labels have {chars} characters, more than the 128 OpenMetrics allows")]
    TooLong {
        /// Characters in the names and values together.
        chars: usize,
    },
    /// The timestamp is NaN or infinite.
    #[error("exemplar timestamp is not a finite number")]
    Timestamp,
    /// A label name is not a valid label name.
    #[error("exemplar label name `{label}` is invalid")]
    LabelName {
        /// The name.
        label: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line_end(n: Number, close: usize) -> String {
        let mut v = b"x".to_vec();
        n.write_text_line_end(&mut v, close);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn line_ends_at_the_integer_edges() {
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            12345,
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(line_end(Number::Uint(v), 3), format!("x\"}} {v}\n"));
            assert_eq!(line_end(Number::Uint(v), 2), format!("x}} {v}\n"));
            assert_eq!(line_end(Number::Uint(v), 1), format!("x {v}\n"));
        }
        for v in [i64::MIN, i64::MIN + 1, -100, -10, -9, -1, 0, i64::MAX] {
            assert_eq!(line_end(Number::Int(v), 3), format!("x\"}} {v}\n"));
        }
        assert_eq!(line_end(Number::Float(0.5), 2), "x} 0.5\n");
        assert_eq!(line_end(Number::Float(0.5), 3), "x\"} 0.5\n");
        assert_eq!(line_end(Number::Float(f64::NAN), 1), "x NaN\n");
    }

    proptest! {
        /// The stack-built line end is the value as `write_text` prints it.
        #[test]
        fn line_end_matches_write_text(v in any::<i64>(), u in any::<u64>(), close in 1usize..=3) {
            for n in [Number::Int(v), Number::Uint(u)] {
                let end = &"\"} "[3 - close..];
                prop_assert_eq!(line_end(n, close), format!("x{end}{}\n", text(n)));
            }
        }
    }

    fn text(n: Number) -> String {
        let mut v = Vec::new();
        n.write_text(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn prints_like_prometheus() {
        assert_eq!(text(81.0.to_number()), "81");
        assert_eq!(text(0.25.to_number()), "0.25");
        assert_eq!(text(f64::NAN.to_number()), "NaN");
        assert_eq!(text(f64::INFINITY.to_number()), "+Inf");
        assert_eq!(text(f64::NEG_INFINITY.to_number()), "-Inf");
        assert_eq!(text((-0.0f64).to_number()), "-0.0");
        assert_eq!(text(u64::MAX.to_number()), "18446744073709551615");
        assert_eq!(text(i64::MIN.to_number()), "-9223372036854775808");
        assert_eq!(text(true.to_number()), "1");
        assert_eq!(text(Duration::from_millis(1500).to_number()), "1.5");
        assert_eq!(text(1e300.to_number()), "1e300");
    }

    #[test]
    fn floats_round_trip() {
        for v in [
            0.1,
            1.0 / 3.0,
            1e-300,
            123_456_789.123_456_78,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let s = text(Number::Float(v));
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
    }
}
