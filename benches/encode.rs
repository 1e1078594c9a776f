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
//! - `exporter_unchecked`: the same, with the duplicate-series check (Go's "collected
//!   before with the same name and label values", on by default) turned off for the
//!   scrape with `MetricEncoder::check_duplicate_series(false)`; a `Vec` of series is
//!   hashed series by series when it is on.
//! - `exporter_live`: the live-instrument path, a `Family<[String; 1], Counter>` registered
//!   as a `Metric` (Go's `NewCounterVec`), gathered the same way.
//! - `prometheus`: `IntCounterVec` in a `Registry`, `gather()` + `TextEncoder` into a reused `Vec<u8>`.
//! - `prometheus_client`: `Family<Vec<(String, String)>, Counter>`, `encode` into a reused `String`.
//! - `measured`: `CounterVec` over a `ParaCord` label set (its own benchmarks' choice for
//!   dynamic string labels), `collect_group_into` a reused `BufferedTextEncoder`.
//!
//! Wall-clock numbers on a shared machine are noisy, so the same scrapes can also be
//! counted in instructions, which do not depend on the machine's load:
//! `BENCH_PROFILE=<crate>/<N>` runs that one case five times, outside criterion, for
//! `valgrind --tool=callgrind --toggle-collect='*encode::scrape*'` (see
//! `scripts/bench_callgrind.sh`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use exporter_benches::report;
use exporter_core::metric::{Counter, Family, Metric};
use exporter_core::{Collector, Desc, Format, Gatherer, MetricEncoder, MetricType, Registry};
use measured::text::BufferedTextEncoder;
use measured::{LabelGroup, MetricGroup};
use prometheus::Encoder as _;

const GROUP: &str = "encode_text";
const SIZES: [(&str, u64); 3] = [("1000", 1_000), ("10000", 10_000), ("100000", 100_000)];
const LIVE: &str = "exporter_live";
const UNCHECKED: &str = "exporter_unchecked";
const CRATES: [&str; 6] = [
    report::OURS,
    UNCHECKED,
    LIVE,
    "prometheus",
    "prometheus_client",
    "measured",
];

/// One prepared scrape: encodes the family and, when asked, hands back a copy of the
/// output (only to check it; the copy is not part of what is timed).
type Scrape = Box<dyn FnMut(bool) -> Option<Vec<u8>>>;

/// The snapshot an exporter fills at scrape time: one counter family with N series.
#[derive(Collector)]
struct Snapshot {
    /// Requests handled, by kind.
    #[metric(counter, labels(kind))]
    requests_total: Vec<([String; 1], u64)>,
}

/// Gathers `registry` the way the HTTP handler does, into a reused buffer.
fn gather_scrape(registry: Registry, check_duplicates: bool) -> Scrape {
    let mut out = Vec::new();
    Box::new(move |copy| {
        let mut encoder = MetricEncoder::new(Format::Text);
        encoder.check_duplicate_series(check_duplicates);
        let errors = registry.gather_into(&mut encoder);
        assert!(errors.is_empty(), "gather errors: {errors:?}");
        out.clear();
        encoder.finish_into(&mut out);
        copy.then(|| out.clone())
    })
}

fn ours(n: u64, check_duplicates: bool) -> Scrape {
    let registry = Registry::new();
    let snapshot = Snapshot {
        requests_total: (0..n).map(|i| ([i.to_string()], i)).collect(),
    };
    registry.register(snapshot).expect("register the snapshot");
    gather_scrape(registry, check_duplicates)
}

fn ours_live(n: u64) -> Scrape {
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
    gather_scrape(registry, true)
}

fn prometheus(n: u64) -> Scrape {
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
    Box::new(move |copy| {
        out.clear();
        prometheus::TextEncoder::new()
            .encode(&registry.gather(), &mut out)
            .expect("encode");
        copy.then(|| out.clone())
    })
}

fn prometheus_client(n: u64) -> Scrape {
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
    Box::new(move |copy| {
        out.clear();
        prometheus_client::encoding::text::encode(&mut out, &registry).expect("encode");
        copy.then(|| out.clone().into_bytes())
    })
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

fn measured(n: u64) -> Scrape {
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
    Box::new(move |copy| {
        metrics.collect_group_into(&mut encoder).expect("encode");
        let bytes = encoder.finish();
        copy.then(|| bytes.to_vec())
    })
}

fn setup(krate: &str, n: u64) -> Scrape {
    match krate {
        report::OURS => ours(n, true),
        UNCHECKED => ours(n, false),
        LIVE => ours_live(n),
        "prometheus" => prometheus(n),
        "prometheus_client" => prometheus_client(n),
        "measured" => measured(n),
        other => panic!("unknown crate {other}; one of {CRATES:?}"),
    }
}

/// The timed unit, kept out of line so callgrind can count exactly it.
#[inline(never)]
fn scrape(f: &mut Scrape) {
    black_box(f(false));
}

/// Guards the comparison: every crate must write the same N series.
fn check_output(who: &str, f: &mut Scrape, n: u64) {
    let out = f(true).unwrap_or_default();
    let lines = out
        .split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"requests_total{kind=\""))
        .count() as u64;
    assert_eq!(lines, n, "{who} wrote {lines} series, expected {n}");
}

fn main() {
    if let Ok(case) = std::env::var("BENCH_PROFILE") {
        let (krate, n) = case
            .split_once('/')
            .and_then(|(k, n)| Some((k.to_owned(), n.parse::<u64>().ok()?)))
            .expect("BENCH_PROFILE=<crate>/<series>");
        let mut f = setup(&krate, n);
        check_output(&krate, &mut f, n);
        // `BENCH_SCRAPES=<k>` runs k scrapes instead and prints the mean
        // time per series: a quick wall-clock check without criterion.
        let scrapes = std::env::var("BENCH_SCRAPES")
            .ok()
            .and_then(|k| k.parse::<u32>().ok());
        let started = std::time::Instant::now();
        for _ in 0..scrapes.unwrap_or(5) {
            scrape(&mut f);
        }
        if let Some(k) = scrapes {
            let per_series = started.elapsed().as_secs_f64() * 1e9 / f64::from(k) / n as f64;
            eprintln!("{krate}/{n}: {per_series:.1} ns per series over {k} scrapes");
        }
        return;
    }
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
            for krate in CRATES {
                let mut f = setup(krate, n);
                check_output(krate, &mut f, n);
                group.bench_with_input(BenchmarkId::new(krate, id), &n, |b, _| {
                    b.iter(|| scrape(&mut f));
                });
            }
        }
        group.finish();
    }
    c.final_summary();
    report::print_table(GROUP, &CRATES, &SIZES, "series");
}
