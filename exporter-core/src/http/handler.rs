//! The metrics handler, Go's `promhttp.HandlerFor`: gathers a registry per
//! request and answers in the negotiated format and content coding.
//!
//! # What is held in memory
//!
//! A family is written to its own buffer while collectors run, because the
//! text formats need each family's lines together under one header and a
//! family's samples may come from several collectors. A big family is sent
//! while it is written ("streamed") when nothing else can add to it later
//! in the scrape: its name is described by only the one collector writing
//! it, and by no other collector of its registry, no other gatherer of a
//! [`Gatherers`](crate::registry::Gatherers), nor the handler's own
//! `promhttp_*` self-metrics (see [`Gatherer::claims`]). Once such a family
//! holds [`CHUNK`] bytes after a series, the bytes go to the compressor and
//! the buffer is reused; from then on the family is *open* until its
//! collector returns (its later samples follow at once), and only one family
//! is open at a time. Streamed families come first in the body; the others
//! follow when every collector is done, sorted by name as before (a scrape
//! that streams nothing is byte for byte what it was), then the OpenMetrics
//! `# EOF`.
//!
//! So a scrape holds: the families that cannot be streamed, whole (small
//! ones, and any family a registry with an unchecked collector, a foreign
//! gatherer such as a `prometheus` registry, or two collectors write); for
//! each streamed family about [`CHUNK`] bytes plus one series (the buffer's
//! capacity may be up to twice that); a family of the running collector
//! that passed [`CHUNK`] while another was open, until that collector
//! returns; one chunk being compressed; and the [`CHANNEL_CHUNKS`]
//! compressed chunks waiting for the socket. A scrape that stays under
//! [`CHUNK`] is sent in one piece with a `Content-Length`. Protobuf
//! families are never streamed (a family message carries its length up
//! front), nor is anything when the gatherer claims any name (the default
//! of [`Gatherer::claims`]), so those scrapes are held whole, as before.
//!
//! # Where a scrape runs
//!
//! Collectors may block (an exporter queries the system it exports), so a
//! scrape runs on a blocking thread (`spawn_blocking`) and streams from
//! there. Handing a small scrape to another thread and back costs more than
//! the scrape itself (measured in-process: 50-80 µs per hello-world request
//! against 10 µs), so after a scrape that took under [`INLINE_UNDER`] and fit
//! in one [`CHUNK`], the next runs right on the request's task, on a
//! multi-thread runtime with two or more workers, one such scrape at a time
//! (so a collector that blocks after all holds one worker, never all of them). Such a scrape is not streamed: if it grows past
//! [`CHUNK`] anyway, it is held and answered whole (at most one scrape after
//! a small one is held whole, however large it turns out), and a scrape
//! that is large or slow sends the next one back to a blocking thread.
//!
//! # When streaming meets errors
//!
//! The response head (`200`) goes out with the first streamed bytes; the
//! [timeout](HandlerOpts::timeout) applies until then only. Bytes sent
//! cannot be taken back, so a collector that fails after its family started
//! streaming keeps the complete lines already sent (the rest of its output
//! is removed as usual), and its family is closed: a later collector writing
//! that name is refused with [`FamilyStreamed`](crate::encoding::FamilyStreamed).
//! Then, with [`ErrorHandling::ContinueOnError`], the scrape goes on and the
//! error is logged and counted as always. With [`ErrorHandling::HttpError`],
//! a failure before anything was streamed still gives HTTP 500 (no family
//! starts streaming after a failure); one after streamed bytes ends the body
//! with an error ([`BodyError`](super::BodyError)), so hyper cuts the
//! connection before the last chunk (HTTP/2: resets the stream) and the
//! scraper records a failed scrape, never a shorter body that looks whole.
//! The same happens if compression fails mid-stream. A streamed request is
//! counted in `promhttp_metric_handler_requests_total` when its body is done,
//! so a scrape never counts itself.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use tokio::runtime::RuntimeFlavor;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use super::body::{self, Body, Chunk, ChunkSender};
use super::compress::{self, Compression, Compressor};
use super::instrument::{Cause, HandlerMetrics};
use crate::collector::Collector as _;
use crate::encoding::Claims;
use crate::encoding::{negotiate_accept, Format, MetricEncoder, Scope};
use crate::escaping::EscapingScheme;
use crate::registry::GatherError;
use crate::registry::{collect_contained, Gatherer};

