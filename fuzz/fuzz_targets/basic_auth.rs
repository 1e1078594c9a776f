//! The basic-auth check (`WebConfig::check_basic_auth`, what the server runs
//! for every request) with users `fuzz` (cost 4, password `secret`) and
//! `über` (cost 5, password `p:ss wörd`). The first input byte picks the mode:
//! even, the rest is an `Authorization` header value as sent; odd, the rest is
//! `user:password` and the header is `Basic ` + its standard base64, as a
//! client builds it.
//!
//! Asserted:
//! - access is granted exactly when the header's credentials (as
//!   `parse_basic_credentials` reads them) are a user's right password: never
//!   past auth without them, never refused with them;
//! - a header built from `user:password` parses back to the text split at
//!   the first colon;
//! - the cached check never grants what the full check refuses.
#![no_main]

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use exporter_core::http::{parse_basic_credentials, WebConfig};
use exporter_fuzz as fz;
use libfuzzer_sys::fuzz_target;

const USERS: &[(&str, &str, u32)] = &[("fuzz", "secret", 4), ("über", "p:ss wörd", 5)];

static CONFIG: OnceLock<Arc<WebConfig>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let config = fz::once(&CONFIG, || {
        let mut yaml = String::from("basic_auth_users:\n");
        for (user, password, cost) in USERS {
            let hash = bcrypt::hash(password, *cost).unwrap_or_else(|e| panic!("hash: {e}"));
            yaml.push_str(&format!("  \"{user}\": '{hash}'\n"));
        }
        WebConfig::from_yaml(&yaml, std::path::Path::new("."))
            .unwrap_or_else(|e| panic!("web config: {e}"))
    });
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let header: Vec<u8> = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let mut h = b"Basic ".to_vec();
        h.extend_from_slice(
            base64::engine::general_purpose::STANDARD
                .encode(rest)
                .as_bytes(),
        );
        let parsed = parse_basic_credentials(&h);
        match std::str::from_utf8(rest)
            .ok()
            .and_then(|t| t.split_once(':'))
        {
            Some((u, p)) => assert_eq!(parsed, Some((u.to_owned(), p.to_owned()))),
            None => assert_eq!(parsed, None, "{rest:?} has no colon or is not UTF-8"),
        }
        h
    };
    let right = parse_basic_credentials(&header)
        .is_some_and(|(u, p)| USERS.iter().any(|(user, pw, _)| *user == u && *pw == p));
    let allowed = fz::runtime().block_on(config.check_basic_auth(Some(&header)));
    assert_eq!(
        allowed,
        right,
        "header {:?}",
        String::from_utf8_lossy(&header)
    );
    if config.check_basic_auth_cached(&header) == Some(true) {
        assert!(allowed);
    }
});
