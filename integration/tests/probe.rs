//! `/probe?target=` through the exporter runtime over real sockets: targets
//! kept apart, missing/refused/malformed targets refused before any
//! connection, unreachable targets (a loopback listener that never answers,
//! a closed port) cut at the deadline with `probe_success 0`.

#![allow(clippy::unwrap_used, clippy::float_cmp, clippy::missing_panics_doc)]

mod http_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exporter_core::runtime::{Exporter, NoFlags};
use exporter_core::scrape::{
    connect_fn, scraper, ConnectContext, Probe, ScrapeContext, ScrapeError, Scrapers,
};
use exporter_core::Collector;
use http_support::{get, value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

#[derive(Collector)]
#[collector(namespace = "test")]
struct Read {
    /// The number the target answered.
    #[metric(gauge)]
    target_value: f64,
}

#[derive(Collector)]
#[collector(namespace = "test")]
struct Other {
    /// Always 1.
    #[metric(gauge)]
    other_value: f64,
}

/// A target on loopback answering every connection with `value` after `delay`.
async fn target(value: f64, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = conn.write_all(format!("{value}\n").as_bytes()).await;
            });
        }
    });
    addr
}

/// An exporter whose connect step reads one number from the probed target.
struct Probed {
    addr: SocketAddr,
    connects: Arc<AtomicUsize>,
    _stop: oneshot::Sender<()>,
}

async fn exporter(probe: Probe) -> Probed {
    let connects = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connects);
    let connect = connect_fn(move |ctx: ConnectContext| {
        let counted = Arc::clone(&counted);
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let target = ctx
                .target()
                .ok_or_else(|| ScrapeError::msg("no default target"))?;
            let conn = ctx.within(TcpStream::connect(target)).await??;
            let mut line = String::new();
            ctx.within(BufReader::new(conn).read_line(&mut line))
                .await??;
            line.trim().parse::<f64>().map_err(ScrapeError::other)
        }
    });
    let scrapers = Scrapers::new("test")
        .with(scraper(
            "value",
            "The target's number",
            |ctx: ScrapeContext<f64>| async move {
                Ok::<_, ScrapeError>(Read {
                    target_value: *ctx.target(),
                })
            },
        ))
        .with(scraper(
            "other",
            "A constant",
            |_: ScrapeContext<f64>| async { Ok::<_, ScrapeError>(Other { other_value: 1.0 }) },
        ));
    let builder = Exporter::builder("test_exporter")
        .scrapers(scrapers)
        .probe(probe);
    let config = builder
        .try_parse_from(["test_exporter", "--web.listen-address=127.0.0.1:0"])
        .unwrap();
    let _: &NoFlags = &config.args;
    let bound = builder.bind_with(&config, connect).await.unwrap();
    let addr = bound.local_addrs()[0];
    let (stop, rx) = oneshot::channel::<()>();
    tokio::spawn(bound.serve_with_shutdown(async move {
        let _ = rx.await;
    }));
    Probed {
        addr,
        connects,
        _stop: stop,
    }
}

