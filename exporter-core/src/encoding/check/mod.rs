//! Gather-time consistency checks, run by the encoder as collectors write:
//! no series twice in one scrape, and no family whose samples' names collide
//! with another family's (`foo_count` next to a histogram `foo`).
//!
//! Registration already checks every described collector; these catch what
//! it cannot see: a snapshot `Vec` with a repeated key, unchecked collectors,
//! and merged [`Gatherers`](crate::registry::Gatherers).

use std::hash::BuildHasher as _;

use hashbrown::HashTable;

mod set;

use self::set::HashSet64;

use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::hash::hash_bytes;
use crate::labels::{LabelSet, LabelWriter};

/// A family whose sample names collide with another family's; reported as
/// [`CollectError::Other`] (downcast to this type) by the collector that
/// wrote the second family.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("metric `{name}` collides with the samples of {other_type} `{other}`")]
pub struct NameCollision {
    /// The family that was refused.
    pub name: String,
    /// The family collected before it.
    pub other: String,
    /// The type of the family collected before it.
    pub other_type: MetricType,
}

/// The state of the checks for one scrape.
///
/// A series is identified by a 64-bit hash of its family identity (name and
/// const labels) and its rendered label values, as Go's registry does; two
/// different series share a hash with probability about `n² / 2⁶⁵` per scrape
/// (3e-10 for 100 000 series).
///
/// The table lookup per series misses the cache once the table outgrows it
/// (see the registry docs for measurements), so hashing is skipped
/// where a duplicate cannot happen: series from a keyed collection (an
/// instrument [`Family`](crate::metric::Family)) in a family identity no other
/// collector writes in this scrape. A later collector opening such a family
/// identity is refused as a duplicate, since its series cannot be checked
/// against the unhashed ones.
#[derive(Debug)]
pub(crate) struct ScrapeCheck {
    enabled: bool,
    /// Random, so that series hashes cannot be predicted from outside the process.
    seed: u64,
    /// Series written so far, by hash.
    seen: HashSet64,
    /// Family identities opened so far.
    identities: HashTable<Identity>,
    /// Identities added since the current collector began, to undo on failure.
    added_identities: Vec<u64>,
    /// Which collector pass of this scrape is running.
    epoch: u64,
    /// The family identity last opened, and whether only this collector writes it.
    current: u64,
    exclusive: bool,
    /// Whether the series being written come from a keyed collection.
    keyed: bool,
    /// Rendered label values of the series being checked.
    scratch: Vec<u8>,
    /// Counter series left out of this scrape for their value.
    dropped: Vec<DroppedSeries>,
    /// Name-collision checks already passed by the same families.
    memo: CollisionMemo,
}

/// Which families' name-collision checks need not run again: a family
/// created after the very same families (names and types, in order) as in
/// the last scrape on this thread was checked against them then. A
/// registry's families come in the same order scrape after scrape, and the
/// check costs a thousand instructions and more per family (a dozen table
/// lookups), more than the rest of a small scrape.
#[derive(Debug)]
struct CollisionMemo {
    /// The families created so far, as a running hash of their names and
    /// types in order of creation, and its value when the collector began.
    created: u64,
    created_at_begin: u64,
    /// The running hash after each family created in this scrape whose
    /// check passed (or was known to pass), and its length at the begin.
    verified: Vec<u64>,
    verified_at_begin: usize,
    /// `verified` of the last trusted scrape: on this thread, or of this
    /// check before it was [`reset`](ScrapeCheck::reset). Any such list will
    /// do: each entry hashes the whole ordered list of families before it.
    last: Vec<u64>,
    /// Whether `last` may be trusted: not after a rollback kept a streamed
    /// family the running hash does not account for.
    trusted: bool,
}

