//! Scrapers: the shape real exporters are built in (mysqld_exporter,
//! node_exporter, the reference repo's `pkg/scraper`), made the framework's.
//!
//! A [`Scraper`] is a named, documented unit of collection with a default
//! on/off state: usually an `async fn` that reads one part of the system it
//! exports and returns a derived snapshot struct. A [`Scrapers`] set holds
//! them; the exporter runtime
//! ([`ExporterBuilder::scrapers`](crate::runtime::ExporterBuilder::scrapers))
//! gives each a `--collect.<name>` / `--no-collect.<name>` flag (plus
//! `--collect.disable-defaults`), and every scrape, through a
//! [`ScrapeGatherer`]:
//!
//! 1. checks the target first when the exporter has a [`Connect`] step:
//!    `<ns>_up` 1, or `<ns>_up` 0 and nothing else from the scrapers (the
//!    scrape is still a 200 with the exporter's own metrics, as
//!    mysqld_exporter and redis_exporter answer);
//! 2. runs the enabled scrapers concurrently on the scrape's task, each
//!    under the scrape deadline ([`ScrapeContext::deadline`]); one that
//!    errs, panics or overruns loses only its own families and is logged
//!    with its name, never failing the scrape;
//! 3. reports `<ns>_scrape_collector_duration_seconds{collector="<name>"}`
//!    and `<ns>_scrape_collector_success{collector="<name>"}`
//!    (node_exporter's names).
//!
//! A request may restrict itself to some scrapers with `collect[]=<name>`
//! (node_exporter); an unknown or disabled name is a 400 naming it. Or it
//! may leave some out with `exclude[]=<name>` (node_exporter 1.8): a name
//! it does not have or has disabled changes nothing, and the two filters
//! together are a 400.
//! With [`Scrapers::coalesce`], concurrent scrapes of the same selection and
//! target share one collection (an HA pair of Prometheus servers queries the
//! target once). A [`Probe`] serves the same scrapers at `/probe?target=`
//! for multi-target use.
//!
//! # Example
//!
//! ```
//! use exporter_core::scrape::{ScrapeContext, ScrapeError, Scraper, Scrapers};
//! use exporter_core::{testutil, Collector};
//!
//! #[derive(Collector)]
//! #[collector(namespace = "app")]
//! struct Queue {
//!     /// Jobs waiting.
//!     #[metric(gauge)]
//!     queue_length: f64,
//! }
//!
//! struct QueueScraper;
//!
//! impl Scraper for QueueScraper {
//!     type Output = Queue;
//!     fn name(&self) -> &str { "queue" }
//!     fn help(&self) -> &str { "Collect the length of the job queue" }
//!     async fn scrape(&self, ctx: &ScrapeContext) -> Result<Queue, ScrapeError> {
//!         // Bound the call to the system by the scrape's deadline.
//!         let length = ctx.within(async { 3.0 }).await?;
//!         Ok(Queue { queue_length: length })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
//! let scrapers = Scrapers::new("app").with(QueueScraper);
//! let gatherer = scrapers.gatherer(scrapers.default_selection(), ())?;
//! let text = testutil::gather_async_text(&gatherer).await?;
//! assert!(text.contains("app_queue_length 3\n"));
//! assert!(text.contains("app_scrape_collector_success{collector=\"queue\"} 1\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod context;
mod gather;
mod probe;
mod report;
mod set;
mod steps;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use self::context::{ConnectContext, ScrapeContext};
pub use self::gather::ScrapeGatherer;
pub use self::probe::Probe;
pub use self::set::{Scrapers, ScrapersError, Selection};
pub use crate::collector::{BadRequest, ScrapeRequest};

use crate::collector::{Collector, StaticCollector};
use crate::desc::{Desc, DescError};
use crate::encoding::MetricEncoder;
use crate::error::CollectError;

