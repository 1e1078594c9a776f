//! The set of series hashes of one scrape.

/// A set of 64-bit hashes that can undo what was added since a checkpoint.
///
/// Open addressing with linear probing over a power-of-two table of
/// whole hashes, kept at most half full: the hashes are already well
/// mixed, so a slot is a few of the hash's bits and an insert is one or
/// two probes of a plain `u64` array, about a quarter of the instructions
/// a general hash table spends on the same insert. This runs once per
/// series on the default scrape path.
///
/// The table lives across scrapes (see `SPARE`), so a scrape starts at
/// the size the last one needed instead of growing its way there, and it
/// is not swept between scrapes: a bitmap, one bit per slot, says which
/// slots hold a hash of this scrape, and a slot whose bit is clear counts
/// as empty. Starting a scrape clears the bitmap, a sixty-fourth of the
/// table. (Sweeping the table itself costs more than a scrape's inserts
/// at 100 000 series: two megabytes, far from the cache.)
///
/// Nothing is removed but in reverse order of insertion (undoing back to
/// a checkpoint), and removing the latest insert of a linear-probing
/// table is just emptying the slot it took: the table is then exactly as
/// if it had never been inserted. So the set logs the slot of every
/// insert since the checkpoint and undoes by walking the log back.
#[derive(Debug, Default)]
pub(super) struct HashSet64 {
    /// Power-of-two length, or empty before the first insert.
    slots: Vec<u64>,
    /// Bit `i % 64` of word `i / 64`: whether slot `i` holds a hash of this scrape.
    live: Vec<u64>,
    /// Hashes of this scrape.
    len: usize,
    /// The slot each insert since the last checkpoint took, oldest first.
    journal: Vec<usize>,
}

const MIN_SLOTS: usize = 64;
/// Hashes [`HashSet64::insert_all`] journals at once.
const BATCH: usize = 32;

impl HashSet64 {
    /// Adds `hash`; false when it was there already.
    #[inline]
    pub(super) fn insert(&mut self, hash: u64) -> bool {
        if 2 * self.len >= self.slots.len() {
            self.grow();
        }
        let Some(at) = self.place_with_room(hash) else {
            return false;
        };
        self.len += 1;
        self.journal.push(at);
        true
    }

    /// Whether slot `i` holds a hash of this scrape.
    #[inline]
    fn is_live(&self, i: usize) -> bool {
        self.live
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    #[inline]
    fn set_live(&mut self, i: usize, live: bool) {
        if let Some(w) = self.live.get_mut(i / 64) {
            if live {
                *w |= 1 << (i % 64);
            } else {
                *w &= !(1 << (i % 64));
            }
        }
    }

    /// Where `hash` goes, taking the slot, or `None` when it is there
    /// already; the table must have room, and the caller journals the slot.
    #[inline]
    fn place_with_room(&mut self, hash: u64) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = home(hash, mask);
        while self.is_live(i) {
            if self.slots.get(i) == Some(&hash) {
                return None;
            }
            i = (i + 1) & mask;
        }
        *self.slots.get_mut(i)? = hash;
        self.set_live(i, true);
        Some(i)
    }

    /// Adds each of `hashes` in order; the position of the first that was
    /// there already (the ones after it are not added), if any.
    ///
    /// A batch at a time because on a table larger than the cache (100 000
    /// series make two megabytes) each insert misses it: the inserts of a
    /// batch do not depend on one another, so the processor overlaps
    /// their misses instead of waiting for each in turn between the
    /// writing of two lines. Measured at 100 000 series: 35-50 ns per
    /// series with the check in batches, 55-80 one series at a time.
    pub(super) fn insert_all(&mut self, hashes: &[u64]) -> Option<usize> {
        // Room for all of them first, so no slot moves in between.
        while 2 * (self.len + hashes.len()) > self.slots.len() {
            self.grow();
        }
        for (c, chunk) in hashes.chunks(BATCH).enumerate() {
            // The slots taken, journaled together after the chunk.
            let mut taken = [0; BATCH];
            let mut n = 0;
            let mut repeat = None;
            for (k, &h) in chunk.iter().enumerate() {
                match (self.place_with_room(h), taken.get_mut(n)) {
                    (Some(at), Some(slot)) => {
                        *slot = at;
                        n += 1;
                    }
                    _ => {
                        repeat = Some(c * BATCH + k);
                        break;
                    }
                }
            }
            self.len += n;
            self.journal.extend_from_slice(&taken[..n]);
            if repeat.is_some() {
                return repeat;
            }
        }
        None
    }

    /// Doubles the table (or allocates the first one) and re-places this
    /// scrape's hashes: those from before the checkpoint first, then the
    /// journal's in the order they came, so that undoing stays exact.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let size = (2 * self.slots.len()).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        let mut old_live = std::mem::replace(&mut self.live, vec![0; size.div_ceil(64)]);
        let late: Vec<u64> = self.journal.iter().map(|&at| old[at]).collect();
        for &at in &self.journal {
            old_live[at / 64] &= !(1 << (at % 64));
        }
        let mask = size - 1;
        let place = |slots: &mut [u64], live: &mut [u64], hash: u64| {
            let mut i = home(hash, mask);
            while live[i / 64] & (1 << (i % 64)) != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = hash;
            live[i / 64] |= 1 << (i % 64);
            i
        };
        for (i, &hash) in old.iter().enumerate() {
            if old_live[i / 64] & (1 << (i % 64)) != 0 {
                place(&mut self.slots, &mut self.live, hash);
            }
        }
        for (at, hash) in self.journal.iter_mut().zip(late) {
            *at = place(&mut self.slots, &mut self.live, hash);
        }
    }

    /// Forgets what was added so far as far as [`undo`](Self::undo) is concerned.
    pub(super) fn checkpoint(&mut self) {
        self.journal.clear();
    }

    /// Removes everything added since the last [`checkpoint`](Self::checkpoint).
    pub(super) fn undo(&mut self) {
        for at in std::mem::take(&mut self.journal).into_iter().rev() {
            self.set_live(at, false);
            self.len -= 1;
        }
    }

    /// Empties the set for the next scrape, keeping its capacity unless
    /// it is far larger than this scrape needed. A scrape that hashed
    /// nothing (the check off) says nothing about the next one's needs.
    pub(super) fn clear(&mut self) {
        let len = self.len;
        if len > 0 && self.slots.len() > 1024 && len * 16 < self.slots.len() {
            *self = HashSet64::default();
            return;
        }
        self.len = 0;
        self.journal.clear();
        self.live.fill(0);
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(super) fn contains(&self, hash: u64) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut i = home(hash, mask);
        while self.is_live(i) {
            if self.slots[i] == hash {
                return true;
            }
            i = (i + 1) & mask;
        }
        false
    }
}

/// The home slot of a hash: its low bits (the hash is well mixed).
#[inline]
fn home(hash: u64, mask: usize) -> usize {
    // Only the bits under the mask matter: truncation is the point.
    #[allow(clippy::cast_possible_truncation)]
    let bits = hash as usize;
    bits & mask
}
