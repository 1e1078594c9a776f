//! The metrics handler, Go's `promhttp.HandlerFor`: gathers per request and
//! answers in the negotiated format and content coding. The behaviour a user
//! sees (memory, where a scrape runs, streaming and errors) is documented on
//! the [`http`](crate::http) module; the files here hold one job each:
//! `options` the knobs, `request` what is read from a request, `scrape`
//! where the scrape runs, `stream` the way to the response body.

mod options;
mod request;
mod scrape;
mod stream;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;

pub use self::options::{ErrorHandling, HandlerOpts};
use self::request::RequestInfo;
use self::scrape::Job;
use super::body::{self, Body};
use super::compress;
use super::instrument::{Cause, HandlerMetrics};
use crate::encoding::{negotiate_accept, Format, Negotiated};
use crate::registry::Gatherer;

/// The "64 KiB" of the module docs: uncompressed bytes per streamed chunk
/// (smaller scrapes are sent whole), what a family holds before it streams,
/// and what a scrape in the request's task writes before it moves.
const CHUNK: usize = 64 * 1024;
/// Chunks buffered between the scrape and the socket.
const CHANNEL_CHUNKS: usize = 4;

/// Serves a [`Gatherer`] over HTTP; cheap to clone (clones share the
/// in-flight limit and the self-metrics).
///
/// Use it with [`serve`](super::serve), as a tower `Service` (for axum), or
/// call [`handle`](Self::handle) from any hyper service. How it holds and
/// streams a scrape is described in the [`http`](crate::http) module docs.
#[derive(Clone)]
pub struct MetricsHandler {
    // One reference count for a request to take, not one per part: under
    // load every count is a cache line the workers pass back and forth.
    shared: Arc<Shared>,
}

/// What the clones of a handler share.
pub(super) struct Shared {
    gatherer: Arc<dyn Gatherer>,
    opts: HandlerOpts,
    metrics: Option<Arc<HandlerMetrics>>,
    /// Requests holding an in-flight slot, against `opts.max_requests_in_flight`,
    /// when there are no self-metrics (see [`Shared::in_flight`]).
    in_use: AtomicI64,
}

impl std::fmt::Debug for MetricsHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsHandler")
            .field("opts", &self.shared.opts)
            .finish_non_exhaustive()
    }
}

/// One in-flight slot, held by a request's own task and given back when
/// dropped. A scrape that runs elsewhere turns it into an [`InFlight`].
struct Slot<'a> {
    shared: &'a Shared,
}

impl<'a> Slot<'a> {
    /// A slot, or `None` when `max_requests_in_flight` are taken.
    fn take(shared: &'a Shared) -> Option<Self> {
        if let Some(count) = shared.in_flight() {
            let max = shared.opts.max_requests_in_flight;
            if max > 0 {
                let max = i64::try_from(max).unwrap_or(i64::MAX);
                count
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < max).then_some(n + 1)
                    })
                    .ok()?;
            } else {
                count.fetch_add(1, Ordering::AcqRel);
            }
        }
        Some(Slot { shared })
    }

    /// The slot, kept by whichever of the request, the scrape and a streamed
    /// body lets it go last.
    fn into_shared(self, shared: &Arc<Shared>) -> Arc<InFlight> {
        std::mem::forget(self);
        Arc::new(InFlight {
            shared: Arc::clone(shared),
            streamed: AtomicBool::new(false),
        })
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        release(self.shared, false);
    }
}

/// A slot shared by a scrape that runs in a task or thread of its own and
/// the streamed body.
struct InFlight {
    shared: Arc<Shared>,
    /// A streamed response is counted in `requests_total` when it is done,
    /// as Go counts a request once its handler returned: so a scrape never
    /// counts itself, streamed or not.
    streamed: AtomicBool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        release(&self.shared, self.streamed.load(Ordering::Relaxed));
    }
}

/// Gives a slot back.
fn release(shared: &Shared, streamed: bool) {
    if let Some(count) = shared.in_flight() {
        count.fetch_sub(1, Ordering::AcqRel);
    }
    if streamed {
        if let Some(m) = &shared.metrics {
            m.observe(StatusCode::OK.as_u16());
        }
    }
}

impl Shared {
    /// The count of requests in flight, if anything reads it: the
    /// self-metrics' gauge when there is one (the limit counts against it
    /// too, so a request writes one count, not two), else the limit's own.
    fn in_flight(&self) -> Option<&AtomicI64> {
        match &self.metrics {
            Some(m) => Some(m.in_flight_count()),
            None if self.opts.max_requests_in_flight > 0 => Some(&self.in_use),
            None => None,
        }
    }
}