/// A counter series left out of a scrape because its value cannot be a
/// counter's total (NaN or negative, which OpenMetrics forbids). Odd data
/// from the target is not the exporter failing: the rest of the scrape is
/// served whatever the error policy, and the HTTP handler logs each one and
/// counts it in `promhttp_metric_handler_errors_total{cause="gathering"}`.
/// See [`MetricEncoder::dropped_series`](super::MetricEncoder::dropped_series).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DroppedSeries {
    /// The family name.
    pub family: String,
    /// The variable labels as the text format writes them, `{a="b"}`.
    pub labels: String,
    /// The value that was refused.
    pub value: f64,
}

#[derive(Debug, Clone, Copy)]
struct Identity {
    hash: u64,
    /// The collector pass that opened it first.
    epoch: u64,
    /// Whether some of its series were written without being hashed.
    unhashed: bool,
}

thread_local! {
    /// The series table of the last scrape on this thread, kept so the next
    /// one starts at the right capacity instead of growing (and rehashing)
    /// its way there.
    static SPARE: std::cell::Cell<Option<HashSet64>> = const { std::cell::Cell::new(None) };
    /// `ScrapeCheck::verified` of the last scrape on this thread.
    static VERIFIED: std::cell::Cell<Option<Vec<u64>>> = const { std::cell::Cell::new(None) };
}

impl Drop for ScrapeCheck {
    fn drop(&mut self) {
        // `try_with`: a check may be dropped while its thread's locals are
        // (one in the HTTP handler's spare encoder is), and then it keeps nothing.
        let mut seen = std::mem::take(&mut self.seen);
        seen.clear();
        let _ = SPARE.try_with(|s| s.set(Some(seen)));
        if self.memo.trusted {
            let verified = std::mem::take(&mut self.memo.verified);
            let _ = VERIFIED.try_with(|v| v.set(Some(verified)));
        }
    }
}

impl Default for ScrapeCheck {
    fn default() -> Self {
        ScrapeCheck {
            enabled: true,
            seed: hashbrown::DefaultHashBuilder::default().hash_one(0_u64),
            seen: SPARE
                .try_with(std::cell::Cell::take)
                .ok()
                .flatten()
                .unwrap_or_default(),
            // A small exporter's families without growing (the first family
            // would allocate anyway).
            identities: HashTable::with_capacity(8),
            added_identities: Vec::with_capacity(8),
            epoch: 0,
            current: 0,
            exclusive: false,
            keyed: false,
            scratch: Vec::new(),
            dropped: Vec::new(),
            memo: CollisionMemo {
                created: 0,
                created_at_begin: 0,
                verified: Vec::new(),
                verified_at_begin: 0,
                last: VERIFIED
                    .try_with(std::cell::Cell::take)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                trusted: true,
            },
        }
    }
}

