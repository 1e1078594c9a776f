//! [`Gatherer`]: what the HTTP handler serves (a [`Registry`](super::Registry), or several
//! merged in [`Gatherers`]), and the plumbing of one whole scrape.

use std::sync::Arc;

use super::GatherError;
use crate::encoding::{Claims, Format, MetricEncoder, Scope};

/// Something that can write a whole scrape: a [`Registry`](super::Registry), or several merged.
pub trait Gatherer: Send + Sync {
    /// Runs every collector into `encoder` and returns the failures.
    ///
    /// A failing collector's partial output is removed; the others' stays.
    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError>;

    /// Like [`gather_into`](Self::gather_into), awaiting async collectors
    /// (see [`Registry::gather_async`](super::Registry::gather_async)) and cancelling those still running
    /// at `deadline`. The default gathers synchronously.
    #[cfg(feature = "async")]
    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<std::time::Instant>,
    ) -> GatherFuture<'a> {
        let _ = deadline;
        Box::pin(std::future::ready(self.gather_into(encoder)))
    }

    /// Checks what a request asks beyond the format (its `collect[]` names,
    /// `target`, `module`) before anything is gathered; an error is answered
    /// with HTTP 400 and its message. The default accepts every request.
    /// The scrapers' gatherer ([`scrape`](crate::scrape)) refuses unknown
    /// `collect[]` names and, for `/probe`, targets it may not reach.
    #[cfg(feature = "async")]
    fn check_request(
        &self,
        request: &crate::collector::ScrapeRequest,
    ) -> Result<(), crate::collector::BadRequest> {
        let _ = request;
        Ok(())
    }

    /// Whether a collector of this gatherer may block the thread it runs on
    /// (see [`Collector::may_block`](crate::Collector::may_block)); the HTTP
    /// handler then runs its scrapes on a blocking thread. Default is `true`.
    fn may_block(&self) -> bool {
        true
    }

    /// The family names this gatherer may write, so that a scrape knows
    /// which families nobody else writes and may stream them to the client
    /// while they are written (see the [`http`](crate::http) handler docs).
    ///
    /// The default says "any family": a gatherer that does not override it
    /// (a foreign one, such as a `prometheus` registry) turns streaming off
    /// for the scrapes it takes part in. Only this crate's gatherers
    /// override it (the type is not nameable outside the crate): claiming
    /// too little would lose a later writer's samples.
    #[doc(hidden)]
    fn claims(&self) -> Claims {
        Claims::any()
    }

    /// Whether [`claims`](Self::claims) names the families (is not "any"),
    /// asked by the handler at every scrape: so this crate's gatherers
    /// answer without working their claims out.
    #[doc(hidden)]
    fn claims_names(&self) -> bool {
        !self.claims().is_any()
    }
}

/// The future [`Gatherer::gather_async`] returns: the failures of the scrape.
#[cfg(feature = "async")]
pub type GatherFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Vec<GatherError>> + Send + 'a>>;

impl<G: Gatherer + ?Sized> Gatherer for Arc<G> {
    fn may_block(&self) -> bool {
        (**self).may_block()
    }

    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        (**self).gather_into(encoder)
    }

    #[cfg(feature = "async")]
    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<std::time::Instant>,
    ) -> GatherFuture<'a> {
        (**self).gather_async(encoder, deadline)
    }

    #[cfg(feature = "async")]
    fn check_request(
        &self,
        request: &crate::collector::ScrapeRequest,
    ) -> Result<(), crate::collector::BadRequest> {
        (**self).check_request(request)
    }

    fn claims(&self) -> Claims {
        (**self).claims()
    }

    fn claims_names(&self) -> bool {
        (**self).claims_names()
    }
}

/// Several gatherers served as one scrape, like Go's `prometheus.Gatherers`.
///
/// Families of the same name from different gatherers are merged under one
/// header when they agree on help, type and label names; the gather-time
/// checks (no duplicate series, no colliding names) apply across all of them,
/// and a collector that breaks them is reported with its name and left out.
///
/// # Example
///
/// ```
/// use exporter_core::registry::Gatherers;
/// use exporter_core::{Collector, Format, Registry};
/// use std::sync::Arc;
///
/// #[derive(Collector)]
/// struct Up {
///     /// Whether the target is up.
///     #[metric(gauge)]
///     up: bool,
/// }
///
/// let (app, libs) = (Arc::new(Registry::new()), Arc::new(Registry::new()));
/// app.register(Up { up: true })?;
/// let all = Gatherers::new().with(app).with(libs);
/// let (body, errors) = all.gather(Format::Text);
/// assert!(errors.is_empty());
/// assert!(String::from_utf8(body)?.contains("up 1\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Gatherers {
    gatherers: Vec<Arc<dyn Gatherer>>,
}

