//! [`Metric`]: an instrument with its descriptor, registered on its own.

use std::fmt;
use std::ops::Deref;

use super::EncodeMetric;
use crate::collector::Collector;
use crate::desc::{Desc, MetricType};
use crate::encoding::MetricEncoder;
use crate::error::CollectError;

/// Why an instrument does not fit a descriptor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricError {
    /// The descriptor's type is not the instrument's.
    #[error("descriptor `{name}` is a {desc} but the instrument is a {instrument}")]
    WrongType {
        /// The family name.
        name: String,
        /// The descriptor's type.
        desc: MetricType,
        /// The instrument's type.
        instrument: MetricType,
    },
    /// The descriptor has a different number of variable labels than the instrument's keys.
    #[error("descriptor `{name}` has {desc} variable labels but the instrument's series have {instrument}")]
    LabelArity {
        /// The family name.
        name: String,
        /// Variable labels in the descriptor.
        desc: usize,
        /// Label values per series of the instrument.
        instrument: usize,
    },
}

/// An instrument paired with its [`Desc`]: a [`Collector`] on its own, like
/// Go's `prometheus.NewCounterVec(opts, labels)`.
///
/// It dereferences to the instrument. Register it behind an `Arc` to keep a
/// handle for updates (see the [module example](super)).
pub struct Metric<M> {
    desc: Desc,
    metric: M,
}

impl<M: EncodeMetric> Metric<M> {
    /// Pairs `metric` with `desc`.
    ///
    /// # Errors
    ///
    /// [`MetricError`] when the descriptor's type is not the instrument's
    /// (an untyped descriptor accepts a counter or gauge), or its number of
    /// variable labels is not the number of label values of the instrument's series.
    pub fn new(desc: Desc, metric: M) -> Result<Self, MetricError> {
        let scalar = matches!(M::METRIC_TYPE, MetricType::Counter | MetricType::Gauge);
        let type_ok = desc.metric_type() == M::METRIC_TYPE
            || (desc.metric_type() == MetricType::Untyped && scalar);
        if !type_ok {
            return Err(MetricError::WrongType {
                name: desc.name().to_owned(),
                desc: desc.metric_type(),
                instrument: M::METRIC_TYPE,
            });
        }
        if let Some(n) = M::LABELS {
            if n != desc.variable_labels().len() {
                return Err(MetricError::LabelArity {
                    name: desc.name().to_owned(),
                    desc: desc.variable_labels().len(),
                    instrument: n,
                });
            }
        }
        Ok(Metric { desc, metric })
    }

    /// The descriptor.
    pub fn desc(&self) -> &Desc {
        &self.desc
    }

    /// The instrument.
    pub fn metric(&self) -> &M {
        &self.metric
    }
}

impl<M> Deref for Metric<M> {
    type Target = M;

    fn deref(&self) -> &M {
        &self.metric
    }
}

impl<M: fmt::Debug> fmt::Debug for Metric<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metric")
            .field("name", &self.desc.name())
            .field("metric", &self.metric)
            .finish()
    }
}

impl<M: EncodeMetric> Collector for Metric<M> {
    fn may_block(&self) -> bool {
        false
    }

    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let mut family = encoder.family(&self.desc)?;
        self.metric.encode_metric(&(), &mut family)
    }

    fn name(&self) -> &str {
        self.desc.name()
    }
}
