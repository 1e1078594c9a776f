//! Every rule about names: the grammar of metric names, label names, units
//! and help text; the suffixes each metric type's samples add to its name and
//! the collisions they cause; and the promlint naming lints.
//!
//! This one file is compiled into both `exporter-core` (run-time checks in
//! [`Desc`](crate::Desc) construction and registration, and [`lint`] for
//! hand-written collectors) and `exporter-derive` (compile-time checks of
//! `#[metric(...)]` attributes), through a symlink, so the two can never
//! disagree about what a valid name is, which names collide, or what a lint
//! says. It must stay free of dependencies.
//!
//! # Legacy and UTF-8 names
//!
//! Prometheus 3 accepts any non-empty UTF-8 metric and label name; a name
//! that also fits the older grammar (`[a-zA-Z_:][a-zA-Z0-9_:]*`, labels
//! without `:`) is a *legacy* name, written the same way whatever escaping
//! the scraper asks for. The `is_*` functions below answer each question
//! separately, so each caller picks the rule it needs.
//!
//! # Example
//!
//! ```
//! use exporter_core::name::{self, Lint, MetricType};
//!
//! assert!(name::is_legacy_metric_name("http_requests_total"));
//! assert!(!name::is_legacy_metric_name("http.server.duration"));
//! assert!(name::is_valid_utf8_metric_name("http.server.duration"));
//!
//! // A counter named without `_total`, and a unit that is not a base unit:
//! let findings = name::lint("http_requests", MetricType::Counter, Some("milliseconds"));
//! let lints: Vec<Lint> = findings.iter().map(|f| f.lint).collect();
//! assert_eq!(lints, [Lint::CounterTotal, Lint::BaseUnits]);
//!
//! // A `foo_total` counter's `_created` series is a gauge's `foo_created`:
//! let other = |n: &str| (n == "foo_created").then_some(MetricType::Gauge);
//! assert_eq!(
//!     name::collision("foo_total", MetricType::Counter, other),
//!     Some(("foo_created".to_owned(), MetricType::Gauge))
//! );
//! ```

use core::fmt;

/// The type of a metric family, as printed on its `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricType {
    /// A value that only goes up (and resets to zero on restart).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A value of unknown type.
    Untyped,
    /// Observations counted in cumulative buckets, with a sum and a count.
    Histogram,
    /// Observations summarised as quantiles, with a sum and a count.
    Summary,
    /// Constant labels describing the target, value always 1 (OpenMetrics `info`).
    Info,
    /// A set of boolean states, one sample per state (OpenMetrics `stateset`).
    StateSet,
}

impl MetricType {
    /// The name used on a Prometheus text `# TYPE` line.
    ///
    /// Text 0.0.4 has no `info` or `stateset`; they are exposed as gauges there.
    pub fn as_text_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge | MetricType::Info | MetricType::StateSet => "gauge",
            MetricType::Untyped => "untyped",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
        }
    }

    /// The name used on an OpenMetrics `# TYPE` line.
    pub fn as_openmetrics_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Untyped => "unknown",
            MetricType::Histogram => "histogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_openmetrics_str())
    }
}

/// Why a metric name, label name or help text was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is the empty string.
    Empty,
    /// The name holds a character outside its grammar.
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its byte offset in the name.
        at: usize,
        /// The allowed characters, for the message.
        allowed: &'static str,
    },
    /// The name starts with a digit.
    LeadingDigit,
    /// The name starts with `__`, which Prometheus reserves for internal use.
    Reserved,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("is empty"),
            NameError::InvalidChar { ch, allowed, .. } => {
                write!(f, "contains `{}`; use only {allowed}", ch.escape_debug())
            }
            NameError::LeadingDigit => f.write_str("starts with a digit"),
            NameError::Reserved => f.write_str("starts with `__`, which Prometheus reserves"),
        }
    }
}

const METRIC_CHARS: &str = "[a-zA-Z0-9_:]";
const LABEL_CHARS: &str = "[a-zA-Z0-9_]";

/// Checks a metric name against `[a-zA-Z_:][a-zA-Z0-9_:]*`, without the reserved `__` prefix.
///
/// # Errors
///
/// Returns the first rule the name breaks.
pub fn check_metric_name(name: &str) -> Result<(), NameError> {
    check(name, METRIC_CHARS, |b| {
        b.is_ascii_alphanumeric() || b == b'_' || b == b':'
    })
}

/// Checks a label name against `[a-zA-Z_][a-zA-Z0-9_]*`, without the reserved `__` prefix.
///
/// # Errors
///
/// Returns the first rule the name breaks.
pub fn check_label_name(name: &str) -> Result<(), NameError> {
    check(name, LABEL_CHARS, |b| {
        b.is_ascii_alphanumeric() || b == b'_'
    })
}

/// Checks help text: any UTF-8 is allowed (encoders escape it), but it must say something.
///
/// # Errors
///
/// Returns [`NameError::Empty`] for empty or all-whitespace help.
pub fn check_help(help: &str) -> Result<(), NameError> {
    if help.trim().is_empty() {
        Err(NameError::Empty)
    } else {
        Ok(())
    }
}