/// How the scrape tells the request what to answer.
enum Outcome {
    Whole(Vec<u8>),
    Streaming(body::ChunkReceiver),
    Failed(String),
}

impl MetricsHandler {
    /// A handler for `gatherer` with default options.
    pub fn new(gatherer: impl Gatherer + 'static) -> Self {
        Self::with_opts(gatherer, HandlerOpts::default())
    }

    /// A handler for `gatherer` with `opts`.
    pub fn with_opts(gatherer: impl Gatherer + 'static, opts: HandlerOpts) -> Self {
        Self::from_arc(Arc::new(gatherer), opts)
    }

    /// A handler for a shared gatherer with `opts`.
    pub fn from_arc(gatherer: Arc<dyn Gatherer>, opts: HandlerOpts) -> Self {
        MetricsHandler {
            shared: Arc::new(Shared {
                gatherer,
                metrics: opts.self_metrics.then(|| Arc::new(HandlerMetrics::new())),
                in_use: AtomicI64::new(0),
                opts,
            }),
        }
    }

    fn opts(&self) -> &HandlerOpts {
        &self.shared.opts
    }

    /// Scrapes being served right now (0 without self-metrics).
    pub fn in_flight(&self) -> i64 {
        self.shared.metrics.as_ref().map_or(0, |m| m.in_flight())
    }

