//! Raw `#[collector(...)]` and `#[metric(...)]` syntax, parsed into typed
//! structs. Every keyword is named once, in an enum; every value keeps its
//! token for error spans; unknown and repeated keys are rejected here, on the
//! offending token.

use std::time::Duration;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::go_duration::parse_go_duration;
pub(crate) use crate::name::Lint;

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
    /// The shared name rules' metric type.
    pub(crate) fn metric_type(self) -> crate::name::MetricType {
        use crate::name::MetricType as T;
        match self {
            Kind::Counter => T::Counter,
            Kind::Gauge => T::Gauge,
            Kind::Untyped => T::Untyped,
            Kind::Histogram => T::Histogram,
            Kind::Summary => T::Summary,
            Kind::Info => T::Info,
            Kind::StateSet => T::StateSet,
        }
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

    /// The keyword, as written in `#[metric(...)]`.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Untyped => "untyped",
            Kind::Histogram => "histogram",
            Kind::Summary => "summary",
            Kind::Info => "info",
            Kind::StateSet => "stateset",
        }
    }
}

/// Every key of `#[collector(...)]`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ContainerKey {
    Namespace,
    Subsystem,
    ConstLabels,
    Crate,
    New,
}

impl ContainerKey {
    const ALL: [(&'static str, ContainerKey); 5] = [
        ("namespace", ContainerKey::Namespace),
        ("subsystem", ContainerKey::Subsystem),
        ("const_labels", ContainerKey::ConstLabels),
        ("crate", ContainerKey::Crate),
        ("new", ContainerKey::New),
    ];
}

/// Every key of `#[metric(...)]`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldKey {
    Type(Kind),
    Name,
    Help,
    Unit,
    Labels,
    ConstLabels,
    Buckets,
    Objectives,
    MaxAge,
    Native,
    Flatten,
    Skip,
    Allow,
}

impl FieldKey {
    const ALL: [(&'static str, FieldKey); 19] = [
        ("counter", FieldKey::Type(Kind::Counter)),
        ("gauge", FieldKey::Type(Kind::Gauge)),
        ("untyped", FieldKey::Type(Kind::Untyped)),
        ("histogram", FieldKey::Type(Kind::Histogram)),
        ("summary", FieldKey::Type(Kind::Summary)),
        ("info", FieldKey::Type(Kind::Info)),
        ("stateset", FieldKey::Type(Kind::StateSet)),
        ("name", FieldKey::Name),
        ("help", FieldKey::Help),
        ("unit", FieldKey::Unit),
        ("labels", FieldKey::Labels),
        ("const_labels", FieldKey::ConstLabels),
        ("buckets", FieldKey::Buckets),
        ("objectives", FieldKey::Objectives),
        ("max_age", FieldKey::MaxAge),
        ("native", FieldKey::Native),
        ("flatten", FieldKey::Flatten),
        ("skip", FieldKey::Skip),
        ("allow", FieldKey::Allow),
    ];
}

/// Every key of `native(...)`: Go's `HistogramOpts` `NativeHistogram*`
/// fields, named as the `HistogramBuilder` setters they map to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NativeKey {
    Factor,
    ZeroThreshold,
    MaxBuckets,
    MinResetDuration,
    MaxZeroThreshold,
    MaxExemplars,
}

