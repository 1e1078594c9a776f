//! Live instruments, registered through `metric::Metric` and scraped as text,
//! judged by a third-party parser (`prometheus-parse`).
// Values are compared exactly: they are small integers or round-trip exactly.
#![allow(clippy::float_cmp)]

use std::sync::Arc;
use std::thread;

use exporter_core::metric::{
    Counter, CounterError, Family, Gauge, Histogram, Metric, MetricError, Summary,
};
use exporter_core::{Desc, MetricType, Registry};
use prometheus_parse::{Sample, Scrape, Value};

fn scrape(registry: &Registry) -> Scrape {
    let text = registry.gather_text();
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses")
}

fn desc(name: &str, t: MetricType, labels: &[&str]) -> Desc {
    Desc::new(name, format!("Help for {name}."), t, labels.iter().copied()).unwrap()
}

fn find<'a>(s: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    s.samples.iter().find(|x| {
        x.metric == metric
            && x.labels.len() == labels.len()
            && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v))
    })
}

fn scalar(s: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match find(s, metric, labels).map(|x| &x.value) {
        Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
        other => panic!("{metric} {labels:?}: {other:?}"),
    }
}

#[test]
fn counter_and_gauge_families_scrape_with_their_labels() {
    let registry = Registry::new();
    let requests = Arc::new(
        Metric::new(
            desc("requests_total", MetricType::Counter, &["method", "code"]),
            Family::<[String; 2], Counter>::default(),
        )
        .unwrap(),
    );
    let temperature = Arc::new(
        Metric::new(
            desc("temperature_celsius", MetricType::Gauge, &[]),
            Gauge::<f64>::new(),
        )
        .unwrap(),
    );
    let queue = Arc::new(
        Metric::new(
            desc("queue_length", MetricType::Gauge, &["queue"]),
            Family::<(String,), Gauge<i64>>::default(),
        )
        .unwrap(),
    );
    registry.register_arc(requests.clone()).unwrap();
    registry.register_arc(temperature.clone()).unwrap();
    registry.register_arc(queue.clone()).unwrap();

    requests.get_or_create(&["GET", "200"]).inc_by(3);
    requests.with(&["POST", "500"], Counter::inc);
    requests.with(&["GET", "200"], Counter::inc);
    temperature.set(-3.25);
    queue.with(&("mail",), |g| g.add(5));
    queue.with(&("mail",), Gauge::dec);
    queue.with(&("print",), |g| g.sub(2));

    let s = scrape(&registry);
    assert_eq!(
        scalar(&s, "requests_total", &[("method", "GET"), ("code", "200")]),
        4.0
    );
    assert_eq!(
        scalar(&s, "requests_total", &[("method", "POST"), ("code", "500")]),
        1.0
    );
    assert_eq!(scalar(&s, "temperature_celsius", &[]), -3.25);
    assert_eq!(scalar(&s, "queue_length", &[("queue", "mail")]), 4.0);
    assert_eq!(scalar(&s, "queue_length", &[("queue", "print")]), -2.0);
    assert!(matches!(
        find(&s, "requests_total", &[("method", "GET"), ("code", "200")]).map(|x| &x.value),
        Some(Value::Counter(_))
    ));
    assert_eq!(s.docs["requests_total"], "Help for requests_total.");
}

#[test]
fn float_counter_refuses_to_go_down() {
    let c: Counter<f64> = Counter::new();
    c.inc_by(1.5).unwrap();
    assert_eq!(c.inc_by(-0.5), Err(CounterError::Negative(-0.5)));
    assert_eq!(c.inc_by(f64::NAN), Err(CounterError::NaN));
    c.inc();
    assert_eq!(c.get(), 2.5);
}

#[test]
fn family_remove_and_clear_drop_series_from_the_scrape() {
    let registry = Registry::new();
    let fam = Arc::new(
        Metric::new(
            desc("jobs_total", MetricType::Counter, &["job"]),
            Family::<[String; 1], Counter>::default(),
        )
        .unwrap(),
    );
    registry.register_arc(fam.clone()).unwrap();
    for job in ["a", "b", "c", "d"] {
        fam.get_or_create(&[job]).inc();
    }
    let kept = fam.get_or_create(&["b"]);
    assert!(fam.remove(&["b"]));
    assert!(!fam.remove(&["b"]));
    // The handle still works but is not reported; the moved series is still found.
    kept.inc();
    fam.with(&["d"], Counter::inc);
    let s = scrape(&registry);
    assert!(find(&s, "jobs_total", &[("job", "b")]).is_none());
    assert_eq!(scalar(&s, "jobs_total", &[("job", "d")]), 2.0);
    assert_eq!(scalar(&s, "jobs_total", &[("job", "a")]), 1.0);
    assert_eq!(fam.len(), 3);

    // Recreated after removal: a fresh series from zero.
    fam.with(&["b"], Counter::inc);
    assert_eq!(
        scalar(&scrape(&registry), "jobs_total", &[("job", "b")]),
        1.0
    );

    fam.clear();
    assert!(fam.is_empty());
    assert!(scrape(&registry).samples.is_empty());
    assert!(!registry.gather_text().contains("jobs_total"));
}

