//! Checks across the whole input: names against the Prometheus grammar (the
//! same `name.rs` the runtime uses), help, types, labels, duplicates and
//! collisions, and the promlint naming lints.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::{Ident, LitStr, Type};

use crate::ast::{Field, Input};
use crate::attr::{Kind, Lint, NativeAttrs, Sp};
use crate::ctxt::Ctxt;
use crate::generics;
use crate::name;

/// A field ready for expansion: its validated name, help, type and labels.
pub(crate) struct Metric<'a, 'b> {
    pub(crate) field: &'b Field<'a>,
    pub(crate) fq_name: String,
    pub(crate) help: String,
    /// The type stated in the attribute; `None` means inferred from the field type.
    pub(crate) kind: Option<Sp<Kind>>,
    pub(crate) labels: Labels<'a>,
    /// The key type written out in the field type (`L` of `Vec<(L, V)>`,
    /// `K` of `Family<K, M>`, an info's own type), for the label-count check.
    pub(crate) key: Option<&'a Type>,
    /// The field type mentions a type parameter of the struct.
    pub(crate) generic: bool,
}

/// Where a metric's variable label names come from.
pub(crate) enum Labels<'a> {
    /// `labels(a, b)`, or none at all.
    Listed(Vec<String>),
    /// The field names of a `#[derive(LabelSet)]` key type.
    FromKey(&'a Type),
}

/// The checked input: metric fields and flattened fields, in order.
pub(crate) struct Checked<'a, 'b> {
    pub(crate) metrics: Vec<Metric<'a, 'b>>,
    pub(crate) flattened: Vec<&'b Field<'a>>,
}

pub(crate) fn check<'a, 'b>(cx: &mut Ctxt, input: &'b Input<'a>) -> Checked<'a, 'b> {
    let namespace = input.attrs.namespace.as_ref().map(LitStr::value);
    let subsystem = input.attrs.subsystem.as_ref().map(LitStr::value);
    for (lit, what) in [
        (&input.attrs.namespace, "namespace"),
        (&input.attrs.subsystem, "subsystem"),
    ] {
        if let Some(lit) = lit {
            let v = lit.value();
            if let Err(e) = name::check_metric_name(&v) {
                cx.error_spanned_by(lit, format_args!("{what} `{v}` {e}"));
            }
        }
    }
    let prefix_ok = [&input.attrs.namespace, &input.attrs.subsystem]
        .into_iter()
        .flatten()
        .all(|lit| name::check_metric_name(&lit.value()).is_ok());
    let mut container_labels: Vec<&Ident> = Vec::new();
    for cl in &input.attrs.const_labels {
        check_label(cx, &plain(&cl.name), cl.name.span(), false);
        if container_labels.contains(&&cl.name) {
            cx.error_spanned_by(&cl.name, format_args!("duplicate label `{}`", cl.name));
        }
        container_labels.push(&cl.name);
    }
    let params = generics::type_params(&input.original.generics);

    let mut out = Checked {
        metrics: Vec::new(),
        flattened: Vec::new(),
    };
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for field in &input.fields {
        if field.attrs.malformed {
            continue;
        }
        if let Some(span) = field.attrs.skip {
            if has_metric_keys(field) || field.attrs.flatten.is_some() {
                cx.error_at(
                    span,
                    "`skip` leaves the field out; remove its other metric attributes",
                );
            }
            continue;
        }
        if let Some(span) = field.attrs.flatten {
            if has_metric_keys(field) {
                cx.error_at(
                    span,
                    "`flatten` includes another collector's metrics as they are; remove the other metric attributes",
                );
            }
            out.flattened.push(field);
            continue;
        }
        let metric = check_field(
            cx,
            input,
            field,
            &params,
            namespace.as_deref(),
            subsystem.as_deref(),
            prefix_ok,
        );
        {
            if let Some(prev) = seen.insert(metric.fq_name.clone(), field.ident) {
                cx.error_spanned_by(
                    name_token(field),
                    format_args!(
                        "duplicate metric name `{}`, also used by field `{prev}`; give one a different `name = \"...\"`",
                        metric.fq_name
                    ),
                );
            }
            out.metrics.push(metric);
        }
    }
    check_collisions(cx, &out.metrics);
    out
}

