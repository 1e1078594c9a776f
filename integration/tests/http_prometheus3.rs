//! The handler as Prometheus 3 scrapes it: `escaping=` honoured and echoed in
//! the Content-Type, UTF-8 names quoted or escaped, native histograms over
//! protobuf, `_created` lines only when enabled, `Process-Start-Time-Unix`.

mod http_support;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::metric::{Counter, Family, Histogram, Metric};
use exporter_core::{Desc, MetricType, Registry};
use http_support::{get, start};
use prost::Message;

#[path = "../../exporter-core/src/encoding/proto.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod client_model;

const PROM3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
const PROM3_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

fn registry() -> Arc<Registry> {
    let r = Registry::new();
    let proto = Histogram::builder().native(1.1).build().unwrap();
    let latency = Arc::new(
        Metric::new(
            Desc::new(
                "http.server.request.duration",
                "Latency.",
                MetricType::Histogram,
                ["http.request.method"],
            )
            .unwrap(),
            Family::<[String; 1], Histogram>::new_with(move || proto.empty_like()),
        )
        .unwrap(),
    );
    for i in 1..=100 {
        latency
            .metric()
            .with(&["GET"], |h| h.observe(f64::from(i) / 100.0));
    }
    r.register_arc(latency).unwrap();
    let requests = Arc::new(
        Metric::new(
            Desc::new(
                "requests_total",
                "Requests.",
                MetricType::Counter,
                [] as [&str; 0],
            )
            .unwrap(),
            Counter::<u64>::new(),
        )
        .unwrap(),
    );
    requests.metric().inc();
    r.register_arc(requests).unwrap();
    Arc::new(r)
}

fn opts() -> HandlerOpts {
    HandlerOpts::default()
        .enable_openmetrics(true)
        .self_metrics(false)
}

#[tokio::test]
async fn prometheus_3_gets_utf8_names_in_the_quoted_syntax() {
    let server = start(MetricsHandler::with_opts(registry(), opts())).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3)]).await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8")
    );
    let text = reply.text();
    for line in [
        "# TYPE \"http.server.request.duration\" histogram\n",
        "{\"http.server.request.duration_bucket\",\"http.request.method\"=\"GET\",le=\"+Inf\"} 100\n",
        "{\"http.server.request.duration_count\",\"http.request.method\"=\"GET\"} 100\n",
        "requests_total 1\n",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert!(!text.contains("_created"), "off by default:\n{text}");
}

#[tokio::test]
async fn prometheus_2_gets_escaped_names() {
    let server = start(MetricsHandler::with_opts(registry(), opts())).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8; escaping=underscores")
    );
    let text = reply.text();
    assert!(
        text.contains("http_server_request_duration_count{http_request_method=\"GET\"} 100\n"),
        "{text}"
    );
    for scheme in ["dots", "values"] {
        let accept = format!("text/plain;version=0.0.4;escaping={scheme}");
        let reply = get(server.addr, "/metrics", &[("accept", &accept)]).await;
        assert!(reply
            .header("content-type")
            .unwrap()
            .ends_with(&format!("; escaping={scheme}")));
        let want = if scheme == "dots" {
            "http_dot_server_dot_request_dot_duration_count{http_dot_request_dot_method=\"GET\"} 100\n"
        } else {
            "U__http_2e_server_2e_request_2e_duration_count{U__http_2e_request_2e_method=\"GET\"} 100\n"
        };
        assert!(reply.text().contains(want), "{scheme}: {}", reply.text());
    }
}

#[tokio::test]
async fn native_histograms_go_out_over_protobuf_with_created_timestamps() {
    let server = start(MetricsHandler::with_opts(registry(), opts())).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3_NATIVE)]).await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores")
    );
    let mut buf = &reply.body[..];
    let mut names = Vec::new();
    while !buf.is_empty() {
        let fam = client_model::MetricFamily::decode_length_delimited(&mut buf).unwrap();
        if fam.name.as_deref() == Some("http_server_request_duration") {
            let h = fam.metric[0].histogram.as_ref().unwrap();
            assert_eq!(h.schema, Some(3));
            assert_eq!(h.sample_count, Some(100));
            assert!(!h.positive_span.is_empty());
            assert!(h.created_timestamp.is_some());
        }
        if fam.name.as_deref() == Some("requests_total") {
            assert!(fam.metric[0]
                .counter
                .as_ref()
                .unwrap()
                .created_timestamp
                .is_some());
        }
        names.push(fam.name.unwrap());
    }
    assert_eq!(names, ["http_server_request_duration", "requests_total"]);
}

#[tokio::test]
async fn created_lines_and_process_start_time_are_options() {
    let start_time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let handler = MetricsHandler::with_opts(
        registry(),
        opts()
            .enable_openmetrics_created_samples(true)
            .process_start_time(Some(start_time)),
    );
    let server = start(handler).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROM3)]).await;
    assert_eq!(reply.header("process-start-time-unix"), Some("1700000000"));
    let text = reply.text();
    assert!(text.contains("requests_created "), "{text}");
    assert!(
        text.contains(
            "{\"http.server.request.duration_created\",\"http.request.method\"=\"GET\"} "
        ),
        "{text}"
    );
    // Off by default.
    let server = start(MetricsHandler::with_opts(registry(), opts())).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.header("process-start-time-unix"), None);
}
