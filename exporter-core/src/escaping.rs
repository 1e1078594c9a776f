//! Name escaping for scrapers that cannot take UTF-8 names (Go's
//! `model.EscapingScheme` and `model.EscapeName`).
//!
//! Metric and label names may be any non-empty UTF-8 (OpenTelemetry names such
//! as `http.server.request.duration` are the common case). A scraper says in
//! the `escaping=` parameter of its `Accept` header what it can store:
//! `allow-utf-8` (Prometheus 3: names are written as they are, quoted where the
//! text formats need it), or one of three ways to turn a name into a legacy
//! one (`[a-zA-Z_:][a-zA-Z0-9_:]*`). Without the parameter, Go's default
//! applies: `underscores`, so a Prometheus 2 server gets names it can store.
//!
//! A legacy name is never changed by any scheme: the bodies of exporters that
//! use only legacy names are the same bytes whatever the scraper asks. This is
//! Go's `EscapeMetricFamily`, which calls `EscapeName` only for names that are
//! not valid legacy metric names (for label names too).

use std::borrow::Cow;
use std::fmt::Write as _;

/// How names that are not legacy names are written (Go's `model.EscapingScheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EscapingScheme {
    /// `allow-utf-8`: names as they are; the text formats quote the ones that
    /// are not legacy names (`{"http.server.request.duration",le="0.1"}`).
    AllowUtf8,
    /// `underscores` (Go's default): every character a legacy name cannot
    /// hold becomes `_` (`http.server.duration` -> `http_server_duration`).
    #[default]
    Underscores,
    /// `dots`: `.` becomes `_dot_`, `_` becomes `__`, any other character a
    /// legacy name cannot hold `__`.
    Dots,
    /// `values`: `U__` then each character, with `_` doubled and any character
    /// a legacy name cannot hold as `_<hex code point>_`: reversible.
    Values,
}

impl EscapingScheme {
    /// Every scheme, in the order Go lists them.
    pub const ALL: [EscapingScheme; 4] = [
        EscapingScheme::AllowUtf8,
        EscapingScheme::Underscores,
        EscapingScheme::Dots,
        EscapingScheme::Values,
    ];

    /// The `escaping=` value naming this scheme (Go's `String()`).
    pub const fn as_str(self) -> &'static str {
        match self {
            EscapingScheme::AllowUtf8 => "allow-utf-8",
            EscapingScheme::Underscores => "underscores",
            EscapingScheme::Dots => "dots",
            EscapingScheme::Values => "values",
        }
    }

    /// The scheme an `escaping=` value names, or `None` for an unknown value
    /// (which negotiation ignores, as Go does).
    pub fn from_param(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether names are changed at all: false for `allow-utf-8`.
    pub const fn escapes(self) -> bool {
        !matches!(self, EscapingScheme::AllowUtf8)
    }
}

/// Go's `isValidLegacyRune`: `[a-zA-Z_:]`, and digits after the first character.
#[inline]
const fn is_legacy_char(c: u8, first: bool) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':' || (c.is_ascii_digit() && !first)
}

// The legacy grammar is the name module's, shared with the derive.
pub use crate::name::{is_legacy_label_name, is_legacy_metric_name};

/// A name as `scheme` writes it for a scraper: Go's `EscapeMetricFamily`,
/// which leaves a legacy metric name (and a label name that is one) alone and
/// applies Go's `EscapeName` to any other.
///
/// ```
/// use exporter_core::escaping::{escape_name, EscapingScheme};
///
/// let name = "http.server.request.duration";
/// assert_eq!(escape_name(name, EscapingScheme::AllowUtf8), name);
/// assert_eq!(escape_name(name, EscapingScheme::Underscores), "http_server_request_duration");
/// assert_eq!(escape_name(name, EscapingScheme::Dots), "http_dot_server_dot_request_dot_duration");
/// assert_eq!(escape_name(name, EscapingScheme::Values), "U__http_2e_server_2e_request_2e_duration");
/// // Legacy names are never changed.
/// assert_eq!(escape_name("a_b", EscapingScheme::Dots), "a_b");
/// ```
pub fn escape_name(name: &str, scheme: EscapingScheme) -> Cow<'_, str> {
    // Go's `EscapeName` returns an empty name as it is.
    if !scheme.escapes() || name.is_empty() || is_legacy_metric_name(name) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(go_escape_name(name, scheme))
}

