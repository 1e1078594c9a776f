//! Snapshot structs: every supported field type derived, collected, encoded
//! and parsed back with the `prometheus-parse` crate.
// Values are compared exactly: they must survive encoding and parsing bit for bit.
#![allow(clippy::float_cmp, clippy::too_many_lines)]

// The tests decode protobuf with the crate's own copy of client_model's messages
// (crate-private in the library).
#[allow(dead_code, unreachable_pub)]
#[path = "../../exporter-core/src/encoding/proto.rs"]
mod client_model;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use exporter_core::value::{HistogramValue, SummaryValue};
use exporter_core::{Collector, Format, LabelSet, LabelValue, MetricType, Registry};

#[derive(LabelValue, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Method {
    Get,
    #[label(rename = "post")]
    Post,
}

#[derive(LabelSet, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Route {
    method: Method,
    path: &'static str,
}

#[derive(LabelSet)]
struct BuildInfo {
    version: &'static str,
    revision: &'static str,
}

#[derive(Collector)]
#[collector(namespace = "app", const_labels(instance = "a"))]
struct Snapshot {
    /// An f64 gauge.
    #[metric(gauge)]
    temperature_celsius: f64,
    /// An f32 gauge.
    #[metric(gauge)]
    ratio: f32,
    /// A u64 counter.
    #[metric(counter)]
    requests_total: u64,
    /// An i8.
    #[metric(gauge)]
    small: i8,
    /// An i128 beyond i64.
    #[metric(untyped)]
    big: i128,
    /// A bool.
    #[metric(gauge)]
    up: bool,
    /// A duration.
    #[metric(gauge, unit = "seconds")]
    uptime_seconds: Duration,
    /// A time.
    #[metric(gauge)]
    boot_time_seconds: SystemTime,
    /// Present.
    #[metric(gauge)]
    present: Option<u32>,
    /// Absent.
    #[metric(gauge)]
    absent: Option<u32>,
    /// Array keys.
    #[metric(gauge, labels(name))]
    by_name: Vec<([String; 1], f64)>,
    /// Tuple keys.
    #[metric(counter, labels(code, ok))]
    codes_total: BTreeMap<(u16, bool), u64>,
    /// Label set keys.
    #[metric(counter)]
    routes_total: HashMap<Route, u64>,
    /// Cow keys.
    #[metric(gauge, labels(k), const_labels(extra = "x"))]
    cows: Vec<([Cow<'static, str>; 1], i64)>,
    /// A histogram.
    latency_seconds: HistogramValue<'static>,
    /// A summary.
    #[metric(summary, labels(kind))]
    sizes_bytes: Vec<([&'static str; 1], SummaryValue<'static>)>,
    /// Build information.
    #[metric(info)]
    build: BuildInfo,
    /// Door state.
    #[metric(stateset)]
    door: [(&'static str, bool); 2],
    #[metric(skip)]
    _ignored: String,
}

fn snapshot() -> Snapshot {
    Snapshot {
        temperature_celsius: 21.5,
        ratio: 0.25,
        requests_total: 1234,
        small: -3,
        big: i128::from(u64::MAX) + 1,
        up: true,
        uptime_seconds: Duration::from_millis(1500),
        boot_time_seconds: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        present: Some(7),
        absent: None,
        by_name: vec![(["haohao".to_owned()], 81.0), (["nana".to_owned()], 87.0)],
        codes_total: BTreeMap::from([((200, true), 10), ((500, false), 2)]),
        routes_total: HashMap::from([
            (
                Route {
                    method: Method::Post,
                    path: "/a",
                },
                5,
            ),
            (
                Route {
                    method: Method::Get,
                    path: "/b",
                },
                6,
            ),
        ]),
        cows: vec![([Cow::Borrowed("c")], -1)],
        latency_seconds: HistogramValue {
            buckets: &[(0.1, 1), (1.0, 3)],
            sum: 2.5,
            count: 4,
        },
        sizes_bytes: vec![(
            ["req"],
            SummaryValue {
                quantiles: &[(0.5, 10.0), (0.9, 20.0)],
                sum: 100.0,
                count: 7,
            },
        )],
        build: BuildInfo {
            version: "1.0",
            revision: "abc",
        },
        door: [("open", true), ("closed", false)],
        _ignored: String::new(),
    }
}

/// A sample name, its labels and its value.
type Expected<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

fn parse(text: &str) -> prometheus_parse::Scrape {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).expect("prometheus-parse accepts the output")
}

fn sample<'a>(
    scrape: &'a prometheus_parse::Scrape,
    name: &str,
    labels: &[(&str, &str)],
) -> &'a prometheus_parse::Sample {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
}

fn value(s: &prometheus_parse::Sample) -> f64 {
    match s.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => panic!("not a scalar: {s:?}"),
    }
}

#[test]
fn every_field_type_round_trips_through_text() {
    let registry = Registry::new();
    registry.register(snapshot()).unwrap();
    let text = registry.gather_text();
    let scrape = parse(&text);
    let scalars: &[Expected<'_>] = &[
        ("app_temperature_celsius", &[], 21.5),
        ("app_ratio", &[], 0.25),
        ("app_requests_total", &[], 1234.0),
        ("app_small", &[], -3.0),
        ("app_big", &[], 18_446_744_073_709_551_616.0),
        ("app_up", &[], 1.0),
        ("app_uptime_seconds", &[], 1.5),
        ("app_boot_time_seconds", &[], 1_700_000_000.0),
        ("app_present", &[], 7.0),
        ("app_by_name", &[("name", "haohao")], 81.0),
        ("app_by_name", &[("name", "nana")], 87.0),
        ("app_codes_total", &[("code", "200"), ("ok", "true")], 10.0),
        ("app_codes_total", &[("code", "500"), ("ok", "false")], 2.0),
        (
            "app_routes_total",
            &[("method", "post"), ("path", "/a")],
            5.0,
        ),
        (
            "app_routes_total",
            &[("method", "Get"), ("path", "/b")],
            6.0,
        ),
        ("app_cows", &[("k", "c"), ("extra", "x")], -1.0),
    ];
    for (name, labels, expected) in scalars {
        let s = sample(&scrape, name, labels);
        assert_eq!(value(s), *expected, "{name}");
        assert_eq!(s.labels.get("instance"), Some("a"), "{name}");
    }
    assert!(
        !scrape.samples.iter().any(|s| s.metric == "app_absent"),
        "None writes no sample"
    );

    let types = [
        ("app_requests_total", "counter"),
        ("app_temperature_celsius", "gauge"),
        ("app_big", "untyped"),
        ("app_latency_seconds", "histogram"),
        ("app_sizes_bytes", "summary"),
    ];
    for (name, ty) in types {
        assert!(
            text.contains(&format!("# TYPE {name} {ty}\n")),
            "{name}: {text}"
        );
    }
    let doc = scrape
        .docs
        .get("app_temperature_celsius")
        .map(String::as_str);
    assert_eq!(doc, Some("An f64 gauge."));

    let h = sample(&scrape, "app_latency_seconds", &[]);
    match &h.value {
        prometheus_parse::Value::Histogram(buckets) => {
            let got: Vec<(f64, f64)> = buckets.iter().map(|b| (b.less_than, b.count)).collect();
            assert_eq!(got, [(0.1, 1.0), (1.0, 3.0), (f64::INFINITY, 4.0)]);
        }
        other => panic!("not a histogram: {other:?}"),
    }
    let s = sample(&scrape, "app_sizes_bytes", &[("kind", "req")]);
    match &s.value {
        prometheus_parse::Value::Summary(qs) => {
            let got: Vec<(f64, f64)> = qs.iter().map(|q| (q.quantile, q.count)).collect();
            assert_eq!(got, [(0.5, 10.0), (0.9, 20.0)]);
        }
        other => panic!("not a summary: {other:?}"),
    }
}

#[test]
fn describe_matches_collect() {
    let s = snapshot();
    let descs = s.describe();
    assert_eq!(descs.len(), 18);
    let route = descs
        .iter()
        .find(|d| d.name() == "app_routes_total")
        .unwrap();
    assert_eq!(route.variable_labels(), ["method", "path"]);
    // Every family the scrape holds is described, and each of its series
    // carries exactly the described label names (plus the per-type extras).
    let (points, types) = text_points();
    for family in types.keys() {
        let desc = descs
            .iter()
            .find(|d| match d.metric_type() {
                MetricType::Info => format!("{}_info", d.name()) == *family,
                _ => d.name() == family,
            })
            .unwrap_or_else(|| panic!("`{family}` was collected but not described"));
        let mut expected: Vec<&str> = desc
            .const_labels()
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(desc.variable_labels().iter().map(String::as_str))
            .collect();
        match desc.metric_type() {
            MetricType::Histogram => expected.push("le"),
            MetricType::Summary => expected.push("quantile"),
            MetricType::StateSet => expected.push(desc.name()),
            _ => {}
        }
        expected.sort_unstable();
        let series = points.iter().filter(|(name, ..)| {
            name == family
                || name
                    .strip_prefix(family.as_str())
                    .is_some_and(|rest| ["_bucket", "_sum", "_count"].contains(&rest))
        });
        let mut seen = 0;
        for (name, labels, _) in series {
            seen += 1;
            let mut got: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
            let mut want = expected.clone();
            // `_sum` and `_count` carry neither `le` nor `quantile`.
            if name.ends_with("_sum") || name.ends_with("_count") {
                want.retain(|k| *k != "le" && *k != "quantile");
            }
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "labels of `{name}`");
        }
        assert!(seen > 0, "`{family}` has no series");
    }
    // Only the `None` field is described but absent.
    let collected: BTreeSet<&str> = types.keys().map(String::as_str).collect();
    let absent: Vec<&str> = descs
        .iter()
        .map(|d| d.name())
        .filter(|n| !collected.contains(n) && !collected.contains(format!("{n}_info").as_str()))
        .collect();
    assert_eq!(absent, ["app_absent"]);
}

