//! One scrape of the scrapers: connect, run concurrently under the
//! deadline, encode each snapshot and the reports.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::set::{Scrapers, ScrapersError, Selection};
use super::{ConnectContext, DynConnect, Probe, ScrapeContext, ScrapeError};
use crate::collector::{panic_message, BadRequest, Collector, NeedsAsync, ScrapeRequest};
use crate::desc::DescError;
use crate::desc::{Desc, MetricType};
use crate::encoding::{Claims, MetricEncoder};
use crate::error::CollectError;
use crate::registry::{collect_contained, GatherError, GatherFuture, Gatherer};

/// Serves a [`Scrapers`] set: a [`Gatherer`] to put in a
/// [`MetricsHandler`](crate::http::MetricsHandler), alone or in
/// [`Gatherers`](crate::registry::Gatherers) beside a registry. Made by
/// [`Scrapers::gatherer`] (for `/metrics`) or [`Scrapers::probe_gatherer`]
/// (for `/probe`). Cheap to clone.
///
/// It must be gathered with [`Gatherer::gather_async`] (the HTTP handler
/// does); a sync gather reports [`NeedsAsync`]. A failing scraper is never a
/// [`GatherError`]: its `success` is 0 and the rest of the scrape is
/// served, whatever the handler's error policy.
pub struct ScrapeGatherer<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for ScrapeGatherer<T> {
    fn clone(&self) -> Self {
        ScrapeGatherer {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> std::fmt::Debug for ScrapeGatherer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeGatherer")
            .field("scrapers", &self.shared.scrapers)
            .field("selection", &self.shared.selection)
            .field("probe", &self.shared.probe)
            .finish_non_exhaustive()
    }
}

struct Shared<T> {
    scrapers: Scrapers<T>,
    selection: Selection,
    connect: Arc<dyn DynConnect<T>>,
    probe: Option<Probe>,
    reports: Reports,
    /// Each scraper's name as the `collector` label value.
    labels: Vec<[String; 1]>,
    claims: Claims,
    /// Collections running now, shared by requests of the same key
    /// (with [`Scrapers::coalesce`]).
    running: Mutex<HashMap<Key, Arc<OnceCell<Arc<Collected>>>>>,
}

/// Which scrapers, which target, which module.
type Key = (Vec<bool>, Option<String>, Option<String>);

/// The result of one collection, shareable by coalesced requests.
struct Collected {
    /// `None` when the exporter has no connect step.
    up: Option<bool>,
    runs: Vec<Run>,
}

struct Run {
    index: usize,
    seconds: f64,
    result: Result<Arc<dyn Collector>, ScrapeError>,
}

impl<T: Send + Sync + 'static> ScrapeGatherer<T> {
    pub(super) fn new(
        scrapers: Scrapers<T>,
        selection: Selection,
        connect: Arc<dyn DynConnect<T>>,
        probe: Option<Probe>,
    ) -> Result<Self, ScrapersError> {
        if selection.names().len() != scrapers.list.len()
            || selection
                .names()
                .iter()
                .zip(scrapers.names())
                .any(|(a, b)| a != b)
        {
            return Err(ScrapersError::ForeignSelection);
        }
        let reports = Reports::new(&scrapers.namespace, connect.reports_up())?;
        let mut names: Vec<String> = reports
            .descs()
            .iter()
            .map(|d| d.name().to_owned())
            .collect();
        if probe.is_some() {
            names.extend([
                reports.probe_success.name().to_owned(),
                reports.probe_duration.name().to_owned(),
            ]);
        }
        let mut any = false;
        for s in &scrapers.list {
            let descs = s.descs();
            any |= descs.is_empty();
            names.extend(descs.iter().map(|d| d.name().to_owned()));
        }
        let labels = selection.names().iter().map(|n| [n.clone()]).collect();
        let claims = if any {
            Claims::any()
        } else {
            Claims::names(names)
        };
        Ok(ScrapeGatherer {
            shared: Arc::new(Shared {
                scrapers,
                selection,
                connect,
                probe,
                reports,
                labels,
                claims,
                running: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The scrapers this gatherer runs when a request names none.
    pub fn selection(&self) -> &Selection {
        &self.shared.selection
    }

    /// The scrapers a request runs: the selection, narrowed by `collect[]`
    /// (borrowed when the request names none, the usual case).
    fn mask(&self, request: &ScrapeRequest) -> Cow<'_, [bool]> {
        let enabled = self.shared.selection.mask();
        if request.collect().is_empty() {
            return Cow::Borrowed(enabled);
        }
        let mut mask = vec![false; enabled.len()];
        for name in request.collect() {
            if let Some(i) = self.shared.selection.index(name) {
                mask[i] = enabled[i];
            }
        }
        Cow::Owned(mask)
    }

    async fn gather(&self, encoder: &mut MetricEncoder, deadline: Option<Instant>) {
        let started = Instant::now();
        let current = ScrapeRequest::current();
        let request = current
            .as_deref()
            .unwrap_or(&crate::collector::scrape::NO_REQUEST);
        let fallback = match &self.shared.probe {
            Some(probe) => Some(probe.default_timeout()),
            None => self.shared.scrapers.timeout,
        };
        let deadline = deadline.or_else(|| fallback.and_then(|t| started.checked_add(t)));
        let mask = self.mask(request);
        // Shared only when coalescing: otherwise the collection is this
        // request's alone and needs no `Arc`. The coalescing future is boxed
        // apart so that it does not double the size of this one (which the
        // `Gatherer` boxes per scrape: kept small, it is a cheap allocation).
        let coalesced;
        let alone;
        let collected: &Collected = if self.shared.scrapers.coalesce {
            coalesced = Box::pin(self.coalesced(mask.into_owned(), request, deadline)).await;
            &coalesced
        } else {
            alone = self.collect(&mask, request, deadline).await;
            &alone
        };
        let mut ok = Vec::with_capacity(collected.runs.len());
        for run in &collected.runs {
            ok.push(match &run.result {
                Ok(snapshot) => match collect_contained(snapshot.as_ref(), encoder) {
                    Ok(()) => true,
                    Err(error) => {
                        let name = self.shared.scrapers.list[run.index].name();
                        tracing::error!(collector = %name, %error, "collector failed");
                        false
                    }
                },
                Err(_) => false,
            });
        }
        let report = Report {
            reports: &self.shared.reports,
            labels: &self.shared.labels,
            up: collected.up,
            runs: &collected.runs,
            ok: &ok,
            probe: self.shared.probe.as_ref().map(|_| {
                let all_ok = collected.up != Some(false) && ok.iter().all(|ok| *ok);
                (all_ok, started.elapsed().as_secs_f64())
            }),
        };
        if let Err(error) = collect_contained(&report, encoder) {
            tracing::error!(%error, "scrape reports failed");
        }
    }

    /// One collection shared by every request of the same key while it runs.
    async fn coalesced(
        &self,
        mask: Vec<bool>,
        request: &ScrapeRequest,
        deadline: Option<Instant>,
    ) -> Arc<Collected> {
        let key = (
            mask,
            request.target().map(str::to_owned),
            request.module().map(str::to_owned),
        );
        let cell = Arc::clone(lock(&self.shared.running).entry(key.clone()).or_default());
        let init =
            cell.get_or_init(|| async { Arc::new(self.collect(&key.0, request, deadline).await) });
        // A request that joined a collection started by another waits no
        // longer than its own deadline.
        let collected = match deadline {
            Some(d) => tokio::time::timeout_at(tokio::time::Instant::from_std(d), init)
                .await
                .ok()
                .cloned(),
            None => Some(Arc::clone(init.await)),
        };
        {
            let mut running = lock(&self.shared.running);
            if running.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                running.remove(&key);
            }
        }
        collected.unwrap_or_else(|| {
            Arc::new(Collected {
                up: None,
                runs: key
                    .0
                    .iter()
                    .enumerate()
                    .filter(|(_, on)| **on)
                    .map(|(index, _)| Run {
                        index,
                        seconds: 0.0,
                        result: Err(ScrapeError::TimedOut),
                    })
                    .collect(),
            })
        })
    }

    /// Connects, then runs the scrapers of `mask` concurrently.
    async fn collect(
        &self,
        mask: &[bool],
        request: &ScrapeRequest,
        deadline: Option<Instant>,
    ) -> Collected {
        // One timer for the whole collection (connect step and scrapers),
        // registered only if something is still pending when it is polled.
        let sleep = deadline.map(|d| tokio::time::sleep_until(tokio::time::Instant::from_std(d)));
        let mut sleep = std::pin::pin!(sleep);
        let cctx = ConnectContext::new(request.target(), request.module(), deadline);
        let connected = {
            let mut connect = [Slot {
                index: 0,
                state: State::Running(self.shared.connect.connect(&cctx)),
            }];
            run_each(&mut connect, sleep.as_mut().as_pin_mut(), deadline).await;
            let [Slot { state, .. }] = connect;
            state.into_result().0
        };
        let reports_up = self.shared.connect.reports_up();
        let target = match connected {
            Ok(target) => target,
            Err(error) => {
                let target = request.target().unwrap_or("");
                tracing::error!(%error, target, "target unreachable");
                return Collected {
                    up: Some(false),
                    runs: Vec::new(),
                };
            }
        };
        let ctx = ScrapeContext::new(target, cctx);
        let list = &self.shared.scrapers.list;
        let mut slots = Vec::with_capacity(mask.iter().filter(|on| **on).count());
        for (index, scraper) in list.iter().enumerate() {
            if mask.get(index) == Some(&true) {
                slots.push(Slot {
                    index,
                    state: State::Running(scraper.scrape(&ctx)),
                });
            }
        }
        run_each(&mut slots, sleep.as_mut().as_pin_mut(), deadline).await;
        let runs = slots
            .into_iter()
            .map(|Slot { index, state }| {
                let (result, took) = state.into_result();
                if let Err(error) = &result {
                    let name = list[index].name();
                    tracing::error!(collector = %name, %error, "collector failed");
                }
                Run {
                    index,
                    seconds: took.as_secs_f64(),
                    result,
                }
            })
            .collect();
        Collected {
            up: reports_up.then_some(true),
            runs,
        }
    }
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

type Running<'a, R> = Pin<Box<dyn Future<Output = Result<R, ScrapeError>> + Send + 'a>>;

/// The connect step or one scraper of a scrape: its future while it runs,
/// then its result and how long it took.
struct Slot<'a, R> {
    /// The scraper's position in the set.
    index: usize,
    state: State<'a, R>,
}

enum State<'a, R> {
    Running(Running<'a, R>),
    Done(Result<R, ScrapeError>, Duration),
}

impl<R> State<'_, R> {
    /// The result; a future still here after [`run_each`] timed out.
    fn into_result(self) -> (Result<R, ScrapeError>, Duration) {
        match self {
            State::Done(result, took) => (result, took),
            State::Running(_) => (Err(ScrapeError::TimedOut), Duration::ZERO),
        }
    }
}

/// Runs the futures of `slots` concurrently on the current task (nothing
/// spawned, nothing allocated), each timed from the start to its end, panics
/// contained, those still running when `sleep` (the deadline) fires dropped
/// (`TimedOut`). The futures see `deadline` through `scrape_deadline()`.
async fn run_each<R>(
    slots: &mut [Slot<'_, R>],
    mut sleep: Option<Pin<&mut tokio::time::Sleep>>,
    deadline: Option<Instant>,
) {
    let started = Instant::now();
    let all = std::future::poll_fn(|cx: &mut Context<'_>| {
        let mut pending = false;
        for slot in slots.iter_mut() {
            let State::Running(fut) = &mut slot.state else {
                continue;
            };
            let result = match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                Ok(Poll::Pending) => {
                    pending = true;
                    continue;
                }
                Ok(Poll::Ready(result)) => result,
                Err(payload) => Err(ScrapeError::Panicked(panic_message(payload.as_ref()))),
            };
            slot.state = State::Done(result, started.elapsed());
        }
        // As `timeout_at` does: the futures first, so that those ready at
        // the deadline still count.
        let timed_out = pending
            && sleep
                .as_mut()
                .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready());
        if pending && !timed_out {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    });
    crate::collector::scrape::with_deadline(deadline, all).await;
    // Those still running at the deadline are dropped here: cancelled.
    let took = started.elapsed();
    for slot in slots.iter_mut() {
        if matches!(slot.state, State::Running(_)) {
            slot.state = State::Done(Err(ScrapeError::TimedOut), took);
        }
    }
}

impl<T: Send + Sync + 'static> Gatherer for ScrapeGatherer<T> {
    /// Scrapers are async and their snapshots are encoded from memory: a
    /// scrape of them runs as a task, never needing a blocking thread.
    fn may_block(&self) -> bool {
        false
    }

