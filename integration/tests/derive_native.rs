//! Native histograms and created timestamps through the derive: a struct of
//! live histograms built by `#[collector(new)]` from `native(...)`, and a
//! snapshot struct holding `NativeHistogramSnapshot`s, `CounterSnapshot`s and
//! classic snapshots with their created time, registered and scraped over
//! HTTP as Prometheus 3 asks. Protobuf is decoded with the `client_model`
//! messages (schema, zero bucket, spans and deltas, `created_timestamp`), the
//! text formats are read by `prometheus-parse` and `openmetrics-parser`.

// Values are compared exactly: they must survive encoding and decoding bit for bit.
#![allow(clippy::float_cmp)]

mod http_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::metric::{Family, Histogram, NATIVE_DEFAULT_ZERO_THRESHOLD};
use exporter_core::value::NativeHistogramSnapshot;
use exporter_core::{Collector, CounterSnapshot, HistogramSnapshot, Registry, SummarySnapshot};
use http_support::{get, start};
use prost::Message;

#[path = "../../exporter-core/src/encoding/proto.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod client_model;

use client_model::{BucketSpan, MetricFamily};

/// Prometheus 3's `Accept` with `scrape_native_histograms: true`.
const PROM3_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
/// Prometheus 3's default `Accept`.
const PROM3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

#[derive(Collector)]
#[collector(namespace = "app", new)]
struct Live {
    /// Request latency: native only, buckets growing by at most 10% (schema 3).
    #[metric(labels(method), native(factor = 1.1))]
    request_duration_seconds: Family<[String; 1], Histogram>,
    /// Response sizes: classic and native, schema 0, a zero bucket of half-width 0.5.
    #[metric(
        buckets(1, 4),
        native(
            factor = 2,
            zero_threshold = 0.5,
            max_buckets = 100,
            min_reset_duration = "1h"
        )
    )]
    response_size_bytes: Histogram,
}

/// Observations whose schema-3 buckets are known by hand: bucket `i` holds
/// `(2^((i-1)/8), 2^(i/8)]`, so 1.0 is in bucket 0, 1.05 in 1 (log2(1.05) * 8
/// = 0.56), 2.0 in 8.
fn live() -> Arc<Registry> {
    let live = Live::new();
    for v in [1.0, 1.05, 1.05, 2.0] {
        live.request_duration_seconds
            .with(&["GET"], |h| h.observe(v));
    }
    // Schema 0: bucket i is (2^(i-1), 2^i]. 0.25 is in the zero bucket,
    // 3 in bucket 2, 8 in bucket 3, -3 in negative bucket 2.
    for v in [0.25, 3.0, 8.0, -3.0] {
        live.response_size_bytes.observe(v);
    }
    let registry = Registry::new();
    registry.register(live).unwrap();
    Arc::new(registry)
}

fn opts() -> HandlerOpts {
    HandlerOpts::default()
        .enable_openmetrics(true)
        .self_metrics(false)
}

/// Every family of a delimited protobuf body, by name.
fn decode(body: &[u8]) -> BTreeMap<String, MetricFamily> {
    let mut buf = body;
    let mut out = BTreeMap::new();
    while !buf.is_empty() {
        let fam = MetricFamily::decode_length_delimited(&mut buf).unwrap();
        out.insert(fam.name.clone().unwrap(), fam);
    }
    out
}

fn span(offset: i32, length: u32) -> BucketSpan {
    BucketSpan {
        offset: Some(offset),
        length: Some(length),
    }
}

