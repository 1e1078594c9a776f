//! OpenMetrics 1.0.0 text format: headers, number forms and exemplars.
//!
//! ```text
//! # HELP http_requests Requests served.
//! # TYPE http_requests counter
//! http_requests_total{code="200"} 1027 # {trace_id="4bf92f35"} 1.0 1700000000.5
//! http_requests_created{code="200"} 1700000000.0
//! # EOF
//! ```
//!
//! Sample lines are written by [`super::line::line_into`]; this module holds
//! what differs from text 0.0.4:
//!
//! - family names: a counter `foo_total` is the family `foo` with sample
//!   `foo_total` (a counter named `foo` gets the same), an info `foo_info` the
//!   family `foo` with sample `foo_info`, following Go's `expfmt`;
//! - help escapes `"` as well as `\` and newline;
//! - floats always carry a `.` or an exponent (`1.0`, `+Inf`, `1e300`), as
//!   Go's `writeOpenMetricsFloat` prints them; integers print as integers;
//! - timestamps are seconds, printed exactly from the millisecond timestamp,
//!   and repeated on every line of a histogram or summary (and `_created`);
//! - a histogram with a negative bucket bound has no `_sum` and `_count`,
//!   which the specification forbids there;
//! - `# UNIT` is written only when the family name ends in `_<unit>`, which
//!   OpenMetrics requires of a family with a unit. Go's encoder writes no
//!   `# UNIT` line unless asked to and then renames the family to fit; this
//!   crate keeps the name (series names stay the same in every format) and
//!   leaves the unit line out for a name that does not carry its unit.

use super::FamilyEncoder;
use crate::desc::{Desc, MetricType};
use crate::error::CollectError;
use crate::escape;
use crate::labels::LabelSet;
use crate::value::{Exemplar, Number, SampleOpts};

/// The OpenMetrics family name of a descriptor: the name without the
/// `_total` (counter) or `_info` (info) suffix its samples carry.
pub(super) fn family_name(desc: &Desc) -> &str {
    let name = desc.name();
    let suffix = match desc.metric_type() {
        MetricType::Counter => "_total",
        MetricType::Info => "_info",
        _ => return name,
    };
    match name.strip_suffix(suffix) {
        Some(family) if !family.is_empty() => family,
        _ => name,
    }
}

/// Writes the `# HELP`, `# TYPE` and (when valid) `# UNIT` lines, in Go's order.
pub(super) fn header_into(out: &mut Vec<u8>, desc: &Desc) {
    let name = super::text::name_as_written(desc, family_name(desc).into());
    let name = name.as_bytes();
    out.extend_from_slice(b"# HELP ");
    out.extend_from_slice(name);
    out.push(b' ');
    escape::label_value_into(out, desc.help());
    out.extend_from_slice(b"\n# TYPE ");
    out.extend_from_slice(name);
    out.push(b' ');
    out.extend_from_slice(desc.metric_type().as_openmetrics_str().as_bytes());
    out.push(b'\n');
    if let Some(unit) = desc.unit() {
        if unit_fits(family_name(desc), unit) {
            out.extend_from_slice(b"# UNIT ");
            out.extend_from_slice(name);
            out.push(b' ');
            out.extend_from_slice(unit.as_bytes());
            out.push(b'\n');
        }
    }
}

/// Whether `family` ends in `_<unit>`, as OpenMetrics requires.
fn unit_fits(family: &str, unit: &str) -> bool {
    family
        .strip_suffix(unit)
        .is_some_and(|rest| rest.len() > 1 && rest.ends_with('_'))
}