/// Uncompressed bytes per streamed chunk; smaller scrapes are sent whole.
pub const CHUNK: usize = 64 * 1024;
/// A scrape that took less than this and fit in one [`CHUNK`] lets the next
/// one run on the request's own task (on a multi-thread runtime) instead of
/// a blocking thread: handing a small scrape to another thread and back
/// costs more than the scrape itself. Long enough that a quick scrape
/// preempted on a busy machine still counts as quick; short enough that a
/// collector that blocks on another system is sent back to a blocking
/// thread after one scrape. See the module docs, "Where a scrape runs".
pub const INLINE_UNDER: Duration = Duration::from_millis(5);
/// Chunks buffered between the encoding thread and the socket.
pub const CHANNEL_CHUNKS: usize = 4;

/// What the handler does when a collector fails, Go's `promhttp.HandlerErrorHandling`.
///
/// Either way the error is logged (`tracing`, at error level)
/// and counted in `promhttp_metric_handler_errors_total{cause="gathering"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ErrorHandling {
    /// Answer HTTP 500 with the errors in the body (Go's `HTTPErrorOnError`).
    #[default]
    HttpError,
    /// Serve what the other collectors produced (Go's `ContinueOnError`).
    ContinueOnError,
}

/// Options of a [`MetricsHandler`], after Go's `promhttp.HandlerOpts`.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
/// use exporter_core::Registry;
///
/// let opts = HandlerOpts::default()
///     .error_handling(ErrorHandling::ContinueOnError)
///     .max_requests_in_flight(40)
///     .timeout(Some(Duration::from_secs(10)));
/// let handler = MetricsHandler::with_opts(Registry::new(), opts);
/// # drop(handler);
/// ```
#[derive(Debug, Clone)]
pub struct HandlerOpts {
    error_handling: ErrorHandling,
    max_requests_in_flight: usize,
    timeout: Option<Duration>,
    compressions: Vec<Compression>,
    enable_openmetrics: bool,
    enable_openmetrics_created_samples: bool,
    process_start_time: Option<std::time::SystemTime>,
    self_metrics: bool,
    scrape_timeout_offset: Duration,
}

impl Default for HandlerOpts {
    fn default() -> Self {
        HandlerOpts {
            error_handling: ErrorHandling::default(),
            max_requests_in_flight: 0,
            timeout: None,
            compressions: Compression::offered().to_vec(),
            enable_openmetrics: false,
            enable_openmetrics_created_samples: false,
            process_start_time: None,
            self_metrics: true,
            scrape_timeout_offset: Duration::from_millis(500),
        }
    }
}

impl HandlerOpts {
    /// What to do when a collector fails. Default is [`ErrorHandling::HttpError`].
    #[must_use]
    pub fn error_handling(mut self, policy: ErrorHandling) -> Self {
        self.error_handling = policy;
        self
    }

    /// Scrapes served at once; more get HTTP 503. `0` means no limit.
    /// Default is `0` (the exporter runtime's `--web.max-requests` defaults to 40).
    #[must_use]
    pub fn max_requests_in_flight(mut self, n: usize) -> Self {
        self.max_requests_in_flight = n;
        self
    }

    /// How long gathering may take before the handler answers HTTP 503.
    /// Collectors still running then finish in the background and keep
    /// their in-flight slot until they do. Default is no timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// How much earlier than the scraper's own timeout (the
    /// `X-Prometheus-Scrape-Timeout-Seconds` request header) async collectors
    /// are cancelled, so the answer still reaches Prometheus in time.
    /// Default is 500 ms.
    #[must_use]
    pub fn scrape_timeout_offset(mut self, offset: Duration) -> Self {
        self.scrape_timeout_offset = offset;
        self
    }

    /// Turns off response compression whatever the client accepts.
    /// Default is off: gzip (and zstd with the `zstd` feature) are offered.
    #[must_use]
    pub fn disable_compression(mut self, disable: bool) -> Self {
        self.compressions = if disable {
            Vec::new()
        } else {
            Compression::offered().to_vec()
        };
        self
    }

