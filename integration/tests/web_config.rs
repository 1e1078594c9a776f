//! The whole `web-config.yml` of exporter-toolkit over real sockets, with certificates
//! made at test time and real clients: rustls, curl and `openssl s_client`.

#![allow(clippy::unwrap_used)]

mod web_support;

use std::time::{Duration, Instant};

use exporter_core::http::WebConfig;
use tokio_rustls::rustls;
use web_support::{curl, get, s_client, start, status, Ca, Client, Dir};

/// A CA, a server certificate for 127.0.0.1 and client certificates: good, expired,
/// from another CA, with another SAN.
struct Pki {
    dir: Dir,
    ca: Ca,
    client: web_support::Leaf,
    expired: web_support::Leaf,
    rogue: web_support::Leaf,
    other_san: web_support::Leaf,
}

fn pki(name: &str) -> Pki {
    let dir = Dir::new(name);
    let ca = Ca::new("test CA");
    let server = ca.leaf(&["127.0.0.1"], false);
    let client = ca.leaf(&["prometheus.test", "email:ops@example.test"], false);
    let expired = ca.leaf(&["prometheus.test"], true);
    let rogue = Ca::new("another CA").leaf(&["prometheus.test"], false);
    let other_san = ca.leaf(&["intruder.test", "uri:spiffe://x/y", "10.0.0.1"], false);
    dir.write("ca.pem", &ca.pem);
    dir.write("server.crt", &server.cert_pem);
    dir.write("server.key", &server.key_pem);
    for (name, leaf) in [
        ("client", &client),
        ("rogue", &rogue),
        ("expired", &expired),
    ] {
        dir.write(&format!("{name}.crt"), &leaf.cert_pem);
        dir.write(&format!("{name}.key"), &leaf.key_pem);
    }
    Pki {
        dir,
        ca,
        client,
        expired,
        rogue,
        other_san,
    }
}

