//! Appending short byte strings to the output without calling `memcpy`.
//!
//! A copy whose length is known only at run time compiles to a call to
//! `memcpy`, which for the few bytes of a label value or a sample's value
//! costs more than the copy itself. A copy of a fixed size compiles to a
//! couple of register moves. So short pieces are put together in a
//! fixed-size buffer, copied whole, and the excess cut off again.

/// Appends the first `len` bytes of `buf` (`len <= N`): all `N` are copied,
/// a fixed-size copy, then the output is cut back to `len` of them.
#[allow(clippy::inline_always)]
#[inline(always)]
pub(crate) fn extend_prefix<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], len: usize) {
    let at = out.len();
    out.extend_from_slice(buf);
    out.truncate(at + len.min(N));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_only_the_prefix() {
        let mut out = b"ab".to_vec();
        extend_prefix(&mut out, b"cdefgh", 3);
        assert_eq!(out, b"abcde");
        extend_prefix(&mut out, b"xyz", 0);
        assert_eq!(out, b"abcde");
        extend_prefix(&mut out, b"xyz", 9);
        assert_eq!(out, b"abcdexyz");
    }
}
