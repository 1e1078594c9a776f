//! The YAML side: exporter-toolkit's keys read with serde-saphyr, checked the
//! way exporter-toolkit checks them, into a [`Spec`] that holds no file contents yet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use serde::Deserialize;

use super::Problem;
use crate::http::parse_go_duration;

/// The whole file; every key of exporter-toolkit v0.17, and nothing else
/// (an unknown key is an error, as with Go's `yaml.UnmarshalStrict`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    tls_server_config: Option<RawTls>,
    http_server_config: Option<RawHttp>,
    rate_limit: Option<RawRate>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<String>,
    key_file: Option<String>,
    client_auth_type: Option<String>,
    client_ca_file: Option<String>,
    cipher_suites: Option<Vec<String>>,
    curve_preferences: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    prefer_server_cipher_suites: Option<bool>,
    client_allowed_sans: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRate {
    burst: Option<i64>,
    interval: Option<String>,
}

/// Where a PEM item comes from: a file (relative to the config's directory) or inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    File(PathBuf),
    Inline(String),
}

/// `client_auth_type`, with exporter-toolkit's names (`RequireClientCert` is its old
/// name of `RequireAnyClientCert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClientAuth {
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// A TLS protocol version as Go names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Version {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

/// `tls_server_config`, checked but not loaded.
#[derive(Debug, Clone)]
pub(super) struct TlsSpec {
    pub(super) cert: Source,
    pub(super) key: Source,
    pub(super) client_ca: Option<Source>,
    pub(super) client_auth: ClientAuth,
    pub(super) cipher_suites: Option<Vec<String>>,
    pub(super) curves: Option<Vec<String>>,
    pub(super) min_version: Version,
    pub(super) max_version: Version,
    pub(super) prefer_server_cipher_suites: bool,
    pub(super) client_allowed_sans: Option<Vec<String>>,
}

/// The file, checked: everything but what is in the certificate files.
#[derive(Debug, Clone)]
pub(super) struct Spec {
    pub(super) tls: Option<TlsSpec>,
    pub(super) http2: bool,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) rate_limit: Option<(Duration, u32)>,
    pub(super) users: BTreeMap<String, String>,
    /// Things accepted with a caveat (e.g. `min_version: TLS10`), logged at load.
    pub(super) warnings: Vec<String>,
}

