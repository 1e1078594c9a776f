//! Content negotiation: which exposition format, format version and name
//! escaping answer a given `Accept` header.
//!
//! A port of Go's `expfmt.NegotiateIncludingOpenMetrics` (and of
//! `expfmt.Negotiate` when OpenMetrics is off) as of prometheus/common
//! v0.70, including the `goautoneg` header parser it uses, quirks and all, so
//! an exporter written with this crate answers a scraper exactly as a Go
//! exporter (client_golang 1.21-1.24) would:
//!
//! - clauses are ordered by q-value (highest first), then concrete types before
//!   `*`, with the insertion sort and comparison Go uses; a clause with
//!   `q=0` is still a candidate, as in Go;
//! - a `q` that does not parse counts as `q=0`;
//! - matching is case-sensitive, parameters are matched exactly (`version=`,
//!   `proto=`, `encoding=`);
//! - `escaping=` (`allow-utf-8`, `underscores`, `dots`, `values`) is read from
//!   every clause looked at, in sorted order, up to the one that matches: the
//!   last known value wins, even from a clause that did not match (Go's loop
//!   keeps it); an unknown value is ignored; without one the scheme is
//!   `underscores`, Go's `model.NameEscapingScheme`;
//! - OpenMetrics is answered in the version asked for: `1.0.0`, or `0.0.1`
//!   for `version=0.0.1` or no version (the bytes are the same, the
//!   `Content-Type` says which);
//! - `text/plain;version=1.0.0` (which Prometheus 3 offers) is not a format
//!   Go's v0.70 writes: that clause is skipped, so the next one (usually
//!   `text/plain;version=0.0.4`) answers, carrying its `escaping=`;
//! - anything unmatched, empty or malformed falls back to text 0.0.4.
//!
//! Differences from Go, all toward formats this crate does not write: protobuf
//! `encoding=text` and `encoding=compact-text` are skipped (the next clause is
//! tried).
//!
//! # Bounded cost
//!
//! At most [`MAX_CLAUSES`] clauses of a header are read; the rest are ignored
//! (a real scraper sends five or six). Go sorts with an insertion sort up to
//! 12 elements, and so does this, so every real header is ordered exactly as
//! Go orders it; a longer list is ordered by a stable sort on the same keys
//! (Go would use pdqsort, whose order for such lists is not specified
//! either). A header of any length costs microseconds: a crafted `Accept` of
//! 24 000 clauses cost half a second of CPU per request when every clause was
//! insertion-sorted.

use super::Format;
use crate::escaping::EscapingScheme;

const PROTO_TYPE: &str = "application/vnd.google.protobuf";
const PROTO_PROTOCOL: &str = "io.prometheus.client.MetricFamily";
const OPENMETRICS_TYPE: &str = "application/openmetrics-text";

/// How many clauses of an `Accept` header negotiation reads; later ones are
/// ignored. Scrapers send a handful; this bounds what a crafted header costs.
pub const MAX_CLAUSES: usize = 64;

/// Go sorts slices up to this length with an insertion sort.
const GO_INSERTION_SORT_MAX: usize = 12;

/// The OpenMetrics version of a response, as the scraper asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OpenMetricsVersion {
    /// `version=0.0.1`, also what Go answers when the clause names no version.
    V0_0_1,
    /// `version=1.0.0`.
    #[default]
    V1_0_0,
}

/// What negotiation chose: the format, its version and the name escaping,
/// which together give the exact `Content-Type` Go writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// The exposition format.
    pub format: Format,
    /// The OpenMetrics version (meaningful for [`Format::OpenMetrics`] only).
    pub openmetrics_version: OpenMetricsVersion,
    /// How names that are not legacy names are written.
    pub escaping: EscapingScheme,
}

impl Default for Negotiated {
    /// Text 0.0.4 with Go's default escaping, `underscores`.
    fn default() -> Self {
        Negotiated::new(Format::Text)
    }
}

impl Negotiated {
    /// `format` (OpenMetrics in version 1.0.0) with Go's default escaping.
    pub const fn new(format: Format) -> Self {
        Negotiated {
            format,
            openmetrics_version: OpenMetricsVersion::V1_0_0,
            escaping: EscapingScheme::Underscores,
        }
    }

    /// The same, with another escaping scheme.
    #[must_use]
    pub const fn with_escaping(mut self, escaping: EscapingScheme) -> Self {
        self.escaping = escaping;
        self
    }

