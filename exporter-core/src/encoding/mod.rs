//! Exposition formats, and the sink collectors write their samples into.
//!
//! A scrape creates one [`MetricEncoder`] for the negotiated [`Format`]; each
//! collector asks it for a [`FamilyEncoder`] per descriptor and writes its
//! samples there. Samples go straight into per-family byte buffers (no
//! intermediate metric objects); [`MetricEncoder::finish_into`] then writes the
//! families, sorted by name, each with its header.

pub(crate) mod escape;
mod text;

use std::collections::HashMap;

use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::labels::{EncodeLabelValues, LabelWriter};
use crate::registry::check::ScrapeCheck;
use crate::registry::wrap::WrapStack;
use crate::value::{EncodeValue, Number};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
}

impl Format {
    /// The `Content-Type` header value for responses in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// Optional parts of a sample beyond its labels and value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SampleOpts {
    /// Sample timestamp in milliseconds since the Unix epoch. Default is none
    /// (the server uses the scrape time), which is what exporters should do.
    pub timestamp_ms: Option<i64>,
    /// When the series was created, in seconds since the Unix epoch
    /// (OpenMetrics `_created`). Default is none.
    pub created: Option<f64>,
}

/// A histogram sample: cumulative bucket counts, sum and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistogramValue<'a> {
    /// `(upper bound, cumulative count)` in increasing bound order. A `+Inf`
    /// bucket is added from `count` when the last bound is finite.
    pub buckets: &'a [(f64, u64)],
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

/// A summary sample: quantiles, sum and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryValue<'a> {
    /// `(quantile, value)` pairs, quantiles in `[0, 1]`.
    pub quantiles: &'a [(f64, f64)],
    /// Sum of all observations.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

struct Family {
    desc: Desc,
    body: Vec<u8>,
    /// The collector pass that last touched this family (see `begin`).
    epoch: u64,
}

/// The sink of one scrape: collectors write families and samples into it.
pub struct MetricEncoder {
    format: Format,
    families: Vec<Family>,
    index: HashMap<String, usize>,
    epoch: u64,
    /// Families that existed when the current collector started.
    families_before: usize,
    /// `(family, body length)` to restore if the current collector fails.
    undo: Vec<(usize, usize)>,
    /// Duplicate-series and name-collision checks (owned by the registry module).
    check: ScrapeCheck,
    /// Prefix/const-label rewriting in force (owned by the registry module).
    pub(crate) wraps: WrapStack,
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
            index: HashMap::new(),
            epoch: 0,
            families_before: 0,
            undo: Vec::new(),
            check: ScrapeCheck::default(),
            wraps: WrapStack::default(),
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
        let idx = match self.index.get(desc.name()) {
            Some(&idx) => {
                let fam = &mut self.families[idx];
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
                self.families.push(Family {
                    desc: desc.clone(),
                    body: Vec::new(),
                    epoch: self.epoch,
                });
                self.index.insert(desc.name().to_owned(), idx);
                idx
            }
        };
        Ok(FamilyEncoder {
            format: self.format,
            desc,
            body: &mut self.families[idx].body,
            check: &mut self.check,
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

    /// Removes everything written since the last [`begin`](Self::begin).
    pub(crate) fn rollback(&mut self) {
        for &(idx, len) in &self.undo {
            self.families[idx].body.truncate(len);
        }
        self.undo.clear();
        for fam in self.families.drain(self.families_before..) {
            self.index.remove(fam.desc.name());
        }
        self.check.rollback();
    }

    /// Writes every family (sorted by name, empty ones left out) to `out`.
    pub fn finish_into(mut self, out: &mut Vec<u8>) {
        self.families
            .sort_unstable_by(|a, b| a.desc.name().cmp(b.desc.name()));
        let total: usize = self.families.iter().map(|f| f.body.len() + 128).sum();
        out.reserve(total);
        for fam in &self.families {
            if fam.body.is_empty() {
                continue;
            }
            match self.format {
                Format::Text => text::header_into(out, &fam.desc),
            }
            out.extend_from_slice(&fam.body);
        }
    }
}

fn consistent(a: &Desc, b: &Desc) -> bool {
    a.metric_type() == b.metric_type()
        && a.help() == b.help()
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
}

impl FamilyEncoder<'_> {
    /// The descriptor of this family.
    pub fn desc(&self) -> &Desc {
        self.desc
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
        self.expect_type(
            &[MetricType::Counter, MetricType::Gauge, MetricType::Untyped],
            "scalar",
        )?;
        self.check.series(self.desc, labels)?;
        let value = value.to_number();
        self.guarded(|fam| match fam.format {
            Format::Text => fam.text_line("", labels, None, value, opts.timestamp_ms),
        })
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
        self.expect_type(&[MetricType::Histogram], "histogram")?;
        self.check.series(self.desc, labels)?;
        self.guarded(|fam| match fam.format {
            Format::Text => {
                let mut last_inf = false;
                for &(le, count) in value.buckets {
                    last_inf = le == f64::INFINITY;
                    fam.text_line(
                        "_bucket",
                        labels,
                        Some(("le", Number::Float(le))),
                        Number::Uint(count),
                        None,
                    )?;
                }
                if !last_inf {
                    fam.text_line(
                        "_bucket",
                        labels,
                        Some(("le", Number::Float(f64::INFINITY))),
                        Number::Uint(value.count),
                        None,
                    )?;
                }
                fam.text_line("_sum", labels, None, Number::Float(value.sum), None)?;
                fam.text_line("_count", labels, None, Number::Uint(value.count), None)
            }
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
        self.expect_type(&[MetricType::Summary], "summary")?;
        self.check.series(self.desc, labels)?;
        self.guarded(|fam| match fam.format {
            Format::Text => {
                for &(q, v) in value.quantiles {
                    fam.text_line(
                        "",
                        labels,
                        Some(("quantile", Number::Float(q))),
                        Number::Float(v),
                        None,
                    )?;
                }
                fam.text_line("_sum", labels, None, Number::Float(value.sum), None)?;
                fam.text_line("_count", labels, None, Number::Uint(value.count), None)
            }
        })
    }

    fn expect_type(&self, allowed: &[MetricType], got: &'static str) -> Result<(), CollectError> {
        if allowed.contains(&self.desc.metric_type()) {
            Ok(())
        } else {
            Err(CollectError::WrongType {
                name: self.desc.name().to_owned(),
                metric_type: self.desc.metric_type(),
                got,
            })
        }
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
    fn text_line<L: EncodeLabelValues + ?Sized>(
        &mut self,
        suffix: &str,
        labels: &L,
        extra: Option<(&str, Number)>,
        value: Number,
        timestamp_ms: Option<i64>,
    ) -> Result<(), CollectError> {
        let got = text::sample_into(
            self.body,
            self.desc,
            suffix,
            labels,
            extra,
            value,
            timestamp_ms,
        );
        let expected = self.desc.variable_labels().len();
        if got == expected {
            Ok(())
        } else {
            Err(CollectError::LabelArity {
                name: self.desc.name().to_owned(),
                expected,
                got,
            })
        }
    }
}

/// Writes the label values of a series with a [`LabelWriter`]; shared by the text formats.
#[inline]
pub(crate) fn write_text_labels<L: EncodeLabelValues + ?Sized>(
    out: &mut Vec<u8>,
    names: &[String],
    labels: &L,
    needs_comma: bool,
) -> usize {
    let mut w = LabelWriter::text(names, out, needs_comma);
    labels.encode_label_values(&mut w);
    w.count()
}
