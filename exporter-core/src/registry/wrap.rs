//! Prefix and const-label wrapping: Go's `WrapRegistererWithPrefix` and
//! `WrapRegistererWith`.
//!
//! A wrapped collector is registered with rewritten descriptors (prefixed
//! name, extra const labels), and while it collects, the encoder rewrites
//! each family it opens the same way, so the collector itself is unchanged.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::RegisterError;
use super::Registry;
use crate::collector::panic_message;
use crate::collector::Collector;
use crate::desc::Desc;
use crate::desc::DescError;
use crate::encoding::wrap::Wrapping;
use crate::encoding::MetricEncoder;
use crate::error::CollectError;

/// A collector registered through a [`WrappingRegistry`].
pub(crate) struct Wrapped {
    inner: Arc<dyn Collector>,
    wrapping: Arc<Wrapping>,
    descs: Vec<Arc<Desc>>,
}

impl Collector for Wrapped {
    fn describe(&self) -> Vec<&Desc> {
        self.descs.iter().map(|d| &**d).collect()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        encoder.wraps.push(Arc::clone(&self.wrapping));
        let result = catch_unwind(AssertUnwindSafe(|| self.inner.collect(encoder)));
        encoder.wraps.pop();
        match result {
            Ok(r) => r,
            Err(payload) => Err(CollectError::Panicked(panic_message(payload.as_ref()))),
        }
    }

    fn may_block(&self) -> bool {
        self.inner.may_block()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}

/// Registers collectors into a [`Registry`] with a name prefix and extra
/// const labels on every family they write (Go's `WrapRegistererWithPrefix`
/// and `WrapRegistererWith`). Obtained from [`Registry::wrap`].
///
/// # Example
///
/// ```
/// use exporter_core::{Collector, Registry};
///
/// #[derive(Collector)]
/// struct Queue {
///     /// Jobs waiting.
///     #[metric(gauge)]
///     queue_length: u64,
/// }
///
/// let registry = Registry::new();
/// registry
///     .wrap()
///     .prefix("worker_")
///     .const_label("pool", "fast")
///     .register(Queue { queue_length: 3 })?;
/// assert!(registry.gather_text().contains("worker_queue_length{pool=\"fast\"} 3\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct WrappingRegistry<'r> {
    registry: &'r Registry,
    prefix: String,
    labels: Vec<(String, String)>,
}

impl<'r> WrappingRegistry<'r> {
    pub(crate) fn new(registry: &'r Registry) -> Self {
        WrappingRegistry {
            registry,
            prefix: String::new(),
            labels: Vec::new(),
        }
    }

    /// Prepends `prefix` to every family name. Default is none.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix.insert_str(0, &prefix.into());
        self
    }

    /// Adds a const label to every family. Default is none.
    pub fn const_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((name.into(), value.into()));
        self
    }

    /// Registers `collector` with the prefix and labels applied.
    ///
    /// # Errors
    ///
    /// As [`Registry::register`], on the rewritten descriptors, plus
    /// [`RegisterError::InvalidDesc`] when a rewritten descriptor is invalid
    /// (a wrapping label the collector already has). `AlreadyRegistered`
    /// hands back the collector as it was registered, unwrapped.
    pub fn register<C: Collector + 'static>(&self, collector: C) -> Result<(), RegisterError> {
        self.register_arc(Arc::new(collector))
    }

    /// Registers a shared collector; see [`register`](Self::register).
    ///
    /// # Errors
    ///
    /// As for [`register`](Self::register).
    pub fn register_arc(&self, collector: Arc<dyn Collector>) -> Result<(), RegisterError> {
        let wrapped = self.wrapped(Arc::clone(&collector))?;
        self.registry
            .register_entry(Arc::new(wrapped), Some(collector))
    }

    /// Unregisters a collector registered through an equal wrapping.
    pub fn unregister(&self, collector: &dyn Collector) -> bool {
        let wrapping = Wrapping::new(self.prefix.clone(), self.labels.clone());
        let descs: Result<Vec<Arc<Desc>>, DescError> = collector
            .describe()
            .into_iter()
            .map(|d| wrapping.wrapped(d))
            .collect();
        match descs {
            Ok(descs) => self
                .registry
                .unregister_descs(&descs.iter().map(|d| &**d).collect::<Vec<_>>()),
            Err(_) => false,
        }
    }

    fn wrapped(&self, inner: Arc<dyn Collector>) -> Result<Wrapped, DescError> {
        let wrapping = Arc::new(Wrapping::new(self.prefix.clone(), self.labels.clone()));
        let descs = inner
            .describe()
            .into_iter()
            .map(|d| wrapping.wrapped(d))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Wrapped {
            inner,
            wrapping,
            descs,
        })
    }
}
