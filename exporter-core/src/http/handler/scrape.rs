//! Where a scrape runs: on a blocking thread when a collector of the
//! gatherer may block; in the request's own task when none may, moving to a
//! task of its own once it has grown enough to stream.

use std::cell::Cell;
use std::fmt::Write as _;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Instant;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use super::stream::Stream;
use super::{ErrorHandling, InFlight, Outcome, Shared, Slot, CHUNK};
use crate::collector::panic_message;
use crate::encoding::{Format, MetricEncoder, Scope, Sink};
use crate::http::compress::{Compression, Compressor};
use crate::http::instrument::{Cause, HandlerMetrics, Last};
use crate::registry::{collect_contained, GatherError, Gatherer};

thread_local! {
    /// The encoder of the last scrape that ran whole in a request's task on
    /// this thread, emptied ([`MetricEncoder::reset`]): the next one takes it
    /// instead of allocating its lists and tables again.
    static SPARE: Cell<Option<Box<MetricEncoder>>> = const { Cell::new(None) };
}

/// One scrape: what to gather and how to encode it. The handler's gatherer,
/// options and self-metrics (its [`Shared`]) come with each call.
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

/// The future of a scrape that runs in the request's own task: owned, so
/// that it can move to a task of its own half-way (see [`Job::run_here`]).
type Gathering = Pin<Box<dyn Future<Output = Gathered> + Send>>;

/// A scrape's encoder, and its collectors' failures.
type Gathered = (Box<MetricEncoder>, Vec<GatherError>);

