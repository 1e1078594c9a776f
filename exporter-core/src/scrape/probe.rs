//! `/probe?target=`: the multi-target pattern (blackbox_exporter,
//! snmp_exporter, mysqld_exporter's `/probe`), with the targets a probe may
//! reach decided before any name lookup or connection.

use std::sync::Arc;
use std::time::Duration;

use crate::collector::{BadRequest, ScrapeRequest};

/// Which targets `/probe` may reach, its modules and its timeout.
///
/// A `/probe` endpoint connects wherever its `target` parameter says: left
/// open, anyone who can reach the exporter can make it connect to any host
/// and port (an open relay into the network it sits in, and a port
/// scanner). So a `Probe` **refuses every target** until told which it may
/// reach: [`allow_hosts`](Self::allow_hosts) (exact host names or IP
/// addresses, compared without any name lookup), a
/// [`validate`](Self::validate) hook, or explicitly
/// [`allow_any`](Self::allow_any) behind a firewall or authentication. The
/// check runs on the raw `target` before anything is looked up or
/// connected; a refused, missing or unparseable target is a 400.
///
/// Each request then connects through the exporter's
/// [`Connect`](super::Connect) step with
/// [`ConnectContext::target`](super::ConnectContext::target) set, runs the
/// enabled scrapers against that connection, and adds `probe_success`
/// (1 when the target was reached and every scraper succeeded) and
/// `probe_duration_seconds`.
///
/// ```
/// use exporter_core::scrape::{Probe, ScrapeRequest};
///
/// let probe = Probe::new().allow_hosts(["127.0.0.1", "redis-a.internal"]);
/// assert!(probe.check(&ScrapeRequest::default().with_target("redis://127.0.0.1:6379")).is_ok());
/// assert!(probe.check(&ScrapeRequest::default().with_target("redis://10.0.0.1:6379")).is_err());
/// assert!(probe.check(&ScrapeRequest::default()).is_err()); // no target
/// assert!(Probe::new().check(&ScrapeRequest::default().with_target("127.0.0.1:6379")).is_err());
/// ```
#[derive(Clone)]
pub struct Probe {
    allow: Allow,
    validate: Option<Arc<Validate>>,
    modules: Option<Vec<String>>,
    timeout: Duration,
}

type Validate = dyn Fn(&str) -> Result<(), String> + Send + Sync;

