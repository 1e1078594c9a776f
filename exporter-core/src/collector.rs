//! The [`Collector`] trait: what a registry asks for at every scrape.

use std::sync::Arc;

use crate::desc::Desc;
use crate::encoding::MetricEncoder;
use crate::error::CollectError;

#[cfg(feature = "async")]
pub(crate) mod scrape;
#[cfg(feature = "async")]
pub use self::scrape::{
    from_async_fn, scrape_deadline, AsyncCollector, BadRequest, FromAsyncFn, NeedsAsync,
    ScrapeFuture, ScrapeRequest, Snapshot,
};

/// Something that produces metric families at scrape time.
///
/// This is Go's `prometheus.Collector`: [`describe`](Collector::describe)
/// returns every descriptor the collector can emit (the registry checks them
/// once, at registration), and [`collect`](Collector::collect) writes the
/// current samples. `#[derive(Collector)]` writes both for a struct; the
/// `custom_collector` example writes them by hand.
///
/// # Example
///
/// ```
/// use exporter_core::{Collector, CollectError, Desc, MetricEncoder, MetricType, Registry};
///
/// struct Temperature {
///     desc: Desc,
/// }
///
/// impl Collector for Temperature {
///     fn describe(&self) -> Vec<&Desc> {
///         vec![&self.desc]
///     }
///
///     fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
///         let mut family = encoder.family(&self.desc)?;
///         family.sample(&["kitchen"], 21.5)?;
///         family.sample(&["cellar"], 12.0)?;
///         Ok(())
///     }
/// }
///
/// let desc = Desc::new("room_temperature_celsius", "Room temperature.", MetricType::Gauge, ["room"])?;
/// let registry = Registry::new();
/// registry.register(Temperature { desc })?;
/// let text = registry.gather_text();
/// assert!(text.contains("room_temperature_celsius{room=\"kitchen\"} 21.5\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Collector: Send + Sync {
    /// Every descriptor this collector may write samples for.
    ///
    /// Returning an empty list makes an *unchecked* collector (as in Go): the
    /// registry cannot check it against others at registration.
    fn describe(&self) -> Vec<&Desc>;

    /// [`describe`](Collector::describe), or the error that kept a
    /// descriptor from being built. The registry calls this one, so that a
    /// collector whose descriptors failed is refused at registration
    /// ([`RegisterError::InvalidDesc`](crate::RegisterError::InvalidDesc))
    /// rather than registered as unchecked with an empty list. The default
    /// returns `describe()`; derived collectors override it.
    ///
    /// # Errors
    ///
    /// The [`DescError`](crate::DescError) of the first descriptor that failed.
    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        Ok(self.describe())
    }

    /// Writes the current samples into `encoder`.
    ///
    /// # Errors
    ///
    /// An error aborts this collector's contribution to the scrape; samples it
    /// already wrote are removed and the error is reported with [`name`](Collector::name).
    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError>;

    /// Whether [`collect`](Collector::collect) may block the thread it runs
    /// on: wait for a network answer, a lock another thread holds long, a
    /// slow file. The HTTP handler runs a scrape that has such a collector on
    /// a blocking thread, and one that has none right on the server's async
    /// workers, which is cheaper (see the [`http`](crate::http) docs).
    ///
    /// Default is `true`: a hand-written collector may do anything. Derived
    /// structs, live instruments, async collectors (their waiting happens in
    /// their `scrape` future, not in `collect`) and the crate's own
    /// collectors say `false`; so does [`from_fn(..).non_blocking()`](FromFn::non_blocking).
    fn may_block(&self) -> bool {
        true
    }

    /// A name for error messages and logs. Default is the type name.
    fn name(&self) -> &str {
        std::any::type_name::<Self>()
    }
}