/// exporter-toolkit's fixed set of headers (`extraHTTPHeaders`): the names that may be
/// set, and for some the only values allowed.
const HEADERS: [(&str, &[&str]); 5] = [
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

/// Parses and checks `yaml`; relative file names are resolved against `base_dir`.
pub(super) fn parse(yaml: &str, base_dir: &Path) -> Result<Spec, Problem> {
    let mut options = serde_saphyr::Options::default();
    // Messages without an excerpt of the file: it may hold hashes and keys.
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    // An empty file (or one with only comments) is an empty configuration, as in Go.
    let raw: Option<RawConfig> = serde_saphyr::from_str_with_options(yaml, options)
        .map_err(|e| Problem::Yaml(redact(&e.without_snippet().to_string())))?;
    let raw = raw.unwrap_or_default();
    let mut warnings = Vec::new();
    let tls = match raw.tls_server_config {
        Some(t) => tls_spec(t, base_dir, &mut warnings)?,
        None => None,
    };
    let http = raw.http_server_config.unwrap_or_default();
    let headers = headers(http.headers.unwrap_or_default())?;
    let rate_limit = match raw.rate_limit {
        Some(r) => rate_limit(&r)?,
        None => None,
    };
    Ok(Spec {
        tls,
        http2: http.http2.unwrap_or(true),
        headers,
        rate_limit,
        users: raw.basic_auth_users.unwrap_or_default(),
        warnings,
    })
}

/// Replaces every double-quoted part of a YAML error with `"…"`: serde's "invalid
/// type: string "…"" messages quote the value, which may be a hash or a key.
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if quoted {
                out.push_str("\u{2026}\"");
            } else {
                out.push('"');
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

fn tls_spec(
    t: RawTls,
    base_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<Option<TlsSpec>, Problem> {
    let file = |s: Option<String>| nonempty(s).map(|f| Source::File(base_dir.join(f)));
    let cert = file(t.cert_file).or(nonempty(t.cert).map(Source::Inline));
    let key = file(t.key_file).or(nonempty(t.key).map(Source::Inline));
    let client_ca = file(t.client_ca_file).or(nonempty(t.client_ca).map(Source::Inline));
    let client_auth_type = nonempty(t.client_auth_type);
    // exporter-toolkit: a section without any of these is plain HTTP (errNoTLSConfig).
    if cert.is_none() && key.is_none() && client_ca.is_none() && client_auth_type.is_none() {
        return Ok(None);
    }
    let invalid = |m: String| Problem::Invalid(format!("tls_server_config: {m}"));
    let cert = cert.ok_or_else(|| invalid("missing one of cert or cert_file".into()))?;
    let key = key.ok_or_else(|| invalid("missing one of key or key_file".into()))?;
    let client_auth = match client_auth_type.as_deref() {
        None | Some("NoClientCert") => ClientAuth::NoClientCert,
        Some("RequestClientCert") => ClientAuth::RequestClientCert,
        Some("RequireAnyClientCert" | "RequireClientCert") => ClientAuth::RequireAnyClientCert,
        Some("VerifyClientCertIfGiven") => ClientAuth::VerifyClientCertIfGiven,
        Some("RequireAndVerifyClientCert") => ClientAuth::RequireAndVerifyClientCert,
        Some(other) => return Err(invalid(format!("invalid client_auth_type `{other}`"))),
    };
    if client_ca.is_some() && client_auth == ClientAuth::NoClientCert {
        return Err(invalid(
            "client CA's have been configured without a Client Auth Policy (client_auth_type)"
                .into(),
        ));
    }
    if client_ca.is_none()
        && matches!(
            client_auth,
            ClientAuth::VerifyClientCertIfGiven | ClientAuth::RequireAndVerifyClientCert
        )
    {
        // Go would fall back to the system's roots; a client certificate checked
        // against public CAs is never what an exporter wants, so it is refused.
        return Err(invalid(format!(
            "client_auth_type {client_auth:?} needs client_ca_file or client_ca"
        )));
    }
    let version = |field: &str, v: Option<String>, default: Version| match nonempty(v).as_deref() {
        None => Ok(default),
        Some("TLS10") => Ok(Version::Tls10),
        Some("TLS11") => Ok(Version::Tls11),
        Some("TLS12") => Ok(Version::Tls12),
        Some("TLS13") => Ok(Version::Tls13),
        Some(other) => Err(invalid(format!("{field}: unknown TLS version `{other}`"))),
    };
    let mut min_version = version("min_version", t.min_version, Version::Tls12)?;
    let max_version = version("max_version", t.max_version, Version::Tls13)?;
    if max_version < Version::Tls12 {
        return Err(invalid(format!(
            "max_version {max_version:?} is below TLS12, the oldest version rustls speaks"
        )));
    }
    if min_version < Version::Tls12 {
        warnings.push(format!(
            "tls_server_config: min_version {min_version:?} is raised to TLS12, the oldest version rustls speaks"
        ));
        min_version = Version::Tls12;
    }
    if min_version > max_version {
        return Err(invalid(format!(
            "min_version {min_version:?} is above max_version {max_version:?}"
        )));
    }
    Ok(Some(TlsSpec {
        cert,
        key,
        client_ca,
        client_auth,
        cipher_suites: t.cipher_suites,
        curves: t.curve_preferences,
        min_version,
        max_version,
        prefer_server_cipher_suites: t.prefer_server_cipher_suites.unwrap_or(true),
        client_allowed_sans: t.client_allowed_sans,
    }))
}

/// `http_server_config.headers`, validated as exporter-toolkit's `validateHeaderConfig`.
fn headers(headers: BTreeMap<String, String>) -> Result<Vec<(HeaderName, HeaderValue)>, Problem> {
    let mut out = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let Some((canonical, allowed)) = HEADERS.iter().find(|(n, _)| *n == name) else {
            return Err(Problem::Invalid(format!(
                "http_server_config: HTTP header {name:?} can not be configured"
            )));
        };
        if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
            return Err(Problem::Invalid(format!(
                "http_server_config: invalid value for {canonical}. Expected one of: {allowed:?}, but got: {value:?}"
            )));
        }
        let header_value = HeaderValue::from_str(&value).map_err(|_| {
            Problem::Invalid(format!(
                "http_server_config: the value of {canonical} is not a valid header value"
            ))
        })?;
        out.push((HeaderName::from_static(lowercase(canonical)), header_value));
    }
    Ok(out)
}

fn lowercase(name: &str) -> &'static str {
    match name {
        "Strict-Transport-Security" => "strict-transport-security",
        "X-Content-Type-Options" => "x-content-type-options",
        "X-Frame-Options" => "x-frame-options",
        "X-XSS-Protection" => "x-xss-protection",
        _ => "content-security-policy",
    }
}

