//! Test support shared by the exporters' tests (included with `#[path]`):
//! free loopback ports, child processes that are killed when dropped, a
//! one-shot HTTP/1.1 GET, and a text-format reader built on prometheus-parse.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on right now (bound to 127.0.0.1:0 and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (and reaped) when dropped, so a failing test
/// leaves nothing running.
pub struct Proc {
    pub child: Child,
    pub name: String,
    pub log: std::path::PathBuf,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr in `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Proc {
        let out = std::fs::File::create(log).unwrap();
        let err = out.try_clone().unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            child,
            name: name.to_owned(),
            log: log.to_owned(),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the process (SIGKILL) and waits for it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `within` for the process to exit on its own.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + within;
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An HTTP answer: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// `GET path` on `addr` with `headers`, HTTP/1.1 with `Connection: close`,
/// bounded by `timeout` for the connect and each read.
pub fn get_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> std::io::Result<Response> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req = req + k + ": " + v + "\r\n";
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// `GET path` with a 10 s timeout.
pub fn get(addr: SocketAddr, path: &str) -> Response {
    get_with(addr, path, &[], Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("GET {path} on {addr}: {e}"))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].strip_prefix("\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// Polls `GET path` until it answers 200, for at most `within`; panics with
/// the process's log otherwise.
pub fn wait_ready(proc: &mut Proc, addr: SocketAddr, path: &str, within: Duration) {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if let Some(status) = proc.child.try_wait().unwrap() {
            panic!(
                "{} exited with {status} before serving:\n{}",
                proc.name,
                proc.log()
            );
        }
        if let Ok(r) = get_with(addr, path, &[], Duration::from_secs(2)) {
            if r.status == 200 {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{} not serving {path} on {addr} after {within:?}:\n{}",
        proc.name,
        proc.log()
    );
}

/// One family as a parser read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub kind: String,
    pub help: String,
    /// Samples: (sample name, labels, value).
    pub samples: Vec<(String, BTreeMap<String, String>, f64)>,
}

impl Family {
    /// The label names of the family's samples (one set; all samples of
    /// these exporters share it).
    pub fn label_names(&self) -> Vec<Vec<String>> {
        let mut sets: Vec<Vec<String>> = self
            .samples
            .iter()
            .map(|(_, l, _)| l.keys().cloned().collect())
            .collect();
        sets.sort();
        sets.dedup();
        sets
    }

    /// The value of the series with exactly these labels.
    pub fn value(&self, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|(_, l, _)| {
                l.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.2)
    }
}

/// Reads a text-format body with prometheus-parse into families keyed by the
/// `# TYPE` name (`# HELP` and `# TYPE` taken from the body's own lines,
/// which prometheus-parse does not keep per family).
pub fn parse(body: &str) -> BTreeMap<String, Family> {
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("prometheus-parse refused the body: {e}\n{body}"));
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            let help = scrape.docs.get(name).cloned().unwrap_or_default();
            families.insert(
                name.to_owned(),
                Family {
                    kind: kind.to_owned(),
                    help,
                    samples: Vec::new(),
                },
            );
        }
    }
    for s in scrape.samples {
        let (prometheus_parse::Value::Counter(value)
        | prometheus_parse::Value::Gauge(value)
        | prometheus_parse::Value::Untyped(value)) = s.value
        else {
            continue;
        };
        let labels: BTreeMap<String, String> = s
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // prometheus-parse names a counter sample after its family; find the family it belongs to.
        let family = if families.contains_key(&s.metric) {
            s.metric.clone()
        } else {
            families
                .keys()
                .find(|f| s.metric.starts_with(f.as_str()))
                .cloned()
                .unwrap_or(s.metric.clone())
        };
        families
            .entry(family)
            .or_insert_with(|| Family {
                kind: "untyped".into(),
                help: String::new(),
                samples: Vec::new(),
            })
            .samples
            .push((s.metric, labels, value));
    }
    families
}

/// The value of `name{labels}` in a parsed scrape.
pub fn value(
    families: &BTreeMap<String, Family>,
    name: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    families.get(name).and_then(|f| f.value(labels))
}
