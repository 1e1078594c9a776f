//! A test kit for exporter authors, Go's `prometheus/testutil`: collect a
//! collector or gatherer to text, compare with expected exposition text
//! (order-insensitive, with a readable diff), read one series' value, count
//! series, and lint with promlint's rules.
//!
//! # Example
//!
//! ```
//! use exporter_core::{testutil, Collector};
//!
//! #[derive(Collector)]
//! #[collector(namespace = "app")]
//! struct Jobs {
//!     /// Jobs by state.
//!     #[metric(gauge, labels(state))]
//!     jobs: Vec<([&'static str; 1], f64)>,
//! }
//!
//! let jobs = Jobs { jobs: vec![(["running"], 2.0), (["queued"], 5.0)] };
//! // Order of families and series does not matter.
//! testutil::assert_collects(&jobs, r#"
//!     ## HELP app_jobs Jobs by state.
//!     ## TYPE app_jobs gauge
//!     app_jobs{state="queued"} 5
//!     app_jobs{state="running"} 2
//! "#);
//! assert_eq!(testutil::value(&jobs, "app_jobs", &[("state", "queued")]), Some(5.0));
//! assert_eq!(testutil::series_count(&jobs)?, 2);
//! assert!(testutil::lint(&jobs)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::collector::Collector;
use crate::encoding::{Format, MetricEncoder};
use crate::error::CollectError;
use crate::name::MetricType;
use crate::registry::GatherError;
use crate::registry::Gatherer;

/// Collects `collector` once into the Prometheus text format.
///
/// # Errors
///
/// The collector's error.
pub fn collect_text(collector: &dyn Collector) -> Result<String, CollectError> {
    let mut encoder = MetricEncoder::new(Format::Text);
    collector.collect(&mut encoder)?;
    Ok(finish(encoder))
}

/// Gathers `gatherer` (a registry, several) into the text format.
///
/// # Errors
///
/// The failures of the gather, if any.
pub fn gather_text(gatherer: &dyn Gatherer) -> Result<String, Vec<GatherError>> {
    let mut encoder = MetricEncoder::new(Format::Text);
    let errors = gatherer.gather_into(&mut encoder);
    if errors.is_empty() {
        Ok(finish(encoder))
    } else {
        Err(errors)
    }
}

/// Gathers `gatherer` awaiting its async collectors and scrapers (no
/// deadline) into the text format.
///
/// # Errors
///
/// The failures of the gather, if any.
#[cfg(feature = "async")]
pub async fn gather_async_text(gatherer: &dyn Gatherer) -> Result<String, GatherErrors> {
    let mut encoder = MetricEncoder::new(Format::Text);
    let errors = gatherer.gather_async(&mut encoder, None).await;
    if errors.is_empty() {
        Ok(finish(encoder))
    } else {
        Err(GatherErrors(errors))
    }
}

/// The failures of a gather, as one error.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct GatherErrors(pub Vec<GatherError>);