/// A named, documented unit of collection: mysqld_exporter's `Scraper`
/// interface (`Name`, `Help`, `Scrape`).
///
/// `T` is what the exporter's [`Connect`] step hands every scraper of a
/// scrape (a client, a connection, a path); `()` when there is none. The
/// scrape returns a snapshot, usually a `#[derive(Collector)]` struct
/// (described before any scrape, so its names are checked when the
/// exporter starts), or [`Unchecked`] for output whose names are only
/// known at scrape time.
///
/// Implement `scrape` as an `async fn`; the future must be `Send`.
pub trait Scraper<T = ()>: Send + Sync + 'static
where
    T: Send + Sync + 'static,
{
    /// What a scrape returns.
    type Output: ScrapeOutput;

    /// The name in `--collect.<name>`, `collect[]=<name>` and the
    /// `collector` label: lower case, digits, `_`, `-` and `.`.
    fn name(&self) -> &str;

    /// One line for `--help`.
    fn help(&self) -> &str;

    /// Whether the scraper runs without `--collect.<name>`. Default `true`.
    fn enabled_by_default(&self) -> bool {
        true
    }

    /// Reads the system. `ctx` gives the connection and the deadline; a
    /// scraper that outlives the deadline is cancelled (dropped) and
    /// reported with `success 0`, so bound slow calls with
    /// [`ScrapeContext::within`] to fail cleanly instead.
    fn scrape(
        &self,
        ctx: &ScrapeContext<T>,
    ) -> impl Future<Output = Result<Self::Output, ScrapeError>> + Send;
}

/// What a [`Scraper`] may return: any [`StaticCollector`] (every derived
/// struct), or an [`Unchecked`] collector.
pub trait ScrapeOutput: Collector + Sized + 'static {
    /// The descriptors known before any scrape; empty for unchecked output.
    /// Output whose descriptors could not be built lists an
    /// [invalid](Desc::invalid) one, and [`try_descs`](ScrapeOutput::try_descs)
    /// gives the error.
    fn descs() -> Vec<&'static Desc>;

    /// [`descs`](ScrapeOutput::descs), or the error that kept a descriptor
    /// from being built, so that a broken descriptor is reported when the
    /// exporter starts instead of reading as unchecked output. The scraper
    /// machinery calls this one.
    ///
    /// # Errors
    ///
    /// The [`DescError`] of the first descriptor that failed.
    fn try_descs() -> Result<Vec<&'static Desc>, DescError> {
        Ok(Self::descs())
    }
}

impl<C: StaticCollector + 'static> ScrapeOutput for C {
    fn descs() -> Vec<&'static Desc> {
        C::static_describe()
    }

    fn try_descs() -> Result<Vec<&'static Desc>, DescError> {
        C::try_static_describe()
    }
}

/// Scraper output whose families are only known at scrape time (for
/// example one family per line of `/proc/meminfo`): it is not checked when
/// the exporter starts, and its presence turns off streaming of the scrape
/// (the scrape cannot know which families nobody else writes; see "What is
/// held in memory" in the `http` module docs).
#[derive(Debug)]
pub struct Unchecked<C>(pub C);

impl<C: Collector> Collector for Unchecked<C> {
    fn describe(&self) -> Vec<&Desc> {
        Vec::new()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        self.0.collect(encoder)
    }

    fn name(&self) -> &str {
        self.0.name()
    }
}

impl<C: Collector + 'static> ScrapeOutput for Unchecked<C> {
    fn descs() -> Vec<&'static Desc> {
        Vec::new()
    }
}

/// The step that checks the target before the scrapers run and gives them
/// the handle they use (`T`): a ping, a connection. `Ok` reports
/// `<ns>_up 1`, an error `<ns>_up 0` (logged) and no scraper runs.
///
/// On `/metrics` [`ConnectContext::target`] is `None` (the exporter's own
/// configured target); on `/probe` it is the request's `target`, already
/// allowed by the [`Probe`]. `()` is the exporter without a target: no
/// `<ns>_up`, scrapers get `&()`.
pub trait Connect<T>: Send + Sync + 'static {
    /// Reaches the target. Bound it by [`ConnectContext::within`].
    fn connect(&self, ctx: &ConnectContext) -> impl Future<Output = Result<T, ScrapeError>> + Send;

    /// Whether `<ns>_up` is reported. Default `true`.
    fn reports_up(&self) -> bool {
        true
    }
}

impl Connect<()> for () {
    async fn connect(&self, _: &ConnectContext) -> Result<(), ScrapeError> {
        Ok(())
    }

    fn reports_up(&self) -> bool {
        false
    }
}

