//! [`HandlerOpts`], after Go's `promhttp.HandlerOpts`, and the error policy.

use std::time::Duration;

use crate::http::compress::Compression;

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

/// Options of a [`MetricsHandler`](super::MetricsHandler), after Go's `promhttp.HandlerOpts`.
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
    pub(super) error_handling: ErrorHandling,
    pub(super) max_requests_in_flight: usize,
    pub(super) timeout: Option<Duration>,
    pub(super) compressions: Vec<Compression>,
    pub(super) enable_openmetrics: bool,
    pub(super) enable_openmetrics_created_samples: bool,
    pub(super) process_start_time: Option<std::time::SystemTime>,
    pub(super) self_metrics: bool,
    pub(super) scrape_timeout_offset: Duration,
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
    /// Async collectors are cancelled then. A scrape on a blocking thread,
    /// or one that moved to a task of its own to stream (see the
    /// [`http`](crate::http) module), finishes in the background (its
    /// collectors, and async ones until the scrape's deadline) and keeps its
    /// in-flight slot until it does; one still in the request's task is
    /// dropped with the request and frees its slot at once. Default is no
    /// timeout.
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

    /// The `Process-Start-Time-Unix` value: whole seconds, as Go's `Unix()`.
    pub(super) fn process_start_secs(&self) -> Option<i64> {
        let start = self.process_start_time?;
        Some(match start.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        })
    }

    /// Add the `promhttp_metric_handler_*` self-metrics to every scrape
    /// (Go's `InstrumentMetricHandler`). Default is `true`.
    #[must_use]
    pub fn self_metrics(mut self, enable: bool) -> Self {
        self.self_metrics = enable;
        self
    }
}