#[derive(Debug, Clone)]
enum Allow {
    Nothing,
    Hosts(Vec<String>),
    Any,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("allow", &self.allow)
            .field("validate", &self.validate.is_some())
            .field("modules", &self.modules)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for Probe {
    fn default() -> Self {
        Probe::new()
    }
}

impl Probe {
    /// A probe that refuses every target, with a 10 s timeout.
    pub fn new() -> Self {
        Probe {
            allow: Allow::Nothing,
            validate: None,
            modules: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// Allows targets whose host is one of `hosts` (names or IP addresses,
    /// compared case-insensitively, without lookup; IPv6 without brackets).
    /// Adds to earlier calls.
    #[must_use]
    pub fn allow_hosts<S: Into<String>>(mut self, hosts: impl IntoIterator<Item = S>) -> Self {
        let hosts = hosts.into_iter().map(|h| normalize(&h.into()));
        self.allow = match self.allow {
            Allow::Hosts(mut known) => {
                known.extend(hosts);
                Allow::Hosts(known)
            }
            Allow::Any => Allow::Any,
            Allow::Nothing => Allow::Hosts(hosts.collect()),
        };
        self
    }

    /// Allows every target the [`validate`](Self::validate) hook (if any)
    /// accepts. Only behind a firewall or authentication: see the type docs.
    #[must_use]
    pub fn allow_any(mut self) -> Self {
        self.allow = Allow::Any;
        self
    }

    /// A check of the raw `target` string, run before anything is looked up
    /// (after the host allow-list, if any); `Err(why)` refuses it with 400.
    /// With neither `allow_hosts` nor `allow_any`, the hook alone decides.
    #[must_use]
    pub fn validate(
        mut self,
        check: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.validate = Some(Arc::new(check));
        if matches!(self.allow, Allow::Nothing) {
            self.allow = Allow::Any;
        }
        self
    }

    /// The `module=` values accepted (the exporter's
    /// [`Connect`](super::Connect) reads the one asked for); any other is a
    /// 400. Default: no modules, the parameter is passed on unchecked.
    #[must_use]
    pub fn modules<S: Into<String>>(mut self, modules: impl IntoIterator<Item = S>) -> Self {
        self.modules = Some(modules.into_iter().map(Into::into).collect());
        self
    }

    /// The deadline of a probe whose request brings none
    /// (`X-Prometheus-Scrape-Timeout-Seconds`). Default 10 s.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub(super) fn default_timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether `request` may be served: a `target` that is present,
    /// parses, and is allowed; a known `module`.
    ///
    /// # Errors
    ///
    /// Why not, as the 400's message.
    pub fn check(&self, request: &ScrapeRequest) -> Result<(), BadRequest> {
        let Some(target) = request.target().filter(|t| !t.trim().is_empty()) else {
            return Err(BadRequest("missing `target` parameter".to_owned()));
        };
        // What the 400 may repeat: never a password the target carries.
        let shown = redacted(target);
        if let (Some(modules), Some(module)) = (&self.modules, request.module()) {
            if !modules.iter().any(|m| m == module) {
                return Err(BadRequest(format!(
                    "unknown module `{module}` (known: {})",
                    modules.join(", ")
                )));
            }
        }
        let Some(host) = host_of(target) else {
            return Err(BadRequest(format!(
                "cannot read a host in target `{shown}`"
            )));
        };
        match &self.allow {
            Allow::Nothing => {
                return Err(BadRequest(format!(
                    "target `{shown}` refused: this exporter allows no probe targets"
                )))
            }
            Allow::Hosts(hosts) if !hosts.contains(&host) => {
                return Err(BadRequest(format!(
                    "target `{shown}` refused: host `{host}` is not allowed"
                )))
            }
            Allow::Hosts(_) | Allow::Any => {}
        }
        if let Some(validate) = &self.validate {
            validate(target)
                .map_err(|why| BadRequest(format!("target `{shown}` refused: {why}")))?;
        }
        Ok(())
    }
}

/// `target` with the password of its user information replaced by `xxxxx`,
/// as Go's `url.URL.Redacted` writes it (`redis://:xxxxx@host:6379`).
fn redacted(target: &str) -> std::borrow::Cow<'_, str> {
    let start = target.find("://").map_or(0, |i| i + 3);
    let end = target[start..]
        .find(['/', '?', '#'])
        .map_or(target.len(), |i| start + i);
    let Some(at) = target[start..end].rfind('@').map(|i| start + i) else {
        return std::borrow::Cow::Borrowed(target);
    };
    match target[start..at].find(':') {
        Some(colon) => std::borrow::Cow::Owned(format!(
            "{}xxxxx{}",
            &target[..=start + colon],
            &target[at..]
        )),
        None => std::borrow::Cow::Borrowed(target),
    }
}

/// The host of `scheme://user@host:port/path`, `host:port`, `[v6]:port` or
/// `host`, lower case; `None` when there is none.
fn host_of(target: &str) -> Option<String> {
    let rest = target.split_once("://").map_or(target, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split_once(']')?.0
    } else if authority.matches(':').count() > 1 {
        authority // a bare IPv6 address
    } else {
        authority.split(':').next().unwrap_or("")
    };
    let host = normalize(host);
    (!host.is_empty() && !host.chars().any(|c| c.is_whitespace() || c.is_control())).then_some(host)
}

fn normalize(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::{host_of, redacted};

    #[test]
    fn a_password_in_a_target_is_never_repeated() {
        assert_eq!(
            redacted("redis://:pw@cache:6379/0"),
            "redis://:xxxxx@cache:6379/0"
        );
        assert_eq!(redacted("redis://u:p@ss@cache"), "redis://u:xxxxx@cache");
        assert_eq!(redacted("redis://user@cache"), "redis://user@cache");
        assert_eq!(redacted("cache:6379"), "cache:6379");
        assert_eq!(redacted("http://h/p?a=b@c:d"), "http://h/p?a=b@c:d");
    }

    #[test]
    fn hosts_are_read_without_lookup() {
        let cases = [
            ("redis://127.0.0.1:6379", Some("127.0.0.1")),
            ("redis://:pw@Cache.Internal.:6379/0", Some("cache.internal")),
            ("10.0.0.1:9104", Some("10.0.0.1")),
            ("[::1]:6379", Some("::1")),
            ("::1", Some("::1")),
            ("db", Some("db")),
            ("tcp://[fe80::1]", Some("fe80::1")),
            ("redis://", None),
            (":6379", None),
            ("a b:1", None),
            ("[::1", None),
        ];
        for (target, host) in cases {
            assert_eq!(host_of(target).as_deref(), host, "{target}");
        }
    }
}
