//! What registering and gathering report.

use std::fmt;
use std::sync::Arc;

use crate::collector::Collector;
use crate::desc::DescError;
use crate::error::CollectError;

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
