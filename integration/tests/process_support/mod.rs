//! Starts `test_exporter` (integration/src/bin) as a process of its own and finds the
//! address it listens on in its log.

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_test_exporter");

pub struct Exporter {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: mpsc::Receiver<String>,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` (stderr piped) and waits up to 20 s for its `listening` line.
// The child is waited for by `Exporter`'s `Drop`; a test that fails before
// that ends its process, and the child with its pipes.
#[allow(clippy::zombie_processes)]
pub fn spawn(mut command: Command) -> Exporter {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).expect("the exporter did not start");
        if line.contains("listening") {
            let addr = line
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("address="))
                .unwrap()
                .trim_matches('"')
                .parse()
                .unwrap();
            return Exporter {
                child,
                addr,
                log: rx,
            };
        }
    }
}

pub fn exporter(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["--web.listen-address", "127.0.0.1:0"])
        .args(args);
    command
}

/// Sends `signal` (e.g. `TERM`) with kill(1).
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits up to `limit` for the process to exit: its status and how long it took.
pub fn wait_exit(
    child: &mut Child,
    limit: Duration,
) -> Option<(std::process::ExitStatus, Duration)> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some((status, start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// A raw HTTP/1.1 GET; the whole response (the server closes after it).
pub fn get(addr: SocketAddr, path: &str, extra: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}
