//! `--web.config.file`: the whole `web-config.yml` of prometheus/exporter-toolkit
//! (v0.17) with rustls (ring) and bcrypt, re-read while serving.
//!
//! ```yaml
//! tls_server_config:
//!   cert_file: server.crt            # or `cert:` inline PEM; relative to this file
//!   key_file: server.key             # or `key:` inline PEM
//!   client_auth_type: RequireAndVerifyClientCert
//!   client_ca_file: ca.crt           # or `client_ca:` inline PEM
//!   client_allowed_sans: [prometheus.example]
//!   min_version: TLS12               # TLS10/TLS11 mean TLS12, with a warning
//!   max_version: TLS13
//!   cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]   # TLS 1.2 only, as in Go
//!   curve_preferences: [X25519, CurveP256]
//!   prefer_server_cipher_suites: true
//! http_server_config:
//!   http2: true                      # HTTP/2 by ALPN over TLS
//!   headers:
//!     X-Frame-Options: deny          # exporter-toolkit's fixed set, checked the same way
//! rate_limit:
//!   interval: 1s                     # 0 or absent: no limit
//!   burst: 10                        # 429 beyond it
//! basic_auth_users:
//!   alice: $2y$10$...                # bcrypt, cost 4 to 14 (`htpasswd -nBC 10 alice`)
//! ```
//!
//! Unknown keys, wrong types and values exporter-toolkit refuses are errors at load.
//! The details of TLS are in the docs of [`WebConfig`]; how basic auth resists timing
//! and cost attacks is described there too.
//!
//! **Re-reading.** exporter-toolkit reads the file on every request and the
//! certificates on every connection. Here a [`WebConfig`] loaded from a file checks it
//! and the files it names every 250 ms while a server uses it (and on
//! [`reload`](WebConfig::reload), which the runtime calls on SIGHUP): a renewed
//! certificate or a changed password takes effect within a second. A broken edit fails
//! closed as in Go: every request gets 500 and the log says why (at most once a second)
//! until the file is fixed. Differences from Go: adding or removing
//! `tls_server_config` while running counts as broken (a listener's protocol is fixed
//! at start-up); the rate limiter is one for all listeners and keeps its tokens while
//! its settings do not change.

mod auth;
mod config;
mod rate;
mod tls;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};

pub(crate) use auth::BasicAuth;
pub use auth::{parse_basic as parse_basic_credentials, BCRYPT_COSTS};
pub(crate) use rate::RateLimiter;
pub use tls::subject_alt_names;

/// How often a file-backed configuration is checked for changes while served.
const REREAD_EVERY: Duration = Duration::from_millis(250);

/// A `web-config.yml`: TLS, basic auth, response headers and a rate limit, any of them.
///
/// Cloning is cheap and clones share the configuration (and its re-reading).
///
/// TLS follows exporter-toolkit: `client_auth_type` takes its five values
/// (`NoClientCert`, `RequestClientCert`, `RequireAnyClientCert`, `VerifyClientCertIfGiven`,
/// `RequireAndVerifyClientCert`); the two verifying ones need a client CA (Go would fall
/// back to the system's roots). `cipher_suites` use Go's names and restrict TLS 1.2 only;
/// a suite rustls does not implement (CBC, RC4, 3DES, RSA key exchange) or the curve
/// `CurveP521` is an error naming it. `client_allowed_sans` compares the client
/// certificate's DNS names, e-mail addresses, IP addresses and URIs as exact strings, and
/// refuses a client without a certificate.
///
/// Basic auth: bcrypt costs outside [`BCRYPT_COSTS`] are refused at load (naming the
/// user, never the hash); at most half the cores run bcrypt at once; successful checks
/// are remembered under (user, hash, password), so a changed or revoked password stops
/// working at once; an unknown user is checked against the hash of a known user picked
/// by a keyed hash of the name, so the time of an answer does not tell whether a user
/// exists.
///
/// # Example
///
/// ```
/// use exporter_core::http::WebConfig;
///
/// let config = WebConfig::from_yaml(
///     "http_server_config:\n  headers:\n    X-Frame-Options: deny\nrate_limit:\n  interval: 1s\n  burst: 20\n",
///     std::path::Path::new("."),
/// )?;
/// assert!(!config.is_tls());
///
/// let err = WebConfig::from_yaml("rate_limit:\n  interval: 1s\n  burst: 0\n", ".".as_ref());
/// assert!(err.unwrap_err().to_string().contains("burst"));
/// # Ok::<(), exporter_core::http::WebConfigError>(())
/// ```
#[derive(Clone)]
pub struct WebConfig {
    live: Arc<Live>,
}

