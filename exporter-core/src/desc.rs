//! Metric descriptors: the static part of a metric family.
//!
//! A [`Desc`] is what Go's `prometheus.NewDesc` returns: the fully-qualified
//! name, help, value type, variable label names and constant label pairs of one
//! family. It is validated once, when built, and carries the pieces of the
//! exposition it will always print (escaped help, rendered const labels) so a
//! scrape only writes the values.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::escape;
use crate::escaping::{self, EscapingScheme};
use crate::name::NameError;

mod builder;

pub use self::builder::DescBuilder;
pub use crate::name::MetricType;

/// The descriptor of one metric family.
///
/// # Example
///
/// ```
/// use exporter_core::{Desc, MetricType};
///
/// let desc = Desc::builder("requests_total", MetricType::Counter)
///     .namespace("http")
///     .help("Requests served.")
///     .labels(["code"])
///     .const_label("server", "a")
///     .build()
///     .unwrap();
/// assert_eq!(desc.name(), "http_requests_total");
/// assert_eq!(desc.variable_labels(), ["code"]);
/// ```
///
/// Cloning is cheap (a reference count): the encoder keeps a copy of every
/// family's descriptor for the length of a scrape.
#[derive(Clone)]
pub struct Desc {
    inner: Arc<DescInner>,
}

struct DescInner {
    name: String,
    help: String,
    metric_type: MetricType,
    unit: Option<String>,
    variable_labels: Vec<String>,
    const_labels: Vec<(String, String)>,
    rendered: Rendered,
    /// For a descriptor with a name or label name that is not a legacy one:
    /// the descriptor as `underscores`, `dots` and `values` write it (built
    /// once; an error when escaping makes two label names one).
    escaped: Option<Box<[Result<Desc, DescError>; 3]>>,
    /// Why this descriptor could not be built ([`Desc::invalid`]).
    error: Option<Box<DescError>>,
}

/// Pre-rendered bytes, computed once in [`Desc`] construction (the headers
/// at the first scrape that writes the family).
#[derive(Default)]
pub(crate) struct Rendered {
    /// Help with `\` and newline escaped, for the text format (OpenMetrics
    /// also escapes `"`; its header escapes the raw help once per scrape).
    pub(crate) help: Box<str>,
    /// `k1="v1",k2="v2"` for the const labels, values escaped, no braces.
    pub(crate) const_labels: Box<str>,
    /// The start of a counter, gauge or untyped sample line in the text
    /// format, up to the first label value: `name{k1="v1",first="` with const
    /// and variable labels, `name{first="` or `name{k1="v1"` with only one
    /// kind, or just `name` with no labels. One copy per series instead of four.
    pub(crate) head: Box<str>,
    /// `,name="` for each variable label, in order; the comma is skipped
    /// before the first pair of a series.
    pub(crate) label_starts: Box<[Box<str>]>,
    /// For a name that is not a legacy metric name: `"name"`, quoted and
    /// escaped, as `# HELP`/`# TYPE` and the quoted sample syntax
    /// (`{"name",...}`) write it under `allow-utf-8`. The `head` then starts
    /// with `{` and this.
    pub(crate) quoted_name: Option<Box<str>>,
    /// [`crate::hash::name_hash`] of the name: a scrape looks a family up by
    /// it in several tables.
    pub(crate) name_hash: u64,
    /// The family's header lines in each [`HeaderFormat`] (see [`Desc::header`]).
    headers: [OnceLock<Box<[u8]>>; 2],
}

/// A text format whose family header a descriptor keeps (see [`Desc::header`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum HeaderFormat {
    /// The Prometheus text format.
    Text = 0,
    /// OpenMetrics text.
    OpenMetrics = 1,
}

impl Desc {
    /// Starts a descriptor for the family `name` of type `metric_type`.
    pub fn builder(name: impl Into<String>, metric_type: MetricType) -> DescBuilder {
        DescBuilder::new(name.into(), metric_type)
    }