impl ScrapeCheck {
    /// Empties the check for another scrape, as `default` makes one, but
    /// keeping its tables' room and, when this scrape's were trusted, the
    /// families it verified, for the next one's name-collision memo (else
    /// the list it had).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn reset(&mut self) {
        // Every field by name: one added later must say how it is reset.
        let ScrapeCheck {
            enabled,
            seed: _,
            seen,
            identities,
            added_identities,
            epoch,
            current,
            exclusive,
            keyed,
            scratch,
            dropped,
            memo,
        } = self;
        *enabled = true;
        seen.clear();
        if identities.capacity() > 1024 {
            *identities = HashTable::with_capacity(8);
        } else {
            identities.clear();
        }
        added_identities.clear();
        *epoch = 0;
        *current = 0;
        *exclusive = false;
        *keyed = false;
        scratch.clear();
        scratch.shrink_to(4096);
        *dropped = Vec::new();
        if memo.trusted {
            std::mem::swap(&mut memo.last, &mut memo.verified);
        }
        memo.verified.clear();
        memo.created = 0;
        memo.created_at_begin = 0;
        memo.verified_at_begin = 0;
        memo.trusted = true;
    }

    /// Records a counter series left out for its value.
    pub(crate) fn drop_series(&mut self, dropped: DroppedSeries) {
        self.dropped.push(dropped);
    }

    /// The counter series left out of this scrape so far.
    pub(crate) fn dropped(&self) -> &[DroppedSeries] {
        &self.dropped
    }

    /// Turns the series check on or off (the name check is per family and stays on).
    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Called when a collector starts.
    pub(crate) fn begin(&mut self) {
        self.epoch += 1;
        self.seen.checkpoint();
        self.added_identities.clear();
        self.keyed = false;
        self.memo.created_at_begin = self.memo.created;
        self.memo.verified_at_begin = self.memo.verified.len();
    }

    /// Where the collision memo stands, to [`restore_memo`](Self::restore_memo)
    /// after checks whose families are then not created after all.
    pub(crate) fn memo_mark(&self) -> (u64, usize) {
        (self.memo.created, self.memo.verified.len())
    }

    /// Puts the collision memo back where [`memo_mark`](Self::memo_mark) found it.
    pub(crate) fn restore_memo(&mut self, (created, verified): (u64, usize)) {
        self.memo.created = created;
        self.memo.verified.truncate(verified);
    }

    /// Called when the current collector failed: forget its series.
    pub(crate) fn rollback(&mut self) {
        self.seen.undo();
        for &h in &self.added_identities {
            if let Ok(e) = self.identities.find_entry(h, |x| x.hash == h) {
                e.remove();
            }
        }
        self.added_identities.clear();
        self.keyed = false;
        self.memo.created = self.memo.created_at_begin;
        self.memo.verified.truncate(self.memo.verified_at_begin);
    }

    /// A rollback kept a family (it was streamed already) that the running
    /// hash of created families does not account for: check every family
    /// from now on, and leave no list for the next scrape.
    pub(crate) fn forget_memo(&mut self) {
        self.memo.trusted = false;
    }

    /// Called when a collector opens the family `desc`.
    ///
    /// # Errors
    ///
    /// [`CollectError::DuplicateSeries`] when another collector of this scrape
    /// wrote this family identity without hashing its series.
    pub(crate) fn open(&mut self, desc: &Desc) -> Result<(), CollectError> {
        if !self.enabled {
            return Ok(());
        }
        // The name's hash, made when the descriptor was, keyed with this
        // check's random seed, then the const labels.
        let hash = hash_bytes(
            self.seed ^ desc.name_hash(),
            desc.rendered().const_labels.as_bytes(),
        );
        self.current = hash;
        let epoch = self.epoch;
        match self.identities.find_mut(hash, |x| x.hash == hash) {
            None => {
                self.identities.insert_unique(
                    hash,
                    Identity {
                        hash,
                        epoch,
                        unhashed: false,
                    },
                    |x| x.hash,
                );
                self.added_identities.push(hash);
                self.exclusive = true;
            }
            Some(id) if id.epoch == epoch => self.exclusive = true,
            Some(id) if id.unhashed => {
                return Err(CollectError::DuplicateSeries {
                    name: desc.name().to_owned(),
                    labels: format!(
                        "{{{}}} (the family is collected by another collector too)",
                        desc.rendered().const_labels
                    ),
                })
            }
            Some(_) => self.exclusive = false,
        }
        Ok(())
    }

    /// Declares that the series written next come from a keyed collection
    /// (no key twice), or no longer; returns the previous setting.
    pub(crate) fn set_keyed(&mut self, keyed: bool) -> bool {
        if keyed && self.enabled && self.exclusive {
            let current = self.current;
            if let Some(id) = self.identities.find_mut(current, |x| x.hash == current) {
                id.unhashed = true;
            }
        }
        std::mem::replace(&mut self.keyed, keyed)
    }

    /// Whether the series written next need no check: the check is off, or
    /// they come from a keyed collection no other collector shares.
    #[inline]
    pub(crate) fn skip(&self) -> bool {
        !self.enabled || (self.keyed && self.exclusive)
    }

    /// Records the series `labels` of `desc`, the family last opened.
    ///
    /// This renders the labels again to hash them; the text format's scalar
    /// lines use [`text_series`](Self::text_series) on the bytes already
    /// written instead.
    ///
    /// # Errors
    ///
    /// [`CollectError::DuplicateSeries`] when the series was written before
    /// in this scrape.
    #[inline]
    pub(crate) fn series<L>(&mut self, desc: &Desc, labels: &L) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        if self.skip() {
            return Ok(());
        }
        self.scratch.clear();
        let mut w = LabelWriter::text(&desc.rendered().label_starts, &mut self.scratch, false);
        labels.encode_label_values(&mut w);
        if self.seen.insert(hash_bytes(self.current, &self.scratch)) {
            return Ok(());
        }
        let sep = if desc.rendered().const_labels.is_empty() || self.scratch.is_empty() {
            ""
        } else {
            ","
        };
        Err(CollectError::DuplicateSeries {
            name: desc.name().to_owned(),
            labels: format!(
                "{{{}{sep}{}}}",
                desc.rendered().const_labels,
                String::from_utf8_lossy(&self.scratch)
            ),
        })
    }

    /// Records the series of a scalar sample that the text format has just
    /// written, given the bytes of its variable labels as written: from
    /// after the descriptor's line head (which holds the name, the const
    /// labels and the first label's `name="`) to the end of the last value
    /// (its closing quote excluded). Escaped values cannot contain a bare `"`, so the bytes tell
    /// the label values apart.
    ///
    /// The labels are hashed where they lie, with no second rendering: this
    /// is the path a snapshot `Vec` of series takes. Its hashes differ from
    /// [`series`](Self::series)', which is sound because one format is
    /// written per scrape and all scalar samples of a text scrape come this
    /// way.
    ///
    /// Returns false when the series was written before in this scrape (see
    /// [`duplicate_text_series`] for the error). The caller checks
    /// [`skip`](Self::skip) first.
    #[inline]
    pub(crate) fn text_series(&mut self, labels: &[u8]) -> bool {
        self.seen.insert(self.text_hash(labels))
    }

    /// The hash [`text_series`](Self::text_series) records for `labels`, for
    /// recording many at once with [`text_series_all`](Self::text_series_all).
    #[inline]
    pub(crate) fn text_hash(&self, labels: &[u8]) -> u64 {
        hash_bytes(self.current, labels)
    }

    /// Records the series of several text lines by their
    /// [`text_hash`](Self::text_hash)es; the position of the first written
    /// before in this scrape, if any (those after it are not recorded).
    #[inline]
    pub(crate) fn text_series_all(&mut self, hashes: &[u64]) -> Option<usize> {
        self.seen.insert_all(hashes)
    }

    /// Checks a family new to this scrape against those written before,
    /// `lookup` giving the type of a family by name.
    ///
    /// # Errors
    ///
    /// [`NameCollision`] (as [`CollectError::Other`]) when a sample name of
    /// one family is a sample or family name of the other in any format.
    #[allow(clippy::unused_self)] // a method like the other hooks the encoder calls
    pub(crate) fn family(
        &mut self,
        desc: &Desc,
        lookup: impl Fn(&str) -> Option<MetricType>,
    ) -> Result<(), CollectError> {
        // A fixed seed: the running hash must be the same scrape after scrape.
        let memo = &mut self.memo;
        let created = hash_bytes(
            memo.created ^ desc.metric_type() as u64,
            &desc.name_hash().to_le_bytes(),
        );
        let known = memo.trusted && memo.last.get(memo.verified.len()) == Some(&created);
        if !known {
            if let Some((other, other_type)) = collision(desc.name(), desc.metric_type(), lookup) {
                return Err(CollectError::other(NameCollision {
                    name: desc.name().to_owned(),
                    other,
                    other_type,
                }));
            }
        }
        memo.created = created;
        memo.verified.push(created);
        Ok(())
    }
}

