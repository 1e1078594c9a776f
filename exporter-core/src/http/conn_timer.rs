//! One timer per connection for hyper's header read timeout.
//!
//! hyper makes a new sleep for every request head it waits for and drops it
//! once the head is in, so with tokio's timer each keep-alive request
//! registers a timer and removes it again (a lock, the wheel, the clock, a
//! handle to the runtime). Here each of those sleeps shares the
//! connection's one tokio timer, armed no later than the earliest deadline
//! still wanted: a new head's deadline is later than the one armed, so it
//! costs no timer work until the armed one fires. Then the sleep being waited
//! on moves the timer to its own deadline, once per timeout at most, or
//! reports the timeout.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;

/// A [`hyper::rt::Timer`] for one connection.
#[derive(Default)]
pub(crate) struct ConnTimer {
    armed: Arc<Mutex<Option<Pin<Box<Sleep>>>>>,
}

impl hyper::rt::Timer for ConnTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    /// Tokio's clock, which the timer runs on (and tests may pause).
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(ConnSleep {
            deadline: deadline.into(),
            armed: Arc::clone(&self.armed),
        })
    }
}

/// Done at `deadline`, by the connection's timer.
struct ConnSleep {
    deadline: tokio::time::Instant,
    armed: Arc<Mutex<Option<Pin<Box<Sleep>>>>>,
}

impl hyper::rt::Sleep for ConnSleep {}

impl Future for ConnSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        let mut armed = self.armed.lock().unwrap_or_else(PoisonError::into_inner);
        let timer = armed.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        // Armed for later than this deadline (a shorter timeout than the
        // last one): set it back to this one.
        if timer.deadline() > deadline {
            timer.as_mut().reset(deadline);
        }
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                // It fires no later than this deadline and wakes this task.
                return Poll::Pending;
            }
            // It fired, at this deadline or an earlier one's.
            if timer.deadline() >= deadline || tokio::time::Instant::now() >= deadline {
                return Poll::Ready(());
            }
            timer.as_mut().reset(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use hyper::rt::Timer as _;

    use super::*;

    fn poll_once(sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>) -> Poll<()> {
        let waker = std::task::Waker::noop();
        sleep.as_mut().poll(&mut Context::from_waker(waker))
    }

    /// Awaits `sleep` and checks that it ended `secs` seconds after `start`
    /// (within the second after: paused time jumps to the next timer).
    async fn ends_at(
        mut sleep: Pin<Box<dyn hyper::rt::Sleep>>,
        start: tokio::time::Instant,
        secs: u64,
    ) {
        poll_fn(|cx| sleep.as_mut().poll(cx)).await;
        let slept = start.elapsed();
        assert!(
            slept >= Duration::from_secs(secs) && slept < Duration::from_secs(secs + 1),
            "{slept:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn each_sleep_ends_at_its_own_deadline() {
        let timer = ConnTimer::default();
        let start = tokio::time::Instant::now();
        let mut first = timer.sleep(Duration::from_secs(10));
        assert!(poll_once(&mut first).is_pending());
        tokio::time::advance(Duration::from_secs(5)).await;
        drop(first);

        // Armed at 10 s; this one ends at 15 s.
        let mut second = timer.sleep(Duration::from_secs(10));
        assert!(poll_once(&mut second).is_pending());
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(
            poll_once(&mut second).is_pending(),
            "ended at the first deadline"
        );
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(poll_once(&mut second).is_pending());
        ends_at(second, start, 15).await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_deadline_sets_the_timer_back() {
        let timer = ConnTimer::default();
        let start = tokio::time::Instant::now();
        let mut late = timer.sleep(Duration::from_secs(30));
        assert!(poll_once(&mut late).is_pending());
        drop(late);
        ends_at(timer.sleep(Duration::from_secs(2)), start, 2).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_wakes_its_task_when_it_ends() {
        let timer = ConnTimer::default();
        let mut first = timer.sleep(Duration::from_secs(10));
        assert!(poll_once(&mut first).is_pending());
        drop(first);
        // Waits on the timer armed for the first sleep, then on its own deadline.
        tokio::time::advance(Duration::from_secs(1)).await;
        let second = timer.sleep(Duration::from_secs(10));
        let waited = tokio::time::timeout(Duration::from_secs(12), second).await;
        assert!(waited.is_ok(), "the sleep never woke its task");
    }
}
