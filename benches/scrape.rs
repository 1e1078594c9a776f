//! The scraper machinery (`exporter_core::scrape`), in one run:
//!
//! - `scrape_wait/<n>`: one scrape of `n` async scrapers that each wait 20 ms (a
//!   query to a slow system): they run at once, so a scrape takes about 20 ms
//!   whatever `n` (in turn it would be `n` x 20 ms).
//! - `scrape_cost/scrapers` vs `scrape_cost/collectors`: 8 scrapers returning
//!   small derived structs (4 series each), no waiting, gathered through the
//!   `ScrapeGatherer` (connect step, concurrent run, reports: 16 more series), against
//!   the same 8 structs registered as plain `collector::from_fn` collectors in a
//!   `Registry` (sync gather, and `gather_async` on the same runtime). The
//!   difference is what the machinery costs per scrape.
//!
//! Run with: cargo bench -p exporter-benches --bench scrape
//!
//! Instructions, which do not depend on the machine's load: `BENCH_PROFILE=<case>`
//! (`scrapers`, `collectors_async`, `collectors`) runs `BENCH_SCRAPES` (1000) scrapes of
//! that case outside criterion, for
//! `valgrind --tool=callgrind '--toggle-collect=*profiled_scrape*'` (see
//! `scripts/bench_scrape_callgrind.sh`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use exporter_benches::report;
use exporter_core::scrape::{scraper, ScrapeContext, ScrapeError, ScrapeGatherer, Scrapers};
use exporter_core::{collector, Collector, Format, Gatherer, MetricEncoder, Registry};

#[derive(Collector)]
struct Waited {
    /// One series per scraper.
    #[metric(gauge, name = "bench_waited", labels(scraper))]
    value: Vec<([String; 1], f64)>,
}

macro_rules! small {
    ($ty:ident, $a:tt, $b:tt, $c:tt, $d:tt) => {
        #[derive(Collector)]
        struct $ty {
            #[doc = "Connections open."]
            #[metric(gauge, name = $a)]
            connections: f64,
            #[doc = "Memory in use."]
            #[metric(gauge, name = $b)]
            memory_bytes: f64,
            #[doc = "Seconds since start."]
            #[metric(gauge, name = $c)]
            uptime_seconds: f64,
            #[doc = "Operations served."]
            #[metric(counter, name = $d)]
            ops_total: u64,
        }

        impl $ty {
            fn new() -> Self {
                $ty {
                    connections: 12.0,
                    memory_bytes: 1_048_576.0,
                    uptime_seconds: 3600.5,
                    ops_total: 123_456,
                }
            }
        }
    };
}

small!(
    S1,
    "s1_connections",
    "s1_memory_bytes",
    "s1_uptime_seconds",
    "s1_ops_total"
);
small!(
    S2,
    "s2_connections",
    "s2_memory_bytes",
    "s2_uptime_seconds",
    "s2_ops_total"
);
small!(
    S3,
    "s3_connections",
    "s3_memory_bytes",
    "s3_uptime_seconds",
    "s3_ops_total"
);
small!(
    S4,
    "s4_connections",
    "s4_memory_bytes",
    "s4_uptime_seconds",
    "s4_ops_total"
);
small!(
    S5,
    "s5_connections",
    "s5_memory_bytes",
    "s5_uptime_seconds",
    "s5_ops_total"
);
small!(
    S6,
    "s6_connections",
    "s6_memory_bytes",
    "s6_uptime_seconds",
    "s6_ops_total"
);
small!(
    S7,
    "s7_connections",
    "s7_memory_bytes",
    "s7_uptime_seconds",
    "s7_ops_total"
);
small!(
    S8,
    "s8_connections",
    "s8_memory_bytes",
    "s8_uptime_seconds",
    "s8_ops_total"
);

fn waiting(n: usize) -> ScrapeGatherer<()> {
    let mut set = Scrapers::new("bench");
    for i in 0..n {
        let name = format!("wait{i}");
        let label = name.clone();
        set = set.with(scraper(name, "Waits 20 ms", move |_: ScrapeContext| {
            let label = label.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, ScrapeError>(Waited {
                    value: vec![([label], 1.0)],
                })
            }
        }));
    }
    set.gatherer(set.default_selection(), ()).unwrap()
}

macro_rules! small_set {
    ($($ty:ident),*) => {{
        let set = Scrapers::new("bench");
        $(
            let set = set.with(scraper(
                stringify!($ty).to_ascii_lowercase(),
                "Small struct",
                |_: ScrapeContext| async { Ok::<_, ScrapeError>($ty::new()) },
            ));
        )*
        let registry = Registry::new();
        $( registry.register(collector::from_fn(|| Ok($ty::new()))).unwrap(); )*
        (set.gatherer(set.default_selection(), ()).unwrap(), registry)
    }};
}

fn gather_async(rt: &tokio::runtime::Runtime, g: &dyn Gatherer, out: &mut Vec<u8>) {
    let mut encoder = MetricEncoder::new(Format::Text);
    let errors = rt.block_on(g.gather_async(&mut encoder, None));
    assert!(errors.is_empty());
    out.clear();
    encoder.finish_into(out);
    black_box(&out);
}

/// One scrape of `case`, kept out of line so callgrind can count it alone.
#[inline(never)]
fn profiled_scrape(
    rt: &tokio::runtime::Runtime,
    case: &str,
    scrapers: &ScrapeGatherer<()>,
    registry: &Registry,
    out: &mut Vec<u8>,
) {
    match case {
        "scrapers" => gather_async(rt, scrapers, out),
        "collectors_async" => gather_async(rt, registry, out),
        _ => gather_sync(registry, out),
    }
}

fn gather_sync(registry: &Registry, out: &mut Vec<u8>) {
    let mut encoder = MetricEncoder::new(Format::Text);
    let errors = registry.gather_into(&mut encoder);
    assert!(errors.is_empty());
    out.clear();
    encoder.finish_into(out);
    black_box(&out);
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    if let Ok(case) = std::env::var("BENCH_PROFILE") {
        let n: usize = std::env::var("BENCH_SCRAPES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        let (scrapers, registry) = small_set!(S1, S2, S3, S4, S5, S6, S7, S8);
        let mut out = Vec::new();
        for _ in 0..n {
            profiled_scrape(&rt, &case, &scrapers, &registry, &mut out);
        }
        return;
    }
    let mut c = Criterion::default()
        .output_directory(&report::output_dir())
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut out = Vec::new();

    let mut group = c.benchmark_group("scrape_wait");
    for n in [1, 8, 32] {
        let g = waiting(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &g, |b, g| {
            b.iter(|| gather_async(&rt, g, &mut out));
        });
    }
    group.finish();

    let (scrapers, registry) = small_set!(S1, S2, S3, S4, S5, S6, S7, S8);
    let mut check = Vec::new();
    gather_async(&rt, &scrapers, &mut check);
    let text = String::from_utf8_lossy(&check);
    assert!(
        text.contains("s8_ops_total 123456")
            && text.contains("bench_scrape_collector_success{collector=\"s8\"} 1")
    );
    let mut group = c.benchmark_group("scrape_cost");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("scrapers", |b| {
        b.iter(|| gather_async(&rt, &scrapers, &mut out));
    });
    group.bench_function("collectors_async", |b| {
        b.iter(|| gather_async(&rt, &registry, &mut out));
    });
    group.bench_function("collectors", |b| {
        b.iter(|| gather_sync(&registry, &mut out));
    });
    group.finish();
    c.final_summary();
}