/// What a server reads per request or connection.
struct Live {
    /// The file, when loaded from one (re-read then).
    path: Option<PathBuf>,
    state: RwLock<State>,
    /// The bytes of the file and of every file it names, at the last read.
    seen: Mutex<Vec<u8>>,
    verified: Arc<auth::Verified>,
    watching: AtomicBool,
    last_complaint: Mutex<Option<Instant>>,
}

struct State {
    current: Arc<Snapshot>,
    /// Why the file on disk is unusable; requests get 500 while it is set.
    broken: Option<String>,
}

/// One version of the file, loaded.
pub(crate) struct Snapshot {
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    pub(crate) auth: Option<Arc<BasicAuth>>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) limiter: Option<Arc<RateLimiter>>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.live.state();
        f.debug_struct("WebConfig")
            .field("path", &self.live.path)
            .field("tls", &state.current.tls.is_some())
            .field("basic_auth", &state.current.auth.is_some())
            .field("broken", &state.broken.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a web configuration could not be loaded. The message names the file, key and
/// user concerned, never a password, hash or private key. Display texts are not a
/// stable API.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct WebConfigError(Box<Problem>);

#[derive(Debug, thiserror::Error)]
pub(crate) enum Problem {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid web config: {0}")]
    Yaml(String),
    #[error("invalid web config: {0}")]
    Invalid(String),
}

impl From<Problem> for WebConfigError {
    fn from(problem: Problem) -> Self {
        WebConfigError(Box::new(problem))
    }
}

impl WebConfigError {
    /// Whether a file could not be read (rather than holding something invalid).
    pub fn is_io(&self) -> bool {
        matches!(*self.0, Problem::Read { .. })
    }
}

impl WebConfig {
    /// Loads `path`; relative file names in it are resolved against its directory.
    /// While a server uses it, the file (and the certificates it names) is re-read.
    ///
    /// # Errors
    ///
    /// [`WebConfigError`] for an unreadable file, invalid YAML, an unknown key or a
    /// value exporter-toolkit refuses, an unusable certificate or key, or a password
    /// hash that is not bcrypt of a cost in [`BCRYPT_COSTS`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, WebConfigError> {
        let path = path.as_ref().to_owned();
        let verified = Arc::default();
        let (snapshot, seen) = load_file(&path, &verified, None)?;
        Ok(WebConfig::new(Some(path), snapshot, seen, verified))
    }

    /// Parses a configuration; relative file names are resolved against `base_dir`.
    /// It is not re-read.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file).
    pub fn from_yaml(yaml: &str, base_dir: &Path) -> Result<Self, WebConfigError> {
        let verified = Arc::default();
        let (snapshot, _) = load(yaml, base_dir, &verified, None)?;
        Ok(WebConfig::new(None, snapshot, Vec::new(), verified))
    }

    fn new(
        path: Option<PathBuf>,
        snapshot: Snapshot,
        seen: Vec<u8>,
        verified: Arc<auth::Verified>,
    ) -> Self {
        WebConfig {
            live: Arc::new(Live {
                path,
                state: RwLock::new(State {
                    current: Arc::new(snapshot),
                    broken: None,
                }),
                seen: Mutex::new(seen),
                verified,
                watching: AtomicBool::new(false),
                last_complaint: Mutex::new(None),
            }),
        }
    }

    /// Whether connections are served over TLS.
    pub fn is_tls(&self) -> bool {
        self.live.state().current.tls.is_some()
    }

    /// Re-reads the file now (a configuration from [`from_yaml`](Self::from_yaml) has
    /// none: `Ok(false)`). `Ok(true)` if it changed and was applied. On an error the
    /// configuration is broken until a later read succeeds: every request gets 500.
    ///
    /// # Errors
    ///
    /// As [`from_file`](Self::from_file), plus adding or removing `tls_server_config`.
    pub fn reload(&self) -> Result<bool, WebConfigError> {
        self.live.reload()
    }

    /// Whether an `Authorization` header value is let through by `basic_auth_users`
    /// (always, without users). Exposed for fuzzing and benchmarks.
    #[doc(hidden)]
    pub async fn check_basic_auth(&self, header: Option<&[u8]>) -> bool {
        let auth = self.live.state().current.auth.clone();
        match auth {
            Some(auth) => auth.allows(header).await,
            None => true,
        }
    }

    /// The cached part of the basic-auth check alone (`None`: unknown user or bad
    /// header). Exposed for benchmarks.
    #[doc(hidden)]
    pub fn check_basic_auth_cached(&self, header: &[u8]) -> Option<bool> {
        let auth = self.live.state().current.auth.clone()?;
        auth.allows_cached(header)
    }

    /// The version to serve a request with, or why the file is broken (then 500). A
    /// complaint is logged at most once a second.
    pub(crate) fn current(&self) -> Result<Arc<Snapshot>, ()> {
        let state = self.live.state();
        match &state.broken {
            None => Ok(Arc::clone(&state.current)),
            Some(reason) => {
                let mut last = self
                    .live
                    .last_complaint
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                    *last = Some(Instant::now());
                    tracing::error!(error = %reason, "unable to parse the web configuration; answering 500");
                }
                Err(())
            }
        }
    }

    /// The TLS configuration for a new connection: the last good one (a broken file
    /// makes the requests on it fail instead).
    pub(crate) fn tls(&self) -> Option<Arc<rustls::ServerConfig>> {
        self.live.state().current.tls.clone()
    }

    /// Starts re-reading the file every 250 ms, once per configuration, for as long as
    /// a clone of it lives. Call inside a Tokio runtime.
    pub(crate) fn watch(&self) {
        if self.live.path.is_none() || self.live.watching.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak: Weak<Live> = Arc::downgrade(&self.live);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REREAD_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(live) = weak.upgrade() else { return };
                // File reads are small and rare; a blocking thread keeps them off the workers.
                let _ = tokio::task::spawn_blocking(move || live.reload()).await;
            }
        });
    }
}

