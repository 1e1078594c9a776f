//! The scraper machinery through the exporter runtime over real sockets:
//! flags, concurrency, deadlines, contained failures, `collect[]`, `<ns>_up`,
//! coalescing, the exporter's own flags, and async collectors' deadlines.

#![allow(clippy::unwrap_used, clippy::float_cmp, clippy::missing_panics_doc)]

mod http_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use exporter_core::collector;
use exporter_core::runtime::{clap, Bound, Exporter, ExporterBuilder};
use exporter_core::scrape::{
    connect_fn, scraper, ConnectContext, Probe, ScrapeContext, ScrapeError, Scraper, Scrapers,
};
use exporter_core::Collector;
use http_support::{get, value};
use tokio::sync::oneshot;

#[derive(Collector)]
#[collector(namespace = "test")]
struct Alpha {
    /// Alpha's value.
    #[metric(gauge)]
    alpha_value: f64,
}

#[derive(Collector)]
#[collector(namespace = "test")]
struct Named {
    /// One series per scraper.
    #[metric(gauge, labels(scraper))]
    named_value: Vec<([String; 1], f64)>,
}

#[derive(Collector)]
#[collector(namespace = "test")]
struct Beta {
    /// Beta's value.
    #[metric(gauge)]
    beta_value: f64,
}

/// A scraper that waits `wait` then returns `Alpha { value }`, counting its runs.
struct Slow {
    name: &'static str,
    wait: Duration,
    runs: Arc<AtomicUsize>,
    on: bool,
}

impl Scraper for Slow {
    type Output = Alpha;

    fn name(&self) -> &str {
        self.name
    }

    fn help(&self) -> &'static str {
        "Waits, then reports alpha"
    }

    fn enabled_by_default(&self) -> bool {
        self.on
    }

    async fn scrape(&self, _: &ScrapeContext) -> Result<Alpha, ScrapeError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.wait).await;
        Ok(Alpha { alpha_value: 1.0 })
    }
}

fn beta() -> impl Scraper {
    scraper("beta", "Reports beta", |_: ScrapeContext| async {
        Ok::<_, ScrapeError>(Beta { beta_value: 2.0 })
    })
}

fn alpha(wait_ms: u64) -> Slow {
    Slow {
        name: "alpha",
        wait: Duration::from_millis(wait_ms),
        runs: Arc::new(AtomicUsize::new(0)),
        on: true,
    }
}

fn gamma_off() -> impl Scraper {
    scraper("gamma", "Off by default", |_: ScrapeContext| async {
        Ok::<_, ScrapeError>(Named {
            named_value: vec![(["gamma".to_owned()], 3.0)],
        })
    })
    .disabled_by_default()
}

fn set() -> Scrapers {
    Scrapers::new("test")
        .with(alpha(0))
        .with(beta())
        .with(gamma_off())
}

fn builder(scrapers: Scrapers) -> ExporterBuilder {
    Exporter::builder("test_exporter")
        .version("1.0.0")
        .scrapers(scrapers)
}

fn args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec!["test_exporter", "--web.listen-address=127.0.0.1:0"];
    v.extend_from_slice(extra);
    v
}

struct Running {
    addr: std::net::SocketAddr,
    _stop: oneshot::Sender<()>,
}

fn serve(bound: Bound) -> Running {
    let addr = bound.local_addrs()[0];
    let (stop, rx) = oneshot::channel::<()>();
    tokio::spawn(bound.serve_with_shutdown(async move {
        let _ = rx.await;
    }));
    Running { addr, _stop: stop }
}