fn finish(encoder: MetricEncoder) -> String {
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Compares exposition text `got` with `expected`, ignoring the order of
/// families, of series, and of labels within a series, blank lines and
/// leading indentation; values compare as numbers (`1` = `1.0`).
///
/// # Errors
///
/// A [`Mismatch`] whose display is a per-family diff (`-` expected, `+` got),
/// or, when a line of either text is neither a sample, a comment nor blank
/// (`up = 1`, an unquoted label value), one naming that line: a typo in the
/// expected text fails the test instead of comparing nothing.
///
/// ```
/// use exporter_core::testutil::compare;
///
/// assert!(compare("up 1\n", "up 1.0\n").is_ok());
/// let typo = compare("up 1\n", "up = 1\n").unwrap_err();
/// assert!(typo.diff.contains("line 1"), "{typo}");
/// ```
pub fn compare(got: &str, expected: &str) -> Result<(), Mismatch> {
    compare_families(got, expected, &[])
}

/// [`compare`], looking only at the families named in `names` (all when empty),
/// as Go's `CollectAndCompare(c, expected, names...)`.
///
/// # Errors
///
/// A [`Mismatch`] naming the differing lines.
pub fn compare_families(got: &str, expected: &str, names: &[&str]) -> Result<(), Mismatch> {
    let keep = |name: &str| names.is_empty() || names.contains(&name);
    let (got, bad_got) = parse(got);
    let (expected, bad_expected) = parse(expected);
    if !bad_got.is_empty() || !bad_expected.is_empty() {
        let mut diff = String::new();
        for (which, bad) in [("expected", bad_expected), ("collected", bad_got)] {
            for (line, text) in bad {
                let _ = writeln!(
                    diff,
                    "{which} text, line {line}: not a sample, a comment or blank: `{text}`"
                );
            }
        }
        return Err(Mismatch { diff });
    }
    let all: BTreeSet<&String> = got.keys().chain(expected.keys()).collect();
    let mut diff = String::new();
    let empty = Family::default();
    for name in all.into_iter().filter(|n| keep(n)) {
        let g = got.get(name).unwrap_or(&empty);
        let e = expected.get(name).unwrap_or(&empty);
        if g == e {
            continue;
        }
        let _ = writeln!(diff, "family {name}:");
        for (label, a, b) in [("HELP", &e.help, &g.help), ("TYPE", &e.kind, &g.kind)] {
            if a != b {
                if let Some(a) = a {
                    let _ = writeln!(diff, "-   # {label} {name} {a}");
                }
                if let Some(b) = b {
                    let _ = writeln!(diff, "+   # {label} {name} {b}");
                }
            }
        }
        for line in e.samples.difference(&g.samples) {
            let _ = writeln!(diff, "-   {line}");
        }
        for line in g.samples.difference(&e.samples) {
            let _ = writeln!(diff, "+   {line}");
        }
    }
    if diff.is_empty() {
        Ok(())
    } else {
        Err(Mismatch { diff })
    }
}

/// Collects `collector` and [`compare_families`] with `expected`.
///
/// # Errors
///
/// The collector's error or the mismatch.
pub fn collect_and_compare(
    collector: &dyn Collector,
    expected: &str,
    names: &[&str],
) -> Result<(), TestError> {
    let got = collect_text(collector)?;
    compare_families(&got, expected, names)?;
    Ok(())
}

/// Asserts that `collector` collects exactly `expected` (see [`compare`]).
/// For tests.
///
/// # Panics
///
/// When the collector fails or its output differs, with the diff.
#[track_caller]
#[allow(clippy::panic)] // an assertion: panicking is its job
pub fn assert_collects(collector: &dyn Collector, expected: &str) {
    if let Err(error) = collect_and_compare(collector, expected, &[]) {
        panic!("collector output differs from the expected text:\n{error}");
    }
}

/// The value of the series `name{labels}` in what `collector` collects
/// (labels in any order; `None` if absent or the collector fails).
pub fn value(collector: &dyn Collector, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text_value(&collect_text(collector).ok()?, name, labels)
}

/// The value of the series `name{labels}` in exposition text.
pub fn text_value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut want: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    want.sort();
    text.lines()
        .filter_map(|l| sample(l.trim()))
        .find_map(|s| (s.name == name && s.labels == want).then_some(s.value))
}

/// How many series (sample lines) `collector` collects: Go's `CollectAndCount`.
///
/// # Errors
///
/// The collector's error.
pub fn series_count(collector: &dyn Collector) -> Result<usize, CollectError> {
    let text = collect_text(collector)?;
    Ok(text.lines().filter(|l| sample(l.trim()).is_some()).count())
}

/// Lints what `collector` collects with promlint's rules (see [`lint_text`]).
///
/// # Errors
///
/// The collector's error.
pub fn lint(collector: &dyn Collector) -> Result<Vec<Problem>, CollectError> {
    Ok(lint_text(&collect_text(collector)?))
}