impl NativeKey {
    const ALL: [(&'static str, NativeKey); 6] = [
        ("factor", NativeKey::Factor),
        ("zero_threshold", NativeKey::ZeroThreshold),
        ("max_buckets", NativeKey::MaxBuckets),
        ("min_reset_duration", NativeKey::MinResetDuration),
        ("max_zero_threshold", NativeKey::MaxZeroThreshold),
        ("max_exemplars", NativeKey::MaxExemplars),
    ];
}

/// The lints a field can opt out of with `allow(...)`: every lint of the
/// shared rules but `unit_suffix`, which OpenMetrics requires.
const ALLOWABLE_LINTS: [(&str, Lint); 5] = [
    ("counter_total", Lint::CounterTotal),
    ("non_counter_total", Lint::NonCounterTotal),
    ("base_units", Lint::BaseUnits),
    ("type_in_name", Lint::TypeInName),
    ("utf8_name", Lint::Utf8Name),
];

/// The known keyword closest to `word`, if it is close enough to be a typo
/// (at most a third of its letters wrong, or one for short words).
pub(crate) fn did_you_mean<'k>(
    word: &str,
    known: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    let limit = (word.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|k| (edit_distance(word, k), k))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Levenshtein distance, counting a swap of two neighbours as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// ` did you mean `x`?` for an unknown keyword close to a known one.
fn suggestion<K>(path: &syn::Path, table: &[(&'static str, K)]) -> String {
    path.get_ident()
        .and_then(|i| did_you_mean(&i.to_string(), table.iter().map(|(k, _)| *k)))
        .map_or_else(String::new, |k| format!("did you mean `{k}`? "))
}

fn lookup<K: Copy>(table: &[(&'static str, K)], path: &syn::Path) -> Option<K> {
    let ident = path.get_ident()?;
    table
        .iter()
        .find(|(kw, _)| ident == kw)
        .map(|&(_, key)| key)
}

/// A value with the span of the token it came from.
#[derive(Clone, Copy)]
pub(crate) struct Sp<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// A `(quantile, allowed error)` pair in `objectives(...)`.
pub(crate) type Objective = (Sp<f64>, Sp<f64>);

/// A label name in `labels(...)`: an identifier (`labels(method)`) or, for a
/// name that is not one, a string (`labels("http.method")`).
pub(crate) struct LabelName {
    /// The name, without a raw identifier's `r#`.
    pub(crate) value: String,
    pub(crate) span: Span,
}

/// A `k = "v"` pair in `const_labels(...)`.
pub(crate) struct ConstLabel {
    pub(crate) name: Ident,
    pub(crate) value: LitStr,
}

/// `native(...)` of a histogram field: each option with its span (the
/// value's, where range errors point).
pub(crate) struct NativeAttrs {
    /// The `native` keyword.
    pub(crate) span: Span,
    pub(crate) factor: Option<Sp<f64>>,
    pub(crate) zero_threshold: Option<Sp<f64>>,
    pub(crate) max_buckets: Option<Sp<u32>>,
    pub(crate) min_reset_duration: Option<Sp<Duration>>,
    pub(crate) max_zero_threshold: Option<Sp<f64>>,
    pub(crate) max_exemplars: Option<Sp<usize>>,
}

/// `#[collector(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) namespace: Option<LitStr>,
    pub(crate) subsystem: Option<LitStr>,
    pub(crate) const_labels: Vec<ConstLabel>,
    pub(crate) krate: Option<syn::Path>,
    /// `new`: generate `new()` and `Default` that build every instrument field.
    pub(crate) new: Option<Span>,
}

/// `#[metric(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) kind: Option<Sp<Kind>>,
    pub(crate) name: Option<LitStr>,
    pub(crate) help: Option<LitStr>,
    pub(crate) unit: Option<LitStr>,
    pub(crate) labels: Option<Sp<Vec<LabelName>>>,
    pub(crate) const_labels: Vec<ConstLabel>,
    pub(crate) buckets: Option<Sp<Vec<Sp<f64>>>>,
    pub(crate) objectives: Option<Sp<Vec<Objective>>>,
    /// `max_age = 600`: the summary window in seconds.
    pub(crate) max_age: Option<Sp<f64>>,
    pub(crate) native: Option<NativeAttrs>,
    pub(crate) flatten: Option<Span>,
    pub(crate) skip: Option<Span>,
    pub(crate) allow: Vec<Sp<Lint>>,
    /// Whether a `#[metric(...)]` failed to parse (reported already): what
    /// follows the mistake was not read, so nothing may be called missing.
    pub(crate) malformed: bool,
}

impl FieldAttrs {
    pub(crate) fn allows(&self, lint: Lint) -> bool {
        self.allow.iter().any(|a| a.value == lint)
    }
}

/// Stores `value` in `slot`, or reports a duplicate on the second key.
fn set<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.syn_error(meta.error(format_args!(
            "duplicate `{}` attribute; remove one",
            path_str(&meta.path)
        )));
    } else {
        *slot = Some(value);
    }
}

/// As [`set`], for an option inside `native(...)`.
fn set_native<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.syn_error(meta.error(format_args!(
            "duplicate `{}` in `native(...)`; remove one",
            path_str(&meta.path)
        )));
    } else {
        *slot = Some(value);
    }
}