async fn start(scrapers: Scrapers, extra: &[&'static str]) -> Running {
    let b = builder(scrapers);
    let config = b.try_parse_from(args(extra)).unwrap();
    serve(b.bind(&config).await.unwrap())
}

fn enabled(b: &ExporterBuilder, extra: &[&'static str]) -> Vec<String> {
    let config = b.try_parse_from(args(extra)).unwrap();
    config
        .scrapers
        .unwrap()
        .enabled()
        .map(str::to_owned)
        .collect()
}

#[test]
fn collect_flags_turn_scrapers_on_and_off() {
    let b = builder(set());
    assert_eq!(enabled(&b, &[]), ["alpha", "beta"]);
    assert_eq!(
        enabled(&b, &["--collect.gamma"]),
        ["alpha", "beta", "gamma"]
    );
    assert_eq!(enabled(&b, &["--no-collect.alpha"]), ["beta"]);
    // The last of --collect.x / --no-collect.x wins.
    assert_eq!(
        enabled(&b, &["--no-collect.beta", "--collect.beta"]),
        ["alpha", "beta"]
    );
    assert_eq!(
        enabled(&b, &["--collect.beta", "--no-collect.beta"]),
        ["alpha"]
    );
    assert_eq!(
        enabled(&b, &["--collect.disable-defaults", "--collect.gamma"]),
        ["gamma"]
    );
    assert!(enabled(&b, &["--collect.disable-defaults"]).is_empty());

    let help = b.command().render_long_help().to_string();
    assert!(help.contains("--collect.alpha"), "{help}");
    assert!(
        help.contains("Waits, then reports alpha [default: enabled]"),
        "{help}"
    );
    assert!(
        help.contains("Off by default [default: disabled]"),
        "{help}"
    );
    assert!(help.contains("--collect.disable-defaults"), "{help}");

    // node_exporter's spelling.
    let b = builder(set().collect_flag_prefix("collector"));
    assert_eq!(
        enabled(&b, &["--collector.disable-defaults", "--collector.alpha"]),
        ["alpha"]
    );
    assert_eq!(enabled(&b, &["--no-collector.beta"]), ["alpha"]);
}

#[test]
fn an_unknown_collect_flag_exits_2_naming_the_known_scrapers() {
    let b = builder(set());
    for bad in ["--collect.nope", "--no-collect.nope", "--collect.nope=true"] {
        let err = b.try_parse_from(args(&[bad])).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{bad}");
        let text = err.to_string();
        assert!(text.contains("unknown collector `nope`"), "{text}");
        assert!(text.contains("alpha, beta, gamma"), "{text}");
    }
}

/// An exporter's own flags, as redis_exporter has them.
#[derive(clap::Args, Debug, Clone)]
struct OwnFlags {
    /// Address of the test target.
    #[arg(
        long = "target.addr",
        env = "SCRAPERS_TEST_TARGET_ADDR",
        default_value = "localhost:1"
    )]
    addr: String,
    /// Port of the test target.
    #[arg(long = "target.port", default_value_t = 6379)]
    port: u16,
}

#[test]
fn own_flags_are_parsed_shown_in_help_read_from_env_and_refused_when_malformed() {
    let b = Exporter::builder("test_exporter")
        .flags::<OwnFlags>()
        .scrapers(set());
    let config = b
        .try_parse_from(args(&["--target.addr=db:1", "--target.port", "7000"]))
        .unwrap();
    assert_eq!(config.args.addr, "db:1");
    assert_eq!(config.args.port, 7000);
    assert_eq!(config.listen_addresses, ["127.0.0.1:0"]);

    let help = b.command().render_long_help().to_string();
    for shown in [
        "--target.addr",
        "Address of the test target",
        "SCRAPERS_TEST_TARGET_ADDR",
        "--web.listen-address",
        "--collect.alpha",
    ] {
        assert!(help.contains(shown), "{shown} missing from:\n{help}");
    }

    std::env::set_var("SCRAPERS_TEST_TARGET_ADDR", "from-env:2");
    let config = b.try_parse_from(args(&[])).unwrap();
    std::env::remove_var("SCRAPERS_TEST_TARGET_ADDR");
    assert_eq!(config.args.addr, "from-env:2");

    let err = b.try_parse_from(args(&["--target.port=many"])).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--target.port"), "{err}");
}

