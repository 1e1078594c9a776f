//! The promlint naming lints ([`lint`] for one name, [`lint_family`] for a
//! whole family), part of the name rules that `exporter-core` and
//! `exporter-derive` share (see [the `name` module](super)): the derive
//! reports them at compile time, the test kit for hand-written collectors.

use core::fmt;

use super::{ends_in_unit, is_legacy_metric_name, MetricType};

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
/// The name is assumed valid (see [`check_metric_name`](super::check_metric_name)); lints are advice
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
