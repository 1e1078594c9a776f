//! One scrape of the scrapers: connect, run concurrently under the
//! deadline, encode each snapshot and the reports.

use std::borrow::Cow;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::report::{Ran, Report, Reports};
use super::set::{Scrapers, ScrapersError, Selection};
use super::steps::{run_each, ConnectStep, ScrapeSlot};
use super::{ConnectContext, DynConnect, Probe, ScrapeContext, ScrapeError};
use crate::collector::{BadRequest, Collector, NeedsAsync, ScrapeRequest};
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

/// Takes a coalesced collection out of the running map when dropped.
struct Leave<'a> {
    running: &'a Mutex<HashMap<Key, Arc<OnceCell<Arc<Collected>>>>>,
    key: &'a Key,
    cell: &'a Arc<OnceCell<Arc<Collected>>>,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut running = lock(self.running);
        if running
            .get(self.key)
            .is_some_and(|c| Arc::ptr_eq(c, self.cell))
        {
            running.remove(self.key);
        }
    }
}

/// The result of one collection, shared by coalesced requests.
struct Collected {
    /// `None` when the exporter has no connect step.
    up: Option<bool>,
    runs: Vec<Run>,
}

/// One scraper of a shared collection.
struct Run {
    index: usize,
    seconds: f64,
    /// `None` when it failed (logged when it did).
    snapshot: Option<Arc<dyn Collector>>,
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
            let descs = s.descs().map_err(|source| ScrapersError::Describe {
                scraper: s.name().to_owned(),
                source,
            })?;
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
    /// or `exclude[]` (borrowed when the request names none, the usual case).
    fn mask(&self, request: &ScrapeRequest) -> Cow<'_, [bool]> {
        let enabled = self.shared.selection.mask();
        if !request.exclude().is_empty() {
            let mut mask = enabled.to_vec();
            for name in request.exclude() {
                if let Some(i) = self.shared.selection.index(name) {
                    mask[i] = false;
                }
            }
            return Cow::Owned(mask);
        }
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

