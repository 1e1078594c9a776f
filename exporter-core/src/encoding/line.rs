//! One sample line of the text formats, `<name><suffix>{<labels>} <value>
//! [<timestamp>] [# <exemplar>]`: written for Prometheus text 0.0.4 by
//! [`super::text`] and for OpenMetrics by [`super::openmetrics`], which
//! differ only in how floats and timestamps are printed and in exemplars
//! ([`Flavor`]).

use crate::desc::Desc;
use crate::labels::{LabelSet, LabelWriter};
use crate::value::{write_float, Exemplar, Number};

/// Which text format a line is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    /// Prometheus 0.0.4: floats in shortest form, timestamps in milliseconds, no exemplars.
    Text,
    /// OpenMetrics 1.0.0: floats always with `.` or `e`, timestamps in seconds, exemplars.
    OpenMetrics,
}

/// The label a line adds after the series' own labels.
#[derive(Debug, Clone, Copy)]
pub(super) enum Extra<'a> {
    None,
    /// `le` or `quantile`, printed as a float.
    Float(&'static str, f64),
    /// The stateset label.
    Str(&'a str, &'a str),
}

/// One sample line: `<base><suffix>{const,labels,extra} value [timestamp] [# exemplar]`.
#[derive(Debug)]
pub(super) struct Line<'a> {
    pub(super) base: &'a str,
    pub(super) suffix: &'static str,
    pub(super) extra: Extra<'a>,
    pub(super) value: Number,
    pub(super) timestamp_ms: Option<i64>,
    pub(super) exemplar: Option<&'a Exemplar<'a>>,
}

impl<'a> Line<'a> {
    #[inline]
    pub(super) fn new(
        base: &'a str,
        suffix: &'static str,
        value: Number,
        timestamp_ms: Option<i64>,
    ) -> Self {
        Line {
            base,
            suffix,
            extra: Extra::None,
            value,
            timestamp_ms,
            exemplar: None,
        }
    }
}

/// What every counter, gauge or untyped line of one family starts and ends
/// with, looked up once for a family's many lines.
#[derive(Debug)]
pub(super) struct ScalarLine<'a> {
    /// The descriptor's pre-rendered head: name, const labels and the first
    /// label's `name="`.
    head: &'a [u8],
    /// How the labels end: `"} ` after variable labels (whose last closing
    /// quote is written here), `} ` after const labels only, ` ` without
    /// labels. Each is a suffix of the first, so this is its length.
    close: usize,
    /// The descriptor's `,name="` per variable label.
    starts: &'a [Box<str>],
}

impl<'a> ScalarLine<'a> {
    #[inline]
    pub(super) fn of(desc: &'a Desc) -> Self {
        let rendered = desc.rendered();
        ScalarLine {
            head: rendered.head.as_bytes(),
            close: if !rendered.label_starts.is_empty() {
                3
            } else if !rendered.const_labels.is_empty() || rendered.quoted_name.is_some() {
                2
            } else {
                1
            },
            starts: &rendered.label_starts,
        }
    }

    /// Writes one sample line in text 0.0.4, `name{const,labels} value`.
    ///
    /// This is the line a scrape writes most, so it takes the shortest path:
    /// the head in one copy, each further label's `,name="` in one copy, and
    /// the closing `} `, the value and the newline in one more.
    ///
    /// Returns the number of label values `labels` supplied, for the arity
    /// check, and where the label values end in `out` (before the last
    /// closing quote), for the duplicate-series check. (With too few values,
    /// the line is left unfinished; the caller removes it.)
    ///
    /// Always inlined: outlined (as the compiler chooses once it has two
    /// callers) the call and the spilled registers cost ~35 instructions a line.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(super) fn write<L: LabelSet + ?Sized>(
        &self,
        out: &mut Vec<u8>,
        labels: &L,
        value: Number,
    ) -> (usize, usize) {
        out.extend_from_slice(self.head);
        let mut w = LabelWriter::text_after_head_open(self.starts, out);
        labels.encode_label_values(&mut w);
        let got = w.count();
        let labels_end = out.len();
        value.write_text_line_end(out, self.close);
        (got, labels_end)
    }
}