impl std::fmt::Debug for Gatherers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gatherers")
            .field("len", &self.gatherers.len())
            .finish()
    }
}

impl Gatherers {
    /// No gatherers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a gatherer (a [`Registry`](super::Registry), another `Gatherers`, or with the
    /// `prometheus` feature a `prometheus::Registry` adapter).
    #[must_use]
    pub fn with(mut self, gatherer: Arc<dyn Gatherer>) -> Self {
        self.gatherers.push(gatherer);
        self
    }

    /// Adds a gatherer in place.
    pub fn push(&mut self, gatherer: Arc<dyn Gatherer>) {
        self.gatherers.push(gatherer);
    }

    /// Gathers all in `format`, returning the body and the failures.
    pub fn gather(&self, format: Format) -> (Vec<u8>, Vec<GatherError>) {
        gather_to_vec(self, format)
    }
}

impl Gatherer for Gatherers {
    fn may_block(&self) -> bool {
        self.gatherers.iter().any(Gatherer::may_block)
    }

    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        let siblings = Siblings::of(&self.gatherers, encoder);
        let mut errors = Vec::new();
        for (i, g) in self.gatherers.iter().enumerate() {
            let pushed = siblings.enter(i, encoder);
            errors.extend(g.gather_into(encoder));
            Siblings::leave(pushed, encoder);
        }
        errors
    }

    /// The gatherers in turn, each running its async scrapes concurrently.
    #[cfg(feature = "async")]
    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<std::time::Instant>,
    ) -> GatherFuture<'a> {
        // One gatherer has no siblings to keep apart: its own future will do.
        if let [only] = self.gatherers.as_slice() {
            return only.gather_async(encoder, deadline);
        }
        Box::pin(async move {
            let siblings = Siblings::of(&self.gatherers, encoder);
            let mut errors = Vec::new();
            for (i, g) in self.gatherers.iter().enumerate() {
                let pushed = siblings.enter(i, encoder);
                errors.extend(g.gather_async(encoder, deadline).await);
                Siblings::leave(pushed, encoder);
            }
            errors
        })
    }

    /// Every gatherer must accept the request.
    #[cfg(feature = "async")]
    fn check_request(
        &self,
        request: &crate::collector::ScrapeRequest,
    ) -> Result<(), crate::collector::BadRequest> {
        self.gatherers
            .iter()
            .try_for_each(|g| g.check_request(request))
    }

    fn claims_names(&self) -> bool {
        self.gatherers.iter().all(Gatherer::claims_names)
    }

    /// What all of them claim together.
    fn claims(&self) -> Claims {
        let mut all = Claims::names(std::iter::empty::<String>());
        for g in &self.gatherers {
            all = all.union(&g.claims());
            if all.is_any() {
                break;
            }
        }
        all
    }
}

/// While one of several gatherers runs, the others may write the families
/// they claim: the scope stack of `encoder` says so, so none is streamed.
struct Siblings(Vec<Claims>);

impl Siblings {
    fn of(gatherers: &[Arc<dyn Gatherer>], encoder: &MetricEncoder) -> Self {
        Siblings(if encoder.streams() && gatherers.len() > 1 {
            gatherers.iter().map(Gatherer::claims).collect()
        } else {
            Vec::new()
        })
    }

    /// Scopes for gatherer `i` about to run; returns how many to pop after.
    fn enter(&self, i: usize, encoder: &mut MetricEncoder) -> usize {
        let mut pushed = 0;
        for (_, c) in self.0.iter().enumerate().filter(|&(j, _)| j != i) {
            encoder.push_scope(Scope::Not(c.clone()));
            pushed += 1;
        }
        pushed
    }

    fn leave(pushed: usize, encoder: &mut MetricEncoder) {
        for _ in 0..pushed {
            encoder.pop_scope();
        }
    }
}

/// One whole scrape of `gatherer` in `format`: the body and the failures.
pub(super) fn gather_to_vec(
    gatherer: &impl Gatherer,
    format: Format,
) -> (Vec<u8>, Vec<GatherError>) {
    let mut encoder = MetricEncoder::new(format);
    let errors = gatherer.gather_into(&mut encoder);
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    (out, errors)
}
