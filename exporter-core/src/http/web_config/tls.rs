//! `tls_server_config` into a rustls `ServerConfig` (ring provider), with Go's names.
//!
//! - `cipher_suites` restrict TLS 1.2 only, as in Go (TLS 1.3 suites are not
//!   configurable there either, and their names are accepted and ignored); a suite
//!   rustls does not implement (CBC, RC4, 3DES or RSA key exchange) is an error naming it.
//! - `curve_preferences` order the key-exchange groups; `CurveP521` is not in rustls'
//!   ring provider and is an error naming it.
//! - `prefer_server_cipher_suites` (default true) makes the server's order win.
//! - `client_auth_type`: `NoClientCert`, `RequestClientCert` and `RequireAnyClientCert`
//!   (the certificate is not checked against a CA, only its handshake signature),
//!   `VerifyClientCertIfGiven` and `RequireAndVerifyClientCert` (checked against the
//!   client CA, which must be given).
//! - `client_allowed_sans`: the client certificate must carry one of these subject
//!   alternative names (DNS name, e-mail address, IP address or URI, compared as exact
//!   strings like exporter-toolkit); a client without a certificate is refused.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme, SupportedCipherSuite};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};

use super::config::{ClientAuth, Source, TlsSpec, Version};
use super::Problem;

/// The rustls configuration for `spec`; `http2` adds `h2` to ALPN.
pub(super) fn server_config(spec: &TlsSpec, http2: bool) -> Result<rustls::ServerConfig, Problem> {
    let provider = Arc::new(provider(spec)?);
    let certs = read_certs(&spec.cert, "cert")?;
    if certs.is_empty() {
        return Err(Problem::Invalid(format!(
            "tls_server_config: no certificate found in {}",
            describe(&spec.cert, "cert")
        )));
    }
    let key = read_key(&spec.key)?;
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if spec.min_version <= Version::Tls12 && spec.max_version >= Version::Tls12 {
        versions.push(&rustls::version::TLS12);
    }
    if spec.max_version >= Version::Tls13 {
        versions.push(&rustls::version::TLS13);
    }
    let verifier = client_verifier(spec, &provider)?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| Problem::Invalid(format!("tls_server_config: {e}")))?;
    let builder = match verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| Problem::Invalid(format!("tls_server_config: certificate and key: {e}")))?;
    config.ignore_client_order = spec.prefer_server_cipher_suites;
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}

fn describe(source: &Source, field: &str) -> String {
    match source {
        Source::File(path) => format!("{field}_file {}", path.display()),
        Source::Inline(_) => field.to_owned(),
    }
}

fn read_certs(source: &Source, field: &str) -> Result<Vec<CertificateDer<'static>>, Problem> {
    let parsed = match source {
        Source::File(path) => {
            CertificateDer::pem_file_iter(path).and_then(Iterator::collect::<Result<Vec<_>, _>>)
        }
        Source::Inline(pem) => CertificateDer::pem_slice_iter(pem.as_bytes()).collect(),
    };
    parsed.map_err(|e| {
        Problem::Invalid(format!(
            "tls_server_config: cannot read {}: {e}",
            describe(source, field)
        ))
    })
}

fn read_key(source: &Source) -> Result<PrivateKeyDer<'static>, Problem> {
    let parsed = match source {
        Source::File(path) => PrivateKeyDer::from_pem_file(path),
        Source::Inline(pem) => PrivateKeyDer::from_pem_slice(pem.as_bytes()),
    };
    // The error of a PEM reader names what it lacked, never the key's bytes.
    parsed.map_err(|e| {
        Problem::Invalid(format!(
            "tls_server_config: cannot read {}: {e}",
            describe(source, "key")
        ))
    })
}

