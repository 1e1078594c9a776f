//! The metrics handler over real sockets: formats, compression, methods,
//! limits, timeouts, error policy and self-metrics.

#![allow(clippy::unwrap_used, clippy::float_cmp)]

mod http_support;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
use exporter_core::Registry;
use http_support::{get, handler_errors, raw, request, start, value, Big, Failing, Fixed, Gated};

fn fixed_registry() -> Registry {
    let registry = Registry::new();
    registry.register(Fixed::new()).unwrap();
    registry
}

#[tokio::test]
async fn serves_text_that_parses() {
    let server = start(MetricsHandler::new(fixed_registry())).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        // Go's Content-Type, with the escaping scheme (Go's default).
        Some("text/plain; version=0.0.4; charset=utf-8; escaping=underscores")
    );
    let text = reply.text();
    assert_eq!(
        value(&text, "test_fixed", &[("name", "haohao")]),
        Some(81.0)
    );
    assert_eq!(value(&text, "test_fixed", &[("name", "nana")]), Some(87.0));
}

#[tokio::test]
async fn unknown_path_is_404() {
    let server = start(MetricsHandler::new(fixed_registry())).await;
    for path in ["/", "/metricsx", "/metrics/", "/favicon.ico", "/-/healthy"] {
        assert_eq!(get(server.addr, path, &[]).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn other_methods_are_405_and_head_has_no_body() {
    let server = start(MetricsHandler::new(fixed_registry())).await;
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let reply = request(server.addr, method, "/metrics", &[]).await;
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    }
    let head = request(server.addr, "HEAD", "/metrics", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-type"),
        // Go's Content-Type, with the escaping scheme (Go's default).
        Some("text/plain; version=0.0.4; charset=utf-8; escaping=underscores")
    );
}

#[tokio::test]
async fn unacceptable_accept_falls_back_to_text() {
    let server = start(MetricsHandler::new(fixed_registry())).await;
    for accept in ["application/json", "image/png;q=1", "text/html"] {
        let reply = get(server.addr, "/metrics", &[("accept", accept)]).await;
        assert_eq!(reply.status, 200, "{accept}");
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4"));
        assert_eq!(
            value(&reply.text(), "test_fixed", &[("name", "nana")]),
            Some(87.0)
        );
    }
}

#[tokio::test]
async fn malformed_accept_and_accept_encoding_still_200() {
    let server = start(MetricsHandler::new(fixed_registry())).await;
    let cases: &[(&str, &str)] = &[
        ("accept", ";;;,,q=/x;;="),
        (
            "accept",
            "application/openmetrics-text; version=banana; q=what",
        ),
        ("accept-encoding", "gzip;q=abc, ,;;, =,"),
        ("accept-encoding", "zstd;q=1.5"),
        ("accept-encoding", "*;q=-1"),
    ];
    for &(name, header) in cases {
        let reply = get(server.addr, "/metrics", &[(name, header)]).await;
        assert_eq!(reply.status, 200, "{name}: {header}");
        assert_eq!(reply.header("content-encoding"), None, "{name}: {header}");
        assert_eq!(
            value(&reply.text(), "test_fixed", &[("name", "haohao")]),
            Some(81.0)
        );
    }
    // Header bytes that are not even ASCII, sent on a raw socket.
    let answer = raw(
        server.addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: \xff\xfe\x80\r\nAccept-Encoding: \xc3\x28gzip\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.contains("test_fixed{name=\"haohao\"} 81\n"),
        "{answer}"
    );
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unzstd(bytes: &[u8]) -> String {
    String::from_utf8(zstd::decode_all(bytes).unwrap()).unwrap()
}

/// Plain, gzip and zstd bodies must carry the same text, for a small scrape
/// (sent whole) and a large one (streamed in compressed chunks).
#[tokio::test]
async fn gzip_and_zstd_decompress_to_the_plain_text() {
    let registry = fixed_registry();
    registry.register(Big::new(3_000, 300)).unwrap(); // ~1 MB: streamed
    let handler = MetricsHandler::with_opts(registry, HandlerOpts::default().self_metrics(false));
    let server = start(handler).await;
    let plain = get(server.addr, "/metrics", &[]).await;
    assert!(plain.body.len() > 8 * 64 * 1024, "{}", plain.body.len());
    assert_eq!(
        plain.header("content-length"),
        None,
        "large scrapes are streamed"
    );
    let plain = plain.text();

    let gz = get(server.addr, "/metrics", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(gz.body.len() < plain.len() / 10);
    assert_eq!(gunzip(&gz.body), plain);

    let zs = get(
        server.addr,
        "/metrics",
        &[("accept-encoding", "zstd, gzip;q=0.5")],
    )
    .await;
    assert_eq!(zs.header("content-encoding"), Some("zstd"));
    assert_eq!(unzstd(&zs.body), plain);

    // The small path: a whole body.
    let small = MetricsHandler::new(fixed_registry());
    let small = start(small).await;
    let plain = get(small.addr, "/metrics", &[]).await;
    assert!(plain.header("content-length").is_some());
    let gz = get(small.addr, "/metrics", &[("accept-encoding", "gzip")]).await;
    let zs = get(small.addr, "/metrics", &[("accept-encoding", "zstd")]).await;
    // Self-metrics differ between scrapes; compare the collector's family.
    for text in [gunzip(&gz.body), unzstd(&zs.body)] {
        assert_eq!(
            value(&text, "test_fixed", &[("name", "haohao")]),
            Some(81.0)
        );
        assert_eq!(value(&text, "test_fixed", &[("name", "nana")]), Some(87.0));
    }
}

#[tokio::test]
async fn compression_can_be_disabled() {
    let handler = MetricsHandler::with_opts(
        fixed_registry(),
        HandlerOpts::default().disable_compression(true),
    );
    let server = start(handler).await;
    let reply = get(
        server.addr,
        "/metrics",
        &[("accept-encoding", "gzip, zstd")],
    )
    .await;
    assert_eq!(reply.header("content-encoding"), None);
    assert_eq!(
        value(&reply.text(), "test_fixed", &[("name", "haohao")]),
        Some(81.0)
    );
}

/// Writes a series of the self-metrics' own family, `code="200"`, with the same
/// descriptor, without describing it (so registration cannot refuse it).
struct Impostor {
    desc: exporter_core::Desc,
}

impl exporter_core::Collector for Impostor {
    fn describe(&self) -> Vec<&exporter_core::Desc> {
        Vec::new()
    }

    fn collect(
        &self,
        encoder: &mut exporter_core::MetricEncoder,
    ) -> Result<(), exporter_core::CollectError> {
        encoder.family(&self.desc)?.sample(&["200"], 7.0)
    }
}

#[tokio::test]
async fn a_collector_writing_a_self_metrics_series_is_not_served_twice() {
    let registry = Registry::new();
    let desc = exporter_core::Desc::new(
        "promhttp_metric_handler_requests_total",
        "Total number of scrapes by HTTP status code.",
        exporter_core::MetricType::Counter,
        ["code"],
    )
    .unwrap();
    registry.register(Impostor { desc }).unwrap();
    let server = start(MetricsHandler::new(registry)).await;
    // Three scrapes: the answer does not change from one to the next.
    for _ in 0..3 {
        let text = get(server.addr, "/metrics", &[]).await.text();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("promhttp_metric_handler_requests_total{"))
            .collect();
        // The self-metrics' series repeats the collector's, so the duplicate check
        // refuses the self-metrics (all three families), and the collector's is served.
        assert_eq!(
            lines,
            ["promhttp_metric_handler_requests_total{code=\"200\"} 7"],
            "{text}"
        );
        assert_eq!(
            value(&text, "promhttp_metric_handler_requests_in_flight", &[]),
            None
        );
    }
}

#[tokio::test]
async fn self_metrics_are_present_and_count() {
    let server = start(MetricsHandler::new(fixed_registry())).await;
    let first = get(server.addr, "/metrics", &[]).await.text();
    for code in ["200", "500", "503"] {
        assert_eq!(
            value(
                &first,
                "promhttp_metric_handler_requests_total",
                &[("code", code)]
            ),
            Some(0.0),
            "{code}"
        );
    }
    assert_eq!(
        value(&first, "promhttp_metric_handler_requests_in_flight", &[]),
        Some(1.0)
    );
    for _ in 0..4 {
        get(server.addr, "/metrics", &[]).await;
    }
    request(server.addr, "POST", "/metrics", &[]).await;
    let text = get(server.addr, "/metrics", &[]).await.text();
    assert_eq!(
        value(
            &text,
            "promhttp_metric_handler_requests_total",
            &[("code", "200")]
        ),
        Some(5.0)
    );
    assert_eq!(
        value(
            &text,
            "promhttp_metric_handler_requests_total",
            &[("code", "405")]
        ),
        Some(1.0)
    );
    assert_eq!(handler_errors(&text, "gathering"), Some(0.0));
    assert_eq!(handler_errors(&text, "encoding"), Some(0.0));

    let off =
        MetricsHandler::with_opts(fixed_registry(), HandlerOpts::default().self_metrics(false));
    let off = start(off).await;
    assert!(!get(off.addr, "/metrics", &[])
        .await
        .text()
        .contains("promhttp_"));
}

#[tokio::test]
async fn collect_error_is_500_by_default_and_counted() {
    let registry = fixed_registry();
    registry.register(Failing::new()).unwrap();
    let handler = MetricsHandler::new(registry);
    let server = start(handler.clone()).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains("failing_collector"),
        "{}",
        reply.text()
    );
    assert!(
        reply.text().contains("backend unreachable"),
        "{}",
        reply.text()
    );
}

#[tokio::test]
async fn continue_on_error_serves_the_rest_and_counts() {
    let registry = fixed_registry();
    registry.register(Failing::new()).unwrap();
    let opts = HandlerOpts::default().error_handling(ErrorHandling::ContinueOnError);
    let server = start(MetricsHandler::with_opts(registry, opts)).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_fixed", &[("name", "nana")]), Some(87.0));
    assert!(!text.contains("test_failing"));
    assert_eq!(handler_errors(&text, "gathering"), Some(1.0));
}

#[tokio::test]
async fn max_requests_in_flight_gives_503() {
    let registry = Registry::new();
    let (gated, gate) = Gated::new();
    registry.register(gated).unwrap();
    let handler =
        MetricsHandler::with_opts(registry, HandlerOpts::default().max_requests_in_flight(1));
    let server = start(handler.clone()).await;
    let addr = server.addr;
    let first = tokio::spawn(async move { get(addr, "/metrics", &[]).await });
    gate.wait_entered().await;
    assert_eq!(handler.in_flight(), 1);
    let second = get(addr, "/metrics", &[]).await;
    assert_eq!(second.status, 503);
    assert!(second
        .text()
        .contains("limit of concurrent requests reached (1)"));
    gate.release.send(()).unwrap();
    let first = first.await.unwrap();
    assert_eq!(first.status, 200);
    // The slot is free again, and the 503 was counted.
    gate.release.send(()).unwrap();
    let third = get(addr, "/metrics", &[]).await;
    assert_eq!(third.status, 200);
    let text = third.text();
    assert_eq!(
        value(
            &text,
            "promhttp_metric_handler_requests_total",
            &[("code", "503")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "promhttp_metric_handler_requests_total",
            &[("code", "200")]
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn timeout_gives_503() {
    let registry = Registry::new();
    let (gated, gate) = Gated::new();
    registry.register(gated).unwrap();
    let opts = HandlerOpts::default().timeout(Some(Duration::from_millis(200)));
    let server = start(MetricsHandler::with_opts(registry, opts)).await;
    let started = Instant::now();
    let reply = get(server.addr, "/metrics", &[]).await;
    let took = started.elapsed();
    assert_eq!(reply.status, 503);
    assert!(
        reply.text().contains("exceeded configured timeout"),
        "{}",
        reply.text()
    );
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(5),
        "{took:?}"
    );
    gate.release.send(()).unwrap();
}

#[tokio::test]
async fn handler_is_shared_across_clones() {
    // Clones share the limit and the counters (the server clones per connection).
    let handler = MetricsHandler::new(Arc::new(fixed_registry()));
    let a = start(handler.clone()).await;
    let b = start(handler).await;
    get(a.addr, "/metrics", &[]).await;
    let text = get(b.addr, "/metrics", &[]).await.text();
    assert_eq!(
        value(
            &text,
            "promhttp_metric_handler_requests_total",
            &[("code", "200")]
        ),
        Some(1.0)
    );
}
