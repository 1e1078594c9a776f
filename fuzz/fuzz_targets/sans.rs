//! The subject alternative names read by hand from a client certificate's DER
//! (`subject_alt_names`, what `client_allowed_sans` compares), on any bytes.
//! rustls-webpki checks a certificate before this runs, but the reader is
//! hand-written DER: it must neither panic nor loop on cut or nested input.
//!
//! Asserted: no panic; the same answer twice; the fixture certificate
//! (`fixtures/server.crt`) reads as `localhost` and `127.0.0.1`; the answer
//! for the input does not depend on bytes after the certificate.
#![no_main]

use base64::Engine as _;
use exporter_core::http::subject_alt_names;
use libfuzzer_sys::fuzz_target;

/// The length of the outer DER element at the start of `b`, if well formed.
fn outer_len(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = len << 8 | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let total = head.checked_add(len)?;
    (total <= b.len()).then_some(total)
}

fuzz_target!(|data: &[u8]| {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| {
        let pem = include_str!("../fixtures/server.crt");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap_or_else(|e| panic!("fixture: {e}"));
        assert_eq!(
            subject_alt_names(&der),
            Some(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        );
    });
    let names = subject_alt_names(data);
    assert_eq!(names, subject_alt_names(data));
    if let Some(len) = outer_len(data) {
        assert_eq!(
            names,
            subject_alt_names(&data[..len]),
            "bytes after the certificate changed the answer"
        );
    }
});