#[tokio::test]
async fn live_native_histograms_go_out_in_protobuf_with_spans_and_deltas() {
    let server = start(MetricsHandler::with_opts(live(), opts())).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3_NATIVE)]).await;
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"));
    let families = decode(&reply.body);

    let fam = &families["app_request_duration_seconds"];
    assert_eq!(fam.metric.len(), 1);
    let m = &fam.metric[0];
    assert_eq!(m.label[0].name.as_deref(), Some("method"));
    assert_eq!(m.label[0].value.as_deref(), Some("GET"));
    let h = m.histogram.as_ref().unwrap();
    assert_eq!(h.schema, Some(3));
    assert_eq!(h.zero_threshold, Some(NATIVE_DEFAULT_ZERO_THRESHOLD));
    assert_eq!(h.zero_count, Some(0));
    assert_eq!(h.sample_count, Some(4));
    assert_eq!(h.sample_sum, Some(1.0 + 1.05 + 1.05 + 2.0));
    // Buckets 0 and 1, then a gap of 6 to bucket 8; counts 1, 2, 1 as deltas.
    assert_eq!(h.positive_span, [span(0, 2), span(6, 1)]);
    assert_eq!(h.positive_delta, [1, 1, -1]);
    assert!(h.negative_span.is_empty());
    // Native only: no classic buckets.
    assert!(h.bucket.is_empty(), "{:?}", h.bucket);
    assert!(h.created_timestamp.is_some());

    let h = families["app_response_size_bytes"].metric[0]
        .histogram
        .as_ref()
        .unwrap();
    assert_eq!(h.schema, Some(0));
    assert_eq!(h.zero_threshold, Some(0.5));
    assert_eq!(h.zero_count, Some(1));
    assert_eq!(h.sample_count, Some(4));
    assert_eq!(h.sample_sum, Some(8.25));
    // Buckets 2 and 3 on the positive side, 2 on the negative.
    assert_eq!(h.positive_span, [span(2, 2)]);
    assert_eq!(h.positive_delta, [1, 0]);
    assert_eq!(h.negative_span, [span(2, 1)]);
    assert_eq!(h.negative_delta, [1]);
    // Both: the classic buckets too, cumulative (0.25 and -3 are at or below 1).
    let classic: Vec<(f64, u64)> = h
        .bucket
        .iter()
        .map(|b| (b.upper_bound.unwrap(), b.cumulative_count.unwrap()))
        .collect();
    assert_eq!(classic, [(1.0, 2), (4.0, 3)]);
}

#[tokio::test]
async fn live_native_histograms_in_text_as_go_writes_them() {
    let server = start(MetricsHandler::with_opts(live(), opts())).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    let text = reply.text();
    // Native only: the `+Inf` bucket, `_sum` and `_count`, nothing else.
    let native_only: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("app_request_duration_seconds"))
        .collect();
    assert_eq!(
        native_only,
        [
            "app_request_duration_seconds_bucket{method=\"GET\",le=\"+Inf\"} 4",
            "app_request_duration_seconds_sum{method=\"GET\"} 5.1",
            "app_request_duration_seconds_count{method=\"GET\"} 4",
        ],
        "{text}"
    );
    // Both: the classic buckets.
    for line in [
        "app_response_size_bytes_bucket{le=\"1\"} 2\n",
        "app_response_size_bytes_bucket{le=\"4\"} 3\n",
        "app_response_size_bytes_bucket{le=\"+Inf\"} 4\n",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    // A third-party parser reads both as histograms.
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    for (name, buckets) in [
        ("app_request_duration_seconds", 1),
        ("app_response_size_bytes", 3),
    ] {
        let s = scrape
            .samples
            .iter()
            .find(|s| s.metric == name)
            .unwrap_or_else(|| panic!("{name} not parsed"));
        match &s.value {
            prometheus_parse::Value::Histogram(h) => assert_eq!(h.len(), buckets, "{name}"),
            v => panic!("{name} is not a histogram: {v:?}"),
        }
    }
}

/// When the database started: every snapshot's created time.
fn started() -> SystemTime {
    UNIX_EPOCH + Duration::new(1_700_000_000, 250_000_000)
}