const SERVER: &str = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_and_verify_client_cert_with_real_clients() {
    let pki = pki("verify");
    let file = pki.dir.write(
        "web.yml",
        &format!(
            "{SERVER}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n"
        ),
    );
    let (addr, _stop) = start(&file).await;
    let with = |cert| Client {
        ca: Some(&pki.ca.der),
        cert,
        ..Client::default()
    };
    let ok = get(addr, "/metrics", &with(Some(&pki.client)))
        .await
        .unwrap();
    assert_eq!(status(&ok), 200, "{ok}");
    assert!(ok.contains("test_fixed 81"), "{ok}");
    for (what, cert) in [
        ("no certificate", None),
        ("another CA's certificate", Some(&pki.rogue)),
        ("an expired certificate", Some(&pki.expired)),
    ] {
        let refused = get(addr, "/metrics", &with(cert)).await;
        assert!(refused.is_err(), "{what}: {refused:?}");
    }
    // The same through curl and openssl.
    let (_, code) = curl(
        addr,
        &pki.dir,
        &["--cert", "client.crt", "--key", "client.key"],
    );
    assert_eq!(code, 200);
    let (_, code) = curl(
        addr,
        &pki.dir,
        &["--cert", "rogue.crt", "--key", "rogue.key"],
    );
    assert_eq!(code, 0, "another CA's certificate");
    let (_, code) = curl(addr, &pki.dir, &[]);
    assert_eq!(code, 0, "no certificate");
    assert!(s_client(addr, &pki.dir, "client.crt", "client.key").contains("HTTP/1.1 200 OK"));
    let refused = s_client(addr, &pki.dir, "expired.crt", "expired.key");
    assert!(!refused.contains("HTTP/1.1"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_client_auth_types() {
    let pki = pki("modes");
    let any = Client {
        ca: Some(&pki.ca.der),
        cert: Some(&pki.rogue),
        ..Client::default()
    };
    let none = Client {
        ca: Some(&pki.ca.der),
        ..Client::default()
    };
    let verified = Client {
        ca: Some(&pki.ca.der),
        cert: Some(&pki.client),
        ..Client::default()
    };
    // (mode, CA given, [no cert, any cert, a verified cert] allowed)
    for (mode, ca, expect) in [
        ("NoClientCert", false, [true, false, false]),
        ("RequestClientCert", false, [true, true, true]),
        ("RequireAnyClientCert", false, [false, true, true]),
        ("VerifyClientCertIfGiven", true, [true, false, true]),
    ] {
        let ca_line = if ca { "  client_ca_file: ca.pem\n" } else { "" };
        let file = pki.dir.write(
            "web.yml",
            &format!("{SERVER}  client_auth_type: {mode}\n{ca_line}"),
        );
        let (addr, _stop) = start(&file).await;
        for (client, allowed) in [&none, &any, &verified].into_iter().zip(expect) {
            let result = get(addr, "/metrics", client).await;
            // NoClientCert never asks, so a client offering one connects without it.
            let allowed = allowed || mode == "NoClientCert";
            assert_eq!(
                result.as_ref().is_ok_and(|r| status(r) == 200),
                allowed,
                "{mode}: {result:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_allowed_sans() {
    let pki = pki("sans");
    for (sans, allowed) in [
        ("[prometheus.test]", true),
        ("[ops@example.test]", true),
        ("[nothing.test, 10.0.0.2]", false),
    ] {
        let file = pki.dir.write(
            "web.yml",
            &format!("{SERVER}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  client_allowed_sans: {sans}\n"),
        );
        let (addr, _stop) = start(&file).await;
        let result = get(
            addr,
            "/metrics",
            &Client {
                ca: Some(&pki.ca.der),
                cert: Some(&pki.client),
                ..Client::default()
            },
        )
        .await;
        assert_eq!(result.is_ok_and(|r| status(&r) == 200), allowed, "{sans}");
        let other = get(
            addr,
            "/metrics",
            &Client {
                ca: Some(&pki.ca.der),
                cert: Some(&pki.other_san),
                ..Client::default()
            },
        )
        .await;
        assert!(other.is_err(), "a SAN not on the list: {other:?}");
    }
}

#[test]
fn subject_alt_names_are_read_as_go_prints_them() {
    let ca = Ca::new("test CA");
    let leaf = ca.leaf(
        &[
            "intruder.test",
            "email:ops@example.test",
            "uri:spiffe://x/y",
            "10.0.0.1",
            "::1",
        ],
        false,
    );
    let names = exporter_core::http::subject_alt_names(&leaf.der).unwrap();
    assert_eq!(
        names,
        [
            "intruder.test",
            "ops@example.test",
            "spiffe://x/y",
            "10.0.0.1",
            "::1"
        ]
    );
    // Not a certificate, or cut short: no names, no panic.
    assert_eq!(
        exporter_core::http::subject_alt_names(b"\x30\x03\x02\x01"),
        None
    );
    for cut in [1, 10, leaf.der.len() / 2, leaf.der.len() - 1] {
        assert_eq!(
            exporter_core::http::subject_alt_names(&leaf.der[..cut]),
            None
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_suites_curves_and_http2() {
    use rustls::crypto::ring::{cipher_suite as cs, kx_group};
    let pki = pki("versions");
    let file = pki
        .dir
        .write("web.yml", &format!("{SERVER}  min_version: TLS13\n"));
    let (addr, _stop) = start(&file).await;
    let base = || Client {
        ca: Some(&pki.ca.der),
        ..Client::default()
    };
    let tls12 = get(
        addr,
        "/metrics",
        &Client {
            tls12_only: true,
            ..base()
        },
    )
    .await;
    assert!(tls12.is_err(), "TLS 1.2 under min_version TLS13: {tls12:?}");
    assert_eq!(status(&get(addr, "/metrics", &base()).await.unwrap()), 200);
    // HTTP/2 by ALPN (on by default), with curl.
    assert_eq!(curl(addr, &pki.dir, &["--http2"]), ("2".to_owned(), 200));

    let file = pki.dir.write(
        "web.yml",
        &format!("{SERVER}  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n  curve_preferences: [CurveP384]\nhttp_server_config:\n  http2: false\n"),
    );
    let (addr, _stop) = start(&file).await;
    let ok = get(addr, "/metrics", &base()).await.unwrap();
    assert_eq!(status(&ok), 200, "{ok}");
    let other_suite = Client {
        suites: Some(vec![cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]),
        ..base()
    };
    assert!(
        get(addr, "/metrics", &other_suite).await.is_err(),
        "suite not on the list"
    );
    let other_curve = Client {
        groups: Some(vec![kx_group::X25519]),
        ..base()
    };
    assert!(
        get(addr, "/metrics", &other_curve).await.is_err(),
        "curve not on the list"
    );
    assert_eq!(
        curl(addr, &pki.dir, &["--http2"]),
        ("1.1".to_owned(), 200),
        "http2: false"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_and_rate_limit() {
    let dir = Dir::new("headers");
    let file = dir.write(
        "web.yml",
        "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: default-src 'none'\nrate_limit:\n  interval: 1m\n  burst: 3\n",
    );
    let (addr, _stop) = start(&file).await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        let reply = web_support_plain_get(addr).await;
        codes.push(status(&reply));
        if status(&reply) == 200 {
            let lower = reply.to_ascii_lowercase();
            assert!(lower.contains("x-frame-options: deny\r\n"), "{reply}");
            assert!(lower.contains("content-security-policy: default-src 'none'\r\n"));
        }
    }
    assert_eq!(codes, [200, 200, 200, 429, 429]);
}

async fn web_support_plain_get(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Polls `check` every 20 ms for up to `within`; the time it took.
async fn within(within: Duration, mut check: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_read_within_a_second_and_fail_closed() {
    let pki = pki("reread");
    let old = bcrypt::hash("old", 4).unwrap();
    let new = bcrypt::hash("new", 4).unwrap();
    let users = |hash: &str| format!("{SERVER}basic_auth_users:\n  alice: {hash}\n");
    let file = pki.dir.write("web.yml", &users(&old));
    let (addr, _stop) = start(&file).await;
    let as_alice = |password: &'static str| Client {
        ca: Some(&pki.ca.der),
        auth: Some(("alice", password)),
        ..Client::default()
    };
    let code = async |password| status(&get(addr, "/metrics", &as_alice(password)).await.unwrap());
    assert_eq!(code("old").await, 200);
    assert_eq!(code("old").await, 200, "cached");

    // The password changes: the old one stops working within a second.
    pki.dir.write("web.yml", &users(&new));
    let took = within(Duration::from_secs(1), async || code("old").await == 401).await;
    assert!(took.is_some(), "the old password still works");
    assert_eq!(code("new").await, 200);

    // A broken edit fails closed: 500 for everyone, until fixed.
    pki.dir
        .write("web.yml", &format!("{SERVER}basic_auth_users: [oops\n"));
    assert!(
        within(Duration::from_secs(1), async || code("new").await == 500)
            .await
            .is_some()
    );
    pki.dir.write("web.yml", &format!("{SERVER}basic_auth_users:\n  alice: $2y$31$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"));
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        code("new").await,
        500,
        "a cost-31 hash is a broken file too"
    );
    pki.dir.write("web.yml", &users(&new));
    assert!(
        within(Duration::from_secs(1), async || code("new").await == 200)
            .await
            .is_some()
    );

    // The user is revoked.
    pki.dir.write("web.yml", SERVER);
    pki.dir.write(
        "web.yml",
        &format!("{SERVER}basic_auth_users:\n  bob: {old}\n"),
    );
    assert!(
        within(Duration::from_secs(1), async || code("new").await == 401)
            .await
            .is_some()
    );

    // A renewed certificate is served to the next connections.
    let renewed = pki.ca.leaf(&["127.0.0.1"], false);
    pki.dir.write("server.key", &renewed.key_pem);
    pki.dir.write("server.crt", &renewed.cert_pem);
    let served = within(Duration::from_secs(1), async || {
        served_certificate(addr, &pki.ca.der).await == Some(renewed.der.to_vec())
    })
    .await;
    assert!(served.is_some(), "the renewed certificate is not served");
}

async fn served_certificate(
    addr: std::net::SocketAddr,
    ca: &rustls::pki_types::CertificateDer<'static>,
) -> Option<Vec<u8>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(
            rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap(),
            tcp,
        )
        .await
        .ok()?;
    Some(tls.get_ref().1.peer_certificates()?.first()?.to_vec())
}

#[test]
fn bad_web_configs_are_clear_errors_without_secrets() {
    let pki = pki("bad");
    let hash = bcrypt::hash("pw", 4).unwrap();
    let high = "$2y$15$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{SERVER}  curve_preferences: [CurveP521]\n"),
            "CurveP521",
        ),
        (
            format!("{SERVER}  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]\n"),
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        ),
        (
            format!("{SERVER}  cipher_suites: [TLS_MADE_UP]\n"),
            "TLS_MADE_UP",
        ),
        (format!("{SERVER}  max_version: TLS11\n"), "TLS12"),
        (
            format!("{SERVER}  client_auth_type: RequireAndVerifyClientCert\n"),
            "client_ca",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n".to_owned(),
            "missing.crt",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n".to_owned(),
            "key",
        ),
        (
            "rate_limit:\n  interval: 1s\n  burst: 0\n".to_owned(),
            "burst",
        ),
        (
            "http_server_config:\n  headers:\n    X-Frame-Options: allowall\n".to_owned(),
            "X-Frame-Options",
        ),
        ("http_server_config:\n  http2: 3\n".to_owned(), "line 2"),
        (format!("basic_auth_users:\n  alice: {high}\n"), "alice"),
        (format!("basic_auth_users: {hash}\n"), "line 1"),
        (format!("basic_auth_users:\n  alice: [{hash}]\n"), "line 2"),
    ];
    for (yaml, named) in cases {
        let file = pki.dir.write("web.yml", &yaml);
        let err = WebConfig::from_file(&file).unwrap_err().to_string();
        assert!(err.contains(named), "{yaml}: {err}");
        assert!(
            !err.contains(&hash) && !err.contains(high),
            "a hash in: {err}"
        );
        assert!(!err.contains("PRIVATE KEY"), "{err}");
    }
}
