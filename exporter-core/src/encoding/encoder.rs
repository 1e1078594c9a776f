//! [`MetricEncoder`]: the families of one scrape, their index, undo of a
//! failed collector, and writing them out in order.

use std::collections::HashSet;

use super::check::{DroppedSeries, ScrapeCheck};
use super::wrap::WrapStack;
use super::{openmetrics, protobuf, spill, text, FamilyEncoder, Format};
use crate::desc::{Desc, HeaderFormat, MetricType};
use crate::error::CollectError;
use crate::escaping::EscapingScheme;

pub(super) struct Family {
    pub(super) desc: Desc,
    /// In the text formats, the header (`# HELP`, `# TYPE`) followed by the
    /// samples: written in place from the start, so that finishing a scrape
    /// need not copy samples behind a header. In protobuf, the samples only
    /// (the family message's length prefix comes first, known only at the end).
    pub(super) body: Vec<u8>,
    /// Where the samples start in `body`; a family with none is left out.
    pub(super) header_len: usize,
    /// The collector pass that last touched this family (see `begin`).
    pub(super) epoch: u64,
    /// Its bytes were streamed and it is complete: nothing may add to it.
    pub(super) streamed: bool,
    /// The name the collector gave, when escaping changed it: two families
    /// whose names escape to one are a collision, not one family.
    pub(super) unescaped: Option<Box<str>>,
}

/// Family positions by name. The table holds positions in the encoder's
/// families, hashed by their names, and compares names through them: so a
/// scrape copies no name, and takes no count of a descriptor (a count every
/// worker serving the same collector would write). A name's hash is the one
/// its descriptor carries ([`crate::hash::name_hash`]), not made again.
pub(super) struct FamilyIndex {
    table: hashbrown::HashTable<usize>,
}

impl FamilyIndex {
    fn with_capacity(n: usize) -> Self {
        FamilyIndex {
            table: hashbrown::HashTable::with_capacity(n),
        }
    }

    /// The position of the family named `name` in `families`.
    pub(super) fn get(&self, families: &[Family], name: &str) -> Option<usize> {
        self.get_hashed(families, name, crate::hash::name_hash(name))
    }

    /// The type of the family named `name`, if there is one: what the
    /// name-collision check asks of the families written so far.
    pub(super) fn metric_type(&self, families: &[Family], name: &str) -> Option<MetricType> {
        self.get(families, name)
            .map(|i| families[i].desc.metric_type())
    }

    /// [`get`](Self::get) with the name's hash known.
    pub(super) fn get_hashed(&self, families: &[Family], name: &str, hash: u64) -> Option<usize> {
        self.table
            .find(hash, |&i| families[i].desc.name() == name)
            .copied()
    }

    /// Adds `families[idx]`, a family not in the index.
    pub(super) fn insert(&mut self, families: &[Family], idx: usize) {
        self.table
            .insert_unique(families[idx].desc.name_hash(), idx, |&i| {
                families[i].desc.name_hash()
            });
    }

    /// Forgets the families from position `len` on.
    fn truncate(&mut self, len: usize) {
        self.table.retain(|&mut i| i < len);
    }

    /// Forgets every family, keeping the table's room up to [`KEPT_FAMILIES`].
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    fn clear(&mut self) {
        if self.table.capacity() > KEPT_FAMILIES {
            self.table = hashbrown::HashTable::with_capacity(8);
        } else {
            self.table.clear();
        }
    }
}

/// How many families' room a [`reset`](MetricEncoder::reset) encoder keeps:
/// a small exporter's, not what one big scrape grew to.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
const KEPT_FAMILIES: usize = 64;

/// The largest family buffer a [`reset`](MetricEncoder::reset) encoder keeps.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
const KEPT_BODY: usize = 4096;