/// Checks a unit (the OpenMetrics `# UNIT` line): the label-name alphabet, and it may start with a digit.
///
/// # Errors
///
/// Returns the first rule the unit breaks.
pub fn check_unit(unit: &str) -> Result<(), NameError> {
    if unit.is_empty() {
        return Err(NameError::Empty);
    }
    match unit
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
    {
        Some((at, ch)) => Err(NameError::InvalidChar {
            ch,
            at,
            allowed: LABEL_CHARS,
        }),
        None => Ok(()),
    }
}

/// Joins namespace, subsystem and name with `_`, skipping empty parts, like Go's `BuildFQName`.
///
/// As in Go, an empty `name` gives an empty result (which no check accepts),
/// so a namespace alone never passes for a metric name.
pub fn build_fq_name(namespace: &str, subsystem: &str, name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(namespace.len() + subsystem.len() + name.len() + 2);
    for part in [namespace, subsystem, name] {
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(part);
    }
    out
}

/// Whether `name` fits the legacy metric-name grammar `[a-zA-Z_:][a-zA-Z0-9_:]*`
/// (Go's `model.IsValidLegacyMetricName`): written the same way under every
/// escaping scheme a scraper may ask for.
pub fn is_legacy_metric_name(name: &str) -> bool {
    legacy(name, |b| {
        b.is_ascii_alphanumeric() || b == b'_' || b == b':'
    })
}

/// Whether `name` fits the legacy label-name grammar `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_legacy_label_name(name: &str) -> bool {
    legacy(name, |b| b.is_ascii_alphanumeric() || b == b'_')
}

fn legacy(name: &str, ok: impl Fn(u8) -> bool) -> bool {
    let bytes = name.as_bytes();
    match bytes.first() {
        None => false,
        Some(first) if first.is_ascii_digit() => false,
        Some(_) => bytes.iter().all(|&b| ok(b)),
    }
}

/// Whether `name` is a valid metric name under Prometheus 3's UTF-8 rules
/// (Go's `model.IsValidMetricName` with UTF-8 validation): any non-empty
/// string (a Rust `&str` is always valid UTF-8).
pub fn is_valid_utf8_metric_name(name: &str) -> bool {
    !name.is_empty()
}

/// Whether `name` is a valid label name under Prometheus 3's UTF-8 rules:
/// any non-empty string.
pub fn is_valid_utf8_label_name(name: &str) -> bool {
    !name.is_empty()
}

/// Checks a metric name under the UTF-8 rules: non-empty, and not starting
/// with the reserved `__`.
///
/// # Errors
///
/// [`NameError::Empty`] or [`NameError::Reserved`].
pub fn check_utf8_metric_name(name: &str) -> Result<(), NameError> {
    check_utf8(name)
}

/// Checks a label name under the UTF-8 rules: non-empty, and not starting
/// with the reserved `__`.
///
/// # Errors
///
/// [`NameError::Empty`] or [`NameError::Reserved`].
pub fn check_utf8_label_name(name: &str) -> Result<(), NameError> {
    check_utf8(name)
}

fn check_utf8(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        Err(NameError::Empty)
    } else if name.starts_with("__") {
        Err(NameError::Reserved)
    } else {
        Ok(())
    }
}

/// Every suffix a family's samples may add to its name, in some format:
/// `_total` and `_created` (counters; `_created` also for histograms and
/// summaries in OpenMetrics), `_bucket`, `_sum`, `_count` and `_info`.
pub const SAMPLE_SUFFIXES: [&str; 6] = ["_total", "_created", "_bucket", "_sum", "_count", "_info"];

/// The suffixes the samples of a family of type `t` add to its name, in any
/// format (a counter's `_total` and `_created` are handled by
/// [`occupied_names`], since its family name may already end in `_total`).
pub fn occupied_suffixes(t: MetricType) -> &'static [&'static str] {
    match t {
        MetricType::Histogram => &["_bucket", "_sum", "_count", "_created"],
        MetricType::Summary => &["_sum", "_count", "_created"],
        MetricType::Info => &["_info"],
        _ => &[],
    }
}

/// A name spelled as a base and a suffix (`foo` + `_bucket`), so that a
/// family's names can be listed and compared without building strings (the
/// registry runs this for every family of every scrape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spelled<'a>(pub &'a str, pub &'static str);

impl Spelled<'_> {
    /// Whether the two spell the same name.
    pub fn is(&self, other: &Spelled<'_>) -> bool {
        self.0.len() + self.1.len() == other.0.len() + other.1.len()
            && self
                .0
                .bytes()
                .chain(self.1.bytes())
                .eq(other.0.bytes().chain(other.1.bytes()))
    }

    /// The name as one string, into `out` (cleared first).
    pub fn write_into(&self, out: &mut String) {
        out.clear();
        out.push_str(self.0);
        out.push_str(self.1);
    }
}

impl fmt::Display for Spelled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)?;
        f.write_str(self.1)
    }
}