    /// The codings offered, in order of preference for equal `q` values.
    /// Default is [`Compression::offered`].
    #[must_use]
    pub fn compressions(mut self, offered: impl IntoIterator<Item = Compression>) -> Self {
        self.compressions = offered
            .into_iter()
            .filter(|c| *c != Compression::Identity)
            .collect();
        self
    }

    /// Answer in OpenMetrics when the client asks for it. Default is `false`,
    /// as in Go.
    #[must_use]
    pub fn enable_openmetrics(mut self, enable: bool) -> Self {
        self.enable_openmetrics = enable;
        self
    }

    /// In OpenMetrics answers, write a `_created` line for every counter,
    /// histogram and summary that has a created time (Go's
    /// `EnableOpenMetricsTextCreatedSamples`). Default is `false`, as in Go:
    /// Prometheus reads created times from protobuf (`created_timestamp`,
    /// always written), and each line is one more series to a scraper that
    /// stores them.
    #[must_use]
    pub fn enable_openmetrics_created_samples(mut self, enable: bool) -> Self {
        self.enable_openmetrics_created_samples = enable;
        self
    }

    /// Answer every scrape with a `Process-Start-Time-Unix` header holding
    /// this time in whole seconds since the Unix epoch (Go's
    /// `HandlerOpts.ProcessStartTime`), which lets a scraper tell a restarted
    /// target from one whose counters went down. Default is none (no header).
    ///
    /// ```
    /// use exporter_core::http::HandlerOpts;
    /// use std::time::SystemTime;
    ///
    /// let opts = HandlerOpts::default().process_start_time(Some(SystemTime::now()));
    /// # drop(opts);
    /// ```
    #[must_use]
    pub fn process_start_time(mut self, start: Option<std::time::SystemTime>) -> Self {
        self.process_start_time = start;
        self
    }

    /// Add the `promhttp_metric_handler_*` self-metrics to every scrape
    /// (Go's `InstrumentMetricHandler`). Default is `true`.
    #[must_use]
    pub fn self_metrics(mut self, enable: bool) -> Self {
        self.self_metrics = enable;
        self
    }
}

/// Serves a [`Gatherer`] over HTTP; cheap to clone (clones share the
/// in-flight limit and the self-metrics).
///
/// Use it with [`serve`](super::serve), as a tower `Service` (for axum), or
/// call [`handle`](Self::handle) from any hyper service.
#[derive(Clone)]
pub struct MetricsHandler {
    gatherer: Arc<dyn Gatherer>,
    opts: Arc<HandlerOpts>,
    metrics: Option<Arc<HandlerMetrics>>,
    limit: Option<Arc<Semaphore>>,
    /// Whether the next scrape runs on the request's own task (see [`INLINE_UNDER`]).
    inline: Arc<AtomicBool>,
}

impl std::fmt::Debug for MetricsHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsHandler")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// Holds one in-flight slot; shared by the producer thread and the body.
struct InFlight {
    metrics: Option<Arc<HandlerMetrics>>,
    _permit: Option<OwnedSemaphorePermit>,
    /// A streamed response is counted in `requests_total` when it is done,
    /// as Go counts a request once its handler returned: so a scrape never
    /// counts itself, streamed or not.
    streamed: AtomicBool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(m) = &self.metrics {
            if self.streamed.load(Ordering::Relaxed) {
                m.observe(StatusCode::OK.as_u16());
            }
            m.in_flight_add(-1);
        }
    }
}

/// How the producer thread tells the request what to answer.
enum Outcome {
    Whole(Vec<u8>),
    Streaming,
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
            gatherer,
            metrics: opts.self_metrics.then(|| Arc::new(HandlerMetrics::new())),
            limit: (opts.max_requests_in_flight > 0)
                .then(|| Arc::new(Semaphore::new(opts.max_requests_in_flight))),
            opts: Arc::new(opts),
            inline: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Scrapes being served right now (0 without self-metrics).
    pub fn in_flight(&self) -> i64 {
        self.metrics.as_ref().map_or(0, |m| m.in_flight())
    }