    /// The request as this gatherer reads it: `target` and `module` count on
    /// `/probe` only, where the probe's allow-list checked them. On
    /// `/metrics` they are dropped, or any client could point the exporter
    /// at a host of its choosing (`/metrics?target=...`).
    fn read_request<'r>(&self, request: &'r ScrapeRequest) -> Cow<'r, ScrapeRequest> {
        let probed = request.target().is_some() || request.module().is_some();
        if self.shared.probe.is_some() || !probed {
            return Cow::Borrowed(request);
        }
        Cow::Owned(
            ScrapeRequest::default()
                .with_collect(request.collect().iter().cloned())
                .with_exclude(request.exclude().iter().cloned()),
        )
    }

    async fn gather(&self, encoder: &mut MetricEncoder, deadline: Option<Instant>) {
        let started = Instant::now();
        let current = ScrapeRequest::current();
        let request = self.read_request(
            current
                .as_deref()
                .unwrap_or(&crate::collector::scrape::NO_REQUEST),
        );
        let request = &*request;
        let fallback = match &self.shared.probe {
            Some(probe) => Some(probe.default_timeout()),
            None => self.shared.scrapers.timeout,
        };
        let deadline = deadline.or_else(|| fallback.and_then(|t| started.checked_add(t)));
        let mask = self.mask(request);
        if self.shared.scrapers.coalesce {
            // Boxed apart so that it does not double the size of this
            // future (which the `Gatherer` boxes per scrape).
            let collected = Box::pin(self.coalesced(mask.into_owned(), request, deadline)).await;
            let ran = collected
                .runs
                .iter()
                .map(|run| Ran {
                    index: run.index,
                    seconds: run.seconds,
                    ok: run.snapshot.as_ref().is_some_and(|s| {
                        self.encode(run.index, s.as_ref(), encoder, request.target())
                    }),
                })
                .collect::<Vec<_>>();
            self.report(encoder, collected.up, &ran, started);
            return;
        }
        // The collection is this request's alone: the snapshots are encoded
        // where their scrapers left them, nothing is shared or copied.
        let sleep = deadline.map(|d| tokio::time::sleep_until(tokio::time::Instant::from_std(d)));
        let mut sleep = std::pin::pin!(sleep);
        let cctx = ConnectContext::new(request.target(), request.module(), deadline);
        let Some(target) = self
            .connect(&cctx, request, sleep.as_mut().as_pin_mut(), deadline)
            .await
        else {
            self.report(encoder, Some(false), &[], started);
            return;
        };
        let ctx = ScrapeContext::new(target, cctx);
        let slots = self
            .scrape(&mask, &ctx, sleep.as_mut().as_pin_mut(), deadline)
            .await;
        let ran = slots
            .iter()
            .map(|slot| Ran {
                index: slot.index,
                seconds: slot.took.as_secs_f64(),
                ok: slot
                    .run
                    .as_ref()
                    .snapshot()
                    .is_some_and(|s| self.encode(slot.index, s, encoder, request.target())),
            })
            .collect::<Vec<_>>();
        drop(slots);
        self.report(
            encoder,
            self.shared.connect.reports_up().then_some(true),
            &ran,
            started,
        );
    }

    /// Encodes the snapshot of scraper `index`; false (logged) when that fails.
    fn encode(
        &self,
        index: usize,
        snapshot: &dyn Collector,
        encoder: &mut MetricEncoder,
        probed: Option<&str>,
    ) -> bool {
        match collect_contained(snapshot, encoder) {
            Ok(()) => true,
            Err(error) => {
                failed(self.shared.scrapers.list[index].name(), &error, probed);
                false
            }
        }
    }

    /// Writes `<ns>_up`, the scrapers' duration and success, and on
    /// `/probe` `probe_success` and `probe_duration_seconds`.
    fn report(&self, encoder: &mut MetricEncoder, up: Option<bool>, ran: &[Ran], started: Instant) {
        let report = Report {
            reports: &self.shared.reports,
            labels: &self.shared.labels,
            up,
            ran,
            probe: self.shared.probe.as_ref().map(|_| {
                let ok = up != Some(false) && ran.iter().all(|r| r.ok);
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
        // Leaves the map when this request is done, or dropped (a timeout, a
        // client gone), unless a newer collection took the key meanwhile.
        let _leave = Leave {
            running: &self.shared.running,
            key: &key,
            cell: &cell,
        };
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
                        snapshot: None,
                    })
                    .collect(),
            })
        })
    }

    /// Connects, then runs the scrapers of `mask` concurrently, and keeps
    /// their snapshots for the requests that share them.
    async fn collect(
        &self,
        mask: &[bool],
        request: &ScrapeRequest,
        deadline: Option<Instant>,
    ) -> Collected {
        let sleep = deadline.map(|d| tokio::time::sleep_until(tokio::time::Instant::from_std(d)));
        let mut sleep = std::pin::pin!(sleep);
        let cctx = ConnectContext::new(request.target(), request.module(), deadline);
        let Some(target) = self
            .connect(&cctx, request, sleep.as_mut().as_pin_mut(), deadline)
            .await
        else {
            return Collected {
                up: Some(false),
                runs: Vec::new(),
            };
        };
        let ctx = ScrapeContext::new(target, cctx);
        let mut slots = self
            .scrape(mask, &ctx, sleep.as_mut().as_pin_mut(), deadline)
            .await;
        let runs = slots
            .iter_mut()
            .map(|slot| Run {
                index: slot.index,
                seconds: slot.took.as_secs_f64(),
                snapshot: slot.run.as_mut().take_shared(),
            })
            .collect();
        Collected {
            up: self.shared.connect.reports_up().then_some(true),
            runs,
        }
    }

    /// The connect step (`<ns>_up`) under the deadline: the target, or
    /// `None` (logged) when it cannot be reached.
    async fn connect(
        &self,
        cctx: &ConnectContext,
        request: &ScrapeRequest,
        sleep: Option<Pin<&mut tokio::time::Sleep>>,
        deadline: Option<Instant>,
    ) -> Option<T> {
        if let Some(target) = self.shared.connect.ready() {
            return Some(target);
        }
        let mut step = [ConnectStep::Running(self.shared.connect.connect(cctx))];
        run_each(&mut step, Instant::now(), sleep, deadline).await;
        let [step] = step;
        let error = match step {
            ConnectStep::Done(Ok(target)) => return Some(target),
            ConnectStep::Done(Err(error)) => error,
            ConnectStep::Running(_) => ScrapeError::TimedOut,
        };
        match request.target() {
            Some(probed) => tracing::error!(%error, probe_target = probed, "target unreachable"),
            None => tracing::error!(%error, "target unreachable"),
        }
        None
    }

    /// Runs the scrapers of `mask` concurrently under the deadline; each
    /// failure is logged with the scraper's name.
    async fn scrape<'a>(
        &'a self,
        mask: &[bool],
        ctx: &'a ScrapeContext<T>,
        sleep: Option<Pin<&mut tokio::time::Sleep>>,
        deadline: Option<Instant>,
    ) -> Vec<ScrapeSlot<'a>> {
        let list = &self.shared.scrapers.list;
        let mut slots = Vec::with_capacity(mask.iter().filter(|on| **on).count());
        for (index, scraper) in list.iter().enumerate() {
            if mask.get(index) == Some(&true) {
                slots.push(ScrapeSlot {
                    index,
                    run: scraper.scrape(ctx),
                    took: Duration::ZERO,
                    done: None,
                });
            }
        }
        run_each(&mut slots, Instant::now(), sleep, deadline).await;
        for slot in &mut slots {
            if let Some(Err(error)) = slot.done.take() {
                failed(list[slot.index].name(), &error, ctx.probe_target());
            }
        }
        slots
    }
}

