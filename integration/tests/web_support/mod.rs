//! Shared by the `web_config*` tests: certificates made at test time with rcgen, a
//! server with a `web-config.yml`, and clients (rustls, curl, `openssl s_client`).

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use exporter_core::http::{serve, MetricsHandler, WebConfig};
use exporter_core::Registry;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// A fresh directory under the system's temporary directory, removed on drop.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "exporter-web-{name}-{}-{}",
            std::process::id(),
            fastrand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        // Write then rename, as an editor or a certificate renewal does.
        let tmp = self.path(&format!(".{name}.tmp"));
        std::fs::write(&tmp, contents).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastrand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// A CA and what it signs.
pub struct Ca {
    pub pem: String,
    pub der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate with its key, as PEM and as rustls wants them.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl Leaf {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::try_from(self.key_der.clone()).unwrap()
    }
}

impl Ca {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for `sans` (an IP, a DNS name, or `email:`/`uri:` prefixed).
    pub fn leaf(&self, sans: &[&str], expired: bool) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = sans
            .iter()
            .map(|s| {
                if let Some(e) = s.strip_prefix("email:") {
                    SanType::Rfc822Name(e.try_into().unwrap())
                } else if let Some(u) = s.strip_prefix("uri:") {
                    SanType::URI(u.try_into().unwrap())
                } else if let Ok(ip) = s.parse() {
                    SanType::IpAddress(ip)
                } else {
                    SanType::DnsName((*s).try_into().unwrap())
                }
            })
            .collect();
        if expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// A server at 127.0.0.1:0 with the metrics handler and `config` loaded from `file`.
pub async fn start(file: &Path) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let config = WebConfig::from_file(file).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let registry = Registry::new();
    registry
        .register(exporter_core::collector::from_fn(|| {
            Ok(Fixed { test_fixed: 81.0 })
        }))
        .unwrap();
    let server = serve(listener, MetricsHandler::new(registry))
        .web_config(config)
        .probes(true);
    let addr = server.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(std::future::IntoFuture::into_future(
        server.with_graceful_shutdown(async move {
            let _ = rx.await;
        }),
    ));
    (addr, tx)
}

#[derive(exporter_core::Collector)]
pub struct Fixed {
    /// A fixed value.
    #[metric(gauge)]
    pub test_fixed: f64,
}

/// How a rustls client connects.
#[derive(Default)]
pub struct Client<'a> {
    pub ca: Option<&'a CertificateDer<'static>>,
    pub cert: Option<&'a Leaf>,
    pub tls12_only: bool,
    pub tls13_only: bool,
    pub suites: Option<Vec<rustls::SupportedCipherSuite>>,
    pub groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>,
    pub alpn_h2: bool,
    pub auth: Option<(&'a str, &'a str)>,
}

/// One GET over TLS with `client`; `Err` with rustls' error when the handshake or the
/// connection fails, else the raw response (empty when the server closed at once).
pub async fn get(addr: SocketAddr, path: &str, client: &Client<'_>) -> Result<String, String> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(suites) = &client.suites {
        provider.cipher_suites.clone_from(suites);
    }
    if let Some(groups) = &client.groups {
        provider.kx_groups.clone_from(groups);
    }
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if !client.tls13_only {
        versions.push(&rustls::version::TLS12);
    }
    if !client.tls12_only {
        versions.push(&rustls::version::TLS13);
    }
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = client.ca {
        roots.add(ca.clone()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&versions)
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    let mut config = match client.cert {
        Some(leaf) => builder
            .with_client_auth_cert(vec![leaf.der.clone()], leaf.key())
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    if client.alpn_h2 {
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    }
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let io = async {
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let mut request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if let Some((user, password)) = client.auth {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            request = request + "Authorization: Basic " + &token + "\r\n";
        }
        request.push_str("\r\n");
        tls.write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        match tls.read_to_end(&mut out).await {
            // rustls reports a missing close_notify after the data; the data is what counts.
            Err(e) if out.is_empty() => Err(e.to_string()),
            _ => Ok(String::from_utf8_lossy(&out).into_owned()),
        }
    };
    tokio::time::timeout(Duration::from_secs(20), io)
        .await
        .map_err(|_| "timed out".to_owned())?
}

/// The status line's code of a raw HTTP/1.1 response, or 0.
pub fn status(response: &str) -> u16 {
    response
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// `curl` over TLS: (HTTP version, status), e.g. ("2", 200); status 0 when refused.
pub fn curl(addr: SocketAddr, dir: &Dir, extra: &[&str]) -> (String, u16) {
    let out = std::process::Command::new("curl")
        .current_dir(&dir.0)
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "--max-time",
            "20",
            "-w",
            "%{http_version} %{http_code}",
        ])
        .arg("--cacert")
        .arg(dir.path("ca.pem"))
        .args(extra)
        .arg(format!("https://{addr}/metrics"))
        .output()
        .expect("curl is installed (.ci/run)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (version, code) = text.split_once(' ').unwrap_or(("", "0"));
    (version.to_owned(), code.parse().unwrap_or(0))
}

/// `openssl s_client` sending one request with `cert`/`key` files; its output.
pub fn s_client(addr: SocketAddr, dir: &Dir, cert: &str, key: &str) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("timeout")
        .args(["20", "openssl", "s_client", "-quiet", "-connect"])
        .arg(addr.to_string())
        .arg("-CAfile")
        .arg(dir.path("ca.pem"))
        .arg("-cert")
        .arg(dir.path(cert))
        .arg("-key")
        .arg(dir.path(key))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl is installed (.ci/run)");
    let mut stdin = child.stdin.take().unwrap();
    // s_client sends what it reads; the pipe stays open until the server closes.
    let _ =
        stdin.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