    fn gather_into(&self, _: &mut MetricEncoder) -> Vec<GatherError> {
        vec![GatherError {
            collector: format!("{}_scrapers", self.shared.scrapers.namespace),
            error: CollectError::other(NeedsAsync),
        }]
    }

    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<Instant>,
    ) -> GatherFuture<'a> {
        Box::pin(async move {
            self.gather(encoder, deadline).await;
            Vec::new()
        })
    }

    fn check_request(&self, request: &ScrapeRequest) -> Result<(), BadRequest> {
        let selection = &self.shared.selection;
        for name in request.collect() {
            match selection.index(name) {
                None => {
                    return Err(BadRequest(format!(
                        "unknown collector `{name}` in collect[] (known: {})",
                        selection.names().join(", ")
                    )))
                }
                Some(i) if !selection.mask()[i] => {
                    return Err(BadRequest(format!(
                        "collector `{name}` in collect[] is disabled"
                    )))
                }
                Some(_) => {}
            }
        }
        match &self.shared.probe {
            Some(probe) => probe.check(request),
            None => Ok(()),
        }
    }

    fn claims(&self) -> Claims {
        self.shared.claims.clone()
    }
}

/// The descriptors of the families the machinery itself writes.
pub(super) struct Reports {
    up: Option<Desc>,
    duration: Desc,
    success: Desc,
    probe_success: Desc,
    probe_duration: Desc,
}

