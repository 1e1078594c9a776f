//! A fast 64-bit hash of short byte strings: series' label bytes, and family
//! names, which a descriptor hashes once when it is built so that a scrape
//! does not hash them again for each table it looks them up in.

use std::hash::BuildHasher as _;
use std::sync::OnceLock;

/// The hash of a family name in the tables of one scrape (the encoder's
/// family index, the checks' family identities and running hash of
/// families): the same in every scrape of the process, so that a descriptor
/// can carry it, and seeded at random once per process, so that names built
/// from outside input (a proxied exporter's, a config's) cannot be chosen to
/// collide.
pub(crate) fn name_hash(name: &str) -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    let seed = *SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0_u64));
    hash_bytes(seed, name.as_bytes())
}

/// Hashes `bytes` with `seed`: the rendered labels of a series (seeded with
/// its family identity), a family's name.
///
/// foldhash's construction (a 64x64->128-bit multiply folded to 64 bits, per
/// eight bytes) cut to what this input needs: whole words from the front,
/// the last eight bytes (overlapping) to finish, the length in the seed. A
/// series' seed comes from a randomly keyed hasher, so series hashes cannot be
/// predicted from outside the process.
#[inline]
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    const K0: u64 = 0x243f_6a88_85a3_08d3;
    const K1: u64 = 0x1319_8a2e_0370_7344;
    #[inline]
    fn fold(a: u64, b: u64) -> u64 {
        let p = u128::from(a) * u128::from(b);
        // Low and high halves: truncation is the point.
        #[allow(clippy::cast_possible_truncation)]
        let (lo, hi) = (p as u64, (p >> 64) as u64);
        lo ^ hi
    }
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K1);
    if let Some(last) = bytes.last_chunk::<8>() {
        let mut rest = bytes;
        // Whole words while more than eight bytes remain.
        while let Some((word, tail)) = rest.split_first_chunk::<8>().filter(|(_, t)| !t.is_empty())
        {
            h = fold(h ^ u64::from_le_bytes(*word), K0);
            rest = tail;
        }
        // The last word, overlapping the previous one unless the length
        // is a multiple of eight.
        h = fold(h ^ u64::from_le_bytes(*last), K0);
    } else {
        // Fewer than eight bytes, read as foldhash does: two overlapping
        // four-byte words, or the first, middle and last byte.
        let n = bytes.len();
        let w = match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            (Some(lo), Some(hi)) => {
                u64::from(u32::from_le_bytes(*lo)) << 32 | u64::from(u32::from_le_bytes(*hi))
            }
            _ if n > 0 => {
                u64::from(bytes[0]) << 16 | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1])
            }
            _ => 0,
        };
        // One multiply mixes a single word well enough (foldhash's short path).
        return fold(h ^ w, K0);
    }
    fold(h, K1)
}
