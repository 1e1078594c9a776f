//! Exposition formats, and the sink collectors write their samples into.
//!
//! A scrape creates one [`MetricEncoder`] for the negotiated [`Format`]; each
//! collector asks it for a [`FamilyEncoder`] per descriptor and writes its
//! samples there. Samples go straight into per-family byte buffers (no
//! intermediate metric objects); [`MetricEncoder::finish_into`] then writes the
//! families, sorted by name, each with its header.
//!
//! # Value types in each format
//!
//! | type | text 0.0.4 | OpenMetrics 1.0.0 | protobuf |
//! | --- | --- | --- | --- |
//! | counter `foo_total` (or `foo`) | `foo_total` as named | family `foo`, samples `foo_total`, `foo_created` | `COUNTER` as named |
//! | gauge, untyped | as named | `gauge`, `unknown` | `GAUGE`, `UNTYPED` |
//! | histogram, summary | `_bucket`/quantiles, `_sum`, `_count` | same, plus `_created` | `HISTOGRAM`, `SUMMARY` |
//! | info `foo` (or `foo_info`) | gauge `foo_info`, value 1 | `info` family `foo`, sample `foo_info 1` | `GAUGE` `foo_info` |
//! | stateset `foo` | gauge `foo`, label `foo="<state>"`, 1/0 | `stateset` | `GAUGE`, label `foo` |
//!
//! Text 0.0.4 and protobuf have no info or stateset type; they come out as the
//! gauges Prometheus itself turns them into when it ingests OpenMetrics.
//! Exemplars and created timestamps exist in OpenMetrics and protobuf only.

pub(crate) mod check;
mod negotiate;
mod openmetrics;
pub mod protobuf;
mod spill;
mod text;
pub(crate) mod wrap;

use std::collections::HashSet;

use self::check::{duplicate_text_series, ScrapeCheck};
use self::wrap::WrapStack;
use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::labels::EncodeLabelValues;
use crate::value::{EncodeValue, Number};
// The value types are the encoder's vocabulary too (its methods take them).
#[doc(no_inline)]
pub use crate::value::{Exemplar, ExemplarError, HistogramValue, SampleOpts, SummaryValue};

pub use check::NameCollision;
pub use negotiate::{negotiate, negotiate_accept, Negotiated, OpenMetricsVersion, MAX_CLAUSES};
pub use spill::FamilyStreamed;
pub(crate) use spill::{Claims, Scope};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics text format 1.0.0.
    OpenMetrics,
    /// Protobuf, varint length-delimited `io.prometheus.client.MetricFamily` messages.
    Protobuf,
}

impl Format {
    /// The `Content-Type` header value for responses in this format, as Go's
    /// `expfmt` spells it.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Protobuf => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
            }
        }
    }
}

struct Family {
    desc: Desc,
    /// In the text formats, the header (`# HELP`, `# TYPE`) followed by the
    /// samples: written in place from the start, so that finishing a scrape
    /// need not copy samples behind a header. In protobuf, the samples only
    /// (the family message's length prefix comes first, known only at the end).
    body: Vec<u8>,
    /// Where the samples start in `body`; a family with none is left out.
    header_len: usize,
    /// The collector pass that last touched this family (see `begin`).
    epoch: u64,
    /// Its bytes were streamed and it is complete: nothing may add to it.
    streamed: bool,
}

/// A family's name as the key of the encoder's index: the descriptor itself
/// (cloning it is cheap), looked up by `&str`, so no name is copied per scrape.
struct FamilyName(Desc);

impl std::borrow::Borrow<str> for FamilyName {
    fn borrow(&self) -> &str {
        self.0.name()
    }
}

impl std::hash::Hash for FamilyName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name().hash(state);
    }
}