impl Family {
    /// `body` is an empty buffer to write into: new, or one a family of an
    /// earlier scrape left (see [`MetricEncoder::reset`]).
    fn new(format: Format, desc: &Desc, epoch: u64, mut body: Vec<u8>) -> Self {
        // Room for the header (`# HELP`, `# TYPE`) and four short sample lines,
        // so that a small family (most of an exporter's) never grows: a
        // reallocation costs more than writing such a family.
        let name = desc.name().len();
        body.reserve(2 * name + desc.help().len() + 32 + 4 * (name + 48));
        // The header lines, rendered once per descriptor and format.
        let header = match format {
            Format::Text => desc.header(HeaderFormat::Text, |out| text::header_into(out, desc)),
            Format::OpenMetrics => desc.header(HeaderFormat::OpenMetrics, |out| {
                openmetrics::header_into(out, desc);
            }),
            Format::Protobuf => &[],
        };
        body.extend_from_slice(header);
        Family {
            desc: desc.clone(),
            header_len: body.len(),
            body,
            epoch,
            streamed: false,
            unescaped: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.body.len() == self.header_len
    }

    /// Appends the finished family to `out`.
    fn write_to(&self, format: Format, out: &mut Vec<u8>) {
        match format {
            Format::Protobuf => protobuf::family_into(out, &self.desc, &self.body),
            Format::Text | Format::OpenMetrics => out.extend_from_slice(&self.body),
        }
    }
}

/// The sink of one scrape: collectors write families and samples into it.
pub struct MetricEncoder {
    pub(super) format: Format,
    pub(super) families: Vec<Family>,
    /// Family position by name.
    pub(super) index: FamilyIndex,
    pub(super) epoch: u64,
    /// Families that existed when the current collector started.
    pub(super) families_before: usize,
    /// `(family, body length)` to restore if the current collector fails.
    pub(super) undo: Vec<(usize, usize)>,
    /// Duplicate-series and name-collision checks (owned by the registry module).
    pub(super) check: ScrapeCheck,
    /// Prefix/const-label rewriting in force (owned by the registry module).
    pub(crate) wraps: WrapStack,
    /// Only these families are written (Go's `name[]` parameter); none = all.
    pub(super) filter: Option<HashSet<String>>,
    /// Where samples of filtered-out families go; cleared at every use.
    pub(super) discard: Vec<u8>,
    /// Streaming families while they are written, when the server asked for it.
    pub(super) spill: Option<Box<spill::Spill>>,
    /// The last scrape's streaming state, emptied, for this one's (see [`reset`](Self::reset)).
    pub(super) spare_spill: Option<Box<spill::Spill>>,
    /// How names that are not legacy names are written.
    pub(super) escaping: EscapingScheme,
    /// OpenMetrics `_created` lines (Go's `EnableOpenMetricsTextCreatedSamples`).
    pub(super) created_lines: bool,
    /// Emptied buffers of the last scrape's families, for this one's (see [`reset`](Self::reset)).
    pub(super) spare_bodies: Vec<Vec<u8>>,
}

impl std::fmt::Debug for MetricEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricEncoder")
            .field("format", &self.format)
            .field("families", &self.families.len())
            .finish_non_exhaustive()
    }
}

impl MetricEncoder {
    /// A new, empty scrape in `format`.
    pub fn new(format: Format) -> Self {
        MetricEncoder {
            format,
            // Room for a small exporter's families without growing.
            families: Vec::with_capacity(8),
            index: FamilyIndex::with_capacity(8),
            epoch: 0,
            families_before: 0,
            undo: Vec::new(),
            check: ScrapeCheck::default(),
            wraps: WrapStack::default(),
            filter: None,
            discard: Vec::new(),
            spill: None,
            spare_spill: None,
            escaping: EscapingScheme::default(),
            created_lines: false,
            spare_bodies: Vec::new(),
        }
    }

