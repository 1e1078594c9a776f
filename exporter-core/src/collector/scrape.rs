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

    /// [`describe`](AsyncCollector::describe), or the error that kept a
    /// descriptor from being built, as [`Collector::try_describe`].
    ///
    /// # Errors
    ///
    /// The [`DescError`](crate::DescError) of the first descriptor that failed.
    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        Ok(self.describe())
    }

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
    FromAsyncFn { scrape, name: None }
}

/// The async collector returned by [`from_async_fn`].
pub struct FromAsyncFn<F> {
    scrape: F,
    name: Option<String>,
}

impl<F> FromAsyncFn<F> {
    /// A readable name for logs and errors (`error gathering metrics
    /// collector=replication`); the default is the snapshot's type path.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<F> std::fmt::Debug for FromAsyncFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FromAsyncFn")
            .field("name", &self.name)
            .finish_non_exhaustive()
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

    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        T::try_static_describe()
    }

    fn scrape(&self) -> ScrapeFuture<'_> {
        let fut = (self.scrape)();
        Box::pin(async move { fut.await.map(|s| Box::new(s) as Box<dyn Collector>) })
    }

    fn name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| std::any::type_name::<T>())
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

    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        self.0.try_describe()
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
    // The scrapes see the deadline through `scrape_deadline()` while polled.
    let all = DEADLINE.scope(deadline, all);
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

tokio::task_local! {
    /// The deadline of the scrape being gathered, for `scrape_deadline()`.
    static DEADLINE: Option<std::time::Instant>;
    /// The request being served, for gatherers that read `collect[]` or `target`.
    static REQUEST: std::sync::Arc<ScrapeRequest>;
}

/// The deadline of the scrape being gathered, when there is one: the
/// scraper's timeout (`X-Prometheus-Scrape-Timeout-Seconds`) less the
/// handler's offset, or the handler's configured timeout.
///
/// An async collector calls it *inside* its future (it is set while the
/// scrapes of [`Registry::gather_async`](crate::Registry::gather_async) are
/// polled) to bound its own network calls, so that it returns a partial
/// answer or a clear error in time instead of being cancelled at the
/// deadline. `None` outside a scrape or when the scrape has no deadline.
///
/// # Example
///
/// ```
/// use std::time::{Duration, Instant};
/// use exporter_core::{collector, CollectError, Collector, Format, MetricEncoder, Registry};
///
/// #[derive(Collector)]
/// struct Lag {
///     /// Seconds the replica is behind.
///     #[metric(gauge)]
///     replication_lag_seconds: f64,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let registry = Registry::new();
/// registry.register_async(collector::from_async_fn(|| async {
///     // Bound the query by the scrape's deadline (at most 5 s without one).
///     let left = collector::scrape_deadline()
///         .map_or(Duration::from_secs(5), |d| d.saturating_duration_since(Instant::now()));
///     let lag = tokio::time::timeout(left, async { 0.25 })
///         .await
///         .map_err(|_| CollectError::TimedOut)?;
///     Ok(Lag { replication_lag_seconds: lag })
/// }).named("replication"))?;
/// let mut encoder = MetricEncoder::new(Format::Text);
/// let deadline = Instant::now() + Duration::from_secs(1);
/// assert!(registry.gather_async(&mut encoder, Some(deadline)).await.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scrape_deadline() -> Option<std::time::Instant> {
    DEADLINE.try_with(|d| *d).ok().flatten()
}

/// What one HTTP request asks of the scrape beyond the format: the
/// `collect[]` or `exclude[]` names (node_exporter's per-request filters),
/// and for `/probe` the `target` and `module`. The handler reads it from the query string,
/// asks the gatherer to [check](crate::Gatherer::check_request) it (an
/// error is a 400) and gathers inside [`scope`](Self::scope), where a
/// gatherer reads it with [`current`](Self::current).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapeRequest {
    collect: Vec<String>,
    exclude: Vec<String>,
    target: Option<String>,
    module: Option<String>,
}

/// A request that asks nothing.
pub(crate) static NO_REQUEST: ScrapeRequest = ScrapeRequest {
    collect: Vec::new(),
    exclude: Vec::new(),
    target: None,
    module: None,
};

