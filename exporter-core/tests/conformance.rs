//! Conformance: the same metrics, encoded in all three formats and read back
//! by third-party parsers, give the same families, types, label sets, values
//! and timestamps.
//!
//! - text 0.0.4: `prometheus-parse` and `openmetrics-parser`'s `prometheus` module;
//! - OpenMetrics 1.0.0: `openmetrics-parser`'s `openmetrics` module;
//! - protobuf: decoded with `prost`.
//!
//! Each parse is flattened into what Prometheus would store: series names
//! (`foo_total`, `foo_bucket`, `foo_info`, ...) with label sets, values and
//! timestamps, and one type and help per family. OpenMetrics types map to the
//! stored ones as Prometheus maps them (info and stateset are gauges, unknown
//! is untyped). `_created`, units and exemplars exist only in OpenMetrics and
//! protobuf and are compared between those two.
//!
//! `prometheus-parse` neither unescapes label values nor splits labels on
//! anything but `,` and `=`, so it only reads these plain fixtures; escaping is
//! checked with `openmetrics-parser` here, in the golden tests and in the
//! property tests.

// The flattening functions mirror each parser's model one arm per value type;
// splitting them would hide the parallel between them.
#![allow(clippy::too_many_lines, clippy::many_single_char_names)]

mod common;

// The tests decode protobuf with the crate's own copy of client_model's messages
// (crate-private in the library).
#[allow(dead_code, unreachable_pub)]
#[path = "../src/encoding/proto.rs"]
mod client_model;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use client_model::{MetricFamily, ProtoMetricType};
use exporter_core::Format;
use openmetrics_parser::{
    openmetrics::parse_openmetrics, prometheus::parse_prometheus, MetricNumber, OpenMetricsType,
    OpenMetricsValue, PrometheusType, PrometheusValue,
};
use prometheus_parse::Value;
use prost::Message;

type Labels = BTreeMap<String, String>;

/// One stored sample: series name, labels, value (as `{:?}` so NaN compares), timestamp in ms.
type Point = (String, Labels, String, Option<i64>);

