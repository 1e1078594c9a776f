//! The registry: the set of collectors one endpoint serves.
//!
//! It follows client_golang's `prometheus.Registry`: registration checks each
//! collector's descriptors against everything registered (one help, type and
//! label-name set per family name; no two collectors for the same series), and
//! a gather runs every collector, containing the ones that fail or panic.
//!
//! At gather time the encoder also refuses a series written twice and a
//! family whose sample names collide with another's (see [`NameCollision`]);
//! [`Registry::wrap`] registers collectors under a prefix and extra const
//! labels; [`Gatherers`] merges several gatherers into one scrape; and
//! [`default_registry`] is the process-wide registry, like Go's
//! `prometheus.DefaultRegisterer`.
//!
//! From the registered descriptors, a scrape of this crate's gatherers
//! knows which families only one collector writes, which the HTTP handler
//! may then stream while they are written (see the `http` module docs).
//!
//! # Cost of the duplicate-series check
//!
//! A series is hashed (its rendered labels; in the text format the bytes
//! just written, without rendering them again) and looked up in a
//! per-scrape table, as Go does. Series of an instrument
//! [`Family`](crate::metric::Family) or a map field cannot repeat, so they
//! are not hashed unless another collector writes the same family identity.
//! Measured on a snapshot `Vec` of counter series scraped to text (release
//! build, `benches/encode.rs`): the check adds about 57 instructions per
//! series to the scrape's 150 (callgrind), and in time 10-15 ns per series
//! at 10 000 series and 15-25 ns at 100 000, where the table (two
//! megabytes) no longer fits the cache and collections are checked in
//! batches whose lookups overlap. Turn it off per scrape with
//! [`MetricEncoder::check_duplicate_series`](crate::MetricEncoder::check_duplicate_series).

mod error;
mod gather;
mod gatherer;
mod shape;
pub(crate) mod wrap;

pub use self::error::{GatherError, RegisterError};
// For the modules that run collectors themselves: the handler, the scrapers, the interop.
#[cfg(any(feature = "async", feature = "prometheus"))]
pub(crate) use self::gather::collect_contained;
use self::gather::ViewEntry;
#[cfg(feature = "async")]
pub use self::gatherer::GatherFuture;
pub use self::gatherer::{Gatherer, Gatherers};
use self::shape::{desc_key, distinct_names, label_names, shape_mismatch, DescKey, FamilyShape};
pub use self::wrap::WrappingRegistry;
pub use crate::encoding::NameCollision;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use crate::collector::Collector;
use crate::desc::Desc;
use crate::encoding::Claims;

struct Entry {
    collector: Arc<dyn Collector>,
    /// The async collector `collector` stands in for, if it is one.
    #[cfg(feature = "async")]
    asynchronous: Option<Arc<dyn crate::collector::AsyncCollector>>,
    /// What `AlreadyRegistered` hands back, when `collector` wraps it.
    original: Option<Arc<dyn Collector>>,
    /// Sorted identities of the collector's descriptors; empty when unchecked.
    keys: Vec<DescKey>,
    /// The family names of `keys`.
    claims: Claims,
    /// What the collector said of itself at registration.
    may_block: bool,
}

#[derive(Default)]
struct Inner {
    entries: Vec<Entry>,
    /// What a scrape runs, made anew at every (un)registration: a scrape
    /// takes one count of it rather than one per collector.
    running: Arc<[ViewEntry]>,
    families: HashMap<String, FamilyShape>,
    /// What the collectors may write, worked out by the first scrape after
    /// an (un)registration: read under the read lock with no write of its
    /// own, so scrapes on different workers do not pass a lock's line around.
    claims: OnceLock<RegistryClaims>,
}

/// What this registry's collectors may write, worked out once per change.
#[derive(Clone)]
struct RegistryClaims {
    /// Every family name, or any when a collector is unchecked.
    all: Claims,
    /// Names described by more than one collector, or any when a collector
    /// is unchecked: no collector's family of such a name may be streamed.
    shared: Claims,
}

impl Inner {
    /// `running` for the current entries, and the claims forgotten: a scrape
    /// must not see the new collectors with the old claims.
    fn refresh_running(&mut self) {
        self.claims = OnceLock::new();
        self.running = self
            .entries
            .iter()
            .map(|e| ViewEntry {
                collector: Arc::clone(&e.collector),
                #[cfg(feature = "async")]
                asynchronous: e.asynchronous.clone(),
                claims: e.claims.clone(),
            })
            .collect();
    }

    /// What the collectors may write, from the cache or worked out now;
    /// `unchecked` is [`Shape::unchecked`], set under the write lock.
    fn claims(&self, unchecked: bool) -> RegistryClaims {
        self.claims
            .get_or_init(|| self.work_out_claims(unchecked))
            .clone()
    }