fn path_str(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

fn parse_const_labels(meta: &ParseNestedMeta<'_>, out: &mut Vec<ConstLabel>) -> syn::Result<()> {
    meta.parse_nested_meta(|inner| {
        let Some(name) = inner.path.get_ident().cloned() else {
            return Err(inner.error("expected `const_labels(name = \"value\", ...)`"));
        };
        let value: LitStr = inner
            .value()
            .map_err(|_| inner.error("expected `const_labels(name = \"value\", ...)`"))?
            .parse()?;
        out.push(ConstLabel { name, value });
        Ok(())
    })
}

/// A number in `buckets(...)` or `objectives(...)`, with an optional `-`.
fn parse_number(input: syn::parse::ParseStream<'_>) -> syn::Result<Sp<f64>> {
    let neg: Option<Token![-]> = input.parse()?;
    let lit: syn::Lit = input.parse()?;
    let value = match &lit {
        syn::Lit::Float(f) => f.base10_parse::<f64>()?,
        syn::Lit::Int(i) => i.base10_parse::<f64>()?,
        _ => return Err(syn::Error::new(lit.span(), "expected a number")),
    };
    // `1e400` parses as infinity, which has no literal form in the expansion.
    if !value.is_finite() {
        return Err(syn::Error::new(
            lit.span(),
            "number is too large for an `f64`; use a finite value (`+Inf` buckets are implied)",
        ));
    }
    Ok(Sp {
        value: if neg.is_some() { -value } else { value },
        span: lit.span(),
    })
}

/// One name of `labels(...)`: an identifier or a string literal.
fn parse_label_name(input: syn::parse::ParseStream<'_>) -> syn::Result<LabelName> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Ok(LabelName {
            value: lit.value(),
            span: lit.span(),
        });
    }
    let ident: Ident = input
        .call(syn::ext::IdentExt::parse_any)
        .map_err(|e| syn::Error::new(e.span(), "expected `labels(name, ...)`, each name an identifier or a string such as `\"http.method\"`"))?;
    if !(input.is_empty() || input.peek(Token![,])) {
        return Err(syn::Error::new(
            ident.span(),
            "expected `labels(name, ...)`, each name an identifier or a string such as `\"http.method\"`",
        ));
    }
    let s = ident.to_string();
    Ok(LabelName {
        value: s
            .strip_prefix("r#")
            .map_or_else(|| s.clone(), str::to_owned),
        span: ident.span(),
    })
}

fn parse_buckets(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Sp<f64>>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<Sp<f64>, Token![,]>::parse_terminated_with(&content, parse_number)?;
    Ok(list.into_iter().collect())
}

fn parse_objectives(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<(Sp<f64>, Sp<f64>)>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<(Sp<f64>, Sp<f64>), Token![,]>::parse_terminated_with(
        &content,
        |input| {
            let pair;
            syn::parenthesized!(pair in input);
            let quantile = parse_number(&pair)?;
            let _: Token![,] = pair.parse()?;
            let error = parse_number(&pair)?;
            Ok((quantile, error))
        },
    )
    .map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `objectives((quantile, error), ...)`, e.g. `objectives((0.5, 0.05), (0.99, 0.001))`",
        )
    })?;
    Ok(list.into_iter().collect())
}

/// `native(factor = 1.1, ...)`; `path_span` is the `native` keyword's.
fn parse_native(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    path_span: Span,
) -> syn::Result<NativeAttrs> {
    const EXPECTED: &str = "expected `native(factor = ...)`, e.g. `native(factor = 1.1)`, with optional `zero_threshold`, `max_buckets`, `min_reset_duration`, `max_zero_threshold`, `max_exemplars`";
    if !meta.input.peek(syn::token::Paren) {
        return Err(syn::Error::new(path_span, EXPECTED));
    }
    let mut out = NativeAttrs {
        span: path_span,
        factor: None,
        zero_threshold: None,
        max_buckets: None,
        min_reset_duration: None,
        max_zero_threshold: None,
        max_exemplars: None,
    };
    meta.parse_nested_meta(|inner| {
        let Some(key) = lookup(&NativeKey::ALL, &inner.path) else {
            return Err(inner.error(format_args!(
                "unknown `native` option `{}`; {}expected `factor`, `zero_threshold`, `max_buckets`, `min_reset_duration`, `max_zero_threshold` or `max_exemplars`",
                path_str(&inner.path),
                suggestion(&inner.path, &NativeKey::ALL),
            )));
        };
        let name = path_str(&inner.path);
        let value = inner.value().map_err(|_| {
            inner.error(format_args!("expected `{name} = ...` inside `native(...)`"))
        })?;
        match key {
            NativeKey::Factor => {
                let v = parse_number(value).map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected a number: the bucket growth factor, e.g. `native(factor = 1.1)`",
                    )
                })?;
                set_native(cx, &mut out.factor, v, &inner);
            }
            NativeKey::ZeroThreshold => {
                let v = parse_number(value)?;
                set_native(cx, &mut out.zero_threshold, v, &inner);
            }
            NativeKey::MaxZeroThreshold => {
                let v = parse_number(value)?;
                set_native(cx, &mut out.max_zero_threshold, v, &inner);
            }
            NativeKey::MaxBuckets => {
                let v = parse_count(value, "max_buckets = 160")?;
                set_native(cx, &mut out.max_buckets, v, &inner);
            }
            NativeKey::MaxExemplars => {
                let v = parse_count(value, "max_exemplars = 10")?;
                set_native(cx, &mut out.max_exemplars, v, &inner);
            }
            NativeKey::MinResetDuration => {
                let v = parse_duration(value)?;
                set_native(cx, &mut out.min_reset_duration, v, &inner);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// A whole number that fits `T` (`max_buckets = 160`); `example` shows the form.
fn parse_count<T>(input: syn::parse::ParseStream<'_>, example: &str) -> syn::Result<Sp<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let lit: syn::Lit = input.parse()?;
    match &lit {
        syn::Lit::Int(i) => {
            let value = i.base10_parse::<T>().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    format_args!("number out of range; give a count such as `{example}`"),
                )
            })?;
            Ok(Sp {
                value,
                span: lit.span(),
            })
        }
        _ => Err(syn::Error::new(
            lit.span(),
            format_args!("expected a whole number, e.g. `{example}`"),
        )),
    }
}

