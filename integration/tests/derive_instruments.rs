//! Instrument structs: `#[collector(new)]` builds every live instrument of
//! `exporter_core::metric` from its attributes (buckets, objectives, window),
//! and the updated values are collected, encoded and parsed back with
//! `prometheus-parse`.

// Values are compared exactly: they must survive encoding and parsing bit for bit.
#![allow(clippy::float_cmp)]

use exporter_core::metric::{Counter, Family, Gauge, Histogram, Summary};
use exporter_core::{Collector, Registry};

#[derive(Collector)]
#[collector(namespace = "db", new)]
struct Pool {
    /// Connections opened.
    opened_total: Counter,
    /// Connections in use.
    in_use: Gauge,
}

#[derive(Collector)]
#[collector(namespace = "http", new)]
struct HttpMetrics {
    /// Requests served, by method and code.
    #[metric(labels(method, code))]
    requests_total: Family<[String; 2], Counter>,
    /// Request latency.
    #[metric(buckets(0.1, 0.5, 1))]
    request_duration_seconds: Histogram,
    /// Response sizes.
    #[metric(objectives((0.5, 0.05), (0.99, 0.001)), max_age = 90)]
    response_size_bytes: Summary,
    #[metric(flatten)]
    pool: Pool,
    #[metric(skip)]
    started: bool,
}

fn parse(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

fn scalar(s: &prometheus_parse::Sample) -> f64 {
    match s.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => panic!("not a scalar: {s:?}"),
    }
}

#[test]
fn constructor_builds_instruments_from_attributes() {
    let metrics = HttpMetrics::new();
    assert_eq!(metrics.request_duration_seconds.buckets(), [0.1, 0.5, 1.0]);
    assert_eq!(
        metrics.response_size_bytes.objectives(),
        [(0.5, 0.05), (0.99, 0.001)]
    );
    assert!(!metrics.started);

    metrics.requests_total.get_or_create(&["GET", "200"]).inc();
    metrics.requests_total.get_or_create(&["GET", "200"]).inc();
    metrics.requests_total.get_or_create(&["POST", "500"]).inc();
    metrics.request_duration_seconds.observe(0.3);
    metrics.request_duration_seconds.observe(2.0);
    for v in 1..=100 {
        metrics.response_size_bytes.observe(f64::from(v));
    }
    metrics.pool.opened_total.inc_by(2);
    metrics.pool.in_use.set(3.0);

    let names: Vec<&str> = metrics.describe().iter().map(|d| d.name()).collect();
    assert_eq!(
        names,
        [
            "http_requests_total",
            "http_request_duration_seconds",
            "http_response_size_bytes",
            "db_opened_total",
            "db_in_use",
        ]
    );

    let registry = Registry::new();
    registry.register(metrics).unwrap();
    let text = registry.gather_text();
    let scrape = parse(&text);
    let find = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
    };
    assert_eq!(
        scalar(find(
            "http_requests_total",
            &[("method", "GET"), ("code", "200")]
        )),
        2.0
    );
    assert_eq!(
        scalar(find(
            "http_requests_total",
            &[("method", "POST"), ("code", "500")]
        )),
        1.0
    );
    assert_eq!(scalar(find("db_opened_total", &[])), 2.0);
    assert_eq!(scalar(find("db_in_use", &[])), 3.0);
    assert!(
        text.contains("# TYPE http_requests_total counter\n"),
        "{text}"
    );
    match &find("http_request_duration_seconds", &[]).value {
        prometheus_parse::Value::Histogram(buckets) => {
            let got: Vec<(f64, f64)> = buckets.iter().map(|b| (b.less_than, b.count)).collect();
            assert_eq!(
                got,
                [(0.1, 0.0), (0.5, 1.0), (1.0, 1.0), (f64::INFINITY, 2.0)]
            );
        }
        other => panic!("not a histogram: {other:?}"),
    }
    match &find("http_response_size_bytes", &[]).value {
        prometheus_parse::Value::Summary(qs) => {
            let got: Vec<f64> = qs.iter().map(|q| q.quantile).collect();
            assert_eq!(got, [0.5, 0.99]);
            // Within the objectives' error: the median of 1..=100 is about 50.
            let median = qs[0].count;
            assert!((45.0..=56.0).contains(&median), "median {median}");
        }
        other => panic!("not a summary: {other:?}"),
    }
}

#[test]
fn default_is_new() {
    let (a, b) = (HttpMetrics::default(), HttpMetrics::new());
    assert_eq!(
        a.request_duration_seconds.buckets(),
        b.request_duration_seconds.buckets()
    );
    assert_eq!(a.request_duration_seconds.buckets(), [0.1, 0.5, 1.0]);
    assert_eq!(
        a.response_size_bytes.objectives(),
        b.response_size_bytes.objectives()
    );
    assert_eq!(a.response_size_bytes.objectives().len(), 2);
    assert_eq!(a.started, b.started);
    // Fresh and equal: both describe the same families and scrape to the same text.
    let names = |m: &HttpMetrics| -> Vec<String> {
        m.describe().iter().map(|d| d.name().to_owned()).collect()
    };
    assert_eq!(names(&a), names(&b));
    let text = |m: HttpMetrics| {
        let registry = Registry::new();
        registry.register(m).unwrap();
        registry.gather_text()
    };
    assert_eq!(text(a), text(b));
}

/// A generic instrument struct: `new()` requires `C: Instrument`, the impls `C: EncodeFamily`.
#[derive(Collector)]
#[collector(new)]
struct Generic<C> {
    /// Events seen.
    #[metric(counter)]
    events_total: C,
}

#[test]
fn generic_instrument_struct() {
    let g = Generic::<Counter>::new();
    g.events_total.inc_by(5);
    let registry = Registry::new();
    registry.register(g).unwrap();
    assert!(registry.gather_text().contains("events_total 5\n"));
}

/// With the `prometheus` feature, a derived struct also registers in a
/// `prometheus::Registry`, whose own text encoder then serves it.
#[test]
fn registers_in_a_prometheus_registry() {
    let metrics = HttpMetrics::new();
    metrics.requests_total.get_or_create(&["GET", "200"]).inc();
    metrics.request_duration_seconds.observe(0.2);
    let registry = prometheus::Registry::new();
    registry.register(Box::new(metrics)).unwrap();
    let mut out = Vec::new();
    prometheus::Encoder::encode(
        &prometheus::TextEncoder::new(),
        &registry.gather(),
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let scrape = parse(&text);
    let requests = scrape
        .samples
        .iter()
        .find(|s| s.metric == "http_requests_total")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(requests.labels.get("method"), Some("GET"));
    assert!(
        matches!(requests.value, prometheus_parse::Value::Counter(v) if v == 1.0),
        "{text}"
    );
    assert!(
        text.contains("# TYPE http_request_duration_seconds histogram\n"),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{le=\"0.5\"} 1\n"),
        "{text}"
    );
}