    /// A descriptor that stands for one that could not be built, and says
    /// why: Go's `prometheus.NewInvalidDesc`. A collector that lists it in
    /// [`describe`](crate::Collector::describe) is refused at registration
    /// with this error (instead of registering as an unchecked collector
    /// that describes nothing), and writing its family fails with it. Its
    /// name, help and labels are empty.
    ///
    /// ```
    /// use exporter_core::{Desc, MetricType};
    ///
    /// let error = Desc::builder("no help", MetricType::Gauge).build().unwrap_err();
    /// let desc = Desc::invalid(error.clone());
    /// assert_eq!(desc.error(), Some(&error));
    /// ```
    pub fn invalid(error: DescError) -> Desc {
        Desc {
            inner: Arc::new(DescInner {
                name: String::new(),
                help: String::new(),
                metric_type: MetricType::Untyped,
                unit: None,
                variable_labels: Vec::new(),
                const_labels: Vec::new(),
                rendered: Rendered::default(),
                escaped: None,
                error: Some(Box::new(error)),
            }),
        }
    }

    /// Why this descriptor is [invalid](Self::invalid), if it is.
    pub fn error(&self) -> Option<&DescError> {
        self.inner.error.as_deref()
    }

    /// Shorthand for a descriptor with only a name, help and variable labels.
    ///
    /// # Errors
    ///
    /// The same as [`DescBuilder::build`].
    pub fn new<L, S>(
        name: impl Into<String>,
        help: impl Into<String>,
        metric_type: MetricType,
        labels: L,
    ) -> Result<Desc, DescError>
    where
        L: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Desc::builder(name, metric_type)
            .help(help)
            .labels(labels)
            .build()
    }

    /// The fully-qualified family name, e.g. `http_requests_total`.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The help text, unescaped.
    pub fn help(&self) -> &str {
        &self.inner.help
    }

    /// The value type.
    pub fn metric_type(&self) -> MetricType {
        self.inner.metric_type
    }

    /// The unit, printed on an OpenMetrics `# UNIT` line when the family name
    /// ends in `_<unit>` (OpenMetrics requires it), and sent in protobuf.
    pub fn unit(&self) -> Option<&str> {
        self.inner.unit.as_deref()
    }

    /// The names of the labels whose values each sample supplies, in order.
    pub fn variable_labels(&self) -> &[String] {
        &self.inner.variable_labels
    }

    /// The constant label pairs, sorted by name.
    pub fn const_labels(&self) -> &[(String, String)] {
        &self.inner.const_labels
    }

    pub(crate) fn rendered(&self) -> &Rendered {
        &self.inner.rendered
    }

    /// [`crate::hash::name_hash`] of the name.
    pub(crate) fn name_hash(&self) -> u64 {
        self.inner.rendered.name_hash
    }

    /// The family's header lines in `format` (`# HELP`, `# TYPE`, and
    /// `# UNIT` in OpenMetrics): written by `render` at the first call for
    /// each format, then kept, so that a scrape copies them in one piece
    /// instead of escaping the help and putting the lines together again.
    pub(crate) fn header(&self, format: HeaderFormat, render: impl FnOnce(&mut Vec<u8>)) -> &[u8] {
        self.inner.rendered.headers[format as usize].get_or_init(|| {
            let mut out = Vec::new();
            render(&mut out);
            out.into_boxed_slice()
        })
    }

    /// Whether the name and every label name are legacy names
    /// (`[a-zA-Z_:][a-zA-Z0-9_:]*`), which every escaping scheme writes as
    /// they are. (Label names are tested with the metric-name rule, as Go's
    /// `EscapeMetricFamily` does.)
    pub fn is_legacy(&self) -> bool {
        self.inner.escaped.is_none()
    }

    /// The descriptor as `scheme` writes it: this one for a legacy
    /// descriptor or under `allow-utf-8`, else a copy with names escaped
    /// (built once, when this one was).
    ///
    /// ```
    /// use exporter_core::{Desc, MetricType};
    /// use exporter_core::escaping::EscapingScheme;
    ///
    /// let d = Desc::new("http.server.duration", "Time.", MetricType::Histogram, ["http.method"])?;
    /// assert!(!d.is_legacy());
    /// let e = d.for_escaping(EscapingScheme::Underscores)?;
    /// assert_eq!(e.name(), "http_server_duration");
    /// assert_eq!(e.variable_labels(), ["http_method"]);
    /// assert_eq!(d.for_escaping(EscapingScheme::AllowUtf8)?.name(), "http.server.duration");
    /// # Ok::<(), exporter_core::DescError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DescError::DuplicateLabel`] when escaping makes two label names one
    /// (`a.b` and `a_b` both `a_b`).
    pub fn for_escaping(&self, scheme: EscapingScheme) -> Result<&Desc, DescError> {
        let Some(escaped) = &self.inner.escaped else {
            return Ok(self);
        };
        let i = match scheme {
            EscapingScheme::AllowUtf8 => return Ok(self),
            EscapingScheme::Underscores => 0,
            EscapingScheme::Dots => 1,
            EscapingScheme::Values => 2,
        };
        escaped[i].as_ref().map_err(Clone::clone)
    }

    /// Returns a copy with `prefix` before the name and `labels` added to the
    /// const labels, for [`WrappingRegistry`](crate::registry::WrappingRegistry)-style wrappers.
    ///
    /// # Errors
    ///
    /// The same as [`DescBuilder::build`].
    pub fn wrapped(&self, prefix: &str, labels: &[(String, String)]) -> Result<Desc, DescError> {
        if let Some(e) = self.error() {
            return Err(e.clone());
        }
        let mut b = Desc::builder(
            format!("{prefix}{}", self.inner.name),
            self.inner.metric_type,
        )
        .help(self.inner.help.clone())
        .labels(self.inner.variable_labels.iter().cloned());
        if let Some(unit) = &self.inner.unit {
            b = b.unit(unit.clone());
        }
        for (k, v) in self.inner.const_labels.iter().chain(labels) {
            b = b.const_label(k.clone(), v.clone());
        }
        b.build()
    }
}