impl<C: Collector + ?Sized> Collector for Arc<C> {
    fn describe(&self) -> Vec<&Desc> {
        (**self).describe()
    }

    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        (**self).try_describe()
    }

    fn may_block(&self) -> bool {
        (**self).may_block()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        (**self).collect(encoder)
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

impl<C: Collector + ?Sized> Collector for Box<C> {
    fn describe(&self) -> Vec<&Desc> {
        (**self).describe()
    }

    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        (**self).try_describe()
    }

    fn may_block(&self) -> bool {
        (**self).may_block()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        (**self).collect(encoder)
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

/// A collector whose descriptors do not depend on the instance, such as every
/// `#[derive(Collector)]` struct. Lets a snapshot type be described before any
/// snapshot exists (see [`from_fn`]).
pub trait StaticCollector: Collector {
    /// The descriptors every instance returns from [`Collector::describe`].
    /// When one could not be built, the list carries an
    /// [invalid](Desc::invalid) descriptor with the error (as
    /// [`LazyDescs::describe`] does), which registration refuses: never an
    /// empty list, which would register an unchecked collector by accident.
    fn static_describe() -> Vec<&'static Desc>;

    /// [`static_describe`](StaticCollector::static_describe), or the error
    /// that kept a descriptor from being built, as [`Collector::try_describe`].
    ///
    /// # Errors
    ///
    /// The [`DescError`](crate::DescError) of the first descriptor that failed.
    fn try_static_describe() -> Result<Vec<&'static Desc>, crate::desc::DescError> {
        Ok(Self::static_describe())
    }
}

/// The descriptors of a type, built the first time they are asked for and
/// kept for the life of the program: one set per type, not per instance or
/// scrape, as a [`StaticCollector`] needs. `#[derive(Collector)]` keeps its
/// descriptors in one; a hand-written collector can too.
///
/// ```
/// use exporter_core::collector::LazyDescs;
/// use exporter_core::{Desc, DescError, MetricType};
///
/// fn build() -> Result<Vec<Desc>, DescError> {
///     Ok(vec![Desc::builder("queue_length", MetricType::Gauge)
///         .help("Jobs waiting.")
///         .build()?])
/// }
/// static DESCS: LazyDescs = LazyDescs::new(build);
///
/// let descs = DESCS.get().unwrap();
/// assert_eq!(descs[0].name(), "queue_length");
/// // Built once: the same descriptors every time.
/// assert!(std::ptr::eq(descs, DESCS.get().unwrap()));
/// ```
pub struct LazyDescs {
    cell: std::sync::OnceLock<Built>,
    build: fn() -> Result<Vec<Desc>, crate::desc::DescError>,
}

/// What `build` made, with its error found once (a derived collector asks
/// for its descriptors at every collect).
struct Built {
    /// The descriptors, or one [invalid](Desc::invalid) descriptor that
    /// carries the error that kept them from being built.
    descs: Vec<Desc>,
    /// The error of the first invalid one, if any: a hand-written `build`
    /// may list one among others.
    error: Option<crate::desc::DescError>,
}

impl LazyDescs {
    /// Descriptors that `build` makes on first use (usable in a `static`).
    pub const fn new(build: fn() -> Result<Vec<Desc>, crate::desc::DescError>) -> Self {
        LazyDescs {
            cell: std::sync::OnceLock::new(),
            build,
        }
    }

    fn built(&'static self) -> &'static Built {
        self.cell.get_or_init(|| {
            let descs = (self.build)().unwrap_or_else(|e| vec![Desc::invalid(e)]);
            let error = descs.iter().find_map(Desc::error).cloned();
            Built { descs, error }
        })
    }

    /// The descriptors, built now if this is the first call.
    ///
    /// # Errors
    ///
    /// The error that kept a descriptor from being built, every time.
    pub fn get(&'static self) -> Result<&'static [Desc], crate::desc::DescError> {
        let built = self.built();
        match &built.error {
            Some(e) => Err(e.clone()),
            None => Ok(&built.descs),
        }
    }

    /// The descriptors as [`Collector::describe`] lists them: when they
    /// could not be built, one [invalid](Desc::invalid) descriptor that
    /// carries the error, which registration refuses. Never an empty list
    /// by accident, which would register an unchecked collector.
    pub fn describe(&'static self) -> Vec<&'static Desc> {
        self.built().descs.iter().collect()
    }
}

impl std::fmt::Debug for LazyDescs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyDescs")
            .field("descs", &self.cell.get().map(|b| &b.descs))
            .finish_non_exhaustive()
    }
}

/// A collector that builds a fresh snapshot with `scrape` at every collect,
/// the usual shape of an exporter: read the system, then report it.
///
/// # Example
///
/// ```
/// use exporter_core::{collector, Collector, Registry};
///
/// #[derive(Collector)]
/// struct Uptime {
///     /// Seconds since the system booted.
///     #[metric(gauge)]
///     uptime_seconds: f64,
/// }
///
/// let registry = Registry::new();
/// registry.register(collector::from_fn(|| Ok(Uptime { uptime_seconds: 42.5 })))?;
/// assert!(registry.gather_text().contains("uptime_seconds 42.5\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A failed read fails the collect (the registry reports it, and the other
/// collectors' output is served): `?` converts an I/O error, and
/// [`CollectError::other`] wraps any other error or message.
///
/// ```no_run
/// # use exporter_core::{collector, CollectError, Collector};
/// # #[derive(Collector)]
/// # struct Uptime {
/// #     /// Seconds since the system booted.
/// #     #[metric(gauge)]
/// #     uptime_seconds: f64,
/// # }
/// fn read_uptime() -> Result<Uptime, CollectError> {
///     let text = std::fs::read_to_string("/proc/uptime")?;
///     let uptime_seconds = text
///         .split_whitespace()
///         .next()
///         .and_then(|s| s.parse().ok())
///         .ok_or_else(|| CollectError::other(format!("cannot read /proc/uptime: {text:?}")))?;
///     Ok(Uptime { uptime_seconds })
/// }
/// let uptime = collector::from_fn(read_uptime);
/// ```
pub fn from_fn<T, F>(scrape: F) -> FromFn<F>
where
    T: StaticCollector,
    F: Fn() -> Result<T, CollectError> + Send + Sync,
{
    FromFn {
        scrape,
        may_block: true,
        name: None,
    }
}

/// The collector returned by [`from_fn`].
pub struct FromFn<F> {
    scrape: F,
    may_block: bool,
    name: Option<String>,
}

impl<F> FromFn<F> {
    /// Says that `scrape` never blocks (it computes or reads memory, as the
    /// hello world's random numbers do), so a scrape of it can run on the
    /// server's async workers. Without it, `scrape` is assumed to query
    /// something that may keep it waiting, and runs on a blocking thread.
    /// See [`Collector::may_block`].
    #[must_use]
    pub fn non_blocking(mut self) -> Self {
        self.may_block = false;
        self
    }

    /// A readable name for logs and errors; the default is the snapshot's
    /// type path.
    ///
    /// ```
    /// use exporter_core::{collector, Collector, CollectError};
    ///
    /// #[derive(Collector)]
    /// struct Disk {
    ///     /// Free bytes.
    ///     #[metric(gauge)]
    ///     disk_free_bytes: f64,
    /// }
    ///
    /// let c = collector::from_fn(|| Ok(Disk { disk_free_bytes: 1.0 })).named("disk");
    /// assert_eq!(c.name(), "disk");
    /// ```
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<F> std::fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FromFn")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T, F> Collector for FromFn<F>
where
    T: StaticCollector,
    F: Fn() -> Result<T, CollectError> + Send + Sync,
{
    fn describe(&self) -> Vec<&Desc> {
        T::static_describe()
    }

    fn try_describe(&self) -> Result<Vec<&Desc>, crate::desc::DescError> {
        T::try_static_describe()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        (self.scrape)()?.collect(encoder)
    }

    fn may_block(&self) -> bool {
        self.may_block
    }

    fn name(&self) -> &str {
        self.name
            .as_deref()
            .unwrap_or_else(|| std::any::type_name::<T>())
    }
}

/// The message of a caught panic: its payload when that is a string.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
