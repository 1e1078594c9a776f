//! Interop with the [`prometheus`] crate (rust-prometheus), both ways.
//!
//! - [`PrometheusRegistry`] and [`PrometheusCollector`] put an existing
//!   `prometheus::Registry` or `prometheus::core::Collector` into this
//!   crate's scrapes (as a collector, or in [`Gatherers`](crate::registry::Gatherers)),
//!   so its families come out in every format this crate serves.
//! - With this feature on, every `#[derive(Collector)]` type also implements
//!   `prometheus::core::Collector`, so it registers in a `prometheus::Registry`.
//!
//! Both directions convert whole families at scrape time: fine off the hot
//! path, which stays this crate's own.
//!
//! # Example
//!
//! ```
//! use exporter_core::interop::prometheus::PrometheusRegistry;
//! use exporter_core::Registry;
//!
//! let theirs = prometheus::Registry::new();
//! let jobs = prometheus::IntCounterVec::new(prometheus::Opts::new("jobs_total", "Jobs run."), &["queue"])?;
//! theirs.register(Box::new(jobs.clone()))?;
//! jobs.with_label_values(&["mail"]).inc_by(3);
//!
//! let ours = Registry::new();
//! ours.register(PrometheusRegistry::new(theirs))?;
//! assert!(ours.gather_text().contains("jobs_total{queue=\"mail\"} 3\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

use prometheus::proto::{self, MetricFamily};

use crate::collector::Collector;
use crate::desc::{Desc, MetricType};
use crate::encoding::{Format, HistogramValue, MetricEncoder, SampleOpts, SummaryValue};
use crate::error::{CollectError, GatherError};
use crate::registry::{collect_contained, Gatherer};

#[doc(hidden)]
pub use ::prometheus as __prometheus;

/// An existing `prometheus::Registry`, served by this crate.
///
/// It is an *unchecked* collector (a `prometheus` descriptor carries no
/// type, so its families cannot be described up front); its families are
/// checked at gather time like any other.
#[derive(Debug, Clone)]
pub struct PrometheusRegistry {
    registry: prometheus::Registry,
}

impl PrometheusRegistry {
    /// Wraps `registry` (a handle: it is cheap to clone and stays shared).
    pub fn new(registry: prometheus::Registry) -> Self {
        PrometheusRegistry { registry }
    }

    /// The wrapped registry.
    pub fn registry(&self) -> &prometheus::Registry {
        &self.registry
    }
}

impl Collector for PrometheusRegistry {
    fn describe(&self) -> Vec<&Desc> {
        Vec::new()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        encode_families(&self.registry.gather(), encoder)
    }

    #[allow(clippy::unnecessary_literal_bound)] // the trait's signature
    fn name(&self) -> &str {
        "prometheus::Registry"
    }
}

impl Gatherer for PrometheusRegistry {
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        match collect_contained(self, encoder) {
            Ok(()) => Vec::new(),
            Err(error) => vec![GatherError {
                collector: self.name().to_owned(),
                error,
            }],
        }
    }
}

/// Any `prometheus::core::Collector` (a `CounterVec`, a custom collector),
/// served by this crate. Unchecked, like [`PrometheusRegistry`].
#[derive(Debug, Clone)]
pub struct PrometheusCollector<C> {
    inner: C,
}

impl<C: prometheus::core::Collector> PrometheusCollector<C> {
    /// Wraps `collector`.
    pub fn new(collector: C) -> Self {
        PrometheusCollector { inner: collector }
    }

    /// The wrapped collector.
    pub fn inner(&self) -> &C {
        &self.inner
    }
}

impl<C: prometheus::core::Collector> Collector for PrometheusCollector<C> {
    fn describe(&self) -> Vec<&Desc> {
        Vec::new()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        encode_families(&self.inner.collect(), encoder)
    }

    fn name(&self) -> &str {
        std::any::type_name::<C>()
    }
}

fn metric_type(t: proto::MetricType) -> MetricType {
    match t {
        proto::MetricType::COUNTER => MetricType::Counter,
        proto::MetricType::GAUGE => MetricType::Gauge,
        proto::MetricType::SUMMARY => MetricType::Summary,
        proto::MetricType::HISTOGRAM => MetricType::Histogram,
        proto::MetricType::UNTYPED => MetricType::Untyped,
    }
}

