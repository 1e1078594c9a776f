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
#[allow(clippy::inline_always)]
#[inline(always)]
pub(crate) fn label_value_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if let (Some(first), Some(last), true) = (
        bytes.first_chunk::<4>(),
        bytes.last_chunk::<4>(),
        bytes.len() <= 8,
    ) {
        // The commonest label value (a code, a method, a small id): read as
        // two four-byte words overlapping unless the length is eight, tested
        // together, and written as one eight-byte word.
        let (first, last) = (u32::from_le_bytes(*first), u32::from_le_bytes(*last));
        if has_quote_escaped_byte(u64::from(first) << 32 | u64::from(last))
            && bytes.iter().any(|&b| is_quote_escaped(b))
        {
            return escape_slow(out, bytes, true);
        }
        // The overlapping bytes are equal in both words, so or-ing is exact.
        let word = u64::from(first) | u64::from(last) << (8 * (bytes.len() - 4));
        return crate::short_copy::extend_prefix(out, &word.to_le_bytes(), bytes.len());
    }
    if needs_quote_escape(bytes) {
        escape_slow(out, bytes, true);
    } else {
        out.extend_from_slice(bytes);
    }
}

/// Whether `bytes` holds a `\`, `"` or newline.
///
/// Label values are mostly short (a status code, a method, an id), and for
/// those testing eight bytes at a time in a register is several times
/// cheaper than setting up the SIMD search, which wins only on longer
/// values. This runs once per label value per scrape, so it is on the
/// hottest path of the encoder.
#[inline]
fn needs_quote_escape(bytes: &[u8]) -> bool {
    maybe_quote_escape(bytes) && bytes.iter().any(|&b| is_quote_escaped(b))
}

/// Whether a label value escapes `b`.
#[inline]
fn is_quote_escaped(b: u8) -> bool {
    matches!(b, b'\\' | b'"' | b'\n')
}

/// A fast filter for [`needs_quote_escape`]: true for every value that
/// needs escaping, and for some that only have a byte below `#`.
#[inline]
fn maybe_quote_escape(bytes: &[u8]) -> bool {
    const SHORT: usize = 32;
    if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        if bytes.len() <= 8 {
            // Two four-byte words, overlapping unless the length is eight:
            // together they cover every byte.
            let word =
                u64::from(u32::from_le_bytes(*first)) << 32 | u64::from(u32::from_le_bytes(*last));
            return has_quote_escaped_byte(word);
        }
        if bytes.len() < SHORT {
            let (words, _) = bytes.as_chunks::<8>();
            let tail = bytes
                .last_chunk::<8>()
                .map_or(0, |w| u64::from_le_bytes(*w));
            return words.iter().fold(has_quote_escaped_byte(tail), |found, w| {
                found | has_quote_escaped_byte(u64::from_le_bytes(*w))
            });
        }
        return memchr3(b'\\', b'"', b'\n', bytes).is_some();
    }
    bytes.iter().any(|&b| is_quote_escaped(b))
}

/// Whether any byte of `word` may be `\`, `"` or newline: true for every
/// word that has one, and for some that only have a byte below `#` (a space,
/// `!`, a control character), which the caller then looks at byte by byte.
///
/// SWAR: `(x - 0x01..) & !x & 0x80..` is non-zero exactly when some byte of
/// `x` is zero, and `(x - n..) & !x & 0x80..` when some byte is below `n`
/// (for `n <= 0x80`). Two tests instead of one per special byte.
#[inline]
fn has_quote_escaped_byte(word: u64) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(LOW * u64::from(n)) & !x & HIGH;
    // `"` (0x22) and newline (0x0a) are below `#` (0x23); `\` is 0x5c.
    let maybe = below(word, b'#') | below(word ^ (LOW * u64::from(b'\\')), 1);
    maybe != 0
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
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time test agrees with looking at every byte.
        #[test]
        fn needs_quote_escape_is_any_special_byte(bytes in proptest::collection::vec(
            prop_oneof![1 => Just(b'\\'), 1 => Just(b'"'), 1 => Just(b'\n'), 40 => any::<u8>()],
            0..48,
        )) {
            let want = bytes.iter().any(|&b| matches!(b, b'\\' | b'"' | b'\n'));
            prop_assert_eq!(needs_quote_escape(&bytes), want);
        }
    }

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
        // Each way of testing a value: bytes, two words, words, the SIMD search;
        // the special byte at the end and at every word position.
        for len in [
            0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 100,
        ] {
            for pos in 0..len {
                for special in [b'\\', b'"', b'\n'] {
                    let mut value = vec![b'x'; len];
                    value[pos] = special;
                    assert!(needs_quote_escape(&value), "{len} {pos} {special}");
                }
            }
            // Bytes next to the special ones (SWAR borrows must not flag them).
            let near: Vec<u8> = [b'[', b']', b'#', b'!', 0x0b, 0x09, 0xdc, 0xa2, 0x8a]
                .iter()
                .copied()
                .cycle()
                .take(len)
                .collect();
            assert!(!needs_quote_escape(&near), "{near:?}");
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