fn has_metric_keys(field: &Field<'_>) -> bool {
    let a = &field.attrs;
    a.kind.is_some()
        || a.name.is_some()
        || a.help.is_some()
        || a.unit.is_some()
        || a.labels.is_some()
        || !a.const_labels.is_empty()
        || a.buckets.is_some()
        || a.objectives.is_some()
        || a.max_age.is_some()
        || a.native.is_some()
        || !a.allow.is_empty()
}

/// The token a name error points at: `name = "..."` if given, else the field.
fn name_token(field: &Field<'_>) -> proc_macro2::TokenStream {
    match &field.attrs.name {
        Some(lit) => quote::ToTokens::to_token_stream(lit),
        None => quote::ToTokens::to_token_stream(field.ident),
    }
}

#[allow(clippy::too_many_lines)] // one rule after another, in attribute order
fn check_field<'a, 'b>(
    cx: &mut Ctxt,
    input: &'b Input<'a>,
    field: &'b Field<'a>,
    params: &[Ident],
    namespace: Option<&str>,
    subsystem: Option<&str>,
    prefix_ok: bool,
) -> Metric<'a, 'b> {
    let attrs = &field.attrs;
    let base = attrs
        .name
        .as_ref()
        .map_or_else(|| field.plain_name(), LitStr::value);
    let fq_name = name::build_fq_name(namespace.unwrap_or(""), subsystem.unwrap_or(""), &base);
    // With an invalid namespace or subsystem (reported once), check the field's own part.
    let checked_name = if prefix_ok { &fq_name } else { &base };
    let utf8_ok = attrs.allows(Lint::Utf8Name);
    let name_ok = match check_name(checked_name, utf8_ok, name::check_metric_name) {
        Ok(()) => true,
        Err(e) => {
            cx.error_spanned_by(
                name_token(field),
                format_args!("metric name `{checked_name}` {e}"),
            );
            false
        }
    };

    let help = match (&attrs.help, &field.doc) {
        (Some(lit), _) => {
            let help = lit.value();
            if name::check_help(&help).is_err() {
                cx.error_spanned_by(lit, "help is empty; say what the metric measures");
            }
            help
        }
        (None, Some(doc)) => doc.clone(),
        (None, None) => {
            cx.error_spanned_by(
                field.ident,
                "missing help: add a doc comment or `help = \"...\"` to `#[metric(...)]`",
            );
            String::new()
        }
    };

    let generic = generics::mentions(field.ty, params);
    let kind = attrs.kind;
    if kind.is_none() && generic {
        cx.error_spanned_by(
            field.ident,
            "missing metric type: the field type depends on a generic parameter, so state it, e.g. `#[metric(gauge)]`",
        );
    }
    if let (Some(k), Some(labels)) = (kind, &attrs.labels) {
        if k.value == Kind::StateSet {
            cx.error_at(
                labels.span,
                "a stateset field is one series of states; remove `labels(...)` (the state label is the metric name)",
            );
        }
    }
    // An info field's own type holds the label values (in an `Option` if it
    // may be absent); elsewhere the key type does.
    let key = if kind.is_some_and(|k| k.value == Kind::Info) {
        Some(generics::option_inner(field.ty).unwrap_or(field.ty))
    } else {
        generics::key_type(field.ty)
    };
    let labels = match &attrs.labels {
        Some(list) => Labels::Listed(list.value.iter().map(|l| l.value.clone()).collect()),
        None => match key {
            Some(key) if generics::key_names_itself(key) => {
                if generic {
                    cx.error_spanned_by(
                        key,
                        "missing `labels(...)`: a generic key type cannot name its labels; add `labels(name, ...)`",
                    );
                }
                Labels::FromKey(key)
            }
            Some(key) => {
                cx.error_spanned_by(
                    key,
                    format_args!(
                        "missing `labels(...)`: this key gives each series of `{}` label values but no label names; add `labels(name, ...)` with one name per value",
                        field.plain_name()
                    ),
                );
                Labels::Listed(Vec::new())
            }
            None => Labels::Listed(Vec::new()),
        },
    };

    // Label names: variable, then the field's const labels, then the
    // container's (checked once, above); `true` marks the field's own.
    let var = attrs
        .labels
        .iter()
        .flat_map(|l| &l.value)
        .map(|l| (l.value.clone(), l.span, true));
    let consts = attrs
        .const_labels
        .iter()
        .map(|c| (plain(&c.name), c.name.span(), true))
        .chain(
            input
                .attrs
                .const_labels
                .iter()
                .map(|c| (plain(&c.name), c.name.span(), false)),
        );
    let reserved = kind.and_then(|k| name::reserved_label(k.value.metric_type()));
    let mut all: Vec<(String, Span)> = Vec::new();
    for (label, span, own) in var.chain(consts) {
        if own {
            check_label(cx, &label, span, utf8_ok);
        }
        if let Some((_, prev)) = all.iter().find(|(l, _)| *l == label) {
            // Point at the field's own label, the one to rename.
            let at = if own { span } else { *prev };
            cx.error_at(
                at,
                format_args!("duplicate label `{label}`; each label name appears once per metric"),
            );
        }
        if own && reserved == Some(label.as_str()) {
            let (what, per) = if label == "le" {
                ("histograms", "bucket")
            } else {
                ("summaries", "quantile")
            };
            cx.error_at(
                span,
                format_args!(
                    "label `{label}` is reserved on {what}; Prometheus adds it to each {per}, rename yours"
                ),
            );
        }
        all.push((label, span));
    }

    let unit_ok = attrs.unit.as_ref().is_none_or(|u| check_unit(cx, u));
    check_instrument_opts(cx, input, field, kind.map(|k| k.value));
    if name_ok && unit_ok {
        lint_name(cx, field, &fq_name, kind.map(|k| k.value));
    }

    Metric {
        field,
        fq_name,
        help,
        kind,
        labels,
        key,
        generic,
    }
}

