//! One scrape of a counter family with N series (`kind="<i>"`, value `i`), encoded to
//! text, by this crate and by `prometheus`, `prometheus-client` and `measured`, in one run.
//!
//! Run with: cargo bench -p exporter-benches --bench encode
//!
//! Each crate gets its idiomatic fastest path: a reused output buffer where its API
//! allows one, integer counters everywhere (no float formatting), and labels set up
//! before the measurement. Only the scrape (collect + encode) is timed.
//!
//! - `exporter`: a `#[derive(Collector)]` snapshot struct with a
//!   `Vec<([String; 1], u64)>` counter field, registered in a `Registry`, gathered into a
//!   `MetricEncoder` and finished into a reused `Vec<u8>` (the path the HTTP handler takes).
//! - `exporter_live`: the live-instrument path, a `Family<[String; 1], Counter>` registered
//!   as a `Metric` (Go's `NewCounterVec`), gathered the same way.
//! - `prometheus`: `IntCounterVec` in a `Registry`, `gather()` + `TextEncoder` into a reused `Vec<u8>`.
//! - `prometheus_client`: `Family<Vec<(String, String)>, Counter>`, `encode` into a reused `String`.
//! - `measured`: `CounterVec` over a `ParaCord` label set (its own benchmarks' choice for
//!   dynamic string labels), `collect_group_into` a reused `BufferedTextEncoder`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use exporter_core::metric::{Counter, Family, Metric};
use exporter_core::{Collector, Desc, Format, Gatherer, MetricEncoder, MetricType, Registry};
use measured::text::BufferedTextEncoder;
use measured::{LabelGroup, MetricGroup};
use prometheus::Encoder as _;

use exporter_benches::report;

const GROUP: &str = "encode_text";
const SIZES: [(&str, u64); 3] = [("1000", 1_000), ("10000", 10_000), ("100000", 100_000)];
const LIVE: &str = "exporter_live";
const CRATES: [&str; 5] = [
    report::OURS,
    LIVE,
    "prometheus",
    "prometheus_client",
    "measured",
];

/// The snapshot an exporter fills at scrape time: one counter family with N series.
type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

#[derive(Collector)]
struct Snapshot {
    /// Requests handled, by kind.
    #[metric(counter, labels(kind))]
    requests_total: Vec<([String; 1], u64)>,
}

fn ours(c: &mut Group<'_>, n: u64, id: &str) {
    let registry = Registry::new();
    let snapshot = Snapshot {
        requests_total: (0..n).map(|i| ([i.to_string()], i)).collect(),
    };
    registry.register(snapshot).expect("register the snapshot");
    let mut out = Vec::new();
    c.bench_with_input(BenchmarkId::new(report::OURS, id), &n, |b, _| {
        b.iter(|| {
            let mut encoder = MetricEncoder::new(Format::Text);
            let errors = registry.gather_into(&mut encoder);
            out.clear();
            encoder.finish_into(&mut out);
            black_box((&out, errors));
        });
    });
    check_output("exporter", &out, n);
}

fn ours_live(c: &mut Group<'_>, n: u64, id: &str) {
    let desc = Desc::new(
        "requests_total",
        "Requests handled, by kind.",
        MetricType::Counter,
        ["kind"],
    )
    .expect("valid desc");
    let requests = Arc::new(
        Metric::new(desc, Family::<[String; 1], Counter>::default()).expect("valid metric"),
    );
    let registry = Registry::new();
    registry
        .register_arc(requests.clone())
        .expect("register the family");
    for i in 0..n {
        requests
            .metric()
            .get_or_create(&[i.to_string().as_str()])
            .inc_by(i);
    }
    let mut out = Vec::new();
    c.bench_with_input(BenchmarkId::new(LIVE, id), &n, |b, _| {
        b.iter(|| {
            let mut encoder = MetricEncoder::new(Format::Text);
            let errors = registry.gather_into(&mut encoder);
            out.clear();
            encoder.finish_into(&mut out);
            black_box((&out, errors));
        });
    });
    check_output(LIVE, &out, n);
}