/// Go's cipher suite names for TLS 1.2 that rustls offers.
const TLS12_SUITES: [(&str, SupportedCipherSuite); 8] = {
    use rustls::crypto::ring::cipher_suite as cs;
    [
        (
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
};

/// Go's TLS 1.3 names: accepted, no effect (Go does not let them be configured).
const TLS13_SUITES: [&str; 3] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

/// Go's names of suites rustls does not implement.
const UNSUPPORTED_SUITES: [&str; 16] = [
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
];

fn provider(spec: &TlsSpec) -> Result<CryptoProvider, Problem> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(names) = &spec.cipher_suites {
        let mut tls12 = Vec::new();
        for name in names {
            if let Some((_, suite)) = TLS12_SUITES.iter().find(|(n, _)| n == name) {
                if !tls12.contains(suite) {
                    tls12.push(*suite);
                }
            } else if UNSUPPORTED_SUITES.contains(&name.as_str()) {
                return Err(Problem::Invalid(format!(
                    "tls_server_config: cipher suite {name} is not offered by rustls (no CBC, RC4, 3DES or RSA key exchange)"
                )));
            } else if !TLS13_SUITES.contains(&name.as_str()) {
                return Err(Problem::Invalid(format!(
                    "tls_server_config: unknown cipher: {name}"
                )));
            }
        }
        let tls13 = provider
            .cipher_suites
            .iter()
            .copied()
            .filter(|s| s.version() == &rustls::version::TLS13);
        provider.cipher_suites = tls12.into_iter().chain(tls13).collect();
    }
    if let Some(names) = &spec.curves {
        use rustls::crypto::ring::kx_group;
        let mut groups: Vec<&'static dyn rustls::crypto::SupportedKxGroup> = Vec::new();
        for name in names {
            let group = match name.as_str() {
                "CurveP256" => kx_group::SECP256R1,
                "CurveP384" => kx_group::SECP384R1,
                "X25519" => kx_group::X25519,
                "CurveP521" | "X25519MLKEM768" => {
                    return Err(Problem::Invalid(format!(
                        "tls_server_config: curve {name} is not offered by rustls' ring provider"
                    )))
                }
                _ => {
                    return Err(Problem::Invalid(format!(
                        "tls_server_config: unknown curve: {name}"
                    )))
                }
            };
            if !groups.iter().any(|g| g.name() == group.name()) {
                groups.push(group);
            }
        }
        if !groups.is_empty() {
            provider.kx_groups = groups;
        }
    }
    Ok(provider)
}

fn client_verifier(
    spec: &TlsSpec,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>, Problem> {
    let algorithms = provider.signature_verification_algorithms;
    let verifying = |optional: bool| -> Result<Arc<dyn ClientCertVerifier>, Problem> {
        let Some(ca) = &spec.client_ca else {
            return Err(Problem::Invalid(
                "tls_server_config: a verifying client_auth_type needs a client CA".into(),
            ));
        };
        let mut roots = rustls::RootCertStore::empty();
        let certs = read_certs(ca, "client_ca")?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(Problem::Invalid(format!(
                "tls_server_config: no certificate found in {}",
                describe(ca, "client_ca")
            )));
        }
        let builder =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider));
        let builder = if optional {
            builder.allow_unauthenticated()
        } else {
            builder
        };
        builder
            .build()
            .map_err(|e| Problem::Invalid(format!("tls_server_config: client CA: {e}")))
    };
    let verifier: Arc<dyn ClientCertVerifier> = match spec.client_auth {
        ClientAuth::NoClientCert => {
            if spec.client_allowed_sans.is_some() {
                return Err(Problem::Invalid(
                    "tls_server_config: client_allowed_sans needs a client_auth_type that asks for a certificate".into(),
                ));
            }
            return Ok(None);
        }
        ClientAuth::RequestClientCert => Arc::new(AnyClientCert {
            mandatory: false,
            algorithms,
        }),
        ClientAuth::RequireAnyClientCert => Arc::new(AnyClientCert {
            mandatory: true,
            algorithms,
        }),
        ClientAuth::VerifyClientCertIfGiven => verifying(true)?,
        ClientAuth::RequireAndVerifyClientCert => verifying(false)?,
    };
    Ok(Some(match &spec.client_allowed_sans {
        Some(allowed) => Arc::new(AllowedSans {
            inner: verifier,
            allowed: allowed.clone(),
        }),
        None => verifier,
    }))
}

/// `RequestClientCert` / `RequireAnyClientCert`: any certificate, as long as the client
/// proves it holds its key (Go checks the handshake signature in these modes too).
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `client_allowed_sans` around another verifier (exporter-toolkit's
/// `VerifyPeerCertificate`): after it, the leaf must carry one of the names.
#[derive(Debug)]
struct AllowedSans {
    inner: Arc<dyn ClientCertVerifier>,
    allowed: Vec<String>,
}

impl ClientCertVerifier for AllowedSans {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        let names = subject_alt_names(end_entity).unwrap_or_default();
        if names.iter().any(|n| self.allowed.contains(n)) {
            Ok(verified)
        } else {
            Err(rustls::Error::General(
                "could not find allowed SANs in client cert".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// One DER element: (tag, contents, what follows).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The subject alternative names of a certificate as Go prints them (`DNSNames`,
/// `EmailAddresses`, `IPAddresses` with `String()`, `URIs`); `None` if the DER is not
/// a certificate. Read by hand, a few lines, rather than pulling a whole X.509 parser
/// into every exporter's build for one extension; rustls-webpki has parsed and checked
/// the certificate before this runs.
pub fn subject_alt_names(cert: &[u8]) -> Option<Vec<String>> {
    const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];
    let (0x30, certificate, _) = der(cert)? else {
        return None;
    };
    let (0x30, mut tbs, _) = der(certificate)? else {
        return None;
    };
    let mut names = Vec::new();
    while !tbs.is_empty() {
        let (tag, contents, rest) = der(tbs)?;
        tbs = rest;
        if tag != 0xa3 {
            continue;
        }
        let (0x30, mut extensions, _) = der(contents)? else {
            return None;
        };
        while !extensions.is_empty() {
            let (_, extension, rest) = der(extensions)?;
            extensions = rest;
            let (0x06, oid, mut fields) = der(extension)? else {
                return None;
            };
            if oid != SAN_OID {
                continue;
            }
            let mut value = None;
            while !fields.is_empty() {
                let (tag, contents, rest) = der(fields)?;
                fields = rest;
                if tag == 0x04 {
                    value = Some(contents);
                }
            }
            let (0x30, mut general_names, _) = der(value?)? else {
                return None;
            };
            while !general_names.is_empty() {
                let (tag, contents, rest) = der(general_names)?;
                general_names = rest;
                match tag {
                    // rfc822Name, dNSName, uniformResourceIdentifier (IA5String).
                    0x81 | 0x82 | 0x86 => {
                        names.push(String::from_utf8_lossy(contents).into_owned());
                    }
                    0x87 => {
                        if let Ok(v4) = <[u8; 4]>::try_from(contents) {
                            names.push(std::net::Ipv4Addr::from(v4).to_string());
                        } else if let Ok(v6) = <[u8; 16]>::try_from(contents) {
                            let v6 = std::net::Ipv6Addr::from(v6);
                            // Go prints an IPv4-mapped address as IPv4.
                            names.push(
                                v6.to_ipv4_mapped()
                                    .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Some(names)
}
