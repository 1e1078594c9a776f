//! One scrape of the scrapers: connect, run concurrently under the
//! deadline, encode each snapshot and the reports.

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

    /// The scrapers a request runs: the selection, narrowed by `collect[]`.
    fn mask(&self, request: &ScrapeRequest) -> Vec<bool> {
        let enabled = self.shared.selection.mask();
        if request.collect().is_empty() {
            return enabled.to_vec();
        }
        let mut mask = vec![false; enabled.len()];
        for name in request.collect() {
            if let Some(i) = self.shared.selection.index(name) {
                mask[i] = enabled[i];
            }
        }
        mask
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
        let collected = if self.shared.scrapers.coalesce {
            self.coalesced(mask.clone(), request, deadline).await
        } else {
            Arc::new(self.collect(&mask, request, deadline).await)
        };
        let mut success = vec![None; mask.len()];
        for run in &collected.runs {
            let name = self.shared.scrapers.list[run.index].name();
            let ok = match &run.result {
                Ok(snapshot) => match collect_contained(snapshot.as_ref(), encoder) {
                    Ok(()) => true,
                    Err(error) => {
                        tracing::error!(collector = %name, %error, "collector failed");
                        false
                    }
                },
                Err(_) => false,
            };
            success[run.index] = Some((run.seconds, ok));
        }
        let report = Report {
            reports: &self.shared.reports,
            labels: &self.shared.labels,
            up: collected.up,
            runs: &success,
            probe: self.shared.probe.as_ref().map(|_| {
                let ok = collected.up != Some(false) && success.iter().flatten().all(|(_, ok)| *ok);
                (ok, started.elapsed().as_secs_f64())
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
        let cctx = ConnectContext::new(request.target(), request.module(), deadline);
        let connect = self.shared.connect.connect(&cctx);
        let (result, _) = run_each(vec![connect], deadline)
            .await
            .into_iter()
            .next()
            .unwrap_or((Err(ScrapeError::TimedOut), Duration::ZERO));
        let reports_up = self.shared.connect.reports_up();
        let target = match result {
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
        let indices: Vec<usize> = (0..mask.len()).filter(|&i| mask[i]).collect();
        let futures = indices
            .iter()
            .map(|&i| self.shared.scrapers.list[i].scrape(&ctx))
            .collect();
        let results = run_each(futures, deadline).await;
        let runs = indices
            .into_iter()
            .zip(results)
            .map(|(index, (result, took))| {
                if let Err(error) = &result {
                    let name = self.shared.scrapers.list[index].name();
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

/// Runs `futures` concurrently on the current task (nothing spawned), each
/// timed from the start to its end, panics contained, those still running
/// at `deadline` dropped (`TimedOut`).
async fn run_each<R>(
    futures: Vec<Running<'_, R>>,
    deadline: Option<Instant>,
) -> Vec<(Result<R, ScrapeError>, Duration)> {
    let started = Instant::now();
    let mut running: Vec<Option<Running<'_, R>>> = futures.into_iter().map(Some).collect();
    let mut done: Vec<Option<(Result<R, ScrapeError>, Duration)>> =
        running.iter().map(|_| None).collect();
    let all = std::future::poll_fn(|cx: &mut Context<'_>| {
        let mut pending = false;
        for (slot, out) in running.iter_mut().zip(done.iter_mut()) {
            let Some(fut) = slot else { continue };
            let result = match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                Ok(Poll::Pending) => {
                    pending = true;
                    continue;
                }
                Ok(Poll::Ready(result)) => result,
                Err(payload) => Err(ScrapeError::Panicked(panic_message(payload.as_ref()))),
            };
            *out = Some((result, started.elapsed()));
            *slot = None;
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    });
    let all = crate::collector::scrape::with_deadline(deadline, all);
    match deadline {
        None => all.await,
        Some(deadline) => {
            let deadline = tokio::time::Instant::from_std(deadline);
            let _ = tokio::time::timeout_at(deadline, all).await;
        }
    }
    drop(running);
    let took = started.elapsed();
    done.into_iter()
        .map(|d| d.unwrap_or((Err(ScrapeError::TimedOut), took)))
        .collect()
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
    /// Per scraper: `(seconds, success)` when it ran.
    runs: &'a [Option<(f64, bool)>],
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
        if self.runs.iter().any(Option::is_some) {
            let ran = || {
                self.labels
                    .iter()
                    .zip(self.runs)
                    .filter_map(|(label, run)| run.map(|run| (label, run)))
            };
            let count = ran().count();
            // One series per scraper, whose names are unique (`Scrapers`
            // checks them): keyed like a map, so not hashed for duplicates.
            let mut family = encoder.family(&self.reports.duration)?;
            family.reserve_series(count);
            let keyed = family.check_mut().set_keyed(true);
            let written = family.samples(ran().map(|(label, (seconds, _))| (label, seconds)));
            family.check_mut().set_keyed(keyed);
            written?;
            let mut family = encoder.family(&self.reports.success)?;
            family.reserve_series(count);
            let keyed = family.check_mut().set_keyed(true);
            let written =
                family.samples(ran().map(|(label, (_, ok))| (label, f64::from(u8::from(ok)))));
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