fn check_unit(cx: &mut Ctxt, unit: &LitStr) -> bool {
    let u = unit.value();
    match name::check_unit(&u) {
        Ok(()) => true,
        Err(e) => {
            cx.error_spanned_by(unit, format_args!("unit `{u}` {e}"));
            false
        }
    }
}

fn check_instrument_opts(cx: &mut Ctxt, input: &Input<'_>, field: &Field<'_>, kind: Option<Kind>) {
    let attrs = &field.attrs;
    if let Some(buckets) = &attrs.buckets {
        if input.attrs.new.is_none() {
            cx.error_at(
                buckets.span,
                "`buckets(...)` configures the histogram built by the generated constructor; add `#[collector(new)]` to the struct",
            );
        }
        if kind.is_some_and(|k| k != Kind::Histogram) {
            cx.error_at(buckets.span, "`buckets(...)` applies to histograms only");
        }
        if buckets.value.is_empty() {
            cx.error_at(
                buckets.span,
                "`buckets(...)` is empty; list the upper bounds, e.g. `buckets(0.1, 0.5, 1)`",
            );
        }
        for pair in buckets.value.windows(2) {
            if pair[1].value.is_nan() || pair[1].value <= pair[0].value {
                cx.error_at(
                    pair[1].span,
                    "bucket bounds must increase strictly; sort them and remove duplicates",
                );
            }
        }
    }
    if let Some(native) = &attrs.native {
        check_native(cx, input, native, kind);
    }
    if let Some(max_age) = &attrs.max_age {
        if input.attrs.new.is_none() {
            cx.error_at(
                max_age.span,
                "`max_age` configures the summary built by the generated constructor; add `#[collector(new)]` to the struct",
            );
        }
        if kind.is_some_and(|k| k != Kind::Summary) {
            cx.error_at(max_age.span, "`max_age` applies to summaries only");
        }
        // `Duration::from_secs_f64` in the generated constructor panics past
        // `Duration::MAX`: reject what it cannot hold here, at compile time.
        if max_age.value <= 0.0 {
            cx.error_at(max_age.span, "`max_age` is the summary window in seconds; give a positive number, e.g. `max_age = 600`");
        } else if std::time::Duration::try_from_secs_f64(max_age.value).is_err() {
            cx.error_at(max_age.span, "`max_age` is too long for a `Duration`; give the window in seconds, e.g. `max_age = 600`");
        }
    }
    if let Some(objectives) = &attrs.objectives {
        if input.attrs.new.is_none() {
            cx.error_at(
                objectives.span,
                "`objectives(...)` configures the summary built by the generated constructor; add `#[collector(new)]` to the struct",
            );
        }
        if kind.is_some_and(|k| k != Kind::Summary) {
            cx.error_at(
                objectives.span,
                "`objectives(...)` applies to summaries only",
            );
        }
        for (q, e) in &objectives.value {
            if !(0.0..=1.0).contains(&q.value) {
                cx.error_at(
                    q.span,
                    "quantile must be between 0 and 1, e.g. `(0.99, 0.001)`",
                );
            }
            if !(0.0..=1.0).contains(&e.value) {
                cx.error_at(
                    e.span,
                    "allowed error must be between 0 and 1, e.g. `(0.99, 0.001)`",
                );
            }
        }
    }
}