/// One stored series: name (with `_total`, `_bucket`, ... as Prometheus stores
/// it), sorted labels (`le` and `quantile` included), value.
type Point = (String, Vec<(String, String)>, String);

fn point(
    name: &str,
    labels: &openmetrics_parser::LabelSet<'_>,
    extra: Option<(&str, f64)>,
    v: f64,
) -> Point {
    let mut labels: Vec<(String, String)> =
        labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some((k, x)) = extra {
        labels.push((k.to_owned(), format!("{x:?}")));
    }
    labels.sort();
    (name.to_owned(), labels, format!("{v:?}"))
}

/// Text 0.0.4 through `openmetrics-parser`'s Prometheus parser.
fn text_points() -> (BTreeSet<Point>, BTreeMap<String, &'static str>) {
    use openmetrics_parser::{PrometheusType as T, PrometheusValue as V};
    let registry = Registry::new();
    registry.register(snapshot()).unwrap();
    let text = String::from_utf8(registry.gather(Format::Text).0).unwrap();
    let exp = openmetrics_parser::prometheus::parse_prometheus(&text).unwrap();
    let (mut points, mut types) = (BTreeSet::new(), BTreeMap::new());
    for (name, fam) in &exp.families {
        let t = match fam.family_type {
            T::Counter => "counter",
            T::Gauge => "gauge",
            T::Histogram => "histogram",
            T::Summary => "summary",
            T::Unknown => "untyped",
        };
        types.insert(name.clone(), t);
        for s in fam.iter_samples() {
            let labels = s.get_labelset().unwrap();
            match &s.value {
                V::Unknown(n) | V::Gauge(n) => {
                    points.insert(point(name, &labels, None, n.as_f64()))
                }
                V::Counter(c) => points.insert(point(name, &labels, None, c.value.as_f64())),
                V::Histogram(h) => {
                    for b in &h.buckets {
                        points.insert(point(
                            &format!("{name}_bucket"),
                            &labels,
                            Some(("le", b.upper_bound)),
                            b.count.as_f64(),
                        ));
                    }
                    points.insert(point(
                        &format!("{name}_sum"),
                        &labels,
                        None,
                        h.sum.as_ref().unwrap().as_f64(),
                    ));
                    points.insert(point(
                        &format!("{name}_count"),
                        &labels,
                        None,
                        h.count.unwrap() as f64,
                    ))
                }
                V::Summary(q) => {
                    for x in &q.quantiles {
                        points.insert(point(
                            name,
                            &labels,
                            Some(("quantile", x.quantile)),
                            x.value.as_f64(),
                        ));
                    }
                    points.insert(point(
                        &format!("{name}_sum"),
                        &labels,
                        None,
                        q.sum.as_ref().unwrap().as_f64(),
                    ));
                    points.insert(point(
                        &format!("{name}_count"),
                        &labels,
                        None,
                        q.count.unwrap() as f64,
                    ))
                }
            };
        }
    }
    (points, types)
}

