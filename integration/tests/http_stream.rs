//! Large scrapes over real sockets: a big family reaches the client while
//! its collector is still running (plain and gzip), and a scrape that fails
//! after streaming started ends in a broken body, never a short valid one.

#![allow(clippy::unwrap_used)]

mod http_support;

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
use exporter_core::{CollectError, Collector, Desc, MetricEncoder, MetricType, Registry};
use http_body_util::{BodyExt, Empty};
use http_support::{get, handler_errors, parse, start, value, Big, Failing, Rows};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The handler's chunk size (private): bytes a client sees before a streamed
/// scrape's collector returns.
const CHUNK: usize = 64 * 1024;
/// Rows of `test_stream` before the collector waits for the client.
const ROWS_BEFORE: usize = 25_000; // about 2 MB
/// Rows after it is released.
const ROWS_AFTER: usize = 100;

/// Writes `ROWS_BEFORE` rows, then waits (at most 10 s) until the test says
/// its client received the start of the body, then writes `ROWS_AFTER` more.
struct Waiting {
    desc: Desc,
    pad: String,
    release: Mutex<mpsc::Receiver<()>>,
    /// Whether the wait ended by the release, not by the time limit.
    released: AtomicBool,
    /// Write one row and return, without waiting.
    small: AtomicBool,
    /// How long to wait for the release (10 s unless set).
    wait: Duration,
    /// What it says of itself (`Collector::may_block`): true unless set.
    blocking: bool,
}

impl Waiting {
    fn new() -> (Self, mpsc::Sender<()>) {
        let (tx, rx) = mpsc::channel();
        let desc = Desc::new(
            "test_stream",
            "Rows streamed while collected.",
            MetricType::Gauge,
            ["row", "pad"],
        )
        .unwrap();
        let waiting = Waiting {
            desc,
            pad: "p".repeat(40),
            release: Mutex::new(rx),
            released: AtomicBool::new(false),
            small: AtomicBool::new(false),
            wait: Duration::from_secs(10),
            blocking: true,
        };
        (waiting, tx)
    }
}

impl Collector for Waiting {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn may_block(&self) -> bool {
        self.blocking
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let mut family = encoder.family(&self.desc)?;
        if self.small.load(Ordering::SeqCst) {
            return family.sample(&["0", self.pad.as_str()], 0.0);
        }
        for row in 0..ROWS_BEFORE {
            family.sample(&[row.to_string().as_str(), self.pad.as_str()], row as f64)?;
        }
        let got = self.release.lock().unwrap().recv_timeout(self.wait);
        self.released.store(got.is_ok(), Ordering::SeqCst);
        for row in ROWS_BEFORE..ROWS_BEFORE + ROWS_AFTER {
            family.sample(&[row.to_string().as_str(), self.pad.as_str()], row as f64)?;
        }
        Ok(())
    }
}

/// GETs `/metrics`; once `ready(bytes so far)` holds, sends on `release`;
/// returns the status and the whole raw body (or the body error).
async fn get_while_collecting(
    addr: SocketAddr,
    headers: &[(&str, &str)],
    release: mpsc::Sender<()>,
    mut ready: impl FnMut(&[u8]) -> bool,
) -> (u16, Option<String>, Result<Vec<u8>, String>) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut req = hyper::Request::builder().uri(format!("http://{addr}/metrics"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Empty::new()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let encoding = resp
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_owned());
    let mut body = resp.into_body();
    let mut raw = Vec::new();
    let mut signalled = false;
    loop {
        match body.frame().await {
            None => break,
            Some(Err(e)) => return (status, encoding, Err(e.to_string())),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    raw.extend_from_slice(&data);
                }
            }
        }
        if !signalled && ready(&raw) {
            signalled = true;
            release.send(()).unwrap();
        }
    }
    (status, encoding, Ok(raw))
}