impl PartialEq for FamilyName {
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for FamilyName {}

impl Family {
    fn new(format: Format, desc: &Desc, epoch: u64) -> Self {
        // Room for the header and a few samples, so that a small family does
        // not grow through several reallocations.
        let mut body = Vec::with_capacity(2 * desc.name().len() + desc.help().len() + 128);
        match format {
            Format::Text => text::header_into(&mut body, desc),
            Format::OpenMetrics => openmetrics::header_into(&mut body, desc),
            Format::Protobuf => {}
        }
        Family {
            desc: desc.clone(),
            header_len: body.len(),
            body,
            epoch,
            streamed: false,
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
    format: Format,
    families: Vec<Family>,
    /// Family position by name. `hashbrown`'s default hasher (foldhash) is
    /// several times cheaper than the standard library's on short names, and nothing
    /// here is keyed by untrusted input an attacker could choose.
    index: hashbrown::HashMap<FamilyName, usize>,
    epoch: u64,
    /// Families that existed when the current collector started.
    families_before: usize,
    /// `(family, body length)` to restore if the current collector fails.
    undo: Vec<(usize, usize)>,
    /// Duplicate-series and name-collision checks (owned by the registry module).
    check: ScrapeCheck,
    /// Prefix/const-label rewriting in force (owned by the registry module).
    pub(crate) wraps: WrapStack,
    /// Only these families are written (Go's `name[]` parameter); none = all.
    filter: Option<HashSet<String>>,
    /// Where samples of filtered-out families go; cleared at every use.
    discard: Vec<u8>,
    /// Streaming families while they are written, when the server asked for it.
    spill: Option<Box<spill::Spill>>,
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
            families: Vec::new(),
            index: hashbrown::HashMap::new(),
            epoch: 0,
            families_before: 0,
            undo: Vec::new(),
            check: ScrapeCheck::default(),
            wraps: WrapStack::default(),
            filter: None,
            discard: Vec::new(),
            spill: None,
        }
    }