fn prometheus(c: &mut Group<'_>, n: u64, id: &str) {
    let registry = prometheus::Registry::new();
    let counters = prometheus::IntCounterVec::new(
        prometheus::Opts::new("requests_total", "Requests handled, by kind."),
        &["kind"],
    )
    .expect("valid counter vec");
    registry
        .register(Box::new(counters.clone()))
        .expect("register");
    for i in 0..n {
        counters.with_label_values(&[i.to_string()]).inc_by(i);
    }
    let mut out = Vec::new();
    c.bench_with_input(BenchmarkId::new("prometheus", id), &n, |b, _| {
        b.iter(|| {
            out.clear();
            prometheus::TextEncoder::new()
                .encode(&registry.gather(), &mut out)
                .expect("encode");
            black_box(&out);
        });
    });
    check_output("prometheus", &out, n);
}

fn prometheus_client(c: &mut Group<'_>, n: u64, id: &str) {
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;

    let mut registry = prometheus_client::registry::Registry::default();
    let family = Family::<Vec<(String, String)>, Counter>::default();
    // prometheus-client appends `_total` to counter names itself.
    registry.register("requests", "Requests handled, by kind.", family.clone());
    for i in 0..n {
        family
            .get_or_create(&vec![("kind".to_owned(), i.to_string())])
            .inc_by(i);
    }
    let mut out = String::new();
    c.bench_with_input(BenchmarkId::new("prometheus_client", id), &n, |b, _| {
        b.iter(|| {
            out.clear();
            prometheus_client::encoding::text::encode(&mut out, &registry).expect("encode");
            black_box(&out);
        });
    });
    check_output("prometheus_client", out.as_bytes(), n);
}

#[derive(MetricGroup)]
struct MeasuredMetrics {
    /// Requests handled, by kind.
    requests_total: measured::CounterVec<KindSet>,
}

#[derive(Clone, Copy, PartialEq, Debug, LabelGroup)]
#[label(set = KindSet)]
struct Kind<'a> {
    #[label(dynamic_with = paracord::ParaCord)]
    kind: &'a str,
}

fn measured(c: &mut Group<'_>, n: u64, id: &str) {
    let metrics = MeasuredMetrics {
        requests_total: measured::CounterVec::with_label_set(KindSet {
            kind: paracord::ParaCord::default(),
        }),
    };
    for i in 0..n {
        metrics.requests_total.inc_by(
            Kind {
                kind: &i.to_string(),
            },
            i,
        );
    }
    let mut encoder = BufferedTextEncoder::new();
    let mut last = Vec::new();
    c.bench_with_input(BenchmarkId::new("measured", id), &n, |b, _| {
        b.iter(|| {
            metrics.collect_group_into(&mut encoder).expect("encode");
            let bytes = encoder.finish();
            black_box(&bytes);
            last.clear();
            last.extend_from_slice(&bytes);
        });
    });
    check_output("measured", &last, n);
}

/// Guards the comparison: every crate must have written the same N series.
/// (Nothing to check when a filter on the command line skipped that benchmark.)
fn check_output(who: &str, out: &[u8], n: u64) {
    if out.is_empty() {
        return;
    }
    let lines = out
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"requests_total{kind=\""))
        .count() as u64;
    assert_eq!(lines, n, "{who} wrote {lines} series, expected {n}");
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&report::output_dir())
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut group = c.benchmark_group(GROUP);
        for (id, n) in SIZES {
            group.throughput(Throughput::Elements(n));
            ours(&mut group, n, id);
            ours_live(&mut group, n, id);
            prometheus(&mut group, n, id);
            prometheus_client(&mut group, n, id);
            measured(&mut group, n, id);
        }
        group.finish();
    }
    c.final_summary();
    report::print_table(GROUP, &CRATES, &SIZES, "series");
}
