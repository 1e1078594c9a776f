//! Where a scrape runs: on a blocking thread when a collector of the
//! gatherer may block, as a task of the server's runtime when none may.

use std::cell::Cell;
use std::fmt::Write as _;
use std::future::Future as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Instant;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;

use super::stream::Stream;
use super::{ErrorHandling, InFlight, Outcome, Shared, Slot, CHUNK, INLINE_UNDER};
use crate::collector::panic_message;
use crate::encoding::{Format, MetricEncoder, Scope};
use crate::http::compress::{Compression, Compressor};
use crate::http::instrument::{Cause, HandlerMetrics, Last};
use crate::registry::{collect_contained, GatherError, Gatherer};

thread_local! {
    /// The encoder of the last inline scrape on this thread, emptied
    /// ([`MetricEncoder::reset`]): the next inline scrape takes it instead of
    /// allocating its lists and tables again.
    static SPARE: Cell<Option<Box<MetricEncoder>>> = const { Cell::new(None) };
}

/// One scrape: what to gather and how to encode it. The handler's gatherer,
/// options, self-metrics and size hint (its [`Shared`]) come with each call.
pub(super) struct Job {
    pub(super) policy: ErrorHandling,
    pub(super) format: Format,
    /// How names that are not legacy names are written, as the scraper asked.
    pub(super) escaping: crate::escaping::EscapingScheme,
    /// OpenMetrics `_created` lines.
    pub(super) created_lines: bool,
    pub(super) names: Vec<String>,
    /// Read by gatherers while they run (`ScrapeRequest::current`).
    pub(super) request: crate::collector::ScrapeRequest,
    pub(super) compression: Compression,
    /// When async collectors are cancelled.
    pub(super) deadline: Option<Instant>,
}

/// Whether a scrape runs inside the request's own task: its
/// collectors cannot block, the runtime has workers to spare (as for
/// [`Job::spawn`]'s task), and recent scrapes were small enough that
/// this one will not need streaming. Such a scrape, the usual one,
/// costs no task, no channel and no thread hand-off; the first scrape
/// of a handler and those after a big one take [`Job::spawn`], which
/// streams. An inline scrape is held whole, however big it turns out.
/// `multi_thread`: whether the request runs on a multi-thread runtime.
pub(super) fn runs_inline(shared: &Shared, multi_thread: bool) -> bool {
    multi_thread
        && !shared.gatherer.may_block()
        && shared.size_hint.load(Ordering::Relaxed) < INLINE_UNDER
}

impl Job {
    /// Runs the scrape in the caller's task and returns its answer. A panic
    /// in the gathering (a collector's own are contained further down) is a
    /// 500, as on a spawned scrape, not a lost connection. The request's
    /// `slot` is given back before the answer.
    pub(super) async fn run_inline(mut self, shared: &Shared, slot: Slot<'_>) -> Outcome {
        // On the heap: this future is moved into each one that awaits it, and
        // the encoder is most of its size. The last inline scrape's on this
        // thread, emptied, when there is one: its lists and tables are not
        // allocated again.
        let mut encoder = match SPARE.with(Cell::take) {
            Some(mut spare) => {
                spare.set_format(self.format);
                spare
            }
            None => Box::new(MetricEncoder::new(self.format)),
        };
        self.configure(&mut encoder);
        let request = std::mem::take(&mut self.request);
        // A gatherer may do its work as it makes the future (the default
        // `gather_async` does), so both are guarded.
        let gathered = match catch_unwind(AssertUnwindSafe(|| {
            request.scope(shared.gatherer.gather_async(&mut encoder, self.deadline))
        })) {
            Err(payload) => Err(panic_message(payload.as_ref())),
            Ok(gather) => {
                let mut gather = std::pin::pin!(gather);
                std::future::poll_fn(|cx| {
                    match catch_unwind(AssertUnwindSafe(|| gather.as_mut().poll(cx))) {
                        Ok(Poll::Ready(errors)) => Poll::Ready(Ok(errors)),
                        Ok(Poll::Pending) => Poll::Pending,
                        Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
                    }
                })
                .await
            }
        };
        let outcome = match gathered {
            Err(panic) => {
                tracing::error!(%panic, "scrape panicked");
                if let Some(m) = &shared.metrics {
                    m.error(Cause::Gathering, 1);
                }
                Outcome::Failed("an error has occurred while serving metrics\n".to_owned())
            }
            Ok(errors) => {
                let outcome = match self.wrap_up(shared, &mut encoder, &errors) {
                    Err(message) => Outcome::Failed(message),
                    Ok(()) => {
                        let mut body = Vec::new();
                        encoder.write_into(&mut body);
                        record_size(shared, body.len());
                        match compress_whole(self.compression, body) {
                            Ok(bytes) => Outcome::Whole(bytes),
                            Err(error) => {
                                count_encoding_error(shared.metrics.as_deref(), &error);
                                Outcome::Failed(format!("error encoding metrics: {error}\n"))
                            }
                        }
                    }
                };
                // Not after a panic in the gathering: it may have left the
                // encoder anywhere, and it is dropped instead.
                encoder.reset();
                SPARE.with(|spare| spare.set(Some(encoder)));
                outcome
            }
        };
        // As a spawned scrape does: the slot is free before the answer is.
        drop(slot);
        outcome
    }