/// Like [`ScalarLine::write`], with a timestamp (in milliseconds).
#[inline]
pub(super) fn scalar_into<L: LabelSet + ?Sized>(
    out: &mut Vec<u8>,
    desc: &Desc,
    labels: &L,
    value: Number,
    timestamp_ms: Option<i64>,
) -> (usize, usize) {
    let line = ScalarLine::of(desc);
    let Some(ts) = timestamp_ms else {
        return line.write(out, labels, value);
    };
    out.extend_from_slice(line.head);
    let mut w = LabelWriter::text_after_head_open(line.starts, out);
    labels.encode_label_values(&mut w);
    let got = w.count();
    let labels_end = out.len();
    out.extend_from_slice(&b"\"} "[3 - line.close..]);
    value.write_text(out);
    out.push(b' ');
    out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes());
    out.push(b'\n');
    (got, labels_end)
}

/// Writes one sample line of any kind, in either text format.
///
/// Returns the number of label values `labels` supplied, for the arity check.
#[inline]
pub(super) fn line_into<L: LabelSet + ?Sized>(
    out: &mut Vec<u8>,
    desc: &Desc,
    line: &Line<'_>,
    labels: &L,
    flavor: Flavor,
) -> usize {
    let quoted = desc.rendered().quoted_name.is_some();
    if quoted {
        // The quoted syntax (`allow-utf-8`): `{"name_suffix",labels...}`.
        out.extend_from_slice(b"{\"");
        crate::escape::label_value_into(out, line.base);
        out.extend_from_slice(line.suffix.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(line.base.as_bytes());
        out.extend_from_slice(line.suffix.as_bytes());
    }
    let const_labels = desc.rendered().const_labels.as_bytes();
    let names = desc.variable_labels();
    let got;
    if !quoted && const_labels.is_empty() && names.is_empty() && matches!(line.extra, Extra::None) {
        // No braces; still count what `labels` supplies (it should be nothing).
        got = write_labels(out, desc, labels, false);
    } else {
        if quoted {
            if !const_labels.is_empty() {
                out.push(b',');
            }
        } else {
            out.push(b'{');
        }
        out.extend_from_slice(const_labels);
        got = write_labels(out, desc, labels, quoted || !const_labels.is_empty());
        let comma = quoted || !const_labels.is_empty() || !names.is_empty();
        match line.extra {
            Extra::None => {}
            Extra::Float(name, v) => {
                label_start(out, comma, name);
                float_into(out, v, flavor);
                out.push(b'"');
            }
            Extra::Str(name, v) => {
                label_start(out, comma, name);
                crate::escape::label_value_into(out, v);
                out.push(b'"');
            }
        }
        out.push(b'}');
    }
    out.push(b' ');
    match line.value {
        Number::Float(v) => float_into(out, v, flavor),
        n => n.write_text(out),
    }
    if let Some(ts) = line.timestamp_ms {
        out.push(b' ');
        match flavor {
            Flavor::Text => out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes()),
            Flavor::OpenMetrics => super::openmetrics::millis_as_seconds_into(out, ts),
        }
    }
    if flavor == Flavor::OpenMetrics {
        if let Some(e) = line.exemplar {
            super::openmetrics::exemplar_into(out, e);
        }
    }
    out.push(b'\n');
    got
}

#[inline]
fn label_start(out: &mut Vec<u8>, comma: bool, name: &str) {
    if comma {
        out.push(b',');
    }
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"=\"");
}

#[inline]
fn float_into(out: &mut Vec<u8>, v: f64, flavor: Flavor) {
    match flavor {
        Flavor::Text => write_float(out, v),
        Flavor::OpenMetrics => super::openmetrics::float_into(out, v),
    }
}

/// Writes the label values of a series with a [`LabelWriter`].
#[inline]
fn write_labels<L: LabelSet + ?Sized>(
    out: &mut Vec<u8>,
    desc: &Desc,
    labels: &L,
    needs_comma: bool,
) -> usize {
    let mut w = LabelWriter::text(&desc.rendered().label_starts, out, needs_comma);
    labels.encode_label_values(&mut w);
    w.count()
}

/// The variable labels of the text line written into `body` from `start`,
/// which end at `labels_end`: what the duplicate-series check hashes.
#[inline]
pub(super) fn labels_written<'b>(
    body: &'b [u8],
    desc: &Desc,
    start: usize,
    labels_end: usize,
) -> &'b [u8] {
    let labels_start = start + desc.rendered().head.len();
    body.get(labels_start..labels_end).unwrap_or_default()
}
