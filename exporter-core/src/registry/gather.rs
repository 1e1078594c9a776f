//! Running a registry's collectors into one scrape: the view of what is
//! registered that a gather takes, the sync and async gathers, and the
//! containment of a collector that fails or panics.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use super::gatherer::gather_to_vec;
#[cfg(feature = "async")]
use super::gatherer::GatherFuture;
use super::{GatherError, Gatherer, Registry};
use crate::collector::{panic_message, Collector};
use crate::encoding::{Claims, Format, MetricEncoder, Scope};
use crate::error::CollectError;

impl Registry {
    /// The collectors to run (with the async collector behind each, if any)
    /// and the names each describes, and the names no collector of this
    /// registry may stream (worked out only when `encoder` streams); one
    /// consistent view.
    fn view(&self, encoder: &MetricEncoder) -> View {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let shared = if encoder.streams() {
            inner
                .claims(self.shape.unchecked.load(Ordering::Relaxed))
                .shared
        } else {
            Claims::any()
        };
        let entries = Arc::clone(&inner.running);
        View { entries, shared }
    }

    /// Gathers every collector in `format`, returning the body and the failures.
    pub fn gather(&self, format: Format) -> (Vec<u8>, Vec<GatherError>) {
        gather_to_vec(self, format)
    }

    /// Gathers in the Prometheus text format, ignoring failures; handy in tests and docs.
    pub fn gather_text(&self) -> String {
        let (body, _) = self.gather(Format::Text);
        String::from_utf8_lossy(&body).into_owned()
    }

    /// Gathers every collector into `encoder`, awaiting the async ones:
    /// their scrapes run concurrently on the calling task (nothing is
    /// spawned), then every collector is encoded in registration order.
    ///
    /// An async scrape still running at `deadline` is dropped (cancelled) and
    /// reported as [`CollectError::TimedOut`] with its name; one that panics
    /// is reported as [`CollectError::Panicked`]; the others are served.
    /// Serving HTTP, the deadline is the scrape timeout Prometheus sends
    /// (`X-Prometheus-Scrape-Timeout-Seconds`) less a margin for encoding
    /// and sending. A deadline needs a Tokio runtime with time enabled.
    #[cfg(feature = "async")]
    pub async fn gather_async(
        &self,
        encoder: &mut MetricEncoder,
        deadline: Option<std::time::Instant>,
    ) -> Vec<GatherError> {
        let View { entries, shared } = self.view(encoder);
        let scrapes = entries
            .iter()
            .filter_map(|e| e.asynchronous.as_ref().map(|a| a.scrape()))
            .collect();
        let snapshots = crate::collector::scrape::run_all(scrapes, deadline).await;
        if snapshots.iter().any(Result::is_err) {
            // Known before anything is encoded: under `HttpError` the scrape
            // will be an error, so nothing should start streaming.
            encoder.note_failure();
        }
        let mut snapshots = snapshots.into_iter();
        let mut errors = Vec::new();
        encoder.push_scope(Scope::Not(shared));
        for e in entries.iter() {
            // Where a scrape that has grown may move to stream (the HTTP handler's).
            encoder.checkpoint().await;
            encoder.push_scope(Scope::Only(e.claims.clone()));
            let result = match &e.asynchronous {
                None => collect_contained(e.collector.as_ref(), encoder),
                Some(_) => match snapshots.next() {
                    Some(Ok(snapshot)) => collect_contained(snapshot.as_ref(), encoder),
                    Some(Err(error)) => Err(error),
                    None => Err(CollectError::TimedOut),
                },
            };
            encoder.pop_scope();
            if let Err(error) = result {
                encoder.note_failure();
                errors.push(GatherError {
                    collector: e.collector.name().to_owned(),
                    error,
                });
            }
        }
        encoder.pop_scope();
        errors
    }
}

/// A registry's collectors as of the start of a gather; see `Registry::view`.
pub(super) struct View {
    entries: Arc<[ViewEntry]>,
    shared: Claims,
}

pub(super) struct ViewEntry {
    pub(super) collector: Arc<dyn Collector>,
    #[cfg(feature = "async")]
    pub(super) asynchronous: Option<Arc<dyn crate::collector::AsyncCollector>>,
    /// The family names the collector describes.
    pub(super) claims: Claims,
}

impl Gatherer for Registry {
    fn may_block(&self) -> bool {
        self.shape.blocking.load(Ordering::Relaxed) > 0
    }

    #[cfg(feature = "async")]
    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<std::time::Instant>,
    ) -> GatherFuture<'a> {
        Box::pin(Registry::gather_async(self, encoder, deadline))
    }

    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        let mut errors = Vec::new();
        // Collect outside the lock, so a collector may (un)register others.
        let View { entries, shared } = self.view(encoder);
        encoder.push_scope(Scope::Not(shared));
        for e in entries.iter() {
            encoder.push_scope(Scope::Only(e.claims.clone()));
            let result = collect_contained(e.collector.as_ref(), encoder);
            encoder.pop_scope();
            if let Err(error) = result {
                errors.push(GatherError {
                    collector: e.collector.name().to_owned(),
                    error,
                });
            }
        }
        encoder.pop_scope();
        errors
    }

    fn claims_names(&self) -> bool {
        !self.shape.unchecked.load(Ordering::Relaxed)
    }

    /// Every described family name, or any when an unchecked collector
    /// (one that describes nothing) is registered.
    fn claims(&self) -> Claims {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner
            .claims(self.shape.unchecked.load(Ordering::Relaxed))
            .all
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
    // A family it was streaming is complete now: its last bytes go out.
    encoder.end_collector();
    result
}