    /// Answers one request for the metrics path.
    ///
    /// `GET` gathers and answers; `HEAD` answers the same headers without
    /// gathering; other methods get 405. Only the method and headers are
    /// read, so the request body type does not matter; the returned future
    /// does not borrow the request nor the handler.
    pub fn handle<B>(
        &self,
        req: &Request<B>,
    ) -> impl Future<Output = Response<Body>> + Send + 'static {
        let info = RequestInfo {
            method: req.method().clone(),
            accept: header_string(req, header::ACCEPT),
            accept_encoding: header_string(req, header::ACCEPT_ENCODING),
            scrape_timeout: header_string(
                req,
                header::HeaderName::from_static("x-prometheus-scrape-timeout-seconds"),
            ),
            names: query_names(req.uri().query()),
        };
        let this = self.clone();
        async move {
            let mut streamed = false;
            let resp = this.respond(info, &mut streamed).await;
            if let Some(m) = &this.metrics {
                if !streamed {
                    m.observe(resp.status().as_u16());
                }
            }
            resp
        }
    }

    /// The answer; sets `streamed` when its body is streamed (and counted
    /// when done, see [`InFlight`]).
    async fn respond(&self, req: RequestInfo, streamed: &mut bool) -> Response<Body> {
        if req.method != Method::GET && req.method != Method::HEAD {
            let mut resp = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return resp;
        }
        let permit = match &self.limit {
            Some(limit) => match Arc::clone(limit).try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    return plain_owned(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!(
                            "limit of concurrent requests reached ({}), try again later\n",
                            self.opts.max_requests_in_flight
                        ),
                    )
                }
            },
            None => None,
        };
        if let Some(m) = &self.metrics {
            m.in_flight_add(1);
        }
        let guard = Arc::new(InFlight {
            metrics: self.metrics.clone(),
            _permit: permit,
            streamed: AtomicBool::new(false),
        });

        // Go's `NegotiateIncludingOpenMetrics`: format, version and name escaping,
        // all echoed in the Content-Type exactly as Go writes it.
        let negotiated = negotiate_accept(req.accept.as_deref(), self.opts.enable_openmetrics);
        let format = negotiated.format;
        let compression =
            compress::negotiate(req.accept_encoding.as_deref(), &self.opts.compressions);
        let mut head = Response::builder().header(header::CONTENT_TYPE, negotiated.content_type());
        if let Some(start) = self.opts.process_start_time {
            let secs = match start.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
            };
            head = head.header("Process-Start-Time-Unix", secs);
        }
        if let Some(coding) = compression.content_encoding() {
            head = head.header(header::CONTENT_ENCODING, coding);
        }
        if !self.opts.compressions.is_empty() {
            head = head.header(header::VARY, "Accept-Encoding");
        }
        if req.method == Method::HEAD {
            return head
                .body(Body::empty())
                .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad response\n"));
        }

        let (head_tx, head_rx) = oneshot::channel();
        let (chunk_tx, chunk_rx) = body::channel(CHANNEL_CHUNKS);
        let job = Job {
            gatherer: Arc::clone(&self.gatherer),
            metrics: self.metrics.clone(),
            policy: self.opts.error_handling,
            format,
            escaping: negotiated.escaping,
            created_lines: self.opts.enable_openmetrics_created_samples,
            names: req.names,
            compression,
            guard: Some(Arc::clone(&guard)),
            deadline: self.deadline(req.scrape_timeout.as_deref()),
            runtime: tokio::runtime::Handle::current(),
            inline: Arc::clone(&self.inline),
        };
        let outcome = match self.run_job(job, head_tx, head_rx, chunk_tx).await {
            Ok(outcome) => outcome,
            Err(timed_out) => return timed_out,
        };
        let body = match outcome {
            Ok(Outcome::Whole(bytes)) => Body::full(bytes),
            Ok(Outcome::Streaming) => {
                *streamed = true;
                guard.streamed.store(true, Ordering::Relaxed);
                Body::stream(chunk_rx, Box::new(guard))
            }
            Ok(Outcome::Failed(message)) => {
                return plain_owned(StatusCode::INTERNAL_SERVER_ERROR, message)
            }
            // The producer died without answering: a bug, not a collector error
            // (those are caught); report it like one.
            Err(_) => {
                tracing::error!("scrape task ended without a response");
                return plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "an error has occurred while serving metrics\n",
                );
            }
        };
        head.body(body)
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad response\n"))
    }
}

