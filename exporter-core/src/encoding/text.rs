//! Prometheus text format 0.0.4, and the sample-line writer it shares with OpenMetrics.
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

use crate::desc::{Desc, MetricType};
use crate::labels::{EncodeLabelValues, LabelWriter};
use crate::value::Exemplar;
use crate::value::{write_float, Number};

/// Writes the `# HELP` and `# TYPE` lines of a family.
pub(super) fn header_into(out: &mut Vec<u8>, desc: &Desc) {
    let name = family_name(desc);
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
            } else if !rendered.const_labels.is_empty() {
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
    pub(super) fn write<L: EncodeLabelValues + ?Sized>(
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
pub(super) fn scalar_into<L: EncodeLabelValues + ?Sized>(
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
pub(super) fn line_into<L: EncodeLabelValues + ?Sized>(
    out: &mut Vec<u8>,
    desc: &Desc,
    line: &Line<'_>,
    labels: &L,
    flavor: Flavor,
) -> usize {
    out.extend_from_slice(line.base.as_bytes());
    out.extend_from_slice(line.suffix.as_bytes());
    let const_labels = desc.rendered().const_labels.as_bytes();
    let names = desc.variable_labels();
    let got;
    if const_labels.is_empty() && names.is_empty() && matches!(line.extra, Extra::None) {
        // No braces; still count what `labels` supplies (it should be nothing).
        got = write_labels(out, desc, labels, false);
    } else {
        out.push(b'{');
        out.extend_from_slice(const_labels);
        got = write_labels(out, desc, labels, !const_labels.is_empty());
        let comma = !const_labels.is_empty() || !names.is_empty();
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
fn write_labels<L: EncodeLabelValues + ?Sized>(
    out: &mut Vec<u8>,
    desc: &Desc,
    labels: &L,
    needs_comma: bool,
) -> usize {
    let mut w = LabelWriter::text(&desc.rendered().label_starts, out, needs_comma);
    labels.encode_label_values(&mut w);
    w.count()
}