    /// Empties the encoder for another scrape, as [`new`](Self::new) makes
    /// one in the same format, but keeping the room its lists and tables
    /// grew to: the HTTP handler keeps one per thread, so that a small scrape
    /// allocates none of them again. The families' list, index and buffers
    /// keep a small exporter's room at most; the duplicate check's series
    /// table shrinks when it is far larger than the scrape needed.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn reset(&mut self) {
        // Every field by name: one added later must say how it is reset.
        let MetricEncoder {
            format: _,
            families,
            index,
            epoch,
            families_before,
            undo,
            check,
            wraps,
            filter,
            discard,
            spill,
            spare_spill,
            escaping,
            created_lines,
            spare_bodies,
        } = self;
        // The families' buffers, emptied, for the next scrape's families;
        // not one a big family grew (the first family's went out as the
        // output, and left an empty one).
        for fam in families.drain(..) {
            let mut body = fam.body;
            if spare_bodies.len() < KEPT_FAMILIES && (1..=KEPT_BODY).contains(&body.capacity()) {
                body.clear();
                spare_bodies.push(body);
            }
        }
        families.shrink_to(KEPT_FAMILIES);
        index.clear();
        *epoch = 0;
        *families_before = 0;
        undo.clear();
        undo.shrink_to(KEPT_FAMILIES);
        check.reset();
        wraps.clear();
        *filter = None;
        *discard = Vec::new();
        *spare_spill = spill.take().and_then(spill::Spill::into_spare);
        *escaping = EscapingScheme::default();
        *created_lines = false;
    }

    /// Sets the format of an encoder that holds nothing yet (new or [`reset`](Self::reset)).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn set_format(&mut self, format: Format) {
        debug_assert!(self.families.is_empty(), "set_format on a started scrape");
        self.format = format;
    }

    /// How names that are not legacy names (`[a-zA-Z_:][a-zA-Z0-9_:]*`) are
    /// written: as they are, quoted where the text formats need it, under
    /// [`EscapingScheme::AllowUtf8`], or escaped as Go escapes them. Legacy
    /// names are the same under every scheme. Default is Go's default,
    /// [`EscapingScheme::Underscores`]; the HTTP handler sets what the
    /// scraper's `Accept` asked for.
    pub fn set_escaping(&mut self, scheme: EscapingScheme) {
        self.escaping = scheme;
    }

    /// The escaping scheme in force.
    pub fn escaping(&self) -> EscapingScheme {
        self.escaping
    }

    /// Whether OpenMetrics output carries `_created` lines for counters,
    /// histograms and summaries that have a created time. Default is off, as
    /// Go's `EnableOpenMetricsTextCreatedSamples`: Prometheus reads the created
    /// time from protobuf, and the extra lines cost a series each in
    /// scrapers that store them. Protobuf always carries `created_timestamp`.
    pub fn openmetrics_created_lines(&mut self, enabled: bool) {
        self.created_lines = enabled;
    }

    /// Whether to refuse a series written twice in this scrape (Go's "collected
    /// before with the same name and label values"). Default is on; it costs a
    /// hash of each series' labels (see the registry docs for measurements).
    pub fn check_duplicate_series(&mut self, enabled: bool) {
        self.check.set_enabled(enabled);
    }

    /// The counter series left out of this scrape so far because their
    /// value cannot be a counter's total (NaN or negative).
    pub fn dropped_series(&self) -> &[DroppedSeries] {
        self.check.dropped()
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Writes only the families with these names (the descriptor names, as
    /// Go's `name[]` query parameter selects them). An empty list means all.
    /// Calling it again adds names. Collectors still run; samples of other
    /// families are checked and dropped.
    pub fn filter_names(&mut self, names: impl IntoIterator<Item = String>) {
        let mut names = names.into_iter().peekable();
        if names.peek().is_none() {
            return;
        }
        self.filter.get_or_insert_with(HashSet::new).extend(names);
    }

    /// Opens the family described by `desc` for writing samples.
    ///
    /// Several collectors may write the same family (with different const
    /// labels); their samples are grouped under one header.
    ///
    /// # Errors
    ///
    /// [`CollectError::Inconsistent`] when a family of that name was already
    /// written with a different type, help or label names.
    pub fn family<'a>(&'a mut self, desc: &'a Desc) -> Result<FamilyEncoder<'a>, CollectError> {
        if let Some(e) = desc.error() {
            return Err(CollectError::other(e.clone()));
        }
        let original = self.wraps.apply(desc)?;
        // The names the scraper gets: a copy built once per descriptor.
        let desc = original
            .for_escaping(self.escaping)
            .map_err(|e| escaping_collision(original, e))?;
        self.check.open(desc)?;
        if let Some(filter) = &self.filter {
            // `name[]` names the family as the collector named it.
            if !filter.contains(original.name()) {
                self.discard.clear();
                return Ok(FamilyEncoder {
                    format: self.format,
                    desc,
                    body: &mut self.discard,
                    check: &mut self.check,
                    discarding: true,
                    spill_at: spill::DISCARD_AT,
                    spill: None,
                    created_lines: self.created_lines,
                });
            }
        }
        let idx = match self
            .index
            .get_hashed(&self.families, desc.name(), desc.name_hash())
        {
            Some(idx) => {
                let fam = &mut self.families[idx];
                if fam.streamed {
                    return Err(Self::streamed_error(desc.name()));
                }
                let before = fam.unescaped.as_deref().unwrap_or(fam.desc.name());
                if before != original.name() {
                    // Two names that escaping made one (`a.b` and `a_b`).
                    return Err(CollectError::other(super::NameCollision {
                        name: original.name().to_owned(),
                        other: before.to_owned(),
                        other_type: fam.desc.metric_type(),
                    }));
                }
                if !consistent(&fam.desc, desc) {
                    return Err(CollectError::Inconsistent {
                        name: desc.name().to_owned(),
                    });
                }
                if fam.epoch != self.epoch {
                    fam.epoch = self.epoch;
                    if idx < self.families_before {
                        self.undo.push((idx, fam.body.len()));
                    }
                }
                idx
            }
            None => {
                let (families, index) = (&self.families, &self.index);
                self.check
                    .family(desc, |name| index.metric_type(families, name))?;
                let idx = self.families.len();
                let body = self.spare_bodies.pop().unwrap_or_default();
                let mut fam = Family::new(self.format, desc, self.epoch, body);
                if !std::ptr::eq(desc, original) {
                    fam.unescaped = Some(original.name().into());
                }
                self.families.push(fam);
                self.index.insert(&self.families, idx);
                idx
            }
        };
        let spill_at =
            spill::Spill::spill_at(self.spill.as_deref_mut(), self.format, idx, desc.name());
        Ok(FamilyEncoder {
            format: self.format,
            desc,
            body: &mut self.families[idx].body,
            check: &mut self.check,
            discarding: false,
            spill_at,
            spill: self.spill.as_deref_mut(),
            created_lines: self.created_lines,
        })
    }

    /// Marks the start of one collector's output, so that [`rollback`](Self::rollback)
    /// can remove it if the collector fails half-way.
    pub(crate) fn begin(&mut self) {
        self.epoch += 1;
        self.families_before = self.families.len();
        self.undo.clear();
        self.check.begin();
        self.wraps.reset();
    }

    /// Removes everything written since the last [`begin`](Self::begin),
    /// except what was streamed already: a family being streamed is closed
    /// with the samples that went out.
    pub(crate) fn rollback(&mut self) {
        let streamed = self.spill_rollback();
        for &(idx, len) in &self.undo {
            self.families[idx].body.truncate(len);
        }
        self.undo.clear();
        let mut added = self.families.split_off(self.families_before);
        if !added.is_empty() {
            self.index.truncate(self.families_before);
        }
        if let Some(idx) = streamed.filter(|&i| i >= self.families_before) {
            self.check.forget_memo();
            // Its header went out: keep it, so that it is not written twice.
            let fam = added.swap_remove(idx - self.families_before);
            self.families.push(fam);
            self.index.insert(&self.families, self.families.len() - 1);
        }
        self.check.rollback();
    }

    /// About how many bytes [`finish_into`](Self::finish_into) would write
    /// (the families' buffers; protobuf adds a few bytes per family).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn encoded_len(&self) -> usize {
        self.families.iter().map(|f| f.body.len()).sum()
    }

    /// Writes every family (sorted by name, empty ones left out) to `out`,
    /// then the format's trailer (`# EOF` in OpenMetrics).
    pub fn finish_into(mut self, out: &mut Vec<u8>) {
        self.write_out(out, false);
    }

    /// What [`finish_into`](Self::finish_into) does, leaving the encoder to
    /// be [`reset`](Self::reset) for another scrape.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn write_into(&mut self, out: &mut Vec<u8>) {
        self.write_out(out, true);
    }

    /// `reuse`: whether the families' buffers are kept for another scrape.
    fn write_out(&mut self, out: &mut Vec<u8>, reuse: bool) {
        self.sort();
        let format = self.format;
        // Empty families stay in the list (they are skipped), so that a
        // reset keeps their buffers.
        let size = |families: &[Family]| -> usize {
            families.iter().map(|f| f.body.len() + 16).sum::<usize>() + 6
        };
        let mut rest = &mut self.families[..];
        if out.is_empty() && format != Format::Protobuf {
            // The first family's buffer already holds the start of the
            // output: it becomes `out`, which saves copying it (the whole
            // scrape, when one big family is all there is). When the buffers
            // are kept and it is not most of the output, `out` is made once
            // at its whole size instead, and every family's buffer is left
            // for the next scrape (see `reset`).
            if let Some(i) = rest.iter().position(|f| !f.is_empty()) {
                if !reuse || 2 * rest[i].body.len() >= size(rest) {
                    std::mem::swap(out, &mut rest[i].body);
                    rest = &mut rest[i + 1..];
                }
            }
        }
        out.reserve(size(rest));
        for fam in rest.iter().filter(|f| !f.is_empty()) {
            fam.write_to(format, out);
        }
        trailer_into(format, out);
    }

    /// Like [`finish_into`](Self::finish_into), but hands out the output one
    /// family at a time (header and samples together, or one length-delimited
    /// message in protobuf), then the trailer if the format has one, so a
    /// server can compress and send each piece as it goes. Families streamed
    /// while they were written (see the HTTP handler docs) are not repeated.
    pub fn finish_chunks(mut self, mut f: impl FnMut(&[u8])) {
        self.sort();
        let mut buf = Vec::new();
        for fam in &self.families {
            if fam.is_empty() {
                continue;
            }
            if self.format == Format::Protobuf {
                buf.clear();
                fam.write_to(self.format, &mut buf);
                f(&buf);
            } else {
                f(&fam.body);
            }
        }
        buf.clear();
        trailer_into(self.format, &mut buf);
        if !buf.is_empty() {
            f(&buf);
        }
    }

    fn sort(&mut self) {
        self.families
            .sort_unstable_by(|a, b| a.desc.name().cmp(b.desc.name()));
    }
}