/// The names a family of `name` and type `t` occupies across the formats:
/// its own, its samples' and, for a counter, its name with and without
/// `_total` and its OpenMetrics `_created`. At most five; the count is
/// returned too.
pub fn occupied_names(name: &str, t: MetricType) -> ([Spelled<'_>; 5], usize) {
    let mut out = [Spelled(name, ""); 5];
    let mut n = 1;
    if t == MetricType::Counter {
        let base = name.strip_suffix("_total").unwrap_or(name);
        for x in [
            Spelled(base, ""),
            Spelled(base, "_total"),
            Spelled(base, "_created"),
        ] {
            if !out[..n].iter().any(|o| o.is(&x)) {
                out[n] = x;
                n += 1;
            }
        }
    }
    for &suffix in occupied_suffixes(t) {
        out[n] = Spelled(name, suffix);
        n += 1;
    }
    (out, n)
}

/// A name both families occupy (see [`occupied_names`]), if any: the reason
/// two families cannot be exposed together.
pub fn shared_name(a: &str, ta: MetricType, b: &str, tb: MetricType) -> Option<String> {
    let (mine, n) = occupied_names(a, ta);
    let (theirs, m) = occupied_names(b, tb);
    mine[..n]
        .iter()
        .find(|x| theirs[..m].iter().any(|o| o.is(x)))
        .map(ToString::to_string)
}

/// The first family `lookup` knows, other than `name`, whose occupied names
/// meet those of `name` (see [`occupied_names`]): Go's registry refuses such
/// a pair, and OpenMetrics parsers reject the exposition.
///
/// `lookup` is asked only about the few names that could collide (at most
/// a few dozen), so a registry can answer from its map of families.
pub fn collision(
    name: &str,
    t: MetricType,
    lookup: impl Fn(&str) -> Option<MetricType>,
) -> Option<(String, MetricType)> {
    let (mine, n) = occupied_names(name, t);
    let mine = &mine[..n];
    let (mut x, mut total) = (String::new(), String::new());
    let meets = |g: &str| -> Option<(String, MetricType)> {
        if g == name {
            return None;
        }
        let gt = lookup(g)?;
        let (theirs, m) = occupied_names(g, gt);
        theirs[..m]
            .iter()
            .any(|o| mine.iter().any(|x| x.is(o)))
            .then(|| (g.to_owned(), gt))
    };
    for spelled in mine {
        spelled.write_into(&mut x);
        // Which family names could occupy `x`: `x` itself, `x` less a
        // suffix, and a counter named either of them plus `_total` (the
        // counter `foo_total` occupies `foo_created`).
        let stripped = SAMPLE_SUFFIXES.iter().filter_map(|s| x.strip_suffix(s));
        for base in core::iter::once(x.as_str()).chain(stripped) {
            if let Some(found) = meets(base) {
                return Some(found);
            }
            Spelled(base, "_total").write_into(&mut total);
            if let Some(found) = meets(&total) {
                return Some(found);
            }
        }
    }
    None
}

/// The label name a family of type `t` reserves for its own samples: `le`
/// for a histogram's buckets, `quantile` for a summary's quantiles. (A
/// stateset also reserves its own name.)
pub fn reserved_label(t: MetricType) -> Option<&'static str> {
    match t {
        MetricType::Histogram => Some("le"),
        MetricType::Summary => Some("quantile"),
        _ => None,
    }
}

/// Whether `name` ends in `_<unit>` (for a counter, before its `_total`), as
/// OpenMetrics requires of a family with a unit.
pub fn ends_in_unit(name: &str, t: MetricType, unit: &str) -> bool {
    let stem = if t == MetricType::Counter {
        name.strip_suffix("_total").unwrap_or(name)
    } else {
        name
    };
    stem.len() > unit.len()
        && stem.ends_with(unit)
        && stem.as_bytes()[stem.len() - unit.len() - 1] == b'_'
}

/// Base units: a name word that is one of these needs no scaling.
const BASE_UNITS: [&str; 10] = [
    "amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "seconds",
    "volts",
];

/// Whole-word units that are not base units, with the base unit to use
/// (promlint's `metricUnits`, plus `kilograms` and `percent`).
const OTHER_UNITS: [(&str, &str); 17] = [
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("kilograms", "grams"),
    ("kelvins", "kelvin"),
    ("fahrenheit", "celsius"),
    ("rankine", "celsius"),
    ("inches", "meters"),
    ("yards", "meters"),
    ("miles", "meters"),
    ("bits", "bytes"),
    ("calories", "joules"),
    ("pounds", "grams"),
    ("ounces", "grams"),
    ("percent", "ratio"),
    ("percentage", "ratio"),
];

/// Abbreviated units, with the base unit to use.
const UNIT_ABBREVIATIONS: [(&str, &str); 14] = [
    ("sec", "seconds"),
    ("secs", "seconds"),
    ("ms", "seconds"),
    ("msec", "seconds"),
    ("us", "seconds"),
    ("usec", "seconds"),
    ("ns", "seconds"),
    ("nsec", "seconds"),
    ("kb", "bytes"),
    ("mb", "bytes"),
    ("gb", "bytes"),
    ("kib", "bytes"),
    ("mib", "bytes"),
    ("gib", "bytes"),
];