/// OpenMetrics 1.0.0 through `openmetrics-parser`.
fn openmetrics_points() -> (BTreeSet<Point>, BTreeMap<String, &'static str>) {
    use openmetrics_parser::{OpenMetricsType as T, OpenMetricsValue as V};
    let registry = Registry::new();
    registry.register(snapshot()).unwrap();
    let text = String::from_utf8(registry.gather(Format::OpenMetrics).0).unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(
        text.contains("# UNIT app_uptime_seconds seconds\n"),
        "{text}"
    );
    let exp = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    let (mut points, mut types) = (BTreeSet::new(), BTreeMap::new());
    for (family, fam) in &exp.families {
        let (name, t) = match fam.family_type {
            T::Counter => (format!("{family}_total"), "counter"),
            T::Gauge | T::StateSet => (family.clone(), "gauge"),
            T::Histogram => (family.clone(), "histogram"),
            T::Summary => (family.clone(), "summary"),
            T::Unknown => (family.clone(), "untyped"),
            T::Info => (format!("{family}_info"), "gauge"),
            T::GaugeHistogram => panic!("no gauge histograms were written"),
        };
        types.insert(name.clone(), t);
        for s in fam.iter_samples() {
            let labels = s.get_labelset().unwrap();
            match &s.value {
                V::Info => points.insert(point(&name, &labels, None, 1.0)),
                V::Unknown(n) | V::Gauge(n) | V::StateSet(n) => {
                    points.insert(point(&name, &labels, None, n.as_f64()))
                }
                V::Counter(c) => points.insert(point(&name, &labels, None, c.value.as_f64())),
                V::Histogram(h) => {
                    for b in &h.buckets {
                        points.insert(point(
                            &format!("{name}_bucket"),
                            &labels,
                            Some(("le", b.upper_bound)),
                            b.count.as_f64(),
                        ));
                    }
                    points.insert(point(
                        &format!("{name}_sum"),
                        &labels,
                        None,
                        h.sum.as_ref().unwrap().as_f64(),
                    ));
                    points.insert(point(
                        &format!("{name}_count"),
                        &labels,
                        None,
                        h.count.unwrap() as f64,
                    ))
                }
                V::Summary(q) => {
                    for x in &q.quantiles {
                        points.insert(point(
                            &name,
                            &labels,
                            Some(("quantile", x.quantile)),
                            x.value.as_f64(),
                        ));
                    }
                    points.insert(point(
                        &format!("{name}_sum"),
                        &labels,
                        None,
                        q.sum.as_ref().unwrap().as_f64(),
                    ));
                    points.insert(point(
                        &format!("{name}_count"),
                        &labels,
                        None,
                        q.count.unwrap() as f64,
                    ))
                }
                V::GaugeHistogram(_) => panic!("no gauge histograms were written"),
            };
        }
    }
    (points, types)
}

