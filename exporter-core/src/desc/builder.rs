//! [`DescBuilder`]: a descriptor's parts, validated by `build` against the
//! Prometheus grammar (UTF-8 names as client_golang 1.24 allows them), and the
//! escaped copies a scrape asks for when the names are not legacy ones.

use std::sync::Arc;

use super::{check_utf8_label_name, check_utf8_metric_name, render, Desc, DescError, DescInner};
use crate::escaping::{self, EscapingScheme};
use crate::name::{self, MetricType};

/// Builds a [`Desc`]; see [`Desc::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct DescBuilder {
    namespace: String,
    subsystem: String,
    name: String,
    help: String,
    metric_type: MetricType,
    unit: Option<String>,
    variable_labels: Vec<String>,
    const_labels: Vec<(String, String)>,
}

impl DescBuilder {
    /// A builder with only a name and type ([`Desc::builder`]).
    pub(super) fn new(name: String, metric_type: MetricType) -> Self {
        DescBuilder {
            namespace: String::new(),
            subsystem: String::new(),
            name,
            help: String::new(),
            metric_type,
            unit: None,
            variable_labels: Vec::new(),
            const_labels: Vec::new(),
        }
    }

    /// Prefix joined to the name with `_`, like Go's `Opts.Namespace`. Default is empty.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Middle part joined to the name with `_`, like Go's `Opts.Subsystem`. Default is empty.
    pub fn subsystem(mut self, subsystem: impl Into<String>) -> Self {
        self.subsystem = subsystem.into();
        self
    }

    /// The help text. Required: an empty help is an error.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// The unit, e.g. `seconds`. Default is none. Name the metric after it
    /// (`request_duration_seconds`): OpenMetrics only shows a unit that is
    /// the suffix of the family name.
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// The variable label names, in the order samples supply their values. Default is none.
    pub fn labels<L, S>(mut self, labels: L) -> Self
    where
        L: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.variable_labels = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a constant label pair. Default is none.
    pub fn const_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.const_labels.push((name.into(), value.into()));
        self
    }

    /// Validates and builds the descriptor.
    ///
    /// # Errors
    ///
    /// [`DescError`] when the name, a label name, the unit or the help breaks
    /// the Prometheus grammar, or a label name appears twice (across const
    /// and variable labels), or a label is reserved for the type (`le` on a
    /// histogram, `quantile` on a summary, the family name on a stateset), or
    /// a stateset's name is not also a valid label name.
    ///
    /// A unit is not required to be the name's suffix here; the OpenMetrics
    /// encoder writes `# UNIT` only for a family whose name ends in `_<unit>`,
    /// as that format requires.
    pub fn build(self) -> Result<Desc, DescError> {
        let DescBuilder {
            namespace,
            subsystem,
            name,
            help,
            metric_type,
            unit,
            variable_labels,
            mut const_labels,
        } = self;
        let name = name::build_fq_name(&namespace, &subsystem, &name);
        check_utf8_metric_name(&name).map_err(|source| DescError::MetricName {
            name: name.clone(),
            source,
        })?;
        name::check_help(&help).map_err(|_| DescError::MissingHelp { name: name.clone() })?;
        if metric_type == MetricType::StateSet {
            // A stateset's samples carry a label named after the family. A
            // legacy metric name is written bare under every scheme, so it
            // must be a legacy label name too (no `:`).
            let check = if escaping::is_legacy_metric_name(&name) {
                name::check_label_name
            } else {
                check_utf8_label_name
            };
            check(&name).map_err(|source| DescError::LabelName {
                label: name.clone(),
                source,
            })?;
        }
        if let Some(unit) = &unit {
            name::check_unit(unit).map_err(|source| DescError::Unit {
                unit: unit.clone(),
                source,
            })?;
        }
        check_labels(&name, metric_type, &const_labels, &variable_labels)?;
        const_labels.sort_by(|a, b| a.0.cmp(&b.0));
        let legacy = escaping::is_legacy_metric_name(&name)
            && const_labels
                .iter()
                .map(|(k, _)| k)
                .chain(&variable_labels)
                .all(|l| escaping::is_legacy_metric_name(l));
        let escaped = (!legacy).then(|| {
            let build = |scheme| {
                let esc = |n: &str| escaping::escape_name(n, scheme).into_owned();
                let mut b = Desc::builder(esc(&name), metric_type)
                    .help(help.clone())
                    .labels(variable_labels.iter().map(|l| esc(l)));
                b.unit.clone_from(&unit);
                for (k, v) in &const_labels {
                    b = b.const_label(esc(k), v.clone());
                }
                b.build()
            };
            Box::new([
                build(EscapingScheme::Underscores),
                build(EscapingScheme::Dots),
                build(EscapingScheme::Values),
            ])
        });
        let rendered = render(&name, &help, &const_labels, &variable_labels);
        Ok(Desc {
            inner: Arc::new(DescInner {
                name,
                help,
                metric_type,
                unit,
                variable_labels,
                const_labels,
                rendered,
                escaped,
                error: None,
            }),
        })
    }
}

/// Every label name valid, none twice (const and variable labels together),
/// none the type reserves for its own samples.
fn check_labels(
    name: &str,
    metric_type: MetricType,
    const_labels: &[(String, String)],
    variable_labels: &[String],
) -> Result<(), DescError> {
    let all_labels = const_labels
        .iter()
        .map(|(k, _)| k)
        .chain(variable_labels.iter());
    let mut seen: Vec<&str> = Vec::new();
    for label in all_labels {
        check_utf8_label_name(label).map_err(|source| DescError::LabelName {
            label: label.clone(),
            source,
        })?;
        if seen.contains(&label.as_str()) {
            return Err(DescError::DuplicateLabel {
                label: label.clone(),
            });
        }
        let reserved = match metric_type {
            MetricType::Histogram => Some("le"),
            MetricType::Summary => Some("quantile"),
            MetricType::StateSet => Some(name),
            _ => None,
        };
        if reserved == Some(label.as_str()) {
            return Err(DescError::ReservedLabel {
                label: label.clone(),
                metric_type,
            });
        }
        seen.push(label);
    }
    Ok(())
}
