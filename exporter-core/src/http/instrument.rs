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
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

use crate::collector::Collector;
use crate::desc::{Desc, MetricType};
use crate::encoding::{Claims, FamilyEncoder, Format, MetricEncoder};
use crate::error::CollectError;
use crate::value::Number;

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

    /// The family names these metrics write (built once: every text scrape
    /// of a gatherer that names its families asks, ready to stream).
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
        self.write(encoder, &self.values())
    }

    fn name(&self) -> &'static str {
        "promhttp"
    }
}

/// The self-metrics' numbers at one scrape.
struct Values {
    /// `encoding`, `gathering`.
    errors: [u64; 2],
    in_flight: i64,
    /// The counts of [`CODES`].
    usual: [u64; 3],
}

impl Values {
    /// In the order the families write them.
    fn numbers(&self) -> [Number; 6] {
        let [encoding, gathering] = self.errors;
        let [ok, failed, refused] = self.usual;
        [
            Number::Uint(encoding),
            Number::Uint(gathering),
            Number::Int(self.in_flight),
            Number::Uint(ok),
            Number::Uint(failed),
            Number::Uint(refused),
        ]
    }
}

/// The self-metrics as the handler writes them: last in every scrape, so
/// in the usual scrape from their [`Template`] (see
/// [`MetricEncoder::takes_whole`], which needs the last writer). As a
/// collector of a registry, `HandlerMetrics` itself writes as any other.
pub(crate) struct Last<'a>(pub(crate) &'a HandlerMetrics);

impl Collector for Last<'_> {
    fn describe(&self) -> Vec<&Desc> {
        self.0.describe()
    }

    fn may_block(&self) -> bool {
        false
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let values = self.0.values();
        if self.0.collect_whole(encoder, &values) {
            return Ok(());
        }
        self.0.write(encoder, &values)
    }

    fn name(&self) -> &'static str {
        "promhttp"
    }
}

impl HandlerMetrics {
    /// The numbers now.
    fn values(&self) -> Values {
        Values {
            errors: [
                self.encoding_errors.load(Ordering::Relaxed),
                self.gathering_errors.load(Ordering::Relaxed),
            ],
            in_flight: self.in_flight.load(Ordering::Relaxed),
            usual: [0, 1, 2].map(|i| self.usual[i].load(Ordering::Relaxed)),
        }
    }

    /// Files the three families filled into their template, when the scrape
    /// can take them so (no unusual codes counted, a text format, see
    /// [`MetricEncoder::takes_whole`]); `false`, with nothing written, when not.
    fn collect_whole(&self, encoder: &mut MetricEncoder, values: &Values) -> bool {
        if self.any_other.load(Ordering::Acquire) {
            return false;
        }
        let Some(template) = Template::of(encoder.format()) else {
            return false;
        };
        let descs = [&DESCS.errors, &DESCS.in_flight, &DESCS.requests];
        if !encoder.takes_whole(&descs) {
            return false;
        }
        let mut numbers = values.numbers().into_iter();
        for (desc, family) in descs.into_iter().zip(&template.families) {
            encoder.whole_family(desc, |body| family.fill(body, &mut numbers));
        }
        true
    }