    /// Starts the scrape where it belongs and returns at once; its answer
    /// arrives through `head`, its streamed bytes through `chunks`.
    ///
    /// The rule: a gatherer whose collectors may block (the default for a
    /// hand-written collector or a closure: exporters query the system they
    /// export) runs on a blocking thread, so it can never hold up an async
    /// worker, other requests or the timeout's 503. One that cannot block
    /// (derived structs, instruments, async collectors, the self-metrics)
    /// runs as a task of the server's multi-thread runtime, which saves
    /// handing a small scrape to another thread and back. Either streams.
    /// A current-thread runtime has no worker to spare for a task that
    /// waits for the client to read, so there every scrape takes a thread.
    /// `guard` is the request's in-flight slot, taken by the scrape's [`Stream`].
    pub(super) fn spawn(
        mut self,
        shared: Arc<Shared>,
        guard: Arc<InFlight>,
        head: oneshot::Sender<Outcome>,
    ) {
        let runtime = Handle::current();
        let on_task =
            runtime.runtime_flavor() == RuntimeFlavor::MultiThread && !shared.gatherer.may_block();
        if on_task {
            drop(runtime.spawn(async move {
                // Waiting for the client to read, this worker hands its other
                // tasks to another thread meanwhile (`block_in_place`).
                let (mut encoder, stream) = self.start(&shared, guard, head, true);
                let request = std::mem::take(&mut self.request);
                let errors = request
                    .scope(shared.gatherer.gather_async(&mut encoder, self.deadline))
                    .await;
                self.finish(&shared, encoder, &stream, &errors);
            }));
        } else {
            drop(runtime.spawn_blocking(move || {
                let (mut encoder, stream) = self.start(&shared, guard, head, false);
                // Async collectors run concurrently until the deadline.
                let request = std::mem::take(&mut self.request);
                let errors = Handle::current().block_on(
                    request.scope(shared.gatherer.gather_async(&mut encoder, self.deadline)),
                );
                self.finish(&shared, encoder, &stream, &errors);
            }));
        }
    }

    /// The scrape's encoder, and its way to the response.
    fn start(
        &mut self,
        shared: &Shared,
        guard: Arc<InFlight>,
        head: oneshot::Sender<Outcome>,
        in_place: bool,
    ) -> (MetricEncoder, Arc<Mutex<Stream>>) {
        let stream = Arc::new(Mutex::new(Stream::new(
            self.compression,
            head,
            in_place,
            shared.metrics.clone(),
            // Released before a whole or failed answer is handed over, so a
            // client that gets its response can never find its own slot still taken.
            Some(guard),
        )));
        let mut encoder = self.encoder();
        // Big families go out while they are written when the gatherer says
        // what it writes (so the encoder knows which are one collector's alone).
        if self.format != Format::Protobuf && !shared.gatherer.claims().is_any() {
            let sink = Arc::clone(&stream);
            encoder.spill_to(
                CHUNK,
                Box::new(move |bytes| lock(&sink).push(bytes)),
                self.policy == ErrorHandling::HttpError,
            );
            if shared.metrics.is_some() {
                // Written last, into families of these names.
                encoder.push_scope(Scope::Not(HandlerMetrics::claims()));
            }
        }
        (encoder, stream)
    }