#[tokio::test]
async fn enabled_scrapers_are_served_with_their_reports() {
    let running = start(set(), &["--collect.gamma", "--no-collect.alpha"]).await;
    let reply = get(running.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_alpha_value", &[]), None, "{text}");
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
    assert_eq!(
        value(&text, "test_named_value", &[("scraper", "gamma")]),
        Some(3.0)
    );
    assert_eq!(
        value(
            &text,
            "test_scrape_collector_success",
            &[("collector", "beta")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "test_scrape_collector_success",
            &[("collector", "gamma")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "test_scrape_collector_success",
            &[("collector", "alpha")]
        ),
        None
    );
    assert!(
        value(
            &text,
            "test_scrape_collector_duration_seconds",
            &[("collector", "beta")]
        )
        .unwrap()
            >= 0.0
    );
    assert!(text.contains("# HELP test_scrape_collector_duration_seconds test_exporter: Duration of a collector scrape."), "{text}");
    // No connect step: no `test_up`.
    assert_eq!(value(&text, "test_up", &[]), None);
    assert!(text.contains("test_exporter_build_info{"), "{text}");
}

#[tokio::test]
async fn scrapers_run_at_once_not_in_turn() {
    let mut scrapers = Scrapers::new("test");
    for name in ["s1", "s2", "s3", "s4"] {
        scrapers = scrapers.with(scraper(
            name,
            "Waits 400 ms",
            move |_: ScrapeContext| async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                Ok::<_, ScrapeError>(Named {
                    named_value: vec![([name.to_owned()], 1.0)],
                })
            },
        ));
    }
    let running = start(scrapers, &[]).await;
    let started = Instant::now();
    let reply = get(running.addr, "/metrics", &[]).await;
    let took = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        took < Duration::from_millis(1200),
        "four 400 ms scrapers took {took:?}"
    );
    let text = reply.text();
    for name in ["s1", "s2", "s3", "s4"] {
        assert_eq!(
            value(&text, "test_named_value", &[("scraper", name)]),
            Some(1.0)
        );
        assert_eq!(
            value(
                &text,
                "test_scrape_collector_success",
                &[("collector", name)]
            ),
            Some(1.0)
        );
        let d = value(
            &text,
            "test_scrape_collector_duration_seconds",
            &[("collector", name)],
        )
        .unwrap();
        assert!((0.35..1.2).contains(&d), "{name}: {d}");
    }
}

fn hanging() -> impl Scraper {
    scraper("hang", "Never answers", |_: ScrapeContext| async {
        std::future::pending::<()>().await;
        Ok::<_, ScrapeError>(Alpha { alpha_value: 0.0 })
    })
}

#[tokio::test]
async fn a_hanging_scraper_is_cut_at_the_deadline_and_the_rest_is_served() {
    let running = start(Scrapers::new("test").with(hanging()).with(beta()), &[]).await;
    let started = Instant::now();
    // 1.5 s less the 0.5 s offset: cut at 1 s.
    let reply = get(
        running.addr,
        "/metrics",
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
    assert_eq!(
        value(
            &text,
            "test_scrape_collector_success",
            &[("collector", "hang")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &text,
            "test_scrape_collector_success",
            &[("collector", "beta")]
        ),
        Some(1.0)
    );
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
    assert_eq!(value(&text, "test_alpha_value", &[]), None);
    assert!(text.contains("test_exporter_build_info{"), "{text}");
    assert!(
        text.contains("promhttp_metric_handler_requests_total"),
        "{text}"
    );
    #[cfg(target_os = "linux")]
    assert!(value(&text, "process_open_fds", &[]).is_some());
}

#[tokio::test]
async fn failing_and_panicking_scrapers_cost_only_their_own_families() {
    let failing = scraper("failing", "Fails", |_: ScrapeContext| async {
        Err::<Alpha, _>(ScrapeError::msg("connection reset"))
    });
    let panicking = scraper("panicking", "Panics", |_: ScrapeContext| async {
        assert!(!std::hint::black_box(true), "scraper bug");
        Ok::<_, ScrapeError>(Alpha { alpha_value: 0.0 })
    });
    // The default error policy (HTTP 500 on a collector error) still gives
    // a 200: a scraper's failure is never an error of the scrape.
    let running = start(
        Scrapers::new("test")
            .with(failing)
            .with(panicking)
            .with(beta()),
        &[],
    )
    .await;
    for _ in 0..2 {
        let reply = get(running.addr, "/metrics", &[]).await;
        assert_eq!(reply.status, 200);
        let text = reply.text();
        assert_eq!(
            value(
                &text,
                "test_scrape_collector_success",
                &[("collector", "failing")]
            ),
            Some(0.0)
        );
        assert_eq!(
            value(
                &text,
                "test_scrape_collector_success",
                &[("collector", "panicking")]
            ),
            Some(0.0)
        );
        assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
        assert!(text.contains("test_exporter_build_info{"), "{text}");
    }
}

#[tokio::test]
async fn collect_params_filter_one_request_and_unknown_or_disabled_names_are_400() {
    let running = start(set(), &[]).await;
    let reply = get(running.addr, "/metrics?collect[]=beta", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
    assert_eq!(value(&text, "test_alpha_value", &[]), None);
    assert_eq!(
        value(
            &text,
            "test_scrape_collector_success",
            &[("collector", "alpha")]
        ),
        None
    );
    assert!(text.contains("test_exporter_build_info{"), "{text}");

    // Percent-encoded brackets, two names.
    let reply = get(
        running.addr,
        "/metrics?collect%5B%5D=beta&collect%5B%5D=alpha",
        &[],
    )
    .await;
    let text = reply.text();
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
    assert_eq!(value(&text, "test_alpha_value", &[]), Some(1.0));

    let reply = get(running.addr, "/metrics?collect[]=nope", &[]).await;
    assert_eq!(reply.status, 400);
    let text = reply.text();
    assert!(text.contains("unknown collector `nope`"), "{text}");
    assert!(text.contains("alpha, beta, gamma"), "{text}");

    let reply = get(running.addr, "/metrics?collect[]=beta&collect[]=gamma", &[]).await;
    assert_eq!(reply.status, 400);
    assert!(reply
        .text()
        .contains("collector `gamma` in collect[] is disabled"));
}

#[tokio::test]
async fn exclude_params_leave_scrapers_out_as_node_exporter_does() {
    let running = start(set(), &[]).await;
    let reply = get(running.addr, "/metrics?exclude[]=alpha", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
    assert_eq!(value(&text, "test_alpha_value", &[]), None);
    let success = |text: &str, name: &str| {
        value(
            text,
            "test_scrape_collector_success",
            &[("collector", name)],
        )
    };
    assert_eq!(success(&text, "alpha"), None);
    assert_eq!(success(&text, "beta"), Some(1.0));

    // Excluding a disabled scraper changes nothing; excluding every enabled
    // one runs none (node_exporter ran them all then).
    let text = get(running.addr, "/metrics?exclude[]=gamma", &[])
        .await
        .text();
    assert_eq!(value(&text, "test_alpha_value", &[]), Some(1.0));
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
    let reply = get(
        running.addr,
        "/metrics?exclude[]=alpha&exclude%5B%5D=beta",
        &[],
    )
    .await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(
        (success(&text, "alpha"), success(&text, "beta")),
        (None, None)
    );
    assert!(text.contains("test_exporter_build_info{"), "{text}");

    // A name this exporter does not have is ignored, as node_exporter does
    // (one job's exclude[] serves a fleet); both filters at once are a 400.
    let reply = get(running.addr, "/metrics?exclude[]=nope&exclude[]=beta", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_alpha_value", &[]), Some(1.0));
    assert_eq!(value(&text, "test_beta_value", &[]), None);
    let reply = get(running.addr, "/metrics?collect[]=beta&exclude[]=alpha", &[]).await;
    assert_eq!(reply.status, 400);
    assert!(reply
        .text()
        .contains("Combined collect and exclude queries are not allowed."));
}

#[tokio::test]
async fn a_target_that_is_down_gives_up_0_with_a_200_and_the_exporters_own_metrics() {
    let b = builder(Scrapers::new("test").with(beta()));
    let config = b.try_parse_from(args(&[])).unwrap();
    let down = connect_fn(|_: ConnectContext| async {
        Err::<(), _>(ScrapeError::msg("connection refused"))
    });
    let running = serve(b.bind_with(&config, down).await.unwrap());
    let reply = get(running.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_up", &[]), Some(0.0), "{text}");
    assert_eq!(value(&text, "test_beta_value", &[]), None);
    assert!(text.contains("test_exporter_build_info{"), "{text}");
    assert!(
        text.contains("promhttp_metric_handler_requests_total"),
        "{text}"
    );

    let b = builder(Scrapers::new("test").with(beta()));
    let up = connect_fn(|_: ConnectContext| async { Ok::<_, ScrapeError>(()) });
    let running = serve(b.bind_with(&config, up).await.unwrap());
    let text = get(running.addr, "/metrics", &[]).await.text();
    assert_eq!(value(&text, "test_up", &[]), Some(1.0), "{text}");
    assert_eq!(value(&text, "test_beta_value", &[]), Some(2.0));
}

async fn target_queries(coalesce: bool) -> usize {
    // Long enough that the four requests all arrive while it runs, even when loaded.
    let slow = alpha(1000);
    let runs = Arc::clone(&slow.runs);
    let running = start(Scrapers::new("test").with(slow).coalesce(coalesce), &[]).await;
    let addr = running.addr;
    let accepts = [
        "text/plain",
        "application/openmetrics-text; version=1.0.0",
        "text/plain",
        "*/*",
    ];
    let replies = futures_join(
        accepts
            .into_iter()
            .map(|a| async move { get(addr, "/metrics", &[("Accept", a)]).await }),
    )
    .await;
    for (reply, accept) in replies.iter().zip(accepts) {
        assert_eq!(reply.status, 200);
        let text = reply.text();
        assert!(text.contains("test_alpha_value 1"), "{text}");
        // Each request in its own negotiated format.
        assert_eq!(
            accept.starts_with("application/openmetrics"),
            text.ends_with("# EOF\n")
        );
    }
    runs.load(Ordering::SeqCst)
}

/// Runs the futures concurrently on spawned tasks.
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn coalesced_scrapes_query_the_target_once() {
    assert_eq!(target_queries(true).await, 1);
    assert_eq!(target_queries(false).await, 4);
}

#[derive(Collector)]
#[collector(namespace = "test")]
struct Waited {
    /// Seconds the collector had left when it answered.
    #[metric(gauge)]
    seconds_left: f64,
}

#[tokio::test]
async fn an_async_collector_that_honours_its_deadline_finishes_inside_it() {
    let registry = Arc::new(exporter_core::Registry::new());
    registry
        .register_async(
            collector::from_async_fn(|| async {
                let deadline =
                    collector::scrape_deadline().ok_or(exporter_core::CollectError::TimedOut)?;
                // Work until 200 ms before the deadline, then answer.
                let stop = deadline
                    .checked_sub(Duration::from_millis(200))
                    .unwrap_or(deadline);
                tokio::time::sleep_until(tokio::time::Instant::from_std(stop)).await;
                Ok(Waited {
                    seconds_left: deadline
                        .saturating_duration_since(Instant::now())
                        .as_secs_f64(),
                })
            })
            .named("waiter"),
        )
        .unwrap();
    let b = Exporter::builder("test_exporter").registry(registry);
    let config = b.try_parse_from(args(&[])).unwrap();
    let running = serve(b.bind(&config).await.unwrap());
    let started = Instant::now();
    let reply = get(
        running.addr,
        "/metrics",
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1.5")],
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() < Duration::from_millis(1400));
    let left = value(&reply.text(), "test_seconds_left", &[]).unwrap();
    assert!(left > 0.0 && left < 0.3, "{left}");
}

#[tokio::test]
async fn two_scrapers_of_one_name_are_a_start_up_error_not_a_panic() {
    // clap panicked on the second `--collect.beta` (in debug builds) before
    // the set's own check could say what was wrong.
    let b = builder(Scrapers::new("test").with(beta()).with(beta()));
    let config = b.try_parse_from(args(&["--no-collect.beta"])).unwrap();
    let Err(error) = b.bind(&config).await else {
        panic!("two scrapers called beta were served");
    };
    assert_eq!(
        error.to_string(),
        "cannot serve the scrapers: two scrapers are called `beta`"
    );
}

#[tokio::test]
async fn a_probe_that_cannot_be_served_is_a_start_up_error_not_a_missing_route() {
    // `probe_with` before `flags`: `flags` replaces the type its closure
    // reads, and `/probe` used to vanish (a 404) without a word.
    let b = builder(set())
        .probe_with(|_| Probe::new().allow_any())
        .flags::<OwnFlags>();
    let config = b.try_parse_from(args(&[])).unwrap();
    let Err(error) = b.bind(&config).await else {
        panic!("served without /probe");
    };
    assert!(
        error
            .to_string()
            .starts_with("cannot serve /probe: `probe_with` was called before `flags`"),
        "{error}"
    );
    // In the right order it is served.
    let b = builder(set())
        .flags::<OwnFlags>()
        .probe_with(|_| Probe::new().allow_any());
    let config = b.try_parse_from(args(&[])).unwrap();
    assert!(b.bind(&config).await.is_ok());
    // A probe without scrapers has nothing to probe with.
    let b = Exporter::builder("test_exporter").probe(Probe::new());
    let config = b.try_parse_from(args(&[])).unwrap();
    let Err(error) = b.bind(&config).await else {
        panic!("served /probe without scrapers");
    };
    assert!(
        error.to_string().contains("add them with `.scrapers(...)`"),
        "{error}"
    );
}

/// Flags of an exporter's own that take a scraper's flag.
#[derive(clap::Args, Debug, Clone)]
struct Clashing {
    /// A flag of the exporter's own that is also `beta`'s.
    #[arg(long = "collect.beta")]
    beta: Option<String>,
}

#[test]
fn an_own_flag_that_is_a_scrapers_flag_is_refused_not_a_panic() {
    let b = builder(set()).flags::<Clashing>();
    // The help still renders (the scraper's flag is left out of it).
    assert!(b
        .command()
        .render_help()
        .to_string()
        .contains("--collect.alpha"));
    for extra in [&[][..], &["--collect.beta=x"][..]] {
        let err = b.try_parse_from(args(extra)).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(
            err.to_string()
                .contains("own flag `--collect.beta` is also one of its scrapers' flags"),
            "{err}"
        );
    }
}