/// `native(...)`: what Go's `HistogramOpts` would refuse or ignore, at the
/// option to fix.
fn check_native(cx: &mut Ctxt, input: &Input<'_>, native: &NativeAttrs, kind: Option<Kind>) {
    if input.attrs.new.is_none() {
        cx.error_at(
            native.span,
            "`native(...)` configures the histogram built by the generated constructor; add `#[collector(new)]` to the struct (a snapshot field reports a native histogram it holds as a `NativeHistogramSnapshot`, without `native(...)`)",
        );
    }
    if kind.is_some_and(|k| k != Kind::Histogram) {
        cx.error_at(native.span, "`native(...)` applies to histograms only");
    }
    match &native.factor {
        None => cx.error_at(
            native.span,
            "missing `factor`: a native histogram's buckets grow by at most this factor each; add it, e.g. `native(factor = 1.1)`",
        ),
        // Go's `pickSchema` needs a factor above 1 (1.0027 is the finest schema, 8).
        Some(f) if f.value <= 1.0 => cx.error_at(
            f.span,
            "`factor` must be above 1: each bucket is at most `factor` times wider than the one before, e.g. `native(factor = 1.1)`",
        ),
        Some(_) => {}
    }
    for (value, key) in [
        (&native.zero_threshold, "zero_threshold"),
        (&native.max_zero_threshold, "max_zero_threshold"),
    ] {
        if let Some(v) = value {
            if v.value < 0.0 {
                cx.error_at(
                    v.span,
                    format_args!("`{key}` is the half-width of the zero bucket; give 0 or more, e.g. `{key} = 0.001`"),
                );
            }
        }
    }
    if let Some(max) = &native.max_buckets {
        if max.value == 0 {
            cx.error_at(
                max.span,
                "`max_buckets = 0` sets no limit; remove it, or give the most buckets to keep, e.g. `max_buckets = 160`",
            );
        }
    }
    if let Some(d) = &native.min_reset_duration {
        if d.value.is_zero() {
            cx.error_at(
                d.span,
                "`min_reset_duration` of zero never resets; remove it, or give a duration such as `\"1h\"`",
            );
        }
    }
    // Go applies both only when `max_buckets` limits the buckets.
    if native.max_buckets.is_none() {
        for (span, key) in [
            (
                native.min_reset_duration.map(|d| d.span),
                "min_reset_duration",
            ),
            (
                native.max_zero_threshold.map(|d| d.span),
                "max_zero_threshold",
            ),
        ] {
            if let Some(span) = span {
                cx.error_at(
                    span,
                    format_args!("`{key}` only acts when the bucket count is limited; add `max_buckets`, e.g. `max_buckets = 160`"),
                );
            }
        }
    }
    if let (Some(zero), Some(max)) = (&native.zero_threshold, &native.max_zero_threshold) {
        if max.value < zero.value {
            cx.error_at(
                max.span,
                "`max_zero_threshold` is below `zero_threshold`, so the zero bucket could never widen; raise it or remove it",
            );
        }
    }
}