/// Lints exposition text with the rules of Go's `promlint`: missing help,
/// counters without `_total` (and non-counters with it), non-base units,
/// abbreviated units, the type in the name, colons, camelCase metric and
/// label names, and names or labels reserved by histograms and summaries.
/// The rules are the shared ones of [`name::lint_family`](crate::name::lint_family),
/// a superset of those `#[derive(Collector)]` checks at compile time
/// ([`name::lint`](crate::name::lint)). A derived struct lints clean except
/// where it opted out with `allow(...)`, or uses what the derive accepts on
/// purpose and promlint does not: colons and camelCase in names (recording
/// rules, node_exporter's `node_memory_MemTotal_bytes`). The rules matter
/// most for hand-written collectors.
///
/// ```
/// use exporter_core::testutil::lint_text;
///
/// let problems = lint_text("# TYPE httpRequests counter\nhttpRequests 1\n");
/// let texts: Vec<_> = problems.iter().map(|p| p.text.as_str()).collect();
/// assert!(texts.contains(&"no help text"));
/// assert!(texts.contains(&"counter metrics should have \"_total\" suffix"));
/// assert!(texts.contains(&"metric names should be written in 'snake_case' not 'camelCase'"));
/// ```
pub fn lint_text(text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, family) in parse(text).0 {
        let t = match family.kind.as_deref() {
            Some("counter") => MetricType::Counter,
            Some("gauge") => MetricType::Gauge,
            Some("histogram") => MetricType::Histogram,
            Some("summary") => MetricType::Summary,
            Some("info") => MetricType::Info,
            Some("stateset") => MetricType::StateSet,
            _ => MetricType::Untyped,
        };
        let labels: Vec<&str> = family.label_names.iter().map(String::as_str).collect();
        let help = family.help.as_deref().unwrap_or("");
        for finding in crate::name::lint_family(&name, t, None, help, &labels) {
            problems.push(Problem {
                metric: name.clone(),
                text: finding.message,
            });
        }
    }
    problems
}

/// One lint finding: the family and what is wrong, in promlint's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The family name.
    pub metric: String,
    /// promlint's message.
    pub text: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.metric, self.text)
    }
}

/// Output that differs from the expected text; displays as a diff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{diff}")]
pub struct Mismatch {
    /// Per differing family: `-` lines expected but missing, `+` lines got
    /// but not expected.
    pub diff: String,
}

/// Why a collect-and-compare failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The collector failed.
    #[error("collect failed: {0}")]
    Collect(#[from] CollectError),
    /// The output differs.
    #[error("{0}")]
    Mismatch(#[from] Mismatch),
}

/// One family of parsed text: help, type, its sample lines normalised.
#[derive(Debug, Default, PartialEq)]
struct Family {
    help: Option<String>,
    kind: Option<String>,
    samples: BTreeSet<String>,
    label_names: BTreeSet<String>,
}

/// One sample line: name, sorted labels, value, and the rest (timestamp).
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
    rest: String,
}

/// Families by name; a sample belongs to the family whose header came last
/// if its name is that family's or a histogram/summary sample of it. Lines
/// that are neither samples, comments nor blank come back apart, numbered
/// from 1.
fn parse(text: &str) -> (BTreeMap<String, Family>, Vec<(usize, String)>) {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut bad = Vec::new();
    let mut current = String::new();
    let lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    for (at, line) in lines.filter(|(_, l)| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix('#') {
            let Some((kw @ ("HELP" | "TYPE"), rest)) = rest.trim_start().split_once(' ') else {
                continue; // a comment
            };
            // The name, quoted when it is not a classic one (Prometheus 3).
            let (name, value) = match rest.strip_prefix('"') {
                Some(quoted_name) => {
                    let mut chars = quoted_name.char_indices();
                    let Some(name) = quoted(&mut chars) else {
                        bad.push((at, line.to_owned()));
                        continue;
                    };
                    let after = chars.next().map_or(quoted_name.len(), |(i, _)| i);
                    (name, quoted_name[after..].trim_start())
                }
                None => match rest.split_once(' ') {
                    Some((name, value)) => (name.to_owned(), value),
                    None => (rest.to_owned(), ""),
                },
            };
            let family = families.entry(name.clone()).or_default();
            if kw == "HELP" {
                family.help = Some(value.to_owned());
            } else {
                family.kind = Some(value.to_owned());
            }
            current = name;
            continue;
        }
        let Some(s) = sample(line) else {
            bad.push((at, line.to_owned()));
            continue;
        };
        let belongs = s.name == current
            || ["_bucket", "_count", "_sum", "_total", "_created", "_info"]
                .iter()
                .any(|suffix| s.name.strip_suffix(suffix) == Some(current.as_str()));
        let key = if belongs {
            current.clone()
        } else {
            s.name.clone()
        };
        let family = families.entry(key).or_default();
        let labels: Vec<String> = s
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        let mut normal = s.name.clone();
        if !labels.is_empty() {
            let _ = write!(normal, "{{{}}}", labels.join(","));
        }
        let _ = write!(normal, " {}", number(s.value));
        if !s.rest.is_empty() {
            let _ = write!(normal, " {}", s.rest);
        }
        family
            .label_names
            .extend(s.labels.into_iter().map(|(k, _)| k));
        family.samples.insert(normal);
    }
    (families, bad)
}

