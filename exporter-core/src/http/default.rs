//! Go's `promhttp.Handler()`: the default registry, served with one call.

use crate::encoding::Claims;
use crate::encoding::MetricEncoder;
use crate::registry::GatherError;
use crate::registry::{default_registry, Gatherer};

use super::handler::MetricsHandler;

/// A handler over [`default_registry`] with default options (self-metrics
/// included), Go's `promhttp.Handler()`.
///
/// With the `process` feature on Linux, the first call also registers the
/// [`ProcessCollector`](crate::process::ProcessCollector) in the default
/// registry (if it is not there already), as Go's default registry has it.
///
/// # Example
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// exporter_core::http::serve(listener, exporter_core::http::handler()).await
/// # }
/// ```
pub fn handler() -> MetricsHandler {
    #[cfg(all(feature = "process", target_os = "linux"))]
    {
        static PROCESS: std::sync::Once = std::sync::Once::new();
        PROCESS.call_once(|| {
            // AlreadyRegistered means someone did it first: nothing to do.
            let _ = default_registry().register(crate::process::ProcessCollector::new());
        });
    }
    MetricsHandler::new(DefaultGatherer)
}

/// Gathers whatever is in the default registry at scrape time.
#[derive(Debug, Clone, Copy)]
struct DefaultGatherer;

impl Gatherer for DefaultGatherer {
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        default_registry().gather_into(encoder)
    }

    #[cfg(feature = "async")]
    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<std::time::Instant>,
    ) -> crate::registry::GatherFuture<'a> {
        Box::pin(default_registry().gather_async(encoder, deadline))
    }

    fn claims(&self) -> Claims {
        default_registry().claims()
    }

    fn claims_names(&self) -> bool {
        default_registry().claims_names()
    }
}