impl MetricsHandler {
    /// Runs the scrape, inline or on a blocking thread, and waits for the
    /// response head it decides; a 503 when the timeout passes first.
    async fn run_job(
        &self,
        job: Job,
        head_tx: oneshot::Sender<Outcome>,
        head_rx: oneshot::Receiver<Outcome>,
        chunk_tx: ChunkSender,
    ) -> Result<Result<Outcome, oneshot::error::RecvError>, Response<Body>> {
        let started = Instant::now();
        let timed_out = |limit: Duration| {
            tracing::warn!(timeout = ?limit, "scrape timed out");
            plain_owned(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("exceeded configured timeout of {limit:?}\n"),
            )
        };
        // One scrape inline at a time (taking the flag), and only with a
        // worker to spare: should a collector block after all, it holds one
        // worker, not the runtime.
        let inline = job.runtime.runtime_flavor() == RuntimeFlavor::MultiThread
            && job.runtime.metrics().num_workers() > 1
            && self.inline.swap(false, Ordering::Relaxed);
        Ok(if inline {
            // The last scrape was small and quick: run this one right here,
            // without handing it to another thread and back (which costs
            // more than such a scrape). Not streamed; the timeout can only
            // be applied once it is done.
            job.run_inline(head_tx, chunk_tx).await;
            match self.opts.timeout {
                Some(limit) if started.elapsed() > limit => return Err(timed_out(limit)),
                _ => head_rx.await,
            }
        } else {
            // Collectors may block (exporters query other systems), so the
            // scrape runs off the async workers.
            drop(tokio::task::spawn_blocking(move || {
                job.run(head_tx, chunk_tx);
            }));
            match self.opts.timeout {
                Some(limit) => match tokio::time::timeout(limit, head_rx).await {
                    Ok(outcome) => outcome,
                    Err(_) => return Err(timed_out(limit)),
                },
                None => head_rx.await,
            }
        })
    }

    /// When async collectors are cancelled: the scraper's timeout minus the
    /// offset, capped by [`HandlerOpts::timeout`]. A malformed header is ignored.
    fn deadline(&self, scrape_timeout: Option<&str>) -> Option<Instant> {
        let now = Instant::now();
        let from_header = scrape_timeout
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs > 0.0)
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .and_then(|limit| {
                now.checked_add(limit.saturating_sub(self.opts.scrape_timeout_offset))
            });
        let from_opts = self.opts.timeout.and_then(|limit| now.checked_add(limit));
        match (from_header, from_opts) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// One scrape, run on a blocking thread.
struct Job {
    gatherer: Arc<dyn Gatherer>,
    metrics: Option<Arc<HandlerMetrics>>,
    policy: ErrorHandling,
    format: Format,
    /// How names that are not legacy names are written, as the scraper asked.
    escaping: EscapingScheme,
    /// OpenMetrics `_created` lines.
    created_lines: bool,
    names: Vec<String>,
    compression: Compression,
    /// Taken by the scrape's [`Stream`].
    guard: Option<Arc<InFlight>>,
    /// When async collectors are cancelled (see [`MetricsHandler::deadline`]).
    deadline: Option<Instant>,
    /// Runs the async collectors from the blocking thread.
    runtime: tokio::runtime::Handle,
    /// Whether the next scrape may run inline, which this one decides.
    inline: Arc<AtomicBool>,
}

impl Job {
    /// On a blocking thread: gathers, streaming big families while they are
    /// written.
    fn run(mut self, head: oneshot::Sender<Outcome>, chunks: ChunkSender) {
        let started = Instant::now();
        let (mut encoder, stream) = self.start(head, chunks, true);
        // Async collectors run concurrently until the deadline; sync ones as usual.
        let errors = self
            .runtime
            .block_on(self.gatherer.gather_async(&mut encoder, self.deadline));
        self.finish(encoder, &stream, &errors, started);
    }

    /// On the request's task (a multi-thread runtime's worker), for a scrape
    /// expected to be small and quick: nothing streamed, the whole answer
    /// handed over through `head`.
    async fn run_inline(mut self, head: oneshot::Sender<Outcome>, chunks: ChunkSender) {
        let started = Instant::now();
        let (mut encoder, stream) = self.start(head, chunks, false);
        let errors = self
            .gatherer
            .gather_async(&mut encoder, self.deadline)
            .await;
        self.finish(encoder, &stream, &errors, started);
    }

