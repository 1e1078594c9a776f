//! Every rule about names: the grammar of metric names, label names, units
//! and help text; the suffixes each metric type's samples add to its name and
//! the collisions they cause; and the promlint naming lints.
//!
//! This file and `name/lints.rs` are compiled into both `exporter-core`
//! (run-time checks when a `Desc` is made and registered, and [`lint`] for
//! hand-written collectors) and `exporter-derive` (compile-time checks of
//! `#[metric(...)]` attributes), through symlinks, so the two can never
//! disagree about what a valid name is, which names collide, or what a lint
//! says. They must stay free of dependencies, and their doc links may name
//! only what both crates have.
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

mod lints;

use core::fmt;

pub use self::lints::{
    is_camel_case, is_unit_abbreviation, lint, lint_family, non_base_unit, type_in_name, Finding,
    Lint,
};

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
pub const fn occupied_suffixes(t: MetricType) -> &'static [&'static str] {
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
    /// Whether the two spell the same name (`const`: the derive's checks of
    /// inferred types run it at compile time).
    pub const fn is(&self, other: &Spelled<'_>) -> bool {
        let len = self.0.len() + self.1.len();
        if len != other.0.len() + other.1.len() {
            return false;
        }
        let mut i = 0;
        while i < len {
            if self.byte(i) != other.byte(i) {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The `i`th byte of the name.
    const fn byte(&self, i: usize) -> u8 {
        let base = self.0.as_bytes();
        if i < base.len() {
            base[i]
        } else {
            self.1.as_bytes()[i - base.len()]
        }
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
///
/// A `const fn`, the one rule for both sides: the registry and the derive's
/// checks of named types call it at run and macro time, the derive's checks
/// of inferred types at compile time (through [`collides`]).
pub const fn occupied_names(name: &str, t: MetricType) -> ([Spelled<'_>; 5], usize) {
    let mut out = [Spelled(name, ""); 5];
    let mut n = 1;
    if matches!(t, MetricType::Counter) {
        let base = match strip_suffix(name, "_total") {
            Some(base) => base,
            None => name,
        };
        let candidates = [
            Spelled(base, ""),
            Spelled(base, "_total"),
            Spelled(base, "_created"),
        ];
        let mut c = 0;
        while c < candidates.len() {
            let mut seen = false;
            let mut i = 0;
            while i < n {
                seen |= out[i].is(&candidates[c]);
                i += 1;
            }
            if !seen {
                out[n] = candidates[c];
                n += 1;
            }
            c += 1;
        }
    }
    let suffixes = occupied_suffixes(t);
    let mut i = 0;
    while i < suffixes.len() {
        out[n] = Spelled(name, suffixes[i]);
        n += 1;
        i += 1;
    }
    (out, n)
}

/// `name` without `suffix`, if it ends with it (`str::strip_suffix`, in
/// `const`). The bytes are compared first: a `suffix` that starts with an
/// ASCII byte (`_`) then starts a character, so the cut is on a boundary
/// whatever the name holds (`über_total`).
const fn strip_suffix<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let (bytes, tail) = (name.as_bytes(), suffix.as_bytes());
    if bytes.len() < tail.len() || tail.is_empty() || !tail[0].is_ascii() {
        return None;
    }
    let cut = bytes.len() - tail.len();
    let mut i = 0;
    while i < tail.len() {
        if bytes[cut + i] != tail[i] {
            return None;
        }
        i += 1;
    }
    Some(name.split_at(cut).0)
}

/// Whether families `a` of type `ta` and `b` of type `tb` occupy a common
/// name: [`shared_name`] as a `const fn`, for checks made at compile time.
pub const fn collides(a: &str, ta: MetricType, b: &str, tb: MetricType) -> bool {
    let (mine, mine_len) = occupied_names(a, ta);
    let (theirs, theirs_len) = occupied_names(b, tb);
    let mut i = 0;
    while i < mine_len {
        let mut j = 0;
        while j < theirs_len {
            if mine[i].is(&theirs[j]) {
                return true;
            }
            j += 1;
        }
        i += 1;
    }
    false
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

    /// The names each type occupies, pinned: the registry, the derive and
    /// its compile-time checks all read them from here.
    #[test]
    fn occupied_names_per_type() {
        use MetricType::*;
        let names = |name: &str, t| {
            let (out, n) = occupied_names(name, t);
            out[..n].iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        assert_eq!(names("foo", Counter), ["foo", "foo_total", "foo_created"]);
        // `foo_total` is `foo` + `_total` once, not twice.
        assert_eq!(
            names("foo_total", Counter),
            ["foo_total", "foo", "foo_created"]
        );
        assert_eq!(names("foo", Gauge), ["foo"]);
        assert_eq!(names("foo", Untyped), ["foo"]);
        assert_eq!(names("foo", StateSet), ["foo"]);
        assert_eq!(
            names("foo", Histogram),
            ["foo", "foo_bucket", "foo_sum", "foo_count", "foo_created"]
        );
        assert_eq!(
            names("foo", Summary),
            ["foo", "foo_sum", "foo_count", "foo_created"]
        );
        assert_eq!(names("foo", Info), ["foo", "foo_info"]);
        // UTF-8 names: the `_total` test cuts on a character boundary.
        assert_eq!(
            names("über_total", Counter),
            ["über_total", "über", "über_created"]
        );
        assert_eq!(names("ü", Counter), ["ü", "ü_total", "ü_created"]);
        assert_eq!(
            names("größe_x", Counter),
            ["größe_x", "größe_x_total", "größe_x_created"]
        );
        assert!(collides("größe_total", Counter, "größe_created", Gauge));
        assert!(!collides("größe", Gauge, "größe_x", Counter));
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
