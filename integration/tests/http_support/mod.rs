//! Shared by the `http_*` tests: a server on 127.0.0.1:0, a real HTTP client,
//! raw sockets for malformed requests, and small collectors.

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::collections::HashMap;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use exporter_core::http::{serve, MetricsHandler, Serve};
use exporter_core::{CollectError, Collector, Desc, MetricEncoder, MetricType};
use http_body_util::{BodyExt, Empty};
use hyper::header::HeaderMap;
use hyper::StatusCode;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Runs `python3 -c program` with `input` on its stdin (the third-party
/// parsers, `prometheus_client` among them, installed by `.ci/run`): its
/// stdout, or its stderr when it fails.
pub fn python(program: &str, input: &str) -> Result<String, String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("python3")
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (installed by .ci/run)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A running test server; dropping `stop` shuts it down.
pub struct Server {
    pub addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub async fn start(handler: MetricsHandler) -> Server {
    start_with(handler, |s| s).await
}

pub async fn start_with(handler: MetricsHandler, f: impl FnOnce(Serve) -> Serve) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = f(serve(listener, handler));
    let addr = server.local_addr().unwrap();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(
        server
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .into_future(),
    );
    Server { addr, stop, task }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// A request with a real HTTP client (hyper-util's legacy client).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Empty::new()).unwrap())
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(addr, "GET", path, headers).await
}

/// Sends `raw` bytes and reads the answer until the server closes.
pub async fn raw(addr: SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a text scrape with the `prometheus-parse` crate; returns
/// `(name, labels) -> value`.
pub fn parse(text: &str) -> HashMap<(String, Vec<(String, String)>), f64> {
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    scrape
        .samples
        .into_iter()
        .map(|s| {
            let mut labels: Vec<(String, String)> = s
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            labels.sort();
            let v = match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                other => panic!("unexpected value {other:?}"),
            };
            ((s.metric, labels), v)
        })
        .collect()
}

pub fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut labels: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    labels.sort();
    parse(text).get(&(name.to_owned(), labels)).copied()
}

/// The handler's `promhttp_metric_handler_errors_total{cause}` in `text`.
pub fn handler_errors(text: &str, cause: &str) -> Option<f64> {
    value(
        text,
        "promhttp_metric_handler_errors_total",
        &[("cause", cause)],
    )
}

/// `test_fixed{name}`: two fixed samples.
pub struct Fixed {
    desc: Desc,
}

impl Fixed {
    pub fn new() -> Self {
        Fixed {
            desc: Desc::new("test_fixed", "Fixed values.", MetricType::Gauge, ["name"]).unwrap(),
        }
    }
}

impl Collector for Fixed {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let mut f = encoder.family(&self.desc)?;
        f.sample(&["haohao"], 81.0)?;
        f.sample(&["nana"], 87.0)
    }
}

/// `rows` rows of the family `name` (about 55 bytes a row), label values
/// starting with `tag`; it cannot block.
pub struct Rows(Desc, usize, &'static str);

impl Rows {
    pub fn new(name: &str, rows: usize, tag: &'static str) -> Self {
        Rows(
            Desc::new(name, "Rows.", MetricType::Gauge, ["row"]).unwrap(),
            rows,
            tag,
        )
    }
}

impl Collector for Rows {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.0]
    }

    fn may_block(&self) -> bool {
        false
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let mut family = encoder.family(&self.0)?;
        for row in 0..self.1 {
            family.sample(&[format!("{}-{row:0>30}", self.2).as_str()], row as f64)?;
        }
        Ok(())
    }
}

/// Always fails.
pub struct Failing {
    desc: Desc,
}

impl Failing {
    pub fn new() -> Self {
        Failing {
            desc: Desc::new(
                "test_failing",
                "Never works.",
                MetricType::Gauge,
                [] as [&str; 0],
            )
            .unwrap(),
        }
    }
}

impl Collector for Failing {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
        Err(CollectError::other("backend unreachable"))
    }

    fn name(&self) -> &'static str {
        "failing_collector"
    }
}

/// Blocks in `collect` until released (or 10 s pass); tells when it starts.
pub struct Gated {
    desc: Desc,
    release: Mutex<mpsc::Receiver<()>>,
    entered: Mutex<mpsc::Sender<()>>,
}

pub struct Gate {
    pub release: mpsc::Sender<()>,
    pub entered: mpsc::Receiver<()>,
}

impl Gated {
    pub fn new() -> (Self, Gate) {
        let (release_tx, release_rx) = mpsc::channel();
        let (entered_tx, entered_rx) = mpsc::channel();
        let gated = Gated {
            desc: Desc::new(
                "test_gated",
                "Waits for the test.",
                MetricType::Gauge,
                [] as [&str; 0],
            )
            .unwrap(),
            release: Mutex::new(release_rx),
            entered: Mutex::new(entered_tx),
        };
        (
            gated,
            Gate {
                release: release_tx,
                entered: entered_rx,
            },
        )
    }
}

impl Gate {
    /// Waits (off the async workers) until a collect has started.
    pub async fn wait_entered(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if self.entered.try_recv().is_ok() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "collector never started"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Collector for Gated {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let _ = self.entered.lock().unwrap().send(());
        let _ = self
            .release
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10));
        encoder.family(&self.desc)?.sample(&(), 1)
    }
}

/// Many samples with long label values: `rows * (value_len + ~40)` bytes.
pub struct Big {
    desc: Desc,
    rows: usize,
    value: String,
    pub enabled: AtomicBool,
}

impl Big {
    pub fn new(rows: usize, value_len: usize) -> Self {
        Big {
            desc: Desc::new(
                "test_big",
                "Large scrape.",
                MetricType::Gauge,
                ["row", "pad"],
            )
            .unwrap(),
            rows,
            value: "x".repeat(value_len),
            enabled: AtomicBool::new(true),
        }
    }
}

impl Collector for Big {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        if !self.enabled.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut f = encoder.family(&self.desc)?;
        for row in 0..self.rows {
            f.sample(&[row.to_string().as_str(), self.value.as_str()], row as f64)?;
        }
        Ok(())
    }
}
