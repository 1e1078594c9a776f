//! `rate_limit`: a token bucket shared by every listener, as golang.org/x/time/rate's
//! `Limiter` that exporter-toolkit builds (`rate.NewLimiter(rate.Every(interval), burst)`).

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// `burst` tokens at most, one more every `interval`; a request takes one or gets 429.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    burst: u32,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A full bucket. `interval` must be non-zero and `burst` at least 1 (the
    /// configuration refuses anything else).
    pub(crate) fn new(interval: Duration, burst: u32) -> Self {
        RateLimiter {
            interval,
            burst,
            state: Mutex::new(Bucket {
                tokens: f64::from(burst),
                last: Instant::now(),
            }),
        }
    }

    /// The settings, so a re-read file with the same ones keeps the same bucket.
    pub(crate) fn settings(&self) -> (Duration, u32) {
        (self.interval, self.burst)
    }

    /// Takes a token if there is one.
    pub(crate) fn allow(&self) -> bool {
        self.allow_at(Instant::now())
    }

    fn allow_at(&self, now: Instant) -> bool {
        let mut bucket = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(bucket.last);
        bucket.last = bucket.last.max(now);
        let refill = elapsed.as_secs_f64() / self.interval.as_secs_f64();
        bucket.tokens = (bucket.tokens + refill).min(f64::from(self.burst));
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_one_per_interval() {
        let limiter = RateLimiter::new(Duration::from_secs(1), 3);
        let start = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at(start)));
        assert!(!limiter.allow_at(start));
        assert!(!limiter.allow_at(start + Duration::from_millis(500)));
        assert!(limiter.allow_at(start + Duration::from_secs(1)));
        assert!(!limiter.allow_at(start + Duration::from_millis(1100)));
        // A long pause refills only up to the burst.
        let later = start + Duration::from_mins(1);
        assert_eq!((0..10).filter(|_| limiter.allow_at(later)).count(), 3);
    }
}