/// A descriptor whose label names escaping made one: reported as a collision
/// of the family with itself under that scheme.
fn escaping_collision(desc: &Desc, e: crate::desc::DescError) -> CollectError {
    CollectError::other(EscapingCollision {
        name: desc.name().to_owned(),
        source: e,
    })
}

/// A family whose names collide once escaped for the scraper (two label
/// names that become one); reported as [`CollectError::Other`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("metric `{name}` cannot be escaped for this scraper: {source}")]
pub struct EscapingCollision {
    /// The family, as the collector named it.
    pub name: String,
    /// What escaping broke.
    pub source: crate::desc::DescError,
}

fn trailer_into(format: Format, out: &mut Vec<u8>) {
    if format == Format::OpenMetrics {
        out.extend_from_slice(b"# EOF\n");
    }
}

fn consistent(a: &Desc, b: &Desc) -> bool {
    a.metric_type() == b.metric_type()
        && a.help() == b.help()
        && a.unit() == b.unit()
        && a.variable_labels() == b.variable_labels()
        && a.const_labels().len() == b.const_labels().len()
        && a.const_labels()
            .iter()
            .zip(b.const_labels())
            .all(|(x, y)| x.0 == y.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::escaping::EscapingScheme;
    use crate::registry::{Gatherer, Registry};
    use crate::{CollectError, Collector, Desc, Format, MetricEncoder, MetricType};

    /// Writes one series `{l="x"}` of each family, `times` times, then fails if asked.
    /// Unchecked (it describes nothing), so the gather-time checks see it all.
    struct Writes {
        descs: Vec<Desc>,
        value: f64,
        times: usize,
        fail: bool,
    }

    impl Writes {
        fn new(families: &[(&str, MetricType)], value: f64) -> Self {
            let descs = families
                .iter()
                .map(|&(name, t)| {
                    Desc::builder(name, t)
                        .help("A test family.")
                        .labels(["l"])
                        .build()
                        .unwrap()
                })
                .collect();
            Writes {
                descs,
                value,
                times: 1,
                fail: false,
            }
        }
    }

    impl Collector for Writes {
        fn describe(&self) -> Vec<&Desc> {
            Vec::new()
        }

        fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
            for desc in &self.descs {
                for _ in 0..self.times {
                    encoder.family(desc)?.sample(&["x"], self.value)?;
                }
            }
            if self.fail {
                return Err(CollectError::TimedOut);
            }
            Ok(())
        }
    }

    fn gather(registry: &Registry, encoder: &mut MetricEncoder) -> (Vec<u8>, usize) {
        let errors = registry.gather_into(encoder).len();
        let mut out = Vec::new();
        encoder.write_into(&mut out);
        (out, errors)
    }

    #[test]
    fn a_family_header_is_rendered_once_per_format_and_kept() {
        // A help the two formats escape differently, and a unit only OpenMetrics writes.
        let desc = Desc::builder("disk_bytes", MetricType::Gauge)
            .help("Bytes \"used\" \\ on\ndisk.")
            .unit("bytes")
            .labels(["l"])
            .build()
            .unwrap();
        let registry = Registry::new();
        registry
            .register(Writes {
                descs: vec![desc],
                value: 1.0,
                times: 1,
                fail: false,
            })
            .unwrap();
        let scrape = |format| {
            let mut encoder = MetricEncoder::new(format);
            assert!(registry.gather_into(&mut encoder).is_empty());
            let mut out = Vec::new();
            encoder.finish_into(&mut out);
            String::from_utf8(out).unwrap()
        };
        let text = scrape(Format::Text);
        let openmetrics = scrape(Format::OpenMetrics);
        assert!(text.starts_with(
            "# HELP disk_bytes Bytes \"used\" \\\\ on\\ndisk.\n# TYPE disk_bytes gauge\ndisk_bytes{"
        ));
        assert!(openmetrics.starts_with(
            "# HELP disk_bytes Bytes \\\"used\\\" \\\\ on\\ndisk.\n# TYPE disk_bytes gauge\n# UNIT disk_bytes bytes\ndisk_bytes{"
        ));
        // Kept: the second scrape in each format writes the same bytes.
        assert_eq!(scrape(Format::Text), text);
        assert_eq!(scrape(Format::OpenMetrics), openmetrics);
    }

    #[test]
    fn a_reset_encoder_writes_what_a_new_one_does() {
        use MetricType::{Counter, Gauge};
        // A scrape that leaves every kind of state behind: a wrapping, a
        // rolled-back collector, a dropped series, a name filter, escaping,
        // `_created` lines and the duplicate check turned off.
        let dirty = Registry::new();
        dirty
            .wrap()
            .prefix("p_")
            .const_label("k", "v")
            .register(Writes::new(&[("g", Gauge)], 1.0))
            .unwrap();
        dirty
            .register(Writes::new(&[("c_total", Counter)], f64::NAN))
            .unwrap();
        dirty
            .register(Writes {
                fail: true,
                ..Writes::new(&[("a.b", Gauge), ("d", Gauge)], 1.0)
            })
            .unwrap();
        let mut reused = MetricEncoder::new(Format::Text);
        reused.set_escaping(EscapingScheme::AllowUtf8);
        reused.openmetrics_created_lines(true);
        reused.check_duplicate_series(false);
        reused.filter_names(["p_g".to_owned(), "c_total".to_owned()]);
        let (out, errors) = gather(&dirty, &mut reused);
        assert_eq!(errors, 1);
        assert_eq!(reused.dropped_series().len(), 1);
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("p_g{k=\"v\",l=\"x\"} 1\n"));
        reused.reset();

        // The same families unwrapped, a UTF-8 name, and a series written twice.
        let clean = Registry::new();
        clean
            .register(Writes::new(
                &[("g", Gauge), ("c_total", Counter), ("a.b", Gauge)],
                2.0,
            ))
            .unwrap();
        clean
            .register(Writes {
                times: 2,
                ..Writes::new(&[("twice", Gauge)], 3.0)
            })
            .unwrap();
        for format in [
            Format::OpenMetrics,
            Format::Text,
            Format::Protobuf,
            Format::Text,
        ] {
            reused.set_format(format);
            // A new encoder, finished the way a consumed one is.
            let mut fresh = MetricEncoder::new(format);
            let want_errors = clean.gather_into(&mut fresh).len();
            let escaping = fresh.escaping();
            assert!(fresh.dropped_series().is_empty());
            let mut want = Vec::new();
            fresh.finish_into(&mut want);
            assert_eq!(
                gather(&clean, &mut reused),
                (want.clone(), want_errors),
                "{format:?}"
            );
            // The duplicate check is on again, and the repeated series refused.
            assert_eq!(want_errors, 1);
            assert!(!want.is_empty());
            assert_eq!(reused.escaping(), escaping);
            assert!(reused.dropped_series().is_empty());
            reused.reset();
        }
    }
}