    /// Answers one request for the metrics path.
    ///
    /// `GET` gathers and answers; `HEAD` answers the same headers without
    /// gathering; other methods get 405. Only the method, headers and query
    /// are read, so the request body type does not matter; the returned
    /// future does not borrow the request nor the handler.
    pub fn handle<B>(
        &self,
        req: &Request<B>,
    ) -> impl Future<Output = Response<Body>> + Send + 'static {
        let info = RequestInfo::of(req);
        let this = self.clone();
        async move {
            let multi_thread = Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread;
            this.answer_info(info, multi_thread).await
        }
    }

    /// [`handle`](Self::handle) for the server, which knows its runtime
    /// (`multi_thread`: whether it has workers to spare for a scrape that
    /// moves out of the request's task, see [`Job::run_here`]) and keeps the handler while the
    /// request runs: so a request touches no count that other workers write,
    /// unless its scrape runs elsewhere.
    pub(crate) fn answer<B>(
        &self,
        req: &Request<B>,
        multi_thread: bool,
    ) -> impl Future<Output = Response<Body>> + Send + '_ {
        self.answer_info(RequestInfo::of(req), multi_thread)
    }

    /// The answer, counted in the self-metrics unless streamed (its body
    /// counts it when done, see [`InFlight`]). The steps before and after
    /// the scrape are plain functions: this future is moved whole into each
    /// one that awaits it, so it holds only what lives across the scrape.
    async fn answer_info(&self, req: RequestInfo, multi_thread: bool) -> Response<Body> {
        let (resp, streamed) = match self.prepare(req) {
            Err(early) => (early, false),
            Ok((job, slot, head)) => {
                let limit = self.opts().timeout;
                let (outcome, guard) = if self.shared.gatherer.may_block() {
                    let (head_tx, head_rx) = oneshot::channel();
                    let guard = slot.into_shared(&self.shared);
                    job.spawn(Arc::clone(&self.shared), Arc::clone(&guard), head_tx);
                    // The scrape goes on in the background and keeps its
                    // slot until it is done.
                    (Timed::new(head_rx, limit).await, Some(guard))
                } else {
                    // Cancelled at the timeout (its async collectors are
                    // dropped) if it is still here; one that moved to a task
                    // goes on in the background, as a spawned one does. A
                    // scrape whose collectors were cut at the timeout's own
                    // deadline finishes just as it fires: a 503 too.
                    let started = limit.map(|_| Instant::now());
                    let here = job.run_here(&self.shared, slot, multi_thread);
                    match Timed::new(here, limit).await {
                        Some(_) if started.zip(limit).is_some_and(|(s, l)| s.elapsed() >= l) => {
                            tracing::warn!(timeout = ?limit, "scrape timed out");
                            (None, None)
                        }
                        Some((outcome, guard)) => (Some(outcome), guard),
                        None => (None, None),
                    }
                };
                self.finish(head, outcome, guard)
            }
        };
        if let Some(m) = &self.shared.metrics {
            if !streamed {
                m.observe(resp.status().as_u16());
            }
        }
        resp
    }

    /// The response without its body: Go's Content-Type (escaping
    /// included), the content coding, and `Process-Start-Time-Unix` when set.
    /// Headers from static strings: nothing to parse or allocate per request.
    fn head(&self, negotiated: Negotiated, compression: compress::Compression) -> Response<Body> {
        let mut head = Response::new(Body::empty());
        let headers = head.headers_mut();
        headers.insert(header::CONTENT_TYPE, content_type(negotiated));
        if let Some(secs) = self.opts().process_start_secs() {
            headers.insert("process-start-time-unix", HeaderValue::from(secs));
        }
        if let Some(coding) = compression.content_encoding() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        if !self.opts().compressions.is_empty() {
            headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        head
    }

    /// What comes before the scrape: the answer at once (a method other
    /// than `GET` and `HEAD`, a refused request, no slot left, `HEAD`), or
    /// the scrape to run, its slot and the response's head.
    #[allow(clippy::result_large_err)] // the `Err` is the answer, not a failure
    fn prepare(&self, req: RequestInfo) -> Result<(Job, Slot<'_>, Response<Body>), Response<Body>> {
        if req.method != Method::GET && req.method != Method::HEAD {
            let mut resp = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Err(resp);
        }
        // `collect[]`, `target`: refused before anything runs (see `scrape`).
        if let Err(refused) = self.shared.gatherer.check_request(&req.request) {
            return Err(plain_owned(StatusCode::BAD_REQUEST, format!("{refused}\n")));
        }
        let Some(slot) = Slot::take(&self.shared) else {
            let max = self.opts().max_requests_in_flight;
            return Err(plain_owned(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("limit of concurrent requests reached ({max}), try again later\n"),
            ));
        };

        // Go's `NegotiateIncludingOpenMetrics`: format, version and name escaping,
        // all echoed in the Content-Type exactly as Go writes it.
        let negotiated = negotiate_accept(req.accept(), self.opts().enable_openmetrics);
        let compression = compress::negotiate(req.accept_encoding(), &self.opts().compressions);
        let head = self.head(negotiated, compression);
        if req.method == Method::HEAD {
            return Err(head);
        }

        let opts = self.opts();
        let job = Job {
            policy: opts.error_handling,
            format: negotiated.format,
            escaping: negotiated.escaping,
            created_lines: opts.enable_openmetrics_created_samples,
            deadline: req.deadline(opts.scrape_timeout_offset, opts.timeout),
            names: req.names,
            request: req.request,
            compression,
        };
        Ok((job, slot, head))
    }

    /// The answer from the scrape's `outcome` (`None`: the timeout ran out),
    /// and whether its body is streamed; `guard` is the slot a scrape that
    /// runs elsewhere shares.
    fn finish(
        &self,
        mut head: Response<Body>,
        outcome: Option<Result<Outcome, oneshot::error::RecvError>>,
        guard: Option<Arc<InFlight>>,
    ) -> (Response<Body>, bool) {
        let Some(outcome) = outcome else {
            let limit = self.opts().timeout.unwrap_or_default();
            let resp = plain_owned(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("exceeded configured timeout of {limit:?}\n"),
            );
            return (resp, false);
        };
        let body = match outcome {
            Ok(Outcome::Whole(bytes)) => Body::full(bytes),
            // Only a scrape that runs elsewhere streams, and it shares its slot.
            Ok(Outcome::Streaming(chunks)) => match guard {
                Some(guard) => {
                    guard.streamed.store(true, Ordering::Relaxed);
                    *head.body_mut() = Body::stream(chunks, Box::new(guard));
                    return (head, true);
                }
                None => return (self.scrape_lost(), false),
            },
            Ok(Outcome::Failed(message)) => {
                return (
                    plain_owned(StatusCode::INTERNAL_SERVER_ERROR, message),
                    false,
                )
            }
            Err(_) => return (self.scrape_lost(), false),
        };
        *head.body_mut() = body;
        (head, false)
    }

    /// The scrape ended without answering: a bug, not a collector error
    /// (those are caught); reported like one.
    fn scrape_lost(&self) -> Response<Body> {
        tracing::error!("scrape task ended without a response");
        if let Some(m) = &self.shared.metrics {
            m.error(Cause::Gathering, 1);
        }
        plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "an error has occurred while serving metrics\n",
        )
    }
}

pin_project_lite::pin_project! {
    /// `scrape` within `limit`: `None` when it ran out. The timer is made
    /// only if the scrape does not finish when first polled, as a small one
    /// in the request's task does: so it costs nothing then, and this future stays small
    /// (it is moved whole into every future that awaits it).
    struct Timed<F> {
        #[pin]
        scrape: F,
        // When the limit runs out, on tokio's clock; none without a limit or
        // past what an `Instant` holds.
        deadline: Option<tokio::time::Instant>,
        limit: Duration,
        // Outside the task's budget, as `tokio::time::timeout` polls its
        // timer: a scrape that used the budget up still times out.
        timer: Option<Pin<Box<tokio::task::Unconstrained<tokio::time::Sleep>>>>,
    }
}

