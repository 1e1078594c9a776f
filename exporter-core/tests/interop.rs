//! Interop with the `prometheus` crate, both ways; output judged with
//! `prometheus-parse`. Needs the `prometheus` feature, which the workspace
//! root's dev-dependency turns on for `cargo test --workspace`.
// Values are compared exactly: they are small integers or round-trip exactly.
#![allow(clippy::float_cmp)]
#![cfg(feature = "prometheus")]

// The tests decode protobuf with the crate's own copy of client_model's messages
// (crate-private in the library).
#[allow(dead_code, unreachable_pub)]
#[path = "../src/encoding/proto.rs"]
mod client_model;

use std::collections::HashMap;
use std::sync::Arc;

use exporter_core::interop::prometheus::{PrometheusCollector, PrometheusRegistry};
use exporter_core::metric::{Counter, Family, Gauge, Histogram, Summary};
use exporter_core::registry::Gatherers;
use exporter_core::{
    CollectError, Collector, Desc, Format, Gatherer, MetricEncoder, MetricType, Registry,
};
use prometheus::core::Collector as _;
use prometheus::proto;
use prometheus_parse::{Sample, Scrape, Value};

/// `auth "v2"` + newline as it appears escaped on the wire: prometheus-parse
/// hands label values back without unescaping them.
const AUTH_ESCAPED: &str = r#"auth \"v2\"\n"#;

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses")
}

