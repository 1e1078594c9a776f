//! The registry: the set of collectors one endpoint serves.
//!
//! It follows client_golang's `prometheus.Registry`: registration checks each
//! collector's descriptors against everything registered (one help, type and
//! label-name set per family name; no two collectors for the same series), and
//! a gather runs every collector, containing the ones that fail or panic.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, PoisonError, RwLock};

use crate::collector::Collector;
use crate::desc::{Desc, MetricType};
use crate::encoding::{Format, MetricEncoder};
use crate::error::{CollectError, GatherError, RegisterError};

/// Something that can write a whole scrape: a [`Registry`], or several merged.
pub trait Gatherer: Send + Sync {
    /// Runs every collector into `encoder` and returns the failures.
    ///
    /// A failing collector's partial output is removed; the others' stays.
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError>;
}

/// What a family name is bound to once registered: every descriptor with this
/// name must agree on these.
#[derive(Debug)]
struct FamilyShape {
    help: String,
    metric_type: MetricType,
    /// Const and variable label names, sorted.
    label_names: Vec<String>,
    /// How many registered descriptors use this name.
    uses: usize,
}

/// A descriptor's identity: name and const label values (Go's `Desc.id`).
type DescKey = (String, Vec<(String, String)>);

struct Entry {
    collector: Arc<dyn Collector>,
    /// Sorted identities of the collector's descriptors; empty when unchecked.
    keys: Vec<DescKey>,
}

#[derive(Default)]
struct Inner {
    entries: Vec<Entry>,
    families: HashMap<String, FamilyShape>,
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
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Registry")
            .field("collectors", &inner.entries.len())
            .field("families", &inner.families.len())
            .finish()
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
        let descs = collector.describe();
        let mut keys: Vec<DescKey> = descs.iter().map(|d| desc_key(d)).collect();
        keys.sort();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(RegisterError::Inconsistent {
                name: w[0].0.clone(),
                reason: "the collector describes the same series twice",
            });
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if !keys.is_empty() {
            if let Some(existing) = inner.entries.iter().find(|e| e.keys == keys) {
                return Err(RegisterError::AlreadyRegistered {
                    existing: Arc::clone(&existing.collector),
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
                inner
                    .families
                    .entry(desc.name().to_owned())
                    .or_insert_with(|| FamilyShape {
                        help: desc.help().to_owned(),
                        metric_type: desc.metric_type(),
                        label_names: label_names(desc),
                        uses: 0,
                    })
                    .uses += 1;
            }
        }
        drop(descs);
        inner.entries.push(Entry { collector, keys });
        Ok(())
    }

    /// Removes the registered collector that has the same descriptors as
    /// `collector`. Returns whether one was removed.
    ///
    /// Unchecked collectors (no descriptors) cannot be unregistered this way,
    /// as in Go.
    pub fn unregister(&self, collector: &dyn Collector) -> bool {
        let mut keys: Vec<DescKey> = collector.describe().iter().map(|d| desc_key(d)).collect();
        if keys.is_empty() {
            return false;
        }
        keys.sort();
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let Some(pos) = inner.entries.iter().position(|e| e.keys == keys) else {
            return false;
        };
        let entry = inner.entries.remove(pos);
        for (name, _) in &entry.keys {
            if let Some(shape) = inner.families.get_mut(name) {
                shape.uses -= 1;
                if shape.uses == 0 {
                    inner.families.remove(name);
                }
            }
        }
        true
    }

    /// Gathers every collector in `format`, returning the body and the failures.
    pub fn gather(&self, format: Format) -> (Vec<u8>, Vec<GatherError>) {
        let mut encoder = MetricEncoder::new(format);
        let errors = self.gather_into(&mut encoder);
        let mut out = Vec::new();
        encoder.finish_into(&mut out);
        (out, errors)
    }

    /// Gathers in the Prometheus text format, ignoring failures; handy in tests and docs.
    pub fn gather_text(&self) -> String {
        let (body, _) = self.gather(Format::Text);
        String::from_utf8_lossy(&body).into_owned()
    }

    fn collectors(&self) -> Vec<Arc<dyn Collector>> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner
            .entries
            .iter()
            .map(|e| Arc::clone(&e.collector))
            .collect()
    }
}

impl Gatherer for Registry {
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        let mut errors = Vec::new();
        // Collect outside the lock, so a collector may (un)register others.
        for collector in self.collectors() {
            if let Err(error) = collect_contained(collector.as_ref(), encoder) {
                errors.push(GatherError {
                    collector: collector.name().to_owned(),
                    error,
                });
            }
        }
        errors
    }
}

impl<G: Gatherer + ?Sized> Gatherer for Arc<G> {
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        (**self).gather_into(encoder)
    }
}

/// Runs one collector, turning a panic into an error and removing the partial
/// output of a failed collector.
pub(crate) fn collect_contained(
    collector: &dyn Collector,
    encoder: &mut MetricEncoder,
) -> Result<(), CollectError> {
    encoder.begin();
    let result = match catch_unwind(AssertUnwindSafe(|| collector.collect(encoder))) {
        Ok(result) => result,
        Err(payload) => Err(CollectError::Panicked(panic_message(payload.as_ref()))),
    };
    if result.is_err() {
        encoder.rollback();
    }
    result
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

fn desc_key(desc: &Desc) -> DescKey {
    (desc.name().to_owned(), desc.const_labels().to_vec())
}

fn label_names(desc: &Desc) -> Vec<String> {
    let mut names: Vec<String> = desc
        .const_labels()
        .iter()
        .map(|(k, _)| k.clone())
        .chain(desc.variable_labels().iter().cloned())
        .collect();
    names.sort();
    names
}

fn shape_mismatch(shape: &FamilyShape, desc: &Desc) -> Option<&'static str> {
    if shape.help != desc.help() {
        Some("a registered descriptor of this name has different help")
    } else if shape.metric_type != desc.metric_type() {
        Some("a registered descriptor of this name has a different type")
    } else if shape.label_names != label_names(desc) {
        Some("a registered descriptor of this name has different label names")
    } else {
        None
    }
}
