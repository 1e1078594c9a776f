//! Content negotiation: which exposition format answers a given `Accept` header.
//!
//! A port of Go's `expfmt.NegotiateIncludingOpenMetrics` (and of `expfmt.Negotiate`
//! when OpenMetrics is off), including the `goautoneg` header parser it uses,
//! quirks and all, so an exporter written with this crate answers a scraper
//! exactly as a Go exporter would:
//!
//! - clauses are ordered by q-value (highest first), then concrete types before
//!   `*`, with the same insertion sort and comparison Go uses; a clause with
//!   `q=0` is still a candidate, as in Go;
//! - a `q` that does not parse counts as `q=0`;
//! - matching is case-sensitive, parameters are matched exactly (`version=`,
//!   `proto=`, `encoding=`);
//! - the `escaping=` parameter is accepted and ignored: this crate only emits
//!   legacy-valid names, so every escaping scheme gives the same bytes;
//! - anything unmatched, empty or malformed falls back to text 0.0.4.
//!
//! Differences from Go, all toward formats this crate does not write: protobuf
//! `encoding=text` and `encoding=compact-text` are skipped (the next clause is
//! tried), and OpenMetrics is always answered as version 1.0.0 (Go answers
//! `version=0.0.1` when the client asks for it or names no version; the bytes
//! are the same).

use super::Format;

const PROTO_TYPE: &str = "application/vnd.google.protobuf";
const PROTO_PROTOCOL: &str = "io.prometheus.client.MetricFamily";
const OPENMETRICS_TYPE: &str = "application/openmetrics-text";

/// Picks the exposition format for an `Accept` header, as Go's
/// `expfmt.NegotiateIncludingOpenMetrics` does (or `expfmt.Negotiate` when
/// `enable_openmetrics` is false). Never fails: anything unrecognised is text.
///
/// # Example
///
/// ```
/// use exporter_core::encoding::{negotiate, Format};
///
/// // What Prometheus sends by default.
/// let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(Some(accept), true), Format::OpenMetrics);
/// assert_eq!(negotiate(Some(accept), false), Format::Text);
/// assert_eq!(negotiate(None, true), Format::Text);
/// ```
pub fn negotiate(accept: Option<&str>, enable_openmetrics: bool) -> Format {
    let header = accept.unwrap_or("");
    for clause in parse_accept(header) {
        let version = clause.param("version");
        if clause.media_type_is(PROTO_TYPE)
            && clause.param("proto") == Some(PROTO_PROTOCOL)
            && clause.param("encoding") == Some("delimited")
        {
            return Format::Protobuf;
        }
        if clause.type_ == "text"
            && clause.subtype == "plain"
            && matches!(version, None | Some("" | "0.0.4"))
        {
            return Format::Text;
        }
        if enable_openmetrics
            && clause.media_type_is(OPENMETRICS_TYPE)
            && matches!(version, None | Some("" | "0.0.1" | "1.0.0"))
        {
            return Format::OpenMetrics;
        }
    }
    Format::Text
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
    for part in header.split(',') {
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
    go_sort(&mut out);
    out
}

/// goautoneg's comparison: higher q first, then concrete type, then concrete subtype.
fn less(a: &Clause<'_>, b: &Clause<'_>) -> bool {
    a.q > b.q || (a.type_ != "*" && b.type_ == "*") || (a.subtype != "*" && b.subtype == "*")
}

/// The insertion sort Go's `sort.Sort` runs on short slices (under 13
/// elements, i.e. every real `Accept` header). The comparison is not a strict
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
    fn bad_q_is_zero() {
        let c = parse_accept("a/b;q=x");
        assert_eq!(c[0].q, 0.0);
    }
}