    /// Writes the three families as any collector does (the template is
    /// made with this too).
    fn write(&self, encoder: &mut MetricEncoder, values: &Values) -> Result<(), CollectError> {
        // In name order, as the scrape sorts them; each family's series in
        // one batch. Their labels are distinct by construction (two causes;
        // each code counted in one place), a keyed collection's as the
        // duplicate check sees it, so it need not hash them.
        let [encoding, gathering] = values.errors;
        let errors = [(&["encoding"], encoding), (&["gathering"], gathering)];
        keyed(encoder.family(&DESCS.errors)?, |family| {
            family.samples(errors)
        })?;
        encoder
            .family(&DESCS.in_flight)?
            .sample(&(), values.in_flight)?;
        let usual = CODE_LABELS.iter().zip(values.usual);
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
}

/// The bytes the encoder writes for the three families in one text format,
/// cut where their six numbers go. Made once per format by writing the
/// families through the encoder with stand-in numbers no real count reaches,
/// so the bytes between are the encoder's own, whatever it writes.
struct Template {
    /// Per family, in [`Values::numbers`] order.
    families: [FamilyTemplate; 3],
}

struct FamilyTemplate {
    /// The length of the `# HELP`/`# TYPE` lines at the start of `pieces[0]`.
    header_len: usize,
    /// The bytes around the family's numbers: one more than it has numbers.
    pieces: Vec<Vec<u8>>,
}

impl FamilyTemplate {
    /// Writes the family with the next of `numbers`, each as the encoder
    /// writes a number; returns the header's length.
    fn fill(&self, body: &mut Vec<u8>, numbers: &mut impl Iterator<Item = Number>) -> usize {
        let mut pieces = self.pieces.iter();
        if let Some(first) = pieces.next() {
            body.extend_from_slice(first);
        }
        for piece in pieces {
            let number = numbers.next();
            debug_assert!(number.is_some(), "a template with more places than numbers");
            number.unwrap_or(Number::Uint(0)).write_text(body);
            body.extend_from_slice(piece);
        }
        self.header_len
    }
}

/// Stand-ins for the six numbers while a template is made: values no count
/// reaches, each written once.
const STAND_INS: [i128; 6] = [
    18_446_744_073_709_550_001,
    18_446_744_073_709_550_002,
    9_223_372_036_854_770_003,
    18_446_744_073_709_550_004,
    18_446_744_073_709_550_005,
    18_446_744_073_709_550_006,
];

impl Template {
    /// The template of `format`, made on first use; none for protobuf (or,
    /// should the encoder's bytes not hold the stand-ins, for any format: the
    /// families are then always written as usual).
    fn of(format: Format) -> Option<&'static Template> {
        static TEXT: OnceLock<Option<Template>> = OnceLock::new();
        static OPENMETRICS: OnceLock<Option<Template>> = OnceLock::new();
        let cell = match format {
            Format::Text => &TEXT,
            Format::OpenMetrics => &OPENMETRICS,
            Format::Protobuf => return None,
        };
        cell.get_or_init(|| Template::make(format)).as_ref()
    }

    fn make(format: Format) -> Option<Template> {
        let counter = |i: usize| u64::try_from(STAND_INS[i]).ok();
        let values = Values {
            errors: [counter(0)?, counter(1)?],
            in_flight: i64::try_from(STAND_INS[2]).ok()?,
            usual: [counter(3)?, counter(4)?, counter(5)?],
        };
        // Each family on its own, as it is filed on its own.
        let metrics = HandlerMetrics::new();
        let mut whole = Vec::new();
        {
            let mut encoder = MetricEncoder::new(format);
            metrics.write(&mut encoder, &values).ok()?;
            encoder.finish_into(&mut whole);
        }
        let text = std::str::from_utf8(&whole).ok()?;
        let text = text.strip_suffix("# EOF\n").unwrap_or(text);
        // The families, split where each `# HELP` line starts.
        let starts: Vec<usize> = text.match_indices("# HELP ").map(|(i, _)| i).collect();
        if starts.len() != 3 {
            return None;
        }
        let mut numbers = STAND_INS.iter();
        let mut families = Vec::with_capacity(3);
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            let family = &text[start..end];
            let header_len = family
                .split_inclusive('\n')
                .take_while(|line| line.starts_with('#'))
                .map(str::len)
                .sum();
            let count = [2, 1, 3][i];
            let mut pieces = Vec::with_capacity(count + 1);
            let mut rest = family;
            for n in numbers.by_ref().take(count) {
                let (before, after) = rest.split_once(&n.to_string())?;
                pieces.push(before.as_bytes().to_vec());
                rest = after;
            }
            pieces.push(rest.as_bytes().to_vec());
            families.push(FamilyTemplate { header_len, pieces });
        }
        Some(Template {
            families: families.try_into().ok()?,
        })
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

