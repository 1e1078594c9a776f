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
    if needs_quote_escape(bytes) {
        escape_slow(out, bytes, true);
    } else {
        out.extend_from_slice(bytes);
    }
}

/// Whether `bytes` holds a `\`, `"` or newline.
///
/// Label values are mostly short (a status code, a method, an id), and for
/// those a plain loop is several times cheaper than setting up the SIMD
/// search, which wins only on longer values. This runs once per label value
/// per scrape, so it is on the hottest path of the encoder.
#[inline]
fn needs_quote_escape(bytes: &[u8]) -> bool {
    const SHORT: usize = 32;
    if bytes.len() < SHORT {
        // One table load per byte, no branch until the end.
        bytes
            .iter()
            .fold(false, |found, &b| found | QUOTE_ESCAPED[usize::from(b)])
    } else {
        memchr3(b'\\', b'"', b'\n', bytes).is_some()
    }
}

/// `QUOTE_ESCAPED[b]`: whether byte `b` is escaped in a label value.
static QUOTE_ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    table[b'\\' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\n' as usize] = true;
    table
};

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

    #[test]
    fn short_and_long_values_escape_alike() {
        // Either side of the switch from the byte loop to the SIMD search.
        for len in [0, 1, 31, 32, 33, 100] {
            let plain = "x".repeat(len);
            assert_eq!(esc(label_value_into, &plain), plain);
            for special in ["\\", "\"", "\n"] {
                let value = format!("{plain}{special}");
                let want = format!("{plain}\\{}", if special == "\n" { "n" } else { special });
                assert_eq!(esc(label_value_into, &value), want, "{len} {special:?}");
            }
        }
    }
}
