//! Protobuf exposition: varint length-delimited `io.prometheus.client.MetricFamily` messages.
//!
//! The messages are `proto.rs`'s (`client_model`'s `metrics.proto`); this file
//! turns a family's samples into them.
//!
//! A family is written as its header message (name, help, type, unit) followed
//! by its `Metric` entries (field 4) in the order the collectors wrote them;
//! protobuf concatenates repeated fields, so the pieces form one valid
//! `MetricFamily`, prefixed by the varint length of the whole.

use prost::Message;

use super::proto::{
    Bucket, BucketSpan, Counter, Exemplar, Gauge, Histogram, LabelPair, Metric, MetricFamily,
    ProtoMetricType, Quantile, Summary, Timestamp, Untyped,
};
use super::FamilyEncoder;
use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::labels::{LabelSet, LabelWriter};
use crate::value::{HistogramValue, NativeHistogramValue, Number, SampleOpts, SummaryValue};

/// client_golang's `makeBuckets`: `(index, count)` sorted by index as spans
/// and delta-encoded counts. Gaps of one or two buckets are filled with empty
/// buckets rather than starting a new span, as Go does.
pub(super) fn spans_and_deltas(buckets: &[(i32, u64)]) -> (Vec<BucketSpan>, Vec<i64>) {
    let mut spans: Vec<BucketSpan> = Vec::new();
    let mut deltas = Vec::with_capacity(buckets.len());
    let mut prev: i64 = 0;
    let mut next_index: i64 = 0;
    let mut push = |spans: &mut Vec<BucketSpan>, deltas: &mut Vec<i64>, count: i64| {
        if let Some(span) = spans.last_mut() {
            span.length = Some(span.length.unwrap_or(0) + 1);
        }
        deltas.push(count.wrapping_sub(prev));
        prev = count;
    };
    for (n, &(index, count)) in buckets.iter().enumerate() {
        let gap = i64::from(index) - next_index;
        if n == 0 || gap > 2 {
            spans.push(BucketSpan {
                offset: Some(gap as i32),
                length: Some(0),
            });
        } else {
            for _ in 0..gap {
                push(&mut spans, &mut deltas, 0);
            }
        }
        push(&mut spans, &mut deltas, count as i64);
        next_index = i64::from(index) + 1;
    }
    (spans, deltas)
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
pub(super) fn label_pairs<L: LabelSet + ?Sized>(
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
pub(super) fn exemplar_message(e: &crate::value::Exemplar<'_>) -> Exemplar {
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

// The protobuf arms of [`FamilyEncoder`]: each series is one `Metric` message
// appended to the family's body.
impl FamilyEncoder<'_> {
    /// The protobuf arm of [`scalar`](Self::scalar), kept out of line so the
    /// text path stays small.
    #[inline(never)]
    pub(super) fn proto_scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        opts: &SampleOpts,
        exemplar: Option<&crate::value::Exemplar<'_>>,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let desc = self.desc;
        let (label, got) = label_pairs(desc, labels, None);
        self.check_arity(got)?;
        let v = Some(value.as_f64());
        let mut metric = Metric {
            label,
            timestamp_ms: opts.timestamp_ms,
            ..Default::default()
        };
        match desc.metric_type() {
            MetricType::Counter => {
                metric.counter = Some(Counter {
                    value: v,
                    exemplar: exemplar.map(exemplar_message),
                    created_timestamp: opts.created.and_then(Timestamp::from_secs_f64),
                });
            }
            MetricType::Gauge => metric.gauge = Some(Gauge { value: v }),
            _ => metric.untyped = Some(Untyped { value: v }),
        }
        metric_into(self.body, &metric);
        Ok(())
    }

    /// A classic histogram: cumulative buckets (the `+Inf` one implicit, as
    /// Go leaves it), sum, count, bucket exemplars.
    pub(super) fn proto_histogram<L>(
        &mut self,
        labels: &L,
        value: &HistogramValue<'_>,
        opts: &SampleOpts,
        exemplars: &[Option<crate::value::Exemplar<'_>>],
        native: Option<(&NativeHistogramValue<'_>, &[crate::value::Exemplar<'_>])>,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let (label, got) = label_pairs(self.desc, labels, None);
        self.check_arity(got)?;
        let bucket = value
            .buckets
            .iter()
            .enumerate()
            .map(|(i, &(le, count))| Bucket {
                cumulative_count: Some(count),
                upper_bound: Some(le),
                exemplar: exemplars
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(exemplar_message),
                ..Default::default()
            })
            .collect();
        let mut histogram = Histogram {
            sample_count: Some(value.count),
            sample_sum: Some(value.sum),
            bucket,
            created_timestamp: opts.created.and_then(Timestamp::from_secs_f64),
            ..Default::default()
        };
        if let Some((native, native_exemplars)) = native {
            // client_golang's `histogram.Write` for the native part.
            let (positive_span, positive_delta) = spans_and_deltas(native.positive);
            let (negative_span, negative_delta) = spans_and_deltas(native.negative);
            histogram.schema = Some(native.schema);
            histogram.zero_threshold = Some(native.zero_threshold);
            histogram.zero_count = Some(native.zero_count);
            histogram.positive_span = positive_span;
            histogram.positive_delta = positive_delta;
            histogram.negative_span = negative_span;
            histogram.negative_delta = negative_delta;
            // A native histogram with nothing in it and no zero bucket width
            // gets a no-op span, or scrapers would take it for a classic one.
            if native.zero_threshold == 0.0
                && native.zero_count == 0
                && histogram.positive_span.is_empty()
                && histogram.negative_span.is_empty()
            {
                histogram.positive_span.push(BucketSpan {
                    offset: Some(0),
                    length: Some(0),
                });
            }
            histogram.exemplars = native_exemplars.iter().map(exemplar_message).collect();
        }
        let metric = Metric {
            label,
            timestamp_ms: opts.timestamp_ms,
            histogram: Some(histogram),
            ..Default::default()
        };
        metric_into(self.body, &metric);
        Ok(())
    }

    /// A summary: quantiles, sum, count.
    pub(super) fn proto_summary<L>(
        &mut self,
        labels: &L,
        value: &SummaryValue<'_>,
        opts: &SampleOpts,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let (label, got) = label_pairs(self.desc, labels, None);
        self.check_arity(got)?;
        let metric = Metric {
            label,
            timestamp_ms: opts.timestamp_ms,
            summary: Some(Summary {
                sample_count: Some(value.count),
                sample_sum: Some(value.sum),
                quantile: value
                    .quantiles
                    .iter()
                    .map(|&(q, v)| Quantile {
                        quantile: Some(q),
                        value: Some(v),
                    })
                    .collect(),
                created_timestamp: opts.created.and_then(Timestamp::from_secs_f64),
            }),
            ..Default::default()
        };
        metric_into(self.body, &metric);
        Ok(())
    }

    /// An info series: a gauge of value 1 (protobuf has no info type).
    pub(super) fn proto_info<L>(&mut self, labels: &L) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let (label, got) = label_pairs(self.desc, labels, None);
        self.check_arity(got)?;
        let metric = Metric {
            label,
            gauge: Some(Gauge { value: Some(1.0) }),
            ..Default::default()
        };
        metric_into(self.body, &metric);
        Ok(())
    }

    /// A stateset series: one gauge per state, labelled with the family name.
    pub(super) fn proto_stateset<L>(
        &mut self,
        labels: &L,
        states: &[(&str, bool)],
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let name = self.desc.name();
        for &(state, on) in states {
            let (label, got) = label_pairs(self.desc, labels, Some((name, state)));
            self.check_arity(got)?;
            let metric = Metric {
                label,
                gauge: Some(Gauge {
                    value: Some(f64::from(u8::from(on))),
                }),
                ..Default::default()
            };
            metric_into(self.body, &metric);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::proto::Timestamp;

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