/// The name rules (suffixes per type, collisions) are the shared ones of
/// [`crate::name`], which the derive checks at compile time too.
pub(crate) use crate::name::collision;

/// The error for a text series written twice, from its label bytes as
/// [`ScrapeCheck::text_series`] received them.
#[cold]
pub(crate) fn duplicate_text_series(desc: &Desc, labels: &[u8]) -> CollectError {
    let first = desc.variable_labels().first();
    let labels = String::from_utf8_lossy(labels);
    let consts = &desc.rendered().const_labels;
    let sep = if consts.is_empty() || first.is_none() {
        ""
    } else {
        ","
    };
    let vars = match first {
        Some(name) => format!("{name}=\"{labels}\""),
        None => String::new(),
    };
    CollectError::DuplicateSeries {
        name: desc.name().to_owned(),
        labels: format!("{{{consts}{sep}{vars}}}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// Inserts (one by one and in batches), checkpoints, undos and new
        /// scrapes agree with the standard library's set, on hashes crowded
        /// into few home slots so that probe runs wrap, across growth.
        #[test]
        fn hash_set_matches_std(ops in proptest::collection::vec(
            prop_oneof![
                8 => hash().prop_map(Op::Insert),
                2 => proptest::collection::vec(hash(), 0..40).prop_map(Op::InsertAll),
                1 => Just(Op::Checkpoint),
                1 => Just(Op::Undo),
                1 => Just(Op::NewScrape),
            ],
            0..300,
        )) {
            let mut set = HashSet64::default();
            let mut model = std::collections::HashSet::new();
            let mut since_checkpoint = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(h) => {
                        let added = set.insert(h);
                        prop_assert_eq!(added, model.insert(h));
                        if added {
                            since_checkpoint.push(h);
                        }
                    }
                    Op::InsertAll(hs) => {
                        let mut want = None;
                        for (k, &h) in hs.iter().enumerate() {
                            if !model.insert(h) {
                                want = Some(k);
                                break;
                            }
                            since_checkpoint.push(h);
                        }
                        prop_assert_eq!(set.insert_all(&hs), want);
                    }
                    Op::Checkpoint => {
                        set.checkpoint();
                        since_checkpoint.clear();
                    }
                    Op::Undo => {
                        set.undo();
                        for h in since_checkpoint.drain(..) {
                            model.remove(&h);
                        }
                    }
                    Op::NewScrape => {
                        set.clear();
                        model.clear();
                        since_checkpoint.clear();
                    }
                }
                prop_assert_eq!(set.len(), model.len());
            }
            for home in 0..8u64 {
                for tag in 0..4u64 {
                    let h = tag << 40 | home;
                    prop_assert_eq!(set.contains(h), model.contains(&h));
                }
            }
        }
    }

    /// Hashes over eight home slots and four tags.
    fn hash() -> impl Strategy<Value = u64> {
        (0u64..8, 0u64..4).prop_map(|(home, tag)| tag << 40 | home)
    }

    #[test]
    fn hashes_that_differ_in_any_bit_are_different_series() {
        let mut set = HashSet64::default();
        for bit in 0..64 {
            assert!(set.insert(0x1234_5678_9abc_def0 ^ (1 << bit)), "bit {bit}");
        }
        assert!(set.insert(0x1234_5678_9abc_def0));
        assert!(!set.insert(0x1234_5678_9abc_def0 ^ (1 << 7)));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64),
        InsertAll(Vec<u64>),
        Checkpoint,
        Undo,
        NewScrape,
    }

    #[test]
    fn insert_all_stops_at_the_first_repeat() {
        let mut set = HashSet64::default();
        let h = |i: u64| (i * 0x9e37_79b9) << 16;
        assert_eq!(set.insert_all(&[h(1), h(2)]), None);
        // Growing in the middle of a batch (64 slots, half full at 32).
        let many: Vec<u64> = (3..40).map(h).collect();
        assert_eq!(set.insert_all(&many), None);
        assert_eq!(set.len(), 39);
        assert_eq!(set.insert_all(&[h(100), h(2), h(101)]), Some(1));
        assert!(set.contains(h(100)) && !set.contains(h(101)));
        assert_eq!(set.insert_all(&[h(102), h(102)]), Some(1));
        assert_eq!(set.len(), 41);
    }

    #[test]
    fn hash_set_undoes_back_to_the_checkpoint() {
        let mut set = HashSet64::default();
        let kept: Vec<u64> = (0..50).map(|i| (i % 3) << 60 | i).collect();
        let undone: Vec<u64> = (50..100).map(|i| (i % 3) << 60 | i).collect();
        for &h in &kept {
            assert!(set.insert(h));
        }
        set.checkpoint();
        for &h in &undone {
            assert!(set.insert(h));
        }
        set.undo();
        assert_eq!(set.len(), 50);
        assert!(kept.iter().all(|&h| set.contains(h)));
        assert!(undone.iter().all(|&h| !set.contains(h)));
        // Nothing added since: a second undo changes nothing.
        set.undo();
        assert_eq!(set.len(), 50);
        set.clear();
        assert!(kept.iter().all(|&h| !set.contains(h)));
    }

    #[test]
    fn label_hashes_do_not_collide_on_short_inputs() {
        // Every string of up to three bytes over a small alphabet, and longer
        // ones differing in one byte at each position (word boundaries, the
        // overlapping last word): all hashes distinct, for two seeds.
        let alphabet = [0u8, 1, b'"', b'}', 0xff];
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=3 {
            let mut next = Vec::new();
            for s in inputs.iter().filter(|s| s.len() == len - 1) {
                for &b in &alphabet {
                    let mut t = s.clone();
                    t.push(b);
                    next.push(t);
                }
            }
            inputs.extend(next);
        }
        for len in [7, 8, 9, 15, 16, 17, 24, 31] {
            for pos in 0..len {
                for &b in &alphabet[1..] {
                    let mut t = vec![b'a'; len];
                    t[pos] = b;
                    inputs.push(t);
                }
            }
            inputs.push(vec![b'a'; len]);
        }
        for seed in [0, 0x9e37_79b9_7f4a_7c15] {
            let mut seen = std::collections::HashSet::new();
            for s in &inputs {
                assert!(seen.insert(hash_bytes(seed, s)), "{s:?}");
            }
        }
    }

    /// The collision check as first written, building every name as a string:
    /// the reference the allocation-free one is compared with.
    fn collision_reference(
        name: &str,
        t: MetricType,
        lookup: impl Fn(&str) -> Option<MetricType>,
    ) -> Option<(String, MetricType)> {
        fn occupied(name: &str, t: MetricType) -> Vec<String> {
            let mut out = vec![name.to_owned()];
            let with = |s: &str| format!("{name}{s}");
            match t {
                MetricType::Counter => {
                    let base = name.strip_suffix("_total").unwrap_or(name);
                    for n in [
                        base.to_owned(),
                        format!("{base}_total"),
                        format!("{base}_created"),
                    ] {
                        if !out.contains(&n) {
                            out.push(n);
                        }
                    }
                }
                MetricType::Histogram => {
                    out.extend(["_bucket", "_sum", "_count", "_created"].map(with));
                }
                MetricType::Summary => out.extend(["_sum", "_count", "_created"].map(with)),
                MetricType::Info => out.push(with("_info")),
                _ => {}
            }
            out
        }
        let mine = occupied(name, t);
        for x in &mine {
            let mut candidates: Vec<String> = vec![x.clone(), format!("{x}_total")];
            for base in crate::name::SAMPLE_SUFFIXES
                .iter()
                .filter_map(|s| x.strip_suffix(s))
            {
                candidates.push(base.to_owned());
                candidates.push(format!("{base}_total"));
            }
            for g in candidates {
                if g == name {
                    continue;
                }
                if let Some(gt) = lookup(&g) {
                    if occupied(&g, gt).iter().any(|o| mine.contains(o)) {
                        return Some((g, gt));
                    }
                }
            }
        }
        None
    }

    fn metric_type() -> impl Strategy<Value = MetricType> {
        prop_oneof![
            Just(MetricType::Counter),
            Just(MetricType::Gauge),
            Just(MetricType::Untyped),
            Just(MetricType::Histogram),
            Just(MetricType::Summary),
            Just(MetricType::Info),
            Just(MetricType::StateSet),
        ]
    }

    /// Names built from two stems and every suffix, so that collisions abound.
    fn family_name() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just(""),
            Just("_total"),
            Just("_created"),
            Just("_bucket"),
            Just("_sum"),
            Just("_count"),
            Just("_info"),
        ];
        (
            prop_oneof![Just("foo"), Just("foo_sum")],
            part.clone(),
            part,
        )
            .prop_map(|(stem, a, b)| format!("{stem}{a}{b}"))
    }

    proptest! {
        #[test]
        fn collision_agrees_with_the_reference(
            name in family_name(),
            t in metric_type(),
            existing in proptest::collection::vec((family_name(), metric_type()), 0..6),
        ) {
            let map: HashMap<String, MetricType> = existing.into_iter().collect();
            let lookup = |n: &str| map.get(n).copied();
            prop_assert_eq!(collision(&name, t, lookup), collision_reference(&name, t, lookup));
        }
    }

    fn collides(existing: &[(&str, MetricType)], name: &str, t: MetricType) -> Option<String> {
        let map: HashMap<&str, MetricType> = existing.iter().copied().collect();
        collision(name, t, |n| map.get(n).copied()).map(|(n, _)| n)
    }

    #[test]
    fn go_suffix_rules() {
        use MetricType::*;
        let h = [("foo", Histogram)];
        for s in ["foo_count", "foo_sum", "foo_bucket"] {
            assert_eq!(collides(&h, s, Gauge).as_deref(), Some("foo"), "{s}");
        }
        let s = [("foo", Summary)];
        assert_eq!(collides(&s, "foo_count", Gauge).as_deref(), Some("foo"));
        assert_eq!(collides(&s, "foo_bucket", Gauge), None);
        // And the other way round: the histogram arrives second.
        assert_eq!(
            collides(&[("foo_sum", Gauge)], "foo", Histogram).as_deref(),
            Some("foo_sum")
        );
        assert_eq!(collides(&[("foo_bucket", Gauge)], "foo", Summary), None);
        assert_eq!(collides(&[("foo", Gauge)], "bar", Histogram), None);
    }

    #[test]
    fn openmetrics_suffix_rules() {
        use MetricType::*;
        assert_eq!(
            collides(&[("foo", Counter)], "foo_total", Gauge).as_deref(),
            Some("foo")
        );
        assert_eq!(
            collides(&[("foo_total", Counter)], "foo", Gauge).as_deref(),
            Some("foo_total")
        );
        assert_eq!(
            collides(&[("foo_total", Counter)], "foo", Counter).as_deref(),
            Some("foo_total")
        );
        assert_eq!(
            collides(&[("foo", Counter)], "foo_created", Gauge).as_deref(),
            Some("foo")
        );
        assert_eq!(
            collides(&[("build", Info)], "build_info", Gauge).as_deref(),
            Some("build")
        );
        assert_eq!(
            collides(&[("foo_total", Counter)], "foo_total_total", Gauge),
            None
        );
        assert_eq!(collides(&[("foo", Gauge)], "foo_created_x", Gauge), None);
    }
}