    /// The scrape's encoder and its way to the response.
    fn start(
        &mut self,
        head: oneshot::Sender<Outcome>,
        chunks: ChunkSender,
        streamable: bool,
    ) -> (MetricEncoder, Arc<Mutex<Stream>>) {
        let stream = Arc::new(Mutex::new(Stream {
            compression: self.compression,
            compressor: None,
            pending: Vec::new(),
            head: Some(head),
            chunks,
            metrics: self.metrics.clone(),
            done: false,
            streamable,
            // Released before a whole or failed answer is handed over, so a
            // client that gets its response can never find its own slot still taken.
            guard: self.guard.take(),
        }));
        let mut encoder = MetricEncoder::new(self.format);
        encoder.set_escaping(self.escaping);
        encoder.openmetrics_created_lines(self.created_lines);
        encoder.filter_names(std::mem::take(&mut self.names));
        // Big families go out while they are written when the gatherer says
        // what it writes (so the encoder knows which are one collector's alone).
        if streamable && self.format != Format::Protobuf && !self.gatherer.claims().is_any() {
            let sink = Arc::clone(&stream);
            encoder.spill_to(
                CHUNK,
                Box::new(move |bytes| lock(&sink).push(bytes)),
                self.policy == ErrorHandling::HttpError,
            );
            if let Some(m) = &self.metrics {
                // Written last, into families of these names.
                let names = m.describe().into_iter().map(|d| d.name().to_owned());
                encoder.push_scope(Scope::Not(Claims::names(names)));
            }
        }
        (encoder, stream)
    }

    /// After the collectors: the errors, the self-metrics, the rest of the
    /// output; and whether the next scrape may run inline.
    fn finish(
        &self,
        mut encoder: MetricEncoder,
        stream: &Mutex<Stream>,
        errors: &[GatherError],
        started: Instant,
    ) {
        self.inline.store(false, Ordering::Relaxed);
        if !errors.is_empty() {
            for e in errors {
                tracing::error!(collector = %e.collector, error = %e.error, "error gathering metrics");
            }
            if let Some(m) = &self.metrics {
                m.error(Cause::Gathering, errors.len());
            }
            if self.policy == ErrorHandling::HttpError {
                let mut msg = String::from("an error has occurred while serving metrics:\n\n");
                for e in errors {
                    let _ = writeln!(msg, "{e}");
                }
                lock(stream).fail_scrape(msg);
                return;
            }
        }
        // Last, so this scrape's errors are already counted in it.
        if let Some(m) = &self.metrics {
            if let Err(error) = collect_contained(m.as_ref(), &mut encoder) {
                tracing::error!(%error, "self-metrics failed");
            }
        }
        let mut stream = lock(stream);
        encoder.finish_chunks(|family| stream.push(family));
        let small = stream.head.is_some() && stream.pending.len() < CHUNK;
        stream.finish();
        let quick = started.elapsed() < INLINE_UNDER;
        self.inline.store(small && quick, Ordering::Relaxed);
    }
}

fn lock(stream: &Mutex<Stream>) -> std::sync::MutexGuard<'_, Stream> {
    stream.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Turns the scrape into the response: one whole body when it fits in
/// [`CHUNK`] bytes, else compressed chunks of about [`CHUNK`] uncompressed
/// bytes each, sent as soon as they are ready. It receives the families
/// streamed while collectors run, then the rest at the end.
struct Stream {
    compression: Compression,
    /// Started once the scrape is known to be streamed.
    compressor: Option<Compressor>,
    /// Uncompressed bytes not yet compressed.
    pending: Vec<u8>,
    /// Taken when the response head is decided.
    head: Option<oneshot::Sender<Outcome>>,
    chunks: ChunkSender,
    metrics: Option<Arc<HandlerMetrics>>,
    /// Set when the client went away or the body was aborted: skip the rest.
    done: bool,
    /// Whether the response may be streamed; when not, it is all kept for
    /// one whole answer however large it grows.
    streamable: bool,
    /// This scrape's in-flight slot (the streamed body holds another handle).
    guard: Option<Arc<InFlight>>,
}

impl Stream {
    fn push(&mut self, family: &[u8]) {
        if self.done {
            return;
        }
        self.pending.extend_from_slice(family);
        if self.pending.len() < CHUNK || !self.streamable {
            return;
        }
        if self.compressor.is_none() {
            match Compressor::new(self.compression) {
                Ok(c) => self.compressor = Some(c),
                Err(error) => return self.fail(&error),
            }
            let Some(head) = self.head.take() else {
                self.done = true;
                return;
            };
            if head.send(Outcome::Streaming).is_err() {
                self.done = true; // timed out meanwhile
                return;
            }
        }
        self.flush();
    }