/// Writes `prometheus` metric families into `encoder`.
///
/// Label pairs (const and variable alike) become the family's label names,
/// in the order the first series of each label-name set gives them. A family
/// without help gets its name as help (this crate requires one).
/// Timestamps are kept on counters, gauges and untyped samples.
///
/// # Errors
///
/// A family that is invalid here (a bad name, or series of one family with
/// different label names) or inconsistent with another family of the scrape.
pub fn encode_families(
    families: &[MetricFamily],
    encoder: &mut MetricEncoder,
) -> Result<(), CollectError> {
    for mf in families {
        let t = metric_type(mf.get_field_type());
        let help = if mf.help().is_empty() {
            mf.name()
        } else {
            mf.help()
        };
        // Series grouped by label names, in first-seen order.
        let mut groups: Vec<(Vec<&str>, Vec<&proto::Metric>)> = Vec::new();
        for m in mf.get_metric() {
            let names: Vec<&str> = m.get_label().iter().map(proto::LabelPair::name).collect();
            match groups.iter_mut().find(|g| g.0 == names) {
                Some(g) => g.1.push(m),
                None => groups.push((names, vec![m])),
            }
        }
        for (names, metrics) in groups {
            let desc = Desc::builder(mf.name(), t)
                .help(help)
                .labels(names)
                .build()
                .map_err(CollectError::other)?;
            let mut family = encoder.family(&desc)?;
            for m in metrics {
                let values: Vec<&str> = m.get_label().iter().map(proto::LabelPair::value).collect();
                let opts = SampleOpts {
                    timestamp_ms: m.timestamp_ms,
                    ..SampleOpts::default()
                };
                match t {
                    MetricType::Counter => {
                        family.sample_with(&values, m.get_counter().value(), &opts)?;
                    }
                    MetricType::Gauge => {
                        family.sample_with(&values, m.get_gauge().value(), &opts)?;
                    }
                    MetricType::Histogram => {
                        let h = m.get_histogram();
                        let buckets: Vec<(f64, u64)> = h
                            .get_bucket()
                            .iter()
                            .map(|b| (b.upper_bound(), b.cumulative_count()))
                            .collect();
                        family.histogram(
                            &values,
                            &HistogramValue {
                                buckets: &buckets,
                                sum: h.get_sample_sum(),
                                count: h.get_sample_count(),
                            },
                        )?;
                    }
                    MetricType::Summary => {
                        let s = m.get_summary();
                        let quantiles: Vec<(f64, f64)> = s
                            .get_quantile()
                            .iter()
                            .map(|q| (q.quantile(), q.value()))
                            .collect();
                        family.summary(
                            &values,
                            &SummaryValue {
                                quantiles: &quantiles,
                                sum: s.sample_sum(),
                                count: s.sample_count(),
                            },
                        )?;
                    }
                    _ => family.sample_with(&values, m.untyped.value(), &opts)?,
                }
            }
        }
    }
    Ok(())
}

/// The `prometheus` descriptors of a derived collector, converted once per type.
#[doc(hidden)]
pub fn __descs<'a, C: Collector + ?Sized>(
    cell: &'a OnceLock<Vec<prometheus::core::Desc>>,
    collector: &C,
) -> Vec<&'a prometheus::core::Desc> {
    cell.get_or_init(|| {
        collector
            .describe()
            .into_iter()
            .filter_map(|d| {
                let const_labels: HashMap<String, String> =
                    d.const_labels().iter().cloned().collect();
                // Our descriptors are validated with the same grammar; a
                // failure here would only drop the descriptor.
                prometheus::core::Desc::new(
                    d.name().to_owned(),
                    d.help().to_owned(),
                    d.variable_labels().to_vec(),
                    const_labels,
                )
                .ok()
            })
            .collect()
    })
    .iter()
    .collect()
}