impl fmt::Debug for Desc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Desc");
        // An invalid descriptor has no name: its error says what it stands for.
        if let Some(error) = &self.inner.error {
            d.field("error", error);
        }
        d.field("name", &self.inner.name)
            .field("help", &self.inner.help)
            .field("metric_type", &self.inner.metric_type)
            .field("unit", &self.inner.unit)
            .field("variable_labels", &self.inner.variable_labels)
            .field("const_labels", &self.inner.const_labels)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Desc {
    fn eq(&self, other: &Self) -> bool {
        self.inner.name == other.inner.name
            && self.inner.help == other.inner.help
            && self.inner.metric_type == other.inner.metric_type
            && self.inner.unit == other.inner.unit
            && self.inner.variable_labels == other.inner.variable_labels
            && self.inner.const_labels == other.inner.const_labels
            && self.inner.error == other.inner.error
    }
}

impl Eq for Desc {}

/// A metric name as client_golang 1.24 validates it (UTF-8 validation):
/// any non-empty string. A Rust string is always valid UTF-8.
fn check_utf8_metric_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        Err(NameError::Empty)
    } else {
        Ok(())
    }
}

/// A label name as client_golang 1.24 validates it: any non-empty string
/// that does not start with `__`, which Prometheus reserves.
fn check_utf8_label_name(name: &str) -> Result<(), NameError> {
    check_utf8_metric_name(name)?;
    if name.starts_with("__") {
        Err(NameError::Reserved)
    } else {
        Ok(())
    }
}

fn render(
    name: &str,
    help: &str,
    const_labels: &[(String, String)],
    variable_labels: &[String],
) -> Rendered {
    let mut help_out = Vec::with_capacity(help.len());
    escape::help_into(&mut help_out, help);
    let mut labels = Vec::new();
    for (i, (k, v)) in const_labels.iter().enumerate() {
        if i > 0 {
            labels.push(b',');
        }
        labels.extend_from_slice(quote_label_name(k).as_bytes());
        labels.extend_from_slice(b"=\"");
        escape::label_value_into(&mut labels, v);
        labels.push(b'"');
    }
    // Escaping only inserts ASCII before ASCII characters, so the bytes stay UTF-8.
    let const_labels = String::from_utf8_lossy(&labels);
    let quoted_name = (!escaping::is_legacy_metric_name(name)).then(|| quote(name));
    let first = variable_labels.first().map(|l| quote_label_name(l));
    let head = match (&quoted_name, const_labels.is_empty(), first) {
        (None, true, None) => name.to_owned(),
        (None, false, None) => format!("{name}{{{const_labels}"),
        (None, true, Some(first)) => format!("{name}{{{first}=\""),
        (None, false, Some(first)) => format!("{name}{{{const_labels},{first}=\""),
        // The quoted syntax: the name is the first thing inside the braces.
        (Some(q), true, None) => format!("{{{q}"),
        (Some(q), false, None) => format!("{{{q},{const_labels}"),
        (Some(q), true, Some(first)) => format!("{{{q},{first}=\""),
        (Some(q), false, Some(first)) => format!("{{{q},{const_labels},{first}=\""),
    };
    Rendered {
        help: String::from_utf8_lossy(&help_out).into(),
        head: head.into(),
        const_labels: const_labels.into(),
        label_starts: variable_labels
            .iter()
            .map(|label| format!(",{}=\"", quote_label_name(label)).into_boxed_str())
            .collect(),
        quoted_name: quoted_name.map(String::into_boxed_str),
        name_hash: crate::hash::name_hash(name),
        headers: Default::default(),
    }
}