    fn work_out_claims(&self, unchecked: bool) -> RegistryClaims {
        if unchecked {
            return RegistryClaims {
                all: Claims::any(),
                shared: Claims::any(),
            };
        }
        RegistryClaims {
            all: Claims::names(self.families.keys().cloned()),
            shared: Claims::names(
                self.families
                    .iter()
                    .filter(|(_, shape)| shape.collectors > 1)
                    .map(|(name, _)| name.clone()),
            ),
        }
    }
}

/// A set of collectors, checked on registration and gathered on each scrape.
///
/// # Example
///
/// ```
/// use exporter_core::{Collector, Registry};
///
/// #[derive(Collector)]
/// struct Build {
///     /// Whether the last build passed.
///     #[metric(gauge)]
///     build_passing: bool,
/// }
///
/// let registry = Registry::new();
/// registry.register(Build { build_passing: true })?;
/// assert!(registry.gather_text().contains("build_passing 1\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct Registry {
    inner: RwLock<Inner>,
    /// What every scrape asks before it starts: on a cache line of its
    /// own, away from the lock's, which every scrape writes.
    shape: CacheLine<Shape>,
}

/// See [`Registry::shape`].
#[derive(Default)]
struct Shape {
    /// Registered collectors that may block (see [`Collector::may_block`]).
    blocking: AtomicUsize,
    /// Whether an unchecked collector (it describes nothing) is registered:
    /// then the registry cannot say which families it writes. Never
    /// cleared: such a collector cannot be unregistered.
    unchecked: AtomicBool,
}

/// A value alone on its cache line (two lines: x86 fetches them in pairs).
#[derive(Default)]
#[repr(align(128))]
struct CacheLine<T>(T);