/// Collects `collector` as `prometheus` metric families.
///
/// `prometheus::core::Collector::collect` cannot fail, so a collector that
/// errs or panics contributes nothing to that scrape.
#[doc(hidden)]
pub fn __collect<C: Collector>(collector: &C) -> Vec<MetricFamily> {
    let mut encoder = MetricEncoder::new(Format::Text);
    if collect_contained(collector, &mut encoder).is_err() {
        return Vec::new();
    }
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    text_to_families(&String::from_utf8_lossy(&out))
}

/// Implements `prometheus::core::Collector` for a derived collector, given
/// `([impl generics] [self type] [where clause])`. Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_prometheus_collector {
    ([$($impl_generics:tt)*] [$($self_ty:tt)*] [$($where_clause:tt)*]) => {
        #[automatically_derived]
        impl $($impl_generics)* $crate::interop::prometheus::__prometheus::core::Collector
            for $($self_ty)* $($where_clause)*
        {
            fn desc(
                &self,
            ) -> ::std::vec::Vec<&$crate::interop::prometheus::__prometheus::core::Desc> {
                static __DESCS: ::std::sync::OnceLock<
                    ::std::vec::Vec<$crate::interop::prometheus::__prometheus::core::Desc>,
                > = ::std::sync::OnceLock::new();
                $crate::interop::prometheus::__descs(&__DESCS, self)
            }

            fn collect(
                &self,
            ) -> ::std::vec::Vec<$crate::interop::prometheus::__prometheus::proto::MetricFamily> {
                $crate::interop::prometheus::__collect(self)
            }
        }
    };
}

/// Reads this crate's own text output back into `prometheus` families.
///
/// Only ever given text the text encoder wrote, so it follows that format's
/// exact shape rather than the whole grammar; a line it cannot read is skipped.
fn text_to_families(text: &str) -> Vec<MetricFamily> {
    let mut families: Vec<MetricFamily> = Vec::new();
    // For histograms and summaries: the series (labels without `le`/`quantile`) -> metric index.
    let mut series: HashMap<Vec<(String, String)>, usize> = HashMap::new();
    let mut help = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (_, h) = rest.split_once(' ').unwrap_or((rest, ""));
            help = unescape(h, false);
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let Some((name, t)) = rest.split_once(' ') else {
                continue;
            };
            let mut mf = MetricFamily::default();
            mf.set_name(name.to_owned());
            mf.set_help(std::mem::take(&mut help));
            mf.set_field_type(match t {
                "counter" => proto::MetricType::COUNTER,
                "gauge" => proto::MetricType::GAUGE,
                "histogram" => proto::MetricType::HISTOGRAM,
                "summary" => proto::MetricType::SUMMARY,
                _ => proto::MetricType::UNTYPED,
            });
            families.push(mf);
            series.clear();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (Some(mf), Some(sample)) = (families.last_mut(), parse_sample(line)) else {
            continue;
        };
        match mf.get_field_type() {
            proto::MetricType::HISTOGRAM | proto::MetricType::SUMMARY => {
                add_to_series(mf, &mut series, sample);
            }
            t => {
                let mut m = proto::Metric::default();
                m.set_label(label_pairs(&sample.labels));
                if let Some(ts) = sample.timestamp_ms {
                    m.set_timestamp_ms(ts);
                }
                match t {
                    proto::MetricType::COUNTER => {
                        let mut c = proto::Counter::default();
                        c.set_value(sample.value);
                        m.set_counter(c);
                    }
                    proto::MetricType::GAUGE => {
                        let mut g = proto::Gauge::default();
                        g.set_value(sample.value);
                        m.set_gauge(g);
                    }
                    _ => {
                        let mut u = proto::Untyped::default();
                        u.set_value(sample.value);
                        m.untyped = Some(u).into();
                    }
                }
                mf.mut_metric().push(m);
            }
        }
    }
    families
}

