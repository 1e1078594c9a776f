//! The steps of one scrape (the connect step, then each scraper) run side
//! by side on the scrape's own task: nothing spawned, panics contained, and
//! what is still running at the deadline dropped.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::{ScrapeError, ScrapeRun};
use crate::collector::panic_message;

/// One task of [`run_each`].
pub(super) trait Task {
    /// Polls it unless it has finished (timed from `started`); true while
    /// it is still running.
    fn poll_task(&mut self, cx: &mut Context<'_>, started: Instant) -> bool;
    /// Whether it has not finished yet.
    fn running(&self) -> bool;
    /// At the deadline: drops it if it is still running (cancelled).
    fn cut(&mut self, took: Duration);
}

type Connecting<'a, T> = Pin<Box<dyn Future<Output = Result<T, ScrapeError>> + Send + 'a>>;

/// The connect step: its future, then its result.
pub(super) enum ConnectStep<'a, T> {
    Running(Connecting<'a, T>),
    Done(Result<T, ScrapeError>),
}

impl<T> Task for ConnectStep<'_, T> {
    fn poll_task(&mut self, cx: &mut Context<'_>, _: Instant) -> bool {
        let ConnectStep::Running(fut) = self else {
            return false;
        };
        match contained(|| fut.as_mut().poll(cx)) {
            Poll::Pending => true,
            Poll::Ready(result) => {
                *self = ConnectStep::Done(result);
                false
            }
        }
    }

    fn running(&self) -> bool {
        matches!(self, ConnectStep::Running(_))
    }

    fn cut(&mut self, _: Duration) {
        if self.running() {
            *self = ConnectStep::Done(Err(ScrapeError::TimedOut));
        }
    }
}

/// One scraper of a scrape: its future, then its snapshot, in one allocation.
pub(super) struct ScrapeSlot<'a> {
    /// The scraper's position in the set.
    pub(super) index: usize,
    pub(super) run: Pin<Box<dyn ScrapeRun + 'a>>,
    /// From the start of the scrape to its end.
    pub(super) took: Duration,
    /// Its outcome once it has finished, until logged.
    pub(super) done: Option<Result<(), ScrapeError>>,
}

impl Task for ScrapeSlot<'_> {
    fn poll_task(&mut self, cx: &mut Context<'_>, started: Instant) -> bool {
        if self.done.is_some() {
            return false;
        }
        let result = match contained(|| self.run.as_mut().poll_run(cx)) {
            Poll::Pending => return true,
            Poll::Ready(result) => result,
        };
        if result.is_err() {
            // A panicked future is not polled again, nor kept.
            self.run.as_mut().cancel();
        }
        self.took = started.elapsed();
        self.done = Some(result);
        false
    }

    fn running(&self) -> bool {
        self.done.is_none()
    }

    fn cut(&mut self, took: Duration) {
        if self.running() {
            self.run.as_mut().cancel();
            self.took = took;
            self.done = Some(Err(ScrapeError::TimedOut));
        }
    }
}

/// Polls `poll` with a panic contained (as `Panicked`).
fn contained<R>(
    poll: impl FnOnce() -> Poll<Result<R, ScrapeError>>,
) -> Poll<Result<R, ScrapeError>> {
    match catch_unwind(AssertUnwindSafe(poll)) {
        Ok(polled) => polled,
        Err(payload) => Poll::Ready(Err(ScrapeError::Panicked(panic_message(payload.as_ref())))),
    }
}

/// Runs `tasks` concurrently on the current task (nothing spawned, nothing
/// allocated), panics contained, those still running when `sleep` (the
/// deadline) fires dropped (`TimedOut`). The tasks see `deadline` through
/// `scrape_deadline()`.
pub(super) async fn run_each<K: Task>(
    tasks: &mut [K],
    started: Instant,
    mut sleep: Option<Pin<&mut tokio::time::Sleep>>,
    deadline: Option<Instant>,
) {
    let all = std::future::poll_fn(|cx: &mut Context<'_>| {
        let mut pending = false;
        for task in tasks.iter_mut() {
            pending |= task.poll_task(cx, started);
        }
        // As `timeout_at` does: the tasks first, so that those ready at the
        // deadline still count.
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
    let mut took = None;
    for task in tasks.iter_mut().filter(|task| task.running()) {
        task.cut(*took.get_or_insert_with(|| started.elapsed()));
    }
}
