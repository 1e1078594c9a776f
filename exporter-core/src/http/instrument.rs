//! The handler's self-metrics, after Go's `promhttp.InstrumentMetricHandler`
//! and `HandlerOpts.Registry`:
//!
//! - `promhttp_metric_handler_requests_total{code}`, with 200, 500 and 503
//!   present from the start;
//! - `promhttp_metric_handler_requests_in_flight`;
//! - `promhttp_metric_handler_errors_total{cause}`, `gathering` and `encoding`
//!   present from the start.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use crate::collector::Collector;
use crate::desc::{Desc, MetricType};
use crate::encoding::{Claims, FamilyEncoder, MetricEncoder};
use crate::error::CollectError;

struct Descs {
    requests: Desc,
    in_flight: Desc,
    errors: Desc,
}

#[allow(clippy::expect_used)] // constant, valid descriptors (checked by the unit test below)
static DESCS: LazyLock<Descs> = LazyLock::new(|| Descs {
    requests: Desc::new(
        "promhttp_metric_handler_requests_total",
        "Total number of scrapes by HTTP status code.",
        MetricType::Counter,
        ["code"],
    )
    .expect("valid constant descriptor"),
    in_flight: Desc::new(
        "promhttp_metric_handler_requests_in_flight",
        "Current number of scrapes being served.",
        MetricType::Gauge,
        [] as [&str; 0],
    )
    .expect("valid constant descriptor"),
    errors: Desc::new(
        "promhttp_metric_handler_errors_total",
        "Total number of internal errors encountered by the promhttp metric handler.",
        MetricType::Counter,
        ["cause"],
    )
    .expect("valid constant descriptor"),
});

/// Where an error happened, the `cause` label of the errors counter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cause {
    Gathering,
    Encoding,
}

/// The codes counted from the start, in atomics (every scrape writes them).
const CODES: [u16; 3] = [200, 500, 503];
/// [`CODES`] as labels.
const CODE_LABELS: [[&str; 1]; 3] = [["200"], ["500"], ["503"]];

/// Counters shared by every clone of one handler.
#[derive(Debug)]
pub(crate) struct HandlerMetrics {
    /// Requests answered with each of [`CODES`].
    usual: [AtomicU64; 3],
    /// Any other code (405, 400...), rare: behind a lock, which a scrape
    /// takes only once `any_other` is set.
    other: Mutex<BTreeMap<u16, u64>>,
    any_other: AtomicBool,
    in_flight: AtomicI64,
    gathering_errors: AtomicU64,
    encoding_errors: AtomicU64,
}