fn lock<V>(m: &Mutex<V>) -> std::sync::MutexGuard<'_, V> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Send + Sync + 'static> Gatherer for ScrapeGatherer<T> {
    /// Scrapers are async and their snapshots are encoded from memory: a
    /// scrape of them runs in the request's own task, never needing a
    /// blocking thread.
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
        if !request.collect().is_empty() && !request.exclude().is_empty() {
            // node_exporter's words.
            return Err(BadRequest(
                "Combined collect and exclude queries are not allowed.".to_owned(),
            ));
        }
        // An `exclude[]` name this exporter does not have, or has disabled,
        // leaves nothing out: ignored, as node_exporter does, so that one
        // job's `exclude[]` serves a fleet whose exporters differ.
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

/// Logs a scraper's failure, with the probed target on `/probe` (several
/// probes run at once, and the scraper's name alone does not say which).
fn failed(name: &str, error: &dyn std::fmt::Display, probed: Option<&str>) {
    match probed {
        Some(probed) => {
            tracing::error!(collector = %name, %error, probe_target = probed, "collector failed");
        }
        None => tracing::error!(collector = %name, %error, "collector failed"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::scrape::{scraper, ScrapeContext, ScrapeError, Scrapers};
    use crate::{Collector, Format, Gatherer, MetricEncoder};

    #[derive(Collector)]
    #[collector(crate = "crate")]
    struct One {
        /// A value.
        #[metric(gauge)]
        t_value: f64,
    }

    /// Counts its drops: shows when a scraper's future was dropped.
    struct Guard(Arc<AtomicUsize>);

    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A set of a quick scraper and one that hangs holding a `Guard`.
    fn set(coalesce: bool, dropped: &Arc<AtomicUsize>) -> Scrapers {
        let dropped = Arc::clone(dropped);
        Scrapers::new("t")
            .with(scraper("quick", "Quick", |_: ScrapeContext| async {
                Ok::<_, ScrapeError>(One { t_value: 1.0 })
            }))
            .with(scraper("hangs", "Hangs", move |_: ScrapeContext| {
                let guard = Guard(Arc::clone(&dropped));
                async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                    Ok::<_, ScrapeError>(One { t_value: 2.0 })
                }
            }))
            .coalesce(coalesce)
    }

    async fn gather(g: &dyn Gatherer, deadline: Duration) -> String {
        gather_as(g, deadline, Format::Text).await
    }

    async fn gather_as(g: &dyn Gatherer, deadline: Duration, format: Format) -> String {
        let mut encoder = MetricEncoder::new(format);
        let errors = g
            .gather_async(&mut encoder, Some(Instant::now() + deadline))
            .await;
        assert!(errors.is_empty());
        let mut out = Vec::new();
        encoder.finish_into(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// A scraper still running at the deadline is dropped (cancelled) then,
    /// before the scrape is answered, coalesced or not; the other one's
    /// snapshot is served.
    #[test]
    fn a_scraper_cut_at_the_deadline_is_dropped_before_the_answer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        for coalesce in [false, true] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let set = set(coalesce, &dropped);
            let g = set.gatherer(set.default_selection(), ()).unwrap();
            let text = rt.block_on(gather(&g, Duration::from_millis(50)));
            assert_eq!(dropped.load(Ordering::SeqCst), 1, "coalesce {coalesce}");
            assert!(text.contains("t_value 1\n"), "{text}");
            assert!(!text.contains("t_value 2"), "{text}");
            assert!(
                text.contains("t_scrape_collector_success{collector=\"hangs\"} 0\n"),
                "{text}"
            );
            assert!(
                text.contains("t_scrape_collector_success{collector=\"quick\"} 1\n"),
                "{text}"
            );
        }
    }

    /// A coalesced scrape dropped while its collection runs (a timeout, a
    /// client gone) leaves nothing in the map of running collections.
    #[test]
    fn a_dropped_coalesced_scrape_leaves_no_entry_behind() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let dropped = Arc::new(AtomicUsize::new(0));
        let set = set(true, &dropped);
        let g = set.gatherer(set.default_selection(), ()).unwrap();
        let cut = rt.block_on(async {
            let mut encoder = MetricEncoder::new(Format::Text);
            let scrape =
                g.gather_async(&mut encoder, Some(Instant::now() + Duration::from_secs(30)));
            tokio::time::timeout(Duration::from_millis(50), scrape)
                .await
                .is_err()
        });
        assert!(cut, "the scrape was not cut");
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        assert!(super::lock(&g.shared.running).is_empty());
    }

    /// The reports read the same in OpenMetrics (successes written as
    /// integers, durations as floats).
    #[test]
    fn reports_in_openmetrics() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let dropped = Arc::new(AtomicUsize::new(0));
        let set = set(false, &dropped);
        let g = set.gatherer(set.default_selection(), ()).unwrap();
        let text = rt.block_on(gather_as(
            &g,
            Duration::from_millis(20),
            Format::OpenMetrics,
        ));
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in [
            "t_scrape_collector_success{collector=\"quick\"} 1\n",
            "t_scrape_collector_success{collector=\"hangs\"} 0\n",
            "# TYPE t_scrape_collector_duration_seconds gauge\n",
        ] {
            assert!(text.contains(line), "{line} not in {text}");
        }
        let hangs: f64 = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("t_scrape_collector_duration_seconds{collector=\"hangs\"} ")
            })
            .and_then(|v| v.parse().ok())
            .unwrap();
        assert!((0.015..5.0).contains(&hangs), "{hangs}");
    }

    /// A panicking scraper's future is dropped at once and reported as
    /// failed; its panic does not reach the scrape.
    #[test]
    fn a_panicking_scraper_is_dropped_and_reported() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        for coalesce in [false, true] {
            let dropped = Arc::new(AtomicUsize::new(0));
            let seen = Arc::clone(&dropped);
            let set = Scrapers::new("t")
                .with(scraper("boom", "Panics", move |_: ScrapeContext| {
                    let guard = Guard(Arc::clone(&seen));
                    async move {
                        let _guard = guard;
                        tokio::task::yield_now().await;
                        assert!(!broken(), "scraper broke");
                        Ok::<_, ScrapeError>(One { t_value: 3.0 })
                    }
                }))
                .coalesce(coalesce);
            let g = set.gatherer(set.default_selection(), ()).unwrap();
            let text = rt.block_on(gather(&g, Duration::from_secs(5)));
            assert_eq!(dropped.load(Ordering::SeqCst), 1, "coalesce {coalesce}");
            assert!(!text.contains("t_value"), "{text}");
            assert!(
                text.contains("t_scrape_collector_success{collector=\"boom\"} 0\n"),
                "{text}"
            );
        }
    }

    /// A target type of its own, connected by `()`: the connect step of
    /// `()` is skipped only when it is the crate's own `Connect<()>`.
    struct Port(u16);

    impl crate::scrape::Connect<Port> for () {
        async fn connect(&self, _: &crate::scrape::ConnectContext) -> Result<Port, ScrapeError> {
            Ok(Port(6379))
        }
    }

    #[test]
    fn another_connect_of_unit_still_connects() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let set = Scrapers::<Port>::new("t").with(scraper(
            "port",
            "Port",
            |ctx: ScrapeContext<Port>| async move {
                Ok::<_, ScrapeError>(One {
                    t_value: f64::from(ctx.target().0),
                })
            },
        ));
        let g = set.gatherer(set.default_selection(), ()).unwrap();
        let text = rt.block_on(gather(&g, Duration::from_secs(5)));
        assert!(text.contains("t_value 6379\n"), "{text}");
        assert!(text.contains("t_up 1\n"), "{text}");
    }

    /// Always true, which the compiler cannot see: the panic stays reachable.
    fn broken() -> bool {
        std::hint::black_box(true)
    }
}