impl ScrapeRequest {
    /// Reads `collect[]`, `exclude[]`, `target` and `module` from a URL query string
    /// (percent-decoded; `+` is a space; other parameters are ignored).
    ///
    /// ```
    /// use exporter_core::collector::ScrapeRequest;
    ///
    /// let r = ScrapeRequest::from_query(Some("collect[]=cpu&collect%5B%5D=meminfo&target=db%3A5432"));
    /// assert_eq!(r.collect(), ["cpu", "meminfo"]);
    /// assert_eq!(r.target(), Some("db:5432"));
    /// assert_eq!(r.module(), None);
    /// ```
    pub fn from_query(query: Option<&str>) -> Self {
        let mut request = ScrapeRequest::default();
        let Some(query) = query else {
            return request;
        };
        // `+` is a space and `%XX` a byte, as Go's `url.ParseQuery` decodes
        // them; a malformed escape is kept as written (Go drops the pair).
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            request.read_pair(&key, value);
        }
        request
    }

    /// Takes one decoded query pair if its key is `collect[]`, `exclude[]`,
    /// `target` or `module`, and ignores it otherwise; the HTTP handler reads its own
    /// `name[]` in the same pass over the query.
    pub(crate) fn read_pair(&mut self, key: &str, value: std::borrow::Cow<'_, str>) {
        match key {
            "collect[]" => self.collect.push(value.into_owned()),
            "exclude[]" => self.exclude.push(value.into_owned()),
            // The first one, as Go's `Query().Get` takes (the blackbox
            // exporter's `/probe?target=a&target=b` probes `a`).
            "target" if self.target.is_none() => self.target = Some(value.into_owned()),
            "module" if self.module.is_none() => self.module = Some(value.into_owned()),
            _ => {}
        }
    }

    /// A request naming `collect[]` scrapers.
    #[must_use]
    pub fn with_collect<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.collect.extend(names.into_iter().map(Into::into));
        self
    }

    /// A request for `target` (as `/probe?target=` gives it).
    #[must_use]
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// A request for `module`.
    #[must_use]
    pub fn with_module(mut self, module: impl Into<String>) -> Self {
        self.module = Some(module.into());
        self
    }

    /// The `collect[]` values, in request order; empty means no filter.
    pub fn collect(&self) -> &[String] {
        &self.collect
    }

    /// A request leaving out the `exclude[]` scrapers (node_exporter 1.8's
    /// inverse of `collect[]`).
    #[must_use]
    pub fn with_exclude<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.exclude.extend(names.into_iter().map(Into::into));
        self
    }

    /// The `exclude[]` values, in request order; empty means no filter.
    pub fn exclude(&self) -> &[String] {
        &self.exclude
    }

    /// The `target` parameter, as the client sent it: unchecked. The
    /// scrapers' gatherer reads it on `/probe` only, after the probe's
    /// allow-list, and drops it on `/metrics`; a gatherer of your own that
    /// connects where it says must check it as carefully.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// The `module` parameter; none when empty, as in Go, where `Get`
    /// cannot tell an empty `module=` from none (the blackbox exporter
    /// probes with its default module then).
    pub fn module(&self) -> Option<&str> {
        self.module.as_deref().filter(|m| !m.is_empty())
    }

    /// Runs `fut` (a gather) with this request as [`current`](Self::current).
    pub async fn scope<F: Future>(self, fut: F) -> F::Output {
        REQUEST.scope(std::sync::Arc::new(self), fut).await
    }

    /// The request whose gather is running on this task, if any.
    pub fn current() -> Option<std::sync::Arc<ScrapeRequest>> {
        REQUEST.try_with(std::sync::Arc::clone).ok()
    }
}

/// A request the gatherer cannot serve: answered with HTTP 400 and this
/// message (an unknown `collect[]` name, a missing or refused `target`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Runs `fut` with `deadline` as [`scrape_deadline`].
pub(crate) async fn with_deadline<F: Future>(
    deadline: Option<std::time::Instant>,
    fut: F,
) -> F::Output {
    DEADLINE.scope(deadline, fut).await
}

#[cfg(test)]
mod tests {
    use super::ScrapeRequest;

    #[test]
    fn a_query_is_form_urlencoded() {
        // `+` is a space and `%XX` a byte, as in Go's `url.ParseQuery`; a
        // malformed escape stays as written (Go drops the pair), invalid
        // UTF-8 is replaced, empty pairs and other keys are skipped.
        let r = ScrapeRequest::from_query(Some(
            "collect[]=a+b&&collect%5B%5D=c%2Fd&x=1&target=%zz&module=m%2&collect[]=%FF",
        ));
        assert_eq!(r.collect(), ["a b", "c/d", "\u{fffd}"]);
        assert!(r.exclude().is_empty());
        assert_eq!(r.target(), Some("%zz"));
        assert_eq!(r.module(), Some("m%2"));
        let r = ScrapeRequest::from_query(Some("exclude[]=a&exclude%5B%5D=b+c"));
        assert_eq!(r, ScrapeRequest::default().with_exclude(["a", "b c"]));
        // A key without `=` has an empty value.
        let r = ScrapeRequest::from_query(Some("target&collect[]"));
        assert_eq!(r.target(), Some(""));
        assert_eq!(r.collect(), [""]);
        assert_eq!(ScrapeRequest::from_query(None), ScrapeRequest::default());
        // Repeated, the first `target` and `module` count, as with Go's `Get`;
        // an empty module is none (Go's `Get` gives "" for both).
        let r = ScrapeRequest::from_query(Some("target=a&module=x&target=b&module=y"));
        assert_eq!((r.target(), r.module()), (Some("a"), Some("x")));
        let r = ScrapeRequest::from_query(Some("module=&target=a&module=x"));
        assert_eq!((r.target(), r.module()), (Some("a"), None));
    }
}