impl Job {
    /// Runs a scrape whose collectors cannot block in the caller's task (the
    /// request's own), and returns its answer. If, between two collectors,
    /// it has written [`CHUNK`] bytes and can stream, the rest of it moves
    /// to a task of its own (a blocking thread on a current-thread runtime),
    /// and the answer is the stream. A panic in the gathering (a collector's
    /// own are contained further down) is a 500, not a lost connection. The
    /// request's `slot` is given back before a whole answer; a moved scrape
    /// keeps it (the `InFlight` returned) until it is done.
    pub(super) async fn run_here(
        mut self,
        shared: &Arc<Shared>,
        slot: Slot<'_>,
        multi_thread: bool,
    ) -> (
        Result<Outcome, oneshot::error::RecvError>,
        Option<Arc<InFlight>>,
    ) {
        // The last such scrape's encoder on this thread, emptied, when there
        // is one: its lists and tables are not allocated again.
        let mut encoder = match SPARE.with(Cell::take) {
            Some(mut spare) => {
                spare.set_format(self.format);
                spare
            }
            None => Box::new(MetricEncoder::new(self.format)),
        };
        self.configure(&mut encoder);
        let handoff = self.may_stream(shared).then(|| {
            let handoff = encoder.spill_later(CHUNK, self.policy == ErrorHandling::HttpError);
            Self::keep_self_metrics_whole(shared, &mut encoder);
            handoff
        });
        let request = std::mem::take(&mut self.request);
        let (gatherer, deadline) = (Arc::clone(&shared.gatherer), self.deadline);
        let mut gathering: Gathering = Box::pin(async move {
            // A gatherer may do its work as it makes the future (the default
            // `gather_async` does): that is inside the first poll too.
            let errors = request
                .scope(gatherer.gather_async(&mut encoder, deadline))
                .await;
            (encoder, errors)
        });
        let polled = std::future::poll_fn(|cx| match poll_contained(&mut gathering, cx) {
            Poll::Ready(done) => Poll::Ready(done.map(Ok)),
            // Paused at a checkpoint to move, rather than waiting.
            Poll::Pending => match &handoff {
                Some(handoff) if handoff.asked() => Poll::Ready(Ok(Err(Arc::clone(handoff)))),
                _ => Poll::Pending,
            },
        })
        .await;
        let outcome = match polled {
            Err(panic) => Outcome::Failed(panicked(shared, &panic)),
            Ok(Ok((mut encoder, errors))) => {
                let outcome = match self.wrap_up(shared, &mut encoder, &errors) {
                    Err(message) => Outcome::Failed(message),
                    Ok(()) => {
                        let mut body = Vec::new();
                        encoder.write_into(&mut body);
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
            Ok(Err(handoff)) => {
                let guard = slot.into_shared(shared);
                let (head, answer) = oneshot::channel();
                let stream = self.stream(shared, Arc::clone(&guard), head, multi_thread);
                handoff.give(sink(&stream));
                self.resume(Arc::clone(shared), gathering, stream, multi_thread);
                return (answer.await, Some(guard));
            }
        };
        // As a spawned scrape does: the slot is free before the answer is.
        drop(slot);
        (Ok(outcome), None)
    }

    /// Whether this scrape's families may go out while they are written: a
    /// text format, and a gatherer that says which families it writes (so
    /// the encoder knows which are one collector's alone).
    fn may_stream(&self, shared: &Shared) -> bool {
        self.format != Format::Protobuf && shared.gatherer.claims_names()
    }

    /// The self-metrics are written last, into families of their names:
    /// none of those may go out before.
    fn keep_self_metrics_whole(shared: &Shared, encoder: &mut MetricEncoder) {
        if shared.metrics.is_some() {
            encoder.push_scope(Scope::Not(HandlerMetrics::claims()));
        }
    }

    /// Finishes a scrape that moved out of the request's task: on an async
    /// worker, which waits for the client inside `block_in_place`, or on a
    /// current-thread runtime (which has no worker to spare) on a blocking
    /// thread.
    fn resume(
        self,
        shared: Arc<Shared>,
        gathering: Gathering,
        stream: Arc<Mutex<Stream>>,
        multi_thread: bool,
    ) {
        let rest = async move {
            let mut gathering = gathering;
            match std::future::poll_fn(|cx| poll_contained(&mut gathering, cx)).await {
                Ok((encoder, errors)) => self.finish(&shared, *encoder, &stream, &errors),
                Err(panic) => lock(&stream).fail_scrape(panicked(&shared, &panic)),
            }
        };
        let runtime = Handle::current();
        if multi_thread {
            drop(runtime.spawn(rest));
        } else {
            drop(runtime.spawn_blocking(move || Handle::current().block_on(rest)));
        }
    }

    /// Starts a scrape whose gatherer may block on a blocking thread, so it
    /// can never hold up an async worker, other requests or the timeout's
    /// 503, and returns at once; its answer arrives through `head`, its
    /// streamed bytes through the answer's channel. Async collectors run
    /// concurrently there until the deadline. `guard` is the request's
    /// in-flight slot, taken by the scrape's [`Stream`].
    pub(super) fn spawn(
        mut self,
        shared: Arc<Shared>,
        guard: Arc<InFlight>,
        head: oneshot::Sender<Outcome>,
    ) {
        let runtime = Handle::current();
        drop(runtime.spawn_blocking(move || {
            let stream = self.stream(&shared, guard, head, false);
            let mut encoder = self.encoder();
            if self.may_stream(&shared) {
                encoder.spill_to(
                    CHUNK,
                    sink(&stream),
                    self.policy == ErrorHandling::HttpError,
                );
                Self::keep_self_metrics_whole(&shared, &mut encoder);
            }
            let request = std::mem::take(&mut self.request);
            let errors = Handle::current()
                .block_on(request.scope(shared.gatherer.gather_async(&mut encoder, self.deadline)));
            self.finish(&shared, encoder, &stream, &errors);
        }));
    }

    /// The scrape's way to the response. `in_place`: it runs on an async
    /// worker (see [`Stream`]).
    fn stream(
        &self,
        shared: &Shared,
        guard: Arc<InFlight>,
        head: oneshot::Sender<Outcome>,
        in_place: bool,
    ) -> Arc<Mutex<Stream>> {
        Arc::new(Mutex::new(Stream::new(
            self.compression,
            head,
            in_place,
            shared.metrics.clone(),
            // Released before a whole or failed answer is handed over, so a
            // client that gets its response can never find its own slot still taken.
            Some(guard),
        )))
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
        lock(stream).finish_with(encoder);
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

/// Polls a scrape, turning a panic in its gathering (a collector's own are
/// contained further down) into its message.
fn poll_contained(
    gathering: &mut Gathering,
    cx: &mut std::task::Context<'_>,
) -> Poll<Result<Gathered, String>> {
    match catch_unwind(AssertUnwindSafe(|| gathering.as_mut().poll(cx))) {
        Ok(Poll::Ready(done)) => Poll::Ready(Ok(done)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
    }
}

/// A scrape whose gathering panicked: logged and counted; the 500's message.
fn panicked(shared: &Shared, panic: &str) -> String {
    tracing::error!(%panic, "scrape panicked");
    if let Some(m) = &shared.metrics {
        m.error(Cause::Gathering, 1);
    }
    "an error has occurred while serving metrics\n".to_owned()
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

/// Where the encoder sends the families it streams: to `stream`.
fn sink(stream: &Arc<Mutex<Stream>>) -> Sink {
    let stream = Arc::clone(stream);
    Box::new(move |bytes| lock(&stream).push(bytes))
}

fn lock(stream: &Mutex<Stream>) -> std::sync::MutexGuard<'_, Stream> {
    stream.lock().unwrap_or_else(PoisonError::into_inner)
}