fn loopback() -> Probe {
    Probe::new()
        .allow_hosts(["127.0.0.1"])
        .timeout(Duration::from_secs(5))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_targets_probed_at_once_keep_their_values_apart() {
    let a = target(11.0, Duration::from_millis(500)).await;
    let b = target(22.0, Duration::from_millis(500)).await;
    let exporter = exporter(loopback()).await;
    let addr = exporter.addr;
    let started = Instant::now();
    let ra = tokio::spawn(async move { get(addr, &format!("/probe?target={a}"), &[]).await });
    let rb = tokio::spawn(async move { get(addr, &format!("/probe?target={b}"), &[]).await });
    let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
    assert!(
        started.elapsed() < Duration::from_millis(950),
        "probes ran in turn"
    );
    for (reply, expected) in [(ra, 11.0), (rb, 22.0)] {
        assert_eq!(reply.status, 200);
        let text = reply.text();
        assert_eq!(
            value(&text, "test_target_value", &[]),
            Some(expected),
            "{text}"
        );
        assert_eq!(value(&text, "test_other_value", &[]), Some(1.0));
        assert_eq!(value(&text, "test_up", &[]), Some(1.0));
        assert_eq!(value(&text, "probe_success", &[]), Some(1.0));
        let took = value(&text, "probe_duration_seconds", &[]).unwrap();
        assert!((0.45..2.0).contains(&took), "{took}");
        assert_eq!(
            value(
                &text,
                "test_scrape_collector_success",
                &[("collector", "value")]
            ),
            Some(1.0)
        );
        // Like blackbox_exporter, a probe carries the probe's metrics only.
        assert!(!text.contains("promhttp_"), "{text}");
        assert!(!text.contains("test_exporter_build_info"), "{text}");
    }
    assert_eq!(exporter.connects.load(Ordering::SeqCst), 2);

    // `collect[]` narrows a probe as it does a scrape.
    let text = get(addr, &format!("/probe?target={a}&collect[]=other"), &[])
        .await
        .text();
    assert_eq!(value(&text, "test_other_value", &[]), Some(1.0));
    assert_eq!(value(&text, "test_target_value", &[]), None);
}

#[tokio::test]
async fn missing_malformed_and_refused_targets_are_400_before_any_connection() {
    let exporter = exporter(loopback().modules(["tcp"])).await;
    let cases = [
        ("/probe", "missing `target`"),
        ("/probe?target=", "missing `target`"),
        ("/probe?target=%20", "missing `target`"),
        ("/probe?target=redis%3A%2F%2F", "cannot read a host"),
        ("/probe?target=%5B%3A%3A1", "cannot read a host"),
        // Names are refused as written, never looked up.
        (
            "/probe?target=refused.invalid:6379",
            "host `refused.invalid` is not allowed",
        ),
        (
            "/probe?target=10.0.0.1:6379",
            "host `10.0.0.1` is not allowed",
        ),
        (
            "/probe?target=user@127.0.0.2:1",
            "host `127.0.0.2` is not allowed",
        ),
        // A password in the target is not repeated in the answer.
        (
            "/probe?target=redis%3A%2F%2F%3As3cret%40127.0.0.2%3A1",
            "target `redis://:xxxxx@127.0.0.2:1` refused",
        ),
        (
            "/probe?target=127.0.0.1:1&module=http",
            "unknown module `http`",
        ),
        (
            "/probe?target=127.0.0.1:1&collect[]=nope",
            "unknown collector `nope`",
        ),
    ];
    for (path, message) in cases {
        let reply = get(exporter.addr, path, &[]).await;
        assert_eq!(reply.status, 400, "{path}");
        assert!(reply.text().contains(message), "{path}: {}", reply.text());
        assert!(!reply.text().contains("s3cret"), "{path}: {}", reply.text());
    }
    assert_eq!(exporter.connects.load(Ordering::SeqCst), 0);

    // An empty `module=` is no module, as Go's `Get` reads it (the blackbox
    // exporter probes with its default then), and of a repeated one the
    // first counts: neither is refused.
    for path in [
        "/probe?target=127.0.0.1:1&module=",
        "/probe?target=127.0.0.1:1&module=&module=http",
        "/probe?target=127.0.0.1:1&module=tcp&module=http",
    ] {
        let reply = get(exporter.addr, path, &[]).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    }
}

#[tokio::test]
async fn a_probe_refuses_every_target_until_told_which_to_allow() {
    let a = target(1.0, Duration::ZERO).await;
    let exporter = exporter(Probe::new()).await;
    let reply = get(exporter.addr, &format!("/probe?target={a}"), &[]).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.text().contains("allows no probe targets"),
        "{}",
        reply.text()
    );
    assert_eq!(exporter.connects.load(Ordering::SeqCst), 0);

    // A validation hook decides alone when no host list is given.
    let exporter = exporter_with_hook().await;
    let ok = get(exporter.addr, &format!("/probe?target={a}"), &[]).await;
    assert_eq!(ok.status, 200);
    let bad = get(exporter.addr, "/probe?target=127.0.0.1:22", &[]).await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("only high ports"), "{}", bad.text());
}