impl Live {
    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn reload(&self) -> Result<bool, WebConfigError> {
        let Some(path) = &self.path else {
            return Ok(false);
        };
        let current = Arc::clone(&self.state().current);
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let result = match snapshot_bytes(path) {
            Ok(bytes) if bytes == *seen => return Ok(false),
            Ok(bytes) => {
                *seen = bytes;
                load_file(path, &self.verified, Some(&current)).and_then(|(snapshot, bytes)| {
                    *seen = bytes;
                    if snapshot.tls.is_some() == current.tls.is_some() {
                        Ok(snapshot)
                    } else {
                        Err(Problem::Invalid(
                            "adding or removing tls_server_config needs a restart".into(),
                        )
                        .into())
                    }
                })
            }
            Err(e) => {
                seen.clear();
                Err(e)
            }
        };
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(snapshot) => {
                if state.broken.take().is_some() {
                    tracing::info!("web configuration fixed");
                }
                tracing::info!(path = %path.display(), "web configuration re-read");
                state.current = Arc::new(snapshot);
                Ok(true)
            }
            Err(e) => {
                let reason = e.to_string();
                if state.broken.as_deref() != Some(reason.as_str()) {
                    tracing::error!(error = %reason, "web configuration is broken; answering 500 until it is fixed");
                }
                state.broken = Some(reason);
                Err(e)
            }
        }
    }
}