    /// Whether to refuse a series written twice in this scrape (Go's "collected
    /// before with the same name and label values"). Default is on; it costs a
    /// hash of each series' labels (see the registry docs for measurements).
    pub fn check_duplicate_series(&mut self, enabled: bool) {
        self.check.set_enabled(enabled);
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
        let desc = self.wraps.apply(desc)?;
        self.check.open(desc)?;
        if let Some(filter) = &self.filter {
            if !filter.contains(desc.name()) {
                self.discard.clear();
                return Ok(FamilyEncoder {
                    format: self.format,
                    desc,
                    body: &mut self.discard,
                    check: &mut self.check,
                    discarding: true,
                    spill_at: spill::DISCARD_AT,
                    spill: None,
                });
            }
        }
        let idx = match self.index.get(desc.name()) {
            Some(&idx) => {
                let fam = &mut self.families[idx];
                if fam.streamed {
                    return Err(Self::streamed_error(desc.name()));
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
                self.check.family(desc, |name| {
                    index.get(name).map(|&i| families[i].desc.metric_type())
                })?;
                let idx = self.families.len();
                self.families
                    .push(Family::new(self.format, desc, self.epoch));
                self.index.insert(FamilyName(desc.clone()), idx);
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
        for fam in &added {
            self.index.remove(fam.desc.name());
        }
        if let Some(idx) = streamed.filter(|&i| i >= self.families_before) {
            // Its header went out: keep it, so that it is not written twice.
            let fam = added.swap_remove(idx - self.families_before);
            self.index
                .insert(FamilyName(fam.desc.clone()), self.families.len());
            self.families.push(fam);
        }
        self.check.rollback();
    }

    /// Writes every family (sorted by name, empty ones left out) to `out`,
    /// then the format's trailer (`# EOF` in OpenMetrics).
    pub fn finish_into(mut self, out: &mut Vec<u8>) {
        self.sort();
        self.families.retain(|fam| !fam.is_empty());
        let mut families = self.families.iter_mut();
        if out.is_empty() && self.format != Format::Protobuf {
            // The first family's buffer already holds the start of the
            // output: it becomes `out`, which saves copying it (the whole
            // scrape, when one big family is all there is).
            if let Some(first) = families.next() {
                std::mem::swap(out, &mut first.body);
            }
        }
        let rest: usize = families.as_slice().iter().map(|f| f.body.len() + 16).sum();
        out.reserve(rest + 6);
        for fam in families {
            fam.write_to(self.format, out);
        }
        trailer_into(self.format, out);
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

/// Writes the samples of one family; obtained from [`MetricEncoder::family`].
#[derive(Debug)]
pub struct FamilyEncoder<'a> {
    format: Format,
    desc: &'a Desc,
    body: &'a mut Vec<u8>,
    check: &'a mut ScrapeCheck,
    /// The family is filtered out: samples are checked, then dropped.
    discarding: bool,
    /// Buffered bytes at which the buffer is streamed (see `spill.rs`);
    /// `usize::MAX` when it may not be.
    spill_at: usize,
    spill: Option<&'a mut spill::Spill>,
}

/// The variable labels of the text line written into `body` from `start`,
/// which end at `labels_end`: what the duplicate-series check hashes.
#[inline]
fn labels_written<'b>(body: &'b [u8], desc: &Desc, start: usize, labels_end: usize) -> &'b [u8] {
    let labels_start = start + desc.rendered().head.len();
    body.get(labels_start..labels_end).unwrap_or_default()
}

/// Text lines [`FamilyEncoder::samples`] writes before it runs the
/// duplicate-series check on them together: enough for their table lookups
/// to overlap (see `HashSet64::insert_all`), few enough for their hashes to
/// stay on the stack. (Where each line starts is found again by counting
/// newlines, when one fails the check.)
const CHECK_BATCH: usize = 32;

impl FamilyEncoder<'_> {
    /// The descriptor of this family.
    pub fn desc(&self) -> &Desc {
        self.desc
    }

    /// Says that about `series` more series are coming, so the output can
    /// grow once instead of doubling its way there (each doubling copies
    /// everything written so far). A hint for collections that know their
    /// length; the estimate is generous for short label values.
    pub fn reserve_series(&mut self, series: usize) {
        if self.discarding {
            return;
        }
        let rendered = self.desc.rendered();
        let labels: usize = rendered.label_starts.iter().map(|s| s.len() + 8).sum();
        // The line head, the label pairs with short values, `} `, a value of
        // up to 20 characters, and the newline.
        let per_series = rendered.head.len() + labels + 24;
        // A family that is streamed never holds more than `spill_at` and a series.
        let room = self
            .spill_at
            .saturating_sub(self.body.len())
            .saturating_add(per_series);
        self.body
            .reserve(series.saturating_mul(per_series).min(room));
    }

    /// Called after each series: streams the buffer once it is big enough
    /// (never, unless the scrape streams and this family may go out).
    #[inline]
    fn spill_point(&mut self) {
        if self.body.len() >= self.spill_at {
            self.spill();
        }
    }

    /// The scrape's consistency checks (for keyed collections to declare themselves).
    pub(crate) fn check_mut(&mut self) -> &mut ScrapeCheck {
        self.check
    }

    /// Writes one counter, gauge or untyped sample.
    ///
    /// # Errors
    ///
    /// [`CollectError::LabelArity`] when `labels` has a different number of
    /// values than the descriptor has label names; [`CollectError::WrongType`]
    /// on a histogram, summary, info or stateset family. Nothing is written then.
    #[inline]
    pub fn sample<L, V>(&mut self, labels: &L, value: V) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
        V: EncodeValue,
    {
        self.sample_with(labels, value, &SampleOpts::default())
    }

    /// Writes one counter, gauge or untyped sample with a timestamp or created time.
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample).
    #[inline]
    pub fn sample_with<L, V>(
        &mut self,
        labels: &L,
        value: V,
        opts: &SampleOpts,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
        V: EncodeValue,
    {
        if !matches!(
            self.desc.metric_type(),
            MetricType::Counter | MetricType::Gauge | MetricType::Untyped
        ) {
            return Err(self.wrong_type("scalar"));
        }
        self.scalar(labels, value.to_number(), opts, None)?;
        self.spill_point();
        Ok(())
    }

    /// Writes one counter, gauge or untyped sample per `(labels, value)`
    /// pair: what calling [`sample`](Self::sample) for each does, with the
    /// family's checks (type, format, what the line head looks like) made
    /// once instead of per series. Collections of series use it.
    ///
    /// ```
    /// use exporter_core::{Desc, Format, MetricEncoder, MetricType};
    ///
    /// let desc = Desc::new("http_requests_total", "Requests, by code.", MetricType::Counter, ["code"])?;
    /// let by_code = [(["200"], 1027_u64), (["404"], 3)];
    /// let mut encoder = MetricEncoder::new(Format::Text);
    /// encoder
    ///     .family(&desc)?
    ///     .samples(by_code.iter().map(|(code, n)| (code, *n)))?;
    /// let mut out = Vec::new();
    /// encoder.finish_into(&mut out);
    /// assert!(String::from_utf8(out)?.ends_with(
    ///     "http_requests_total{code=\"200\"} 1027\nhttp_requests_total{code=\"404\"} 3\n"
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample), at the first series that fails;
    /// the series before it stay written.
    #[inline]
    pub fn samples<'l, L, V, I>(&mut self, series: I) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized + 'l,
        V: EncodeValue,
        I: IntoIterator<Item = (&'l L, V)>,
    {
        if !matches!(
            self.desc.metric_type(),
            MetricType::Counter | MetricType::Gauge | MetricType::Untyped
        ) {
            return Err(self.wrong_type("scalar"));
        }
        if self.format != Format::Text {
            let opts = SampleOpts::default();
            return series.into_iter().try_for_each(|(labels, value)| {
                self.scalar(labels, value.to_number(), &opts, None)?;
                self.spill_point();
                Ok(())
            });
        }
        let line = text::ScalarLine::of(self.desc);
        if self.check.skip() {
            for (labels, value) in series {
                self.text_scalar_with(&line, false, labels, value.to_number())?;
                self.spill_point();
            }
            return Ok(());
        }
        // Checked in batches (see `HashSet64::insert_all` for why).
        let expected = self.desc.variable_labels().len();
        let head_len = self.desc.rendered().head.len();
        let mut series = series.into_iter();
        let mut hashes = [0u64; CHECK_BATCH];
        loop {
            let first_start = self.body.len();
            let mut n = 0;
            for (labels, value) in series.by_ref() {
                let start = self.body.len();
                let (got, labels_end) = line.write(self.body, labels, value.to_number());
                if got != expected {
                    self.check_batch(&hashes[..n], first_start)?;
                    return Err(self.unwrite(start, |fam| fam.arity_error(got)));
                }
                let written = self
                    .body
                    .get(start + head_len..labels_end)
                    .unwrap_or_default();
                hashes[n] = self.check.text_hash(written);
                n += 1;
                if n == CHECK_BATCH {
                    break;
                }
            }
            self.check_batch(&hashes[..n], first_start)?;
            // Only between batches: a batch refers to its lines by offset.
            self.spill_point();
            if n < CHECK_BATCH {
                return Ok(());
            }
        }
    }

    /// Runs the duplicate-series check on a batch of text lines, given their
    /// label hashes and where the first starts. On a repeated series, that
    /// line and all after it are removed.
    #[inline]
    fn check_batch(&mut self, hashes: &[u64], first_start: usize) -> Result<(), CollectError> {
        match self.check.text_series_all(hashes) {
            None => Ok(()),
            Some(repeat) => Err(self.repeated_line(first_start, repeat)),
        }
    }

    /// The error for the `nth` line from `first_start` on, a repeated series;
    /// removes it and every line after it.
    #[cold]
    #[inline(never)]
    fn repeated_line(&mut self, first_start: usize, nth: usize) -> CollectError {
        // Sample lines hold no raw newline (label values escape theirs).
        let lines = self.body.get(first_start..).unwrap_or_default();
        let start = first_start
            + lines
                .split_inclusive(|&b| b == b'\n')
                .take(nth)
                .map(<[u8]>::len)
                .sum::<usize>();
        let line = self.body.get(start..).unwrap_or_default();
        let labels_start = self.desc.rendered().head.len();
        // The labels end at the last quote before the line's value (one of
        // the head's const labels when there are no variable labels).
        let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
        let labels_end = line[..end]
            .iter()
            .rposition(|&b| b == b'"')
            .map_or(labels_start, |q| q.max(labels_start));
        let error = duplicate_text_series(
            self.desc,
            line.get(labels_start..labels_end).unwrap_or_default(),
        );
        self.body.truncate(start);
        error
    }

    /// Writes one counter sample with an exemplar (OpenMetrics and protobuf
    /// carry it; text 0.0.4 has no place for it and drops it).
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample); [`CollectError::WrongType`] on any
    /// family but a counter; [`ExemplarError`] (as [`CollectError::Other`])
    /// when the exemplar's labels are invalid or too long, in every format.
    pub fn sample_with_exemplar<L, V>(
        &mut self,
        labels: &L,
        value: V,
        opts: &SampleOpts,
        exemplar: &Exemplar<'_>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
        V: EncodeValue,
    {
        self.expect_type(&[MetricType::Counter], "counter with exemplar")?;
        exemplar.validate()?;
        self.scalar(labels, value.to_number(), opts, Some(exemplar))?;
        self.spill_point();
        Ok(())
    }

    #[inline]
    fn scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        opts: &SampleOpts,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        if self.format == Format::Text {
            return self.text_scalar(labels, value, opts.timestamp_ms);
        }
        self.check.series(self.desc, labels)?;
        self.guarded(|fam| match fam.format {
            Format::OpenMetrics => fam.om_scalar(labels, value, opts, exemplar),
            _ => fam.proto_scalar(labels, value, opts, exemplar),
        })
    }