fn find<'a>(s: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> &'a Sample {
    s.samples
        .iter()
        .find(|x| {
            x.metric == metric
                && x.labels.len() == labels.len()
                && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no {metric} {labels:?} in {:#?}", s.samples))
}

/// A `prometheus` collector with a summary, which that crate has no instrument for.
struct RpcSummary {
    desc: prometheus::core::Desc,
}

impl prometheus::core::Collector for RpcSummary {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        vec![&self.desc]
    }
    fn collect(&self) -> Vec<proto::MetricFamily> {
        let mut q = proto::Quantile::default();
        q.set_quantile(0.9);
        q.set_value(0.25);
        let mut s = proto::Summary::default();
        s.set_quantile(vec![q]);
        s.set_sample_count(10);
        s.set_sample_sum(1.5);
        let mut label = proto::LabelPair::default();
        label.set_name("service".into());
        label.set_value("auth \"v2\"\n".into());
        let mut m = proto::Metric::default();
        m.set_label(vec![label]);
        m.set_summary(s);
        let mut mf = proto::MetricFamily::default();
        mf.set_name("rpc_seconds".into());
        mf.set_help("RPC latency.".into());
        mf.set_field_type(proto::MetricType::SUMMARY);
        mf.set_metric(vec![m]);
        vec![mf]
    }
}

fn their_registry() -> prometheus::Registry {
    let reg = prometheus::Registry::new();
    let jobs = prometheus::IntCounterVec::new(
        prometheus::Opts::new("jobs_total", "Jobs run."),
        &["queue"],
    )
    .unwrap();
    let temp = prometheus::Gauge::with_opts(
        prometheus::Opts::new("temp_celsius", "Temperature.").const_label("room", "lab"),
    )
    .unwrap();
    let lat = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("latency_seconds", "Latency.").buckets(vec![0.1, 1.0]),
        &["path"],
    )
    .unwrap();
    reg.register(Box::new(jobs.clone())).unwrap();
    reg.register(Box::new(temp.clone())).unwrap();
    reg.register(Box::new(lat.clone())).unwrap();
    reg.register(Box::new(RpcSummary {
        desc: prometheus::core::Desc::new(
            "rpc_seconds".into(),
            "RPC latency.".into(),
            vec!["service".into()],
            HashMap::new(),
        )
        .unwrap(),
    }))
    .unwrap();
    jobs.with_label_values(&["mail"]).inc_by(3);
    jobs.with_label_values(&["print"]).inc();
    temp.set(-1.5);
    for v in [0.05, 0.5, 5.0] {
        lat.with_label_values(&["/"]).observe(v);
    }
    reg
}

#[test]
fn a_prometheus_registry_is_served_with_every_type() {
    let ours = Registry::new();
    let own = Arc::new(
        exporter_core::metric::Metric::new(
            Desc::new("own_total", "Ours.", MetricType::Counter, [] as [&str; 0]).unwrap(),
            Counter::<u64>::new(),
        )
        .unwrap(),
    );
    own.inc();
    ours.register_arc(own).unwrap();
    ours.register(PrometheusRegistry::new(their_registry()))
        .unwrap();
    let (body, errors) = ours.gather(Format::Text);
    assert!(errors.is_empty(), "{errors:?}");
    let text = String::from_utf8(body).unwrap();
    let s = parse(&text);

    assert!(matches!(find(&s, "own_total", &[]).value, Value::Counter(v) if v == 1.0));
    assert!(
        matches!(find(&s, "jobs_total", &[("queue", "mail")]).value, Value::Counter(v) if v == 3.0)
    );
    assert!(
        matches!(find(&s, "jobs_total", &[("queue", "print")]).value, Value::Counter(v) if v == 1.0)
    );
    assert!(
        matches!(find(&s, "temp_celsius", &[("room", "lab")]).value, Value::Gauge(v) if v == -1.5)
    );
    let Value::Histogram(buckets) = &find(&s, "latency_seconds", &[("path", "/")]).value else {
        panic!()
    };
    let got: Vec<(f64, f64)> = buckets.iter().map(|b| (b.less_than, b.count)).collect();
    assert_eq!(got, [(0.1, 1.0), (1.0, 2.0), (f64::INFINITY, 3.0)]);
    assert!(
        matches!(find(&s, "latency_seconds_count", &[("path", "/")]).value, Value::Untyped(v) if v == 3.0)
    );
    let Value::Summary(qs) = &find(&s, "rpc_seconds", &[("service", AUTH_ESCAPED)]).value else {
        panic!()
    };
    assert_eq!((qs[0].quantile, qs[0].count), (0.9, 0.25));
    assert!(
        matches!(find(&s, "rpc_seconds_sum", &[("service", AUTH_ESCAPED)]).value, Value::Untyped(v) if v == 1.5)
    );
    assert_eq!(s.docs["jobs_total"], "Jobs run.");
    assert!(text.contains("# TYPE latency_seconds histogram\n"));
    assert!(text.contains("# TYPE rpc_seconds summary\n"));
}

#[test]
fn a_prometheus_registry_merges_in_gatherers_and_a_collector_alone() {
    let ours = Arc::new(Registry::new());
    let all = Gatherers::new()
        .with(ours)
        .with(Arc::new(PrometheusRegistry::new(their_registry())));
    let mut enc = MetricEncoder::new(Format::Text);
    let errors = all.gather_into(&mut enc);
    assert!(errors.is_empty(), "{errors:?}");
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    let s = parse(&String::from_utf8(out).unwrap());
    assert!(
        matches!(find(&s, "jobs_total", &[("queue", "mail")]).value, Value::Counter(v) if v == 3.0)
    );

    let g = prometheus::IntGauge::new("alone", "Alone.").unwrap();
    g.set(7);
    let r = Registry::new();
    r.register(PrometheusCollector::new(g)).unwrap();
    assert_eq!(
        r.gather_text(),
        "# HELP alone Alone.\n# TYPE alone gauge\nalone 7\n"
    );
}

#[test]
fn an_inconsistent_prometheus_family_is_reported_by_name() {
    struct Mixed;
    impl prometheus::core::Collector for Mixed {
        fn desc(&self) -> Vec<&prometheus::core::Desc> {
            Vec::new()
        }
        fn collect(&self) -> Vec<proto::MetricFamily> {
            let metric = |label: &str| {
                let mut p = proto::LabelPair::default();
                p.set_name(label.into());
                p.set_value("x".into());
                let mut g = proto::Gauge::default();
                g.set_value(1.0);
                let mut m = proto::Metric::default();
                m.set_label(vec![p]);
                m.set_gauge(g);
                m
            };
            let mut mf = proto::MetricFamily::default();
            mf.set_name("mixed".into());
            mf.set_help("h".into());
            mf.set_field_type(proto::MetricType::GAUGE);
            mf.set_metric(vec![metric("a"), metric("b")]);
            vec![mf]
        }
    }
    let r = Registry::new();
    r.register(PrometheusCollector::new(Mixed)).unwrap();
    let (body, errors) = r.gather(Format::Text);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].collector.ends_with("Mixed"),
        "{}",
        errors[0].collector
    );
    assert!(matches!(errors[0].error, CollectError::Inconsistent { .. }));
    assert!(body.is_empty());
}

/// A collector of this crate's instruments, given a `prometheus::core::Collector`
/// impl by the macro the derive invokes.
struct Service {
    descs: [Desc; 4],
    requests: Family<[String; 1], Counter>,
    up: Gauge<i64>,
    latency: Histogram,
    sizes: Summary,
}

impl Collector for Service {
    fn describe(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }
    fn collect(&self, enc: &mut MetricEncoder) -> Result<(), CollectError> {
        use exporter_core::__private::CollectField;
        self.requests
            .collect_field(&mut enc.family(&self.descs[0])?)?;
        self.up.collect_field(&mut enc.family(&self.descs[1])?)?;
        self.latency
            .collect_field(&mut enc.family(&self.descs[2])?)?;
        self.sizes.collect_field(&mut enc.family(&self.descs[3])?)
    }
}

exporter_core::__impl_prometheus_collector!([] [Service] []);

