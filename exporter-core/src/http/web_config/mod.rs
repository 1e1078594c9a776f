//! `--web.config.file`: TLS and basic auth in prometheus/exporter-toolkit's
//! `web-config.yml` format (the supported subset below), with rustls (ring)
//! and bcrypt.
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt   # PEM chain; relative to the config file
//!   key_file: server.key    # PEM private key
//! basic_auth_users:
//!   alice: $2y$10$...       # bcrypt hash, e.g. from `htpasswd -nBC 10 alice`
//! ```
//!
//! Any other key is refused rather than ignored, so a setting this crate
//! does not implement (client certificates, cipher lists) is never silently
//! dropped from a security configuration.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;

/// A loaded web configuration: TLS, basic auth, both or neither.
#[derive(Clone, Default)]
pub struct WebConfig {
    pub(crate) tls: Option<tokio_rustls::TlsAcceptor>,
    pub(crate) auth: Option<Arc<BasicAuth>>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("tls", &self.tls.is_some())
            .field(
                "basic_auth_users",
                &self.auth.as_ref().map_or(0, |a| a.users.len()),
            )
            .finish()
    }
}

/// Why a web configuration could not be loaded. Display texts are not a stable API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML is malformed or has keys this crate does not support.
    #[error("invalid web config: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// The certificate or key file holds no usable PEM item.
    #[error("invalid {what} in {path}: {reason}")]
    Pem {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// rustls refused the certificate and key.
    #[error("invalid TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// A user's password hash is not a bcrypt hash.
    #[error("the password hash of user `{user}` is not a bcrypt hash")]
    BadHash {
        /// The user.
        user: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    tls_server_config: Option<RawTls>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert_file: PathBuf,
    key_file: PathBuf,
}

impl WebConfig {
    /// Loads `path`; relative file names in it are resolved against its directory.
    ///
    /// # Errors
    ///
    /// [`WebConfigError`] for an unreadable file, invalid YAML, an unsupported
    /// key, an unusable certificate or key, or a hash that is not bcrypt.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, WebConfigError> {
        let path = path.as_ref();
        let yaml = std::fs::read_to_string(path).map_err(|source| WebConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_yaml(&yaml, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses a configuration; relative file names are resolved against `base_dir`.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file).
    pub fn from_yaml(yaml: &str, base_dir: &Path) -> Result<Self, WebConfigError> {
        // An empty file is an empty configuration, as in exporter-toolkit.
        let raw: Option<RawConfig> = serde_yaml::from_str(yaml)?;
        let Some(raw) = raw else {
            return Ok(WebConfig::default());
        };
        let tls = match raw.tls_server_config {
            Some(t) => Some(acceptor(
                &base_dir.join(t.cert_file),
                &base_dir.join(t.key_file),
            )?),
            None => None,
        };
        let auth = match raw.basic_auth_users {
            Some(users) if !users.is_empty() => {
                for (user, hash) in &users {
                    if bcrypt::HashParts::from_str(hash).is_err() {
                        return Err(WebConfigError::BadHash { user: user.clone() });
                    }
                }
                Some(Arc::new(BasicAuth {
                    users: users.into_iter().collect(),
                    verified: Mutex::new(HashSet::new()),
                }))
            }
            _ => None,
        };
        Ok(WebConfig { tls, auth })
    }

    /// Whether connections are served over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }
}

fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, WebConfigError> {
    let pem_error =
        |what: &'static str, path: &Path, e: &dyn std::fmt::Display| WebConfigError::Pem {
            what,
            path: path.to_owned(),
            reason: e.to_string(),
        };
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| pem_error("certificate", cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error("certificate", cert, &e))?;
    if certs.is_empty() {
        return Err(pem_error("certificate", cert, &"no certificate found"));
    }
    let key_der =
        PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error("private key", key, &e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key_der)?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The users of `basic_auth_users`, and the credentials already verified
/// (bcrypt is slow by design; exporter-toolkit caches the same way).
pub(crate) struct BasicAuth {
    users: HashMap<String, String>,
    verified: Mutex<HashSet<(String, String)>>,
}

/// A bcrypt hash at the default cost, checked for unknown users so they take
/// as long as known ones and the answer does not reveal which users exist.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| bcrypt::hash("no such user", bcrypt::DEFAULT_COST).unwrap_or_default());

/// Most credential pairs remembered as verified.
const CACHE_LIMIT: usize = 1024;

impl BasicAuth {
    /// Whether an `Authorization` header value grants access. Runs bcrypt on
    /// a blocking thread.
    pub(crate) async fn allows(self: &Arc<Self>, header: Option<&[u8]>) -> bool {
        let Some((user, password)) = header.and_then(parse_basic) else {
            return false;
        };
        let key = (user, password);
        {
            let verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
            if verified.contains(&key) {
                return true;
            }
        }
        let this = Arc::clone(self);
        let ok = tokio::task::spawn_blocking(move || {
            let (hash, known) = match this.users.get(&key.0) {
                Some(hash) => (hash.as_str(), true),
                None => (DUMMY_HASH.as_str(), false),
            };
            let ok = bcrypt::verify(&key.1, hash).unwrap_or(false) && known;
            if ok {
                let mut verified = this.verified.lock().unwrap_or_else(PoisonError::into_inner);
                if verified.len() >= CACHE_LIMIT {
                    verified.clear();
                }
                verified.insert(key);
            }
            ok
        })
        .await;
        ok.unwrap_or(false)
    }
}

/// `Basic base64(user:password)` -> `(user, password)`.
fn parse_basic(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?;
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_valid_bcrypt() {
        assert!(bcrypt::HashParts::from_str(&DUMMY_HASH).is_ok());
        assert!(!bcrypt::verify("", &DUMMY_HASH).unwrap());
    }

    #[test]
    fn parses_basic_credentials() {
        assert_eq!(
            parse_basic(b"Basic YWxpY2U6czNjcjN0OndpdGg6Y29sb25z"),
            Some(("alice".to_owned(), "s3cr3t:with:colons".to_owned()))
        );
        assert_eq!(parse_basic(b"Bearer abc"), None);
        assert_eq!(parse_basic(b"Basic !!!"), None);
        assert_eq!(parse_basic(b"Basic"), None);
        assert_eq!(parse_basic(b"\xff\xfe"), None);
    }

    #[test]
    fn refuses_unknown_keys_and_bad_hashes() {
        let dir = Path::new(".");
        assert!(WebConfig::from_yaml("", dir).unwrap().auth.is_none());
        let err = WebConfig::from_yaml("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n", dir);
        assert!(matches!(err, Err(WebConfigError::Yaml(_))));
        let err = WebConfig::from_yaml("basic_auth_users:\n  alice: plaintext\n", dir);
        assert!(matches!(err, Err(WebConfigError::BadHash { .. })));
        let err = WebConfig::from_yaml(
            "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n",
            dir,
        );
        assert!(matches!(err, Err(WebConfigError::Pem { .. })));
    }
}