async fn exporter_with_hook() -> Probed {
    exporter(Probe::new().validate(|target| {
        let port: u16 = target
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if port >= 1024 {
            Ok(())
        } else {
            Err("only high ports".to_owned())
        }
    }))
    .await
}

#[tokio::test]
async fn an_unreachable_target_gives_probe_success_0_at_the_deadline() {
    // A loopback listener that never accepts: the connection completes in
    // the kernel's backlog and then nothing is ever said (no traffic leaves
    // the machine).
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let exporter = exporter(loopback()).await;
    let started = Instant::now();
    let reply = get(
        exporter.addr,
        &format!("/probe?target={silent_addr}"),
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1.5")],
    )
    .await;
    let took = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(1900),
        "{took:?}"
    );
    let text = reply.text();
    assert_eq!(value(&text, "probe_success", &[]), Some(0.0), "{text}");
    assert_eq!(value(&text, "test_up", &[]), Some(0.0));
    assert_eq!(value(&text, "test_target_value", &[]), None);
    assert!(value(&text, "probe_duration_seconds", &[]).unwrap() >= 0.9);
    drop(silent);

    // A closed port: refused at once.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let started = Instant::now();
    let text = get(exporter.addr, &format!("/probe?target={closed}"), &[])
        .await
        .text();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(value(&text, "probe_success", &[]), Some(0.0), "{text}");
    assert_eq!(value(&text, "test_up", &[]), Some(0.0));
}

#[tokio::test]
async fn metrics_without_a_probe_target_still_serve_up_0() {
    // On /metrics the connect step gets no target: this exporter has none.
    let exporter = exporter(loopback()).await;
    let reply = get(exporter.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_up", &[]), Some(0.0));
    assert_eq!(value(&text, "probe_success", &[]), None);
    assert!(text.contains("test_exporter_build_info"), "{text}");
}

#[tokio::test]
async fn metrics_ignores_a_target_parameter_so_it_cannot_bypass_the_probe() {
    // `/metrics?target=` once reached the connect step as the target, past
    // the probe's allow-list: any client could point the exporter anywhere.
    let answering = target(42.0, Duration::ZERO).await;
    let refusing = exporter(Probe::new().timeout(Duration::from_secs(5))).await;
    for path in [
        format!("/metrics?target={answering}"),
        format!("/metrics?target={answering}&module=m&collect[]=value"),
    ] {
        let reply = get(refusing.addr, &path, &[]).await;
        assert_eq!(reply.status, 200, "{path}");
        let text = reply.text();
        assert_eq!(value(&text, "test_up", &[]), Some(0.0), "{path}: {text}");
        assert_eq!(
            value(&text, "test_target_value", &[]),
            None,
            "{path}: {text}"
        );
    }
    // The same target on /probe is refused: this probe allows no host.
    let reply = get(refusing.addr, &format!("/probe?target={answering}"), &[]).await;
    assert_eq!(reply.status, 400);
    // And allowed, it is probed: the target answers.
    let allowed = exporter(loopback()).await;
    let text = get(allowed.addr, &format!("/probe?target={answering}"), &[])
        .await
        .text();
    assert_eq!(value(&text, "test_target_value", &[]), Some(42.0), "{text}");
}

#[tokio::test]
async fn the_landing_page_offers_a_probe_form_that_probes() {
    let exporter = exporter(loopback()).await;
    let page = get(exporter.addr, "/", &[]).await.text();
    assert!(page.contains("<form action=\"/probe\">"), "{page}");
    assert!(page.contains("name=\"target\""), "{page}");
    // What the form submits is a probe.
    let answering = target(7.0, Duration::ZERO).await;
    let text = get(exporter.addr, &format!("/probe?target={answering}"), &[])
        .await
        .text();
    assert_eq!(value(&text, "test_target_value", &[]), Some(7.0), "{text}");
}