/// `min_reset_duration`: seconds (`3600`, as `max_age`) or a Go duration
/// string (`"1h"`, `"90m"`, `"1h30m"`, `"500ms"`).
fn parse_duration(input: syn::parse::ParseStream<'_>) -> syn::Result<Sp<Duration>> {
    const EXPECTED: &str =
        "expected seconds or a duration such as `\"1h\"`, `\"30m\"`, `\"1h30m\"`, `\"90s\"`";
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let value =
            parse_go_duration(&lit.value()).ok_or_else(|| syn::Error::new(lit.span(), EXPECTED))?;
        return Ok(Sp {
            value,
            span: lit.span(),
        });
    }
    let secs = parse_number(input).map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
    let value = if secs.value < 0.0 {
        None
    } else {
        Duration::try_from_secs_f64(secs.value).ok()
    }
    .ok_or_else(|| syn::Error::new(secs.span, EXPECTED))?;
    Ok(Sp {
        value,
        span: secs.span,
    })
}

/// The string after `key = `, with an error that shows the form
/// (`expected a string: help = "..."`) where syn would say only
/// "expected string literal".
fn string(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<LitStr> {
    let key = path_str(&meta.path);
    meta.value()?.parse::<LitStr>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format_args!("expected a string in quotes: `{key} = \"{example}\"`"),
        )
    })
}