/// A [`Connect`] from a closure: `connect_fn(|ctx| async move { .. })`.
///
/// ```
/// use exporter_core::scrape::{connect_fn, ConnectContext, ScrapeError};
///
/// let connect = connect_fn(|ctx: ConnectContext| async move {
///     let addr = ctx.target().unwrap_or("127.0.0.1:6379").to_owned();
///     Ok::<_, ScrapeError>(addr)
/// });
/// # drop(connect);
/// ```
pub fn connect_fn<T, F, Fut>(f: F) -> ConnectFn<F>
where
    F: Fn(ConnectContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ScrapeError>> + Send + 'static,
{
    ConnectFn(f)
}

/// The [`Connect`] returned by [`connect_fn`].
#[derive(Debug, Clone)]
pub struct ConnectFn<F>(F);

impl<T, F, Fut> Connect<T> for ConnectFn<F>
where
    F: Fn(ConnectContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ScrapeError>> + Send + 'static,
{
    fn connect(&self, ctx: &ConnectContext) -> impl Future<Output = Result<T, ScrapeError>> + Send {
        (self.0)(ctx.clone())
    }
}

/// A [`Scraper`] from a closure, for small scrapers and tests:
/// `scraper("name", "help", |ctx| async move { .. })`.
///
/// ```
/// use exporter_core::scrape::{scraper, ScrapeContext, ScrapeError, Scrapers};
/// use exporter_core::Collector;
///
/// #[derive(Collector)]
/// struct Load {
///     /// 1m load average.
///     #[metric(gauge)]
///     node_load1: f64,
/// }
///
/// let load = scraper("loadavg", "Exposes load average", |_ctx: ScrapeContext| async move {
///     Ok::<_, ScrapeError>(Load { node_load1: 0.5 })
/// });
/// let scrapers = Scrapers::new("node").with(load);
/// assert_eq!(scrapers.names().collect::<Vec<_>>(), ["loadavg"]);
/// ```
pub fn scraper<T, O, F, Fut>(name: impl Into<String>, help: impl Into<String>, f: F) -> FnScraper<F>
where
    T: Send + Sync + 'static,
    O: ScrapeOutput,
    F: Fn(ScrapeContext<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, ScrapeError>> + Send + 'static,
{
    FnScraper {
        name: name.into(),
        help: help.into(),
        enabled: true,
        f,
    }
}

/// The [`Scraper`] returned by [`scraper`].
pub struct FnScraper<F> {
    name: String,
    help: String,
    enabled: bool,
    f: F,
}

impl<F> FnScraper<F> {
    /// Off unless `--collect.<name>` is given (node_exporter's `processes`).
    #[must_use]
    pub fn disabled_by_default(mut self) -> Self {
        self.enabled = false;
        self
    }
}

impl<F> std::fmt::Debug for FnScraper<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnScraper")
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl<T, O, F, Fut> Scraper<T> for FnScraper<F>
where
    T: Send + Sync + 'static,
    O: ScrapeOutput,
    F: Fn(ScrapeContext<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, ScrapeError>> + Send + 'static,
{
    type Output = O;

    fn name(&self) -> &str {
        &self.name
    }

    fn help(&self) -> &str {
        &self.help
    }

    fn enabled_by_default(&self) -> bool {
        self.enabled
    }

    fn scrape(
        &self,
        ctx: &ScrapeContext<T>,
    ) -> impl Future<Output = Result<O, ScrapeError>> + Send {
        (self.f)(ctx.clone())
    }
}

/// Why a scraper (or the [`Connect`] step) has no result. Reported in the
/// log with the scraper's name and as `success 0`, never as a failed scrape.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapeError {
    /// The scrape deadline passed ([`ScrapeContext::within`]).
    #[error("timed out at the scrape deadline")]
    TimedOut,
    /// The scraper panicked (the panic is contained).
    #[error("panicked: {0}")]
    Panicked(String),
    /// Encoding its snapshot failed.
    #[error(transparent)]
    Collect(#[from] CollectError),
    /// Any other failure: the system's error.
    #[error("{0}")]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl ScrapeError {
    /// Wraps the system's error (`.map_err(ScrapeError::other)?`).
    pub fn other(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ScrapeError::Other(error.into())
    }

    /// An error with a message.
    pub fn msg(message: impl std::fmt::Display) -> Self {
        ScrapeError::Other(message.to_string().into())
    }
}

impl From<std::io::Error> for ScrapeError {
    fn from(error: std::io::Error) -> Self {
        ScrapeError::Other(Box::new(error))
    }
}

/// One scraper's scrape, type-erased: its future, then (in the same
/// allocation) the snapshot it returned, so a scrape costs one allocation
/// per scraper.
trait ScrapeRun: Send {
    /// Polls the scrape; once it is ready the snapshot is kept inside.
    fn poll_run(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), ScrapeError>>;
    /// The snapshot, once the scrape succeeded.
    fn snapshot(self: Pin<&Self>) -> Option<&dyn Collector>;
    /// Moves the snapshot out, for a collection shared by coalesced requests.
    fn take_shared(self: Pin<&mut Self>) -> Option<Arc<dyn Collector>>;
    /// Drops the future (cancels the scrape) or the snapshot.
    fn cancel(self: Pin<&mut Self>);
}

pin_project_lite::pin_project! {
    #[project = RunProj]
    #[project_ref = RunProjRef]
    #[project_replace = RunOwned]
    enum RunOf<F, O> {
        Running { #[pin] fut: F },
        Done { output: O },
        Gone,
    }
}

impl<F, O> ScrapeRun for RunOf<F, O>
where
    F: Future<Output = Result<O, ScrapeError>> + Send,
    O: ScrapeOutput,
{
    fn poll_run(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), ScrapeError>> {
        let result = match self.as_mut().project() {
            RunProj::Running { fut } => match fut.poll(cx) {
                Poll::Ready(result) => result,
                Poll::Pending => return Poll::Pending,
            },
            RunProj::Done { .. } => return Poll::Ready(Ok(())),
            RunProj::Gone => return Poll::Ready(Err(ScrapeError::TimedOut)),
        };
        Poll::Ready(match result {
            Ok(output) => {
                self.project_replace(RunOf::Done { output });
                Ok(())
            }
            Err(error) => {
                self.project_replace(RunOf::Gone);
                Err(error)
            }
        })
    }

    fn snapshot(self: Pin<&Self>) -> Option<&dyn Collector> {
        match self.project_ref() {
            RunProjRef::Done { output } => Some(output),
            RunProjRef::Running { .. } | RunProjRef::Gone => None,
        }
    }

    fn take_shared(self: Pin<&mut Self>) -> Option<Arc<dyn Collector>> {
        match self.project_replace(RunOf::Gone) {
            RunOwned::Done { output } => Some(Arc::new(output)),
            RunOwned::Running { .. } | RunOwned::Gone => None,
        }
    }

    fn cancel(self: Pin<&mut Self>) {
        self.project_replace(RunOf::Gone);
    }
}

/// A [`Scraper`] behind a pointer, whatever its output type.
trait DynScraper<T>: Send + Sync {
    fn name(&self) -> &str;
    fn help(&self) -> &str;
    fn enabled_by_default(&self) -> bool;
    fn descs(&self) -> Result<Vec<&'static Desc>, DescError>;
    fn scrape<'a>(&'a self, ctx: &'a ScrapeContext<T>) -> Pin<Box<dyn ScrapeRun + 'a>>;
}

impl<T: Send + Sync + 'static, S: Scraper<T>> DynScraper<T> for S {
    fn name(&self) -> &str {
        Scraper::name(self)
    }

    fn help(&self) -> &str {
        Scraper::help(self)
    }

    fn enabled_by_default(&self) -> bool {
        Scraper::enabled_by_default(self)
    }

    fn descs(&self) -> Result<Vec<&'static Desc>, DescError> {
        S::Output::try_descs()
    }

    fn scrape<'a>(&'a self, ctx: &'a ScrapeContext<T>) -> Pin<Box<dyn ScrapeRun + 'a>> {
        Box::pin(RunOf::Running {
            fut: Scraper::scrape(self, ctx),
        })
    }
}

/// A [`Connect`] behind a pointer.
trait DynConnect<T>: Send + Sync {
    /// The target at once when there is nothing to connect to (the `()`
    /// step, whose `connect` is `Ok(())`): no future to box and poll.
    fn ready(&self) -> Option<T>;
    fn connect<'a>(
        &'a self,
        ctx: &'a ConnectContext,
    ) -> Pin<Box<dyn Future<Output = Result<T, ScrapeError>> + Send + 'a>>;
    fn reports_up(&self) -> bool;
}

impl<T: Send + 'static, C: Connect<T>> DynConnect<T> for C {
    fn ready(&self) -> Option<T> {
        if std::any::TypeId::of::<C>() != std::any::TypeId::of::<()>() {
            return None;
        }
        // `C` is `()`, so `T` is `()` too (the one `Connect` of `()` in this
        // crate; another crate's `impl Connect<Its> for ()` fails the
        // downcast and connects as usual). A box of `()` allocates nothing.
        let unit: Box<dyn std::any::Any> = Box::new(());
        unit.downcast::<T>().ok().map(|t| *t)
    }

    fn connect<'a>(
        &'a self,
        ctx: &'a ConnectContext,
    ) -> Pin<Box<dyn Future<Output = Result<T, ScrapeError>> + Send + 'a>> {
        Box::pin(Connect::connect(self, ctx))
    }

    fn reports_up(&self) -> bool {
        Connect::reports_up(self)
    }
}
