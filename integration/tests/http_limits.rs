//! Listener and connection limits as Go's net/http and exporter-toolkit set them
//! (issue 11, item 7): a 1 MiB request head with at most 1000 fields, `Host` required
//! on HTTP/1.1, a send timeout for clients that stop reading, a percent-encoded
//! telemetry path, the `somaxconn` backlog and systemd socket activation.

#![allow(clippy::unwrap_used)]

mod http_support;
mod process_support;

use std::time::{Duration, Instant};

use exporter_core::http::MetricsHandler;
use exporter_core::Registry;
use http_support::{raw, start, start_with, Big, Fixed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixed_handler() -> MetricsHandler {
    let registry = Registry::new();
    registry.register(Fixed::new()).unwrap();
    MetricsHandler::new(registry)
}

fn request_with_headers(count: usize, value_len: usize) -> Vec<u8> {
    let mut req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".to_vec();
    let value = "v".repeat(value_len);
    for i in 0..count {
        req.extend_from_slice(format!("X-Test-{i}: {value}\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    req
}

#[tokio::test]
async fn a_request_head_of_up_to_a_mebibyte_and_a_thousand_fields_is_served() {
    let server = start(fixed_handler()).await;
    // 900 KB in 200 fields: over the old 64 KiB limit, under Go's 1 MB.
    let big = raw(server.addr, &request_with_headers(200, 4500)).await;
    assert!(
        big.starts_with("HTTP/1.1 200"),
        "{}",
        &big[..big.len().min(200)]
    );
    let many = raw(server.addr, &request_with_headers(990, 10)).await;
    assert!(
        many.starts_with("HTTP/1.1 200"),
        "{}",
        &many[..many.len().min(200)]
    );
    // Past either bound: 431.
    let too_big = raw(server.addr, &request_with_headers(300, 4500)).await;
    assert!(
        too_big.starts_with("HTTP/1.1 431"),
        "{}",
        &too_big[..too_big.len().min(200)]
    );
    let too_many = raw(server.addr, &request_with_headers(1100, 10)).await;
    assert!(
        too_many.starts_with("HTTP/1.1 431"),
        "{}",
        &too_many[..too_many.len().min(200)]
    );
}

/// A keep-alive request with `count` extra fields.
fn keep_alive_request(count: usize) -> Vec<u8> {
    let mut req = request_with_headers(count, 10);
    let close = b"Connection: close\r\n";
    let at = req.windows(close.len()).position(|w| w == close).unwrap();
    req.splice(at..at + close.len(), []);
    req
}

/// Reads one response with a `content-length` body; returns its status.
async fn read_response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> u16 {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= end + 4 + len {
                let status = head[9..12].parse().unwrap();
                buf.drain(..end + 4 + len);
                return status;
            }
        }
        let mut chunk = [0; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "the connection closed before a whole response");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A connection starts on hyper's 100 cheap header slots and moves to 1000 when a
/// head needs them (`many_headers`): on the same keep-alive connection, before and
/// after small requests, one after another or pipelined, a head of up to 1000
/// fields is served and a bigger one gets 431.
#[tokio::test]
async fn many_fields_are_served_on_a_connection_that_began_with_few() {
    let server = start(fixed_handler()).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut buf = Vec::new();
    for (fields, status) in [(0, 200), (500, 200), (0, 200), (990, 200), (1100, 431)] {
        stream.write_all(&keep_alive_request(fields)).await.unwrap();
        assert_eq!(
            read_response(&mut stream, &mut buf).await,
            status,
            "{fields} fields"
        );
    }

    let mut pipelined = Vec::new();
    for fields in [0, 300, 0, 1100] {
        pipelined.extend(keep_alive_request(fields));
    }
    let answer = raw(server.addr, &pipelined).await;
    let statuses: Vec<&str> = answer
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| &answer[at + 9..at + 12])
        .collect();
    assert_eq!(statuses, ["200", "200", "200", "431"], "{answer}");
}

#[tokio::test]
async fn http_1_1_without_host_is_400() {
    let server = start(fixed_handler()).await;
    let answer = raw(
        server.addr,
        b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // HTTP/1.0 does not need one.
    let answer = raw(server.addr, b"GET /metrics HTTP/1.0\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
}

#[tokio::test]
async fn a_percent_encoded_telemetry_path_is_reachable() {
    let server = start_with(fixed_handler(), |s| s.metrics_path("/métriques")).await;
    let answer = raw(
        server.addr,
        b"GET /m%C3%A9triques HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("test_fixed"), "{answer}");
    let other = raw(
        server.addr,
        b"GET /m%C3%A9trique HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(other.starts_with("HTTP/1.1 404"), "{other}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_after_the_send_timeout() {
    // A ~40 MB scrape, far more than the socket buffers hold.
    let registry = Registry::new();
    registry.register(Big::new(400_000, 60)).unwrap();
    let handler = MetricsHandler::new(registry);
    let body_len = {
        let server = start(handler.clone()).await;
        let full = raw(
            server.addr,
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        full.len()
    };
    assert!(body_len > 30_000_000, "{body_len}");
    let server = start_with(handler.clone(), |s| {
        s.send_timeout(Duration::from_millis(500))
    })
    .await;
    let received = stall_then_read(server.addr).await;
    assert!(
        received < body_len / 2,
        "received {received} of {body_len} bytes: the connection was not dropped"
    );
    // The scrape's slot is let go soon after (its producer sees the closed body).
    let freed = Instant::now();
    while handler.in_flight() != 0 {
        assert!(
            freed.elapsed() < Duration::from_secs(5),
            "the dropped client's scrape still holds its slot"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asks for `/metrics`, reads nothing for 3 s, then reads what the server
/// still sends; the bytes received. Fails if the connection stays open 10 s
/// after the stall.
async fn stall_then_read(addr: std::net::SocketAddr) -> usize {
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let start = Instant::now();
    let mut received = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), stalled.read(&mut buf))
            .await
            .expect("the connection stayed open");
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => received += n,
        }
    }
    assert!(start.elapsed() < Duration::from_secs(10));
    received
}

/// `--web.send-timeout` reaches the server: the exporter process drops a
/// client that stops reading a ~40 MB scrape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_send_timeout_flag_drops_a_client_that_stops_reading() {
    let mut command = process_support::exporter(&["--web.send-timeout", "500ms"]);
    command.env("TEST_EXPORTER_ROWS", "400000");
    let exporter = process_support::spawn(command);
    let received = stall_then_read(exporter.addr).await;
    assert!(
        received < 20_000_000,
        "received {received} bytes of a ~40 MB scrape: the connection was not dropped"
    );
}

/// The exporter's resident set, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Issue 11's soak: 2 000 connections opened, held and closed without a
/// request took the release hello world from 32 to 51 MB (hyper's buffers and
/// a serving task of several KiB per connection, kept by glibc after they
/// closed). An idle connection is now a small task until its first bytes
/// arrive, and one closed without a request never gets more: three rounds of
/// 2 000 cost a few MB (about 50 MB before, debug build).
#[test]
fn idle_connections_cost_little_memory() {
    let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
    rlimit::Resource::NOFILE.set(hard, hard).unwrap();
    // 2 000 as in the issue, fewer if the hard limit of open files is lower.
    let n = usize::try_from(hard.saturating_sub(300))
        .unwrap_or(usize::MAX)
        .min(2_000);
    assert!(
        n >= 500,
        "the hard limit of open files ({hard}) is too low for this test"
    );
    let exporter = process_support::spawn(process_support::exporter(&[]));
    let pid = exporter.child.id();
    let start = rss_kib(pid);
    let mut peak = start;
    for _ in 0..3 {
        let held: Vec<std::net::TcpStream> = (0..n)
            .map(|_| std::net::TcpStream::connect(exporter.addr).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(800));
        peak = peak.max(rss_kib(pid));
        drop(held);
        std::thread::sleep(Duration::from_millis(300));
        peak = peak.max(rss_kib(pid));
    }
    // About 2.3 KiB a connection now (debug build), 25 KiB before.
    let per_connection = (peak - start) as f64 / n as f64;
    assert!(
        per_connection < 6.0,
        "{n} idle connections took the RSS from {start} KiB to {peak} KiB \
         ({per_connection:.1} KiB each)"
    );
    let answer = process_support::get(exporter.addr, "/metrics", "");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn the_listen_backlog_is_somaxconn() {
    let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let exporter = process_support::spawn(process_support::exporter(&[]));
    let out = std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{}", exporter.addr.port())])
        .output()
        .expect("ss (iproute2) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    // For a listening socket, ss's Send-Q column is the backlog.
    let send_q: u32 = text.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(send_q, somaxconn.min(65535), "{text}");
}

#[test]
fn systemd_socket_activation() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = std::process::Command::new("systemd-socket-activate");
    command
        .arg("-l")
        .arg(format!("127.0.0.1:{port}"))
        .arg(process_support::BIN)
        .arg("--web.systemd-socket");
    // systemd-socket-activate listens, and starts the exporter at the first connection.
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(start.elapsed() < Duration::from_secs(10), "not listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    let answer = process_support::get(addr, "/metrics", "");
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("test_up 1"));
    // Without sockets from systemd, the flag is a clear start-up error.
    let out = std::process::Command::new(process_support::BIN)
        .arg("--web.systemd-socket")
        .env_remove("LISTEN_FDS")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LISTEN_FDS"));
}