impl<T> std::ops::Deref for CacheLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Registry")
            .field("collectors", &inner.entries.len())
            .field("families", &inner.families.len())
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a collector.
    ///
    /// # Errors
    ///
    /// - [`RegisterError::AlreadyRegistered`], holding the registered one, when a
    ///   collector with the same descriptors is registered already.
    /// - [`RegisterError::Inconsistent`] when a descriptor's family name is
    ///   registered with another help, type or label names, when one of its
    ///   series (name plus const labels) belongs to another collector, or when
    ///   the collector describes one series twice.
    pub fn register<C: Collector + 'static>(&self, collector: C) -> Result<(), RegisterError> {
        self.register_arc(Arc::new(collector))
    }

    /// Registers a shared collector; see [`register`](Self::register).
    ///
    /// # Errors
    ///
    /// As for [`register`](Self::register).
    pub fn register_arc(&self, collector: Arc<dyn Collector>) -> Result<(), RegisterError> {
        self.register_entry(collector, None)
    }

    /// Registers `collector`, which stands for `original` (if any) in errors.
    pub(crate) fn register_entry(
        &self,
        collector: Arc<dyn Collector>,
        original: Option<Arc<dyn Collector>>,
    ) -> Result<(), RegisterError> {
        self.register_any(
            collector,
            original,
            #[cfg(feature = "async")]
            None,
        )
    }

    /// Registers an async collector: its scrape runs at every
    /// [`gather_async`](Self::gather_async), concurrently with the other
    /// async collectors, and is cancelled at the scrape deadline. A sync
    /// gather ([`Gatherer::gather_into`]) cannot await it and reports it as
    /// failed with [`NeedsAsync`](crate::collector::NeedsAsync).
    ///
    /// # Errors
    ///
    /// As for [`register`](Self::register); `AlreadyRegistered` holds a
    /// stand-in collector with the same descriptors and name.
    #[cfg(feature = "async")]
    pub fn register_async<C: crate::collector::AsyncCollector + 'static>(
        &self,
        collector: C,
    ) -> Result<(), RegisterError> {
        let collector: Arc<dyn crate::collector::AsyncCollector> = Arc::new(collector);
        let entry = Arc::new(crate::collector::scrape::AsyncEntry(Arc::clone(&collector)));
        self.register_any(entry, None, Some(collector))
    }

    fn register_any(
        &self,
        collector: Arc<dyn Collector>,
        original: Option<Arc<dyn Collector>>,
        #[cfg(feature = "async")] asynchronous: Option<Arc<dyn crate::collector::AsyncCollector>>,
    ) -> Result<(), RegisterError> {
        // Asked once, outside the lock, and remembered for unregistering.
        let may_block = collector.may_block();
        // `try_describe`: a descriptor that failed to build is an error here,
        // not an empty list that would register the collector as unchecked.
        let descs = collector.try_describe()?;
        // And one that lists an invalid descriptor (a wrapper that forwards
        // `describe` only, Go's `NewInvalidDesc`) is refused with its error.
        if let Some(e) = descs.iter().find_map(|d| d.error()) {
            return Err(RegisterError::InvalidDesc(e.clone()));
        }
        let mut keys: Vec<DescKey> = descs.iter().map(|d| desc_key(d)).collect();
        keys.sort();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(RegisterError::Inconsistent {
                name: w[0].0.clone(),
                reason: "the collector describes the same series twice",
            });
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if keys.is_empty() {
            // Under the write lock, so a scrape's view and this flag agree.
            self.shape.unchecked.store(true, Ordering::Relaxed);
        } else {
            if let Some(existing) = inner.entries.iter().find(|e| e.keys == keys) {
                return Err(RegisterError::AlreadyRegistered {
                    existing: Arc::clone(existing.original.as_ref().unwrap_or(&existing.collector)),
                });
            }
            for key in &keys {
                if inner
                    .entries
                    .iter()
                    .any(|e| e.keys.binary_search(key).is_ok())
                {
                    return Err(RegisterError::Inconsistent {
                        name: key.0.clone(),
                        reason:
                            "a registered collector already has this name and const label values",
                    });
                }
            }
            for desc in &descs {
                if let Some(shape) = inner.families.get(desc.name()) {
                    if let Some(reason) = shape_mismatch(shape, desc) {
                        return Err(RegisterError::Inconsistent {
                            name: desc.name().to_owned(),
                            reason,
                        });
                    }
                }
            }
            for desc in &descs {
                // The new collector's own other families count too.
                let lookup = |name: &str| {
                    inner.families.get(name).map(|s| s.metric_type).or_else(|| {
                        descs
                            .iter()
                            .find(|d| d.name() == name)
                            .map(|d| d.metric_type())
                    })
                };
                if crate::encoding::check::collision(desc.name(), desc.metric_type(), lookup)
                    .is_some()
                {
                    return Err(RegisterError::Inconsistent {
                        name: desc.name().to_owned(),
                        reason: "its sample names collide with another family's (e.g. `x_count` next to a histogram `x`)",
                    });
                }
            }
            for desc in &descs {
                inner
                    .families
                    .entry(desc.name().to_owned())
                    .or_insert_with(|| FamilyShape {
                        help: desc.help().to_owned(),
                        metric_type: desc.metric_type(),
                        label_names: label_names(desc),
                        uses: 0,
                        collectors: 0,
                    })
                    .uses += 1;
            }
            for name in distinct_names(&keys) {
                if let Some(shape) = inner.families.get_mut(name) {
                    shape.collectors += 1;
                }
            }
        }
        drop(descs);
        let claims = Claims::names(distinct_names(&keys));
        inner.entries.push(Entry {
            collector,
            #[cfg(feature = "async")]
            asynchronous,
            original,
            keys,
            claims,
            may_block,
        });
        inner.refresh_running();
        if may_block {
            self.shape.blocking.fetch_add(1, Ordering::Relaxed);
        }
        drop(inner);
        Ok(())
    }

    /// Removes the registered collector that has the same descriptors as
    /// `collector`. Returns whether one was removed.
    ///
    /// Unchecked collectors (no descriptors) cannot be unregistered this way,
    /// as in Go.
    pub fn unregister(&self, collector: &dyn Collector) -> bool {
        self.unregister_descs(&collector.describe())
    }

    /// Registers collectors with a name prefix and extra const labels; see
    /// [`WrappingRegistry`].
    pub fn wrap(&self) -> WrappingRegistry<'_> {
        WrappingRegistry::new(self)
    }

    /// Removes the registered collector whose descriptors are `descs`.
    pub(crate) fn unregister_descs(&self, descs: &[&Desc]) -> bool {
        let mut keys: Vec<DescKey> = descs.iter().map(|d| desc_key(d)).collect();
        if keys.is_empty() {
            return false;
        }
        keys.sort();
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let Some(pos) = inner.entries.iter().position(|e| e.keys == keys) else {
            return false;
        };
        let entry = inner.entries.remove(pos);
        inner.refresh_running();
        if entry.may_block {
            self.shape.blocking.fetch_sub(1, Ordering::Relaxed);
        }
        for name in distinct_names(&entry.keys) {
            if let Some(shape) = inner.families.get_mut(name) {
                shape.collectors -= 1;
            }
        }
        for (name, _) in &entry.keys {
            if let Some(shape) = inner.families.get_mut(name) {
                shape.uses -= 1;
                if shape.uses == 0 {
                    inner.families.remove(name);
                }
            }
        }
        drop(inner);
        true
    }
}

/// The process-wide registry, like Go's `prometheus.DefaultRegisterer` and
/// `DefaultGatherer`: libraries register their instruments here, and an
/// exporter serves it unless it builds its own [`Registry`].
///
/// ```
/// use exporter_core::metric::{Counter, Metric};
/// use exporter_core::{default_registry, Desc, MetricType};
///
/// let desc = Desc::new("doc_default_total", "Example.", MetricType::Counter, [] as [&str; 0])?;
/// default_registry().register(Metric::new(desc, Counter::<u64>::new())?)?;
/// assert!(default_registry().gather_text().contains("doc_default_total 0\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn default_registry() -> &'static Registry {
    static DEFAULT: OnceLock<Registry> = OnceLock::new();
    DEFAULT.get_or_init(Registry::new)
}