#[derive(Collector)]
#[collector(namespace = "db")]
struct Snapshot {
    /// Query latency, as the database keeps it (schema 1, zero bucket 0.001).
    #[metric(histogram)]
    query_duration_seconds: NativeHistogramSnapshot,
    /// Scan latency per table; the type is inferred from the field type.
    #[metric(labels(table))]
    scan_duration_seconds: BTreeMap<[String; 1], NativeHistogramSnapshot>,
    /// Lock waits, absent on this scrape.
    lock_wait_seconds: Option<NativeHistogramSnapshot>,
    /// Queries run since the database started.
    queries_total: CounterSnapshot<u64>,
    /// Errors since the database started, by code.
    #[metric(labels(code))]
    errors_total: Vec<([&'static str; 1], CounterSnapshot<f64>)>,
    /// Rows read per query, in classic buckets.
    read_rows: HistogramSnapshot,
    /// Commit latency quantiles.
    commit_duration_seconds: SummarySnapshot,
}

fn snapshot() -> Arc<Registry> {
    // Schema 1: bucket i is (2^((i-1)/2), 2^(i/2)]. Positive buckets -1, 0,
    // 3, 4 (a gap of 2: filled with zeros, one span), negative bucket 1.
    let query = NativeHistogramSnapshot::from_buckets(
        1,
        0.001,
        2,
        [(4, 1), (-1, 3), (0, 5), (3, 2)],
        [(1, 1)],
        20.5,
        14,
    )
    .unwrap()
    .with_created(started());
    let scan = |n| {
        NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [(1, n)], [], n as f64 * 1.5, n)
            .unwrap()
            .with_created(started())
    };
    let snapshot = Snapshot {
        query_duration_seconds: query,
        scan_duration_seconds: BTreeMap::from([
            (["orders".to_owned()], scan(3)),
            (["users".to_owned()], scan(5)),
        ]),
        lock_wait_seconds: None,
        queries_total: CounterSnapshot::new(42).with_created(started()),
        errors_total: vec![
            (["1205"], CounterSnapshot::new(2.0).with_created(started())),
            // No created time known: none written.
            (["1213"], CounterSnapshot::new(1.0)),
        ],
        read_rows: HistogramSnapshot {
            buckets: vec![(10.0, 4), (100.0, 9)],
            sum: 310.0,
            count: 10,
            created: Some(started()),
        },
        commit_duration_seconds: SummarySnapshot {
            quantiles: vec![(0.5, 0.002), (0.99, 0.04)],
            sum: 0.5,
            count: 100,
            ..SummarySnapshot::default()
        }
        .with_created(started()),
    };
    let registry = Registry::new();
    registry.register(snapshot).unwrap();
    Arc::new(registry)
}

#[tokio::test]
async fn snapshot_native_histograms_and_created_times_in_protobuf() {
    let server = start(MetricsHandler::with_opts(snapshot(), opts())).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3_NATIVE)]).await;
    let families = decode(&reply.body);
    let created = client_model::Timestamp {
        seconds: 1_700_000_000,
        nanos: 250_000_000,
    };

    let h = families["db_query_duration_seconds"].metric[0]
        .histogram
        .as_ref()
        .unwrap();
    assert_eq!(h.schema, Some(1));
    assert_eq!(h.zero_threshold, Some(0.001));
    assert_eq!(h.zero_count, Some(2));
    assert_eq!(h.sample_count, Some(14));
    assert_eq!(h.sample_sum, Some(20.5));
    // -1, 0, then 1 and 2 empty (filled, as Go's `makeBuckets` does for gaps
    // of at most 2), 3, 4: one span; counts 3 5 0 0 2 1 as deltas.
    assert_eq!(h.positive_span, [span(-1, 6)]);
    assert_eq!(h.positive_delta, [3, 2, -5, 0, 2, -1]);
    assert_eq!(h.negative_span, [span(1, 1)]);
    assert_eq!(h.negative_delta, [1]);
    assert!(h.bucket.is_empty());
    assert_eq!(h.created_timestamp, Some(created));

    // Labelled, one series per map entry, in key order.
    let scans = &families["db_scan_duration_seconds"].metric;
    let per_table: Vec<(String, u64, Vec<BucketSpan>, Vec<i64>)> = scans
        .iter()
        .map(|m| {
            let h = m.histogram.as_ref().unwrap();
            assert_eq!(h.schema, Some(0));
            assert_eq!(h.zero_threshold, Some(0.0));
            assert_eq!(h.created_timestamp, Some(created));
            (
                m.label[0].value.clone().unwrap(),
                h.sample_count.unwrap(),
                h.positive_span.clone(),
                h.positive_delta.clone(),
            )
        })
        .collect();
    assert_eq!(
        per_table,
        [
            ("orders".to_owned(), 3, vec![span(1, 1)], vec![3]),
            ("users".to_owned(), 5, vec![span(1, 1)], vec![5]),
        ]
    );
    // `None`: described, no series.
    assert!(families
        .get("db_lock_wait_seconds")
        .is_none_or(|f| f.metric.is_empty()));

    let counter = families["db_queries_total"].metric[0]
        .counter
        .as_ref()
        .unwrap();
    assert_eq!(counter.value, Some(42.0));
    assert_eq!(counter.created_timestamp, Some(created));
    let errors: Vec<(String, f64, bool)> = families["db_errors_total"]
        .metric
        .iter()
        .map(|m| {
            let c = m.counter.as_ref().unwrap();
            (
                m.label[0].value.clone().unwrap(),
                c.value.unwrap(),
                c.created_timestamp == Some(created),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("1205".to_owned(), 2.0, true),
            ("1213".to_owned(), 1.0, false)
        ]
    );
    assert!(families["db_errors_total"].metric[1]
        .counter
        .as_ref()
        .unwrap()
        .created_timestamp
        .is_none());

    let rows = families["db_read_rows"].metric[0]
        .histogram
        .as_ref()
        .unwrap();
    assert_eq!(rows.schema, None, "a classic snapshot is not native");
    assert_eq!(rows.created_timestamp, Some(created));
    let commit = families["db_commit_duration_seconds"].metric[0]
        .summary
        .as_ref()
        .unwrap();
    assert_eq!(commit.created_timestamp, Some(created));
}

