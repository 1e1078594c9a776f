//! Instrument structs: `#[collector(new)]` builds every field from its
//! attributes (buckets included), and the live values are collected, encoded
//! and parsed back with `prometheus-parse`.
//!
//! The instruments here are a small test double of the `Instrument` contract
//! (`__private::{Instrument, InstrumentOpts}`), wired in with
//! `#[collector(crate = "...")]`, the way a re-exporting crate would.
// Values are compared exactly: they must survive encoding and parsing bit for bit.
#![allow(clippy::float_cmp)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use exporter_core::__private::{CollectField, FamilyEncoder, HistogramValue, MetricType};
use exporter_core::{CollectError, Collector, Registry};

/// A crate path that adds the instrument double to the derive's support module.
mod runtime {
    pub mod __private {
        pub use crate::double::{Instrument, InstrumentOpts};
        pub use exporter_core::__private::*;
    }
}

mod double {
    #[derive(Debug, Default, Clone, Copy)]
    pub struct InstrumentOpts<'a> {
        pub buckets: Option<&'a [f64]>,
        pub objectives: Option<&'a [(f64, f64)]>,
        pub max_age: Option<std::time::Duration>,
    }

    pub trait Instrument: Sized {
        fn from_opts(opts: &InstrumentOpts<'_>) -> Self;
    }
}

use double::{Instrument, InstrumentOpts};

#[derive(Debug, Default)]
struct Counter(AtomicU64);

impl Instrument for Counter {
    fn from_opts(_: &InstrumentOpts<'_>) -> Self {
        Counter::default()
    }
}

impl CollectField for Counter {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Counter);
    const LABELS: Option<usize> = Some(0);

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        family.sample(&(), self.0.load(Ordering::Relaxed))
    }
}

#[derive(Debug)]
struct Histogram {
    bounds: Vec<f64>,
    state: Mutex<(Vec<u64>, f64, u64)>,
}

impl Histogram {
    fn observe(&self, v: f64) {
        let mut state = self.state.lock().unwrap();
        for (i, b) in self.bounds.iter().enumerate() {
            if v <= *b {
                state.0[i] += 1;
            }
        }
        state.1 += v;
        state.2 += 1;
    }
}

impl Instrument for Histogram {
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self {
        let bounds = opts.buckets.unwrap_or(&[1.0]).to_vec();
        let state = Mutex::new((vec![0; bounds.len()], 0.0, 0));
        Histogram { bounds, state }
    }
}

impl CollectField for Histogram {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Histogram);
    const LABELS: Option<usize> = Some(0);

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        let state = self.state.lock().unwrap();
        let buckets: Vec<(f64, u64)> = self
            .bounds
            .iter()
            .copied()
            .zip(state.0.iter().copied())
            .collect();
        family.histogram(
            &(),
            &HistogramValue {
                buckets: &buckets,
                sum: state.1,
                count: state.2,
            },
        )
    }
}

/// A summary double: keeps its objectives and window, reports them as quantiles.
#[derive(Debug)]
struct Summary {
    objectives: Vec<(f64, f64)>,
    max_age: Option<std::time::Duration>,
}

impl Instrument for Summary {
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self {
        Summary {
            objectives: opts.objectives.unwrap_or(&[]).to_vec(),
            max_age: opts.max_age,
        }
    }
}

impl CollectField for Summary {
    const METRIC_TYPE: Option<MetricType> = Some(MetricType::Summary);
    const LABELS: Option<usize> = Some(0);

    fn collect_field(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        let quantiles: Vec<(f64, f64)> = self.objectives.iter().map(|&(q, _)| (q, 0.0)).collect();
        family.summary(
            &(),
            &exporter_core::__private::SummaryValue {
                quantiles: &quantiles,
                sum: 0.0,
                count: 0,
            },
        )
    }
}

#[derive(Collector)]
#[collector(crate = "runtime", namespace = "db", new)]
struct Pool {
    /// Connections opened.
    opened_total: Counter,
}

#[derive(Collector)]
#[collector(crate = "runtime", namespace = "http", new)]
struct HttpMetrics {
    /// Requests served.
    requests_total: Counter,
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

fn value(s: &prometheus_parse::Sample) -> f64 {
    match s.value {
        prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
        _ => panic!("not a counter: {s:?}"),
    }
}

#[test]
fn constructor_builds_instruments_from_attributes() {
    let metrics = HttpMetrics::default();
    assert_eq!(metrics.request_duration_seconds.bounds, [0.1, 0.5, 1.0]);
    assert!(!metrics.started);
    assert_eq!(
        metrics.response_size_bytes.objectives,
        [(0.5, 0.05), (0.99, 0.001)]
    );
    assert_eq!(
        metrics.response_size_bytes.max_age,
        Some(std::time::Duration::from_secs(90))
    );
    metrics.requests_total.0.fetch_add(3, Ordering::Relaxed);
    metrics.pool.opened_total.0.fetch_add(2, Ordering::Relaxed);
    metrics.request_duration_seconds.observe(0.3);
    metrics.request_duration_seconds.observe(2.0);

    let names: Vec<&str> = metrics.describe().iter().map(|d| d.name()).collect();
    assert_eq!(
        names,
        [
            "http_requests_total",
            "http_request_duration_seconds",
            "http_response_size_bytes",
            "db_opened_total"
        ]
    );

    let registry = Registry::new();
    registry.register(metrics).unwrap();
    let text = registry.gather_text();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let find = |name: &str| scrape.samples.iter().find(|s| s.metric == name).unwrap();
    assert_eq!(value(find("http_requests_total")), 3.0);
    assert_eq!(value(find("db_opened_total")), 2.0);
    assert!(
        text.contains("# TYPE http_requests_total counter\n"),
        "{text}"
    );
    match &find("http_request_duration_seconds").value {
        prometheus_parse::Value::Histogram(buckets) => {
            let got: Vec<(f64, f64)> = buckets.iter().map(|b| (b.less_than, b.count)).collect();
            assert_eq!(
                got,
                [(0.1, 0.0), (0.5, 1.0), (1.0, 1.0), (f64::INFINITY, 2.0)]
            );
        }
        other => panic!("not a histogram: {other:?}"),
    }
    match &find("http_response_size_bytes").value {
        prometheus_parse::Value::Summary(qs) => {
            let got: Vec<f64> = qs.iter().map(|q| q.quantile).collect();
            assert_eq!(got, [0.5, 0.99]);
        }
        other => panic!("not a summary: {other:?}"),
    }
}

#[test]
fn new_equals_default() {
    let a = HttpMetrics::new();
    let b = HttpMetrics::default();
    assert_eq!(
        a.request_duration_seconds.bounds,
        b.request_duration_seconds.bounds
    );
}

/// A generic instrument struct: `new()` requires `C: Instrument`, the impls `C: CollectField`.
#[derive(Collector)]
#[collector(crate = "runtime", new)]
struct Generic<C> {
    /// Events seen.
    #[metric(counter)]
    events_total: C,
}

#[test]
fn generic_instrument_struct() {
    let g = Generic::<Counter>::new();
    g.events_total.0.fetch_add(5, Ordering::Relaxed);
    let registry = Registry::new();
    registry.register(g).unwrap();
    assert!(registry.gather_text().contains("events_total 5\n"));
}