/// Reads and loads `path`; also returns what [`snapshot_bytes`] returned for it.
fn load_file(
    path: &Path,
    verified: &Arc<auth::Verified>,
    previous: Option<&Snapshot>,
) -> Result<(Snapshot, Vec<u8>), WebConfigError> {
    let yaml = std::fs::read_to_string(path).map_err(|source| Problem::Read {
        path: path.to_owned(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let (snapshot, files) = load(&yaml, base_dir, verified, previous)?;
    let mut seen = yaml.into_bytes();
    for file in files {
        seen.extend_from_slice(b"\0");
        seen.extend(std::fs::read(&file).unwrap_or_default());
    }
    Ok((snapshot, seen))
}

/// The bytes a change is detected by: the file and the files it names.
fn snapshot_bytes(path: &Path) -> Result<Vec<u8>, WebConfigError> {
    let yaml = std::fs::read_to_string(path).map_err(|source| Problem::Read {
        path: path.to_owned(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let files = config::parse(&yaml, base_dir)
        .map(|spec| files_of(&spec))
        .unwrap_or_default();
    let mut seen = yaml.into_bytes();
    for file in files {
        seen.extend_from_slice(b"\0");
        seen.extend(std::fs::read(&file).unwrap_or_default());
    }
    Ok(seen)
}

fn files_of(spec: &config::Spec) -> Vec<PathBuf> {
    let Some(tls) = &spec.tls else {
        return Vec::new();
    };
    [Some(&tls.cert), Some(&tls.key), tls.client_ca.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|s| match s {
            config::Source::File(p) => Some(p.clone()),
            config::Source::Inline(_) => None,
        })
        .collect()
}

/// Parses and loads one version; returns it and the files it read.
fn load(
    yaml: &str,
    base_dir: &Path,
    verified: &Arc<auth::Verified>,
    previous: Option<&Snapshot>,
) -> Result<(Snapshot, Vec<PathBuf>), WebConfigError> {
    let spec = config::parse(yaml, base_dir)?;
    for warning in &spec.warnings {
        tracing::warn!("{warning}");
    }
    let tls = match &spec.tls {
        Some(t) => Some(Arc::new(tls::server_config(t, spec.http2)?)),
        None => None,
    };
    let auth = if spec.users.is_empty() {
        None
    } else {
        Some(Arc::new(BasicAuth::new(
            spec.users.clone(),
            Arc::clone(verified),
        )?))
    };
    // The same settings keep the same bucket (and its tokens) across re-reads.
    let limiter = spec.rate_limit.map(|(interval, burst)| {
        previous
            .and_then(|p| p.limiter.clone())
            .filter(|l| l.settings() == (interval, burst))
            .unwrap_or_else(|| Arc::new(RateLimiter::new(interval, burst)))
    });
    let files = files_of(&spec);
    Ok((
        Snapshot {
            tls,
            auth,
            headers: spec.headers,
            limiter,
        },
        files,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unknown_keys_and_bad_hashes() {
        let dir = Path::new(".");
        assert!(!WebConfig::from_yaml("", dir).unwrap().is_tls());
        let err = WebConfig::from_yaml("tls_server_config:\n  cert_fil: a\n", dir).unwrap_err();
        assert!(err.to_string().contains("cert_fil"), "{err}");
        let err = WebConfig::from_yaml("basic_auth_users:\n  alice: plaintext\n", dir).unwrap_err();
        assert!(err.to_string().contains("alice"));
        let err = WebConfig::from_yaml(
            "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n",
            dir,
        )
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent.crt"), "{err}");
        let err = WebConfig::from_file("/nonexistent/web.yml").unwrap_err();
        assert!(err.is_io());
    }
}
