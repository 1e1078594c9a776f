//! Gather-time consistency checks, run by the encoder as collectors write:
//! no series twice in one scrape, and no family whose samples' names collide
//! with another family's (`foo_count` next to a histogram `foo`).
//!
//! Registration already checks every described collector; these catch what
//! it cannot see: a snapshot `Vec` with a repeated key, unchecked collectors,
//! and merged [`Gatherers`](super::Gatherers).

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashTable;

use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::labels::{EncodeLabelValues, LabelWriter};

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
/// Hashing every series costs about as much as encoding it, so it is skipped
/// where a duplicate cannot happen: series from a keyed collection (an
/// instrument [`Family`](crate::metric::Family)) in a family identity no other
/// collector writes in this scrape. A later collector opening such a family
/// identity is refused as a duplicate, since its series cannot be checked
/// against the unhashed ones.
#[derive(Debug)]
pub(crate) struct ScrapeCheck {
    enabled: bool,
    hasher: hashbrown::DefaultHashBuilder,
    /// Series written so far (the hash is its own key).
    seen: HashTable<u64>,
    /// Family identities opened so far.
    identities: HashTable<Identity>,
    /// Series and identities added since the current collector began, to undo on failure.
    added: Vec<u64>,
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
    static SPARE: std::cell::Cell<Option<HashTable<u64>>> = const { std::cell::Cell::new(None) };
}

impl Drop for ScrapeCheck {
    fn drop(&mut self) {
        let mut seen = std::mem::take(&mut self.seen);
        seen.clear();
        SPARE.with(|s| s.set(Some(seen)));
    }
}

impl Default for ScrapeCheck {
    fn default() -> Self {
        ScrapeCheck {
            enabled: true,
            hasher: hashbrown::DefaultHashBuilder::default(),
            seen: SPARE.with(std::cell::Cell::take).unwrap_or_default(),
            identities: HashTable::new(),
            added: Vec::new(),
            added_identities: Vec::new(),
            epoch: 0,
            current: 0,
            exclusive: false,
            keyed: false,
            scratch: Vec::new(),
        }
    }
}

impl ScrapeCheck {
    /// Turns the series check on or off (the name check is per family and stays on).
    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Called when a collector starts.
    pub(crate) fn begin(&mut self) {
        self.epoch += 1;
        self.added.clear();
        self.added_identities.clear();
        self.keyed = false;
    }

    /// Called when the current collector failed: forget its series.
    pub(crate) fn rollback(&mut self) {
        for &h in &self.added {
            if let Ok(e) = self.seen.find_entry(h, |&x| x == h) {
                e.remove();
            }
        }
        for &h in &self.added_identities {
            if let Ok(e) = self.identities.find_entry(h, |x| x.hash == h) {
                e.remove();
            }
        }
        self.added.clear();
        self.added_identities.clear();
        self.keyed = false;
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
        let mut h = self.hasher.build_hasher();
        h.write(desc.name().as_bytes());
        h.write_u8(0xff);
        h.write(desc.rendered().const_labels.as_bytes());
        let hash = h.finish();
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

    /// Records the series `labels` of `desc`, the family last opened.
    ///
    /// # Errors
    ///
    /// [`CollectError::DuplicateSeries`] when the series was written before
    /// in this scrape.
    #[inline]
    pub(crate) fn series<L>(&mut self, desc: &Desc, labels: &L) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        if !self.enabled || (self.keyed && self.exclusive) {
            return Ok(());
        }
        self.scratch.clear();
        let mut w = LabelWriter::text(desc.variable_labels(), &mut self.scratch, false);
        labels.encode_label_values(&mut w);
        let mut h = self.hasher.build_hasher();
        h.write_u64(self.current);
        h.write(&self.scratch);
        let hash = h.finish();
        match self.seen.entry(hash, |&x| x == hash, |&x| x) {
            hashbrown::hash_table::Entry::Occupied(_) => Err(CollectError::DuplicateSeries {
                name: desc.name().to_owned(),
                labels: format!(
                    "{{{}{}{}}}",
                    desc.rendered().const_labels,
                    if desc.rendered().const_labels.is_empty() || self.scratch.is_empty() {
                        ""
                    } else {
                        ","
                    },
                    String::from_utf8_lossy(&self.scratch)
                ),
            }),
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(hash);
                self.added.push(hash);
                Ok(())
            }
        }
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
        match collision(desc.name(), desc.metric_type(), lookup) {
            None => Ok(()),
            Some((other, other_type)) => Err(CollectError::other(NameCollision {
                name: desc.name().to_owned(),
                other,
                other_type,
            })),
        }
    }
}

/// Suffixes a family's samples may add to its name, in some format.
const SUFFIXES: [&str; 6] = ["_total", "_created", "_bucket", "_sum", "_count", "_info"];

/// The names a family of `name` and type `t` occupies across the formats:
/// its own, its samples' and, for an OpenMetrics counter, its family name
/// without `_total`.
pub(crate) fn occupied(name: &str, t: MetricType) -> Vec<String> {
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

/// The first family `lookup` knows, other than `name`, whose occupied names
/// meet those of `name`.
pub(crate) fn collision(
    name: &str,
    t: MetricType,
    lookup: impl Fn(&str) -> Option<MetricType>,
) -> Option<(String, MetricType)> {
    let mine = occupied(name, t);
    for x in &mine {
        // Which family names could occupy `x`: `x` itself, `x` less a suffix,
        // and a counter named `x_total`.
        let mut candidates: Vec<String> = vec![x.clone(), format!("{x}_total")];
        candidates.extend(
            SUFFIXES
                .iter()
                .filter_map(|s| x.strip_suffix(s))
                .map(str::to_owned),
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

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
