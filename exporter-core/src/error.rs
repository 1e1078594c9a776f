//! Typed errors of the runtime. Display texts are short, lowercase and not a stable API.

use std::fmt;
use std::sync::Arc;

use crate::collector::Collector;
use crate::desc::MetricType;
use crate::name::NameError;

/// A descriptor that breaks the Prometheus grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescError {
    /// The fully-qualified metric name is invalid.
    #[error("metric name `{name}` {source}")]
    MetricName {
        /// The name as built from namespace, subsystem and name.
        name: String,
        /// The rule it breaks.
        source: NameError,
    },
    /// A label name (const or variable) is invalid.
    #[error("label name `{label}` {source}")]
    LabelName {
        /// The label name.
        label: String,
        /// The rule it breaks.
        source: NameError,
    },
    /// The unit is invalid.
    #[error("unit `{unit}` {source}")]
    Unit {
        /// The unit.
        unit: String,
        /// The rule it breaks.
        source: NameError,
    },
    /// The help text is empty.
    #[error("metric `{name}` has no help text")]
    MissingHelp {
        /// The metric name.
        name: String,
    },
    /// A label name appears twice across const and variable labels.
    #[error("label `{label}` appears twice")]
    DuplicateLabel {
        /// The label name.
        label: String,
    },
    /// A label name the type reserves for its own samples: `le` on a histogram,
    /// `quantile` on a summary, the family name on a stateset.
    #[error("label `{label}` is reserved on {metric_type} metrics")]
    ReservedLabel {
        /// The label name.
        label: String,
        /// The metric type that reserves it.
        metric_type: MetricType,
    },
}

impl std::error::Error for NameError {}

/// An error a collector reports from `collect`, or that the encoder reports back to it.
///
/// Collectors return it to abort their own collection; the registry contains
/// it (the other collectors' output is unaffected) and reports it with the
/// collector's name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// A sample supplied a different number of label values than its descriptor has label names.
    #[error("metric `{name}` has {expected} variable labels but a sample gave {got} values")]
    LabelArity {
        /// The family name.
        name: String,
        /// Label names in the descriptor.
        expected: usize,
        /// Label values supplied.
        got: usize,
    },
    /// A sample of the wrong kind for its family (e.g. a histogram on a counter descriptor).
    #[error("metric `{name}` is a {metric_type} but got a {got} sample")]
    WrongType {
        /// The family name.
        name: String,
        /// The descriptor's type.
        metric_type: MetricType,
        /// What the collector tried to write.
        got: &'static str,
    },
    /// A family name used with two different descriptors in one scrape.
    #[error("metric `{name}` was collected with inconsistent help, type or labels")]
    Inconsistent {
        /// The family name.
        name: String,
    },
    /// The same series (family plus label values) appeared twice in one scrape.
    #[error("metric `{name}` has a duplicate series {labels}")]
    DuplicateSeries {
        /// The family name.
        name: String,
        /// The series' labels as rendered.
        labels: String,
    },
    /// The collector panicked; the message is the panic payload when it was a string.
    #[error("collector panicked: {0}")]
    Panicked(String),
    /// The collector ran past the scrape deadline.
    #[error("collector timed out")]
    TimedOut,
    /// A collector-specific failure, such as the exported system not answering.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl CollectError {
    /// Wraps any error as a collect failure.
    pub fn other(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        CollectError::Other(err.into())
    }
}

/// A failure of one collector during a gather, with the collector's name.
#[derive(Debug, thiserror::Error)]
#[error("collector `{collector}`: {error}")]
pub struct GatherError {
    /// The name of the collector that failed ([`Collector::name`]).
    pub collector: String,
    /// What went wrong.
    pub error: CollectError,
}

/// Why [`Registry::register`](crate::Registry::register) refused a collector.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// One of the collector's descriptors is invalid.
    #[error(transparent)]
    InvalidDesc(#[from] DescError),
    /// A descriptor disagrees with an already registered family of the same name
    /// (help, type or label names), or the collector describes the same family twice.
    #[error("descriptor `{name}` is inconsistent with a registered one: {reason}")]
    Inconsistent {
        /// The family name.
        name: String,
        /// What differs.
        reason: &'static str,
    },
    /// An equal collector (same descriptors) is already registered; here it is.
    #[error("collector is already registered")]
    AlreadyRegistered {
        /// The collector that was registered first.
        existing: Arc<dyn Collector>,
    },
}

impl RegisterError {
    /// Whether this is [`RegisterError::AlreadyRegistered`].
    pub fn is_already_registered(&self) -> bool {
        matches!(self, RegisterError::AlreadyRegistered { .. })
    }
}

impl fmt::Debug for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::InvalidDesc(e) => f.debug_tuple("InvalidDesc").field(e).finish(),
            RegisterError::Inconsistent { name, reason } => f
                .debug_struct("Inconsistent")
                .field("name", name)
                .field("reason", reason)
                .finish(),
            RegisterError::AlreadyRegistered { existing } => f
                .debug_struct("AlreadyRegistered")
                .field("existing", &existing.name())
                .finish(),
        }
    }
}