#[test]
fn histogram_buckets_are_cumulative_with_inf_sum_and_count() {
    let registry = Registry::new();
    let latency = Arc::new(
        Metric::new(
            desc("latency_seconds", MetricType::Histogram, &["path"]),
            Family::<[String; 1], Histogram>::new_with(|| {
                Histogram::with_buckets([0.1, 0.5, 1.0]).unwrap()
            }),
        )
        .unwrap(),
    );
    registry.register_arc(latency.clone()).unwrap();
    for v in [0.05, 0.1, 0.2, 0.7, 0.9, 3.0] {
        latency.with(&["/"], |h| h.observe(v));
    }
    let s = scrape(&registry);
    let Some(Value::Histogram(buckets)) =
        find(&s, "latency_seconds", &[("path", "/")]).map(|x| &x.value)
    else {
        panic!("no histogram in {:?}", s.samples);
    };
    let got: Vec<(f64, f64)> = buckets.iter().map(|b| (b.less_than, b.count)).collect();
    assert_eq!(
        got,
        [(0.1, 2.0), (0.5, 3.0), (1.0, 5.0), (f64::INFINITY, 6.0)]
    );
    assert_eq!(scalar(&s, "latency_seconds_count", &[("path", "/")]), 6.0);
    let sum = scalar(&s, "latency_seconds_sum", &[("path", "/")]);
    assert!((sum - 4.95).abs() < 1e-9, "{sum}");
}

#[test]
fn default_histogram_uses_go_buckets() {
    let registry = Registry::new();
    let h = Arc::new(Metric::new(desc("h", MetricType::Histogram, &[]), Histogram::new()).unwrap());
    registry.register_arc(h.clone()).unwrap();
    h.observe(0.3);
    let s = scrape(&registry);
    let Some(Value::Histogram(buckets)) = find(&s, "h", &[]).map(|x| &x.value) else {
        panic!("no histogram");
    };
    let bounds: Vec<f64> = buckets.iter().map(|b| b.less_than).collect();
    assert_eq!(
        bounds,
        [
            0.005,
            0.01,
            0.025,
            0.05,
            0.1,
            0.25,
            0.5,
            1.0,
            2.5,
            5.0,
            10.0,
            f64::INFINITY
        ]
    );
}

#[test]
fn summary_quantiles_meet_their_objectives_through_the_scrape() {
    let registry = Registry::new();
    let objectives = [(0.5, 0.05), (0.9, 0.01), (0.99, 0.001)];
    let summary = Arc::new(
        Metric::new(
            desc("rpc_seconds", MetricType::Summary, &[]),
            objectives
                .iter()
                .fold(Summary::builder(), |b, &(q, e)| b.objective(q, e))
                .build()
                .unwrap(),
        )
        .unwrap(),
    );
    registry.register_arc(summary.clone()).unwrap();
    // 0..10_000 in a scrambled but deterministic order (multiplication by a unit mod n).
    let n = 10_000u64;
    for i in 0..n {
        summary.observe(((i * 7_919) % n) as f64);
    }
    let s = scrape(&registry);
    let Some(Value::Summary(quantiles)) = find(&s, "rpc_seconds", &[]).map(|x| &x.value) else {
        panic!("no summary in {:?}", s.samples);
    };
    assert_eq!(quantiles.len(), 3);
    for (got, (q, e)) in quantiles.iter().zip(objectives) {
        assert_eq!(got.quantile, q);
        // Value v has rank v + 1 in 0..n: its rank error is |v + 1 - q n|.
        let rank_error = (got.count + 1.0 - q * n as f64).abs();
        assert!(
            rank_error <= e * n as f64 + 1.0,
            "q={q}: {} off by {rank_error}",
            got.count
        );
    }
    assert_eq!(scalar(&s, "rpc_seconds_count", &[]), n as f64);
    assert_eq!(scalar(&s, "rpc_seconds_sum", &[]), (n * (n - 1) / 2) as f64);
}

