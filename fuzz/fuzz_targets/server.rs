//! Raw bytes over a loopback socket to the server (hyper, the routes, basic
//! auth): the first input byte picks the server (even: plain HTTP with the
//! landing page and probes; odd: basic auth for user `fuzz`, password
//! `secret`), the rest is written to a fresh connection, whose write side is
//! then shut.
//!
//! Asserted:
//! - the server answers or closes within 5 s of the client's end of input;
//! - what it sends is a sequence of well-framed HTTP/1.x responses, none a
//!   5xx (hostile bytes are the client's fault);
//! - behind basic auth, nothing but 401 or a parse error (400, 408, 413,
//!   414, 431, 501, 505) comes back unless the input holds the right
//!   credentials; the plain server never answers 401.
#![no_main]

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use exporter_core::http::{serve, HandlerOpts, MetricsHandler, WebConfig};
use exporter_fuzz as fz;
use libfuzzer_sys::fuzz_target;

/// base64("fuzz:secret"): standard base64 with padding is canonical, so the
/// right credentials cannot reach the server spelled any other way.
const TOKEN: &[u8] = b"ZnV6ejpzZWNyZXQ=";

struct Servers {
    plain: SocketAddr,
    auth: SocketAddr,
}

static SERVERS: OnceLock<Arc<Servers>> = OnceLock::new();

fn start(config: Option<WebConfig>) -> SocketAddr {
    let rt = fz::runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let handler = MetricsHandler::with_opts(
        fz::fixture_registry(),
        HandlerOpts::default().enable_openmetrics(true),
    );
    let mut server = serve(listener, handler)
        .landing_page("<html>fuzz</html>")
        .probes(true)
        .header_read_timeout(Duration::from_secs(2));
    if let Some(config) = config {
        server = server.web_config(config);
    }
    rt.spawn(async move {
        if let Err(e) = server.await {
            panic!("server: {e}");
        }
    });
    addr
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits `out` into responses; returns their status codes.
fn statuses(mut out: &[u8]) -> Vec<u16> {
    let mut codes = Vec::new();
    while !out.is_empty() {
        assert!(
            out.starts_with(b"HTTP/1.1 ") || out.starts_with(b"HTTP/1.0 "),
            "not a status line: {:?}",
            String::from_utf8_lossy(&out[..out.len().min(64)])
        );
        let code = std::str::from_utf8(&out[9..12.min(out.len())])
            .ok()
            .and_then(|c| c.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("bad status: {:?}", String::from_utf8_lossy(out)));
        codes.push(code);
        let end = find(out, b"\r\n\r\n").unwrap_or_else(|| panic!("unterminated head"));
        let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
        let mut rest = &out[end + 4..];
        if let Some(len) = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|l| l.trim().parse::<usize>().ok())
        {
            // A HEAD response announces a length it does not send.
            let len = if rest.starts_with(b"HTTP/1.") || rest.is_empty() {
                0
            } else {
                len
            };
            assert!(rest.len() >= len, "body shorter than its Content-Length");
            rest = &rest[len..];
        } else if head.contains("transfer-encoding: chunked") {
            loop {
                let line = find(rest, b"\r\n").unwrap_or_else(|| panic!("bad chunk"));
                let size = std::str::from_utf8(&rest[..line])
                    .ok()
                    .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
                    .unwrap_or_else(|| panic!("bad chunk size"));
                rest = &rest[line + 2..];
                assert!(rest.len() >= size + 2, "short chunk");
                rest = &rest[size + 2..];
                if size == 0 {
                    break;
                }
            }
        } else {
            rest = &[];
        }
        out = rest;
    }
    codes
}

fuzz_target!(|data: &[u8]| {
    let servers = fz::once(&SERVERS, || {
        let hash = bcrypt::hash("secret", 4).unwrap_or_else(|e| panic!("hash: {e}"));
        let yaml = format!("basic_auth_users:\n  fuzz: '{hash}'\n");
        let config = WebConfig::from_yaml(&yaml, std::path::Path::new("."))
            .unwrap_or_else(|e| panic!("web config: {e}"));
        Servers {
            plain: start(None),
            auth: start(Some(config)),
        }
    });
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let with_auth = pick & 1 == 1;
    let addr = if with_auth {
        servers.auth
    } else {
        servers.plain
    };
    let mut conn = match TcpStream::connect(addr) {
        Ok(conn) => conn,
        // Out of ephemeral ports (connections in TIME_WAIT): the client's
        // limit, not the server's fault.
        Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {
            std::thread::sleep(Duration::from_millis(10));
            return;
        }
        Err(e) => panic!("connect: {e}"),
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    // The server may close first (e.g. after a 400): a failed write is fine.
    let _ = conn.write_all(input);
    let _ = conn.shutdown(Shutdown::Write);
    let started = Instant::now();
    let mut out = Vec::new();
    if let Err(e) = conn.read_to_end(&mut out) {
        let timed_out = matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        );
        assert!(
            !timed_out,
            "no answer nor close after {:?}",
            started.elapsed()
        );
        // A reset after the server refused the request is fine.
    }
    for code in statuses(&out) {
        assert!(
            code < 500 || code == 505 || code == 501,
            "{code} for {input:?}"
        );
        if with_auth {
            let parse_error = matches!(code, 400 | 408 | 413 | 414 | 431 | 501 | 505);
            assert!(
                code == 401 || parse_error || find(input, TOKEN).is_some(),
                "{code} without credentials for {input:?}"
            );
        } else {
            assert_ne!(code, 401);
        }
    }
});
