//! Hostile clients against the server: oversized and slow request headers,
//! and a client that disconnects in the middle of a large scrape.

#![allow(clippy::unwrap_used, clippy::float_cmp)]

mod http_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::Registry;
use http_support::{get, raw, start, start_with, value, Big, Fixed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn fixed_handler() -> MetricsHandler {
    let registry = Registry::new();
    registry.register(Fixed::new()).unwrap();
    MetricsHandler::new(registry)
}

#[tokio::test]
async fn oversized_headers_get_431() {
    let server = start_with(fixed_handler(), |s| s.max_header_bytes(16 * 1024)).await;
    let mut request = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 20 * 1024));
    request.extend(b"\r\nConnection: close\r\n\r\n");
    let answer = raw(server.addr, &request).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // The server is still fine for the next client.
    assert_eq!(get(server.addr, "/metrics", &[]).await.status, 200);
}

#[tokio::test]
async fn slow_headers_are_cut_off_without_blocking_others() {
    let server = start_with(fixed_handler(), |s| {
        s.header_read_timeout(Duration::from_millis(500))
    })
    .await;
    // A slowloris: half a request head, then silence.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();

    // Another client is served meanwhile, promptly.
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        value(&reply.text(), "test_fixed", &[("name", "nana")]),
        Some(87.0)
    );
    assert!(started.elapsed() < Duration::from_millis(450));

    // The slow one is disconnected once the header timeout passes.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    let took = started.elapsed();
    assert!(read.is_ok(), "slow client was never cut off");
    assert!(
        took >= Duration::from_millis(450),
        "cut off too early: {took:?}"
    );

    // A client that sends nothing at all is cut off too.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "silent client was never cut off");
}

/// Reads one keep-alive answer: its head, then `Content-Length` bytes.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before a whole answer");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .unwrap()
                .parse()
                .unwrap();
            if got.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

/// The header timeout runs from the end of the last answer on a keep-alive
/// connection: a second request inside it is served, and the connection is
/// closed one timeout after its last answer, not after its first.
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_a_header_timeout_after_its_last_answer() {
    let server = start_with(fixed_handler(), |s| {
        s.header_read_timeout(Duration::from_millis(500))
    })
    .await;
    let request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    assert!(read_answer(&mut conn).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.write_all(request).await.unwrap();
    assert!(read_answer(&mut conn).await.starts_with("HTTP/1.1 200"));
    let answered = Instant::now();

    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut rest)).await;
    let idle = answered.elapsed();
    assert!(read.is_ok(), "the idle connection was never closed");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    assert!(
        idle >= Duration::from_millis(450) && idle < Duration::from_millis(1500),
        "closed {idle:?} after its last answer, with a 500 ms header timeout"
    );
}

/// A new connection has the header timeout for its first byte, then hyper's
/// header timeout again for the head (the server's docs say "at most twice
/// it"): a client that sends one byte just before the first deadline and
/// nothing more is cut off within twice the timeout of connecting.
#[tokio::test]
async fn a_first_byte_late_then_silence_is_cut_off_within_twice_the_timeout() {
    let server = start_with(MetricsHandler::new(Registry::new()), |s| {
        s.header_read_timeout(Duration::from_millis(500))
    })
    .await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    slow.write_all(b"G").await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    let took = started.elapsed();
    assert!(read.is_ok(), "never cut off");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(2),
        "cut off {took:?} after connecting, with a 500 ms header timeout"
    );
}

#[tokio::test]
async fn client_disconnect_mid_stream_frees_its_slot() {
    let registry = Registry::new();
    // ~30 MB: far more than the socket buffers and the chunk channel hold.
    let big = Arc::new(Big::new(3_000, 10_000));
    registry.register(Arc::clone(&big)).unwrap();
    let handler =
        MetricsHandler::with_opts(registry, HandlerOpts::default().max_requests_in_flight(1));
    let server = start(handler.clone()).await;

    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0; 64 * 1024];
    let mut received = Vec::new();
    while received.len() < 256 * 1024 {
        let n = client.read(&mut buf).await.unwrap();
        assert!(n > 0, "server closed early");
        received.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&received[..4096]);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(head.contains("# TYPE test_big gauge"), "{head}");
    assert_eq!(handler.in_flight(), 1, "the scrape is still streaming");
    drop(client);

    let deadline = Instant::now() + Duration::from_secs(10);
    while handler.in_flight() != 0 {
        assert!(Instant::now() < deadline, "in-flight slot never freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The single slot is usable again, and the gauge says 1 (this scrape).
    big.enabled.store(false, Ordering::Relaxed);
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        value(
            &reply.text(),
            "promhttp_metric_handler_requests_in_flight",
            &[]
        ),
        Some(1.0)
    );
}