#[test]
fn summary_without_objectives_reports_sum_and_count() {
    let registry = Registry::new();
    let s = Arc::new(Metric::new(desc("s", MetricType::Summary, &[]), Summary::new()).unwrap());
    registry.register_arc(s.clone()).unwrap();
    s.observe(2.0);
    s.observe(3.0);
    let text = registry.gather_text();
    assert_eq!(
        text,
        "# HELP s Help for s.\n# TYPE s summary\ns_sum 5\ns_count 2\n"
    );
}

#[test]
fn metric_checks_type_and_label_arity() {
    let err = Metric::new(desc("x", MetricType::Gauge, &[]), Counter::<u64>::new()).unwrap_err();
    assert!(matches!(err, MetricError::WrongType { .. }), "{err}");
    let err = Metric::new(
        desc("x", MetricType::Counter, &["a"]),
        Family::<[String; 2], Counter>::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            MetricError::LabelArity {
                desc: 1,
                instrument: 2,
                ..
            }
        ),
        "{err}"
    );
    // An untyped descriptor takes a counter or gauge, as Go's untyped metrics do.
    assert!(Metric::new(desc("x", MetricType::Untyped, &[]), Gauge::<f64>::new()).is_ok());
}

#[test]
fn concurrent_updates_are_not_lost() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 20_000;
    let counters = Arc::new(Family::<[String; 1], Counter>::default());
    let floats = Arc::new(Counter::<f64>::new());
    let gauge = Arc::new(Gauge::<f64>::new());
    let hist = Arc::new(Histogram::with_buckets([10.0, 100.0]).unwrap());
    let summary = Arc::new(Summary::builder().objective(0.5, 0.05).build().unwrap());
    let registry = Registry::new();
    let scraped = Arc::new(
        Metric::new(
            desc("c", MetricType::Counter, &["k"]),
            Family::<[String; 1], Counter>::default(),
        )
        .unwrap(),
    );
    registry.register_arc(scraped.clone()).unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (counters, floats, gauge, hist, scraped, summary) = (
                counters.clone(),
                floats.clone(),
                gauge.clone(),
                hist.clone(),
                scraped.clone(),
                summary.clone(),
            );
            thread::spawn(move || {
                let own = format!("t{t}");
                for i in 0..PER_THREAD {
                    counters.with(&["shared"], Counter::inc);
                    counters.with(&[own.as_str()], Counter::inc);
                    floats.inc_by(0.5).unwrap();
                    gauge.add(1.0);
                    gauge.sub(1.0);
                    hist.observe((i % 200) as f64);
                    summary.observe((i % 200) as f64);
                    scraped.with(&[own.as_str()], Counter::inc);
                }
            })
        })
        .collect();
    // Scrape while the writers run: every scrape must parse.
    for _ in 0..20 {
        scrape(&registry);
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        counters.get(&["shared"]).unwrap().get(),
        THREADS * PER_THREAD
    );
    for t in 0..THREADS {
        assert_eq!(
            counters.get(&[format!("t{t}").as_str()]).unwrap().get(),
            PER_THREAD
        );
    }
    assert_eq!(floats.get(), (THREADS * PER_THREAD) as f64 * 0.5);
    assert_eq!(gauge.get(), 0.0);
    assert_eq!(hist.count(), THREADS * PER_THREAD);
    assert_eq!(summary.count(), THREADS * PER_THREAD);
    let median = summary.quantile(0.5).unwrap();
    assert!((90.0..=110.0).contains(&median), "{median}");
    let (buckets, _) = hist.cumulative();
    assert_eq!(
        buckets,
        [
            (10.0, THREADS * PER_THREAD * 11 / 200),
            (100.0, THREADS * PER_THREAD * 101 / 200)
        ]
    );
    let expected_sum = THREADS as f64 * (PER_THREAD / 200) as f64 * (199.0 * 200.0 / 2.0);
    assert_eq!(hist.sum(), expected_sum);
    let s = scrape(&registry);
    assert_eq!(s.samples.len(), THREADS as usize);
    for t in 0..THREADS {
        assert_eq!(
            scalar(&s, "c", &[("k", &format!("t{t}"))]),
            PER_THREAD as f64
        );
    }
}
