//! A labelled counter increment on an existing series (one of 1 000 in the family),
//! by this crate's `Family<[String; 1], Counter>` and by `prometheus`,
//! `prometheus-client` and `measured`.
//!
//! Run with: cargo bench -p exporter-benches --bench increment
//!
//! Each increment looks the series up by its label value (the cost an instrumented
//! application pays per event), then adds one. Label values are built before the
//! measurement so no crate pays for formatting them.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use measured::LabelGroup;

use exporter_benches::report;

const GROUP: &str = "labelled_increment";
const SERIES: u64 = 1_000;
/// The series every benchmark increments: one in the middle of the family.
const HOT: u64 = 517;
const PARAMS: [(&str, u64); 1] = [("1000_series", 1)];
const CRATES: [&str; 4] = [report::OURS, "prometheus", "prometheus_client", "measured"];

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn ours(c: &mut Group<'_>) {
    use exporter_core::metric::{Counter, Family};

    let family = Family::<[String; 1], Counter>::default();
    for i in 0..SERIES {
        family.get_or_create(&[i.to_string().as_str()]).inc();
    }
    let hot = HOT.to_string();
    // `with` is the documented no-allocation path for an existing series.
    c.bench_function(BenchmarkId::new(report::OURS, PARAMS[0].0), |b| {
        b.iter(|| family.with(&[black_box(hot.as_str())], Counter::inc));
    });
    assert!(family.with(&[hot.as_str()], Counter::get) > 1);
}

fn prometheus(c: &mut Group<'_>) {
    let counters = prometheus::IntCounterVec::new(
        prometheus::Opts::new("requests_total", "Requests handled, by kind."),
        &["kind"],
    )
    .expect("valid counter vec");
    for i in 0..SERIES {
        counters.with_label_values(&[i.to_string()]).inc();
    }
    let hot = HOT.to_string();
    c.bench_function(BenchmarkId::new("prometheus", PARAMS[0].0), |b| {
        b.iter(|| counters.with_label_values(&[black_box(hot.as_str())]).inc());
    });
    assert!(counters.with_label_values(&[hot.as_str()]).get() > 1);
}

fn prometheus_client(c: &mut Group<'_>) {
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;

    let family = Family::<Vec<(String, String)>, Counter>::default();
    for i in 0..SERIES {
        family
            .get_or_create(&vec![("kind".to_owned(), i.to_string())])
            .inc();
    }
    let hot = vec![("kind".to_owned(), HOT.to_string())];
    c.bench_function(BenchmarkId::new("prometheus_client", PARAMS[0].0), |b| {
        b.iter(|| family.get_or_create(black_box(&hot)).inc());
    });
    assert!(family.get_or_create(&hot).get() > 1);
}

#[derive(Clone, Copy, PartialEq, Debug, LabelGroup)]
#[label(set = KindSet)]
struct Kind<'a> {
    #[label(dynamic_with = paracord::ParaCord)]
    kind: &'a str,
}

fn measured(c: &mut Group<'_>) {
    let counters = measured::CounterVec::with_label_set(KindSet {
        kind: paracord::ParaCord::default(),
    });
    for i in 0..SERIES {
        counters.inc(Kind {
            kind: &i.to_string(),
        });
    }
    let hot = HOT.to_string();
    c.bench_function(BenchmarkId::new("measured", PARAMS[0].0), |b| {
        b.iter(|| {
            counters.inc(Kind {
                kind: black_box(hot.as_str()),
            });
        });
    });
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&report::output_dir())
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut group = c.benchmark_group(GROUP);
        ours(&mut group);
        prometheus(&mut group);
        prometheus_client(&mut group);
        measured(&mut group);
        group.finish();
    }
    c.final_summary();
    report::print_table(GROUP, &CRATES, &PARAMS, "increment");
}