#[tokio::test]
async fn snapshot_created_times_as_openmetrics_created_lines_when_enabled() {
    let handler =
        MetricsHandler::with_opts(snapshot(), opts().enable_openmetrics_created_samples(true));
    let server = start(handler).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3)]).await;
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text; version=1.0.0"));
    let text = reply.text();
    for line in [
        "db_queries_total 42\n",
        "db_queries_created 1700000000.25\n",
        "db_errors_created{code=\"1205\"} 1700000000.25\n",
        "db_read_rows_created 1700000000.25\n",
        "db_commit_duration_seconds_created 1700000000.25\n",
        "db_query_duration_seconds_created 1700000000.25\n",
        "db_scan_duration_seconds_created{table=\"orders\"} 1700000000.25\n",
        // Native only: the `+Inf` bucket, as Go's `openmetrics_create.go`.
        "db_query_duration_seconds_bucket{le=\"+Inf\"} 14\n",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert!(!text.contains("db_errors_created{code=\"1213\"}"), "{text}");

    // prometheus_client's strict OpenMetrics parser reads the created times
    // back (openmetrics-parser 0.5 cannot judge this body: it takes a
    // summary's `_created` line for a quantile without `quantile`).
    let parsed = python_openmetrics(&text);
    for sample in [
        "db_queries_created{} 1700000000.25",
        "db_errors_created{code=1205} 1700000000.25",
        "db_read_rows_created{} 1700000000.25",
        "db_commit_duration_seconds_created{} 1700000000.25",
        "db_query_duration_seconds_created{} 1700000000.25",
        "db_scan_duration_seconds_created{table=orders} 1700000000.25",
        "db_scan_duration_seconds_created{table=users} 1700000000.25",
        "db_query_duration_seconds_count{} 14.0",
    ] {
        assert!(
            parsed.lines().any(|l| l == sample),
            "no `{sample}` in\n{parsed}"
        );
    }
    assert_eq!(
        parsed.lines().filter(|l| l.contains("_created")).count(),
        7,
        "{parsed}"
    );

    // Off by default, as Go's `EnableOpenMetricsTextCreatedSamples`.
    let server = start(MetricsHandler::with_opts(snapshot(), opts())).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3)]).await;
    assert!(!reply.text().contains("_created"), "{}", reply.text());
}

/// Every sample of an OpenMetrics body as `prometheus_client` 0.26's strict
/// parser reads it: `name{k=v,...} value`, labels sorted, one per line.
fn python_openmetrics(body: &str) -> String {
    const DUMP: &str = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {float(s.value)}")
"#;
    http_support::python(DUMP, body)
        .unwrap_or_else(|err| panic!("prometheus_client refused:\n{err}\n--- body ---\n{body}"))
}

#[tokio::test]
async fn snapshot_native_histograms_in_text() {
    let server = start(MetricsHandler::with_opts(snapshot(), opts())).await;
    let text = get(server.addr, "/metrics", &[]).await.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("db_scan_duration_seconds"))
        .collect();
    assert_eq!(
        lines,
        [
            "db_scan_duration_seconds_bucket{table=\"orders\",le=\"+Inf\"} 3",
            "db_scan_duration_seconds_sum{table=\"orders\"} 4.5",
            "db_scan_duration_seconds_count{table=\"orders\"} 3",
            "db_scan_duration_seconds_bucket{table=\"users\",le=\"+Inf\"} 5",
            "db_scan_duration_seconds_sum{table=\"users\"} 7.5",
            "db_scan_duration_seconds_count{table=\"users\"} 5",
        ],
        "{text}"
    );
    assert!(
        !text.contains("_created"),
        "text 0.0.4 has no created times"
    );
    assert!(!text.contains("db_lock_wait_seconds_"), "{text}");
}
