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
mod encoder;
mod line;
mod negotiate;
mod openmetrics;
// The messages are also the tests' decoder (they include the file), hence `pub` items.
#[allow(unreachable_pub)]
pub(crate) mod proto;
mod protobuf;
mod spill;
mod text;
mod whole;
pub(crate) mod wrap;

use self::check::ScrapeCheck;
use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::labels::{LabelSet, LabelWriter};
use crate::value::{EncodeValue, Number};
// The value types are the encoder's vocabulary too (its methods take them).
#[doc(no_inline)]
pub use crate::value::{
    Exemplar, ExemplarError, HistogramValue, NativeHistogramValue, SampleOpts, SummaryValue,
};

pub use check::{DroppedSeries, NameCollision};
pub use encoder::{EscapingCollision, MetricEncoder};
pub use negotiate::{negotiate, negotiate_accept, Negotiated, OpenMetricsVersion, MAX_CLAUSES};
#[cfg(feature = "http")]
pub(crate) use spill::Sink;
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
    /// The `Content-Type` of this format as Go's `expfmt` constants spell it,
    /// without the `escaping=` term Go's handler appends: a response's exact
    /// header is [`Negotiated::content_type`].
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
    /// OpenMetrics `_created` lines are written.
    created_lines: bool,
}

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
        L: LabelSet + ?Sized,
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
        L: LabelSet + ?Sized,
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
        L: LabelSet + ?Sized + 'l,
        V: EncodeValue,
        I: IntoIterator<Item = (&'l L, V)>,
    {
        if !matches!(
            self.desc.metric_type(),
            MetricType::Counter | MetricType::Gauge | MetricType::Untyped
        ) {
            return Err(self.wrong_type("scalar"));
        }
        match self.format {
            Format::Text => self.text_samples(series),
            Format::OpenMetrics | Format::Protobuf => {
                let opts = SampleOpts::default();
                series.into_iter().try_for_each(|(labels, value)| {
                    self.scalar(labels, value.to_number(), &opts, None)?;
                    self.spill_point();
                    Ok(())
                })
            }
        }
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
        L: LabelSet + ?Sized,
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
        L: LabelSet + ?Sized,
    {
        if self.desc.metric_type() == MetricType::Counter && !value.is_counter_value() {
            return self.drop_counter_series(labels, value);
        }
        if self.format == Format::Text {
            return self.text_scalar(labels, value, opts.timestamp_ms);
        }
        self.check.series(self.desc, labels)?;
        self.guarded(|fam| match fam.format {
            Format::OpenMetrics => fam.om_scalar(labels, value, opts, exemplar),
            Format::Text | Format::Protobuf => fam.proto_scalar(labels, value, opts, exemplar),
        })
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
        L: LabelSet + ?Sized,
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
        L: LabelSet + ?Sized,
    {
        self.expect_type(&[MetricType::Histogram], "histogram")?;
        for e in exemplars.iter().flatten() {
            e.validate()?;
        }
        self.check.series(self.desc, labels)?;
        self.guarded_series(|fam| match fam.format {
            Format::Protobuf => fam.proto_histogram(labels, value, opts, exemplars, None),
            Format::Text | Format::OpenMetrics => {
                fam.text_histogram(labels, value, opts, exemplars)
            }
        })
    }

    /// Writes one native histogram series, such as one a snapshot struct
    /// holds already (Go's `NewConstNativeHistogram`).
    ///
    /// Protobuf carries its buckets (spans and delta-encoded counts, as
    /// `client_model` defines them); the text formats have no place for them
    /// and write the `+Inf` bucket, `_sum` and `_count`, as Go does.
    ///
    /// # Example
    ///
    /// ```
    /// use exporter_core::value::NativeHistogramSnapshot;
    /// use exporter_core::{Desc, Format, MetricEncoder, MetricType};
    ///
    /// let desc = Desc::new("latency_seconds", "Latency.", MetricType::Histogram, [] as [&str; 0])?;
    /// let h = NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [(1, 2)], [], 3.0, 2)?;
    /// let mut enc = MetricEncoder::new(Format::Text);
    /// enc.family(&desc)?.native_histogram(&(), &h.as_value())?;
    /// let mut out = Vec::new();
    /// enc.finish_into(&mut out);
    /// assert!(String::from_utf8(out)?.contains("latency_seconds_bucket{le=\"+Inf\"} 2\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`histogram`](Self::histogram).
    pub fn native_histogram<L>(
        &mut self,
        labels: &L,
        value: &NativeHistogramValue<'_>,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        self.native_histogram_with(labels, value, &[], &SampleOpts::default(), &[], &[])
    }

    /// Writes one histogram series that is native, or native and classic:
    /// `classic` holds the classic buckets as in [`HistogramValue`] (empty
    /// for a histogram that is only native; sum and count come from
    /// `native`), `exemplars` those of the classic buckets as in
    /// [`histogram_with`](Self::histogram_with), `native_exemplars` those of
    /// the native histogram (protobuf only).
    ///
    /// # Errors
    ///
    /// As for [`histogram_with`](Self::histogram_with).
    pub fn native_histogram_with<L>(
        &mut self,
        labels: &L,
        native: &NativeHistogramValue<'_>,
        classic: &[(f64, u64)],
        opts: &SampleOpts,
        exemplars: &[Option<Exemplar<'_>>],
        native_exemplars: &[Exemplar<'_>],
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        self.expect_type(&[MetricType::Histogram], "histogram")?;
        for e in exemplars.iter().flatten().chain(native_exemplars) {
            e.validate()?;
        }
        self.check.series(self.desc, labels)?;
        let value = HistogramValue {
            buckets: classic,
            sum: native.sum,
            count: native.count,
        };
        self.guarded_series(|fam| match fam.format {
            Format::Protobuf => fam.proto_histogram(
                labels,
                &value,
                opts,
                exemplars,
                Some((native, native_exemplars)),
            ),
            Format::Text | Format::OpenMetrics => {
                fam.text_histogram(labels, &value, opts, exemplars)
            }
        })
    }

    /// Whether created times reach the output: protobuf always carries them,
    /// OpenMetrics when `_created` lines are on, text never. Instruments ask
    /// before looking theirs up.
    pub fn wants_created(&self) -> bool {
        match self.format {
            Format::Protobuf => true,
            Format::OpenMetrics => self.created_lines,
            Format::Text => false,
        }
    }

    /// Writes one summary series.
    ///
    /// # Errors
    ///
    /// As for [`sample`](Self::sample), for non-summary families.
    pub fn summary<L>(&mut self, labels: &L, value: &SummaryValue<'_>) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
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
        L: LabelSet + ?Sized,
    {
        self.expect_type(&[MetricType::Summary], "summary")?;
        self.check.series(self.desc, labels)?;
        self.guarded_series(|fam| match fam.format {
            Format::Protobuf => fam.proto_summary(labels, value, opts),
            Format::Text | Format::OpenMetrics => fam.text_summary(labels, value, opts),
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
        L: LabelSet + ?Sized,
    {
        self.expect_type(&[MetricType::Info], "info")?;
        self.check.series(self.desc, labels)?;
        self.guarded_series(|fam| match fam.format {
            Format::Protobuf => fam.proto_info(labels),
            Format::Text | Format::OpenMetrics => fam.text_info(labels),
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
        L: LabelSet + ?Sized,
    {
        self.expect_type(&[MetricType::StateSet], "stateset")?;
        self.check.series(self.desc, labels)?;
        self.guarded_series(|fam| match fam.format {
            Format::Protobuf => fam.proto_stateset(labels, states),
            Format::Text | Format::OpenMetrics => fam.text_stateset(labels, states),
        })
    }

    /// Leaves out a counter series whose value cannot be a total (see
    /// [`DroppedSeries`]), in every format alike, and records it. Its label
    /// count is still checked: a wrong one is the collector's error.
    #[cold]
    #[inline(never)]
    pub(super) fn drop_counter_series<L>(
        &mut self,
        labels: &L,
        value: Number,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let mut rendered = vec![b'{'];
        let mut writer =
            LabelWriter::text(&self.desc.rendered().label_starts, &mut rendered, false);
        labels.encode_label_values(&mut writer);
        let got = writer.count();
        self.check_arity(got)?;
        rendered.push(b'}');
        self.check.drop_series(DroppedSeries {
            family: self.desc.name().to_owned(),
            labels: String::from_utf8_lossy(&rendered).into_owned(),
            value: value.as_f64(),
        });
        Ok(())
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
}
