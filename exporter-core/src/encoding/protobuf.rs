//! Protobuf exposition: varint length-delimited `io.prometheus.client.MetricFamily` messages.
//!
//! The message types below mirror `metrics.proto` of `prometheus/client_model`
//! (proto2 syntax, so scalar fields are `optional` and carry presence) field
//! for field, tag numbers included; `prost` does the wire encoding. The
//! native-histogram fields (schema, spans, deltas, ...) are declared too so a
//! decoder built on these types reads anything Prometheus sends, but this
//! crate only writes classic buckets.
//!
//! A family is written as its header message (name, help, type, unit) followed
//! by its `Metric` entries (field 4) in the order the collectors wrote them;
//! protobuf concatenates repeated fields, so the pieces form one valid
//! `MetricFamily`, prefixed by the varint length of the whole.

use prost::Message;

use crate::desc::{Desc, MetricType};
use crate::labels::{EncodeLabelValues, LabelWriter};

/// `io.prometheus.client.LabelPair`.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct LabelPair {
    /// Label name.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// Label value, unescaped.
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

/// `io.prometheus.client.MetricType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ProtoMetricType {
    /// `COUNTER`.
    Counter = 0,
    /// `GAUGE`.
    Gauge = 1,
    /// `SUMMARY`.
    Summary = 2,
    /// `UNTYPED`.
    Untyped = 3,
    /// `HISTOGRAM`.
    Histogram = 4,
    /// `GAUGE_HISTOGRAM`.
    GaugeHistogram = 5,
}

/// `io.prometheus.client.Gauge`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Gauge {
    /// The value.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Counter`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Counter {
    /// The value.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
    /// An exemplar of the last increment.
    #[prost(message, optional, tag = "2")]
    pub exemplar: Option<Exemplar>,
    /// When the counter was created (OpenMetrics `_created`).
    #[prost(message, optional, tag = "3")]
    pub created_timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Quantile`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Quantile {
    /// The quantile, in `[0, 1]`.
    #[prost(double, optional, tag = "1")]
    pub quantile: Option<f64>,
    /// Its value.
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Summary`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// Number of observations.
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    /// Sum of observations.
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    /// The quantiles.
    #[prost(message, repeated, tag = "3")]
    pub quantile: Vec<Quantile>,
    /// When the summary was created.
    #[prost(message, optional, tag = "4")]
    pub created_timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Untyped`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Untyped {
    /// The value.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Histogram`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    /// Number of observations.
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    /// Sum of observations.
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    /// Classic buckets, cumulative, in increasing bound order.
    #[prost(message, repeated, tag = "3")]
    pub bucket: Vec<Bucket>,
    /// Float count, for gauge histograms.
    #[prost(double, optional, tag = "4")]
    pub sample_count_float: Option<f64>,
    /// Native histogram schema.
    #[prost(sint32, optional, tag = "5")]
    pub schema: Option<i32>,
    /// Native histogram zero bucket width.
    #[prost(double, optional, tag = "6")]
    pub zero_threshold: Option<f64>,
    /// Native histogram zero bucket count.
    #[prost(uint64, optional, tag = "7")]
    pub zero_count: Option<u64>,
    /// Native histogram zero bucket float count.
    #[prost(double, optional, tag = "8")]
    pub zero_count_float: Option<f64>,
    /// Native histogram negative spans.
    #[prost(message, repeated, tag = "9")]
    pub negative_span: Vec<BucketSpan>,
    /// Native histogram negative deltas.
    #[prost(sint64, repeated, packed = "false", tag = "10")]
    pub negative_delta: Vec<i64>,
    /// Native histogram negative float counts.
    #[prost(double, repeated, packed = "false", tag = "11")]
    pub negative_count: Vec<f64>,
    /// Native histogram positive spans.
    #[prost(message, repeated, tag = "12")]
    pub positive_span: Vec<BucketSpan>,
    /// Native histogram positive deltas.
    #[prost(sint64, repeated, packed = "false", tag = "13")]
    pub positive_delta: Vec<i64>,
    /// Native histogram positive float counts.
    #[prost(double, repeated, packed = "false", tag = "14")]
    pub positive_count: Vec<f64>,
    /// When the histogram was created.
    #[prost(message, optional, tag = "15")]
    pub created_timestamp: Option<Timestamp>,
    /// Native histogram exemplars.
    #[prost(message, repeated, tag = "16")]
    pub exemplars: Vec<Exemplar>,
}

/// `io.prometheus.client.Bucket`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Bucket {
    /// Observations at or below the bound (cumulative).
    #[prost(uint64, optional, tag = "1")]
    pub cumulative_count: Option<u64>,
    /// The inclusive upper bound.
    #[prost(double, optional, tag = "2")]
    pub upper_bound: Option<f64>,
    /// An exemplar of an observation in this bucket.
    #[prost(message, optional, tag = "3")]
    pub exemplar: Option<Exemplar>,
    /// Float count, for gauge histograms.
    #[prost(double, optional, tag = "4")]
    pub cumulative_count_float: Option<f64>,
}

/// `io.prometheus.client.BucketSpan`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BucketSpan {
    /// Gap to the previous span.
    #[prost(sint32, optional, tag = "1")]
    pub offset: Option<i32>,
    /// Number of consecutive buckets.
    #[prost(uint32, optional, tag = "2")]
    pub length: Option<u32>,
}