impl HandlerMetrics {
    pub(crate) fn new() -> Self {
        HandlerMetrics {
            usual: [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
            other: Mutex::new(BTreeMap::new()),
            any_other: AtomicBool::new(false),
            in_flight: AtomicI64::new(0),
            gathering_errors: AtomicU64::new(0),
            encoding_errors: AtomicU64::new(0),
        }
    }

    pub(crate) fn observe(&self, code: u16) {
        match CODES.iter().position(|&c| c == code) {
            Some(i) => {
                self.usual[i].fetch_add(1, Ordering::Relaxed);
            }
            None => {
                let mut other = self.other.lock().unwrap_or_else(PoisonError::into_inner);
                *other.entry(code).or_insert(0) += 1;
                self.any_other.store(true, Ordering::Release);
            }
        }
    }

    pub(crate) fn error(&self, cause: Cause, n: usize) {
        let counter = match cause {
            Cause::Gathering => &self.gathering_errors,
            Cause::Encoding => &self.encoding_errors,
        };
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The gauge's count, which the handler keeps (its in-flight limit
    /// counts against it too).
    pub(crate) fn in_flight_count(&self) -> &AtomicI64 {
        &self.in_flight
    }

    /// The current in-flight count (for tests and the server).
    pub(crate) fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The family names these metrics write (built once: every streaming
    /// scrape asks).
    pub(crate) fn claims() -> Claims {
        static CLAIMS: LazyLock<Claims> = LazyLock::new(|| {
            Claims::names([
                DESCS.requests.name(),
                DESCS.in_flight.name(),
                DESCS.errors.name(),
            ])
        });
        CLAIMS.clone()
    }
}

impl Collector for HandlerMetrics {
    fn describe(&self) -> Vec<&Desc> {
        vec![&DESCS.requests, &DESCS.in_flight, &DESCS.errors]
    }

    fn may_block(&self) -> bool {
        false
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        // In name order, as the scrape sorts them; each family's series in
        // one batch. Their labels are distinct by construction (two causes;
        // each code counted in one place), a keyed collection's as the
        // duplicate check sees it, so it need not hash them.
        let errors = [
            (&["encoding"], self.encoding_errors.load(Ordering::Relaxed)),
            (
                &["gathering"],
                self.gathering_errors.load(Ordering::Relaxed),
            ),
        ];
        keyed(encoder.family(&DESCS.errors)?, |family| {
            family.samples(errors)
        })?;
        encoder
            .family(&DESCS.in_flight)?
            .sample(&(), self.in_flight.load(Ordering::Relaxed))?;
        let usual = CODE_LABELS
            .iter()
            .zip(&self.usual)
            .map(|(code, n)| (code, n.load(Ordering::Relaxed)));
        keyed(encoder.family(&DESCS.requests)?, |family| {
            if !self.any_other.load(Ordering::Acquire) {
                return family.samples(usual);
            }
            let mut by_code: Vec<(u16, u64)> = {
                let other = self.other.lock().unwrap_or_else(PoisonError::into_inner);
                other.iter().map(|(c, n)| (*c, *n)).collect()
            };
            by_code.extend(CODES.iter().zip(usual).map(|(c, (_, n))| (*c, n)));
            // In code order, as a map of them would list them.
            by_code.sort_unstable();
            let mut buf = itoa::Buffer::new();
            for (code, n) in by_code {
                family.sample(&[buf.format(code)], n)?;
            }
            Ok(())
        })
    }

    fn name(&self) -> &'static str {
        "promhttp"
    }
}

/// Writes a family whose series are distinct by construction, as a keyed
/// collection (a map, an instrument `Family`) does: the scrape's duplicate
/// check does not hash them.
fn keyed(
    mut family: FamilyEncoder<'_>,
    write: impl FnOnce(&mut FamilyEncoder<'_>) -> Result<(), CollectError>,
) -> Result<(), CollectError> {
    let before = family.check_mut().set_keyed(true);
    let result = write(&mut family);
    family.check_mut().set_keyed(before);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn unusual_codes_are_listed_in_code_order_with_the_usual_ones() {
        let m = HandlerMetrics::new();
        m.observe(503);
        m.observe(405);
        m.observe(200);
        m.observe(200);
        let registry = Registry::new();
        registry.register(m).unwrap();
        let text = registry.gather_text();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("promhttp_metric_handler_requests_total{"))
            .collect();
        assert_eq!(
            lines,
            [
                "promhttp_metric_handler_requests_total{code=\"200\"} 2",
                "promhttp_metric_handler_requests_total{code=\"405\"} 1",
                "promhttp_metric_handler_requests_total{code=\"500\"} 0",
                "promhttp_metric_handler_requests_total{code=\"503\"} 1",
            ]
        );
        for (code, label) in CODES.iter().zip(CODE_LABELS) {
            assert_eq!(code.to_string(), label[0]);
        }
    }

    #[test]
    fn descriptors_are_valid_and_preinitialised() {
        let m = HandlerMetrics::new();
        m.observe(200);
        m.error(Cause::Gathering, 2);
        let registry = Registry::new();
        registry.register(m).unwrap();
        let text = registry.gather_text();
        let parsed =
            prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        let value = |name: &str, label: (&str, &str)| {
            parsed
                .samples
                .iter()
                .find(|s| s.metric == name && s.labels.get(label.0) == Some(label.1))
                .map(|s| match s.value {
                    prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => v,
                    _ => f64::NAN,
                })
        };
        assert_eq!(
            value("promhttp_metric_handler_requests_total", ("code", "200")),
            Some(1.0)
        );
        assert_eq!(
            value("promhttp_metric_handler_requests_total", ("code", "500")),
            Some(0.0)
        );
        assert_eq!(
            value("promhttp_metric_handler_requests_total", ("code", "503")),
            Some(0.0)
        );
        assert_eq!(
            value(
                "promhttp_metric_handler_errors_total",
                ("cause", "gathering")
            ),
            Some(2.0)
        );
        assert_eq!(
            value(
                "promhttp_metric_handler_errors_total",
                ("cause", "encoding")
            ),
            Some(0.0)
        );
        assert!(text.contains("promhttp_metric_handler_requests_in_flight 0\n"));
    }
}