    /// The filled-in template is byte for byte what the encoder writes, in
    /// both text formats, under every escaping scheme, for small, big and
    /// negative numbers, with a family of another collector sorting between
    /// the three, and in an encoder reused for a second scrape.
    #[test]
    fn the_template_writes_what_the_encoder_writes() {
        use crate::desc::MetricType;
        use crate::escaping::EscapingScheme;
        let other = Desc::new(
            "promhttp_metric_handler_m",
            "Between.",
            MetricType::Gauge,
            [] as [&str; 0],
        )
        .unwrap();
        let schemes = [
            EscapingScheme::Underscores,
            EscapingScheme::AllowUtf8,
            EscapingScheme::Dots,
            EscapingScheme::Values,
        ];
        for format in [Format::Text, Format::OpenMetrics] {
            for scheme in schemes {
                for (errors, in_flight, observed) in [(0, 0, 0), (3, -2, 5), (u64::MAX / 2, 7, 1)] {
                    let m = HandlerMetrics::new();
                    m.error(
                        Cause::Gathering,
                        usize::try_from(errors).unwrap_or(usize::MAX),
                    );
                    m.in_flight.store(in_flight, Ordering::Relaxed);
                    for _ in 0..observed {
                        m.observe(200);
                        m.observe(503);
                    }
                    let values = m.values();
                    let mut encoder = MetricEncoder::new(format);
                    let mut scrape = |whole: bool| {
                        encoder.set_escaping(scheme);
                        encoder.family(&other).unwrap().sample(&(), 1).unwrap();
                        if whole {
                            assert!(
                                m.collect_whole(&mut encoder, &values),
                                "{format:?} {scheme:?}"
                            );
                        } else {
                            m.write(&mut encoder, &values).unwrap();
                        }
                        let mut out = Vec::new();
                        encoder.write_into(&mut out);
                        encoder.reset();
                        String::from_utf8(out).unwrap()
                    };
                    // Twice each, the encoder reset in between, as the handler reuses it.
                    let (filled, written) = (scrape(true), scrape(false));
                    assert_eq!(filled, written, "{format:?} {scheme:?}");
                    assert_eq!(scrape(true), written, "{format:?} {scheme:?}, reused");
                    assert!(filled.contains("promhttp_metric_handler_m 1\n"), "{filled}");
                }
            }
        }
    }

    /// Where the families cannot be taken whole (a filter, protobuf, a
    /// family of the same name written already, unusual codes), nothing is
    /// filed and they are written as usual.
    #[test]
    fn the_template_is_not_used_where_it_cannot_be() {
        let m = HandlerMetrics::new();
        let values = m.values();
        let mut encoder = MetricEncoder::new(Format::Text);
        encoder.filter_names(vec!["promhttp_metric_handler_requests_total".to_owned()]);
        assert!(!m.collect_whole(&mut encoder, &values));
        Last(&m).collect(&mut encoder).unwrap();
        let mut out = Vec::new();
        encoder.finish_into(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("promhttp_metric_handler_requests_total{code=\"200\"} 0"),
            "{text}"
        );
        assert!(!text.contains("in_flight"), "{text}");

        let mut encoder = MetricEncoder::new(Format::Protobuf);
        assert!(!m.collect_whole(&mut encoder, &values));

        // A collector wrote one of the families already: refused as before.
        let mut encoder = MetricEncoder::new(Format::Text);
        encoder
            .family(&DESCS.in_flight)
            .unwrap()
            .sample(&(), 5)
            .unwrap();
        assert!(!m.collect_whole(&mut encoder, &values));

        // One collides with the third family's names (after the first two
        // passed their check): refused, and the usual writes report it.
        let clash = Desc::new(
            "promhttp_metric_handler_requests",
            "Clash.",
            MetricType::Gauge,
            [] as [&str; 0],
        )
        .unwrap();
        let mut encoder = MetricEncoder::new(Format::Text);
        encoder.family(&clash).unwrap().sample(&(), 1).unwrap();
        assert!(!m.collect_whole(&mut encoder, &values));
        assert!(m.write(&mut encoder, &values).is_err());

        m.observe(405);
        assert!(!m.collect_whole(&mut MetricEncoder::new(Format::Text), &m.values()));
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
