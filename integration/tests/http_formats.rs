//! Format negotiation and the `name[]` filter over real sockets, each body
//! judged by a real parser: text by `prometheus-parse`, OpenMetrics by
//! `openmetrics-parser`, protobuf by `prost`.

#![allow(clippy::unwrap_used, clippy::float_cmp)]

mod http_support;

// The tests decode protobuf with the crate's own copy of client_model's messages
// (crate-private in the library).
#[allow(dead_code, unreachable_pub)]
#[path = "../../exporter-core/src/encoding/proto.rs"]
mod client_model;

use std::io::Read;

use client_model::MetricFamily;
use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::{Collector, Desc, MetricType, Registry};
use http_support::{get, start, value, Big, Fixed};
use prost::Message;

const OPENMETRICS: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const PROTOBUF: &str =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

/// A second family, so filtering has something to leave out.
struct Other {
    desc: Desc,
}

impl Collector for Other {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(
        &self,
        encoder: &mut exporter_core::MetricEncoder,
    ) -> Result<(), exporter_core::CollectError> {
        encoder.family(&self.desc)?.sample(&(), 7)
    }
}

fn registry() -> Registry {
    let registry = Registry::new();
    registry.register(Fixed::new()).unwrap();
    let desc = Desc::new(
        "test_other",
        "Another family.",
        MetricType::Gauge,
        [] as [&str; 0],
    )
    .unwrap();
    registry.register(Other { desc }).unwrap();
    registry
}

fn families(body: &[u8]) -> Vec<MetricFamily> {
    let mut buf = body;
    let mut out = Vec::new();
    while !buf.is_empty() {
        out.push(MetricFamily::decode_length_delimited(&mut buf).unwrap());
    }
    out
}

#[tokio::test]
async fn openmetrics_only_when_enabled() {
    let off = start(MetricsHandler::new(registry())).await;
    let reply = get(off.addr, "/metrics", &[("accept", OPENMETRICS)]).await;
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    assert_eq!(value(&reply.text(), "test_other", &[]), Some(7.0));

    let handler =
        MetricsHandler::with_opts(registry(), HandlerOpts::default().enable_openmetrics(true));
    let on = start(handler).await;
    let reply = get(on.addr, "/metrics", &[("accept", OPENMETRICS)]).await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores")
    );
    let text = reply.text();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    assert!(exposition.families.contains_key("test_fixed"));
    assert!(exposition.families.contains_key("test_other"));
    // Still text for a client that asks for text.
    let reply = get(
        on.addr,
        "/metrics",
        &[("accept", "text/plain;version=0.0.4")],
    )
    .await;
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
}

#[tokio::test]
async fn protobuf_by_accept() {
    let server = start(MetricsHandler::new(registry())).await;
    let reply = get(server.addr, "/metrics", &[("accept", PROTOBUF)]).await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores")
    );
    let fams = families(&reply.body);
    let names: Vec<&str> = fams.iter().filter_map(|f| f.name.as_deref()).collect();
    assert!(
        names.contains(&"test_fixed") && names.contains(&"test_other"),
        "{names:?}"
    );

    let gz = get(
        server.addr,
        "/metrics",
        &[("accept", PROTOBUF), ("accept-encoding", "gzip")],
    )
    .await;
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut raw)
        .unwrap();
    assert_eq!(families(&raw).len(), fams.len());
}

#[tokio::test]
async fn name_query_parameter_restricts_families() {
    let server = start(MetricsHandler::new(registry())).await;
    let text = get(server.addr, "/metrics?name[]=test_other", &[])
        .await
        .text();
    assert_eq!(value(&text, "test_other", &[]), Some(7.0));
    assert!(!text.contains("test_fixed"), "{text}");
    assert!(!text.contains("promhttp_"), "{text}");

    // Percent-encoded brackets, two names, and an unknown one.
    let text = get(
        server.addr,
        "/metrics?name%5B%5D=test_fixed&name[]=promhttp_metric_handler_requests_in_flight&name[]=nope",
        &[],
    )
    .await
    .text();
    assert_eq!(value(&text, "test_fixed", &[("name", "nana")]), Some(87.0));
    assert_eq!(
        value(&text, "promhttp_metric_handler_requests_in_flight", &[]),
        Some(1.0)
    );
    assert!(!text.contains("test_other"), "{text}");

    // Other parameters are ignored; no name[] means everything.
    let text = get(server.addr, "/metrics?debug=1&name=test_other", &[])
        .await
        .text();
    assert!(text.contains("test_fixed") && text.contains("test_other"));
}

#[tokio::test]
async fn large_scrapes_stream_in_every_format() {
    let registry = registry();
    registry.register(Big::new(3_000, 300)).unwrap();
    let handler = MetricsHandler::with_opts(
        registry,
        HandlerOpts::default()
            .enable_openmetrics(true)
            .self_metrics(false),
    );
    let server = start(handler).await;
    let om = get(
        server.addr,
        "/metrics",
        &[("accept", OPENMETRICS), ("accept-encoding", "zstd")],
    )
    .await;
    assert_eq!(om.header("content-length"), None);
    let text = String::from_utf8(zstd::decode_all(&om.body[..]).unwrap()).unwrap();
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
    assert_eq!(
        exposition.families["test_big"].iter_samples().count(),
        3_000
    );

    let pb = get(server.addr, "/metrics", &[("accept", PROTOBUF)]).await;
    assert_eq!(pb.header("content-length"), None);
    let fams = families(&pb.body);
    let big = fams
        .iter()
        .find(|f| f.name.as_deref() == Some("test_big"))
        .unwrap();
    assert_eq!(big.metric.len(), 3_000);
}

#[tokio::test]
async fn the_runtime_answers_openmetrics_when_asked() {
    let builder = exporter_core::runtime::Exporter::builder("om_exporter").collector(Fixed::new());
    let config = builder
        .try_parse_from(["x", "--web.listen-address", "127.0.0.1:0"])
        .unwrap();
    let bound = builder.bind(&config).await.unwrap();
    let addr = bound.local_addrs()[0];
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(bound.serve_with_shutdown(async move {
        let _ = rx.await;
    }));
    let reply = get(addr, "/metrics", &[("accept", OPENMETRICS)]).await;
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let exposition = openmetrics_parser::openmetrics::parse_openmetrics(&reply.text()).unwrap();
    assert!(exposition.families.contains_key("test_fixed"));
    tx.send(()).unwrap();
    task.await.unwrap().unwrap();
}
