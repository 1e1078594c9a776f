//! Checks across the whole input: names against the Prometheus grammar (the
//! same `name.rs` the runtime uses), help, types, labels, duplicates and
//! collisions, and the promlint naming lints.

use std::collections::HashMap;

use syn::{Ident, LitStr, Type};

use crate::ast::{Field, Input};
use crate::attr::{Kind, Lint, Sp};
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
        check_label(cx, &cl.name);
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
    let name_ok = match name::check_metric_name(checked_name) {
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
    // An info field's own type holds the label values; elsewhere the key type does.
    let key = if kind.is_some_and(|k| k.value == Kind::Info) {
        Some(field.ty)
    } else {
        generics::key_type(field.ty)
    };
    let labels = match &attrs.labels {
        Some(list) => Labels::Listed(list.value.iter().map(plain).collect()),
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

    // Label names: variable, then the field's const labels, then the container's.
    let mut all: Vec<&Ident> = Vec::new();
    let var = attrs.labels.iter().flat_map(|l| &l.value);
    let consts = attrs
        .const_labels
        .iter()
        .chain(&input.attrs.const_labels)
        .map(|c| &c.name);
    let field_const_count = attrs.const_labels.len();
    let var_count = attrs.labels.as_ref().map_or(0, |l| l.value.len());
    for (i, label) in var.chain(consts).enumerate() {
        let from_container = i >= var_count + field_const_count;
        if !from_container {
            check_label(cx, label);
        }
        if all.iter().any(|l| plain(l) == plain(label)) {
            let at = if from_container {
                // Point at the field's own label, the one to rename.
                all.iter()
                    .find(|l| plain(l) == plain(label))
                    .copied()
                    .unwrap_or(label)
            } else {
                label
            };
            cx.error_spanned_by(
                at,
                format_args!(
                    "duplicate label `{}`; each label name appears once per metric",
                    plain(label)
                ),
            );
        }
        let reserved = match kind.map(|k| k.value) {
            Some(Kind::Histogram) => Some("le"),
            Some(Kind::Summary) => Some("quantile"),
            _ => None,
        };
        if !from_container && reserved.is_some_and(|r| plain(label) == r) {
            cx.error_spanned_by(
                label,
                format_args!(
                    "label `{}` is reserved on {}; Prometheus adds it to each {}, rename yours",
                    plain(label),
                    if reserved == Some("le") {
                        "histograms"
                    } else {
                        "summaries"
                    },
                    if reserved == Some("le") {
                        "bucket"
                    } else {
                        "quantile"
                    },
                ),
            );
        }
        all.push(label);
    }

    if let Some(unit) = &attrs.unit {
        check_unit(cx, attrs, unit, &fq_name, kind.map(|k| k.value));
    }
    check_instrument_opts(cx, input, field, kind.map(|k| k.value));
    if name_ok {
        lint_name(cx, field, &fq_name, kind.map(|k| k.value));
    }

    Metric {
        field,
        fq_name,
        help,
        kind,
        labels,
        generic,
    }
}

fn check_unit(
    cx: &mut Ctxt,
    attrs: &crate::attr::FieldAttrs,
    unit: &LitStr,
    fq_name: &str,
    kind: Option<Kind>,
) {
    let u = unit.value();
    if let Err(e) = name::check_unit(&u) {
        cx.error_spanned_by(unit, format_args!("unit `{u}` {e}"));
        return;
    }
    if !attrs.allows(Lint::BaseUnits) {
        if let Some(base) = non_base_unit(&u) {
            cx.error_spanned_by(
                unit,
                format_args!(
                    "unit `{u}` is not a base unit; use `{base}` and scale the value, or add `allow(base_units)`"
                ),
            );
            return;
        }
    }
    let stem = if kind == Some(Kind::Counter) {
        fq_name.strip_suffix("_total").unwrap_or(fq_name)
    } else {
        fq_name
    };
    if !stem.ends_with(&format!("_{u}")) {
        cx.error_spanned_by(
            unit,
            format_args!("metric name `{fq_name}` does not end in its unit; OpenMetrics requires the suffix `_{u}`, rename the metric"),
        );
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

/// The promlint naming rules, each with its `allow(...)` opt-out.
fn lint_name(cx: &mut Ctxt, field: &Field<'_>, fq_name: &str, kind: Option<Kind>) {
    let attrs = &field.attrs;
    let at = name_token(field);
    match kind {
        Some(Kind::Counter)
            if !fq_name.ends_with("_total") && !attrs.allows(Lint::CounterTotal) =>
        {
            cx.error_spanned_by(
                &at,
                format_args!(
                    "counter `{fq_name}` should end in `_total`; rename it `{fq_name}_total`, or add `allow(counter_total)`"
                ),
            );
        }
        Some(k)
            if k != Kind::Counter
                && fq_name.ends_with("_total")
                && !attrs.allows(Lint::NonCounterTotal) =>
        {
            cx.error_spanned_by(
                &at,
                format_args!(
                    "`_total` is for counters, but `{fq_name}` is a {}; drop the suffix, or add `allow(non_counter_total)`",
                    k.keyword()
                ),
            );
        }
        _ => {}
    }
    if !attrs.allows(Lint::TypeInName) {
        for part in fq_name.split('_') {
            if ["counter", "gauge", "histogram", "summary", "untyped"].contains(&part) {
                cx.error_spanned_by(
                    &at,
                    format_args!(
                        "metric name `{fq_name}` contains its type `{part}`; the type is already in `# TYPE`, drop it, or add `allow(type_in_name)`"
                    ),
                );
                break;
            }
        }
    }
    if !attrs.allows(Lint::BaseUnits) {
        for part in fq_name.split('_') {
            if let Some(base) = non_base_unit(part) {
                cx.error_spanned_by(
                    &at,
                    format_args!(
                        "metric name `{fq_name}` uses `{part}`, not a base unit; use `{base}` and scale the value, or add `allow(base_units)`"
                    ),
                );
                break;
            }
        }
    }
}

/// promlint's unit table: for a non-base unit, the base unit to use instead.
fn non_base_unit(word: &str) -> Option<&'static str> {
    const BASE: [&str; 10] = [
        "amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "seconds",
        "volts",
    ];
    const OTHER: [(&str, &str); 14] = [
        ("minutes", "seconds"),
        ("hours", "seconds"),
        ("days", "seconds"),
        ("weeks", "seconds"),
        ("kilograms", "grams"),
        ("fahrenheit", "celsius"),
        ("rankine", "celsius"),
        ("inches", "meters"),
        ("yards", "meters"),
        ("miles", "meters"),
        ("bits", "bytes"),
        ("calories", "joules"),
        ("percent", "ratio"),
        ("percentage", "ratio"),
    ];
    const ABBREVIATIONS: [(&str, &str); 14] = [
        ("sec", "seconds"),
        ("secs", "seconds"),
        ("ms", "seconds"),
        ("msec", "seconds"),
        ("us", "seconds"),
        ("usec", "seconds"),
        ("ns", "seconds"),
        ("nsec", "seconds"),
        ("kb", "bytes"),
        ("mb", "bytes"),
        ("gb", "bytes"),
        ("kib", "bytes"),
        ("mib", "bytes"),
        ("gib", "bytes"),
    ];
    const PREFIXES: [&str; 18] = [
        "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
        "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
    ];
    let word = word.to_ascii_lowercase();
    if let Some(&(_, base)) = OTHER.iter().chain(&ABBREVIATIONS).find(|(w, _)| *w == word) {
        return Some(base);
    }
    for prefix in PREFIXES {
        if let Some(rest) = word.strip_prefix(prefix) {
            if let Some(base) = BASE.iter().find(|b| **b == rest) {
                return Some(base);
            }
        }
    }
    None
}

/// `_count`/`_sum`/`_bucket` (and `_total`) names that a histogram, summary or
/// counter produces, colliding with another metric of the struct.
fn check_collisions(cx: &mut Ctxt, metrics: &[Metric<'_, '_>]) {
    for m in metrics {
        let suffixes: &[&str] = match m.kind.map(|k| k.value) {
            Some(Kind::Histogram) => &["_bucket", "_count", "_sum"],
            Some(Kind::Summary) => &["_count", "_sum"],
            Some(Kind::Counter) if !m.fq_name.ends_with("_total") => &["_total"],
            _ => &[],
        };
        for suffix in suffixes {
            let derived = format!("{}{suffix}", m.fq_name);
            if let Some(other) = metrics.iter().find(|o| o.fq_name == derived) {
                cx.error_spanned_by(
                    name_token(other.field),
                    format_args!(
                        "metric name `{derived}` collides with the `{suffix}` series of {} `{}` (field `{}`); rename one",
                        m.kind.map_or("", |k| k.value.keyword()),
                        m.fq_name,
                        m.field.plain_name()
                    ),
                );
            }
        }
    }
}

fn check_label(cx: &mut Ctxt, label: &Ident) {
    let s = plain(label);
    if let Err(e) = name::check_label_name(&s) {
        cx.error_spanned_by(label, format_args!("label name `{s}` {e}"));
    }
}

/// An identifier without its raw `r#` prefix.
pub(crate) fn plain(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#")
        .map_or_else(|| s.clone(), str::to_owned)
}