/// Go's `model.EscapeName`, for a name that is not a legacy metric name (Go's
/// `EscapeName` itself escapes `_` under `dots` even in legacy names; its
/// callers never pass it one). Go iterates runes with their byte offsets, so
/// "first" means byte offset 0.
fn go_escape_name(name: &str, scheme: EscapingScheme) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    match scheme {
        EscapingScheme::AllowUtf8 => out.push_str(name),
        EscapingScheme::Underscores => {
            for (i, c) in name.char_indices() {
                if c.is_ascii() && is_legacy_char(c as u8, i == 0) {
                    out.push(c);
                } else {
                    out.push('_');
                }
            }
        }
        EscapingScheme::Dots => {
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    '.' => out.push_str("_dot_"),
                    c if c.is_ascii() && is_legacy_char(c as u8, i == 0) => out.push(c),
                    _ => out.push_str("__"),
                }
            }
        }
        EscapingScheme::Values => {
            out.push_str("U__");
            for (i, c) in name.char_indices() {
                match c {
                    '_' => out.push_str("__"),
                    c if c.is_ascii() && is_legacy_char(c as u8, i == 0) => out.push(c),
                    // A Rust `char` is always a valid rune, so Go's `_FFFD_`
                    // case for invalid runes cannot happen here.
                    c => {
                        let _ = write!(out, "_{:x}_", u32::from(c));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names() {
        assert!(is_legacy_metric_name("a:b_c1"));
        assert!(is_legacy_metric_name(":x"));
        assert!(!is_legacy_metric_name("1a"));
        assert!(!is_legacy_metric_name(""));
        assert!(!is_legacy_metric_name("caf\u{e9}"));
        assert!(is_legacy_label_name("_x1"));
        assert!(!is_legacy_label_name("a:b"));
        assert!(!is_legacy_label_name("a.b"));
    }

    /// The cases of Go's `TestEscapeName` (prometheus/common v0.70.1
    /// `model/metric_test.go`), except that a legacy name stays as it is under
    /// `dots` too, as Go's `EscapeMetricFamily` (what encoders call) leaves it.
    #[test]
    fn escapes_as_go_does() {
        use EscapingScheme::{Dots, Underscores, Values};
        let cases: &[(&str, &str, &str, &str)] = &[
            ("", "", "", ""),
            (
                "no:escaping_required",
                "no:escaping_required",
                "no:escaping_required",
                "no:escaping_required",
            ),
            (
                "mysystem.prod.west.cpu.load",
                "mysystem_prod_west_cpu_load",
                "mysystem_dot_prod_dot_west_dot_cpu_dot_load",
                "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load",
            ),
            (
                "mysystem.prod.west.cpu.load_total",
                "mysystem_prod_west_cpu_load_total",
                "mysystem_dot_prod_dot_west_dot_cpu_dot_load__total",
                "U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total",
            ),
            (
                "http.status:sum",
                "http_status:sum",
                "http_dot_status:sum",
                "U__http_2e_status:sum",
            ),
            (
                "label with \u{1f631}",
                "label_with__",
                "label__with____",
                "U__label_20_with_20__1f631_",
            ),
            ("\u{82b1}\u{706b}", "__", "____", "U___82b1__706b_"),
            (
                "label with \u{100}",
                "label_with__",
                "label__with____",
                "U__label_20_with_20__100_",
            ),
        ];
        for &(name, under, dots, values) in cases {
            assert_eq!(escape_name(name, Underscores), under, "{name}");
            assert_eq!(escape_name(name, Dots), dots, "{name}");
            assert_eq!(escape_name(name, Values), values, "{name}");
            assert_eq!(escape_name(name, EscapingScheme::AllowUtf8), name);
        }
        // Go's own `EscapeName` under `dots` doubles the `_` of a legacy name.
        assert_eq!(
            go_escape_name("no:escaping_required", Dots),
            "no:escaping__required"
        );
    }

    #[test]
    fn scheme_names_round_trip() {
        for s in EscapingScheme::ALL {
            assert_eq!(EscapingScheme::from_param(s.as_str()), Some(s));
        }
        assert_eq!(EscapingScheme::from_param("utf-8"), None);
        assert_eq!(EscapingScheme::default(), EscapingScheme::Underscores);
    }
}