/// Adds one `_bucket`/`_sum`/`_count`/quantile line to its histogram or summary series.
fn add_to_series(
    mf: &mut MetricFamily,
    series: &mut HashMap<Vec<(String, String)>, usize>,
    sample: Sample,
) {
    let suffix = sample.name.strip_prefix(mf.name()).unwrap_or("").to_owned();
    let suffix = suffix.as_str();
    let is_hist = mf.get_field_type() == proto::MetricType::HISTOGRAM;
    let special = if is_hist { "le" } else { "quantile" };
    let mut labels = sample.labels;
    let bound = labels
        .iter()
        .position(|(k, _)| k == special)
        .map(|i| labels.remove(i).1);
    let idx = *series.entry(labels.clone()).or_insert_with(|| {
        let mut m = proto::Metric::default();
        m.set_label(label_pairs(&labels));
        if is_hist {
            m.set_histogram(proto::Histogram::default());
        } else {
            m.set_summary(proto::Summary::default());
        }
        mf.mut_metric().push(m);
        mf.get_metric().len() - 1
    });
    let m = &mut mf.mut_metric()[idx];
    match (is_hist, suffix, bound) {
        (true, "_bucket", Some(le)) if le != "+Inf" => {
            let mut b = proto::Bucket::default();
            b.set_upper_bound(parse_value(&le).unwrap_or(f64::NAN));
            b.set_cumulative_count(sample.value as u64);
            m.histogram.mut_or_insert_default().bucket.push(b);
        }
        (true, "_sum", _) => m
            .histogram
            .mut_or_insert_default()
            .set_sample_sum(sample.value),
        (true, "_count", _) => {
            m.histogram
                .mut_or_insert_default()
                .set_sample_count(sample.value as u64);
        }
        (false, "", Some(q)) => {
            let mut quantile = proto::Quantile::default();
            quantile.set_quantile(parse_value(&q).unwrap_or(f64::NAN));
            quantile.set_value(sample.value);
            m.summary.mut_or_insert_default().quantile.push(quantile);
        }
        (false, "_sum", _) => m
            .summary
            .mut_or_insert_default()
            .set_sample_sum(sample.value),
        (false, "_count", _) => {
            m.summary
                .mut_or_insert_default()
                .set_sample_count(sample.value as u64);
        }
        _ => {}
    }
}

fn label_pairs(labels: &[(String, String)]) -> Vec<proto::LabelPair> {
    labels
        .iter()
        .map(|(k, v)| {
            let mut p = proto::LabelPair::default();
            p.set_name(k.clone());
            p.set_value(v.clone());
            p
        })
        .collect()
}

struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
    timestamp_ms: Option<i64>,
}

/// `name{k="v",...} value [timestamp]`.
fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(mut r) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = r.strip_prefix('}') {
                rest = after;
                break;
            }
            r = r.strip_prefix(',').unwrap_or(r);
            let eq = r.find("=\"")?;
            let key = r[..eq].to_owned();
            r = &r[eq + 2..];
            // The value ends at the first `"` not escaped by a backslash.
            let bytes = r.as_bytes();
            let mut i = 0;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            let raw = r.get(..i)?;
            labels.push((key, unescape(raw, true)));
            r = r.get(i + 1..)?;
        }
    }
    let mut fields = rest.split_ascii_whitespace();
    let value = parse_value(fields.next()?)?;
    let timestamp_ms = fields.next().and_then(|t| t.parse().ok());
    Some(Sample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

fn unescape(s: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some('\\') | None => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_escapes_and_every_type() {
        let text = "# HELP a Help with \\\\ and \\n.\n# TYPE a counter\na{k=\"q\\\"uo}te,\\\\ \\n\",j=\"x\"} 3 1700000000000\n\
                    # HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 5.5\nh_count 2\n\
                    # HELP s s\n# TYPE s summary\ns{quantile=\"0.5\"} NaN\ns_sum 0\ns_count 0\n";
        let f = text_to_families(text);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].help(), "Help with \\ and \n.");
        let m = &f[0].get_metric()[0];
        assert_eq!(m.get_label()[0].value(), "q\"uo}te,\\ \n");
        assert_eq!(m.get_label()[1].value(), "x");
        assert_eq!(m.get_counter().value(), 3.0);
        assert_eq!(m.timestamp_ms(), 1_700_000_000_000);
        let h = f[1].get_metric()[0].get_histogram();
        assert_eq!(h.get_bucket().len(), 1);
        assert_eq!((h.get_sample_sum(), h.get_sample_count()), (5.5, 2));
        let s = f[2].get_metric()[0].get_summary();
        assert!(s.get_quantile()[0].value().is_nan());
    }
}
