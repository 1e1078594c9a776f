//! Escaping of help text and label values, per exposition format.
//!
//! Prometheus text 0.0.4 escapes `\` and newline in help, and additionally `"`
//! in label values. OpenMetrics escapes all three in both.

use memchr::{memchr2, memchr3};

/// Escapes help text for the Prometheus text format: `\` -> `\\`, newline -> `\n`.
pub(crate) fn help_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if memchr2(b'\\', b'\n', bytes).is_none() {
        out.extend_from_slice(bytes);
        return;
    }
    escape_slow(out, bytes, false);
}

/// Escapes a label value (and OpenMetrics help): `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
#[inline]
pub(crate) fn label_value_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if memchr3(b'\\', b'"', b'\n', bytes).is_none() {
        out.extend_from_slice(bytes);
        return;
    }
    escape_slow(out, bytes, true);
}

#[cold]
fn escape_slow(out: &mut Vec<u8>, bytes: &[u8], quote: bool) {
    out.reserve(bytes.len() + 8);
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' if quote => out.extend_from_slice(b"\\\""),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(f: fn(&mut Vec<u8>, &str), s: &str) -> String {
        let mut v = Vec::new();
        f(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn help_keeps_quotes() {
        assert_eq!(esc(help_into, "plain"), "plain");
        assert_eq!(esc(help_into, "a\"b\\c\nd"), "a\"b\\\\c\\nd");
    }

    #[test]
    fn label_values_escape_quotes() {
        assert_eq!(esc(label_value_into, "plain \u{1F600}"), "plain \u{1F600}");
        assert_eq!(esc(label_value_into, "a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
