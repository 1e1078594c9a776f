//! Streaming a big family while it is written ("spilling"), so that a scrape
//! need not hold its whole body in memory.
//!
//! A family may go out before the scrape ends only if nothing written later
//! can add to it: the text formats need a family's lines together, under one
//! header. The registry knows which collector alone describes which names
//! ([`Claims`]); while a collector runs, the gather loops keep a stack of
//! [`Scope`]s on the encoder saying which names are that collector's alone
//! in the whole scrape (its own, minus those another collector of its
//! registry, another gatherer, or the handler's self-metrics describe).
//!
//! Such a family is written to its buffer as usual; when the buffer (header
//! and samples) reaches the threshold after a series, the buffer goes to the
//! sink and is reused. From then on the family is *open*: no other family
//! may go out until the collector returns, when the rest of the open family
//! goes out and the family is *closed*: its name is refused to any later
//! writer ([`FamilyStreamed`]), so the output never holds it twice. Another
//! family of the same collector that passes the threshold while one is open
//! waits, and goes out whole when the collector returns. Families that never
//! pass the threshold are finished as before, sorted by name, after the
//! streamed ones. Protobuf families are never streamed (a family message
//! carries its length up front).

use crate::error::CollectError;
use crate::registry::Claims;

use super::{FamilyEncoder, Format, MetricEncoder};

/// Where a family may be streamed: one entry of the encoder's scope stack,
/// pushed by the gather loops. A family is streamed only when some `Only`
/// scope is in force and every scope admits its name.
#[derive(Debug, Clone)]
pub(crate) enum Scope {
    /// The running collector describes these names (none when any).
    Only(Claims),
    /// Another source of the scrape may write these names (all when any).
    Not(Claims),
}

impl Scope {
    fn admits(&self, name: &str) -> bool {
        match self {
            Scope::Only(c) => c.lists(name),
            Scope::Not(c) => !c.is_any() && !c.lists(name),
        }
    }
}

/// A family was streamed to the client already (its collector was the only
/// one to describe it), and a later collector tried to write it. Reported
/// as [`CollectError::Other`] by that later collector: describe the family
/// in every collector that writes it, so the scrape knows it is shared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("metric `{name}` was already streamed to the client; collectors that share a family must each describe it")]
pub struct FamilyStreamed {
    /// The family name.
    pub name: String,
}

/// Receives the bytes of streamed families, in output order.
pub(crate) type Sink = Box<dyn FnMut(&[u8]) + Send>;

/// The streaming state of one scrape (see the module docs).
pub(crate) struct Spill {
    /// Buffered bytes of one family that make it go out.
    threshold: usize,
    sink: Sink,
    scopes: Vec<Scope>,
    /// Stop streaming once a collector failed: the scrape will be an error.
    stop_on_failure: bool,
    failed: bool,
    /// The family being streamed, if any: it belongs to the running collector.
    open: Option<usize>,
    /// The family last handed out for writing.
    current: usize,
    /// Families of the running collector that passed the threshold while
    /// another was open; they go out whole when the collector returns.
    waiting: Vec<usize>,
    /// Largest piece handed to the sink (tests check memory stays bounded).
    #[cfg(test)]
    pub(crate) largest_piece: usize,
}

impl Spill {
    /// The buffered size at which the family `idx` (just opened, named
    /// `name`) goes out; `usize::MAX` when it may not.
    pub(super) fn spill_at(this: Option<&mut Spill>, format: Format, idx: usize, name: &str) -> usize {
        let Some(spill) = this else {
            return usize::MAX;
        };
        spill.current = idx;
        if spill.open == Some(idx) {
            return spill.threshold;
        }
        let may = format != Format::Protobuf
            && !(spill.failed && spill.stop_on_failure)
            && spill.scopes.iter().any(|s| matches!(s, Scope::Only(_)))
            && spill.scopes.iter().all(|s| s.admits(name));
        if may {
            spill.threshold
        } else {
            usize::MAX
        }
    }
}

impl std::fmt::Debug for Spill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spill")
            .field("threshold", &self.threshold)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

/// Buffered bytes after which a filtered-out family's samples (which are
/// checked, then dropped) are dropped, so that they never pile up.
pub(super) const DISCARD_AT: usize = 64 * 1024;