/// Every row, one family, and the self-metrics after it, `served` earlier
/// scrapes counted.
fn check_full_scrape(text: &str, served: f64) {
    let series = parse(text);
    let rows = series.keys().filter(|(n, _)| n == "test_stream").count();
    assert_eq!(rows, ROWS_BEFORE + ROWS_AFTER);
    assert_eq!(
        text.matches("# TYPE test_stream gauge\n").count(),
        1,
        "one family"
    );
    let pad = "p".repeat(40);
    let last = (ROWS_BEFORE + ROWS_AFTER - 1).to_string();
    assert_eq!(
        value(text, "test_stream", &[("row", &last), ("pad", &pad)]),
        Some((ROWS_BEFORE + ROWS_AFTER - 1) as f64)
    );
    // The self-metrics come after, whole.
    assert_eq!(
        value(
            text,
            "promhttp_metric_handler_requests_total",
            &[("code", "200")]
        ),
        Some(served)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_family_reaches_the_client_while_it_is_collected() {
    let (waiting, release) = Waiting::new();
    let waiting = std::sync::Arc::new(waiting);
    let registry = Registry::new();
    registry.register_arc(waiting.clone()).unwrap();
    let server = start(MetricsHandler::new(registry)).await;

    let started = Instant::now();
    let (status, encoding, body) =
        get_while_collecting(server.addr, &[], release, |raw| raw.len() >= CHUNK).await;
    assert_eq!(status, 200);
    assert_eq!(encoding, None);
    assert!(
        waiting.released.load(Ordering::SeqCst),
        "the collector waited 10 s: nothing reached the client before it returned"
    );
    assert!(started.elapsed() < Duration::from_secs(9));
    let text = String::from_utf8(body.unwrap()).unwrap();
    assert!(text.starts_with("# HELP test_stream "));
    check_full_scrape(&text, 0.0);
}

/// Rows of `test_lead`, written first: about 100 KB, past the handler's 64 KiB.
const LEAD_ROWS: usize = 2_000;

/// `test_lead` rows, then a `Waiting` that says it cannot block: neither may block.
fn lead_then_waiting() -> (Registry, std::sync::Arc<Waiting>, mpsc::Sender<()>) {
    let (mut waiting, release) = Waiting::new();
    waiting.blocking = false;
    let waiting = std::sync::Arc::new(waiting);
    let registry = Registry::new();
    registry
        .register(Rows::new("test_lead", LEAD_ROWS, "a"))
        .unwrap();
    registry.register_arc(waiting.clone()).unwrap();
    (registry, waiting, release)
}

/// A scrape whose collectors cannot block starts in the request's task; it
/// has written 64 KiB when the first collector returns, so the rest moves to
/// a task on the server's workers and streams: the second collector's big
/// family reaches the client while it is written (its wait for the client's
/// first 64 KiB is inside `block_in_place`; without streaming it would wait
/// its whole 10 s). The first collector's family, held, comes after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_that_cannot_block_moves_to_a_task_once_grown_and_streams() {
    let (registry, waiting, release) = lead_then_waiting();
    let server = start(MetricsHandler::new(registry)).await;

    let started = Instant::now();
    let (status, _, body) =
        get_while_collecting(server.addr, &[], release, |raw| raw.len() >= CHUNK).await;
    assert_eq!(status, 200);
    assert!(
        waiting.released.load(Ordering::SeqCst),
        "nothing reached the client before the collector returned"
    );
    assert!(started.elapsed() < Duration::from_secs(9));
    let text = String::from_utf8(body.unwrap()).unwrap();
    assert!(text.starts_with("# HELP test_stream "));
    assert_eq!(text.matches("\ntest_lead{").count(), LEAD_ROWS);
    check_full_scrape(&text, 0.0);
}

/// A single collector that cannot block, however big, is held whole: the
/// scrape only checks its size between collectors, and there is no later one
/// to stream. Every such scrape is one `Content-Length` body (none is sent
/// elsewhere because of the scrapes before it), with every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_collector_that_cannot_block_is_held_whole_however_big() {
    let (mut waiting, release) = Waiting::new();
    waiting.blocking = false;
    let waiting = std::sync::Arc::new(waiting);
    let registry = Registry::new();
    registry.register_arc(waiting.clone()).unwrap();
    let server = start(MetricsHandler::new(registry)).await;

    waiting.small.store(true, Ordering::SeqCst);
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-length").is_some());
    waiting.small.store(false, Ordering::SeqCst);
    for served in [1.0, 2.0] {
        // It cannot stream, so its wait is released up front.
        release.send(()).unwrap();
        let reply = get(server.addr, "/metrics", &[]).await;
        assert_eq!(reply.status, 200);
        let length: usize = reply.header("content-length").unwrap().parse().unwrap();
        assert_eq!(length, reply.body.len());
        assert!(length > CHUNK);
        check_full_scrape(&reply.text(), served);
    }
}