/// `io.prometheus.client.Exemplar`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    /// The exemplar's labels (e.g. `trace_id`).
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// The observed value.
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
    /// When it was observed.
    #[prost(message, optional, tag = "3")]
    pub timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Metric`: one series.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metric {
    /// Const and variable labels.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// Set for gauges.
    #[prost(message, optional, tag = "2")]
    pub gauge: Option<Gauge>,
    /// Set for counters.
    #[prost(message, optional, tag = "3")]
    pub counter: Option<Counter>,
    /// Set for summaries.
    #[prost(message, optional, tag = "4")]
    pub summary: Option<Summary>,
    /// Set for untyped metrics.
    #[prost(message, optional, tag = "5")]
    pub untyped: Option<Untyped>,
    /// Sample timestamp, milliseconds since the Unix epoch.
    #[prost(int64, optional, tag = "6")]
    pub timestamp_ms: Option<i64>,
    /// Set for histograms.
    #[prost(message, optional, tag = "7")]
    pub histogram: Option<Histogram>,
}

/// `io.prometheus.client.MetricFamily`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricFamily {
    /// Family name.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// Help text, unescaped.
    #[prost(string, optional, tag = "2")]
    pub help: Option<String>,
    /// The type.
    #[prost(enumeration = "ProtoMetricType", optional, tag = "3")]
    pub r#type: Option<i32>,
    /// The series.
    #[prost(message, repeated, tag = "4")]
    pub metric: Vec<Metric>,
    /// The unit, if any.
    #[prost(string, optional, tag = "5")]
    pub unit: Option<String>,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds in `[0, 1e9)`.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// Converts seconds since the Unix epoch (as in [`SampleOpts::created`](crate::value::SampleOpts::created)).
    ///
    /// Non-finite input has no timestamp; out-of-range input saturates.
    pub fn from_secs_f64(secs: f64) -> Option<Timestamp> {
        if !secs.is_finite() {
            return None;
        }
        let whole = secs.floor();
        let mut nanos = ((secs - whole) * 1e9).round();
        let mut seconds = whole as i64; // saturating cast
        if nanos >= 1e9 {
            nanos -= 1e9;
            seconds = seconds.saturating_add(1);
        }
        Some(Timestamp {
            seconds,
            nanos: nanos as i32,
        })
    }

    /// Seconds since the Unix epoch as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.seconds as f64 + f64::from(self.nanos) / 1e9
    }
}

/// The protobuf type for a descriptor's type.
///
/// Info and stateset have no protobuf type; they are gauges here, as in the
/// text format (see [`super::text`]).
fn proto_type(t: MetricType) -> ProtoMetricType {
    match t {
        MetricType::Counter => ProtoMetricType::Counter,
        MetricType::Gauge | MetricType::Info | MetricType::StateSet => ProtoMetricType::Gauge,
        MetricType::Untyped => ProtoMetricType::Untyped,
        MetricType::Histogram => ProtoMetricType::Histogram,
        MetricType::Summary => ProtoMetricType::Summary,
    }
}

/// Writes one whole family: varint length, header fields, then `body` (the
/// encoded field-4 `Metric` entries).
pub(super) fn family_into(out: &mut Vec<u8>, desc: &Desc, body: &[u8]) {
    let header = MetricFamily {
        name: Some(super::text::family_name(desc).into_owned()),
        help: Some(desc.help().to_owned()),
        r#type: Some(proto_type(desc.metric_type()) as i32),
        metric: Vec::new(),
        unit: desc.unit().map(str::to_owned),
    };
    let len = header.encoded_len() + body.len();
    out.reserve(len + 10);
    prost::encoding::encode_varint(len as u64, out);
    header.encode_raw(out);
    out.extend_from_slice(body);
}

/// Appends one `Metric` as field 4 of the enclosing `MetricFamily`.
pub(super) fn metric_into(body: &mut Vec<u8>, metric: &Metric) {
    prost::encoding::message::encode(4, metric, body);
}

/// The label pairs of a series: const labels, the values of `labels`, and
/// `extra` (the stateset label), sorted by name like Go's `MakeLabelPairs`.
///
/// Returns the pairs and how many values `labels` supplied.
pub(super) fn label_pairs<L: EncodeLabelValues + ?Sized>(
    desc: &Desc,
    labels: &L,
    extra: Option<(&str, &str)>,
) -> (Vec<LabelPair>, usize) {
    let mut pairs = Vec::with_capacity(desc.variable_labels().len());
    let mut w = LabelWriter::pairs(desc.variable_labels(), &mut pairs);
    labels.encode_label_values(&mut w);
    let got = w.count();
    let mut out: Vec<LabelPair> = desc
        .const_labels()
        .iter()
        .cloned()
        .chain(pairs)
        .chain(extra.map(|(k, v)| (k.to_owned(), v.to_owned())))
        .map(|(name, value)| LabelPair {
            name: Some(name),
            value: Some(value),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, got)
}

/// Converts an exemplar to its message.
pub(super) fn exemplar(e: &crate::value::Exemplar<'_>) -> Exemplar {
    Exemplar {
        label: e
            .labels
            .iter()
            .map(|&(k, v)| LabelPair {
                name: Some(k.to_owned()),
                value: Some(v.to_owned()),
            })
            .collect(),
        value: Some(e.value),
        timestamp: e.timestamp.and_then(Timestamp::from_secs_f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_split_into_seconds_and_nanos() {
        assert_eq!(
            Timestamp::from_secs_f64(1.5),
            Some(Timestamp {
                seconds: 1,
                nanos: 500_000_000
            })
        );
        assert_eq!(
            Timestamp::from_secs_f64(-1.25),
            Some(Timestamp {
                seconds: -2,
                nanos: 750_000_000
            })
        );
        assert_eq!(Timestamp::from_secs_f64(f64::NAN), None);
        assert_eq!(
            Timestamp::from_secs_f64(1_700_000_000.25).map(Timestamp::as_secs_f64),
            Some(1_700_000_000.25)
        );
    }
}