    /// The text arm of [`scalar`](Self::scalar), the line a scrape writes
    /// most: written first, then checked by hashing its labels where they lie.
    #[inline]
    fn text_scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        timestamp_ms: Option<i64>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        match timestamp_ms {
            None => {
                let check = !self.check.skip();
                self.text_scalar_with(&text::ScalarLine::of(self.desc), check, labels, value)
            }
            Some(ts) => {
                let start = self.body.len();
                let (got, labels_end) =
                    text::scalar_into(self.body, self.desc, labels, value, Some(ts));
                self.checked_text_line(start, got, labels_end, !self.check.skip())
            }
        }
    }

    /// One text scalar line without a timestamp, `line` and `check` (whether
    /// the duplicate check runs) worked out by the caller, once per family
    /// when it writes many.
    #[inline]
    fn text_scalar_with<L>(
        &mut self,
        line: &text::ScalarLine<'_>,
        check: bool,
        labels: &L,
        value: Number,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        let start = self.body.len();
        let (got, labels_end) = line.write(self.body, labels, value);
        self.checked_text_line(start, got, labels_end, check)
    }

    /// Checks the text line just written from `start` on (`got` label values,
    /// the last ending at `labels_end`): the arity, then unless `check` is
    /// false whether the series was written before. A failing line is removed.
    #[inline]
    fn checked_text_line(
        &mut self,
        start: usize,
        got: usize,
        labels_end: usize,
        check: bool,
    ) -> Result<(), CollectError> {
        if got != self.desc.variable_labels().len() {
            return Err(self.unwrite(start, |fam| fam.arity_error(got)));
        }
        if check {
            let written = labels_written(self.body, self.desc, start, labels_end);
            if !self.check.text_series(written) {
                let error = duplicate_text_series(self.desc, written);
                return Err(self.unwrite(start, |_| error));
            }
        }
        Ok(())
    }

