//! `--web.config.file`: TLS with a freshly generated certificate and basic
//! auth with bcrypt, through the runtime, with a real TLS client (rustls).

#![allow(clippy::unwrap_used, clippy::float_cmp)]

mod http_support;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use exporter_core::runtime::Exporter;
use http_support::{value, Fixed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

struct Setup {
    dir: PathBuf,
    cert_der: rustls::pki_types::CertificateDer<'static>,
}

/// A self-signed certificate for 127.0.0.1 and a web config in a fresh directory.
fn setup(name: &str, config: &str) -> Setup {
    let dir = std::env::temp_dir().join(format!("exporter-tls-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    std::fs::write(dir.join("web.yml"), config).unwrap();
    Setup {
        dir,
        cert_der: cert.der().clone(),
    }
}

async fn start(setup: &Setup) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let builder = Exporter::builder("tls_exporter").collector(Fixed::new());
    let config_file = setup.dir.join("web.yml");
    let config = builder
        .try_parse_from([
            "x",
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.config.file",
            config_file.to_str().unwrap(),
        ])
        .unwrap();
    let bound = builder.bind(&config).await.unwrap();
    let addr = bound.local_addrs()[0];
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(bound.serve_with_shutdown(async move {
        let _ = rx.await;
    }));
    (addr, tx)
}

/// One request over TLS, trusting only the test certificate; returns the raw response.
async fn https(setup: &Setup, addr: SocketAddr, path: &str, auth: Option<(&str, &str)>) -> String {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some((user, password)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request = request + "Authorization: Basic " + &token + "\r\n";
    }
    request.push_str("\r\n");
    https_raw(setup, addr, &request).await
}

/// `request` as it is over TLS; returns the raw response.
async fn https_raw(setup: &Setup, addr: SocketAddr, request: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(setup.cert_der.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let server_name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(server_name, tcp).await.unwrap();
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    // rustls reports a missing close_notify as an error after the data; the data is what counts.
    let _ = tls.read_to_end(&mut out).await;
    String::from_utf8(out).unwrap()
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").unwrap().1
}

#[tokio::test]
async fn tls_with_basic_auth() {
    let hash = bcrypt::hash("s3cret", 4).unwrap();
    let setup = setup(
        "auth",
        &format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  alice: {hash}\n"
        ),
    );
    let (addr, stop) = start(&setup).await;

    let ok = https(&setup, addr, "/metrics", Some(("alice", "s3cret"))).await;
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    // Chunked or not, the body parses once de-chunked by hyper's client; here
    // it is small, so it is sent whole with a Content-Length.
    assert_eq!(
        value(body(&ok), "test_fixed", &[("name", "haohao")]),
        Some(81.0)
    );
    // Cached on the second time: still allowed.
    let again = https(&setup, addr, "/metrics", Some(("alice", "s3cret"))).await;
    assert!(again.starts_with("HTTP/1.1 200 OK\r\n"), "{again}");

    let wrong_password = https(&setup, addr, "/metrics", Some(("alice", "nope"))).await;
    let unknown_user = https(&setup, addr, "/metrics", Some(("mallory", "s3cret"))).await;
    let none = https(&setup, addr, "/", None).await;
    for r in [&wrong_password, &unknown_user, &none] {
        assert!(r.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{r}");
        assert!(
            r.to_ascii_lowercase()
                .contains("www-authenticate: basic\r\n"),
            "{r}"
        );
    }
    // The answer does not tell a wrong password from an unknown user.
    assert_eq!(body(&wrong_password), body(&unknown_user));

    // Plain HTTP on the TLS port gets no HTTP answer, and the server lives on.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = plain.read_to_end(&mut out).await;
    assert!(!String::from_utf8_lossy(&out).contains("HTTP/1.1 200"));
    let ok = https(&setup, addr, "/-/healthy", Some(("alice", "s3cret"))).await;
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");

    stop.send(()).unwrap();
    std::fs::remove_dir_all(&setup.dir).unwrap();
}

#[tokio::test]
async fn tls_without_auth() {
    let setup = setup(
        "noauth",
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
    );
    let (addr, stop) = start(&setup).await;
    let ok = https(&setup, addr, "/metrics", None).await;
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    // Past hyper's 100 cheap header slots, a connection moves to 1000 over TLS too.
    for (fields, status) in [(0, "200"), (600, "200"), (1100, "431")] {
        let mut request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_owned();
        for i in 0..fields {
            write!(request, "X-Test-{i}: v\r\n").unwrap();
        }
        // Then a small request on the same connection.
        request += "\r\nGET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        let answer = https_raw(&setup, addr, &request).await;
        let statuses: Vec<&str> = answer
            .match_indices("HTTP/1.1 ")
            .map(|(at, _)| &answer[at + 9..at + 12])
            .collect();
        let expected: &[&str] = if status == "200" {
            &["200", "200"]
        } else {
            &["431"]
        };
        assert_eq!(statuses, expected, "{fields} fields: {answer}");
    }
    stop.send(()).unwrap();
    std::fs::remove_dir_all(&setup.dir).unwrap();
}

#[tokio::test]
async fn bad_web_config_is_a_startup_error() {
    let setup = setup("bad", "basic_auth_users:\n  alice: not-a-hash\n");
    let builder = Exporter::builder("tls_exporter");
    let config_file = setup.dir.join("web.yml");
    let config = builder
        .try_parse_from([
            "x",
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.config.file",
            config_file.to_str().unwrap(),
        ])
        .unwrap();
    let err = builder.bind(&config).await.unwrap_err();
    assert!(err.is_web_config(), "{err}");
    assert!(err.to_string().contains("alice"), "{err}");
    std::fs::remove_dir_all(&setup.dir).unwrap();
}