fn quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

/// Parses `name{k="v",...} value [timestamp]`, with Prometheus 3's quoted
/// names too (`{"my.metric","k.x"="v"} 1`); `None` for anything else.
fn sample(line: &str) -> Option<Sample> {
    if line.starts_with('#') {
        return None;
    }
    let end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
    let mut name = line[..end].to_owned();
    let mut rest = &line[end..];
    let mut labels = Vec::new();
    // Blanks are allowed around the braces' items, as Go's parser allows them.
    let blank = |c: &char| matches!(c, ' ' | '\t');
    if let Some(inner) = rest.trim_start().strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            while chars.next_if(|(_, c)| *c == ',' || blank(c)).is_some() {}
            let (i, c) = chars.next()?;
            let key = match c {
                '}' => {
                    rest = &inner[i + 1..];
                    break;
                }
                '"' => {
                    let quoted = quoted(&mut chars)?;
                    while chars.next_if(|(_, c)| blank(c)).is_some() {}
                    if chars.peek().is_some_and(|(_, c)| *c == '=') {
                        quoted
                    } else if name.is_empty() && labels.is_empty() {
                        // The name, quoted inside the braces.
                        name = quoted;
                        continue;
                    } else {
                        return None;
                    }
                }
                c => {
                    let mut key = String::from(c);
                    while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=') {
                        key.push(c);
                    }
                    key.trim().to_owned()
                }
            };
            if chars.next()?.1 != '=' {
                return None;
            }
            while chars.next_if(|(_, c)| blank(c)).is_some() {}
            if chars.next()?.1 != '"' {
                return None;
            }
            labels.push((key, quoted(&mut chars)?));
        }
    }
    if name.is_empty() {
        return None;
    }
    let mut fields = rest.split_whitespace();
    let value = match fields.next()? {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    labels.sort();
    Some(Sample {
        name,
        labels,
        value,
        rest: fields.collect::<Vec<_>>().join(" "),
    })
}

