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
use prost::Message as _;

use crate::encoding::proto as pb;

use crate::collector::Collector;
use crate::desc::{Desc, MetricType};
use crate::encoding::{Format, MetricEncoder};
use crate::error::CollectError;
use crate::registry::GatherError;
use crate::registry::{collect_contained, Gatherer};
use crate::value::{HistogramValue, SampleOpts, SummaryValue};

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
                // failure here would only drop the descriptor. An invalid one
                // (`Desc::invalid`, a descriptor that could not be built) has no
                // name and is dropped: the `prometheus` crate's `Desc` cannot
                // carry its error. Registering in this crate's `Registry`
                // reports it (`RegisterError::InvalidDesc`).
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
    let mut encoder = MetricEncoder::new(Format::Protobuf);
    if collect_contained(collector, &mut encoder).is_err() {
        return Vec::new();
    }
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    let mut buf = out.as_slice();
    let mut families = Vec::new();
    while !buf.is_empty() {
        // Our own encoder wrote it; should it ever not decode, keep what did.
        match pb::MetricFamily::decode_length_delimited(&mut buf) {
            Ok(f) => families.push(family_from_pb(f)),
            Err(_) => break,
        }
    }
    families
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

/// Converts one family from this crate's protobuf model to `prometheus`'s.
fn family_from_pb(f: pb::MetricFamily) -> MetricFamily {
    let mut mf = MetricFamily::default();
    mf.set_name(f.name.unwrap_or_default());
    mf.set_help(f.help.unwrap_or_default());
    mf.set_field_type(
        match f.r#type.and_then(|t| pb::ProtoMetricType::try_from(t).ok()) {
            Some(pb::ProtoMetricType::Counter) => proto::MetricType::COUNTER,
            Some(pb::ProtoMetricType::Gauge) => proto::MetricType::GAUGE,
            Some(pb::ProtoMetricType::Summary) => proto::MetricType::SUMMARY,
            Some(pb::ProtoMetricType::Histogram | pb::ProtoMetricType::GaugeHistogram) => {
                proto::MetricType::HISTOGRAM
            }
            _ => proto::MetricType::UNTYPED,
        },
    );
    let metrics = f.metric.into_iter().map(metric_from_pb).collect();
    mf.set_metric(metrics);
    mf
}

fn metric_from_pb(m: pb::Metric) -> proto::Metric {
    let mut out = proto::Metric::default();
    out.set_label(
        m.label
            .into_iter()
            .map(|l| {
                let mut p = proto::LabelPair::default();
                p.set_name(l.name.unwrap_or_default());
                p.set_value(l.value.unwrap_or_default());
                p
            })
            .collect(),
    );
    if let Some(ts) = m.timestamp_ms {
        out.set_timestamp_ms(ts);
    }
    if let Some(c) = m.counter {
        let mut v = proto::Counter::default();
        v.set_value(c.value.unwrap_or_default());
        out.set_counter(v);
    }
    if let Some(g) = m.gauge {
        let mut v = proto::Gauge::default();
        v.set_value(g.value.unwrap_or_default());
        out.set_gauge(v);
    }
    if let Some(u) = m.untyped {
        let mut v = proto::Untyped::default();
        v.set_value(u.value.unwrap_or_default());
        out.untyped = Some(v).into();
    }
    if let Some(h) = m.histogram {
        let mut v = proto::Histogram::default();
        v.set_sample_count(h.sample_count.unwrap_or_default());
        v.set_sample_sum(h.sample_sum.unwrap_or_default());
        v.set_bucket(
            h.bucket
                .into_iter()
                // `prometheus`'s encoders add the `+Inf` bucket themselves.
                .filter(|b| b.upper_bound != Some(f64::INFINITY))
                .map(|b| {
                    let mut pb_bucket = proto::Bucket::default();
                    pb_bucket.set_upper_bound(b.upper_bound.unwrap_or_default());
                    pb_bucket.set_cumulative_count(b.cumulative_count.unwrap_or_default());
                    pb_bucket
                })
                .collect(),
        );
        out.set_histogram(v);
    }
    if let Some(s) = m.summary {
        let mut v = proto::Summary::default();
        v.set_sample_count(s.sample_count.unwrap_or_default());
        v.set_sample_sum(s.sample_sum.unwrap_or_default());
        v.set_quantile(
            s.quantile
                .into_iter()
                .map(|q| {
                    let mut pq = proto::Quantile::default();
                    pq.set_quantile(q.quantile.unwrap_or_default());
                    pq.set_value(q.value.unwrap_or_default());
                    pq
                })
                .collect(),
        );
        out.set_summary(v);
    }
    out
}