/// promlint's other abbreviated units: one or two letters that a name uses
/// for other things too (`slow_b` for "the second"), so only
/// [`lint_family`] reports them, not the derive.
const SHORT_UNIT_ABBREVIATIONS: [&str; 7] = ["s", "m", "h", "d", "b", "tb", "pb"];

/// SI and binary prefixes a unit word may carry (`milliseconds`,
/// `kilobytes`); `mibi` is promlint's spelling of `mebi`.
const UNIT_PREFIXES: [&str; 19] = [
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mebi", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];

/// promlint's unit table: for a word of a name that is a unit but not a base
/// unit (`milliseconds`, `ms`, `kilobytes`, `hours`, `percent`), the base
/// unit to use. A prefixed unit is never a base unit (`kilograms`: `grams`).
pub fn non_base_unit(word: &str) -> Option<&'static str> {
    let word = word.to_ascii_lowercase();
    if let Some(&(_, base)) = OTHER_UNITS
        .iter()
        .chain(&UNIT_ABBREVIATIONS)
        .find(|(w, _)| *w == word)
    {
        return Some(base);
    }
    for prefix in UNIT_PREFIXES {
        if let Some(rest) = word.strip_prefix(prefix) {
            if let Some(base) = BASE_UNITS.iter().find(|b| **b == rest) {
                return Some(base);
            }
            if let Some(&(_, base)) = OTHER_UNITS.iter().find(|(w, _)| *w == rest) {
                return Some(base);
            }
        }
    }
    None
}