    /// Compresses and sends `pending`.
    fn flush(&mut self) {
        let Some(compressor) = &mut self.compressor else {
            return;
        };
        let out = compressor.push(&self.pending);
        self.pending.clear();
        match out {
            Ok(out) => self.send(out),
            Err(error) => self.fail(&error),
        }
    }

    fn send(&mut self, out: Vec<u8>) {
        // A send error means the client went away: stop encoding.
        if !out.is_empty() && !self.chunks.send(Bytes::from(out)) {
            self.done = true;
        }
    }

    fn finish(&mut self) {
        if self.done {
            return;
        }
        if let Some(head) = self.head.take() {
            // Never started streaming: the whole scrape is in `pending`.
            let whole = match self.compression {
                Compression::Identity => Ok(std::mem::take(&mut self.pending)),
                c => Compressor::new(c).and_then(|mut comp| {
                    let mut out = comp.push(&self.pending)?;
                    out.extend(comp.finish()?);
                    Ok(out)
                }),
            };
            let outcome = match whole {
                Ok(bytes) => Outcome::Whole(bytes),
                Err(error) => {
                    self.count_encoding_error(&error);
                    Outcome::Failed(format!("error encoding metrics: {error}\n"))
                }
            };
            drop(self.guard.take());
            let _ = head.send(outcome);
            return;
        }
        self.flush();
        if self.done {
            return;
        }
        if let Some(compressor) = self.compressor.take() {
            match compressor.finish() {
                Ok(out) => self.send(out),
                Err(error) => return self.fail(&error),
            }
        }
        if !self.done {
            self.chunks.send_last(Chunk::End);
            self.done = true;
        }
    }

    /// A collector failed under [`ErrorHandling::HttpError`]: answer 500 if
    /// nothing was sent yet, else abort the body already under way.
    fn fail_scrape(&mut self, message: String) {
        match self.head.take() {
            Some(head) => {
                drop(self.guard.take());
                let _ = head.send(Outcome::Failed(message));
            }
            None => self.abort(message),
        }
        self.done = true;
    }

    /// Ends a streamed body with an error, so the client sees a failed
    /// transfer rather than a body that looks complete.
    fn abort(&mut self, reason: String) {
        if !self.done {
            self.chunks.send_last(Chunk::Abort(reason));
            self.done = true;
        }
    }

    fn fail(&mut self, error: &std::io::Error) {
        self.count_encoding_error(error);
        match self.head.take() {
            Some(head) => {
                drop(self.guard.take());
                let _ = head.send(Outcome::Failed(format!(
                    "error encoding metrics: {error}\n"
                )));
            }
            None => self.abort(format!("error encoding metrics: {error}")),
        }
        self.done = true;
    }

    fn count_encoding_error(&self, error: &std::io::Error) {
        tracing::error!(%error, "error compressing metrics");
        if let Some(m) = &self.metrics {
            m.error(Cause::Encoding, 1);
        }
    }
}

/// What the handler needs from a request, taken before the first await.
struct RequestInfo {
    method: Method,
    accept: Option<String>,
    accept_encoding: Option<String>,
    /// `X-Prometheus-Scrape-Timeout-Seconds`, the scraper's own timeout.
    scrape_timeout: Option<String>,
    /// `name[]` query parameters.
    names: Vec<String>,
}

/// The values of every `name[]` parameter (Go's `r.URL.Query()["name[]"]`),
/// percent-decoded; malformed escapes are kept literally.
fn query_names(query: Option<&str>) -> Vec<String> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key) == "name[]").then(|| percent_decode(value))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match (
                    bytes.get(i + 1).and_then(|b| hex(*b)),
                    bytes.get(i + 2).and_then(|b| hex(*b)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn header_string<B>(req: &Request<B>, name: header::HeaderName) -> Option<String> {
    // A header that is not visible ASCII is treated as absent, never an error.
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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