    /// The `Content-Type` of the response, exactly as Go's `promhttp` writes
    /// it: the format's `expfmt` constant followed by `; escaping=<scheme>`.
    ///
    /// ```
    /// use exporter_core::encoding::{negotiate_accept, Format};
    ///
    /// let n = negotiate_accept(Some("text/plain;version=0.0.4"), true);
    /// assert_eq!(n.format, Format::Text);
    /// assert_eq!(n.content_type(), "text/plain; version=0.0.4; charset=utf-8; escaping=underscores");
    /// ```
    pub const fn content_type(&self) -> &'static str {
        macro_rules! with_escaping {
            ($base:expr, $scheme:expr) => {
                match $scheme {
                    EscapingScheme::AllowUtf8 => concat!($base, "; escaping=allow-utf-8"),
                    EscapingScheme::Underscores => concat!($base, "; escaping=underscores"),
                    EscapingScheme::Dots => concat!($base, "; escaping=dots"),
                    EscapingScheme::Values => concat!($base, "; escaping=values"),
                }
            };
        }
        match (self.format, self.openmetrics_version) {
            (Format::Text, _) => {
                with_escaping!("text/plain; version=0.0.4; charset=utf-8", self.escaping)
            }
            (Format::OpenMetrics, OpenMetricsVersion::V1_0_0) => with_escaping!(
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                self.escaping
            ),
            (Format::OpenMetrics, OpenMetricsVersion::V0_0_1) => with_escaping!(
                "application/openmetrics-text; version=0.0.1; charset=utf-8",
                self.escaping
            ),
            (Format::Protobuf, _) => with_escaping!(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
                self.escaping
            ),
        }
    }
}

/// Picks the exposition format for an `Accept` header, as Go's
/// `expfmt.NegotiateIncludingOpenMetrics` does (or `expfmt.Negotiate` when
/// `enable_openmetrics` is false). Never fails: anything unrecognised is text.
/// [`negotiate_accept`] also gives the version and the escaping.
///
/// # Example
///
/// ```
/// use exporter_core::encoding::{negotiate, Format};
///
/// // What Prometheus 2 sends by default.
/// let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(Some(accept), true), Format::OpenMetrics);
/// assert_eq!(negotiate(Some(accept), false), Format::Text);
/// assert_eq!(negotiate(None, true), Format::Text);
/// ```
pub fn negotiate(accept: Option<&str>, enable_openmetrics: bool) -> Format {
    negotiate_accept(accept, enable_openmetrics).format
}

/// Picks the format, its version and the name escaping for an `Accept`
/// header, as Go's `expfmt.NegotiateIncludingOpenMetrics` (or
/// `expfmt.Negotiate` when `enable_openmetrics` is false) does. Never fails.
///
/// # Example
///
/// ```
/// use exporter_core::encoding::{negotiate_accept, Format};
/// use exporter_core::escaping::EscapingScheme;
///
/// // Prometheus 3's default scrape `Accept`.
/// let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// let n = negotiate_accept(Some(accept), true);
/// assert_eq!(n.format, Format::OpenMetrics);
/// assert_eq!(n.escaping, EscapingScheme::AllowUtf8);
/// assert_eq!(n.content_type(), "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8");
/// ```
pub fn negotiate_accept(accept: Option<&str>, enable_openmetrics: bool) -> Negotiated {
    let header = accept.unwrap_or("");
    let mut escaping = EscapingScheme::default();
    let answer = |format, openmetrics_version, escaping| Negotiated {
        format,
        openmetrics_version,
        escaping,
    };
    for clause in parse_accept(header) {
        if let Some(scheme) = clause
            .param("escaping")
            .and_then(EscapingScheme::from_param)
        {
            escaping = scheme;
        }
        let version = clause.param("version");
        if clause.media_type_is(PROTO_TYPE)
            && clause.param("proto") == Some(PROTO_PROTOCOL)
            && clause.param("encoding") == Some("delimited")
        {
            return answer(Format::Protobuf, OpenMetricsVersion::V1_0_0, escaping);
        }
        if clause.type_ == "text"
            && clause.subtype == "plain"
            && matches!(version, None | Some("" | "0.0.4"))
        {
            return answer(Format::Text, OpenMetricsVersion::V1_0_0, escaping);
        }
        if enable_openmetrics && clause.media_type_is(OPENMETRICS_TYPE) {
            match version {
                Some("1.0.0") => {
                    return answer(Format::OpenMetrics, OpenMetricsVersion::V1_0_0, escaping)
                }
                None | Some("" | "0.0.1") => {
                    return answer(Format::OpenMetrics, OpenMetricsVersion::V0_0_1, escaping)
                }
                _ => {}
            }
        }
    }
    answer(Format::Text, OpenMetricsVersion::V1_0_0, escaping)
}

/// One clause of an `Accept` header, as goautoneg's `Accept`.
#[derive(Debug)]
struct Clause<'a> {
    type_: &'a str,
    subtype: &'a str,
    q: f64,
    /// Later duplicates win, as in Go's map assignment.
    params: Vec<(&'a str, &'a str)>,
}

