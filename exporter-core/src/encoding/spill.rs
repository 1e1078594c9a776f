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
//!
//! A scrape may also start where it cannot stream (the HTTP request's own
//! task, which is the one that would send the bytes) and be moved once it
//! grows ([`MetricEncoder::spill_later`]): it holds everything it writes
//! until, between two collectors, it has held the threshold; then the gather
//! loop's [`checkpoint`](MetricEncoder::checkpoint) pauses it once, so that
//! whoever polls it can move it where it can wait for the client, and it
//! takes its sink there. The collectors after that stream as above.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::CollectError;

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
pub(crate) struct FamilyStreamed {
    /// The family name.
    pub(crate) name: String,
}

/// Receives the bytes of streamed families, in output order.
pub(crate) type Sink = Box<dyn FnMut(&[u8]) + Send>;

/// The streaming state of one scrape (see the module docs).
pub(crate) struct Spill {
    /// Buffered bytes of one family that make it go out, and, while there is
    /// no sink, the bytes held that make the scrape ask to move.
    threshold: usize,
    /// `None` until a scrape that started where it cannot stream is moved
    /// ([`HandOff`]): nothing goes out meanwhile.
    sink: Option<Sink>,
    /// How such a scrape asks to move, and is given its sink.
    handoff: Option<Arc<HandOff>>,
    /// Bytes the collectors wrote while there was no sink.
    held: usize,
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
    pub(super) fn spill_at(
        this: Option<&mut Spill>,
        format: Format,
        idx: usize,
        name: &str,
    ) -> usize {
        let Some(spill) = this else {
            return usize::MAX;
        };
        spill.current = idx;
        if spill.open == Some(idx) {
            return spill.threshold;
        }
        let may = format != Format::Protobuf
            && spill.sink.is_some()
            && !(spill.failed && spill.stop_on_failure)
            && spill.scopes.iter().any(|s| matches!(s, Scope::Only(_)))
            && spill.scopes.iter().all(|s| s.admits(name));
        if may {
            spill.threshold
        } else {
            usize::MAX
        }
    }

    fn new(threshold: usize, sink: Option<Sink>, stop_on_failure: bool) -> Spill {
        Spill {
            threshold: threshold.max(1),
            sink,
            handoff: None,
            held: 0,
            scopes: Vec::new(),
            stop_on_failure,
            failed: false,
            open: None,
            current: 0,
            waiting: Vec::new(),
            #[cfg(test)]
            largest_piece: 0,
        }
    }

    /// This scrape's state emptied for the next [`spill_later`](MetricEncoder::spill_later)
    /// scrape, keeping its lists' room and its [`HandOff`]; none when it
    /// moved (its hand-off was taken, and its sink is the old scrape's).
    pub(super) fn into_spare(mut self: Box<Self>) -> Option<Box<Self>> {
        if self.sink.is_some() || self.handoff.is_none() {
            return None;
        }
        self.held = 0;
        self.scopes.clear();
        self.failed = false;
        self.open = None;
        self.current = 0;
        self.waiting.clear();
        Some(self)
    }
}

/// How a scrape of [`MetricEncoder::spill_later`] asks to be moved where it
/// can stream, and is given its sink there. Shared by the scrape and
/// whoever polls it.
#[derive(Default)]
pub(crate) struct HandOff {
    asked: AtomicBool,
    sink: Mutex<Option<Sink>>,
}

impl HandOff {
    /// Whether the scrape paused to be moved (checked when it is pending).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn asked(&self) -> bool {
        self.asked.load(Ordering::Acquire)
    }

    /// The sink the scrape takes when it is polled again, wherever that is.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn give(&self, sink: Sink) {
        *self.sink.lock().unwrap_or_else(PoisonError::into_inner) = Some(sink);
    }
}

/// Pending once (waking its task at once), then ready.
#[cfg(feature = "async")]
struct YieldOnce(bool);