/// `rate_limit`: an interval of 0 (or none) means no limit, as in exporter-toolkit; a
/// burst below 1 with an interval would refuse every request, so it is an error.
fn rate_limit(r: &RawRate) -> Result<Option<(Duration, u32)>, Problem> {
    let interval = match r.interval.as_deref() {
        None | Some("") => Duration::ZERO,
        Some(s) => parse_go_duration(s).ok_or_else(|| {
            Problem::Invalid(format!(
                "rate_limit: interval `{s}` is not a duration such as `1s` or `100ms`"
            ))
        })?,
    };
    if interval.is_zero() {
        return Ok(None);
    }
    let burst = r.burst.unwrap_or(0);
    if burst < 1 {
        return Err(Problem::Invalid(format!(
            "rate_limit: burst must be at least 1 when an interval is set, got {burst}"
        )));
    }
    let burst = u32::try_from(burst)
        .map_err(|_| Problem::Invalid(format!("rate_limit: burst {burst} is too large")))?;
    Ok(Some((interval, burst)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        use crate::http::parse_go_duration;
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("100ms"), Some(Duration::from_millis(100)));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_mins(90)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        for bad in ["", "1", "s", "-1s", "1d", "1.2.3s", "."] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn redacts_quoted_values() {
        assert_eq!(
            redact(r#"invalid type: string "$2y$10$abc", expected a map"#),
            "invalid type: string \"\u{2026}\", expected a map"
        );
    }

    #[test]
    fn defaults_and_plain_http() {
        let spec = parse("", Path::new(".")).unwrap();
        assert!(spec.tls.is_none() && spec.http2 && spec.rate_limit.is_none());
        let spec = parse("tls_server_config: {}\n", Path::new(".")).unwrap();
        assert!(spec.tls.is_none());
    }

    #[test]
    fn tls_keys_and_versions() {
        let yaml = "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS10\n  max_version: TLS13\n  prefer_server_cipher_suites: false\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [X25519]\n  client_allowed_sans: [client.example]\n";
        let spec = parse(yaml, Path::new("/etc/x")).unwrap();
        let tls = spec.tls.unwrap();
        assert_eq!(tls.cert, Source::File(PathBuf::from("/etc/x/a.crt")));
        assert_eq!(tls.client_auth, ClientAuth::RequireAndVerifyClientCert);
        assert_eq!(tls.min_version, Version::Tls12);
        assert!(!tls.prefer_server_cipher_suites);
        assert_eq!(spec.warnings.len(), 1);
        let bad = |yaml: &str| match parse(yaml, Path::new(".")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted {yaml}"),
        };
        let base = "tls_server_config:\n  cert_file: a\n  key_file: b\n";
        assert!(bad(&format!("{base}  max_version: TLS11\n")).contains("below TLS12"));
        assert!(bad(&format!("{base}  min_version: TLS14\n")).contains("unknown TLS version"));
        assert!(bad(&format!("{base}  client_auth_type: Maybe\n")).contains("Maybe"));
        assert!(bad(&format!("{base}  client_ca_file: ca\n")).contains("Client Auth Policy"));
        assert!(bad("tls_server_config:\n  cert_file: a\n").contains("key_file"));
        assert!(bad(&format!(
            "{base}  min_version: TLS13\n  max_version: TLS12\n"
        ))
        .contains("above"));
    }

    #[test]
    fn headers_as_exporter_toolkit() {
        let spec = parse(
            "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n",
            Path::new("."),
        )
        .unwrap();
        assert!(!spec.http2);
        assert_eq!(spec.headers.len(), 2);
        for yaml in [
            "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
            "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
            "http_server_config:\n  headers:\n    Set-Cookie: a=b\n",
            "http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\nb\"\n",
        ] {
            assert!(parse(yaml, Path::new(".")).is_err(), "{yaml}");
        }
    }

    #[test]
    fn rate_limits() {
        let spec = parse("rate_limit:\n  interval: 1s\n  burst: 5\n", Path::new(".")).unwrap();
        assert_eq!(spec.rate_limit, Some((Duration::from_secs(1), 5)));
        let spec = parse("rate_limit:\n  interval: 0s\n  burst: 0\n", Path::new(".")).unwrap();
        assert_eq!(spec.rate_limit, None);
        assert!(parse("rate_limit:\n  interval: 1s\n  burst: 0\n", Path::new(".")).is_err());
        assert!(parse(
            "rate_limit:\n  interval: soon\n  burst: 1\n",
            Path::new(".")
        )
        .is_err());
    }

    #[test]
    fn wrong_types_and_unknown_keys_are_errors_without_values() {
        for yaml in [
            "basic_auth_users: \"$2y$10$secret\"\n",
            "tls_server_config:\n  cert_file: [a, b]\n",
            "http_server_config:\n  http2: maybe\n",
            "rate_limit:\n  burst: many\n",
            "tls_server_config:\n  client_auth: x\n",
            "basic_auth_users:\n  a: x\n  a: y\n",
            "unknown: 1\n",
        ] {
            let err = parse(yaml, Path::new("."))
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