/// Says it cannot block, then sleeps `0` before writing one row.
struct Stalls(Desc, Duration);

impl Collector for Stalls {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.0]
    }

    fn may_block(&self) -> bool {
        false
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        std::thread::sleep(self.1);
        encoder.family(&self.0)?.sample(&["0"], 1.0)
    }
}

/// A scrape that moved to a task and then stalls before anything streamed
/// is answered 503 at the timeout, as one in the request's task is; it
/// keeps its in-flight slot until it is done, then gives it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_scrape_that_stalls_is_a_503_at_the_timeout() {
    let registry = Registry::new();
    registry
        .register(Rows::new("test_lead", LEAD_ROWS, "a"))
        .unwrap();
    let stall = Desc::new("test_stall", "Late.", MetricType::Gauge, ["row"]).unwrap();
    registry
        .register(Stalls(stall, Duration::from_millis(1500)))
        .unwrap();
    let handler = MetricsHandler::with_opts(
        registry,
        HandlerOpts::default().timeout(Some(Duration::from_millis(300))),
    );
    let server = start(handler.clone()).await;
    let started = Instant::now();
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert!(reply.text().contains("exceeded configured timeout"));
    assert!(started.elapsed() < Duration::from_millis(1400));
    assert_eq!(
        handler.in_flight(),
        1,
        "the moved scrape gave its slot back early"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while handler.in_flight() != 0 {
        assert!(Instant::now() < deadline, "the moved scrape kept its slot");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A current-thread runtime has no worker to spare for a scrape that waits
/// for its client: a scrape that cannot block starts in the request's task
/// there too, and once grown moves to a blocking thread, where the second
/// collector's family streams while it is written.
#[tokio::test(flavor = "current_thread")]
async fn on_a_current_thread_runtime_a_grown_scrape_moves_to_a_blocking_thread() {
    let (registry, waiting, release) = lead_then_waiting();
    let server = start(MetricsHandler::new(registry)).await;

    let (status, _, body) =
        get_while_collecting(server.addr, &[], release, |raw| raw.len() >= CHUNK).await;
    assert_eq!(status, 200);
    assert!(waiting.released.load(Ordering::SeqCst), "not streamed");
    let text = String::from_utf8(body.unwrap()).unwrap();
    assert_eq!(text.matches("\ntest_lead{").count(), LEAD_ROWS);
    check_full_scrape(&text, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_gzip_family_reaches_the_client_while_it_is_collected() {
    let (waiting, release) = Waiting::new();
    let waiting = std::sync::Arc::new(waiting);
    let registry = Registry::new();
    registry.register_arc(waiting.clone()).unwrap();
    let server = start(MetricsHandler::new(registry)).await;

    // Decompress as the bytes come, and release once 64 KiB of text are out.
    let mut gz = flate2::write::GzDecoder::new(Vec::new());
    let mut fed = 0;
    let (status, encoding, body) = get_while_collecting(
        server.addr,
        &[("accept-encoding", "gzip")],
        release,
        |raw| {
            gz.write_all(&raw[fed..]).unwrap();
            fed = raw.len();
            gz.get_ref().len() >= CHUNK
        },
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(
        waiting.released.load(Ordering::SeqCst),
        "the collector waited 10 s: nothing reached the client before it returned"
    );
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&body.unwrap()[..]),
        &mut text,
    )
    .unwrap();
    check_full_scrape(&text, 0.0);
}

/// `test_big` (about 1 MB, streamed) is collected before `Failing`.
fn big_then_failing() -> Registry {
    let registry = Registry::new();
    registry.register(Big::new(3_000, 300)).unwrap();
    registry.register(Failing::new()).unwrap();
    registry
}

#[tokio::test]
async fn an_error_after_streaming_started_breaks_the_body_under_http_error() {
    let server = start(MetricsHandler::new(big_then_failing())).await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let req = hyper::Request::builder()
        .uri(format!("http://{}/metrics", server.addr))
        .body(Empty::new())
        .unwrap();
    let resp = client.request(req).await.unwrap();
    // The head went out with the first streamed bytes ...
    assert_eq!(resp.status(), 200);
    // ... so the error can only break the body: the client must not get a
    // complete body missing the failed collector.
    let body = resp.into_body().collect().await;
    assert!(body.is_err(), "a failed scrape must not end cleanly");
}

#[tokio::test]
async fn an_error_after_streaming_started_is_counted_under_continue_on_error() {
    let opts = HandlerOpts::default().error_handling(ErrorHandling::ContinueOnError);
    let server = start(MetricsHandler::with_opts(big_then_failing(), opts)).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-length"), None, "streamed");
    let text = reply.text();
    let series = parse(&text);
    assert_eq!(
        series.keys().filter(|(n, _)| n == "test_big").count(),
        3_000
    );
    assert!(!text.contains("test_failing"));
    assert_eq!(handler_errors(&text, "gathering"), Some(1.0));
}

#[tokio::test]
async fn an_error_before_streaming_started_is_still_a_500() {
    // The failure comes first: nothing may be streamed after it, so the
    // answer is a clean 500 with the error, as for small scrapes.
    let registry = Registry::new();
    registry.register(Failing::new()).unwrap();
    registry.register(Big::new(3_000, 300)).unwrap();
    let server = start(MetricsHandler::new(registry)).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains("backend unreachable"),
        "{}",
        reply.text()
    );
}

#[derive(Collector)]
struct Live {
    /// Hits per id.
    #[metric(counter, labels(id))]
    test_hits_total: exporter_core::metric::Family<[String; 1], exporter_core::metric::Counter>,
}

/// A slow client does not hold up the application's writers. A big live
/// family streams while it is encoded; streaming waits for the client; the
/// family's series go out in runs under its read lock, and the wait comes
/// between runs, so a thread adding a series meanwhile (a write lock, which
/// every later reader would queue behind) is not held until the client reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_does_not_hold_up_a_live_familys_writers() {
    const SERIES: usize = 300_000; // about 20 MB of text: far past the socket buffers
    let live = std::sync::Arc::new(Live {
        test_hits_total: exporter_core::metric::Family::default(),
    });
    for i in 0..SERIES {
        live.test_hits_total
            .get_or_create(&[format!("{i:0>40}")])
            .inc();
    }
    let registry = Registry::new();
    registry.register_arc(live.clone()).unwrap();
    let server = start(MetricsHandler::new(registry)).await;

    // HTTP/1.0: the body is the rest of the connection, no chunking to undo.
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /metrics HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    // The scrape fills the socket and the chunk channel, then waits.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let writer = live.clone();
    let add = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        writer
            .test_hits_total
            .get_or_create(&["added while the client is slow".to_owned()])
            .inc();
        started.elapsed()
    });
    let took = tokio::time::timeout(Duration::from_secs(5), add)
        .await
        .expect("adding a series waited for the slow client")
        .unwrap();
    assert!(
        took < Duration::from_secs(1),
        "adding a series took {took:?}"
    );

    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.0 200"), "{head}");
    let series = parse(body)
        .into_keys()
        .filter(|(name, _)| name == "test_hits_total")
        .count();
    let written = body
        .lines()
        .filter(|l| l.starts_with("test_hits_total{"))
        .count();
    // Every series once (the one added meanwhile may or may not be in it).
    assert_eq!(series, written, "a series was written twice");
    assert!(
        written == SERIES || written == SERIES + 1,
        "{written} series of {SERIES}"
    );
}