/// The rest of a quoted string whose opening `"` was read, unescaped.
fn quoted(chars: &mut impl Iterator<Item = (usize, char)>) -> Option<String> {
    let mut value = String::new();
    loop {
        match chars.next()?.1 {
            '"' => return Some(value),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                other => value.push(other),
            },
            other => value.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_ignores_order_and_spelling_of_numbers_and_shows_a_diff() {
        let got = "# HELP a A.\n# TYPE a gauge\na{x=\"1\",y=\"q\\\"\"} 1\na{x=\"2\"} 2.5\n# HELP b B.\n# TYPE b gauge\nb 3\n";
        let same = "# TYPE b gauge\n# HELP b B.\nb 3.0\n# HELP a A.\n# TYPE a gauge\na{x=\"2\"} 2.5\na{y=\"q\\\"\",x=\"1\"} 1e0\n";
        assert_eq!(compare(got, same), Ok(()));
        let other = "# HELP a A.\n# TYPE a gauge\na{x=\"1\",y=\"q\\\"\"} 1\na{x=\"2\"} 2\n";
        let diff = compare(got, other).unwrap_err().diff;
        assert!(
            diff.contains("family a:\n-   a{x=\"2\"} 2\n+   a{x=\"2\"} 2.5\n"),
            "{diff}"
        );
        assert!(
            diff.contains("family b:\n+   # HELP b B.\n+   # TYPE b gauge\n+   b 3\n"),
            "{diff}"
        );
        assert_eq!(
            compare_families(got, other, &["b"]).map_err(|e| e.diff.contains("family a")),
            Err(false)
        );
        assert_eq!(text_value(got, "a", &[("y", "q\""), ("x", "1")]), Some(1.0));
        assert_eq!(text_value(got, "a", &[("x", "3")]), None);
    }

    #[test]
    fn a_line_that_does_not_parse_fails_the_comparison_with_its_number() {
        // Each once compared as "nothing expected", and passed against an
        // empty output.
        for typo in ["up = 1", "up one", "up{x=1} 1", "up{x=\"1\" 1", "fake up 1"] {
            let expected = format!("# HELP up Up.\n\n{typo}\n");
            let error = compare("", &expected).unwrap_err().diff;
            assert_eq!(
                error,
                format!("expected text, line 3: not a sample, a comment or blank: `{typo}`\n"),
            );
        }
        let error = compare("up 1\nup ?\n", "up 1\n").unwrap_err().diff;
        assert!(error.starts_with("collected text, line 2:"), "{error}");
        // Comments of any kind are not samples, and are fine.
        assert_eq!(compare("up 1\n", "# a comment\n#\nup 1\n"), Ok(()));
        // Blanks around the braces' items are allowed, as Go's parser allows them.
        let spaced = "up {a = \"b\",\t\"k\" = \"v\"\t} 1\n";
        assert_eq!(compare("up{a=\"b\",k=\"v\"} 1\n", spaced), Ok(()));
    }

    #[test]
    fn quoted_utf8_names_compare_as_names() {
        let got = "# HELP \"my.metric\" Help, quoted.\n# TYPE \"my.metric\" gauge\n\
                   {\"my.metric\",\"k.x\"=\"v\",a=\"b\"} 1\n";
        let same = "# TYPE \"my.metric\" gauge\n# HELP \"my.metric\" Help, quoted.\n\
                    {\"my.metric\", a=\"b\", \"k.x\"=\"v\"} 1.0\n";
        assert_eq!(compare(got, same), Ok(()));
        let other = got.replace("} 1", "} 2");
        let diff = compare(got, &other).unwrap_err().diff;
        assert!(diff.starts_with("family my.metric:\n"), "{diff}");
        assert_eq!(
            text_value(got, "my.metric", &[("k.x", "v"), ("a", "b")]),
            Some(1.0)
        );
        // The name comes first in the braces, or the line is not a sample.
        let late = "{a=\"b\", \"my.metric\"} 1\n";
        assert!(compare(late, late).unwrap_err().diff.contains("line 1"));
    }

    #[test]
    fn lint_finds_promlint_problems() {
        let text = "# HELP x_milliseconds X.\n# TYPE x_milliseconds gauge\nx_milliseconds 1\n\
                    # HELP y_total Y.\n# TYPE y_total gauge\ny_total{le=\"1\",fooBar=\"a\"} 1\n\
                    # HELP job:rate_s R.\n# TYPE job:rate_s gauge\njob:rate_s 1\n\
                    # HELP ok_seconds_total Fine.\n# TYPE ok_seconds_total counter\nok_seconds_total 1\n";
        let found: Vec<String> = lint_text(text).iter().map(ToString::to_string).collect();
        for expected in [
            "x_milliseconds: use base unit \"seconds\" instead of \"milliseconds\"",
            "y_total: non-counter metrics should not have \"_total\" suffix",
            "y_total: non-histogram metrics should not have \"le\" label",
            "y_total: label names should be written in 'snake_case' not 'camelCase'",
            "job:rate_s: metric names should not contain ':'",
            "job:rate_s: metric names should not contain abbreviated units",
        ] {
            assert!(
                found.iter().any(|f| f == expected),
                "{expected} not in {found:?}"
            );
        }
        assert!(
            !found.iter().any(|f| f.starts_with("ok_seconds_total")),
            "{found:?}"
        );
    }
    /// `lint_text` reports exactly what the shared rule set finds for each
    /// family (no rules of its own), and leaves `_info` families alone.
    #[test]
    fn lint_is_the_shared_rule_set() {
        use crate::name::{lint_family, MetricType};

        let text =
            "# HELP build_info Build.\n# TYPE build_info gauge\nbuild_info{version=\"1\"} 1\n\
                    # TYPE rate_s_percent counter\nrate_s_percent{pathName=\"/\"} 1\n";
        let found: Vec<String> = lint_text(text).iter().map(ToString::to_string).collect();
        let expected: Vec<String> = lint_family(
            "rate_s_percent",
            MetricType::Counter,
            None,
            "",
            &["pathName"],
        )
        .into_iter()
        .map(|f| format!("rate_s_percent: {}", f.message))
        .collect();
        assert_eq!(found, expected);
        for text in [
            "no help text",
            "counter metrics should have \"_total\" suffix",
            "metric names should not contain abbreviated units",
            "use base unit \"ratio\" instead of \"percent\"",
            "label names should be written in 'snake_case' not 'camelCase'",
        ] {
            assert!(
                found.contains(&format!("rate_s_percent: {text}")),
                "{text} not in {found:?}"
            );
        }
    }
}