impl<'a> Clause<'a> {
    fn param(&self, key: &str) -> Option<&'a str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|&(_, v)| v)
    }

    /// Go compares `Type + "/" + SubType` with the full media type.
    fn media_type_is(&self, full: &str) -> bool {
        full.len() == self.type_.len() + 1 + self.subtype.len()
            && full.starts_with(self.type_)
            && full[self.type_.len()..].starts_with('/')
            && full.ends_with(self.subtype)
    }
}

/// goautoneg's `ParseAccept`: split on `,`, then `;`, trim spaces, sort.
fn parse_accept(header: &str) -> Vec<Clause<'_>> {
    let mut out = Vec::new();
    for part in header.split(',').take(MAX_CLAUSES) {
        let part = part.trim_matches(' ');
        let mut mrp = part.split(';');
        let media_range = mrp.next().unwrap_or("");
        let mut sp = media_range.split('/');
        let type_ = sp.next().unwrap_or("").trim_matches(' ');
        let subtype = match (sp.next(), sp.next()) {
            (None, _) if type_ == "*" => "*",
            (Some(sub), None) => sub.trim_matches(' '),
            _ => continue,
        };
        let mut clause = Clause {
            type_,
            subtype,
            q: 1.0,
            params: Vec::new(),
        };
        for param in mrp {
            let Some((token, value)) = param.split_once('=') else {
                continue;
            };
            let token = token.trim_matches(' ');
            if token == "q" {
                // Go: `a.Q, _ = strconv.ParseFloat(sp[1], 32)`, value untrimmed,
                // zero on a syntax error, float32 precision.
                clause.q = value.parse::<f32>().map_or(0.0, f64::from);
            } else {
                clause.params.push((token, value.trim_matches(' ')));
            }
        }
        out.push(clause);
    }
    if out.len() <= GO_INSERTION_SORT_MAX {
        go_sort(&mut out);
    } else {
        // Go's comparison is not a strict order, which `sort_by` requires:
        // sort on its keys instead (q descending, then concrete type, then
        // concrete subtype). A NaN q compares false in Go: lowest here.
        out.sort_by(|a, b| {
            let q = |c: &Clause<'_>| if c.q.is_nan() { f64::NEG_INFINITY } else { c.q };
            q(b).total_cmp(&q(a))
                .then((a.type_ == "*").cmp(&(b.type_ == "*")))
                .then((a.subtype == "*").cmp(&(b.subtype == "*")))
        });
    }
    out
}

/// goautoneg's comparison: higher q first, then concrete type, then concrete subtype.
fn less(a: &Clause<'_>, b: &Clause<'_>) -> bool {
    a.q > b.q || (a.type_ != "*" && b.type_ == "*") || (a.subtype != "*" && b.subtype == "*")
}

/// The insertion sort Go's `sort.Sort` runs on short slices (12 elements or
/// fewer, i.e. every real `Accept` header). The comparison is not a strict
/// order, so any other algorithm could order some headers differently.
fn go_sort(v: &mut [Clause<'_>]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clauses_like_goautoneg() {
        let c = parse_accept("text/plain; q=0.5; version=0.0.4 , */*;q=0.1, bad, a/b/c");
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].type_, c[0].subtype), ("text", "plain"));
        assert_eq!(c[0].q, f64::from(0.5f32));
        assert_eq!(c[0].param("version"), Some("0.0.4"));
        assert_eq!((c[1].type_, c[1].subtype), ("*", "*"));
    }

    #[test]
    fn only_the_first_clauses_are_read() {
        let mut header = "x/y;q=0.1,".repeat(MAX_CLAUSES);
        header.push_str("text/plain;q=1");
        assert_eq!(parse_accept(&header).len(), MAX_CLAUSES);
        assert_eq!(negotiate_accept(Some(&header), true).format, Format::Text);
        // The protobuf clause past the limit is never seen.
        let mut header = "text/plain;q=0.1,".repeat(MAX_CLAUSES);
        header.push_str("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
        assert_eq!(negotiate(Some(&header), true), Format::Text);
    }

    #[test]
    fn long_lists_sort_by_q_then_concreteness() {
        use std::fmt::Write as _;
        let mut header = String::new();
        for i in 0..20 {
            let _ = write!(header, "a{i}/b;q=0.{},", i % 8 + 1);
        }
        header.push_str("*/*;q=0.9,c/*;q=0.9,c/d;q=0.9,e/f;q=nan");
        let c = parse_accept(&header);
        assert_eq!(c.len(), 24);
        let firsts: Vec<_> = c[..3].iter().map(|c| (c.type_, c.subtype)).collect();
        assert_eq!(firsts, [("c", "d"), ("c", "*"), ("*", "*")]);
        assert!(c.windows(2).all(|w| w[0].q >= w[1].q || w[1].q.is_nan()));
        assert_eq!(c.last().map(|c| c.type_), Some("e"));
    }

    #[test]
    fn bad_q_is_zero() {
        let c = parse_accept("a/b;q=x");
        assert_eq!(c[0].q, 0.0);
    }
}