/// Writes a float the way Go's `writeOpenMetricsFloat` does, so the value
/// reads as a float: `1.0`, `-0.0`, `0.25`, `1e300`, `NaN`, `+Inf`, `-Inf`.
///
/// Integral values below 2^53 print in full with `.0` (Go switches to an
/// exponent at 1e21, which is also valid); others in shortest round-trip form.
/// Unlike Go, `-0.0` keeps its sign.
pub(super) fn float_into(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        if v == 0.0 && v.is_sign_negative() {
            out.push(b'-');
        }
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
        out.extend_from_slice(b".0");
    } else {
        // ryu prints non-integral or huge finite values with a `.` or an `e`.
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// Writes a millisecond timestamp as exact decimal seconds (`1700000000.123`, `-1.5`, `0.0`).
pub(super) fn millis_as_seconds_into(out: &mut Vec<u8>, ms: i64) {
    let abs = ms.unsigned_abs();
    if ms < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(itoa::Buffer::new().format(abs / 1000).as_bytes());
    out.push(b'.');
    let frac = abs % 1000;
    let digits = [
        b'0' + (frac / 100) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ];
    let keep = if frac.is_multiple_of(100) {
        1
    } else if frac.is_multiple_of(10) {
        2
    } else {
        3
    };
    out.extend_from_slice(&digits[..keep]);
}

/// Writes ` # {k="v",...} value [timestamp]` after a sample.
pub(super) fn exemplar_into(out: &mut Vec<u8>, e: &Exemplar<'_>) {
    out.extend_from_slice(b" # {");
    for (i, (name, value)) in e.labels.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        escape::label_value_into(out, value);
        out.push(b'"');
    }
    out.extend_from_slice(b"} ");
    float_into(out, e.value);
    if let Some(ts) = e.timestamp {
        out.push(b' ');
        float_into(out, ts);
    }
}

// The OpenMetrics arms of [`FamilyEncoder`] (its other lines are the text
// format's, written in the OpenMetrics flavor).
impl FamilyEncoder<'_> {
    /// The OpenMetrics arm of [`scalar`](Self::scalar).
    #[inline(never)]
    pub(super) fn om_scalar<L>(
        &mut self,
        labels: &L,
        value: Number,
        opts: &SampleOpts,
        exemplar: Option<&Exemplar<'_>>,
    ) -> Result<(), CollectError>
    where
        L: LabelSet + ?Sized,
    {
        let family = family_name(self.desc);
        let counter = self.desc.metric_type() == MetricType::Counter;
        let suffix = if counter { "_total" } else { "" };
        let mut line = super::line::Line::new(family, suffix, value, opts.timestamp_ms);
        line.exemplar = exemplar;
        self.om_line(&line, labels)?;
        if counter {
            self.om_created(family, labels, opts)?;
        }
        Ok(())
    }

    #[inline]
    pub(super) fn om_line<L: LabelSet + ?Sized>(
        &mut self,
        line: &super::line::Line<'_>,
        labels: &L,
    ) -> Result<(), CollectError> {
        let got = super::line::line_into(
            self.body,
            self.desc,
            line,
            labels,
            super::line::Flavor::OpenMetrics,
        );
        self.check_arity(got)
    }

    /// The OpenMetrics `<family>_created` line, when there is a created time
    /// and the scrape writes them (off by default, as in Go).
    pub(super) fn om_created<L: LabelSet + ?Sized>(
        &mut self,
        family: &str,
        labels: &L,
        opts: &SampleOpts,
    ) -> Result<(), CollectError> {
        match opts.created {
            Some(created) if self.created_lines => self.om_line(
                &super::line::Line::new(
                    family,
                    "_created",
                    Number::Float(created),
                    opts.timestamp_ms,
                ),
                labels,
            ),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(v: f64) -> String {
        let mut out = Vec::new();
        float_into(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn secs(ms: i64) -> String {
        let mut out = Vec::new();
        millis_as_seconds_into(&mut out, ms);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_read_as_floats() {
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(0.0), "0.0");
        assert_eq!(float(-0.0), "-0.0");
        assert_eq!(float(-1.0), "-1.0");
        assert_eq!(float(0.25), "0.25");
        assert_eq!(float(1e300), "1e300");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(9_007_199_254_740_992.0), "9007199254740992.0");
        assert_eq!(float(1e16), "1e16");
    }

    #[test]
    fn millis_print_as_exact_seconds() {
        assert_eq!(secs(0), "0.0");
        assert_eq!(secs(1500), "1.5");
        assert_eq!(secs(-1500), "-1.5");
        assert_eq!(secs(1_700_000_000_123), "1700000000.123");
        assert_eq!(secs(1_700_000_000_120), "1700000000.12");
        assert_eq!(secs(5), "0.005");
        assert_eq!(secs(i64::MIN), "-9223372036854775.808");
    }

    #[test]
    fn unit_must_be_the_name_suffix() {
        assert!(unit_fits("req_duration_seconds", "seconds"));
        assert!(!unit_fits("req_duration", "seconds"));
        assert!(!unit_fits("seconds", "seconds"));
        assert!(!unit_fits("reqseconds", "seconds"));
    }
}
