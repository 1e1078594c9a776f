//! Raw `#[collector(...)]` and `#[metric(...)]` syntax, parsed into typed
//! structs. Every value keeps its token for error spans; unknown and repeated
//! keys are rejected here, on the offending token.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr};

use crate::ctxt::Ctxt;

/// The metric type keywords of `#[metric(...)]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Untyped,
    Histogram,
    Summary,
    Info,
    StateSet,
}

impl Kind {
    const ALL: [(&'static str, Kind); 7] = [
        ("counter", Kind::Counter),
        ("gauge", Kind::Gauge),
        ("untyped", Kind::Untyped),
        ("histogram", Kind::Histogram),
        ("summary", Kind::Summary),
        ("info", Kind::Info),
        ("stateset", Kind::StateSet),
    ];

    fn from_ident(ident: &Ident) -> Option<Kind> {
        Kind::ALL
            .iter()
            .find(|(kw, _)| ident == kw)
            .map(|&(_, kind)| kind)
    }

    /// The `exporter_core::MetricType` variant name.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Kind::Counter => "Counter",
            Kind::Gauge => "Gauge",
            Kind::Untyped => "Untyped",
            Kind::Histogram => "Histogram",
            Kind::Summary => "Summary",
            Kind::Info => "Info",
            Kind::StateSet => "StateSet",
        }
    }
}

/// A value with the token it came from.
pub(crate) struct Sp<T> {
    pub(crate) value: T,
    #[allow(dead_code)] // for type-inference errors, next
    pub(crate) span: proc_macro2::Span,
}

/// A `k = "v"` pair in `const_labels(...)`.
pub(crate) struct ConstLabel {
    pub(crate) name: Ident,
    pub(crate) value: LitStr,
}

/// `#[collector(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) namespace: Option<LitStr>,
    pub(crate) subsystem: Option<LitStr>,
    pub(crate) const_labels: Vec<ConstLabel>,
    pub(crate) krate: Option<syn::Path>,
}

/// `#[metric(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) kind: Option<Sp<Kind>>,
    pub(crate) name: Option<LitStr>,
    pub(crate) help: Option<LitStr>,
    pub(crate) unit: Option<LitStr>,
    pub(crate) labels: Option<Vec<Ident>>,
    pub(crate) const_labels: Vec<ConstLabel>,
    pub(crate) skip: Option<Ident>,
}

fn set<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.syn_error(meta.error(format_args!(
            "duplicate `{}` attribute",
            path_str(&meta.path)
        )));
    } else {
        *slot = Some(value);
    }
}

fn path_str(path: &syn::Path) -> String {
    path.get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

fn parse_const_labels(meta: &ParseNestedMeta<'_>, out: &mut Vec<ConstLabel>) -> syn::Result<()> {
    meta.parse_nested_meta(|inner| {
        let Some(name) = inner.path.get_ident().cloned() else {
            return Err(inner.error("expected `const_labels(name = \"value\", ...)`"));
        };
        let value: LitStr = inner.value()?.parse()?;
        out.push(ConstLabel { name, value });
        Ok(())
    })
}

/// Parses every `#[collector(...)]` on the container.
pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("collector")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("namespace") {
                let v: LitStr = meta.value()?.parse()?;
                set(cx, &mut out.namespace, v, &meta);
            } else if meta.path.is_ident("subsystem") {
                let v: LitStr = meta.value()?.parse()?;
                set(cx, &mut out.subsystem, v, &meta);
            } else if meta.path.is_ident("const_labels") {
                parse_const_labels(&meta, &mut out.const_labels)?;
            } else if meta.path.is_ident("crate") {
                let v: LitStr = meta.value()?.parse()?;
                let path = v.parse::<syn::Path>()?;
                set(cx, &mut out.krate, path, &meta);
            } else {
                return Err(meta.error(format_args!(
                    "unknown collector attribute `{}`; expected `namespace`, `subsystem`, `const_labels` or `crate`",
                    path_str(&meta.path)
                )));
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Parses every `#[metric(...)]` on a field.
pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("metric")) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident().cloned() else {
                return Err(meta.error("expected a metric attribute name"));
            };
            if let Some(kind) = Kind::from_ident(&ident) {
                let sp = Sp {
                    value: kind,
                    span: ident.span(),
                };
                if out.kind.is_some() {
                    cx.error_spanned_by(&ident, "a metric has one type; remove one of the type keywords");
                } else {
                    out.kind = Some(sp);
                }
            } else if ident == "name" {
                let v: LitStr = meta.value()?.parse()?;
                set(cx, &mut out.name, v, &meta);
            } else if ident == "help" {
                let v: LitStr = meta.value()?.parse()?;
                set(cx, &mut out.help, v, &meta);
            } else if ident == "unit" {
                let v: LitStr = meta.value()?.parse()?;
                set(cx, &mut out.unit, v, &meta);
            } else if ident == "labels" {
                let mut labels = Vec::new();
                meta.parse_nested_meta(|inner| {
                    match inner.path.get_ident() {
                        Some(label) => labels.push(label.clone()),
                        None => return Err(inner.error("expected `labels(name, ...)`")),
                    }
                    Ok(())
                })?;
                set(cx, &mut out.labels, labels, &meta);
            } else if ident == "const_labels" {
                parse_const_labels(&meta, &mut out.const_labels)?;
            } else if ident == "skip" {
                set(cx, &mut out.skip, ident, &meta);
            } else {
                return Err(meta.error(format_args!(
                    "unknown metric attribute `{ident}`; expected a type (`counter`, `gauge`, ...), `name`, `help`, `unit`, `labels`, `const_labels` or `skip`"
                )));
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// The doc comment as help text: one leading space stripped per line, lines
/// joined with a space, blank lines trimmed (as clap does).
pub(crate) fn doc_help(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let line = s.value();
                lines.push(
                    line.strip_prefix(' ')
                        .unwrap_or(&line)
                        .trim_end()
                        .to_owned(),
                );
            }
        }
    }
    let text = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        None
    } else {
        Some(text)
    }
}