/// Protobuf (delimited `io.prometheus.client.MetricFamily`) decoded with `prost`.
fn protobuf_points() -> (BTreeSet<Point>, BTreeMap<String, &'static str>) {
    use client_model::{MetricFamily, ProtoMetricType as T};
    use prost::Message;
    let registry = Registry::new();
    registry.register(snapshot()).unwrap();
    let bytes = registry.gather(Format::Protobuf).0;
    let mut buf = bytes.as_slice();
    let (mut points, mut types) = (BTreeSet::new(), BTreeMap::new());
    let pt = |name: &str, labels: &[(String, String)], extra: Option<(&str, f64)>, v: f64| {
        let mut labels = labels.to_vec();
        if let Some((k, x)) = extra {
            labels.push((k.to_owned(), format!("{x:?}")));
        }
        labels.sort();
        (name.to_owned(), labels, format!("{v:?}"))
    };
    while !buf.is_empty() {
        let fam = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        let name = fam.name.clone().unwrap();
        let t = match T::try_from(fam.r#type.unwrap()).unwrap() {
            T::Counter => "counter",
            T::Gauge => "gauge",
            T::Summary => "summary",
            T::Untyped => "untyped",
            T::Histogram => "histogram",
            T::GaugeHistogram => panic!("no gauge histograms were written"),
        };
        types.insert(name.clone(), t);
        for m in &fam.metric {
            let labels: Vec<(String, String)> = m
                .label
                .iter()
                .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                .collect();
            if let Some(v) = m.gauge.as_ref().and_then(|g| g.value) {
                points.insert(pt(&name, &labels, None, v));
            }
            if let Some(v) = m.untyped.as_ref().and_then(|g| g.value) {
                points.insert(pt(&name, &labels, None, v));
            }
            if let Some(v) = m.counter.as_ref().and_then(|g| g.value) {
                points.insert(pt(&name, &labels, None, v));
            }
            if let Some(h) = &m.histogram {
                for b in &h.bucket {
                    let le = b.upper_bound.unwrap();
                    points.insert(pt(
                        &format!("{name}_bucket"),
                        &labels,
                        Some(("le", le)),
                        b.cumulative_count.unwrap() as f64,
                    ));
                }
                if h.bucket.last().and_then(|b| b.upper_bound) != Some(f64::INFINITY) {
                    let count = h.sample_count.unwrap() as f64;
                    points.insert(pt(
                        &format!("{name}_bucket"),
                        &labels,
                        Some(("le", f64::INFINITY)),
                        count,
                    ));
                }
                points.insert(pt(
                    &format!("{name}_sum"),
                    &labels,
                    None,
                    h.sample_sum.unwrap(),
                ));
                points.insert(pt(
                    &format!("{name}_count"),
                    &labels,
                    None,
                    h.sample_count.unwrap() as f64,
                ));
            }
            if let Some(s) = &m.summary {
                for q in &s.quantile {
                    points.insert(pt(
                        &name,
                        &labels,
                        Some(("quantile", q.quantile.unwrap())),
                        q.value.unwrap(),
                    ));
                }
                points.insert(pt(
                    &format!("{name}_sum"),
                    &labels,
                    None,
                    s.sample_sum.unwrap(),
                ));
                points.insert(pt(
                    &format!("{name}_count"),
                    &labels,
                    None,
                    s.sample_count.unwrap() as f64,
                ));
            }
        }
    }
    (points, types)
}