#[cfg(feature = "async")]
impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
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
    // The HTTP handler is what streams.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn spill_to(&mut self, threshold: usize, sink: Sink, stop_on_failure: bool) {
        self.spill = Some(Box::new(Spill::new(threshold, Some(sink), stop_on_failure)));
    }

    /// Like [`spill_to`](Self::spill_to), for a scrape that starts where it
    /// cannot stream: it holds what it writes until it has held `threshold`
    /// bytes, then asks through the returned [`HandOff`] to be moved (at its
    /// next [`checkpoint`](Self::checkpoint)) and streams from there with the
    /// sink it is given. A [`reset`](Self::reset) encoder reuses the last
    /// scrape's state: the usual scrape, which never moves, allocates nothing.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn spill_later(&mut self, threshold: usize, stop_on_failure: bool) -> Arc<HandOff> {
        let mut spill = match self.spare_spill.take() {
            Some(mut spare) => {
                spare.threshold = threshold.max(1);
                spare.stop_on_failure = stop_on_failure;
                spare
            }
            None => Box::new(Spill::new(threshold, None, stop_on_failure)),
        };
        // The last scrape's hand-off, fresh, unless someone still holds it.
        match spill.handoff.as_mut().and_then(Arc::get_mut) {
            Some(unshared) => *unshared = HandOff::default(),
            None => spill.handoff = None,
        }
        let handoff = Arc::clone(spill.handoff.get_or_insert_with(Arc::default));
        self.spill = Some(spill);
        handoff
    }

    /// Where a gather loop may pause, between two collectors: a scrape of
    /// [`spill_later`](Self::spill_later) that has held its threshold asks
    /// to be moved and yields once (waking itself), and takes its sink when
    /// polled again. Anything else passes straight through.
    // Only async gathering has a place to pause.
    #[cfg(feature = "async")]
    pub(crate) async fn checkpoint(&mut self) {
        let Some(spill) = self.spill.as_deref_mut() else {
            return;
        };
        // Not big yet; or failed, with nothing to stream after (the
        // scrape will be an error).
        if spill.held < spill.threshold || (spill.failed && spill.stop_on_failure) {
            return;
        }
        // Nothing after this point could stream (a gatherer in force that
        // cannot say what it writes): no use moving.
        if spill
            .scopes
            .iter()
            .any(|s| matches!(s, Scope::Not(c) if c.is_any()))
        {
            return;
        }
        let Some(handoff) = spill.handoff.take() else {
            return;
        };
        handoff.asked.store(true, Ordering::Release);
        YieldOnce(false).await;
        // Not moved (its poller polled on): it stays where it is, held whole.
        spill.sink = handoff
            .sink
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// Whether families may be streamed in this scrape (so the gather loops
    /// need to say which).
    pub(crate) fn streams(&self) -> bool {
        self.spill.is_some()
    }

    /// Whether families may go out now: streaming, with a sink (not a
    /// [`spill_later`](Self::spill_later) scrape still waiting to move).
    pub(crate) fn sends(&self) -> bool {
        self.spill.as_ref().is_some_and(|s| s.sink.is_some())
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
    // Async gathering is what learns of failures before encoding.
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
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
        if spill.sink.is_none() {
            // Nothing streams yet: count what this collector added (its new
            // families, and what it appended to older ones), for the hand-off.
            let new: usize = self.families[self.families_before..]
                .iter()
                .map(|f| f.body.len())
                .sum();
            let appended: usize = self
                .undo
                .iter()
                .map(|&(idx, len)| self.families[idx].body.len().saturating_sub(len))
                .sum();
            spill.held += new + appended;
            return;
        }
        let open = spill.open.take();
        let waiting = std::mem::take(&mut spill.waiting);
        for idx in open.into_iter().chain(waiting) {
            let fam = &mut self.families[idx];
            if fam.body.len() > fam.header_len || open == Some(idx) {
                #[cfg(test)]
                {
                    spill.largest_piece = spill.largest_piece.max(fam.body.len());
                }
                if let (false, Some(sink)) = (fam.body.is_empty(), &mut spill.sink) {
                    sink(&fam.body);
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
        self.families
            .iter()
            .map(|f| f.body.capacity())
            .sum::<usize>()
            + self.discard.capacity()
    }

    /// The largest piece streamed so far.
    #[cfg(test)]
    pub(crate) fn largest_piece(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| s.largest_piece)
    }
}

impl FamilyEncoder<'_> {
    /// Holds back streaming (which may wait for the client) while the caller
    /// holds a lock its series come from; returns what
    /// [`release_spill`](Self::release_spill) takes back. The buffer grows
    /// meanwhile, so hold it for a bounded number of series.
    pub(crate) fn hold_spill(&mut self) -> usize {
        std::mem::replace(&mut self.spill_at, usize::MAX)
    }

    /// Lets streaming go on after [`hold_spill`](Self::hold_spill), and
    /// streams what waits now (the lock released, waiting for the client
    /// holds up no one).
    pub(crate) fn release_spill(&mut self, held: usize) {
        self.spill_at = held;
        if self.body.len() >= self.spill_at {
            self.spill();
        }
    }

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
                let Some(sink) = &mut spill.sink else {
                    return;
                };
                spill.open = Some(spill.current);
                #[cfg(test)]
                {
                    spill.largest_piece = spill.largest_piece.max(self.body.len());
                }
                sink(self.body);
                self.body.clear();
                self.spill_at = spill.threshold;
            }
        }
    }
}