impl<F: Future> Timed<F> {
    fn new(scrape: F, limit: Option<Duration>) -> Self {
        Timed {
            scrape,
            deadline: limit.and_then(|limit| tokio::time::Instant::now().checked_add(limit)),
            limit: limit.unwrap_or_default(),
            timer: None,
        }
    }
}

impl<F: Future> Future for Timed<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.scrape.poll(cx) {
            return Poll::Ready(Some(out));
        }
        let Some(deadline) = *this.deadline else {
            return Poll::Pending;
        };
        let timer = this.timer.get_or_insert_with(|| {
            Box::pin(tokio::task::unconstrained(tokio::time::sleep_until(
                deadline,
            )))
        });
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                tracing::warn!(timeout = ?this.limit, "scrape timed out");
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// `negotiated`'s Content-Type as a header value. `HeaderValue::from_static`
/// checks every byte when it runs (about 300 instructions for the text
/// format's), so the 16 possible values are made once, at compile time.
fn content_type(negotiated: Negotiated) -> HeaderValue {
    use crate::encoding::OpenMetricsVersion::{V0_0_1, V1_0_0};
    use crate::escaping::EscapingScheme::{AllowUtf8, Dots, Underscores, Values};

    const fn value(
        format: Format,
        openmetrics_version: crate::encoding::OpenMetricsVersion,
        escaping: crate::escaping::EscapingScheme,
    ) -> HeaderValue {
        let negotiated = Negotiated {
            format,
            openmetrics_version,
            escaping,
        };
        HeaderValue::from_static(negotiated.content_type())
    }
    macro_rules! by_escaping {
        ($format:expr, $version:expr) => {
            [
                value($format, $version, AllowUtf8),
                value($format, $version, Underscores),
                value($format, $version, Dots),
                value($format, $version, Values),
            ]
        };
    }
    static VALUES: [[HeaderValue; 4]; 4] = [
        by_escaping!(Format::Text, V1_0_0),
        by_escaping!(Format::OpenMetrics, V0_0_1),
        by_escaping!(Format::OpenMetrics, V1_0_0),
        by_escaping!(Format::Protobuf, V1_0_0),
    ];
    let row = match (negotiated.format, negotiated.openmetrics_version) {
        (Format::OpenMetrics, V0_0_1) => &VALUES[1],
        (Format::OpenMetrics, V1_0_0) => &VALUES[2],
        (Format::Protobuf, _) => &VALUES[3],
        (Format::Text, _) => &VALUES[0],
    };
    let value = match negotiated.escaping {
        AllowUtf8 => &row[0],
        Underscores => &row[1],
        Dots => &row[2],
        Values => &row[3],
    };
    value.clone()
}

pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    plain_body(status, Body::full(Bytes::from_static(text.as_bytes())))
}

pub(crate) fn plain_owned(status: StatusCode, text: String) -> Response<Body> {
    plain_body(status, Body::full(text))
}

fn plain_body(status: StatusCode, body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::OpenMetricsVersion;
    use crate::escaping::EscapingScheme;

    #[tokio::test(start_paused = true)]
    async fn a_scrape_is_cut_at_its_limit_and_a_limit_past_any_instant_never_cuts() {
        let started = tokio::time::Instant::now();
        let cut = Timed::new(std::future::pending::<()>(), Some(Duration::from_secs(3))).await;
        assert!(cut.is_none());
        assert_eq!(started.elapsed(), Duration::from_secs(3));

        let mut endless = std::pin::pin!(Timed::new(
            std::future::pending::<()>(),
            Some(Duration::MAX)
        ));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(endless.as_mut().poll(&mut cx).is_pending());
        assert_eq!(Timed::new(async { 7 }, Some(Duration::MAX)).await, Some(7));
        assert_eq!(Timed::new(async { 8 }, None).await, Some(8));
    }

    #[test]
    fn every_content_type_header_is_the_negotiated_one() {
        for format in [Format::Text, Format::OpenMetrics, Format::Protobuf] {
            for openmetrics_version in [OpenMetricsVersion::V0_0_1, OpenMetricsVersion::V1_0_0] {
                for escaping in [
                    EscapingScheme::AllowUtf8,
                    EscapingScheme::Underscores,
                    EscapingScheme::Dots,
                    EscapingScheme::Values,
                ] {
                    let negotiated = Negotiated {
                        format,
                        openmetrics_version,
                        escaping,
                    };
                    assert_eq!(
                        content_type(negotiated).to_str().unwrap(),
                        negotiated.content_type()
                    );
                }
            }
        }
    }
}