#[test]
fn every_field_type_agrees_across_the_three_formats() {
    let (text, text_types) = text_points();
    let (om, om_types) = openmetrics_points();
    let (pb, pb_types) = protobuf_points();
    assert_eq!(text, om, "text and OpenMetrics differ");
    assert_eq!(text, pb, "text and protobuf differ");
    assert_eq!(text_types, om_types);
    assert_eq!(text_types, pb_types);

    // And the content is the snapshot's, not merely consistent.
    let labels = |pairs: &[(&str, &str)]| {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        v.push(("instance".to_owned(), "a".to_owned()));
        v.sort();
        v
    };
    for (name, l, v) in [
        ("app_requests_total", &[][..], "1234.0"),
        ("app_uptime_seconds", &[], "1.5"),
        ("app_big", &[], "1.8446744073709552e19"),
        (
            "app_routes_total",
            &[("method", "post"), ("path", "/a")],
            "5.0",
        ),
        (
            "app_codes_total",
            &[("code", "500"), ("ok", "false")],
            "2.0",
        ),
        ("app_cows", &[("k", "c"), ("extra", "x")], "-1.0"),
        ("app_latency_seconds_bucket", &[("le", "0.1")], "1.0"),
        ("app_latency_seconds_bucket", &[("le", "inf")], "4.0"),
        (
            "app_sizes_bytes",
            &[("kind", "req"), ("quantile", "0.9")],
            "20.0",
        ),
        ("app_sizes_bytes_count", &[("kind", "req")], "7.0"),
        (
            "app_build_info",
            &[("version", "1.0"), ("revision", "abc")],
            "1.0",
        ),
        ("app_door", &[("app_door", "open")], "1.0"),
        ("app_door", &[("app_door", "closed")], "0.0"),
    ] {
        let want = (name.to_owned(), labels(l), v.to_owned());
        assert!(text.contains(&want), "missing {want:?} in {text:#?}");
    }
    assert_eq!(text.iter().filter(|p| p.0 == "app_routes_total").count(), 2);
    assert!(!text.iter().any(|p| p.0 == "app_absent"));
    assert_eq!(text_types.get("app_routes_total"), Some(&"counter"));
    assert_eq!(text_types.get("app_big"), Some(&"untyped"));
    assert_eq!(text_types.get("app_latency_seconds"), Some(&"histogram"));
    assert_eq!(text_types.get("app_sizes_bytes"), Some(&"summary"));
}

