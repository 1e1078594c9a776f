//! What a scraper and the connect step see of the scrape: the target and
//! the deadline.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::ScrapeError;

/// What every [`Scraper`](super::Scraper) of one scrape gets: the handle
/// the [`Connect`](super::Connect) step made, and the scrape's deadline.
/// Cheap to clone.
pub struct ScrapeContext<T = ()> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    target: T,
    request: ConnectContext,
}

impl<T> Clone for ScrapeContext<T> {
    fn clone(&self) -> Self {
        ScrapeContext {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for ScrapeContext<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeContext")
            .field("request", &self.inner.request)
            .finish_non_exhaustive()
    }
}

impl<T> ScrapeContext<T> {
    /// A context for `target` under `request` (for testing a scraper alone).
    pub fn new(target: T, request: ConnectContext) -> Self {
        ScrapeContext {
            inner: Arc::new(Inner { target, request }),
        }
    }

    /// What the connect step returned (a client, a connection).
    pub fn target(&self) -> &T {
        &self.inner.target
    }

    /// On `/probe`, the `target` parameter; `None` on `/metrics`.
    pub fn probe_target(&self) -> Option<&str> {
        self.inner.request.target()
    }

    /// On `/probe`, the `module` parameter.
    pub fn module(&self) -> Option<&str> {
        self.inner.request.module()
    }

    /// When the scrape is cut: the scraper's timeout
    /// (`X-Prometheus-Scrape-Timeout-Seconds`) less the handler's offset,
    /// or the configured timeout; `None` when there is neither.
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.request.deadline()
    }

    /// Time left until the deadline (zero once passed); `None` without one.
    pub fn time_left(&self) -> Option<Duration> {
        self.inner.request.time_left()
    }

    /// Runs `fut`, giving up with [`ScrapeError::TimedOut`] at the
    /// deadline (a scraper that returns this error in time is reported as
    /// timed out; one still running at the deadline is cancelled anyway).
    pub async fn within<F: Future>(&self, fut: F) -> Result<F::Output, ScrapeError> {
        self.inner.request.within(fut).await
    }
}

/// What the [`Connect`](super::Connect) step gets: the requested target
/// (on `/probe`), module and deadline. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ConnectContext {
    target: Option<Arc<str>>,
    module: Option<Arc<str>>,
    deadline: Option<Instant>,
}

impl ConnectContext {
    /// A context for `target` (`None`: the exporter's own target) with `deadline`.
    pub fn new(target: Option<&str>, module: Option<&str>, deadline: Option<Instant>) -> Self {
        ConnectContext {
            target: target.map(Arc::from),
            module: module.map(Arc::from),
            deadline,
        }
    }

    /// On `/probe`, the `target` parameter (already allowed by the
    /// [`Probe`](super::Probe)); `None` on `/metrics`.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// On `/probe`, the `module` parameter.
    pub fn module(&self) -> Option<&str> {
        self.module.as_deref()
    }

    /// When the scrape is cut (see [`ScrapeContext::deadline`]).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left until the deadline; `None` without one.
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Runs `fut`, giving up with [`ScrapeError::TimedOut`] at the deadline.
    pub async fn within<F: Future>(&self, fut: F) -> Result<F::Output, ScrapeError> {
        match self.deadline {
            None => Ok(fut.await),
            Some(deadline) => {
                tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), fut)
                    .await
                    .map_err(|_| ScrapeError::TimedOut)
            }
        }
    }
}
