//! A NaN or negative counter from the target is left out of every format,
//! logged and counted, and the rest of the scrape is a 200 under either
//! error policy: the strict OpenMetrics parser (Python's `prometheus_client`)
//! accepts the body, where it refuses the whole scrape with such a series.

#![allow(clippy::unwrap_used)]

mod http_support;
// The tests decode protobuf with the crate's own copy of client_model's messages.
#[allow(dead_code, unreachable_pub)]
#[path = "../../exporter-core/src/encoding/proto.rs"]
mod client_model;

use client_model::MetricFamily;
use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
use exporter_core::{Collector, Registry};
use http_support::{get, handler_errors, start, value};
use prost::Message as _;

#[derive(Collector)]
struct Odd {
    /// Jobs done, by queue.
    #[metric(counter, labels(queue))]
    jobs_total: Vec<([&'static str; 1], f64)>,
    /// Bytes sent.
    #[metric(counter)]
    sent_bytes_total: f64,
    /// Temperature, which may be negative.
    #[metric(gauge)]
    temperature_celsius: f64,
}

fn odd() -> Odd {
    Odd {
        jobs_total: vec![(["ok"], 3.0), (["nan"], f64::NAN), (["negative"], -1.0)],
        sent_bytes_total: -5.0,
        temperature_celsius: -12.5,
    }
}

/// Whether Python's strict OpenMetrics parser reads `body` whole.
fn strict_parser_accepts(body: &str) -> Result<(), String> {
    let script = "import sys\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
        list(text_string_to_metric_families(sys.stdin.read()))\n";
    http_support::python(script, body).map(|_| ())
}

#[test]
fn the_judge_refuses_a_nan_counter() {
    let bad = "# TYPE jobs counter\njobs_total NaN\n# EOF\n";
    assert!(
        strict_parser_accepts(bad).is_err(),
        "the parser cannot judge this"
    );
    let good = "# TYPE jobs counter\njobs_total 3.0\n# EOF\n";
    strict_parser_accepts(good).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_counters_are_left_out_and_counted_under_either_policy() {
    for policy in [ErrorHandling::HttpError, ErrorHandling::ContinueOnError] {
        let registry = Registry::new();
        registry
            .register(exporter_core::collector::from_fn(|| Ok(odd())))
            .unwrap();
        let opts = HandlerOpts::default()
            .enable_openmetrics(true)
            .error_handling(policy);
        let server = start(MetricsHandler::with_opts(registry, opts)).await;

        let om = get(
            server.addr,
            "/metrics",
            &[("accept", "application/openmetrics-text; version=1.0.0")],
        )
        .await;
        assert_eq!(om.status, 200, "{policy:?}");
        let body = om.text();
        strict_parser_accepts(&body).unwrap();
        assert!(body.contains("jobs_total{queue=\"ok\"} 3.0\n"), "{body}");
        assert!(
            !body.contains("queue=\"nan\"") && !body.contains("queue=\"negative\""),
            "{body}"
        );
        assert!(!body.contains("sent_bytes_total "), "{body}");
        assert!(body.contains("temperature_celsius -12.5\n"), "{body}");

        let text = get(server.addr, "/metrics", &[]).await;
        assert_eq!(text.status, 200);
        let text = text.text();
        assert_eq!(value(&text, "jobs_total", &[("queue", "ok")]), Some(3.0));
        assert_eq!(value(&text, "jobs_total", &[("queue", "nan")]), None);
        assert_eq!(value(&text, "jobs_total", &[("queue", "negative")]), None);
        assert_eq!(value(&text, "sent_bytes_total", &[]), None);
        // Three series left out per scrape, two scrapes before this one's
        // self-metrics were written (this one's are counted too: 3 x 2).
        assert_eq!(handler_errors(&text, "gathering"), Some(6.0));

        let proto = get(
            server.addr,
            "/metrics",
            &[(
                "accept",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
            )],
        )
        .await;
        assert_eq!(proto.status, 200);
        let mut buf = &proto.body[..];
        let mut families = Vec::new();
        while !buf.is_empty() {
            families.push(MetricFamily::decode_length_delimited(&mut buf).unwrap());
        }
        let jobs = families
            .iter()
            .find(|f| f.name.as_deref() == Some("jobs_total"))
            .unwrap();
        assert_eq!(jobs.metric.len(), 1, "{jobs:?}");
        assert_eq!(jobs.metric[0].label[0].value.as_deref(), Some("ok"));
        assert!(!families
            .iter()
            .any(|f| f.name.as_deref() == Some("sent_bytes_total")));
    }
}