#[derive(Collector)]
#[collector(namespace = "int")]
struct Integers {
    /// u8.
    #[metric(gauge)]
    a_u8: u8,
    /// u16.
    #[metric(gauge)]
    a_u16: u16,
    /// u32.
    #[metric(gauge)]
    a_u32: u32,
    /// usize.
    #[metric(gauge)]
    a_usize: usize,
    /// u128.
    #[metric(gauge)]
    a_u128: u128,
    /// i16.
    #[metric(gauge)]
    a_i16: i16,
    /// i32.
    #[metric(gauge)]
    a_i32: i32,
    /// i64.
    #[metric(gauge)]
    a_i64: i64,
    /// isize.
    #[metric(gauge)]
    a_isize: isize,
    /// Rows in a boxed slice.
    #[metric(gauge, labels(n))]
    boxed: Box<[([u8; 1], i32)]>,
}

#[test]
fn every_integer_type_prints_exactly() {
    let registry = Registry::new();
    registry
        .register(Integers {
            a_u8: u8::MAX,
            a_u16: u16::MAX,
            a_u32: u32::MAX,
            a_usize: 7,
            a_u128: 9,
            a_i16: i16::MIN,
            a_i32: i32::MIN,
            a_i64: -(1 << 40),
            a_isize: -7,
            boxed: vec![([1], -1), ([2], 2)].into_boxed_slice(),
        })
        .unwrap();
    let text = registry.gather_text();
    let scrape = parse(&text);
    for (name, labels, expected) in [
        ("int_a_u8", &[][..], 255.0),
        ("int_a_u16", &[], 65535.0),
        ("int_a_u32", &[], 4_294_967_295.0),
        ("int_a_usize", &[], 7.0),
        ("int_a_u128", &[], 9.0),
        ("int_a_i16", &[], -32768.0),
        ("int_a_i32", &[], -2_147_483_648.0),
        ("int_a_i64", &[], -1_099_511_627_776.0),
        ("int_a_isize", &[], -7.0),
        ("int_boxed", &[("n", "1")], -1.0),
        ("int_boxed", &[("n", "2")], 2.0),
    ] {
        assert_eq!(value(sample(&scrape, name, labels)), expected, "{name}");
    }
    // Integers are printed as integers, not through a float.
    assert!(text.contains("int_a_i64 -1099511627776\n"), "{text}");
}

/// A generic key: its arity is checked where the struct is instantiated
/// (`cargo build`), and, for keys without a fixed arity, at collect time.
#[derive(Collector)]
struct GenericRows<L> {
    /// Rows.
    #[metric(gauge, labels(a))]
    rows: Vec<(L, f64)>,
}

#[test]
fn generic_label_arity_is_checked_at_collect_time() {
    let ok = GenericRows {
        rows: vec![(["x"], 1.0)],
    };
    // `Vec<&str>` has no fixed arity (`LEN` is `None`), so only collect can check it.
    let bad = GenericRows {
        rows: vec![(vec!["x", "y"], 1.0)],
    };
    let mut encoder = exporter_core::MetricEncoder::new(Format::Text);
    ok.collect(&mut encoder).unwrap();
    let mut encoder = exporter_core::MetricEncoder::new(Format::Text);
    let err = bad.collect(&mut encoder).unwrap_err();
    assert!(
        matches!(
            err,
            exporter_core::CollectError::LabelArity {
                expected: 1,
                got: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

/// Doc comments become one line of help, block comments too: each line
/// trimmed (and a block's ` * ` removed), joined with a space.
#[test]
fn doc_comments_of_every_style_become_one_line_of_help() {
    #[derive(Collector)]
    struct Memory {
        /// Free memory,
        ///   in bytes.
        #[metric(gauge)]
        free_bytes: u64,
        /** Used memory,
        in bytes. */
        #[metric(gauge)]
        used_bytes: u64,
        /**
         * Processes running,
         * in all.
         */
        #[metric(gauge)]
        processes: u64,
    }
    let registry = Registry::new();
    registry
        .register(Memory {
            free_bytes: 1,
            used_bytes: 2,
            processes: 3,
        })
        .unwrap();
    let text = registry.gather_text();
    let docs = parse(&text).docs;
    assert_eq!(docs["free_bytes"], "Free memory, in bytes.", "{text}");
    assert_eq!(docs["used_bytes"], "Used memory, in bytes.", "{text}");
    assert_eq!(docs["processes"], "Processes running, in all.", "{text}");
}
