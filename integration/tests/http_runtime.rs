//! The exporter runtime: flags, listen addresses, landing page, probes,
//! exporter metrics, busy ports and graceful shutdown.

#![allow(clippy::unwrap_used, clippy::float_cmp)]

mod http_support;

use std::time::Duration;

use exporter_core::runtime::{Bound, Exporter, ExporterBuilder};
use http_support::{get, request, value, Fixed, Gated};
use tokio::sync::oneshot;

fn builder() -> ExporterBuilder {
    Exporter::builder("test_exporter")
        .description("Exports <fixed> values & more.")
        .version("1.2.3")
        .collector(Fixed::new())
}

async fn bind(builder: ExporterBuilder, args: &[&str]) -> Bound {
    let mut command_line = vec!["test_exporter"];
    command_line.extend_from_slice(args);
    let config = builder.try_parse_from(command_line).unwrap();
    builder.bind(&config).await.unwrap()
}

fn run(
    bound: Bound,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.serve_with_shutdown(async move {
        let _ = rx.await;
    }));
    (tx, task)
}

#[tokio::test]
async fn serves_metrics_landing_page_and_probes_on_every_address() {
    let bound = bind(
        builder(),
        &[
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.listen-address=127.0.0.1:0",
            "--web.telemetry-path",
            "/custom",
        ],
    )
    .await;
    let addrs = bound.local_addrs().to_vec();
    assert_eq!(addrs.len(), 2);
    assert_ne!(addrs[0], addrs[1]);
    let (stop, task) = run(bound);
    for addr in addrs {
        let metrics = get(addr, "/custom", &[]).await;
        assert_eq!(metrics.status, 200);
        let text = metrics.text();
        assert_eq!(
            value(&text, "test_fixed", &[("name", "haohao")]),
            Some(81.0)
        );
        assert!(text.contains("promhttp_metric_handler_requests_total"));
        assert!(
            text.contains("test_exporter_build_info{version=\"1.2.3\""),
            "{text}"
        );
        #[cfg(target_os = "linux")]
        assert!(value(&text, "process_open_fds", &[]).unwrap() >= 3.0);
        assert_eq!(get(addr, "/metrics", &[]).await.status, 404);

        let landing = get(addr, "/", &[]).await;
        assert_eq!(landing.status, 200);
        assert_eq!(
            landing.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let html = landing.text();
        assert!(html.contains("<h1>test_exporter</h1>"));
        assert!(html.contains("Exports &lt;fixed&gt; values &amp; more."));
        assert!(html.contains("Version: 1.2.3"));
        assert!(html.contains("<a href=\"/custom\">"));

        for probe in ["/-/healthy", "/-/ready"] {
            assert_eq!(get(addr, probe, &[]).await.status, 200, "{probe}");
            assert_eq!(
                request(addr, "HEAD", probe, &[]).await.status,
                200,
                "{probe}"
            );
            assert_eq!(
                request(addr, "POST", probe, &[]).await.status,
                405,
                "{probe}"
            );
        }
        assert_eq!(get(addr, "/nope", &[]).await.status, 404);
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn disable_exporter_metrics_leaves_only_the_collectors() {
    let bound = bind(
        builder(),
        &[
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.disable-exporter-metrics",
        ],
    )
    .await;
    let addr = bound.local_addrs()[0];
    let (stop, task) = run(bound);
    let text = get(addr, "/metrics", &[]).await.text();
    assert_eq!(value(&text, "test_fixed", &[("name", "nana")]), Some(87.0));
    assert!(!text.contains("promhttp_"), "{text}");
    assert!(!text.contains("process_"), "{text}");
    assert!(!text.contains("build_info"), "{text}");
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn max_requests_flag_limits_scrapes() {
    let (gated, gate) = Gated::new();
    let bound = bind(
        Exporter::builder("limited").collector(gated),
        &[
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.max-requests",
            "1",
        ],
    )
    .await;
    let addr = bound.local_addrs()[0];
    let (stop, task) = run(bound);
    let first = tokio::spawn(async move { get(addr, "/metrics", &[]).await });
    gate.wait_entered().await;
    assert_eq!(get(addr, "/metrics", &[]).await.status, 503);
    gate.release.send(()).unwrap();
    assert_eq!(first.await.unwrap().status, 200);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn bad_flags_are_usage_errors_with_status_2() {
    let b = builder();
    for args in [
        vec!["x", "--no-such-flag"],
        vec!["x", "--web.max-requests", "many"],
        vec!["x", "--log.level", "loud"],
        vec!["x", "--log.format", "xml"],
        vec!["x", "--web.telemetry-path", "metrics"],
        vec!["x", "--web.listen-address"],
        vec!["x", "--web.send-timeout", "soon"],
        vec!["x", "--web.send-timeout", "0s"],
        vec!["x", "--web.shutdown-timeout", "soon"],
    ] {
        let err = b.try_parse_from(&args).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{args:?}: {err}");
    }
    let help = b.try_parse_from(["x", "--help"]).unwrap_err();
    assert_eq!(help.exit_code(), 0);
    let help = help.to_string();
    for flag in [
        "--web.listen-address",
        "--web.telemetry-path",
        "--web.max-requests",
        "--web.disable-exporter-metrics",
        "--web.shutdown-timeout",
        "--web.send-timeout",
        "--log.level",
        "--log.format",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    let config = b.try_parse_from(["x"]).unwrap();
    assert_eq!(config.listen_addresses, ["0.0.0.0:8080"]);
    assert_eq!(config.telemetry_path, "/metrics");
    assert_eq!(config.max_requests, 40);
    assert_eq!(config.send_timeout, Duration::from_secs(30));
    let config = b
        .try_parse_from(["x", "--web.send-timeout", "1m30s"])
        .unwrap();
    assert_eq!(config.send_timeout, Duration::from_secs(90));
}

#[tokio::test]
async fn busy_port_is_an_error_naming_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let b = builder();
    let config = b
        .try_parse_from(["x", "--web.listen-address", &addr])
        .unwrap();
    let err = b.bind(&config).await.unwrap_err();
    assert!(err.is_bind());
    assert!(err.to_string().contains(&addr), "{err}");
}

#[tokio::test]
async fn registration_errors_surface_at_bind() {
    let b = builder().collector(Fixed::new()); // the same collector twice
    let config = b
        .try_parse_from(["x", "--web.listen-address", "127.0.0.1:0"])
        .unwrap();
    let err = b.bind(&config).await.unwrap_err();
    assert!(err.is_register(), "{err}");
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_scrape_in_flight() {
    let (gated, gate) = Gated::new();
    let bound = bind(
        Exporter::builder("draining").collector(gated),
        &["--web.listen-address", "127.0.0.1:0"],
    )
    .await;
    let addr = bound.local_addrs()[0];
    let (stop, task) = run(bound);
    let scrape = tokio::spawn(async move { get(addr, "/metrics", &[]).await });
    gate.wait_entered().await;
    stop.send(()).unwrap();
    // Shutdown has begun: new connections are refused once the listener closes.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "listener still open");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !task.is_finished(),
        "server stopped before the scrape finished"
    );
    gate.release.send(()).unwrap();
    let reply = scrape.await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(value(&reply.text(), "test_gated", &[]), Some(1.0));
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
