//! The error of collecting: what a collector reports, and what the encoder
//! reports back to it. Display texts are short, lowercase and not a stable API.
//!
//! Other errors live with the layer that raises them: [`DescError`](crate::desc::DescError)
//! in `desc`, [`RegisterError`](crate::registry::RegisterError) and
//! [`GatherError`](crate::registry::GatherError) in `registry`.

use crate::desc::MetricType;

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

/// So that `?` works on the reads a collector makes (files, sockets).
impl From<std::io::Error> for CollectError {
    fn from(e: std::io::Error) -> Self {
        CollectError::other(e)
    }
}

impl From<crate::value::ExemplarError> for CollectError {
    fn from(e: crate::value::ExemplarError) -> Self {
        CollectError::other(e)
    }
}

#[cfg(test)]
mod tests {
    use super::CollectError;

    #[test]
    fn an_io_error_converts_with_question_mark_and_keeps_its_message() {
        fn read() -> Result<(), CollectError> {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no /proc here",
            ))?;
            Ok(())
        }
        let e = read().unwrap_err();
        assert!(matches!(e, CollectError::Other(_)));
        assert_eq!(e.to_string(), "no /proc here");
    }
}
