//! A labelled histogram observation on an existing series (one of 1 000 in the
//! family): this crate's classic histogram (Go's default buckets), its native
//! histogram (factor 1.1, schema 3), and `prometheus-client` 0.25's native
//! histogram with the same factor.
//!
//! Run with: cargo bench -p exporter-benches --bench native
//!
//! Issue 10's target: a native observation costs at most 1.5x a classic one.
//! Observed values cycle through 64 latencies between 1 ms and 1 s, so the
//! buckets exist after the warm-up (an observation of an existing bucket).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};

use exporter_benches::report;

const GROUP: &str = "labelled_observe";
const SERIES: u64 = 1_000;
const HOT: u64 = 517;
const PARAMS: [(&str, u64); 1] = [("1000_series", 1)];
const OURS_CLASSIC: &str = "exporter_classic";
const OURS_NATIVE: &str = "exporter_native";
const CRATES: [&str; 3] = [OURS_CLASSIC, OURS_NATIVE, "prometheus_client_native"];

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn values() -> Vec<f64> {
    (0..64)
        .map(|i| 0.001 * 1000f64.powf(f64::from(i) / 63.0))
        .collect()
}

fn ours(c: &mut Group<'_>, id: &str, proto: exporter_core::metric::Histogram) {
    use exporter_core::metric::{Family, Histogram};

    let family = Family::<[String; 1], Histogram>::new_with(move || proto.empty_like());
    let values = values();
    for i in 0..SERIES {
        for &v in &values {
            family.with(&[i.to_string().as_str()], |h| h.observe(v));
        }
    }
    let hot = HOT.to_string();
    let mut n = 0usize;
    c.bench_function(BenchmarkId::new(id, PARAMS[0].0), |b| {
        b.iter(|| {
            n = (n + 1) & 63;
            family.with(&[black_box(hot.as_str())], |h| h.observe(values[n]));
        });
    });
}

fn prometheus_client_native(c: &mut Group<'_>) {
    use prometheus_client::metrics::family::Family;
    use prometheus_client::metrics::histogram::{Histogram, NativeHistogramConfig};

    let family = Family::<Vec<(String, String)>, Histogram, _>::new_with_constructor(|| {
        Histogram::new_native(NativeHistogramConfig::new(1.1))
    });
    let values = values();
    for i in 0..SERIES {
        let key = vec![("kind".to_owned(), i.to_string())];
        for &v in &values {
            family.get_or_create(&key).observe(v);
        }
    }
    let hot = vec![("kind".to_owned(), HOT.to_string())];
    let mut n = 0usize;
    c.bench_function(
        BenchmarkId::new("prometheus_client_native", PARAMS[0].0),
        |b| {
            b.iter(|| {
                n = (n + 1) & 63;
                family.get_or_create(black_box(&hot)).observe(values[n]);
            });
        },
    );
}

fn main() {
    use exporter_core::metric::Histogram;

    let mut c = Criterion::default()
        .output_directory(&report::output_dir())
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut group = c.benchmark_group(GROUP);
        ours(&mut group, OURS_CLASSIC, Histogram::new());
        let native = Histogram::builder()
            .native(1.1)
            .build()
            .expect("a valid factor");
        ours(&mut group, OURS_NATIVE, native);
        prometheus_client_native(&mut group);
        group.finish();
    }
    c.final_summary();
    report::print_table(GROUP, &CRATES, &PARAMS, "observation");
}
