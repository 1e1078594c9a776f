//! Prometheus text format 0.0.4 (its sample lines are [`super::line`]'s, shared with OpenMetrics).
//!
//! ```text
//! # HELP a_hello_world_exporter Help Info for Hello World Exporter
//! # TYPE a_hello_world_exporter gauge
//! a_hello_world_exporter{name="haohao"} 81
//! ```
//!
//! Info and stateset families, which 0.0.4 cannot express, are gauges: an info
//! family `foo` is the gauge `foo_info` with value 1 (what Prometheus stores
//! when it ingests the OpenMetrics form), a stateset `foo` the gauge `foo`
//! with one series per state, labelled `foo="<state>"`, valued 1 or 0.

use std::borrow::Cow;

use super::check::duplicate_text_series;
use super::line::{labels_written, line_into, scalar_into, Extra, Flavor, Line, ScalarLine};
use super::{FamilyEncoder, Format};
use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::labels::LabelSet;
use crate::value::{EncodeValue, Exemplar, HistogramValue, Number, SampleOpts, SummaryValue};

/// Writes the `# HELP` and `# TYPE` lines of a family.
pub(super) fn header_into(out: &mut Vec<u8>, desc: &Desc) {
    let name = name_as_written(desc, family_name(desc));
    out.extend_from_slice(b"# HELP ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    out.extend_from_slice(desc.rendered().help.as_bytes());
    out.extend_from_slice(b"\n# TYPE ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    out.extend_from_slice(desc.metric_type().as_text_str().as_bytes());
    out.push(b'\n');
}

/// A name on a `# HELP`/`# TYPE`/`# UNIT` line: bare, or for a descriptor
/// whose name is not a legacy one (only under `allow-utf-8`; other schemes
/// get an escaped descriptor), quoted, as Go's `writeName` does.
pub(super) fn name_as_written<'n>(desc: &Desc, name: Cow<'n, str>) -> Cow<'n, str> {
    if desc.rendered().quoted_name.is_some() {
        Cow::Owned(crate::desc::quote(&name))
    } else {
        name
    }
}

/// The family name in text and protobuf: the descriptor's name, except that an
/// info family is named after its `_info` sample.
pub(super) fn family_name(desc: &Desc) -> Cow<'_, str> {
    if desc.metric_type() == MetricType::Info {
        let family = super::openmetrics::family_name(desc);
        Cow::Owned(format!("{family}_info"))
    } else {
        Cow::Borrowed(desc.name())
    }
}

/// Text lines [`FamilyEncoder::samples`] writes before it runs the
/// duplicate-series check on them together: enough for their table lookups
/// to overlap (see `HashSet64::insert_all`), few enough for their hashes to
/// stay on the stack. (Where each line starts is found again by counting
/// newlines, when one fails the check.)
const CHECK_BATCH: usize = 32;

