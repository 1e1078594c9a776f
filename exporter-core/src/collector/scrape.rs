//! Async collectors: a scrape that awaits (a database query, an HTTP call)
//! and returns a snapshot, run concurrently with the other async collectors
//! of the scrape and cancelled at the scrape deadline.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Collector, StaticCollector};
use crate::desc::Desc;
use crate::error::CollectError;

/// What an async scrape resolves to: a snapshot to encode, or why there is none.
pub type Snapshot = Result<Box<dyn Collector>, CollectError>;

/// The future an [`AsyncCollector`] returns.
pub type ScrapeFuture<'a> = Pin<Box<dyn Future<Output = Snapshot> + Send + 'a>>;

/// A collector whose scrape is async: it awaits the system it reports on,
/// then hands back a snapshot (any [`Collector`], typically a
/// `#[derive(Collector)]` struct) that is encoded like a sync collector.
///
/// Register it with [`Registry::register_async`](crate::Registry::register_async)
/// and serve the registry with [`Registry::gather_async`](crate::Registry::gather_async),
/// which runs the async scrapes of one scrape concurrently and drops those
/// still running at the deadline.
pub trait AsyncCollector: Send + Sync {
    /// Every descriptor the snapshots may write samples for (checked at
    /// registration, as for [`Collector::describe`]).
    fn describe(&self) -> Vec<&Desc>;

    /// Reads the system and returns a snapshot. Dropping the future (at the
    /// scrape deadline) must cancel the work cleanly, as dropping any Rust
    /// future does.
    fn scrape(&self) -> ScrapeFuture<'_>;

    /// A name for error messages and logs. Default is the type name.
    fn name(&self) -> &str {
        std::any::type_name::<Self>()
    }
}

/// An async collector that builds a fresh snapshot with `scrape` at every
/// scrape; the async [`from_fn`](super::from_fn).
///
/// # Example
///
/// ```
/// use exporter_core::{collector, Collector, Format, MetricEncoder, Registry};
///
/// #[derive(Collector)]
/// struct Replication {
///     /// Seconds the replica is behind.
///     #[metric(gauge)]
///     replication_lag_seconds: f64,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let registry = Registry::new();
/// registry.register_async(collector::from_async_fn(|| async {
///     // e.g. `SELECT ... FROM pg_stat_replication` with an async client.
///     Ok(Replication { replication_lag_seconds: 0.25 })
/// }))?;
/// let mut encoder = MetricEncoder::new(Format::Text);
/// let errors = registry.gather_async(&mut encoder, None).await;
/// assert!(errors.is_empty());
/// let mut body = Vec::new();
/// encoder.finish_into(&mut body);
/// assert!(String::from_utf8(body)?.contains("replication_lag_seconds 0.25\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_async_fn<T, F, Fut>(scrape: F) -> FromAsyncFn<F>
where
    T: StaticCollector + 'static,
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, CollectError>> + Send + 'static,
{
    FromAsyncFn { scrape }
}

/// The async collector returned by [`from_async_fn`].
pub struct FromAsyncFn<F> {
    scrape: F,
}

impl<F> std::fmt::Debug for FromAsyncFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FromAsyncFn").finish_non_exhaustive()
    }
}

impl<T, F, Fut> AsyncCollector for FromAsyncFn<F>
where
    T: StaticCollector + 'static,
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, CollectError>> + Send + 'static,
{
    fn describe(&self) -> Vec<&Desc> {
        T::static_describe()
    }

    fn scrape(&self) -> ScrapeFuture<'_> {
        let fut = (self.scrape)();
        Box::pin(async move { fut.await.map(|s| Box::new(s) as Box<dyn Collector>) })
    }

    fn name(&self) -> &str {
        std::any::type_name::<T>()
    }
}

/// Stands in for an async collector in the registry's list of collectors, so
/// that registration checks, `unregister` and `AlreadyRegistered` treat both
/// kinds alike. A sync gather cannot await it and reports it as failed.
pub(crate) struct AsyncEntry(pub(crate) std::sync::Arc<dyn AsyncCollector>);

impl Collector for AsyncEntry {
    fn may_block(&self) -> bool {
        false
    }

    fn describe(&self) -> Vec<&Desc> {
        self.0.describe()
    }

    fn collect(&self, _: &mut crate::encoding::MetricEncoder) -> Result<(), CollectError> {
        Err(CollectError::other(NeedsAsync))
    }

    fn name(&self) -> &str {
        self.0.name()
    }
}

/// An async collector was gathered by a sync gather, which cannot await it;
/// reported as [`CollectError::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("async collector gathered without awaiting it; use `Registry::gather_async`")]
pub struct NeedsAsync;

/// Runs `scrapes` concurrently on the current task (no spawning), each
/// cancelled at `deadline` (`TimedOut`) and with panics contained (`Panicked`).
pub(crate) async fn run_all(
    scrapes: Vec<ScrapeFuture<'_>>,
    deadline: Option<std::time::Instant>,
) -> Vec<Snapshot> {
    let mut running: Vec<Option<ScrapeFuture<'_>>> = scrapes.into_iter().map(Some).collect();
    let mut done: Vec<Option<Snapshot>> = running.iter().map(|_| None).collect();
    let all = std::future::poll_fn(|cx: &mut Context<'_>| {
        let mut pending = false;
        for (slot, out) in running.iter_mut().zip(done.iter_mut()) {
            let Some(fut) = slot else { continue };
            let polled = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)));
            match polled {
                Ok(Poll::Pending) => pending = true,
                Ok(Poll::Ready(snapshot)) => {
                    *out = Some(snapshot);
                    *slot = None;
                }
                Err(payload) => {
                    let message = super::panic_message(payload.as_ref());
                    *out = Some(Err(CollectError::Panicked(message)));
                    *slot = None;
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    });
    match deadline {
        None => all.await,
        Some(deadline) => {
            let deadline = tokio::time::Instant::from_std(deadline);
            // At the deadline, the scrapes still running are dropped: cancelled.
            let _ = tokio::time::timeout_at(deadline, all).await;
        }
    }
    drop(running);
    done.into_iter()
        .map(|d| d.unwrap_or(Err(CollectError::TimedOut)))
        .collect()
}