/// Parses every `#[collector(...)]` on the container.
pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("collector")) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = lookup(&ContainerKey::ALL, &meta.path) else {
                return Err(meta.error(format_args!(
                    "unknown collector attribute `{}`; {}expected `namespace`, `subsystem`, `const_labels`, `crate` or `new`",
                    path_str(&meta.path),
                    suggestion(&meta.path, &ContainerKey::ALL),
                )));
            };
            match key {
                ContainerKey::Namespace => {
                    let v: LitStr = string(&meta, "node")?;
                    set(cx, &mut out.namespace, v, &meta);
                }
                ContainerKey::Subsystem => {
                    let v: LitStr = string(&meta, "memory")?;
                    set(cx, &mut out.subsystem, v, &meta);
                }
                ContainerKey::ConstLabels => parse_const_labels(&meta, &mut out.const_labels)?,
                ContainerKey::Crate => {
                    let v: LitStr = string(&meta, "::exporter_core")?;
                    let path = v.parse::<syn::Path>()?;
                    set(cx, &mut out.krate, path, &meta);
                }
                ContainerKey::New => set(cx, &mut out.new, meta.path.span(), &meta),
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
            let Some(key) = lookup(&FieldKey::ALL, &meta.path) else {
                return Err(meta.error(format_args!(
                    "unknown metric attribute `{}`; {}expected a type (`counter`, `gauge`, ...), `name`, `help`, `unit`, `labels`, `const_labels`, `buckets`, `native`, `objectives`, `max_age`, `flatten`, `skip` or `allow`",
                    path_str(&meta.path),
                    suggestion(&meta.path, &FieldKey::ALL),
                )));
            };
            let span = meta.path.span();
            match key {
                FieldKey::Type(kind) => {
                    if let Some(prev) = &out.kind {
                        cx.syn_error(meta.error(format_args!(
                            "a metric has one type, already `{}`; remove one of the type keywords",
                            prev.value.keyword()
                        )));
                    } else {
                        out.kind = Some(Sp { value: kind, span });
                    }
                }
                FieldKey::Name => {
                    let v: LitStr = string(&meta, "http_requests_total")?;
                    set(cx, &mut out.name, v, &meta);
                }
                FieldKey::Help => {
                    let v: LitStr = string(&meta, "What the metric measures.")?;
                    set(cx, &mut out.help, v, &meta);
                }
                FieldKey::Unit => {
                    let v: LitStr = string(&meta, "bytes")?;
                    set(cx, &mut out.unit, v, &meta);
                }
                FieldKey::Labels => {
                    let mut labels = Vec::new();
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let list = Punctuated::<LabelName, Token![,]>::parse_terminated_with(
                        &content,
                        parse_label_name,
                    )?;
                    labels.extend(list);
                    set(cx, &mut out.labels, Sp { value: labels, span }, &meta);
                }
                FieldKey::ConstLabels => parse_const_labels(&meta, &mut out.const_labels)?,
                FieldKey::Buckets => {
                    let buckets = parse_buckets(&meta)?;
                    set(cx, &mut out.buckets, Sp { value: buckets, span }, &meta);
                }
                FieldKey::Objectives => {
                    let objectives = parse_objectives(&meta)?;
                    set(cx, &mut out.objectives, Sp { value: objectives, span }, &meta);
                }
                FieldKey::MaxAge => {
                    let value = parse_number(meta.value()?)?;
                    set(cx, &mut out.max_age, value, &meta);
                }
                FieldKey::Native => {
                    let native = parse_native(cx, &meta, span)?;
                    set(cx, &mut out.native, native, &meta);
                }
                FieldKey::Flatten => set(cx, &mut out.flatten, span, &meta),
                FieldKey::Skip => set(cx, &mut out.skip, span, &meta),
                FieldKey::Allow => meta.parse_nested_meta(|inner| {
                    let Some(lint) = lookup(&ALLOWABLE_LINTS, &inner.path) else {
                        return Err(inner.error(format_args!(
                            "unknown lint `{}`; {}expected `counter_total`, `non_counter_total`, `base_units`, `type_in_name` or `utf8_name`",
                            path_str(&inner.path),
                            suggestion(&inner.path, &ALLOWABLE_LINTS),
                        )));
                    };
                    out.allow.push(Sp {
                        value: lint,
                        span: inner.path.span(),
                    });
                    Ok(())
                })?,
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
            out.malformed = true;
        }
    }
    out
}

/// The doc comment as help text: each line trimmed, blank lines dropped,
/// the rest joined with a space (as clap does). A block comment (`/** ... */`)
/// is one attribute of several lines, each trimmed the same way, with the
/// ` * ` that starts its lines in the usual style removed.
pub(crate) fn doc_help(attrs: &[Attribute]) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
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
                let text = s.value();
                let lines: Vec<&str> = text.lines().map(str::trim).collect();
                let starred = lines.len() > 1
                    && lines[1..]
                        .iter()
                        .all(|l| l.is_empty() || *l == "*" || l.starts_with("* "));
                for (i, line) in lines.into_iter().enumerate() {
                    // The first line follows `/**` itself: a `*` there is text.
                    let line = if starred && i > 0 {
                        line.strip_prefix('*').map_or(line, str::trim_start)
                    } else {
                        line
                    };
                    if !line.is_empty() {
                        words.push(line.to_owned());
                    }
                }
            }
        }
    }
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::doc_help;
    use crate::go_duration::parse_go_duration;
    use std::time::Duration;

    #[test]
    fn doc_comments_become_one_line_of_help() {
        let help = |item: syn::ItemStruct| doc_help(&item.attrs);
        let lines = help(syn::parse_quote! {
            /// Free memory,
            ///
            ///   in bytes.
            struct S;
        });
        assert_eq!(lines.as_deref(), Some("Free memory, in bytes."));
        let block = help(syn::parse_quote! {
            /** Free
                memory. */
            struct S;
        });
        assert_eq!(block.as_deref(), Some("Free memory."));
        let starred = help(syn::parse_quote! {
            /**
             * Free memory,
             * in bytes (a *star* inside stays).
             */
            struct S;
        });
        assert_eq!(
            starred.as_deref(),
            Some("Free memory, in bytes (a *star* inside stays).")
        );
        assert_eq!(help(syn::parse_quote! { /** */ struct S; }), None);
        let emphasis = help(syn::parse_quote! {
            /** *Free* memory,
             * in bytes. */
            struct S;
        });
        assert_eq!(emphasis.as_deref(), Some("*Free* memory, in bytes."));
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1h"), Some(Duration::from_hours(1)));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_mins(90)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_go_duration("2us"), Some(Duration::from_micros(2)));
        for bad in ["", "1", "h", "1x", "-1h", "1h-", ".h", "1e3s"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }
}