impl Reports {
    pub(super) fn new(namespace: &str, up: bool) -> Result<Self, DescError> {
        let name = |suffix: &str| {
            if namespace.is_empty() {
                suffix.to_owned()
            } else {
                format!("{namespace}_{suffix}")
            }
        };
        let exporter = name("exporter");
        Ok(Reports {
            up: up
                .then(|| {
                    Desc::new(
                        name("up"),
                        "Whether the target could be reached (1) or not (0).",
                        MetricType::Gauge,
                        [] as [&str; 0],
                    )
                })
                .transpose()?,
            duration: Desc::new(
                name("scrape_collector_duration_seconds"),
                format!("{exporter}: Duration of a collector scrape."),
                MetricType::Gauge,
                ["collector"],
            )?,
            success: Desc::new(
                name("scrape_collector_success"),
                format!("{exporter}: Whether a collector succeeded."),
                MetricType::Gauge,
                ["collector"],
            )?,
            probe_success: Desc::new(
                "probe_success",
                "Displays whether or not the probe was a success",
                MetricType::Gauge,
                [] as [&str; 0],
            )?,
            probe_duration: Desc::new(
                "probe_duration_seconds",
                "Returns how long the probe took to complete in seconds",
                MetricType::Gauge,
                [] as [&str; 0],
            )?,
        })
    }

