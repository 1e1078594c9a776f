//! The Prometheus grammar for metric names, label names and help text.
//!
//! This one file is compiled into both `exporter-core` (run-time checks in
//! [`Desc`](crate::Desc) construction) and `exporter-derive` (compile-time checks
//! of `#[metric(...)]` attributes), through a symlink, so the two can never
//! disagree about what a valid name is. It must stay free of dependencies.

use core::fmt;

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
    fn messages_show_the_fix() {
        let err = check_metric_name("http-requests").unwrap_err();
        assert_eq!(err.to_string(), "contains `-`; use only [a-zA-Z0-9_:]");
    }
}
