//! Shutdown has a deadline (`--web.shutdown-timeout`), SIGHUP re-reads the web config
//! instead of ending the process, and the open-files limit is raised: on a real
//! exporter process (`test_exporter`).

#![allow(clippy::unwrap_used)]

mod process_support;

use std::time::Duration;

use base64::Engine as _;
use process_support::{exporter, get, signal, spawn, wait_exit};

#[test]
fn a_stuck_scrape_does_not_outlive_the_shutdown_deadline() {
    let mut command = exporter(&["--web.shutdown-timeout", "1s"]);
    command.env("TEST_EXPORTER_SCRAPE_SLEEP_MS", "30000");
    let mut exporter = spawn(command);
    let addr = exporter.addr;
    // A scrape that blocks for 30 s; its client goes away after a moment.
    std::thread::spawn(move || {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
    });
    std::thread::sleep(Duration::from_millis(300));
    signal(&exporter.child, "TERM");
    let (status, took) = wait_exit(&mut exporter.child, Duration::from_secs(10))
        .expect("still running 10 s after SIGTERM");
    assert_eq!(status.code(), Some(1), "exit status past the deadline");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "exited {took:?} after SIGTERM with a 1 s deadline"
    );
}

#[test]
fn an_idle_exporter_stops_at_once() {
    let mut exporter = spawn(exporter(&[]));
    assert!(get(exporter.addr, "/metrics", "").contains("test_up 1"));
    signal(&exporter.child, "TERM");
    let (status, took) = wait_exit(&mut exporter.child, Duration::from_secs(5)).unwrap();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// Connections that have not sent a byte (a port check, a client that
/// connected early) are closed at shutdown; they do not hold it until the
/// header timeout or the shutdown deadline.
#[test]
fn connections_that_sent_nothing_do_not_delay_shutdown() {
    let mut exporter = spawn(exporter(&["--web.shutdown-timeout", "5s"]));
    let silent: Vec<std::net::TcpStream> = (0..20)
        .map(|_| std::net::TcpStream::connect(exporter.addr).unwrap())
        .collect();
    // The exporter still serves the others meanwhile.
    assert!(get(exporter.addr, "/metrics", "").contains("test_up 1"));
    std::thread::sleep(Duration::from_millis(300));
    signal(&exporter.child, "TERM");
    let (status, took) = wait_exit(&mut exporter.child, Duration::from_secs(8)).unwrap();
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    drop(silent);
}

#[test]
fn the_shutdown_flag_is_checked() {
    let out = std::process::Command::new(process_support::BIN)
        .args(["--web.shutdown-timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("web.shutdown-timeout"));
}

#[test]
fn sighup_re_reads_the_web_config_instead_of_killing() {
    let dir = std::env::temp_dir().join(format!("exporter-hup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("web.yml");
    let users = |pw: &str| {
        format!(
            "basic_auth_users:\n  alice: {}\n",
            bcrypt::hash(pw, 4).unwrap()
        )
    };
    std::fs::write(&file, users("one")).unwrap();
    let mut exporter = spawn(exporter(&["--web.config.file", file.to_str().unwrap()]));
    let auth = |pw: &str| {
        format!(
            "Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(format!("alice:{pw}"))
        )
    };
    assert!(get(exporter.addr, "/metrics", &auth("one")).starts_with("HTTP/1.1 200"));
    std::fs::write(&file, users("two")).unwrap();
    signal(&exporter.child, "HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        exporter.child.try_wait().unwrap().is_none(),
        "SIGHUP ended the process"
    );
    assert!(get(exporter.addr, "/metrics", &auth("two")).starts_with("HTTP/1.1 200"));
    assert!(get(exporter.addr, "/metrics", &auth("one")).starts_with("HTTP/1.1 401"));
    let logged: Vec<String> = exporter.log.try_iter().collect();
    assert!(logged.iter().any(|l| l.contains("SIGHUP")), "{logged:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_open_files_soft_limit_is_raised_to_the_hard_limit() {
    // Started with a soft limit of 256, below any hard limit.
    let mut command = std::process::Command::new("sh");
    command.args([
        "-c",
        "ulimit -Sn 256 && exec \"$0\" --web.listen-address 127.0.0.1:0",
        process_support::BIN,
    ]);
    let exporter = spawn(command);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", exporter.child.id())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[3], fields[4], "soft and hard limit: {line}");
}