/// Whether `word` is an abbreviated unit as promlint counts them (`ms`,
/// `sec`, `kb`, and the one- and two-letter `s`, `m`, `h`, `d`, `b`, `tb`,
/// `pb`, which [`non_base_unit`] leaves alone).
pub fn is_unit_abbreviation(word: &str) -> bool {
    UNIT_ABBREVIATIONS
        .iter()
        .map(|(w, _)| w)
        .chain(&SHORT_UNIT_ABBREVIATIONS)
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// The words of a name, as the lints see them: split at `_`, `.` and `:`.
fn name_words(name: &str) -> impl Iterator<Item = &str> {
    name.split(['_', '.', ':'])
}

/// The first word of `name` that is a metric type (`counter`, `gauge`,
/// `histogram`, `summary`, `untyped`), which the name need not repeat.
pub fn type_in_name(name: &str) -> Option<&str> {
    name_words(name).find(|p| ["counter", "gauge", "histogram", "summary", "untyped"].contains(p))
}

/// Whether a name is written in camelCase (a lower-case letter followed by
/// an upper-case one), as promlint detects it.
pub fn is_camel_case(name: &str) -> bool {
    name.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// A promlint-style naming lint. The derive reports each as an error unless
/// the field says `allow(<name>)`; [`lint`] reports them for any family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lint {
    /// A counter whose name does not end in `_total`.
    CounterTotal,
    /// A family other than a counter whose name ends in `_total`.
    NonCounterTotal,
    /// A unit that is not a base unit (`_milliseconds`, `_kilobytes`, `_sec`).
    BaseUnits,
    /// The metric type in the name (`_counter`, `_gauge`, ...).
    TypeInName,
    /// A family with a unit whose name does not end in it (OpenMetrics requires the suffix).
    UnitSuffix,
    /// A name outside the legacy grammar: valid for Prometheus 3, but
    /// escaped (rewritten) for any scraper that does not ask for UTF-8 names.
    Utf8Name,
    /// A family without help text ([`lint_family`] only: the derive requires help).
    MissingHelp,
    /// A `:` in a metric name, which Prometheus keeps for recording rules
    /// ([`lint_family`] only).
    Colon,
    /// A camelCase metric or label name ([`lint_family`] only).
    CamelCase,
    /// `_bucket` on a family that is not a histogram, or `_count` / `_sum` on
    /// one that is neither a histogram nor a summary ([`lint_family`] only:
    /// the derive refuses the collisions these cause).
    ReservedSuffix,
    /// An `le` label on a family that is not a histogram, or `quantile` on
    /// one that is not a summary ([`lint_family`] only: the derive refuses
    /// them on the types that reserve them).
    ReservedLabel,
}

impl Lint {
    /// The lints [`lint`] checks (those of `#[derive(Collector)]`), with the
    /// name `allow(...)` uses for each.
    pub const ALL: [(&'static str, Lint); 6] = [
        ("counter_total", Lint::CounterTotal),
        ("non_counter_total", Lint::NonCounterTotal),
        ("base_units", Lint::BaseUnits),
        ("type_in_name", Lint::TypeInName),
        ("unit_suffix", Lint::UnitSuffix),
        ("utf8_name", Lint::Utf8Name),
    ];

    /// The lint's name (the one `allow(...)` uses, for those in [`Lint::ALL`]).
    pub fn name(self) -> &'static str {
        match self {
            Lint::CounterTotal => "counter_total",
            Lint::NonCounterTotal => "non_counter_total",
            Lint::BaseUnits => "base_units",
            Lint::TypeInName => "type_in_name",
            Lint::UnitSuffix => "unit_suffix",
            Lint::Utf8Name => "utf8_name",
            Lint::MissingHelp => "missing_help",
            Lint::Colon => "colon",
            Lint::CamelCase => "camel_case",
            Lint::ReservedSuffix => "reserved_suffix",
            Lint::ReservedLabel => "reserved_label",
        }
    }
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One lint a name breaks, with the message that says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which lint.
    pub lint: Lint,
    /// What is wrong and what to do, e.g. ``counter `x` should end in `_total`; rename it `x_total` ``.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Lints the name of a family of type `t` with an optional `unit`, as Go's
/// promlint does: a counter ends in `_total` and nothing else does; units are
/// base units, and a family with a unit ends in it; the type is not in the
/// name; and the name is a legacy one. Findings come in that order, at most
/// one per lint.
///
/// The name is assumed valid (see [`check_metric_name`]); lints are advice
/// on a valid name.
pub fn lint(name: &str, t: MetricType, unit: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |lint, message: String| out.push(Finding { lint, message });
    if t == MetricType::Counter && !name.ends_with("_total") {
        push(
            Lint::CounterTotal,
            format!("counter `{name}` should end in `_total`; rename it `{name}_total`"),
        );
    }
    if t != MetricType::Counter && name.ends_with("_total") {
        push(
            Lint::NonCounterTotal,
            format!(
                "`_total` is for counters, but `{name}` is a {}; drop the suffix",
                t.as_openmetrics_str()
            ),
        );
    }
    let unit_base = unit.and_then(|u| non_base_unit(u).map(|base| (u, base)));
    if let Some((u, base)) = unit_base {
        push(
            Lint::BaseUnits,
            format!("unit `{u}` is not a base unit; use `{base}` and scale the value"),
        );
    } else if let Some((word, base)) =
        name_words(name).find_map(|w| non_base_unit(w).map(|base| (w, base)))
    {
        push(
            Lint::BaseUnits,
            format!("metric name `{name}` uses `{word}`, not a base unit; use `{base}` and scale the value"),
        );
    }
    if let (Some(unit), None) = (unit, unit_base) {
        if !ends_in_unit(name, t, unit) {
            push(
                Lint::UnitSuffix,
                format!("metric name `{name}` does not end in its unit; OpenMetrics requires the suffix `_{unit}`, rename the metric"),
            );
        }
    }
    if let Some(part) = type_in_name(name) {
        push(
            Lint::TypeInName,
            format!("metric name `{name}` contains its type `{part}`; the type is already in `# TYPE`, drop it"),
        );
    }
    if !is_legacy_metric_name(name) {
        push(
            Lint::Utf8Name,
            format!("metric name `{name}` is not a legacy name (`[a-zA-Z_:][a-zA-Z0-9_:]*`); a scraper that does not ask for UTF-8 names gets it escaped"),
        );
    }
    out
}

/// Lints one exposed family as Go's `promlint` (and `promtool check
/// metrics`) does, for families whose names were not checked at compile
/// time (hand-written collectors, scraped text): the rules of [`lint`] plus
/// promlint's others (help text, colons, camelCase metric and label names,
/// abbreviated units, suffixes and labels that histograms and summaries
/// reserve). The messages are promlint's words, so they read like
/// `promtool`'s output; [`Lint::UnitSuffix`] and [`Lint::Utf8Name`], which
/// promlint lacks, keep [`lint`]'s.
///
/// It is a superset of [`lint`] (every lint it reports, this reports too,
/// except `_total` on an untyped family, which promlint leaves alone) and of
/// promlint, with a wider unit table. [`lint`] stays the derive's set:
/// colons and camelCase are valid names the derive accepts (recording rules,
/// node_exporter's `MemTotal`), and help and reserved labels it checks as
/// errors of their own.
///
/// ```
/// use exporter_core::name::{lint_family, Lint, MetricType};
///
/// let findings = lint_family("httpRequests", MetricType::Counter, None, "", &["statusCode"]);
/// let lints: Vec<Lint> = findings.iter().map(|f| f.lint).collect();
/// assert_eq!(
///     lints,
///     [Lint::MissingHelp, Lint::CounterTotal, Lint::CamelCase, Lint::CamelCase]
/// );
/// assert_eq!(findings[1].message, "counter metrics should have \"_total\" suffix");
/// ```
pub fn lint_family(
    name: &str,
    t: MetricType,
    unit: Option<&str>,
    help: &str,
    label_names: &[&str],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |lint, message: String| out.push(Finding { lint, message });
    if help.is_empty() {
        push(Lint::MissingHelp, "no help text".to_owned());
    }
    for finding in lint(name, t, unit) {
        match finding.lint {
            Lint::CounterTotal => push(
                Lint::CounterTotal,
                "counter metrics should have \"_total\" suffix".to_owned(),
            ),
            Lint::NonCounterTotal if t != MetricType::Untyped => push(
                Lint::NonCounterTotal,
                "non-counter metrics should not have \"_total\" suffix".to_owned(),
            ),
            // Units and types are worded per word below (promlint has two
            // rules for units); promlint leaves untyped families' `_total`.
            Lint::NonCounterTotal | Lint::BaseUnits | Lint::TypeInName => {}
            lint => push(lint, finding.message),
        }
    }
    if let Some(base) = unit.and_then(non_base_unit) {
        let unit = unit.unwrap_or_default();
        push(
            Lint::BaseUnits,
            format!("use base unit {base:?} instead of {unit:?}"),
        );
    }
    // Every word once (promlint stops at the first unit word; more is
    // more help): whole unit words, abbreviations, metric types.
    let mut seen: Vec<&str> = Vec::new();
    for word in name_words(name) {
        if seen.contains(&word) {
            continue;
        }
        seen.push(word);
        if is_unit_abbreviation(word) {
            push(
                Lint::BaseUnits,
                "metric names should not contain abbreviated units".to_owned(),
            );
        } else if let Some(base) = non_base_unit(word) {
            push(
                Lint::BaseUnits,
                format!("use base unit {base:?} instead of {word:?}"),
            );
        } else if type_in_name(word).is_some() {
            push(
                Lint::TypeInName,
                format!("metric name should not include type '{word}'"),
            );
        }
    }
    if name.contains(':') {
        push(
            Lint::Colon,
            "metric names should not contain ':'".to_owned(),
        );
    }
    if is_camel_case(name) {
        push(
            Lint::CamelCase,
            "metric names should be written in 'snake_case' not 'camelCase'".to_owned(),
        );
    }
    for _ in label_names.iter().filter(|l| is_camel_case(l)) {
        push(
            Lint::CamelCase,
            "label names should be written in 'snake_case' not 'camelCase'".to_owned(),
        );
    }
    if t != MetricType::Untyped {
        let (histogram, summary) = (t == MetricType::Histogram, t == MetricType::Summary);
        if !histogram && name.ends_with("_bucket") {
            push(
                Lint::ReservedSuffix,
                "non-histogram metrics should not have \"_bucket\" suffix".to_owned(),
            );
        }
        for suffix in ["_count", "_sum"] {
            if !histogram && !summary && name.ends_with(suffix) {
                push(
                    Lint::ReservedSuffix,
                    format!(
                        "non-histogram and non-summary metrics should not have \"{suffix}\" suffix"
                    ),
                );
            }
        }
        if !histogram && label_names.contains(&"le") {
            push(
                Lint::ReservedLabel,
                "non-histogram metrics should not have \"le\" label".to_owned(),
            );
        }
        if !summary && label_names.contains(&"quantile") {
            push(
                Lint::ReservedLabel,
                "non-summary metrics should not have \"quantile\" label".to_owned(),
            );
        }
    }
    out
}

fn check(name: &str, allowed: &'static str, ok: impl Fn(u8) -> bool) -> Result<(), NameError> {
    let bytes = name.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err(NameError::Empty);
    };
    if let Some((at, ch)) = name
        .char_indices()
        .find(|&(_, c)| !c.is_ascii() || !ok(c as u8))
    {
        return Err(NameError::InvalidChar { ch, at, allowed });
    }
    if first.is_ascii_digit() {
        return Err(NameError::LeadingDigit);
    }
    if name.starts_with("__") {
        return Err(NameError::Reserved);
    }
    Ok(())
}

impl std::error::Error for NameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names() {
        assert_eq!(check_metric_name("http_requests_total"), Ok(()));
        assert_eq!(check_metric_name("a:b_c1"), Ok(()));
        assert_eq!(check_metric_name(":leading_colon"), Ok(()));
        assert_eq!(check_metric_name(""), Err(NameError::Empty));
        assert_eq!(check_metric_name("1abc"), Err(NameError::LeadingDigit));
        assert_eq!(check_metric_name("__internal"), Err(NameError::Reserved));
        assert!(matches!(
            check_metric_name("http-requests"),
            Err(NameError::InvalidChar { ch: '-', at: 4, .. })
        ));
        assert!(matches!(
            check_metric_name("caf\u{e9}"),
            Err(NameError::InvalidChar {
                ch: '\u{e9}',
                at: 3,
                ..
            })
        ));
    }

    #[test]
    fn label_names() {
        assert_eq!(check_label_name("name"), Ok(()));
        assert_eq!(check_label_name("_x"), Ok(()));
        assert_eq!(check_label_name("__name__"), Err(NameError::Reserved));
        assert!(matches!(
            check_label_name("a:b"),
            Err(NameError::InvalidChar { ch: ':', .. })
        ));
        assert_eq!(check_label_name("0a"), Err(NameError::LeadingDigit));
    }

    #[test]
    fn help_and_unit() {
        assert_eq!(check_help("Some help."), Ok(()));
        assert_eq!(check_help("  "), Err(NameError::Empty));
        assert_eq!(check_unit("seconds"), Ok(()));
        assert!(check_unit("sec onds").is_err());
    }

    #[test]
    fn fq_name() {
        assert_eq!(build_fq_name("ns", "sub", "name"), "ns_sub_name");
        assert_eq!(build_fq_name("", "sub", "name"), "sub_name");
        assert_eq!(build_fq_name("ns", "", "name"), "ns_name");
        assert_eq!(build_fq_name("", "", "name"), "name");
        assert_eq!(build_fq_name("ns", "sub", ""), "");
    }

    #[test]
    fn legacy_and_utf8() {
        assert!(is_legacy_metric_name("a:b_c1"));
        assert!(!is_legacy_metric_name("1a"));
        assert!(!is_legacy_metric_name(""));
        assert!(!is_legacy_metric_name("http.server"));
        assert!(is_legacy_label_name("_x"));
        assert!(!is_legacy_label_name("a:b"));
        assert!(is_valid_utf8_metric_name("http.server.request.duration"));
        assert!(is_valid_utf8_label_name("caf\u{e9}"));
        assert!(!is_valid_utf8_metric_name(""));
        assert_eq!(check_utf8_label_name("http.method"), Ok(()));
        assert_eq!(check_utf8_label_name("__x"), Err(NameError::Reserved));
        assert_eq!(check_utf8_metric_name(""), Err(NameError::Empty));
    }

    #[test]
    fn collisions_know_created_and_info() {
        use MetricType::*;
        let one = |a: &str, ta, b: &str, tb| {
            let other = |n: &str| (n == b).then_some(tb);
            collision(a, ta, other).map(|(n, _)| n)
        };
        assert_eq!(
            one("foo_total", Counter, "foo_created", Gauge).as_deref(),
            Some("foo_created")
        );
        assert_eq!(
            one("foo_created", Gauge, "foo_total", Counter).as_deref(),
            Some("foo_total")
        );
        assert_eq!(
            one("build", Info, "build_info", Gauge).as_deref(),
            Some("build_info")
        );
        assert_eq!(
            one("h", Histogram, "h_created", Gauge).as_deref(),
            Some("h_created")
        );
        assert_eq!(one("h", Gauge, "h_created", Gauge), None);
        assert_eq!(
            shared_name("foo_total", Counter, "foo_created", Gauge).as_deref(),
            Some("foo_created")
        );
        assert_eq!(shared_name("foo", Summary, "foo_bucket", Gauge), None);
    }

    #[test]
    fn units() {
        use MetricType::*;
        assert!(ends_in_unit("req_seconds_total", Counter, "seconds"));
        assert!(ends_in_unit("req_seconds", Gauge, "seconds"));
        assert!(!ends_in_unit("req_seconds_total", Gauge, "seconds"));
        assert!(!ends_in_unit("reqseconds", Gauge, "seconds"));
        assert!(!ends_in_unit("seconds", Gauge, "seconds"));
        assert_eq!(non_base_unit("Milliseconds"), Some("seconds"));
        assert_eq!(non_base_unit("seconds"), None);
        assert_eq!(reserved_label(Histogram), Some("le"));
        assert_eq!(reserved_label(Gauge), None);
    }

    #[test]
    fn lints() {
        use MetricType::*;
        let lints = |n, t, u| {
            lint(n, t, u)
                .into_iter()
                .map(|f| f.lint)
                .collect::<Vec<_>>()
        };
        assert_eq!(lints("requests_total", Counter, None), []);
        assert_eq!(lints("requests", Counter, None), [Lint::CounterTotal]);
        assert_eq!(lints("temp_total", Gauge, None), [Lint::NonCounterTotal]);
        assert_eq!(lints("latency_ms", Gauge, None), [Lint::BaseUnits]);
        assert_eq!(lints("latency", Gauge, Some("seconds")), [Lint::UnitSuffix]);
        assert_eq!(lints("queue_gauge", Gauge, None), [Lint::TypeInName]);
        assert_eq!(
            lints("http.server.duration_seconds", Histogram, Some("seconds")),
            [Lint::Utf8Name]
        );
        let f = &lint("requests", Counter, None)[0];
        assert_eq!(
            f.to_string(),
            "counter `requests` should end in `_total`; rename it `requests_total`"
        );
        assert_eq!(Lint::BaseUnits.to_string(), "base_units");
    }

    /// `lint_family` reports every lint `lint` reports (but `_total` on an
    /// untyped family, as promlint), over a grid of names, types and units.
    #[test]
    fn lint_family_is_a_superset_of_lint() {
        use MetricType::*;
        let words = [
            "http",
            "requests",
            "total",
            "seconds",
            "milliseconds",
            "ms",
            "kelvins",
            "percent",
            "counter",
            "gauge",
            "untyped",
            "info",
            "MemTotal",
            "job:rate",
            "a.b",
        ];
        let mut checked = 0;
        for a in words {
            for b in words {
                let name = format!("{a}_{b}");
                for t in [Counter, Gauge, Untyped, Histogram, Summary, Info, StateSet] {
                    for unit in [None, Some("seconds"), Some("milliseconds")] {
                        let family: Vec<Lint> = lint_family(&name, t, unit, "Help.", &[])
                            .into_iter()
                            .map(|f| f.lint)
                            .collect();
                        for f in lint(&name, t, unit) {
                            if f.lint == Lint::NonCounterTotal && t == Untyped {
                                continue;
                            }
                            assert!(
                                family.contains(&f.lint),
                                "{name} {t} {unit:?}: {:?} not in {family:?}",
                                f.lint
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// promlint's rules, in its words (`promtool check metrics` prints them).
    #[test]
    fn lint_family_has_promlints_rules_in_its_words() {
        use MetricType::*;
        let texts = |name, t, help, labels: &[&str]| {
            lint_family(name, t, None, help, labels)
                .into_iter()
                .map(|f| (f.lint, f.message))
                .collect::<Vec<_>>()
        };
        let has = |found: &[(Lint, String)], lint: Lint, text: &str| {
            assert!(
                found.iter().any(|(l, m)| *l == lint && m == text),
                "{lint:?} {text:?} not in {found:?}"
            );
        };
        let f = texts("httpRequests", Counter, "", &["statusCode"]);
        has(&f, Lint::MissingHelp, "no help text");
        has(
            &f,
            Lint::CounterTotal,
            "counter metrics should have \"_total\" suffix",
        );
        has(
            &f,
            Lint::CamelCase,
            "metric names should be written in 'snake_case' not 'camelCase'",
        );
        has(
            &f,
            Lint::CamelCase,
            "label names should be written in 'snake_case' not 'camelCase'",
        );
        let f = texts("job:latency_ms_total", Gauge, "H.", &["le", "quantile"]);
        has(&f, Lint::Colon, "metric names should not contain ':'");
        has(
            &f,
            Lint::BaseUnits,
            "metric names should not contain abbreviated units",
        );
        has(
            &f,
            Lint::NonCounterTotal,
            "non-counter metrics should not have \"_total\" suffix",
        );
        has(
            &f,
            Lint::ReservedLabel,
            "non-histogram metrics should not have \"le\" label",
        );
        has(
            &f,
            Lint::ReservedLabel,
            "non-summary metrics should not have \"quantile\" label",
        );
        let f = texts("disk_kilobytes_gauge_bucket", Summary, "H.", &[]);
        has(
            &f,
            Lint::BaseUnits,
            "use base unit \"bytes\" instead of \"kilobytes\"",
        );
        has(
            &f,
            Lint::TypeInName,
            "metric name should not include type 'gauge'",
        );
        has(
            &f,
            Lint::ReservedSuffix,
            "non-histogram metrics should not have \"_bucket\" suffix",
        );
        let f = texts("queue_sum", Gauge, "H.", &[]);
        has(
            &f,
            Lint::ReservedSuffix,
            "non-histogram and non-summary metrics should not have \"_sum\" suffix",
        );
        // promlint's one- and two-letter units, which the derive leaves alone.
        for name in ["rate_s", "size_b", "age_d", "disk_tb"] {
            assert_eq!(lint(name, Gauge, None), [], "{name}");
            has(
                &texts(name, Gauge, "H.", &[]),
                Lint::BaseUnits,
                "metric names should not contain abbreviated units",
            );
        }
        // Untyped families keep `_total` and reserved suffixes and labels.
        assert_eq!(texts("odd_total_sum", Untyped, "H.", &["le"]), []);
        // A clean family, and an info family's `_info` suffix, lint clean.
        assert_eq!(texts("http_requests_total", Counter, "H.", &["code"]), []);
        assert_eq!(texts("build_info", Gauge, "H.", &["version"]), []);
        assert_eq!(texts("build_info", Info, "H.", &["version"]), []);
    }

    #[test]
    fn unit_table_knows_promlints_units() {
        for (word, base) in [
            ("kelvins", "kelvin"),
            ("pounds", "grams"),
            ("ounces", "grams"),
            ("kilobits", "bytes"),
            ("mibibytes", "bytes"),
            ("mebibytes", "bytes"),
            ("microseconds", "seconds"),
            ("Hours", "seconds"),
        ] {
            assert_eq!(non_base_unit(word), Some(base), "{word}");
        }
        for word in ["seconds", "bytes", "kelvin", "s", "b", "info"] {
            assert_eq!(non_base_unit(word), None, "{word}");
        }
        assert!(is_unit_abbreviation("MS") && is_unit_abbreviation("s"));
        assert!(!is_unit_abbreviation("seconds"));
        assert_eq!(type_in_name("queue_gauge_depth"), Some("gauge"));
        assert_eq!(type_in_name("build_info"), None);
        assert!(is_camel_case("MemTotal_bytes") && !is_camel_case("MEM_total"));
        assert_eq!(Lint::CamelCase.to_string(), "camel_case");
        assert!(Lint::ALL.iter().all(|(n, l)| l.name() == *n));
    }

    #[test]
    fn messages_show_the_fix() {
        let err = check_metric_name("http-requests").unwrap_err();
        assert_eq!(err.to_string(), "contains `-`; use only [a-zA-Z0-9_:]");
    }
}