    pub(super) fn descs(&self) -> Vec<&Desc> {
        self.up
            .iter()
            .chain([&self.duration, &self.success])
            .collect()
    }
}

/// The machinery's own families for one scrape.
struct Report<'a> {
    reports: &'a Reports,
    labels: &'a [[String; 1]],
    up: Option<bool>,
    /// The scrapers that ran, in the set's order.
    runs: &'a [Run],
    /// Whether each of `runs` succeeded (its snapshot encoded too).
    ok: &'a [bool],
    /// `(success, seconds)` on `/probe`.
    probe: Option<(bool, f64)>,
}

impl Collector for Report<'_> {
    fn describe(&self) -> Vec<&Desc> {
        self.reports.descs()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let no_labels: [&str; 0] = [];
        if let (Some(desc), Some(up)) = (&self.reports.up, self.up) {
            encoder
                .family(desc)?
                .sample(&no_labels, f64::from(u8::from(up)))?;
        }
        if !self.runs.is_empty() {
            let count = self.runs.len();
            let label = |run: &Run| self.labels.get(run.index);
            // One series per scraper, whose names are unique (`Scrapers`
            // checks them): keyed like a map, so not hashed for duplicates.
            let mut family = encoder.family(&self.reports.duration)?;
            family.reserve_series(count);
            let keyed = family.check_mut().set_keyed(true);
            let written = family.samples(
                self.runs
                    .iter()
                    .filter_map(|run| Some((label(run)?, run.seconds))),
            );
            family.check_mut().set_keyed(keyed);
            written?;
            let mut family = encoder.family(&self.reports.success)?;
            family.reserve_series(count);
            let keyed = family.check_mut().set_keyed(true);
            let written = family.samples(
                self.runs
                    .iter()
                    .zip(self.ok)
                    .filter_map(|(run, ok)| Some((label(run)?, f64::from(u8::from(*ok))))),
            );
            family.check_mut().set_keyed(keyed);
            written?;
        }
        if let Some((ok, seconds)) = self.probe {
            encoder
                .family(&self.reports.probe_success)?
                .sample(&no_labels, f64::from(u8::from(ok)))?;
            encoder
                .family(&self.reports.probe_duration)?
                .sample(&no_labels, seconds)?;
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "scrape reports"
    }
}