    /// Removes a line that failed a check from `start` on, and returns the
    /// error `error` makes; out of line, so the happy path stays small.
    #[cold]
    #[inline(never)]
    fn unwrite(&mut self, start: usize, error: impl FnOnce(&Self) -> CollectError) -> CollectError {
        let error = error(self);
        self.body.truncate(start);
        error
    }

    /// The OpenMetrics arm of [`scalar`](Self::scalar).
    #[inline(never)]
    fn om_scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        opts: &SampleOpts,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        let family = openmetrics::family_name(self.desc);
        let counter = self.desc.metric_type() == MetricType::Counter;
        let suffix = if counter { "_total" } else { "" };
        let mut line = text::Line::new(family, suffix, value, opts.timestamp_ms);
        line.exemplar = exemplar;
        self.om_line(&line, labels)?;
        if counter {
            self.om_created(family, labels, opts)?;
        }
        Ok(())
    }

    /// The protobuf arm of [`scalar`](Self::scalar), kept out of line so the
    /// text path stays small.
    #[inline(never)]
    fn proto_scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        opts: &SampleOpts,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        let desc = self.desc;
        let (label, got) = protobuf::label_pairs(desc, labels, None);
        self.check_arity(got)?;
        let v = Some(value.as_f64());
        let mut metric = protobuf::Metric {
            label,
            timestamp_ms: opts.timestamp_ms,
            ..Default::default()
        };
        match desc.metric_type() {
            MetricType::Counter => {
                metric.counter = Some(protobuf::Counter {
                    value: v,
                    exemplar: exemplar.map(protobuf::exemplar),
                    created_timestamp: opts.created.and_then(protobuf::Timestamp::from_secs_f64),
                });
            }
            MetricType::Gauge => metric.gauge = Some(protobuf::Gauge { value: v }),
            _ => metric.untyped = Some(protobuf::Untyped { value: v }),
        }
        protobuf::metric_into(self.body, &metric);
        Ok(())
    }

    /// Writes one histogram series.
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample), for non-histogram families.
    pub fn histogram<L>(
        &mut self,
        labels: &L,
        value: &HistogramValue<'_>,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        self.histogram_with(labels, value, &SampleOpts::default(), &[])
    }

    /// Writes one histogram series with a timestamp, created time and bucket
    /// exemplars: `exemplars[i]` belongs to `value.buckets[i]`, and the entry
    /// after the last bucket to the implicit `+Inf` bucket. Missing entries
    /// mean no exemplar.
    ///
    /// # Errors
    ///
    /// As for [`histogram`](Self::histogram), and [`ExemplarError`] as for
    /// [`sample_with_exemplar`](Self::sample_with_exemplar).
    pub fn histogram_with<L>(
        &mut self,
        labels: &L,
        value: &HistogramValue<'_>,
        opts: &SampleOpts,
        exemplars: &[Option<Exemplar<'_>>],
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        self.expect_type(&[MetricType::Histogram], "histogram")?;
        for e in exemplars.iter().flatten() {
            e.validate()?;
        }
        self.check.series(self.desc, labels)?;
        let desc = self.desc;
        let ts = opts.timestamp_ms;
        let exemplar_at = |i: usize| exemplars.get(i).and_then(Option::as_ref);
        self.guarded_series(|fam| {
            if fam.format == Format::Protobuf {
                let (label, got) = protobuf::label_pairs(desc, labels, None);
                fam.check_arity(got)?;
                let bucket = value
                    .buckets
                    .iter()
                    .enumerate()
                    .map(|(i, &(le, count))| protobuf::Bucket {
                        cumulative_count: Some(count),
                        upper_bound: Some(le),
                        exemplar: exemplar_at(i).map(protobuf::exemplar),
                        ..Default::default()
                    })
                    .collect();
                let metric = protobuf::Metric {
                    label,
                    timestamp_ms: ts,
                    histogram: Some(protobuf::Histogram {
                        sample_count: Some(value.count),
                        sample_sum: Some(value.sum),
                        bucket,
                        created_timestamp: opts
                            .created
                            .and_then(protobuf::Timestamp::from_secs_f64),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                protobuf::metric_into(fam.body, &metric);
                return Ok(());
            }
            let name = desc.name();
            let mut last_inf = false;
            let inf_bucket = (f64::INFINITY, value.count);
            let implicit = value
                .buckets
                .last()
                .is_none_or(|&(le, _)| le != f64::INFINITY);
            let all = value.buckets.iter().chain(implicit.then_some(&inf_bucket));
            for (i, &(le, count)) in all.enumerate() {
                last_inf = le == f64::INFINITY;
                let mut line = text::Line::new(name, "_bucket", Number::Uint(count), ts);
                line.extra = text::Extra::Float("le", le);
                line.exemplar = exemplar_at(i);
                fam.line(&line, labels)?;
            }
            debug_assert!(last_inf);
            // OpenMetrics: "negative threshold buckets MAY be used, but then the
            // Histogram MetricPoint MUST NOT contain a sum value", and `_count`
            // appears if and only if `_sum` does.
            let om = fam.format == Format::OpenMetrics;
            if !(om && value.buckets.iter().any(|&(le, _)| le < 0.0)) {
                fam.line(
                    &text::Line::new(name, "_sum", Number::Float(value.sum), ts),
                    labels,
                )?;
                fam.line(
                    &text::Line::new(name, "_count", Number::Uint(value.count), ts),
                    labels,
                )?;
            }
            if om {
                fam.om_created(name, labels, opts)?;
            }
            Ok(())
        })
    }

    /// Writes one summary series.
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample), for non-summary families.
    pub fn summary<L>(&mut self, labels: &L, value: &SummaryValue<'_>) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        self.summary_with(labels, value, &SampleOpts::default())
    }

    /// Writes one summary series with a timestamp or created time.
    ///
    /// # Errors
    ///
    /// As for [`summary`](Self::summary).
    pub fn summary_with<L>(
        &mut self,
        labels: &L,
        value: &SummaryValue<'_>,
        opts: &SampleOpts,
    ) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        self.expect_type(&[MetricType::Summary], "summary")?;
        self.check.series(self.desc, labels)?;
        let desc = self.desc;
        let ts = opts.timestamp_ms;
        self.guarded_series(|fam| {
            if fam.format == Format::Protobuf {
                let (label, got) = protobuf::label_pairs(desc, labels, None);
                fam.check_arity(got)?;
                let metric = protobuf::Metric {
                    label,
                    timestamp_ms: ts,
                    summary: Some(protobuf::Summary {
                        sample_count: Some(value.count),
                        sample_sum: Some(value.sum),
                        quantile: value
                            .quantiles
                            .iter()
                            .map(|&(q, v)| protobuf::Quantile {
                                quantile: Some(q),
                                value: Some(v),
                            })
                            .collect(),
                        created_timestamp: opts
                            .created
                            .and_then(protobuf::Timestamp::from_secs_f64),
                    }),
                    ..Default::default()
                };
                protobuf::metric_into(fam.body, &metric);
                return Ok(());
            }
            let name = desc.name();
            for &(q, v) in value.quantiles {
                let mut line = text::Line::new(name, "", Number::Float(v), ts);
                line.extra = text::Extra::Float("quantile", q);
                fam.line(&line, labels)?;
            }
            fam.line(
                &text::Line::new(name, "_sum", Number::Float(value.sum), ts),
                labels,
            )?;
            fam.line(
                &text::Line::new(name, "_count", Number::Uint(value.count), ts),
                labels,
            )?;
            if fam.format == Format::OpenMetrics {
                fam.om_created(name, labels, opts)?;
            }
            Ok(())
        })
    }

    /// Writes one info series: `labels` describe the target, the value is 1.
    ///
    /// OpenMetrics writes an `info` family (sample `<family>_info`); text and
    /// protobuf a gauge `<family>_info`, where the family is the descriptor
    /// name without a trailing `_info`.
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample), for non-info families.
    pub fn info<L>(&mut self, labels: &L) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        self.expect_type(&[MetricType::Info], "info")?;
        self.check.series(self.desc, labels)?;
        let desc = self.desc;
        let family = openmetrics::family_name(desc);
        self.guarded_series(|fam| match fam.format {
            Format::Text | Format::OpenMetrics => fam.line(
                &text::Line::new(family, "_info", Number::Uint(1), None),
                labels,
            ),
            Format::Protobuf => {
                let (label, got) = protobuf::label_pairs(desc, labels, None);
                fam.check_arity(got)?;
                let metric = protobuf::Metric {
                    label,
                    gauge: Some(protobuf::Gauge { value: Some(1.0) }),
                    ..Default::default()
                };
                protobuf::metric_into(fam.body, &metric);
                Ok(())
            }
        })
    }

    /// Writes one stateset series: one sample per state, labelled with the
    /// family name, 1 for the states that hold and 0 for the others.
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample), for non-stateset families.
    pub fn stateset<L>(&mut self, labels: &L, states: &[(&str, bool)]) -> Result<(), CollectError>
    where
        L: EncodeLabelValues + ?Sized,
    {
        self.expect_type(&[MetricType::StateSet], "stateset")?;
        self.check.series(self.desc, labels)?;
        let desc = self.desc;
        let name = desc.name();
        self.guarded_series(|fam| {
            for &(state, on) in states {
                let value = Number::Uint(u64::from(on));
                if fam.format == Format::Protobuf {
                    let (label, got) = protobuf::label_pairs(desc, labels, Some((name, state)));
                    fam.check_arity(got)?;
                    let metric = protobuf::Metric {
                        label,
                        gauge: Some(protobuf::Gauge {
                            value: Some(value.as_f64()),
                        }),
                        ..Default::default()
                    };
                    protobuf::metric_into(fam.body, &metric);
                } else {
                    let mut line = text::Line::new(name, "", value, None);
                    line.extra = text::Extra::Str(name, state);
                    fam.line(&line, labels)?;
                }
            }
            Ok(())
        })
    }

    fn expect_type(&self, allowed: &[MetricType], got: &'static str) -> Result<(), CollectError> {
        if allowed.contains(&self.desc.metric_type()) {
            Ok(())
        } else {
            Err(self.wrong_type(got))
        }
    }

    #[cold]
    fn wrong_type(&self, got: &'static str) -> CollectError {
        CollectError::WrongType {
            name: self.desc.name().to_owned(),
            metric_type: self.desc.metric_type(),
            got,
        }
    }

    /// [`guarded`](Self::guarded) for a whole series, which may then be streamed.
    #[inline]
    fn guarded_series(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        self.guarded(write)?;
        self.spill_point();
        Ok(())
    }

    /// Runs `write`, and removes its partial output if it fails.
    #[inline]
    fn guarded(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        let start = self.body.len();
        let result = write(self);
        if result.is_err() {
            self.body.truncate(start);
        }
        result
    }

    #[inline]
    fn check_arity(&self, got: usize) -> Result<(), CollectError> {
        if got == self.desc.variable_labels().len() {
            Ok(())
        } else {
            Err(self.arity_error(got))
        }
    }

    #[cold]
    fn arity_error(&self, got: usize) -> CollectError {
        CollectError::LabelArity {
            name: self.desc.name().to_owned(),
            expected: self.desc.variable_labels().len(),
            got,
        }
    }

    /// One line in whichever text format this is.
    #[inline]
    fn line<L: EncodeLabelValues + ?Sized>(
        &mut self,
        line: &text::Line<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        match self.format {
            Format::OpenMetrics => self.om_line(line, labels),
            _ => self.text_line(line, labels),
        }
    }

    #[inline]
    fn text_line<L: EncodeLabelValues + ?Sized>(
        &mut self,
        line: &text::Line<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        let got = text::line_into(self.body, self.desc, line, labels, text::Flavor::Text);
        self.check_arity(got)
    }

    #[inline]
    fn om_line<L: EncodeLabelValues + ?Sized>(
        &mut self,
        line: &text::Line<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        let got = text::line_into(
            self.body,
            self.desc,
            line,
            labels,
            text::Flavor::OpenMetrics,
        );
        self.check_arity(got)
    }

    /// The OpenMetrics `<family>_created` line, when there is a created time.
    fn om_created<L: EncodeLabelValues + ?Sized>(
        &mut self,
        family: &str,
        labels: &L,
        opts: &SampleOpts,
    ) -> Result<(), CollectError> {
        match opts.created {
            Some(created) => self.om_line(
                &text::Line::new(
                    family,
                    "_created",
                    Number::Float(created),
                    opts.timestamp_ms,
                ),
                labels,
            ),
            None => Ok(()),
        }
    }
}