/// `"name"`, with `\`, newline and `"` escaped: Go's `writeName` for a name
/// that is not a legacy one.
pub(crate) fn quote(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len() + 2);
    out.push(b'"');
    escape::label_value_into(&mut out, name);
    out.push(b'"');
    // Escaping only inserts ASCII before ASCII characters, so the bytes stay UTF-8.
    String::from_utf8_lossy(&out).into_owned()
}

/// A label name as Go's text encoders write it: bare when it is a legacy
/// metric name (Go tests label names with the metric-name rule), else quoted.
fn quote_label_name(label: &str) -> std::borrow::Cow<'_, str> {
    if escaping::is_legacy_metric_name(label) {
        std::borrow::Cow::Borrowed(label)
    } else {
        std::borrow::Cow::Owned(quote(label))
    }
}

/// A descriptor that breaks the Prometheus grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescError {
    /// The fully-qualified metric name is invalid.
    #[error("metric name `{name}` {source}")]
    MetricName {
        /// The name as built from namespace, subsystem and name.
        name: String,
        /// The rule it breaks.
        source: NameError,
    },
    /// A label name (const or variable) is invalid.
    #[error("label name `{label}` {source}")]
    LabelName {
        /// The label name.
        label: String,
        /// The rule it breaks.
        source: NameError,
    },
    /// The unit is invalid.
    #[error("unit `{unit}` {source}")]
    Unit {
        /// The unit.
        unit: String,
        /// The rule it breaks.
        source: NameError,
    },
    /// The help text is empty.
    #[error("metric `{name}` has no help text")]
    MissingHelp {
        /// The metric name.
        name: String,
    },
    /// A label name appears twice across const and variable labels.
    #[error("label `{label}` appears twice")]
    DuplicateLabel {
        /// The label name.
        label: String,
    },
    /// A label name the type reserves for its own samples: `le` on a histogram,
    /// `quantile` on a summary, the family name on a stateset.
    #[error("label `{label}` is reserved on {metric_type} metrics")]
    ReservedLabel {
        /// The label name.
        label: String,
        /// The metric type that reserves it.
        metric_type: MetricType,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauge(name: &str) -> DescBuilder {
        Desc::builder(name, MetricType::Gauge).help("h")
    }

    #[test]
    fn builds_fq_name_and_sorts_const_labels() {
        let d = gauge("up")
            .namespace("ns")
            .subsystem("sub")
            .const_label("z", "1")
            .const_label("a", "2")
            .build()
            .unwrap();
        assert_eq!(d.name(), "ns_sub_up");
        assert_eq!(d.const_labels()[0].0, "a");
        assert_eq!(&*d.rendered().const_labels, "a=\"2\",z=\"1\"");
        assert_eq!(&*d.rendered().head, "ns_sub_up{a=\"2\",z=\"1\"");
        let both = gauge("up")
            .const_label("a", "2")
            .labels(["b"])
            .build()
            .unwrap();
        assert_eq!(&*both.rendered().head, "up{a=\"2\",b=\"");
    }

    #[test]
    fn renders_line_heads_and_label_starts() {
        let plain = gauge("up").build().unwrap();
        assert_eq!(&*plain.rendered().head, "up");
        assert!(plain.rendered().label_starts.is_empty());
        let labelled = gauge("up").labels(["job", "zone"]).build().unwrap();
        assert_eq!(&*labelled.rendered().head, "up{job=\"");
        let starts: Vec<&str> = labelled
            .rendered()
            .label_starts
            .iter()
            .map(|s| &**s)
            .collect();
        assert_eq!(starts, [",job=\"", ",zone=\""]);
    }

    #[test]
    fn utf8_names_render_in_the_quoted_syntax_and_escape_once() {
        let d = gauge("http.server.duration")
            .const_label("k", "v")
            .labels(["http.method", "code"])
            .build()
            .unwrap();
        assert!(!d.is_legacy());
        let r = d.rendered();
        assert_eq!(
            &*r.head,
            "{\"http.server.duration\",k=\"v\",\"http.method\"=\""
        );
        assert_eq!(&*r.label_starts[1], ",code=\"");
        assert_eq!(r.quoted_name.as_deref(), Some("\"http.server.duration\""));
        let dots = d.for_escaping(EscapingScheme::Dots).unwrap();
        assert_eq!(dots.name(), "http_dot_server_dot_duration");
        assert!(dots.is_legacy());
        assert_eq!(
            &*dots.rendered().head,
            "http_dot_server_dot_duration{k=\"v\",http_dot_method=\""
        );
        // Escaping that makes two labels one is an error for that scheme only.
        let clash = gauge("x").labels(["a.b", "a_b"]).build().unwrap();
        assert!(matches!(
            clash.for_escaping(EscapingScheme::Underscores),
            Err(DescError::DuplicateLabel { .. })
        ));
        assert!(clash.for_escaping(EscapingScheme::Dots).is_ok());
        assert!(clash.for_escaping(EscapingScheme::AllowUtf8).is_ok());
        // Legacy descriptors are their own escaped form.
        let legacy = gauge("up").build().unwrap();
        assert!(legacy.is_legacy());
        assert!(std::ptr::eq(
            legacy.for_escaping(EscapingScheme::Values).unwrap(),
            std::ptr::from_ref(&legacy)
        ));
    }

    #[test]
    fn rejects_bad_input() {
        // Any non-empty UTF-8 is a name now (client_golang 1.24); `__` label
        // prefixes and the reserved labels are still refused.
        assert!(gauge("a-b").build().is_ok());
        assert!(matches!(
            gauge("x").labels([""]).build(),
            Err(DescError::LabelName { .. })
        ));
        // Go's `BuildFQName` gives "" for an empty name: a namespace alone is no name.
        assert!(matches!(
            gauge("").namespace("ns").build(),
            Err(DescError::MetricName {
                source: NameError::Empty,
                ..
            })
        ));
        assert!(matches!(
            Desc::builder("x", MetricType::Gauge).build(),
            Err(DescError::MissingHelp { .. })
        ));
        assert!(matches!(
            gauge("x").labels(["a", "a"]).build(),
            Err(DescError::DuplicateLabel { .. })
        ));
        assert!(matches!(
            gauge("x").const_label("a", "v").labels(["a"]).build(),
            Err(DescError::DuplicateLabel { .. })
        ));
        assert!(matches!(
            gauge("x").labels(["__a"]).build(),
            Err(DescError::LabelName { .. })
        ));
        assert!(matches!(
            Desc::builder("h", MetricType::Histogram)
                .help("h")
                .labels(["le"])
                .build(),
            Err(DescError::ReservedLabel { .. })
        ));
        assert!(matches!(
            Desc::builder("s", MetricType::Summary)
                .help("h")
                .const_label("quantile", "x")
                .build(),
            Err(DescError::ReservedLabel { .. })
        ));
        assert!(matches!(
            gauge("x").unit("a b").build(),
            Err(DescError::Unit { .. })
        ));
        assert!(matches!(
            Desc::builder("door:state", MetricType::StateSet)
                .help("h")
                .build(),
            Err(DescError::LabelName { .. })
        ));
    }

    #[test]
    fn escapes_help_and_const_values_once() {
        let d = Desc::builder("x", MetricType::Gauge)
            .help("a\\b\nc")
            .const_label("k", "q\"\\\n")
            .build()
            .unwrap();
        assert_eq!(&*d.rendered().help, "a\\\\b\\nc");
        assert_eq!(&*d.rendered().const_labels, "k=\"q\\\"\\\\\\n\"");
    }
}