#[test]
fn our_collector_registers_in_a_prometheus_registry() {
    let d = |name: &str, t, labels: &[&str]| {
        Desc::builder(name, t)
            .help(format!("Help \\ for\n{name}."))
            .labels(labels.iter().copied())
            .const_label("app", "svc")
            .build()
            .unwrap()
    };
    let svc = Service {
        descs: [
            d("requests_total", MetricType::Counter, &["code"]),
            d("up", MetricType::Gauge, &[]),
            d("latency_seconds", MetricType::Histogram, &[]),
            d("size_bytes", MetricType::Summary, &[]),
        ],
        requests: Family::default(),
        up: Gauge::new(),
        latency: Histogram::with_buckets([0.5]).unwrap(),
        sizes: Summary::builder().objective(0.5, 0.05).build().unwrap(),
    };
    svc.requests.with(&["200"], |c| c.inc_by(5));
    svc.requests.with(&["a \"quoted\" \\ value"], Counter::inc);
    svc.up.set(1);
    svc.latency.observe(0.2);
    svc.latency.observe(0.7);
    svc.sizes.observe(100.0);
    assert_eq!(svc.desc().len(), 4);
    assert_eq!(svc.desc()[0].fq_name, "requests_total");

    let reg = prometheus::Registry::new();
    reg.register(Box::new(svc)).unwrap();
    let mut out = Vec::new();
    prometheus::Encoder::encode(&prometheus::TextEncoder::new(), &reg.gather(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let s = parse(&text);
    assert!(
        matches!(find(&s, "requests_total", &[("app", "svc"), ("code", "200")]).value, Value::Counter(v) if v == 5.0)
    );
    assert!(matches!(
        find(&s, "requests_total", &[("app", "svc"), ("code", r#"a \"quoted\" \\ value"#)]).value,
        Value::Counter(v) if v == 1.0
    ));
    assert!(matches!(find(&s, "up", &[("app", "svc")]).value, Value::Gauge(v) if v == 1.0));
    let Value::Histogram(b) = &find(&s, "latency_seconds", &[("app", "svc")]).value else {
        panic!("{text}")
    };
    assert_eq!(
        b.iter().map(|b| (b.less_than, b.count)).collect::<Vec<_>>(),
        [(0.5, 1.0), (f64::INFINITY, 2.0)]
    );
    let Value::Summary(q) = &find(&s, "size_bytes", &[("app", "svc")]).value else {
        panic!("{text}")
    };
    assert_eq!((q[0].quantile, q[0].count), (0.5, 100.0));
    // prometheus-parse keeps help raw; prometheus's encoder escapes it like ours.
    assert_eq!(s.docs["up"], "Help \\\\ for\\nup.");
}

#[test]
fn a_prometheus_registry_comes_out_in_openmetrics_and_protobuf() {
    use client_model::{MetricFamily, ProtoMetricType};
    use openmetrics_parser::{openmetrics::parse_openmetrics, OpenMetricsType, OpenMetricsValue};
    use prost::Message;

    let ours = Registry::new();
    ours.register(PrometheusRegistry::new(their_registry()))
        .unwrap();

    let (om, errors) = ours.gather(Format::OpenMetrics);
    assert!(errors.is_empty(), "{errors:?}");
    let om = String::from_utf8(om).unwrap();
    let exp = parse_openmetrics(&om).unwrap_or_else(|e| panic!("{e:?}\n{om}"));
    let types: Vec<(&str, OpenMetricsType)> = exp
        .families
        .iter()
        .map(|(n, f)| (n.as_str(), f.family_type))
        .collect();
    for expected in [
        ("jobs", OpenMetricsType::Counter),
        ("temp_celsius", OpenMetricsType::Gauge),
        ("latency_seconds", OpenMetricsType::Histogram),
        ("rpc_seconds", OpenMetricsType::Summary),
    ] {
        assert!(types.contains(&expected), "{expected:?} not in {types:?}");
    }
    let mail = exp.families["jobs"]
        .iter_samples()
        .find(|s| {
            s.get_labelset()
                .unwrap()
                .iter()
                .any(|(k, v)| k == "queue" && v == "mail")
        })
        .expect("jobs{queue=mail}");
    let OpenMetricsValue::Counter(c) = &mail.value else {
        panic!("{:?}", mail.value)
    };
    assert_eq!(c.value.as_f64(), 3.0);

    let (pb, errors) = ours.gather(Format::Protobuf);
    assert!(errors.is_empty(), "{errors:?}");
    let mut buf = pb.as_slice();
    let mut got = Vec::new();
    while !buf.is_empty() {
        let f = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        let t = ProtoMetricType::try_from(f.r#type.unwrap()).unwrap();
        got.push((f.name.clone().unwrap(), t, f.metric.len()));
    }
    assert_eq!(
        got,
        [
            ("jobs_total".to_owned(), ProtoMetricType::Counter, 2),
            ("latency_seconds".to_owned(), ProtoMetricType::Histogram, 1),
            ("rpc_seconds".to_owned(), ProtoMetricType::Summary, 1),
            ("temp_celsius".to_owned(), ProtoMetricType::Gauge, 1),
        ]
    );
}