/// The promlint naming rules of the shared `name` module, each with its
/// `allow(...)` opt-out (but a unit the name does not end in, which
/// OpenMetrics requires).
fn lint_name(cx: &mut Ctxt, field: &Field<'_>, fq_name: &str, kind: Option<Kind>) {
    let attrs = &field.attrs;
    let unit = attrs.unit.as_ref().map(LitStr::value);
    // A type the field type implies is checked by the expansion (`_total`
    // against counters); here, what does not depend on it.
    let t = kind.map_or(name::MetricType::Untyped, Kind::metric_type);
    for finding in name::lint(fq_name, t, unit.as_deref()) {
        let lint = finding.lint;
        let inferred = kind.is_none() && matches!(lint, Lint::CounterTotal | Lint::NonCounterTotal);
        // A UTF-8 name was checked with the grammar (allowed or refused).
        if inferred || lint == Lint::Utf8Name || attrs.allows(lint) {
            continue;
        }
        let from_unit = lint == Lint::UnitSuffix
            || (lint == Lint::BaseUnits && finding.message.starts_with("unit "));
        let message = if lint == Lint::UnitSuffix {
            finding.message
        } else {
            format!("{}, or add `allow({lint})`", finding.message)
        };
        match (&attrs.unit, from_unit) {
            (Some(u), true) => cx.error_spanned_by(u, message),
            _ => cx.error_spanned_by(name_token(field), message),
        }
    }
}

/// Names a metric shares with another of the struct (a histogram's
/// `_bucket`, `_sum`, `_count`, `_created`; a counter's `_total` and
/// `_created`; an info's `_info`), by the shared rules of the `name` module.
/// Fields whose type is inferred are checked when registered.
fn check_collisions(cx: &mut Ctxt, metrics: &[Metric<'_, '_>]) {
    let typed: Vec<(&Metric<'_, '_>, Kind)> = metrics
        .iter()
        .filter_map(|m| m.kind.map(|k| (m, k.value)))
        .collect();
    for (j, &(later, lk)) in typed.iter().enumerate() {
        for &(earlier, ek) in &typed[..j] {
            if earlier.fq_name == later.fq_name {
                continue; // reported as a duplicate
            }
            let Some(shared) = name::shared_name(
                &earlier.fq_name,
                ek.metric_type(),
                &later.fq_name,
                lk.metric_type(),
            ) else {
                continue;
            };
            let (e, l) = (&earlier.fq_name, &later.fq_name);
            let field = earlier.field.plain_name();
            // A counter's series are named from its name without `_total`.
            let stem = match ek {
                Kind::Counter => e.strip_suffix("_total").unwrap_or(e),
                _ => e.as_str(),
            };
            let message = match shared.strip_prefix(stem) {
                Some(suffix) if shared == *l && !suffix.is_empty() => format!(
                    "metric name `{l}` collides with the `{suffix}` series of {} `{e}` (field `{field}`); rename one",
                    ek.keyword()
                ),
                _ => format!(
                    "metric name `{l}` collides with {} `{e}` (field `{field}`): both write a series or family named `{shared}`; rename one",
                    ek.keyword()
                ),
            };
            cx.error_spanned_by(name_token(later.field), message);
        }
    }
}

/// Checks a name against the legacy grammar, or the UTF-8 one when the
/// field allows `utf8_name`; the error says how to fix it.
pub(crate) fn check_name(
    value: &str,
    utf8_ok: bool,
    legacy: fn(&str) -> Result<(), name::NameError>,
) -> Result<(), String> {
    match legacy(value) {
        Ok(()) => Ok(()),
        Err(name::NameError::InvalidChar { .. } | name::NameError::LeadingDigit) if utf8_ok => {
            name::check_utf8_label_name(value).map_err(|e| e.to_string())
        }
        Err(e @ (name::NameError::InvalidChar { .. } | name::NameError::LeadingDigit)) => Err(
            format!("{e} (or, for a Prometheus 3 UTF-8 name, add `allow(utf8_name)`)"),
        ),
        Err(e) => Err(e.to_string()),
    }
}

fn check_label(cx: &mut Ctxt, label: &str, span: Span, utf8_ok: bool) {
    if let Err(e) = check_name(label, utf8_ok, name::check_label_name) {
        cx.error_at(span, format_args!("label name `{label}` {e}"));
    }
}

/// An identifier without its raw `r#` prefix.
pub(crate) fn plain(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#")
        .map_or_else(|| s.clone(), str::to_owned)
}