// The text formats' arms of [`FamilyEncoder`]: Prometheus text 0.0.4, and the
// lines OpenMetrics shares with it (`line` picks the flavor).
impl FamilyEncoder<'_> {
    /// The text arm of [`FamilyEncoder::samples`]: the default scrape path
    /// of a collection, checked in batches (see `HashSet64::insert_all`).
    #[inline]
    pub(super) fn text_samples<'l, L, V, I>(&mut self, series: I) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized + 'l,
        V: EncodeValue,
        I: IntoIterator<Item = (&'l L, V)>,
    {
        let line = ScalarLine::of(self.desc);
        // A counter total must not be NaN or negative (see `DroppedSeries`).
        let counter = self.desc.metric_type() == MetricType::Counter;
        if self.check.skip() {
            for (labels, value) in series {
                let value = value.to_number();
                if counter && !value.is_counter_value() {
                    self.drop_counter_series(labels, value)?;
                    continue;
                }
                self.text_scalar_with(&line, false, labels, value)?;
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
                let value = value.to_number();
                if counter && !value.is_counter_value() {
                    if let Err(e) = self.drop_counter_series(labels, value) {
                        self.check_batch(&hashes[..n], first_start)?;
                        return Err(e);
                    }
                    continue;
                }
                let start = self.body.len();
                let (got, labels_end) = line.write(self.body, labels, value);
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

    /// The text arm of [`scalar`](Self::scalar), the line a scrape writes
    /// most: written first, then checked by hashing its labels where they lie.
    #[inline]
    pub(super) fn text_scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        timestamp_ms: Option<i64>,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        match timestamp_ms {
            None => {
                let check = !self.check.skip();
                self.text_scalar_with(&ScalarLine::of(self.desc), check, labels, value)
            }
            Some(ts) => {
                let start = self.body.len();
                let (got, labels_end) = scalar_into(self.body, self.desc, labels, value, Some(ts));
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
        line: &ScalarLine<'_>,
        check: bool,
        labels: &L,
        value: Number,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
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

    /// One line in whichever text format this is.
    #[inline]
    pub(super) fn line<L: LabelSet + ?Sized>(
        &mut self,
        line: &Line<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        match self.format {
            Format::OpenMetrics => self.om_line(line, labels),
            _ => self.text_line(line, labels),
        }
    }

    #[inline]
    fn text_line<L: LabelSet + ?Sized>(
        &mut self,
        line: &Line<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        let got = line_into(self.body, self.desc, line, labels, Flavor::Text);
        self.check_arity(got)
    }

    /// The histogram lines of both text formats: every bucket (with an
    /// explicit `+Inf`), `_sum`, `_count`, and in OpenMetrics `_created`.
    pub(super) fn text_histogram<L>(
        &mut self,
        labels: &L,
        value: &HistogramValue<'_>,
        opts: &SampleOpts,
        exemplars: &[Option<Exemplar<'_>>],
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let name = self.desc.name();
        let ts = opts.timestamp_ms;
        let mut last_inf = false;
        let inf_bucket = (f64::INFINITY, value.count);
        let implicit = value
            .buckets
            .last()
            .is_none_or(|&(le, _)| le != f64::INFINITY);
        let all = value.buckets.iter().chain(implicit.then_some(&inf_bucket));
        for (i, &(le, count)) in all.enumerate() {
            last_inf = le == f64::INFINITY;
            let mut line = Line::new(name, "_bucket", Number::Uint(count), ts);
            line.extra = Extra::Float("le", le);
            line.exemplar = exemplars.get(i).and_then(Option::as_ref);
            self.line(&line, labels)?;
        }
        debug_assert!(last_inf);
        // OpenMetrics: "negative threshold buckets MAY be used, but then the
        // Histogram MetricPoint MUST NOT contain a sum value", and `_count`
        // appears if and only if `_sum` does.
        let om = self.format == Format::OpenMetrics;
        if !(om && value.buckets.iter().any(|&(le, _)| le < 0.0)) {
            self.line(
                &Line::new(name, "_sum", Number::Float(value.sum), ts),
                labels,
            )?;
            self.line(
                &Line::new(name, "_count", Number::Uint(value.count), ts),
                labels,
            )?;
        }
        if om {
            self.om_created(name, labels, opts)?;
        }
        Ok(())
    }

    /// The summary lines of both text formats: quantiles, `_sum`, `_count`,
    /// and in OpenMetrics `_created`.
    pub(super) fn text_summary<L>(
        &mut self,
        labels: &L,
        value: &SummaryValue<'_>,
        opts: &SampleOpts,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let name = self.desc.name();
        let ts = opts.timestamp_ms;
        for &(q, v) in value.quantiles {
            let mut line = Line::new(name, "", Number::Float(v), ts);
            line.extra = Extra::Float("quantile", q);
            self.line(&line, labels)?;
        }
        self.line(
            &Line::new(name, "_sum", Number::Float(value.sum), ts),
            labels,
        )?;
        self.line(
            &Line::new(name, "_count", Number::Uint(value.count), ts),
            labels,
        )?;
        if self.format == Format::OpenMetrics {
            self.om_created(name, labels, opts)?;
        }
        Ok(())
    }

    /// An info series in both text formats: `<family>_info 1`.
    pub(super) fn text_info<L>(&mut self, labels: &L) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let family = super::openmetrics::family_name(self.desc);
        self.line(&Line::new(family, "_info", Number::Uint(1), None), labels)
    }

    /// A stateset series in both text formats: one line per state, labelled
    /// with the family name, 1 or 0.
    pub(super) fn text_stateset<L>(
        &mut self,
        labels: &L,
        states: &[(&str, bool)],
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let name = self.desc.name();
        for &(state, on) in states {
            let mut line = Line::new(name, "", Number::Uint(u64::from(on)), None);
            line.extra = Extra::Str(name, state);
            self.line(&line, labels)?;
        }
        Ok(())
    }
}