    /// The encoder this request asked for.
    fn encoder(&mut self) -> MetricEncoder {
        let mut encoder = MetricEncoder::new(self.format);
        self.configure(&mut encoder);
        encoder
    }

    /// Sets up an encoder that holds nothing yet as this request asked.
    fn configure(&mut self, encoder: &mut MetricEncoder) {
        encoder.set_escaping(self.escaping);
        encoder.openmetrics_created_lines(self.created_lines);
        encoder.filter_names(std::mem::take(&mut self.names));
    }

    /// After the collectors: the errors, the self-metrics, the rest of the output.
    fn finish(
        &self,
        shared: &Shared,
        mut encoder: MetricEncoder,
        stream: &Mutex<Stream>,
        errors: &[GatherError],
    ) {
        if let Err(message) = self.wrap_up(shared, &mut encoder, errors) {
            lock(stream).fail_scrape(message);
            return;
        }
        let mut stream = lock(stream);
        stream.finish_with(encoder);
        record_size(shared, stream.written());
    }

    /// Reports the dropped series and the collectors' errors, and writes the
    /// self-metrics last; `Err` with the 500's message when the scrape fails
    /// as a whole ([`ErrorHandling::HttpError`]).
    fn wrap_up(
        &self,
        shared: &Shared,
        encoder: &mut MetricEncoder,
        errors: &[GatherError],
    ) -> Result<(), String> {
        // Odd data from the target, not the exporter failing: reported, and
        // the rest of the scrape is served whatever the error policy.
        let dropped = encoder.dropped_series();
        if !dropped.is_empty() {
            for d in dropped {
                tracing::warn!(
                    family = %d.family,
                    labels = %d.labels,
                    value = d.value,
                    "counter series left out: a counter total must be a number at or above zero"
                );
            }
            if let Some(m) = &shared.metrics {
                m.error(Cause::Gathering, dropped.len());
            }
        }
        if !errors.is_empty() {
            for e in errors {
                tracing::error!(collector = %e.collector, error = %e.error, "error gathering metrics");
            }
            if let Some(m) = &shared.metrics {
                m.error(Cause::Gathering, errors.len());
            }
            if self.policy == ErrorHandling::HttpError {
                let mut msg = String::from("an error has occurred while serving metrics:\n\n");
                for e in errors {
                    let _ = writeln!(msg, "{e}");
                }
                return Err(msg);
            }
        }
        // Last, so this scrape's errors are already counted in it (and so
        // the families may be filled into their template, see `Last`).
        if let Some(m) = &shared.metrics {
            if let Err(error) = collect_contained(&Last(m), encoder) {
                tracing::error!(%error, "self-metrics failed");
            }
        }
        Ok(())
    }
}

/// Remembers a scrape's size for [`runs_inline`]: the hint is the largest
/// recent size, decaying by an eighth per scrape, so one small scrape (a
/// `name[]` filter, a small probe target) between big ones does not send the
/// next big one inline, where it could not stream. Written only when it
/// changes: under a steady load it settles, and the workers stop passing its
/// cache line back and forth.
fn record_size(shared: &Shared, size: usize) {
    let old = shared.size_hint.load(Ordering::Relaxed);
    let new = if old == usize::MAX {
        size
    } else {
        size.max(old - old / 8)
    };
    if new != old {
        // A race with another scrape's store loses one update of a hint.
        shared.size_hint.store(new, Ordering::Relaxed);
    }
}

/// A whole body in `compression`.
pub(super) fn compress_whole(compression: Compression, body: Vec<u8>) -> std::io::Result<Vec<u8>> {
    match compression {
        Compression::Identity => Ok(body),
        c => {
            let mut comp = Compressor::new(c)?;
            let mut out = comp.push(&body)?;
            out.extend(comp.finish()?);
            Ok(out)
        }
    }
}

/// A body that could not be compressed: logged and counted.
pub(super) fn count_encoding_error(metrics: Option<&HandlerMetrics>, error: &std::io::Error) {
    tracing::error!(%error, "error compressing metrics");
    if let Some(m) = metrics {
        m.error(Cause::Encoding, 1);
    }
}

fn lock(stream: &Mutex<Stream>) -> std::sync::MutexGuard<'_, Stream> {
    stream.lock().unwrap_or_else(PoisonError::into_inner)
}