/// The family names a [`Gatherer`](crate::registry::Gatherer) (or a collector) may write in a scrape:
/// a set of names, or any name.
///
/// Cheap to clone. The default is [`Claims::any`]. Public in a private
/// module: [`Gatherer::claims`](crate::registry::Gatherer::claims) returns it,
/// but no code outside this crate can name or build one.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    /// `None`: any name.
    names: Option<Arc<hashbrown::HashSet<String>>>,
}

impl Claims {
    /// Any family name: what a gatherer claims when it cannot tell.
    pub fn any() -> Self {
        Claims { names: None }
    }

    /// Exactly these family names (after any wrapping prefix).
    pub fn names<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Claims {
            names: Some(Arc::new(names.into_iter().map(Into::into).collect())),
        }
    }

    /// Whether these are [`any`](Self::any) names.
    pub fn is_any(&self) -> bool {
        self.names.is_none()
    }

    /// Whether `name` may be written.
    pub fn may_write(&self, name: &str) -> bool {
        self.names.as_ref().is_none_or(|n| n.contains(name))
    }

    /// Whether `name` is one of the listed names (never for `any`).
    pub(crate) fn lists(&self, name: &str) -> bool {
        self.names.as_ref().is_some_and(|n| n.contains(name))
    }

    /// Names either claims, any if either is any.
    #[must_use]
    pub fn union(&self, other: &Claims) -> Claims {
        match (&self.names, &other.names) {
            (Some(a), Some(b)) => Claims::names(a.iter().chain(b.iter()).cloned()),
            _ => Claims::any(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::Claims;
    use crate::registry::{Gatherer, Gatherers, Registry};
    use crate::{CollectError, Collector, Desc, Format, MetricEncoder, MetricType};

    use super::{FamilyStreamed, Scope};

    /// A small threshold, so that tests stay fast.
    const T: usize = 4096;

    /// Writes `rows` gauge samples of `name` (reopening the family every 50
    /// rows and recording the encoder's buffered bytes then), then fails if asked.
    struct Rows {
        desc: Desc,
        count: usize,
        /// Family names written without describing them.
        undescribed: Vec<Desc>,
        fail: bool,
        peak: Arc<AtomicUsize>,
    }

    impl Rows {
        fn new(name: &str, rows: usize) -> Self {
            Self::labelled(name, rows, &[])
        }

        fn labelled(name: &str, rows: usize, consts: &[(&str, &str)]) -> Self {
            let mut b = Desc::builder(name, MetricType::Gauge)
                .help("Rows of a test.")
                .labels(["row"]);
            for (k, v) in consts {
                b = b.const_label(*k, *v);
            }
            Rows {
                desc: b.build().unwrap(),
                count: rows,
                undescribed: Vec::new(),
                fail: false,
                peak: Arc::new(AtomicUsize::new(0)),
            }
        }
    }

    impl Collector for Rows {
        fn describe(&self) -> Vec<&Desc> {
            vec![&self.desc]
        }

        fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
            let mut row = 0;
            while row < self.count {
                let mut family = encoder.family(&self.desc)?;
                for r in row..(row + 50).min(self.count) {
                    family.sample(&[format!("r{r:07}").as_str()], r as f64)?;
                }
                row += 50;
                self.peak
                    .fetch_max(encoder.buffered_bytes(), Ordering::Relaxed);
            }
            for desc in &self.undescribed {
                encoder.family(desc)?.sample(&["x"], 1)?;
            }
            if self.fail {
                return Err(CollectError::other("backend went away"));
            }
            Ok(())
        }
    }

    /// Describes nothing; writes one small family.
    struct Unchecked(Desc);

    impl Collector for Unchecked {
        fn describe(&self) -> Vec<&Desc> {
            Vec::new()
        }

        fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
            encoder.family(&self.0)?.sample(&["u"], 1)
        }
    }

    /// `(name, sorted labels) -> value`.
    type Series = BTreeMap<(String, Vec<(String, String)>), String>;

    /// A gatherer that cannot say what it writes.
    struct Foreign;

    impl Gatherer for Foreign {
        fn gather_into(&self, _: &mut MetricEncoder) -> Vec<crate::GatherError> {
            Vec::new()
        }
    }

    fn gauge(name: &str) -> Desc {
        Desc::new(name, "A test gauge.", MetricType::Gauge, ["row"]).unwrap()
    }

    struct Scrape {
        /// Streamed pieces, in order.
        pieces: Vec<Vec<u8>>,
        /// The pieces, then the finished rest.
        body: Vec<u8>,
        errors: Vec<crate::GatherError>,
        largest_piece: usize,
    }

    fn scrape(g: &dyn Gatherer, format: Format, stream: bool) -> Scrape {
        let pieces = Arc::new(Mutex::new(Vec::new()));
        let mut encoder = MetricEncoder::new(format);
        if stream {
            let sink = Arc::clone(&pieces);
            encoder.spill_to(
                T,
                Box::new(move |b: &[u8]| sink.lock().unwrap().push(b.to_vec())),
                false,
            );
        }
        let errors = g.gather_into(&mut encoder);
        let largest_piece = encoder.largest_piece();
        let pieces = std::mem::take(&mut *pieces.lock().unwrap());
        let mut body = pieces.concat();
        encoder.finish_chunks(|b| body.extend_from_slice(b));
        Scrape {
            pieces,
            body,
            errors,
            largest_piece,
        }
    }

    /// `(name, sorted labels) -> value` through `prometheus-parse`, and the
    /// families in output order (each must appear once: the strict
    /// `openmetrics-parser` refuses a family split in two).
    fn parse(body: &[u8]) -> (Series, Vec<String>) {
        let text = std::str::from_utf8(body).unwrap();
        openmetrics_parser::prometheus::parse_prometheus(text).unwrap();
        let scrape =
            prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        let series = scrape
            .samples
            .into_iter()
            .map(|s| {
                let mut labels: Vec<_> = s
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                labels.sort();
                ((s.metric, labels), format!("{:?}", s.value))
            })
            .collect();
        let families: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .map(|l| l.split(' ').next().unwrap().to_owned())
            .collect();
        let mut unique = families.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), families.len(), "a family twice: {families:?}");
        (series, families)
    }

    fn registry_with_big() -> (Registry, Arc<AtomicUsize>) {
        let registry = Registry::new();
        let big = Rows::new("big_rows", 5_000); // ~150 KB, about 37 thresholds
        let peak = Arc::clone(&big.peak);
        registry.register(big).unwrap();
        registry.register(Rows::new("small_b", 3)).unwrap();
        registry.register(Rows::new("small_z", 3)).unwrap();
        (registry, peak)
    }

    #[test]
    fn an_exclusive_big_family_streams_in_pieces_with_bounded_memory() {
        let (registry, peak) = registry_with_big();
        let whole = scrape(&registry, Format::Text, false);
        let whole_peak = peak.swap(0, Ordering::Relaxed);
        let streamed = scrape(&registry, Format::Text, true);
        let streamed_peak = peak.load(Ordering::Relaxed);

        assert!(whole.pieces.is_empty());
        assert!(streamed.pieces.len() > 20, "{}", streamed.pieces.len());
        assert!(streamed.pieces[0].starts_with(b"# HELP big_rows "));
        for piece in &streamed.pieces {
            assert!(piece.ends_with(b"\n"), "pieces end at a line");
            assert!(!piece.windows(7).any(|w| w == b"small_b"));
        }
        // Same series either way; the streamed family comes first, then the
        // rest sorted as without streaming.
        let (a, fa) = parse(&whole.body);
        let (b, fb) = parse(&streamed.body);
        assert_eq!(a, b);
        assert_eq!(a.len(), 5_006);
        assert_eq!(fa, ["big_rows", "small_b", "small_z"]);
        assert_eq!(fb, ["big_rows", "small_b", "small_z"]);
        // Memory: the whole family without streaming; about a threshold with.
        assert!(whole_peak > 100_000, "{whole_peak}");
        assert!(streamed_peak < 2 * T + 1024, "{streamed_peak}");
        assert!(
            streamed.largest_piece < T + 100,
            "{}",
            streamed.largest_piece
        );
    }

    #[test]
    fn streamed_families_go_before_the_sorted_rest() {
        let registry = Registry::new();
        registry.register(Rows::new("a_small", 2)).unwrap();
        registry.register(Rows::new("m_big", 1_000)).unwrap();
        let s = scrape(&registry, Format::Text, true);
        assert!(!s.pieces.is_empty());
        let (_, families) = parse(&s.body);
        assert_eq!(families, ["m_big", "a_small"]);
        // Small scrapes are unchanged: sorted, byte for byte.
        let small = Registry::new();
        small.register(Rows::new("z_small", 2)).unwrap();
        small.register(Rows::new("a_small", 2)).unwrap();
        assert_eq!(
            scrape(&small, Format::Text, true).body,
            scrape(&small, Format::Text, false).body
        );
    }

    #[test]
    fn a_family_two_collectors_describe_is_not_streamed() {
        let registry = Registry::new();
        registry
            .register(Rows::labelled("shared_rows", 1_000, &[("part", "1")]))
            .unwrap();
        registry
            .register(Rows::labelled("shared_rows", 1_000, &[("part", "2")]))
            .unwrap();
        let s = scrape(&registry, Format::Text, true);
        assert!(s.pieces.is_empty());
        assert_eq!(s.body, scrape(&registry, Format::Text, false).body);
        assert_eq!(parse(&s.body).0.len(), 2_000);
        assert!(s.errors.is_empty());
    }

    #[test]
    fn an_unchecked_collector_turns_streaming_off() {
        let (registry, _) = registry_with_big();
        assert!(!registry.claims().is_any());
        registry.register(Unchecked(gauge("other"))).unwrap();
        assert!(registry.claims().is_any());
        let s = scrape(&registry, Format::Text, true);
        assert!(s.pieces.is_empty());
        assert_eq!(s.body, scrape(&registry, Format::Text, false).body);
    }

    #[test]
    fn gatherers_stream_only_what_no_other_gatherer_claims() {
        let mine = Arc::new(Registry::new());
        mine.register(Rows::labelled("big_rows", 5_000, &[("from", "mine")]))
            .unwrap();
        mine.register(Rows::new("small_b", 6)).unwrap();
        // Another registry describing `big_rows` too (other const labels).
        let theirs = Arc::new(Registry::new());
        theirs
            .register(Rows::labelled("big_rows", 10, &[("from", "theirs")]))
            .unwrap();
        let both = Gatherers::new().with(mine.clone()).with(theirs.clone());
        let s = scrape(&both, Format::Text, true);
        assert!(s.pieces.is_empty());
        assert_eq!(parse(&s.body).0.len(), 5_016);

        let unrelated = Arc::new(Registry::new());
        unrelated.register(Rows::new("unrelated", 10)).unwrap();
        let ok = Gatherers::new().with(unrelated.clone()).with(mine.clone());
        assert!(!ok.claims().is_any());
        let s = scrape(&ok, Format::Text, true);
        assert!(!s.pieces.is_empty());
        assert_eq!(parse(&s.body).0.len(), 5_016);

        // A gatherer that cannot say what it writes: nothing streams.
        let foreign = Gatherers::new().with(mine).with(Arc::new(Foreign));
        assert!(foreign.claims().is_any());
        assert!(scrape(&foreign, Format::Text, true).pieces.is_empty());
    }

    #[test]
    fn names_outside_scopes_are_not_streamed() {
        // The handler's self-metrics are written last, outside any registry:
        // their names are pushed as `Not`, so no collector streams them.
        let (registry, _) = registry_with_big();
        let pieces = Arc::new(Mutex::new(0));
        let mut encoder = MetricEncoder::new(Format::Text);
        let sink = Arc::clone(&pieces);
        encoder.spill_to(T, Box::new(move |_| *sink.lock().unwrap() += 1), false);
        encoder.push_scope(Scope::Not(Claims::names(["big_rows"])));
        registry.gather_into(&mut encoder);
        assert_eq!(*pieces.lock().unwrap(), 0);
    }

    #[test]
    fn a_later_writer_of_a_streamed_family_is_refused() {
        let registry = Registry::new();
        registry.register(Rows::new("big_rows", 1_000)).unwrap();
        let mut sneaky = Rows::new("sneaky", 1);
        sneaky.undescribed.push(gauge("big_rows"));
        registry.register(sneaky).unwrap();
        let s = scrape(&registry, Format::Text, true);
        assert!(!s.pieces.is_empty());
        assert_eq!(s.errors.len(), 1);
        let err = s.errors[0].error.to_string();
        assert!(err.contains("already streamed"), "{err}");
        assert!(matches!(&s.errors[0].error, CollectError::Other(e) if e.is::<FamilyStreamed>()));
        // Output still valid: one `big_rows`, the sneaky collector's output rolled back.
        let (series, families) = parse(&s.body);
        assert_eq!(series.len(), 1_000);
        assert_eq!(families, ["big_rows"]);
    }

    #[test]
    fn a_collector_failing_after_streaming_keeps_only_complete_lines() {
        let registry = Registry::new();
        let mut failing = Rows::new("big_rows", 1_000);
        failing.fail = true;
        registry.register(failing).unwrap();
        registry.register(Rows::new("small_b", 3)).unwrap();
        let s = scrape(&registry, Format::Text, true);
        assert_eq!(s.errors.len(), 1);
        let sent: usize = s.pieces.iter().map(Vec::len).sum();
        assert!(sent >= T && !s.pieces.is_empty());
        // What went out is kept (it cannot be taken back), nothing more:
        // the body is the pieces and the other collector's family.
        let (series, families) = parse(&s.body);
        let streamed_rows = series.keys().filter(|(n, _)| n == "big_rows").count();
        assert!(
            streamed_rows > 0 && streamed_rows < 1_000,
            "{streamed_rows}"
        );
        assert_eq!(families, ["big_rows", "small_b"]);
        // Without streaming the failed collector leaves nothing.
        let (series, _) = parse(&scrape(&registry, Format::Text, false).body);
        assert_eq!(series.len(), 3);
    }

    #[test]
    fn a_second_big_family_waits_for_the_open_one() {
        struct Two(Desc, Desc);
        impl Collector for Two {
            fn describe(&self) -> Vec<&Desc> {
                vec![&self.0, &self.1]
            }
            fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
                for round in 0..2 {
                    for desc in [&self.0, &self.1] {
                        let mut f = encoder.family(desc)?;
                        for r in 0..400 {
                            f.sample(&[format!("{round}-{r}").as_str()], r)?;
                        }
                    }
                }
                Ok(())
            }
        }
        let registry = Registry::new();
        registry
            .register(Two(gauge("two_a"), gauge("two_b")))
            .unwrap();
        let s = scrape(&registry, Format::Text, true);
        assert!(s.pieces.len() > 2);
        let (series, families) = parse(&s.body);
        assert_eq!(series.len(), 1_600);
        assert_eq!(families, ["two_a", "two_b"]);
        let (whole, _) = parse(&scrape(&registry, Format::Text, false).body);
        assert_eq!(series, whole);
    }

    /// Writes `count` rows with [`FamilyEncoder::samples`](super::FamilyEncoder::samples),
    /// declared keyed (so unchecked) or not.
    struct Batch {
        desc: Desc,
        count: usize,
        keyed: bool,
    }

    impl Collector for Batch {
        fn describe(&self) -> Vec<&Desc> {
            vec![&self.desc]
        }

        fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
            let rows: Vec<[String; 1]> = (0..self.count).map(|r| [format!("b{r:07}")]).collect();
            let mut family = encoder.family(&self.desc)?;
            let before = family.check_mut().set_keyed(self.keyed);
            let result = family.samples(rows.iter().zip(0..));
            family.check_mut().set_keyed(before);
            result
        }
    }

    #[test]
    fn batched_samples_stream_between_batches() {
        for (format, keyed) in [
            (Format::Text, false),
            (Format::Text, true),
            (Format::OpenMetrics, false),
        ] {
            let registry = Registry::new();
            registry
                .register(Batch {
                    desc: gauge("batched"),
                    count: 3_000,
                    keyed,
                })
                .unwrap();
            registry.register(Rows::new("small_b", 3)).unwrap();
            let s = scrape(&registry, format, true);
            assert!(
                s.pieces.len() > 10,
                "{format:?} {keyed}: {}",
                s.pieces.len()
            );
            for piece in &s.pieces {
                assert!(piece.ends_with(b"\n"));
            }
            // At most a batch of 32 lines past the threshold.
            assert!(s.largest_piece < T + 32 * 40, "{}", s.largest_piece);
            if format == Format::Text {
                let (series, families) = parse(&s.body);
                assert_eq!(families, ["batched", "small_b"]);
                assert_eq!(series, parse(&scrape(&registry, format, false).body).0);
            } else {
                let text = String::from_utf8(s.body).unwrap();
                let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
                assert_eq!(parsed.families["batched"].iter_samples().count(), 3_000);
            }
        }
    }

    #[test]
    fn protobuf_is_never_streamed() {
        let (registry, _) = registry_with_big();
        let s = scrape(&registry, Format::Protobuf, true);
        assert!(s.pieces.is_empty());
        assert_eq!(s.body, scrape(&registry, Format::Protobuf, false).body);
    }

    #[test]
    fn openmetrics_streams_and_still_ends_in_eof() {
        let (registry, _) = registry_with_big();
        let s = scrape(&registry, Format::OpenMetrics, true);
        assert!(!s.pieces.is_empty());
        assert!(s.body.ends_with(b"# EOF\n"));
        let text = String::from_utf8(s.body).unwrap();
        let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&text).unwrap();
        let samples: usize = parsed
            .families
            .values()
            .map(|f| f.iter_samples().count())
            .sum();
        assert_eq!(samples, 5_006);
    }

    #[test]
    fn filtered_out_families_are_dropped_as_they_go() {
        let (registry, peak) = registry_with_big();
        let mut encoder = MetricEncoder::new(Format::Text);
        encoder.filter_names(["small_b".to_owned()]);
        registry.gather_into(&mut encoder);
        assert!(peak.load(Ordering::Relaxed) < 2 * super::DISCARD_AT);
        let mut out = Vec::new();
        encoder.finish_into(&mut out);
        let (series, families) = parse(&out);
        assert_eq!(families, ["small_b"]);
        assert_eq!(series.len(), 3);
    }

    /// A scrape that starts where it cannot stream holds what it writes; at
    /// the checkpoint before the collector after the one that passed the
    /// threshold, it asks to move and pauses once; given a sink, the
    /// collectors after stream, and what it held comes after them. One that
    /// never passes the threshold neither asks nor pauses.
    #[cfg(feature = "async")]
    #[test]
    fn a_scrape_asks_to_move_once_grown_and_streams_after() {
        use std::future::Future as _;
        use std::task::{Context, Poll, Waker};

        let registry = Registry::new();
        registry.register(Rows::new("first", 1_000)).unwrap();
        registry.register(Rows::new("second", 1_000)).unwrap();
        let mut cx = Context::from_waker(Waker::noop());

        let mut encoder = MetricEncoder::new(Format::Text);
        let handoff = encoder.spill_later(T, false);
        let pieces = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
        let errors = {
            let gather = registry.gather_async(&mut encoder, None);
            let mut gather = std::pin::pin!(gather);
            assert!(gather.as_mut().poll(&mut cx).is_pending());
            assert!(handoff.asked(), "paused without asking");
            let sink = Arc::clone(&pieces);
            handoff.give(Box::new(move |b: &[u8]| {
                sink.lock().unwrap().push(b.to_vec());
            }));
            match gather.as_mut().poll(&mut cx) {
                Poll::Ready(errors) => errors,
                Poll::Pending => panic!("paused twice"),
            }
        };
        assert!(errors.is_empty());
        let pieces = std::mem::take(&mut *pieces.lock().unwrap());
        assert!(pieces.len() > 1, "the second collector did not stream");
        let mut body = pieces.concat();
        encoder.finish_chunks(|b| body.extend_from_slice(b));
        let (series, families) = parse(&body);
        assert_eq!(families, ["second", "first"]);
        assert_eq!(series.len(), 2_000);

        // Small: no pause, nothing asked, the output as a whole scrape's.
        let small = Registry::new();
        small.register(Rows::new("first", 10)).unwrap();
        small.register(Rows::new("second", 10)).unwrap();
        let mut encoder = MetricEncoder::new(Format::Text);
        let handoff = encoder.spill_later(T, false);
        {
            let gather = small.gather_async(&mut encoder, None);
            let gather = std::pin::pin!(gather);
            assert!(gather.poll(&mut cx).is_ready());
        }
        assert!(!handoff.asked());
        let mut out = Vec::new();
        encoder.finish_into(&mut out);
        assert_eq!(out, small.gather(Format::Text).0);
    }

    /// The spare state of a reset encoder asks again, with nothing left of
    /// the last scrape: one that was not moved (its poller polled on)
    /// finishes whole, and the next small one does not ask.
    #[cfg(feature = "async")]
    #[test]
    fn a_reused_spill_asks_again_and_keeps_nothing_stale() {
        use std::future::Future as _;
        use std::task::{Context, Waker};

        let mut cx = Context::from_waker(Waker::noop());
        let big = Registry::new();
        big.register(Rows::new("first", 1_000)).unwrap();
        big.register(Rows::new("second", 1_000)).unwrap();
        let small = Registry::new();
        small.register(Rows::new("first", 10)).unwrap();
        small.register(Rows::new("second", 10)).unwrap();
        let mut encoder = MetricEncoder::new(Format::Text);
        for round in 0..3 {
            let handoff = encoder.spill_later(T, false);
            {
                let gather = small.gather_async(&mut encoder, None);
                assert!(std::pin::pin!(gather).poll(&mut cx).is_ready());
            }
            assert!(!handoff.asked(), "round {round}");
            drop(handoff);
            encoder.reset();
            let handoff = encoder.spill_later(T, false);
            {
                let gather = big.gather_async(&mut encoder, None);
                let mut gather = std::pin::pin!(gather);
                assert!(gather.as_mut().poll(&mut cx).is_pending(), "round {round}");
                assert!(handoff.asked());
                assert!(gather.as_mut().poll(&mut cx).is_ready());
            }
            let mut out = Vec::new();
            encoder.write_into(&mut out);
            assert_eq!(out, big.gather(Format::Text).0, "round {round}");
            drop(handoff);
            encoder.reset();
        }
    }

    /// No move where nothing could stream after it: a scrape that failed
    /// when failures stop streaming, or a registry with an unchecked
    /// collector (it may write any family).
    #[cfg(feature = "async")]
    #[test]
    fn a_scrape_that_could_not_stream_after_never_asks() {
        use std::future::Future as _;
        use std::task::{Context, Waker};

        let mut cx = Context::from_waker(Waker::noop());
        let failing = Registry::new();
        let mut first = Rows::new("first", 1_000);
        first.fail = true;
        failing.register(first).unwrap();
        failing.register(Rows::new("second", 1_000)).unwrap();
        failing.register(Rows::new("third", 1_000)).unwrap();
        let unchecked = Registry::new();
        unchecked.register(Rows::new("first", 1_000)).unwrap();
        unchecked.register(Unchecked(gauge("loose"))).unwrap();
        for (registry, stop_on_failure, asks) in [
            (&failing, true, false),
            (&failing, false, true),
            (&unchecked, false, false),
        ] {
            let mut encoder = MetricEncoder::new(Format::Text);
            let handoff = encoder.spill_later(T, stop_on_failure);
            let gather = registry.gather_async(&mut encoder, None);
            let mut gather = std::pin::pin!(gather);
            let paused = gather.as_mut().poll(&mut cx).is_pending();
            assert_eq!((paused, handoff.asked()), (asks, asks), "{stop_on_failure}");
        }
    }
}