impl MetricEncoder {
    /// Streams big families to `sink` while they are written (see the
    /// module docs): once a family that only the running collector writes
    /// holds `threshold` bytes, its bytes go to `sink`. What is not streamed
    /// is finished as usual ([`finish_chunks`](Self::finish_chunks)), and
    /// goes after the streamed families.
    ///
    /// With `stop_on_failure`, no family starts streaming after a collector
    /// of the scrape failed (the caller is going to answer with an error).
    pub(crate) fn spill_to(&mut self, threshold: usize, sink: Sink, stop_on_failure: bool) {
        self.spill = Some(Box::new(Spill {
            threshold: threshold.max(1),
            sink,
            scopes: Vec::new(),
            stop_on_failure,
            failed: false,
            open: None,
            current: 0,
            waiting: Vec::new(),
            #[cfg(test)]
            largest_piece: 0,
        }));
    }

    /// Whether families may be streamed in this scrape (so the gather loops
    /// need to say which).
    pub(crate) fn streams(&self) -> bool {
        self.spill.is_some()
    }

    /// Narrows which families may be streamed until the matching [`pop_scope`](Self::pop_scope).
    pub(crate) fn push_scope(&mut self, scope: Scope) {
        if let Some(spill) = &mut self.spill {
            spill.scopes.push(scope);
        }
    }

    pub(crate) fn pop_scope(&mut self) {
        if let Some(spill) = &mut self.spill {
            spill.scopes.pop();
        }
    }

    /// A collector of this scrape failed (see `stop_on_failure`).
    pub(crate) fn note_failure(&mut self) {
        if let Some(spill) = &mut self.spill {
            spill.failed = true;
        }
    }

    /// The error for writing a family that went out already.
    pub(super) fn streamed_error(name: &str) -> CollectError {
        CollectError::other(FamilyStreamed {
            name: name.to_owned(),
        })
    }

    /// Called by [`rollback`](Self::rollback) before it removes the failed
    /// collector's output: the open family's bytes since its last piece are
    /// dropped (the ones sent cannot be), and it is closed. Returns the
    /// family to keep although the collector created it.
    pub(super) fn spill_rollback(&mut self) -> Option<usize> {
        let spill = self.spill.as_deref_mut()?;
        spill.failed = true;
        spill.waiting.clear();
        let idx = spill.open.take()?;
        let fam = &mut self.families[idx];
        fam.body = Vec::new();
        fam.header_len = 0;
        fam.streamed = true;
        Some(idx)
    }

    /// Called when a collector returns: the family it was streaming is
    /// complete, so its last bytes go out and it is closed; so do the ones
    /// that waited for it.
    pub(crate) fn end_collector(&mut self) {
        let Some(spill) = self.spill.as_deref_mut() else {
            return;
        };
        let open = spill.open.take();
        let waiting = std::mem::take(&mut spill.waiting);
        for idx in open.into_iter().chain(waiting) {
            let fam = &mut self.families[idx];
            if fam.body.len() > fam.header_len || open == Some(idx) {
                #[cfg(test)]
                {
                    spill.largest_piece = spill.largest_piece.max(fam.body.len());
                }
                if !fam.body.is_empty() {
                    (spill.sink)(&fam.body);
                }
            }
            fam.body = Vec::new();
            fam.header_len = 0;
            fam.streamed = true;
        }
    }

    /// The bytes held in family buffers now (capacity, not length).
    #[cfg(test)]
    pub(crate) fn buffered_bytes(&self) -> usize {
        self.families.iter().map(|f| f.body.capacity()).sum::<usize>() + self.discard.capacity()
    }

    /// The largest piece streamed so far.
    #[cfg(test)]
    pub(crate) fn largest_piece(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| s.largest_piece)
    }
}

impl FamilyEncoder<'_> {
    /// The buffer passed its `spill_at`: stream it, or note that it waits.
    #[cold]
    #[inline(never)]
    pub(super) fn spill(&mut self) {
        self.spill_at = usize::MAX;
        if self.discarding {
            // Checked already; nothing will read them.
            self.body.clear();
            self.spill_at = DISCARD_AT;
            return;
        }
        let Some(spill) = self.spill.as_deref_mut() else {
            return;
        };
        match spill.open {
            Some(open) if open != spill.current => {
                if !spill.waiting.contains(&spill.current) {
                    spill.waiting.push(spill.current);
                }
            }
            _ => {
                spill.open = Some(spill.current);
                #[cfg(test)]
                {
                    spill.largest_piece = spill.largest_piece.max(self.body.len());
                }
                (spill.sink)(self.body);
                self.body.clear();
                self.spill_at = spill.threshold;
            }
        }
    }
}
