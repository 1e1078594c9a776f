//! The `web-config.yml` parser (`WebConfig::from_yaml`) on any text, with
//! `fixtures/` (a certificate and its key) as the directory file names are
//! relative to.
//!
//! Asserted:
//! - it never panics, and answers the same input the same way twice;
//! - an error message never repeats a password hash given in the input,
//!   nor a line of the private key file it names;
//! - a loaded configuration's `Debug` shows no hash either;
//! - a header without credentials is treated as no header, which passes
//!   only when no users are configured.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use exporter_core::http::WebConfig;
use exporter_fuzz as fz;
use libfuzzer_sys::fuzz_target;

static FIXTURES: OnceLock<(PathBuf, String)> = OnceLock::new();

/// Substrings that must never come back in a message: a whole bcrypt hash
/// given as a user's password (`user: $2y$10$...` under `basic_auth_users:`,
/// 60 characters) that occurs once in the input, and the lines of the fixture private key (read from
/// `key_file: server.key`) that the input does not itself contain (a message
/// may name what the input says, e.g. an unknown key).
fn secrets(yaml: &str, key_file: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_users = false;
    for line in yaml.lines() {
        if !line.starts_with([' ', '\t']) {
            in_users = line.trim_end() == "basic_auth_users:";
            continue;
        }
        if !in_users {
            continue;
        }
        if let Some((_, value)) = line.split_once(": ") {
            let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
            if is_bcrypt(value) && yaml.matches(value).count() == 1 {
                out.push(value.to_owned());
            }
        }
    }
    for line in key_file.lines() {
        if !line.starts_with("-----") && line.len() >= 16 && !yaml.contains(line) {
            out.push(line.to_owned());
        }
    }
    out
}

/// `$2?$NN$` and 53 characters of bcrypt's base64.
fn is_bcrypt(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 60
        && b.starts_with(b"$2")
        && b[3] == b'$'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b'$'
        && b[7..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'/')
}

fuzz_target!(|data: &[u8]| {
    let (dir, key_file) = FIXTURES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let key = std::fs::read_to_string(dir.join("server.key")).unwrap_or_default();
        (dir, key)
    });
    let Ok(yaml) = std::str::from_utf8(data) else {
        return;
    };
    let first = WebConfig::from_yaml(yaml, dir);
    let second = WebConfig::from_yaml(yaml, dir);
    let secrets = secrets(yaml, key_file);
    match (&first, &second) {
        (Err(a), Err(b)) => {
            let message = a.to_string();
            assert_eq!(message, b.to_string());
            for s in &secrets {
                assert!(
                    !message.contains(s.as_str()),
                    "error {message:?} repeats {s:?}"
                );
            }
        }
        (Ok(config), Ok(_)) => {
            let shown = format!("{config:?}");
            for s in &secrets {
                assert!(!shown.contains(s.as_str()), "Debug {shown:?} shows {s:?}");
            }
            // A header that holds no credentials is as good as none: both
            // pass without users, both are refused with users.
            let (none, garbage) = fz::runtime().block_on(async {
                (
                    config.check_basic_auth(None).await,
                    config.check_basic_auth(Some(b"Bearer x")).await,
                )
            });
            assert_eq!(none, garbage);
            if !yaml.contains("basic_auth_users") {
                assert!(none, "no users configured, yet refused");
            }
        }
        _ => panic!("the same input loaded once and failed once: {yaml:?}"),
    }
});
