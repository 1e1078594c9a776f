//! Checks across the whole input: names against the Prometheus grammar (the
//! same `name.rs` the runtime uses), help, types and duplicates.

use std::collections::HashMap;

use crate::ast::{Field, Input};
use crate::attr::Kind;
use crate::ctxt::Ctxt;
use crate::name;

/// A field ready for expansion: its validated name, help and type.
pub(crate) struct Metric<'a, 'b> {
    pub(crate) field: &'b Field<'a>,
    pub(crate) fq_name: String,
    pub(crate) help: String,
    pub(crate) kind: Kind,
}

#[allow(clippy::too_many_lines)] // one pass over the fields, split up next
pub(crate) fn check<'a, 'b>(cx: &mut Ctxt, input: &'b Input<'a>) -> Vec<Metric<'a, 'b>> {
    let namespace = input.attrs.namespace.as_ref().map(syn::LitStr::value);
    let subsystem = input.attrs.subsystem.as_ref().map(syn::LitStr::value);
    for (lit, what) in [
        (&input.attrs.namespace, "namespace"),
        (&input.attrs.subsystem, "subsystem"),
    ] {
        if let Some(lit) = lit {
            let v = lit.value();
            if !v.is_empty() {
                if let Err(e) = name::check_metric_name(&v) {
                    cx.error_spanned_by(lit, format_args!("{what} `{v}` {e}"));
                }
            }
        }
    }
    for cl in &input.attrs.const_labels {
        check_label(cx, &cl.name);
    }

    let mut metrics = Vec::new();
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for field in &input.fields {
        if field.attrs.skip.is_some() {
            continue;
        }
        let base = field
            .attrs
            .name
            .as_ref()
            .map_or_else(|| field.plain_name(), syn::LitStr::value);
        let fq_name = name::build_fq_name(
            namespace.as_deref().unwrap_or(""),
            subsystem.as_deref().unwrap_or(""),
            &base,
        );
        if let Err(e) = name::check_metric_name(&fq_name) {
            match &field.attrs.name {
                Some(lit) => cx.error_spanned_by(lit, format_args!("metric name `{fq_name}` {e}")),
                None => {
                    cx.error_spanned_by(field.ident, format_args!("metric name `{fq_name}` {e}"));
                }
            }
        }
        let help = match (&field.attrs.help, &field.doc) {
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
                    "missing help: add a doc comment or `#[metric(help = \"...\")]`",
                );
                String::new()
            }
        };
        let Some(kind) = field.attrs.kind.as_ref().map(|k| k.value) else {
            cx.error_spanned_by(
                field.ident,
                "missing metric type: add one of `#[metric(counter)]`, `#[metric(gauge)]`, `#[metric(untyped)]`, `#[metric(histogram)]`, `#[metric(summary)]`, `#[metric(info)]`, `#[metric(stateset)]`",
            );
            continue;
        };
        let mut labels: Vec<&syn::Ident> = Vec::new();
        let var = field.attrs.labels.iter().flatten();
        let consts = field
            .attrs
            .const_labels
            .iter()
            .chain(&input.attrs.const_labels)
            .map(|c| &c.name);
        for label in var.chain(consts) {
            check_label(cx, label);
            if labels.contains(&label) {
                cx.error_spanned_by(label, format_args!("duplicate label `{label}`"));
            }
            let reserved = match kind {
                Kind::Histogram => Some("le"),
                Kind::Summary => Some("quantile"),
                _ => None,
            };
            if reserved.is_some_and(|r| label == r) {
                cx.error_spanned_by(
                    label,
                    format_args!(
                        "label `{label}` is reserved on {}s",
                        kind.variant().to_lowercase()
                    ),
                );
            }
            labels.push(label);
        }
        if let Some(prev) = seen.insert(fq_name.clone(), field.ident) {
            cx.error_spanned_by(
                field.ident,
                format_args!("duplicate metric name `{fq_name}`, also used by field `{prev}`; give one a different `name = \"...\"`"),
            );
        }
        if let Some(unit) = &field.attrs.unit {
            if let Err(e) = name::check_unit(&unit.value()) {
                cx.error_spanned_by(unit, format_args!("unit `{}` {e}", unit.value()));
            }
        }
        metrics.push(Metric {
            field,
            fq_name,
            help,
            kind,
        });
    }
    metrics
}

fn check_label(cx: &mut Ctxt, label: &syn::Ident) {
    let s = label.to_string();
    let s = s.strip_prefix("r#").unwrap_or(&s);
    if let Err(e) = name::check_label_name(s) {
        cx.error_spanned_by(label, format_args!("label name `{s}` {e}"));
    }
}