#[derive(Debug, Default, PartialEq)]
struct Model {
    /// Family name as stored -> (type, help).
    families: BTreeMap<String, (&'static str, String)>,
    points: BTreeSet<Point>,
}

impl Model {
    fn point(
        &mut self,
        name: &str,
        labels: &Labels,
        extra: Option<(&str, f64)>,
        value: f64,
        ts: Option<i64>,
    ) {
        let mut labels = labels.clone();
        if let Some((k, v)) = extra {
            labels.insert(k.to_owned(), format!("{v:?}"));
        }
        self.points
            .insert((name.to_owned(), labels, format!("{value:?}"), ts));
    }
}

fn encode(format: Format) -> Vec<u8> {
    common::encode_created(format, common::ALL)
}

fn om_ts(ts: Option<f64>) -> Option<i64> {
    ts.map(|s| (s * 1000.0).round() as i64)
}

fn labels_of<V>(s: &openmetrics_parser::Sample<V>) -> Labels
where
    V: openmetrics_parser::RenderableMetricValue + Clone,
{
    s.get_labelset()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn num(n: &MetricNumber) -> f64 {
    n.as_f64()
}

/// Text 0.0.4 through `prometheus-parse`.
fn text_prometheus_parse() -> Model {
    let text = String::from_utf8(encode(Format::Text)).unwrap();
    let no_time = Utc.timestamp_opt(0, 0).unwrap();
    let scrape =
        prometheus_parse::Scrape::parse_at(text.lines().map(|l| Ok(l.to_owned())), no_time)
            .unwrap();
    let mut m = Model::default();
    let mut types: BTreeMap<String, &'static str> = BTreeMap::new();
    for s in &scrape.samples {
        let labels: Labels = s
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let ts = (s.timestamp != no_time).then(|| s.timestamp.timestamp_millis());
        match &s.value {
            Value::Counter(v) => {
                types.insert(s.metric.clone(), "counter");
                m.point(&s.metric, &labels, None, *v, ts);
            }
            Value::Gauge(v) => {
                types.insert(s.metric.clone(), "gauge");
                m.point(&s.metric, &labels, None, *v, ts);
            }
            Value::Untyped(v) => m.point(&s.metric, &labels, None, *v, ts),
            Value::Histogram(buckets) => {
                types.insert(s.metric.clone(), "histogram");
                for b in buckets {
                    let name = format!("{}_bucket", s.metric);
                    m.point(&name, &labels, Some(("le", b.less_than)), b.count, ts);
                }
            }
            Value::Summary(quantiles) => {
                types.insert(s.metric.clone(), "summary");
                for q in quantiles {
                    m.point(
                        &s.metric,
                        &labels,
                        Some(("quantile", q.quantile)),
                        q.count,
                        ts,
                    );
                }
            }
        }
    }
    for (name, help) in &scrape.docs {
        let t = types.get(name).copied().unwrap_or("untyped");
        m.families.insert(name.clone(), (t, help.clone()));
    }
    m
}

/// Text 0.0.4 through `openmetrics-parser`'s Prometheus parser.
fn text_openmetrics_parser() -> Model {
    let text = String::from_utf8(encode(Format::Text)).unwrap();
    let exp = parse_prometheus(&text).unwrap();
    let mut m = Model::default();
    for (name, fam) in &exp.families {
        let t = match fam.family_type {
            PrometheusType::Counter => "counter",
            PrometheusType::Gauge => "gauge",
            PrometheusType::Histogram => "histogram",
            PrometheusType::Summary => "summary",
            PrometheusType::Unknown => "untyped",
        };
        m.families.insert(name.clone(), (t, fam.help.clone()));
        for s in fam.iter_samples() {
            let labels = labels_of(s);
            let ts = s.timestamp.map(|t| t as i64);
            match &s.value {
                PrometheusValue::Unknown(n) | PrometheusValue::Gauge(n) => {
                    m.point(name, &labels, None, num(n), ts);
                }
                PrometheusValue::Counter(c) => m.point(name, &labels, None, num(&c.value), ts),
                PrometheusValue::Histogram(h) => {
                    for b in &h.buckets {
                        let n = format!("{name}_bucket");
                        m.point(&n, &labels, Some(("le", b.upper_bound)), num(&b.count), ts);
                    }
                    m.point(
                        &format!("{name}_sum"),
                        &labels,
                        None,
                        num(h.sum.as_ref().unwrap()),
                        ts,
                    );
                    m.point(
                        &format!("{name}_count"),
                        &labels,
                        None,
                        h.count.unwrap() as f64,
                        ts,
                    );
                }
                PrometheusValue::Summary(q) => {
                    for q2 in &q.quantiles {
                        m.point(
                            name,
                            &labels,
                            Some(("quantile", q2.quantile)),
                            num(&q2.value),
                            ts,
                        );
                    }
                    m.point(
                        &format!("{name}_sum"),
                        &labels,
                        None,
                        num(q.sum.as_ref().unwrap()),
                        ts,
                    );
                    m.point(
                        &format!("{name}_count"),
                        &labels,
                        None,
                        q.count.unwrap() as f64,
                        ts,
                    );
                }
            }
        }
    }
    m
}

/// (series, labels, `le` or empty).
type ExemplarKey = (String, Labels, String);
/// (labels, value, timestamp), numbers as `{:?}`.
type ExemplarValue = (Labels, String, Option<String>);

/// What OpenMetrics carries beyond the stored model.
#[derive(Debug, Default, PartialEq)]
struct Extras {
    /// Family -> unit.
    units: BTreeMap<String, String>,
    /// (series, labels) -> created seconds.
    created: BTreeMap<(String, Labels), f64>,
    /// (series, labels, le) -> (exemplar labels, value, timestamp).
    exemplars: BTreeMap<ExemplarKey, ExemplarValue>,
}

/// OpenMetrics through `openmetrics-parser`.
fn openmetrics() -> (Model, Extras) {
    let text = String::from_utf8(encode(Format::OpenMetrics)).unwrap();
    let exp = parse_openmetrics(&text).unwrap();
    let mut m = Model::default();
    let mut x = Extras::default();
    for (family, fam) in &exp.families {
        let (stored, t) = match fam.family_type {
            OpenMetricsType::Counter => (format!("{family}_total"), "counter"),
            OpenMetricsType::Gauge | OpenMetricsType::StateSet => (family.clone(), "gauge"),
            OpenMetricsType::Info => (format!("{family}_info"), "gauge"),
            OpenMetricsType::Histogram => (family.clone(), "histogram"),
            OpenMetricsType::Summary => (family.clone(), "summary"),
            OpenMetricsType::Unknown => (family.clone(), "untyped"),
            OpenMetricsType::GaugeHistogram => panic!("no gauge histograms were written"),
        };
        m.families.insert(stored.clone(), (t, fam.help.clone()));
        if !fam.unit.is_empty() {
            x.units.insert(stored.clone(), fam.unit.clone());
        }
        for s in fam.iter_samples() {
            let labels = labels_of(s);
            let ts = om_ts(s.timestamp);
            let ex = |e: &openmetrics_parser::Exemplar| {
                (
                    e.labels.clone().into_iter().collect::<Labels>(),
                    format!("{:?}", e.id),
                    e.timestamp.map(|t| format!("{t:?}")),
                )
            };
            match &s.value {
                OpenMetricsValue::Unknown(n)
                | OpenMetricsValue::Gauge(n)
                | OpenMetricsValue::StateSet(n) => {
                    m.point(&stored, &labels, None, num(n), ts);
                }
                OpenMetricsValue::Info => m.point(&stored, &labels, None, 1.0, ts),
                OpenMetricsValue::Counter(c) => {
                    m.point(&stored, &labels, None, num(&c.value), ts);
                    if let Some(created) = c.created {
                        x.created.insert((stored.clone(), labels.clone()), created);
                    }
                    if let Some(e) = &c.exemplar {
                        x.exemplars
                            .insert((stored.clone(), labels.clone(), String::new()), ex(e));
                    }
                }
                OpenMetricsValue::Histogram(h) => {
                    for b in &h.buckets {
                        let n = format!("{family}_bucket");
                        m.point(&n, &labels, Some(("le", b.upper_bound)), num(&b.count), ts);
                        if let Some(e) = &b.exemplar {
                            x.exemplars
                                .insert((n, labels.clone(), format!("{:?}", b.upper_bound)), ex(e));
                        }
                    }
                    m.point(
                        &format!("{family}_sum"),
                        &labels,
                        None,
                        num(h.sum.as_ref().unwrap()),
                        ts,
                    );
                    m.point(
                        &format!("{family}_count"),
                        &labels,
                        None,
                        h.count.unwrap() as f64,
                        ts,
                    );
                    if let Some(created) = h.created {
                        x.created.insert((family.clone(), labels.clone()), created);
                    }
                }
                OpenMetricsValue::Summary(q) => {
                    for q2 in &q.quantiles {
                        m.point(
                            family,
                            &labels,
                            Some(("quantile", q2.quantile)),
                            num(&q2.value),
                            ts,
                        );
                    }
                    m.point(
                        &format!("{family}_sum"),
                        &labels,
                        None,
                        num(q.sum.as_ref().unwrap()),
                        ts,
                    );
                    m.point(
                        &format!("{family}_count"),
                        &labels,
                        None,
                        q.count.unwrap() as f64,
                        ts,
                    );
                    if let Some(created) = q.created {
                        x.created.insert((family.clone(), labels.clone()), created);
                    }
                }
                OpenMetricsValue::GaugeHistogram(_) => panic!("no gauge histograms were written"),
            }
        }
    }
    (m, x)
}

/// Protobuf decoded with `prost`.
fn protobuf_model() -> (Model, Extras) {
    let bytes = encode(Format::Protobuf);
    let mut buf = bytes.as_slice();
    let mut m = Model::default();
    let mut x = Extras::default();
    let ex = |e: &client_model::Exemplar| {
        (
            e.label
                .iter()
                .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                .collect::<Labels>(),
            format!("{:?}", e.value.unwrap()),
            e.timestamp.map(|t| format!("{:?}", t.as_secs_f64())),
        )
    };
    while !buf.is_empty() {
        let fam = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        let name = fam.name.clone().unwrap();
        let t = match ProtoMetricType::try_from(fam.r#type.unwrap()).unwrap() {
            ProtoMetricType::Counter => "counter",
            ProtoMetricType::Gauge => "gauge",
            ProtoMetricType::Summary => "summary",
            ProtoMetricType::Untyped => "untyped",
            ProtoMetricType::Histogram => "histogram",
            ProtoMetricType::GaugeHistogram => panic!("no gauge histograms were written"),
        };
        m.families
            .insert(name.clone(), (t, fam.help.clone().unwrap()));
        if let Some(unit) = &fam.unit {
            x.units.insert(name.clone(), unit.clone());
        }
        for metric in &fam.metric {
            let labels: Labels = metric
                .label
                .iter()
                .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                .collect();
            let ts = metric.timestamp_ms;
            if let Some(g) = &metric.gauge {
                m.point(&name, &labels, None, g.value.unwrap(), ts);
            }
            if let Some(u) = &metric.untyped {
                m.point(&name, &labels, None, u.value.unwrap(), ts);
            }
            if let Some(c) = &metric.counter {
                m.point(&name, &labels, None, c.value.unwrap(), ts);
                if let Some(created) = c.created_timestamp {
                    x.created
                        .insert((name.clone(), labels.clone()), created.as_secs_f64());
                }
                if let Some(e) = &c.exemplar {
                    x.exemplars
                        .insert((name.clone(), labels.clone(), String::new()), ex(e));
                }
            }
            if let Some(h) = &metric.histogram {
                let bucket = format!("{name}_bucket");
                for b in &h.bucket {
                    let le = b.upper_bound.unwrap();
                    m.point(
                        &bucket,
                        &labels,
                        Some(("le", le)),
                        b.cumulative_count.unwrap() as f64,
                        ts,
                    );
                    if let Some(e) = &b.exemplar {
                        x.exemplars
                            .insert((bucket.clone(), labels.clone(), format!("{le:?}")), ex(e));
                    }
                }
                if h.bucket.last().and_then(|b| b.upper_bound) != Some(f64::INFINITY) {
                    // The +Inf bucket is implicit in protobuf.
                    let count = h.sample_count.unwrap() as f64;
                    m.point(&bucket, &labels, Some(("le", f64::INFINITY)), count, ts);
                }
                m.point(
                    &format!("{name}_sum"),
                    &labels,
                    None,
                    h.sample_sum.unwrap(),
                    ts,
                );
                m.point(
                    &format!("{name}_count"),
                    &labels,
                    None,
                    h.sample_count.unwrap() as f64,
                    ts,
                );
                if let Some(created) = h.created_timestamp {
                    x.created
                        .insert((name.clone(), labels.clone()), created.as_secs_f64());
                }
            }
            if let Some(s) = &metric.summary {
                for q in &s.quantile {
                    m.point(
                        &name,
                        &labels,
                        Some(("quantile", q.quantile.unwrap())),
                        q.value.unwrap(),
                        ts,
                    );
                }
                m.point(
                    &format!("{name}_sum"),
                    &labels,
                    None,
                    s.sample_sum.unwrap(),
                    ts,
                );
                m.point(
                    &format!("{name}_count"),
                    &labels,
                    None,
                    s.sample_count.unwrap() as f64,
                    ts,
                );
                if let Some(created) = s.created_timestamp {
                    x.created
                        .insert((name.clone(), labels.clone()), created.as_secs_f64());
                }
            }
        }
    }
    (m, x)
}

#[test]
fn every_format_and_parser_reads_the_same_metrics() {
    let text_a = text_prometheus_parse();
    let text_b = text_openmetrics_parser();
    let (om, _) = openmetrics();
    let (pb, _) = protobuf_model();
    // Not vacuous: every family and every sample made it through.
    assert_eq!(pb.families.len(), 7);
    assert_eq!(pb.points.len(), 2 + 2 + 1 + 5 + 4 + 1 + 2);
    assert_eq!(text_a, pb, "text via prometheus-parse vs protobuf");
    assert_eq!(text_b, pb, "text via openmetrics-parser vs protobuf");
    assert_eq!(om, pb, "OpenMetrics via openmetrics-parser vs protobuf");
}

#[test]
fn openmetrics_and_protobuf_agree_on_units_created_and_exemplars() {
    let (_, om) = openmetrics();
    let (_, pb) = protobuf_model();
    assert_eq!(
        om.units.get("temperature_celsius").map(String::as_str),
        Some("celsius")
    );
    assert_eq!(om.created.len(), 2);
    assert_eq!(om.exemplars.len(), 2);
    assert_eq!(om, pb);
}

#[test]
fn escaped_text_reads_back_unescaped() {
    // prometheus-parse is left out: it does not unescape (see the module doc).
    let expected_labels: Labels = [
        ("c".to_owned(), "q\"b\\n\n".to_owned()),
        ("v".to_owned(), "a\"b\\c\nd \u{1F600}".to_owned()),
    ]
    .into();
    let help = "Quote \" backslash \\ newline \n end.";

    let text = common::encode_str(Format::Text, &[common::escaping]);
    let fam = &parse_prometheus(&text).unwrap().families["escapes"];
    assert_eq!(fam.help, help);
    let sample = fam.iter_samples().next().unwrap();
    assert_eq!(labels_of(sample), expected_labels);

    let om = common::encode_str(Format::OpenMetrics, &[common::escaping]);
    let fam = &parse_openmetrics(&om).unwrap().families["escapes"];
    assert_eq!(fam.help, help);
    let sample = fam.iter_samples().next().unwrap();
    assert_eq!(labels_of(sample), expected_labels);
}
