//! redis_exporter against a real Redis: Debian's `redis-server`, started by
//! each test on a free loopback port with `--save ''` (nothing written to
//! disk) and stopped by it (killed when the test's guard drops).
//!
//! Values are compared with what `INFO` says at the same moment: `INFO`
//! before and after the scrape bracket every counter, and what the test did
//! itself (keys set, commands run) must show exactly.

#![allow(clippy::float_cmp, clippy::too_many_lines)]

#[path = "../../tests_common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_port, get, get_with, parse, value, Family, Proc};

/// A scratch directory removed at the end of the test.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "redis-exp-{tag}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One `redis-server` on 127.0.0.1.
struct RedisServer {
    proc: Proc,
    port: u16,
    password: Option<String>,
}

impl RedisServer {
    fn start(dir: &Path, password: Option<&str>) -> RedisServer {
        Self::start_on(dir, free_port(), password)
    }

    fn start_on(dir: &Path, port: u16, password: Option<&str>) -> RedisServer {
        let mut cmd = Command::new("redis-server");
        cmd.args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .args(["--daemonize", "no", "--databases", "16"]);
        if let Some(pw) = password {
            cmd.args(["--requirepass", pw]);
        }
        let proc = Proc::spawn("redis-server", cmd, &dir.join(format!("redis-{port}.log")));
        let server = RedisServer {
            proc,
            port,
            password: password.map(str::to_owned),
        };
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = server.try_conn(0) {
                if redis::cmd("PING").query::<String>(&mut c).is_ok() {
                    return server;
                }
            }
            assert!(
                Instant::now() < end,
                "redis-server did not answer on {port}:\n{}",
                server.proc.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn try_conn(&self, db: u8) -> redis::RedisResult<redis::Connection> {
        let auth = self
            .password
            .as_ref()
            .map(|p| format!(":{p}@"))
            .unwrap_or_default();
        let client = redis::Client::open(format!("redis://{auth}127.0.0.1:{}/{db}", self.port))?;
        client.get_connection_with_timeout(Duration::from_secs(5))
    }

    fn conn(&self, db: u8) -> redis::Connection {
        self.try_conn(db).unwrap()
    }

    /// `INFO <section>` as `key -> value`.
    fn info(&self, section: &str) -> BTreeMap<String, String> {
        let text: String = redis::cmd("INFO")
            .arg(section)
            .query(&mut self.conn(0))
            .unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.trim().split_once(':'))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

fn exporter_bin() -> &'static str {
    env!("CARGO_BIN_EXE_redis_exporter")
}

/// Starts the exporter on a free port and waits until it serves.
fn start_exporter(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Proc, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = Command::new(exporter_bin());
    cmd.arg("--web.listen-address")
        .arg(addr.to_string())
        .args(args)
        .env_remove("REDIS_ADDR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut proc = Proc::spawn(
        "redis_exporter",
        cmd,
        &dir.join(format!("exporter-{}.log", addr.port())),
    );
    common::wait_ready(&mut proc, addr, "/-/healthy", Duration::from_secs(30));
    (proc, addr)
}

fn scrape(addr: SocketAddr, path: &str) -> BTreeMap<String, Family> {
    let r = get(addr, path);
    assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    parse(&r.body)
}

fn num(info: &BTreeMap<String, String>, key: &str) -> f64 {
    info.get(key)
        .unwrap_or_else(|| panic!("INFO has no {key}"))
        .parse()
        .unwrap()
}

/// `calls` of `cmdstat_<cmd>`; 0 when Redis has not run the command yet.
fn cmd_calls(info: &BTreeMap<String, String>, cmd: &str) -> f64 {
    info.get(&format!("cmdstat_{cmd}")).map_or(0.0, |line| {
        line.split(',')
            .find_map(|kv| kv.strip_prefix("calls="))
            .unwrap()
            .parse()
            .unwrap()
    })
}

#[test]
fn values_match_info_at_the_same_moment() {
    let dir = TempDir::new("values");
    let server = RedisServer::start(&dir.0, None);
    let mut c0 = server.conn(0);
    for i in 0..5 {
        redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query::<()>(&mut c0)
            .unwrap();
    }
    redis::cmd("EXPIRE")
        .arg("k0")
        .arg(1000)
        .query::<()>(&mut c0)
        .unwrap();
    redis::cmd("EXPIRE")
        .arg("k1")
        .arg(2000)
        .query::<()>(&mut c0)
        .unwrap();
    for _ in 0..7 {
        let _: Option<String> = redis::cmd("GET").arg("k2").query(&mut c0).unwrap();
    }
    let mut c3 = server.conn(3);
    for i in 0..3 {
        redis::cmd("LPUSH")
            .arg(format!("list{i}"))
            .arg("x")
            .query::<()>(&mut c3)
            .unwrap();
    }
    let (_exporter, addr) = start_exporter(&dir.0, &["--redis.addr", &server.url()], &[]);

    let before = server.info("everything");
    let m = scrape(addr, "/metrics");
    let after = server.info("everything");

    assert_eq!(value(&m, "redis_up", &[]), Some(1.0));
    // What the test did itself, exactly.
    assert_eq!(value(&m, "redis_db_keys", &[("db", "db0")]), Some(5.0));
    assert_eq!(
        value(&m, "redis_db_keys_expiring", &[("db", "db0")]),
        Some(2.0)
    );
    assert_eq!(value(&m, "redis_db_keys", &[("db", "db3")]), Some(3.0));
    assert_eq!(
        value(&m, "redis_db_keys_expiring", &[("db", "db3")]),
        Some(0.0)
    );
    assert_eq!(
        value(&m, "redis_db_keys", &[("db", "db1")]),
        None,
        "empty databases have no series"
    );
    assert_eq!(
        value(&m, "redis_commands_total", &[("cmd", "set")]),
        Some(5.0)
    );
    assert_eq!(
        value(&m, "redis_commands_total", &[("cmd", "get")]),
        Some(7.0)
    );
    assert_eq!(
        value(&m, "redis_commands_total", &[("cmd", "lpush")]),
        Some(3.0)
    );
    assert_eq!(cmd_calls(&before, "set"), 5.0);
    // Redis 7 reports subcommands with a `|`, a label value as it is.
    let info_calls = cmd_calls(&before, "info");
    let scraped_info = value(&m, "redis_commands_total", &[("cmd", "info")]).unwrap();
    assert!(
        info_calls <= scraped_info && scraped_info <= cmd_calls(&after, "info"),
        "{scraped_info} vs INFO {info_calls}"
    );
    let usec: f64 = before["cmdstat_set"]
        .split(',')
        .find_map(|kv| kv.strip_prefix("usec="))
        .unwrap()
        .parse()
        .unwrap();
    let secs = value(
        &m,
        "redis_commands_duration_seconds_total",
        &[("cmd", "set")],
    )
    .unwrap();
    assert!((secs - usec / 1e6).abs() < 1e-9, "{secs} vs {usec} us");

    // Counters and gauges that move: between the two INFOs around the scrape.
    for (metric, key) in [
        ("redis_commands_processed_total", "total_commands_processed"),
        (
            "redis_connections_received_total",
            "total_connections_received",
        ),
        ("redis_net_input_bytes_total", "total_net_input_bytes"),
        ("redis_uptime_in_seconds", "uptime_in_seconds"),
        ("redis_cpu_user_seconds_total", "used_cpu_user"),
        ("redis_keyspace_hits_total", "keyspace_hits"),
    ] {
        let v = value(&m, metric, &[]).unwrap_or_else(|| panic!("{metric} missing"));
        let (lo, hi) = (num(&before, key), num(&after, key));
        assert!(
            lo <= v && v <= hi,
            "{metric} = {v}, INFO {key} went {lo} -> {hi}"
        );
    }
    for (metric, key) in [
        ("redis_memory_used_bytes", "used_memory"),
        ("redis_connected_clients", "connected_clients"),
    ] {
        let v = value(&m, metric, &[]).unwrap();
        let (a, b) = (num(&before, key), num(&after, key));
        let (lo, hi) = (a.min(b), a.max(b));
        assert!(
            lo * 0.9 <= v && v <= hi * 1.1 + 2.0,
            "{metric} = {v}, INFO {key} {a} / {b}"
        );
    }
    assert_eq!(
        value(&m, "redis_memory_max_bytes", &[]),
        Some(num(&before, "maxmemory"))
    );

    let info = &m["redis_instance_info"];
    assert_eq!(info.kind, "gauge");
    assert_eq!(info.samples.len(), 1);
    let labels = &info.samples[0].1;
    assert_eq!(labels["role"], "master");
    assert_eq!(labels["tcp_port"], server.port.to_string());
    assert_eq!(labels["run_id"], before["run_id"]);
    assert_eq!(labels["redis_version"], before["redis_version"]);
    for scraper in ["info", "keyspace", "commandstats"] {
        assert_eq!(
            value(
                &m,
                "redis_scrape_collector_success",
                &[("collector", scraper)]
            ),
            Some(1.0),
            "{scraper}"
        );
    }
    assert_eq!(m["redis_commands_total"].kind, "counter");
    assert_eq!(
        m["redis_commands_total"].help,
        "Total number of calls per command"
    );
    assert_eq!(m["redis_db_keys"].help, "Total number of keys by DB");
}

#[test]
fn redis_stopped_mid_test_gives_up_0_and_a_200_then_recovers() {
    let dir = TempDir::new("stop");
    let mut server = RedisServer::start(&dir.0, None);
    redis::cmd("SET")
        .arg("a")
        .arg(1)
        .query::<()>(&mut server.conn(0))
        .unwrap();
    let port = server.port;
    let (_exporter, addr) = start_exporter(&dir.0, &["--redis.addr", &server.url()], &[]);
    let m = scrape(addr, "/metrics");
    assert_eq!(value(&m, "redis_up", &[]), Some(1.0));

    server.proc.stop();
    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200, "{}", r.body);
    let m = parse(&r.body);
    assert_eq!(value(&m, "redis_up", &[]), Some(0.0));
    assert!(
        !m.contains_key("redis_db_keys"),
        "no Redis families while down"
    );
    assert!(
        m.contains_key("process_resident_memory_bytes"),
        "the exporter's own metrics stay"
    );
    assert!(
        m.keys().any(|k| k.ends_with("_build_info")),
        "build info stays: {:?}",
        m.keys()
    );

    // Back on the same port: the next scrape reconnects.
    let server = RedisServer::start_on(&dir.0, port, None);
    redis::cmd("SET")
        .arg("b")
        .arg(1)
        .query::<()>(&mut server.conn(0))
        .unwrap();
    let m = scrape(addr, "/metrics");
    assert_eq!(value(&m, "redis_up", &[]), Some(1.0));
    assert_eq!(
        value(&m, "redis_db_keys", &[("db", "db0")]),
        Some(1.0),
        "a fresh Redis (nothing saved)"
    );
}

#[test]
fn password_auth_from_a_file() {
    let dir = TempDir::new("auth");
    let server = RedisServer::start(&dir.0, Some("s3cret pass"));
    redis::cmd("SET")
        .arg("x")
        .arg(1)
        .query::<()>(&mut server.conn(0))
        .unwrap();
    let file = dir.0.join("password");
    std::fs::write(&file, "s3cret pass\n").unwrap();
    let file_arg = file.to_str().unwrap();
    let (_exporter, addr) = start_exporter(
        &dir.0,
        &[
            "--redis.addr",
            &server.url(),
            "--redis.password-file",
            file_arg,
        ],
        &[],
    );
    let m = scrape(addr, "/metrics");
    assert_eq!(value(&m, "redis_up", &[]), Some(1.0));
    assert_eq!(value(&m, "redis_db_keys", &[("db", "db0")]), Some(1.0));

    // Without the password: Redis refuses, redis_up 0.
    let (_e2, addr2) = start_exporter(&dir.0, &["--redis.addr", &server.url()], &[]);
    assert_eq!(
        value(&scrape(addr2, "/metrics"), "redis_up", &[]),
        Some(0.0)
    );

    // A wrong one: the same.
    let wrong = dir.0.join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let (_e3, addr3) = start_exporter(
        &dir.0,
        &[
            "--redis.addr",
            &server.url(),
            "--redis.password-file",
            wrong.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        value(&scrape(addr3, "/metrics"), "redis_up", &[]),
        Some(0.0)
    );
}

/// Runs the exporter expecting it to refuse to start; returns its output.
fn refuses_to_start(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(exporter_bin());
    cmd.args([
        "--web.listen-address",
        &format!("127.0.0.1:{}", free_port()),
    ])
    .args(args)
    .env_remove("REDIS_ADDR");
    let mut p = Proc::spawn(
        "redis_exporter",
        cmd,
        &dir.join(format!("refused-{}.log", free_port())),
    );
    let status = p
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("still running with {args:?}:\n{}", p.log()));
    assert!(!status.success(), "{args:?} started:\n{}", p.log());
    p.log()
}

#[test]
fn bad_flags_are_clear_errors() {
    let dir = TempDir::new("flags");
    let out = refuses_to_start(&dir.0, &["--redis.password-file", "/nonexistent/pw"]);
    assert!(out.contains("/nonexistent/pw"), "{out}");
    let out = refuses_to_start(&dir.0, &["--redis.addr", "redis://:hunter2@127.0.0.1:1"]);
    assert!(
        out.contains("password-file") && !out.contains("hunter2"),
        "{out}"
    );
    let out = refuses_to_start(&dir.0, &["--redis.addr", "http://127.0.0.1:1"]);
    assert!(out.contains("http://127.0.0.1:1"), "{out}");
    let out = refuses_to_start(&dir.0, &["--collect.nosuch"]);
    assert!(
        out.contains("commandstats"),
        "names the known scrapers: {out}"
    );
    // clap's own refusals exit 2; --help shows the exporter's flags beside the standard ones.
    for args in [
        &["--collect.nosuch"][..],
        &["--connection-timeout", "soon"],
        &["--redis.adr", "x"],
    ] {
        let out = Command::new(exporter_bin())
            .args(args)
            .env_remove("REDIS_ADDR")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let help = Command::new(exporter_bin()).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--web.listen-address",
        "--redis.addr",
        "[env: REDIS_ADDR=",
        "--redis.password-file",
        "--probe.allow-host",
        "--collect.keyspace",
        "--collect.disable-defaults",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn address_from_the_environment_and_scraper_flags() {
    let dir = TempDir::new("env");
    let server = RedisServer::start(&dir.0, None);
    redis::cmd("SET")
        .arg("e")
        .arg(1)
        .query::<()>(&mut server.conn(0))
        .unwrap();
    let url = server.url();
    let (_exporter, addr) = start_exporter(
        &dir.0,
        &["--no-collect.commandstats"],
        &[("REDIS_ADDR", &url)],
    );
    let m = scrape(addr, "/metrics");
    assert_eq!(value(&m, "redis_db_keys", &[("db", "db0")]), Some(1.0));
    assert!(
        !m.contains_key("redis_commands_total"),
        "commandstats is off"
    );
    // collect[] narrows one request.
    let m = scrape(addr, "/metrics?collect[]=keyspace");
    assert!(m.contains_key("redis_db_keys"));
    assert!(!m.contains_key("redis_instance_info"));
    let r = get(addr, "/metrics?collect[]=commandstats");
    assert_eq!(r.status, 400, "a disabled scraper: {}", r.body);
    assert!(r.body.contains("commandstats"), "{}", r.body);
}

#[test]
fn probe_two_servers_at_once_keeps_values_apart() {
    let dir = TempDir::new("probe");
    let a = RedisServer::start(&dir.0, None);
    let b = RedisServer::start(&dir.0, None);
    for i in 0..3 {
        redis::cmd("SET")
            .arg(i)
            .arg(i)
            .query::<()>(&mut a.conn(0))
            .unwrap();
    }
    for i in 0..7 {
        redis::cmd("SET")
            .arg(i)
            .arg(i)
            .query::<()>(&mut b.conn(2))
            .unwrap();
    }
    let (_exporter, addr) = start_exporter(&dir.0, &["--probe.allow-host", "127.0.0.1"], &[]);
    for _round in 0..3 {
        let (ua, ub) = (a.url(), b.url());
        let ta = std::thread::spawn(move || get(addr, &format!("/probe?target={ua}")));
        let tb = std::thread::spawn(move || get(addr, &format!("/probe?target={ub}")));
        let (ra, rb) = (ta.join().unwrap(), tb.join().unwrap());
        assert_eq!(
            (ra.status, rb.status),
            (200, 200),
            "{}\n{}",
            ra.body,
            rb.body
        );
        let (ma, mb) = (parse(&ra.body), parse(&rb.body));
        assert_eq!(value(&ma, "probe_success", &[]), Some(1.0));
        assert_eq!(value(&mb, "probe_success", &[]), Some(1.0));
        assert_eq!(value(&ma, "redis_db_keys", &[("db", "db0")]), Some(3.0));
        assert_eq!(value(&ma, "redis_db_keys", &[("db", "db2")]), None);
        assert_eq!(value(&mb, "redis_db_keys", &[("db", "db2")]), Some(7.0));
        assert_eq!(value(&mb, "redis_db_keys", &[("db", "db0")]), None);
        assert_eq!(
            ma["redis_instance_info"].samples[0].1["tcp_port"],
            a.port.to_string()
        );
        assert_eq!(
            mb["redis_instance_info"].samples[0].1["tcp_port"],
            b.port.to_string()
        );
        assert!(ma.contains_key("probe_duration_seconds"));
    }
}

#[test]
fn bad_probe_targets_are_refused_before_connecting() {
    let dir = TempDir::new("refused");
    // A listener the refused targets point at: it must never see a connection.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let (_exporter, addr) = start_exporter(&dir.0, &["--probe.allow-host", "localhost"], &[]);
    for target in [
        format!("redis://127.0.0.1:{trap_port}"), // not in the allow-list
        format!("127.0.0.1:{trap_port}"),         // the same without a scheme
        "redis://name.invalid:6379".to_owned(),   // not allowed: refused without a lookup
        format!("redis://:pw@localhost:{trap_port}"), // a password in the target
        format!("http://localhost:{trap_port}"),  // not Redis
        "not a url at all".to_owned(),
    ] {
        let t0 = Instant::now();
        let r = get(
            addr,
            &format!("/probe?target={}", target.replace(' ', "%20")),
        );
        assert_eq!(r.status, 400, "{target}: {}", r.body);
        assert!(
            t0.elapsed() < Duration::from_secs(2),
            "{target} took {:?}",
            t0.elapsed()
        );
    }
    let r = get(addr, "/probe");
    assert_eq!(r.status, 400, "missing target: {}", r.body);
    assert!(
        matches!(trap.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a refused target was connected to"
    );
}

#[test]
fn a_silent_redis_is_cut_at_the_deadline() {
    let dir = TempDir::new("silent");
    // Accepts TCP connections (the kernel does, from the backlog) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}", silent.local_addr().unwrap().port());
    let (_exporter, addr) = start_exporter(
        &dir.0,
        &["--redis.addr", &url, "--probe.allow-host", "127.0.0.1"],
        &[],
    );
    // Prometheus's header: 2 s, minus the handler's 0.5 s offset.
    let timeout_header = [("X-Prometheus-Scrape-Timeout-Seconds", "2")];
    for path in ["/metrics".to_owned(), format!("/probe?target={url}")] {
        let t0 = Instant::now();
        let r = get_with(addr, &path, &timeout_header, Duration::from_secs(10)).unwrap();
        let took = t0.elapsed();
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(took < Duration::from_secs(4), "{path} took {took:?}");
        let m = parse(&r.body);
        if path == "/metrics" {
            assert_eq!(value(&m, "redis_up", &[]), Some(0.0), "{}", r.body);
        } else {
            assert_eq!(value(&m, "probe_success", &[]), Some(0.0), "{}", r.body);
        }
    }
    drop(silent);
}
