//! Code generation: one `impl Collector` with a `describe` and a `collect`
//! that read like a hand-written Go collector, the descriptors built once per
//! type, `const` checks of each field type against its attributes, and the
//! optional constructor of instrument structs.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{DeriveInput, WherePredicate};

use crate::ast::Input;
use crate::attr::{Kind, Lint, NativeAttrs};
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::generics;
use crate::valid::{self, Checked, Labels, Metric};

pub(crate) fn derive_collector(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let parsed = Input::from_syn(&mut cx, input);
    let krate = parsed
        .as_ref()
        .and_then(|i| i.attrs.krate.clone())
        .unwrap_or_else(|| syn::parse_quote!(::exporter_core));
    let checked = parsed.as_ref().map(|i| valid::check(&mut cx, i));
    match (cx.check(), &parsed, checked) {
        (Ok(()), Some(input), Some(checked)) => expand(input, &checked, &krate),
        (Err(e), _, _) => fallback::expand(input, &krate, &e),
        // `from_syn` returns `None` only after recording an error, so `check` failed above.
        (Ok(()), _, _) => TokenStream::new(),
    }
}

#[allow(clippy::too_many_lines)] // the template of the whole expansion, read top to bottom
fn expand(input: &Input<'_>, checked: &Checked<'_, '_>, krate: &syn::Path) -> TokenStream {
    let ident = &input.original.ident;
    let params = generics::type_params(&input.original.generics);
    let metrics = &checked.metrics;

    let descs = metrics.iter().map(|m| desc(input, m, krate));
    let collects = metrics.iter().enumerate().map(|(i, m)| {
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        let field = m.field.ident;
        let ty = m.field.ty;
        // `info` and `stateset` take a field type of their own shape: a
        // wrong one is reported at the keyword, where the choice was made.
        match m.kind {
            Some(kind) if kind.value == Kind::Info => {
                let ty = respan(ty.to_token_stream(), kind.span);
                quote_spanned! {kind.span=>
                <#ty as #krate::__private::EncodeInfo>::encode_info(
                    &self.#field,
                    &mut __encoder.family(&__descs[#i])?,
                )?;
                }
            }
            Some(kind) if kind.value == Kind::StateSet => {
                let ty = respan(ty.to_token_stream(), kind.span);
                quote_spanned! {kind.span=>
                <#ty as #krate::__private::EncodeStateSet>::encode_stateset(
                    &self.#field,
                    &mut __encoder.family(&__descs[#i])?,
                )?;
                }
            }
            _ => quote_spanned! {ty.span()=>
                <#ty as #krate::__private::EncodeFamily>::encode_family(
                    &self.#field,
                    &mut __encoder.family(&__descs[#i])?,
                )?;
            },
        }
    });
    // A flattened `Option<T>` is described as `T` and, when `None`, writes no samples.
    let flatten_collects = checked.flattened.iter().map(|f| {
        let field = f.ident;
        if generics::option_inner(f.ty).is_some() {
            quote_spanned! {f.ty.span()=>
                if let ::core::option::Option::Some(__inner) = &self.#field {
                    #krate::__private::Collector::collect(__inner, __encoder)?;
                }
            }
        } else {
            quote_spanned! {f.ty.span()=>
                #krate::__private::Collector::collect(&self.#field, __encoder)?;
            }
        }
    });
    let flatten_describes = checked.flattened.iter().map(|f| {
        let ty = flattened_type(f.ty);
        quote_spanned! {ty.span()=>
            ::core::iter::Extend::extend(
                &mut __all,
                <#ty as #krate::__private::StaticCollector>::try_static_describe()?,
            );
        }
    });
    // The same, where a descriptor that failed to build is listed as an
    // invalid one (`Desc::invalid`), which registration refuses.
    let flatten_lists = checked.flattened.iter().map(|f| {
        let ty = flattened_type(f.ty);
        quote_spanned! {ty.span()=>
            ::core::iter::Extend::extend(
                &mut __all,
                <#ty as #krate::__private::StaticCollector>::static_describe(),
            );
        }
    });
    let names = metrics.iter().map(|m| &m.fq_name);
    let mutability = (!checked.flattened.is_empty()).then(|| quote!(mut));
    let (checks, inline_checks) = const_checks(checked, &params, krate);

    // Inferred bounds: a field whose type mentions a type parameter must be collectable.
    let mut generics = input.original.generics.clone();
    if !params.is_empty() {
        let where_clause = generics.make_where_clause();
        where_clause
            .predicates
            .push(syn::parse_quote!(Self: ::core::marker::Send + ::core::marker::Sync));
        for m in metrics.iter().filter(|m| m.generic) {
            let ty = m.field.ty;
            let bound: syn::Path = match m.kind.map(|k| k.value) {
                Some(Kind::Info) => syn::parse_quote!(#krate::__private::EncodeInfo),
                Some(Kind::StateSet) => syn::parse_quote!(#krate::__private::EncodeStateSet),
                _ => syn::parse_quote!(#krate::__private::EncodeFamily),
            };
            where_clause
                .predicates
                .push(syn::parse_quote_spanned!(ty.span()=> #ty: #bound));
        }
        for f in checked
            .flattened
            .iter()
            .filter(|f| generics::mentions(f.ty, &params))
        {
            let ty = flattened_type(f.ty);
            where_clause.predicates.push(
                syn::parse_quote_spanned!(ty.span()=> #ty: #krate::__private::StaticCollector),
            );
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let (plain_impl_generics, _, plain_where_clause) = input.original.generics.split_for_impl();
    let constructor = input
        .attrs
        .new
        .map(|span| constructor(input, checked, &params, krate, span));

    quote! {
        #[allow(unused_qualifications)]
        const _: () = {
            static __DESCS: #krate::__private::LazyDescs =
                #krate::__private::LazyDescs::new(__build_descs);

            fn __build_descs() -> ::core::result::Result<
                ::std::vec::Vec<#krate::__private::Desc>,
                #krate::__private::DescError,
            > {
                ::core::result::Result::Ok(::std::vec![#(#descs),*])
            }

            #[automatically_derived]
            impl #impl_generics #krate::__private::Collector for #ident #ty_generics #where_clause {
                fn describe(&self) -> ::std::vec::Vec<&#krate::__private::Desc> {
                    <Self as #krate::__private::StaticCollector>::static_describe()
                }

                fn try_describe(&self) -> ::core::result::Result<
                    ::std::vec::Vec<&#krate::__private::Desc>,
                    #krate::__private::DescError,
                > {
                    <Self as #krate::__private::StaticCollector>::try_static_describe()
                }

                fn collect(
                    &self,
                    __encoder: &mut #krate::__private::MetricEncoder,
                ) -> ::core::result::Result<(), #krate::__private::CollectError> {
                    #(#inline_checks)*
                    let __descs = ::core::result::Result::map_err(
                        #krate::__private::LazyDescs::get(&__DESCS),
                        #krate::__private::CollectError::other,
                    )?;
                    #(#collects)*
                    #(#flatten_collects)*
                    ::core::result::Result::Ok(())
                }

                // Fields are data or live instruments: encoding them never waits.
                fn may_block(&self) -> bool {
                    false
                }
            }

            #[automatically_derived]
            impl #impl_generics #krate::__private::StaticCollector for #ident #ty_generics #where_clause {
                fn static_describe() -> ::std::vec::Vec<&'static #krate::__private::Desc> {
                    let #mutability __all = #krate::__private::LazyDescs::describe(&__DESCS);
                    #(#flatten_lists)*
                    __all
                }

                fn try_static_describe() -> ::core::result::Result<
                    ::std::vec::Vec<&'static #krate::__private::Desc>,
                    #krate::__private::DescError,
                > {
                    let #mutability __all: ::std::vec::Vec<&'static #krate::__private::Desc> =
                        ::core::iter::Iterator::collect(
                            <[#krate::__private::Desc]>::iter(
                                #krate::__private::LazyDescs::get(&__DESCS)?,
                            ),
                        );
                    #(#flatten_describes)*
                    ::core::result::Result::Ok(__all)
                }
            }

            #[automatically_derived]
            impl #plain_impl_generics #krate::__private::MetricNames for #ident #ty_generics #plain_where_clause {
                const NAMES: &'static [&'static str] = &[#(#names),*];
            }

            #krate::__private::__impl_prometheus_collector!(
                [#impl_generics] [#ident #ty_generics] [#where_clause]
            );

            #constructor

            #(#checks)*
        };
    }
}

/// One descriptor, built with the public `Desc::builder` (the derive checked
/// every part at compile time, so `build` fails only if that check has a bug).
fn desc(input: &Input<'_>, m: &Metric<'_, '_>, krate: &syn::Path) -> TokenStream {
    let name = &m.fq_name;
    let help = &m.help;
    let metric_type = match m.kind {
        Some(kind) => {
            let variant = format_ident!("{}", kind.value.variant(), span = kind.span);
            quote!(#krate::__private::MetricType::#variant)
        }
        None => {
            let ty = generics::with_static_lifetimes(m.field.ty);
            quote_spanned! {m.field.ty.span()=>
                #krate::__private::implied_metric_type(
                    <#ty as #krate::__private::EncodeFamily>::METRIC_TYPE,
                )
            }
        }
    };
    let unit = m.field.attrs.unit.as_ref().map(|u| quote!(.unit(#u)));
    let labels = match (&m.labels, m.kind) {
        (Labels::Listed(names), _) if names.is_empty() => quote!(),
        (Labels::Listed(names), _) => quote!(.labels([#(#names),*])),
        // An info's labels are those of its `EncodeInfo::Labels`, so a field
        // type that is no info is one error, at the keyword.
        (Labels::FromKey(_), Some(kind)) if kind.value == Kind::Info => {
            let ty = respan(generics::with_static_lifetimes(m.field.ty), kind.span);
            let names = quote_spanned! {kind.span=>
                <<#ty as #krate::__private::EncodeInfo>::Labels as #krate::__private::LabelNames>::NAMES
            };
            quote!(.labels(::core::iter::Iterator::copied(<[&::core::primitive::str]>::iter(#names))))
        }
        (Labels::FromKey(key), _) => {
            let key_static = generics::with_static_lifetimes(key);
            let names = quote_spanned! {key.span()=>
                <#key_static as #krate::__private::LabelNames>::NAMES
            };
            quote!(.labels(::core::iter::Iterator::copied(<[&::core::primitive::str]>::iter(#names))))
        }
    };
    let consts = m
        .field
        .attrs
        .const_labels
        .iter()
        .chain(&input.attrs.const_labels)
        .map(|c| {
            let k = valid::plain(&c.name);
            let v = &c.value;
            quote!(#k, #v)
        });
    quote! {
        #krate::__private::Desc::builder(#name, #metric_type)
            .help(#help)
            #unit
            #labels
            #(.const_label(#consts))*
            .build()?
    }
}

/// A type as the user wrote it, near enough: tokens joined without the
/// spaces `to_string` puts around `<`, `>`, `::`, `&` and before `,`.
fn shown_type(ty: &syn::Type) -> String {
    let mut s = ty.to_token_stream().to_string();
    for (from, to) in [
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (" ,", ","),
        ("& ", "&"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// The collector type of a flattened field: `T` for `Option<T>`.
fn flattened_type(ty: &syn::Type) -> &syn::Type {
    generics::option_inner(ty).unwrap_or(ty)
}

/// `tokens` with every token's span set to `span`, so that an error in them
/// points at the attribute that asked for the check.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `const _: () = if <wrong> { panic!("<what to fix>") };` items that check each
/// field type against its attributes while compiling, for fields whose type
/// does not depend on a type parameter (those are checked at collect time).
#[allow(clippy::too_many_lines)] // one check after another, each with its message
fn const_checks(
    checked: &Checked<'_, '_>,
    params: &[syn::Ident],
    krate: &syn::Path,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut out = Vec::new();
    let mut inline = Vec::new();
    let private = quote!(#krate::__private);
    for m in &checked.metrics {
        // A field type with a type parameter is checked when the impl is
        // instantiated: an inline `const` in `collect` (reported by `cargo build`).
        let check = |span: Span, cond: TokenStream, message: String| {
            if m.generic {
                quote_spanned! {span=>
                    const { if #cond { ::core::panic!(#message) } };
                }
            } else {
                item_check(span, cond, message)
            }
        };
        let ty = if m.generic {
            m.field.ty.to_token_stream()
        } else {
            generics::with_static_lifetimes(m.field.ty)
        };
        let out = if m.generic { &mut inline } else { &mut out };
        let ty_span = m.field.ty.span();
        let implied = quote_spanned!(ty_span=> <#ty as #private::EncodeFamily>::METRIC_TYPE);
        let field = m.field.plain_name();
        let name = &m.fq_name;
        let attrs = &m.field.attrs;
        match m.kind {
            Some(kind) if matches!(kind.value, Kind::Info | Kind::StateSet) => {}
            // A histogram or summary needs a field type that holds one: a
            // plain number would fail every scrape with a wrong-type error.
            Some(kind) if matches!(kind.value, Kind::Histogram | Kind::Summary) => {
                let variant = format_ident!("{}", kind.value.variant());
                let keyword = kind.value.keyword();
                let shown = shown_type(m.field.ty);
                let (live, snapshot) = if kind.value == Kind::Histogram {
                    (
                        "Histogram",
                        "HistogramSnapshot` or `NativeHistogramSnapshot",
                    )
                } else {
                    ("Summary", "SummarySnapshot")
                };
                out.push(check(
                    kind.span,
                    quote!(!#private::implies(#implied, #private::MetricType::#variant)),
                    format!(
                        "`{keyword}` needs a field type that holds a {keyword}, but `{field}` is `{shown}`; use `{live}` (live), `{snapshot}` (a snapshot), or a collection of them, or choose `gauge`, `counter` or `untyped` for a plain value"
                    ),
                ));
            }
            Some(kind) => {
                let variant = format_ident!("{}", kind.value.variant());
                out.push(check(
                    kind.span,
                    quote!(#private::metric_type_differs(#implied, #private::MetricType::#variant)),
                    format!(
                        "`{}` contradicts the metric type of the field type of `{field}`; remove `{}` and let the field type decide",
                        kind.value.keyword(),
                        kind.value.keyword()
                    ),
                ));
            }
            None => {
                out.push(check(
                    m.field.ident.span(),
                    quote!(#implied.is_none()),
                    format!(
                        "missing metric type: the type of `{field}` does not imply one; add one of `counter`, `gauge`, `untyped`, `histogram`, `summary` to `#[metric(...)]`"
                    ),
                ));
                let at = attrs
                    .name
                    .as_ref()
                    .map_or_else(|| m.field.ident.span(), Spanned::span);
                let counter = quote!(#private::MetricType::Counter);
                if !name.ends_with("_total") && !attrs.allows(Lint::CounterTotal) {
                    out.push(check(
                        at,
                        quote!(#private::implies(#implied, #counter)),
                        format!("counter `{name}` should end in `_total`; rename it `{name}_total`, or add `allow(counter_total)`"),
                    ));
                }
                if name.ends_with("_total") && !attrs.allows(Lint::NonCounterTotal) {
                    out.push(check(
                        at,
                        quote!(#private::metric_type_differs(#implied, #counter)),
                        format!("`_total` is for counters, but `{name}` is not one; drop the suffix, or add `allow(non_counter_total)`"),
                    ));
                }
                // Constructor options of one type, on a field whose type
                // implies another (a `Counter` with `buckets(...)`).
                let options = [
                    (
                        attrs.buckets.as_ref().map(|b| b.span),
                        "buckets(...)",
                        Kind::Histogram,
                    ),
                    (
                        attrs.native.as_ref().map(|n| n.span),
                        "native(...)",
                        Kind::Histogram,
                    ),
                    (
                        attrs.objectives.as_ref().map(|o| o.span),
                        "objectives(...)",
                        Kind::Summary,
                    ),
                    (
                        attrs.max_age.as_ref().map(|m| m.span),
                        "max_age",
                        Kind::Summary,
                    ),
                ];
                for (span, option, kind) in options {
                    let Some(span) = span else { continue };
                    let variant = format_ident!("{}", kind.variant());
                    out.push(check(
                        span,
                        quote!(#private::metric_type_differs(#implied, #private::MetricType::#variant)),
                        format!(
                            "`{option}` applies to {}s, but the type of `{field}` is not one; remove it, or use a {} field type",
                            kind.keyword(),
                            kind.keyword()
                        ),
                    ));
                }
                for label in attrs.labels.iter().flat_map(|l| &l.value) {
                    let reserved = match label.value.as_str() {
                        "le" => Some((Kind::Histogram, "histograms")),
                        "quantile" => Some((Kind::Summary, "summaries")),
                        _ => None,
                    };
                    if let Some((kind, what)) = reserved {
                        let variant = format_ident!("{}", kind.variant());
                        out.push(check(
                            label.span,
                            quote!(#private::implies(#implied, #private::MetricType::#variant)),
                            format!("label `{}` is reserved on {what}; Prometheus adds it to each bucket or quantile, rename yours", label.value),
                        ));
                    }
                }
            }
        }
        let is = |k: Kind| m.kind.is_some_and(|x| x.value == k);
        if is(Kind::StateSet) {
            continue;
        }
        if let Labels::Listed(names) = &m.labels {
            let n = names.len();
            // A key written out in the field type: a trait error that names
            // the key type and both counts (`LabelCount`).
            if let (Some(list), Some(key), false) = (&attrs.labels, m.key, m.generic) {
                let key = respan(generics::with_static_lifetimes(key), list.span);
                let n = proc_macro2::Literal::usize_unsuffixed(n);
                // Every token at `labels(...)`, the crate path too: the
                // error's span is the `Arity` path's.
                out.push(respan(
                    quote! {
                        const _: () = <#private::Arity as #private::LabelArity<
                            #key,
                            #n,
                            { #private::count_or(<#key as #private::LabelCount>::COUNT, #n) },
                        >>::FITS;
                    },
                    list.span,
                ));
                continue;
            }
            let (span, message) = match &attrs.labels {
                Some(list) => (
                    list.span,
                    format!(
                        "`labels(...)` names {n} label(s), but each series of `{field}` carries a different number of label values; give one name per value"
                    ),
                ),
                None => (
                    m.field.ident.span(),
                    format!(
                        "missing `labels(...)`: each series of `{field}` carries label values but has no label names; add `labels(name, ...)`"
                    ),
                ),
            };
            let labels = if is(Kind::Info) {
                let at = m.kind.map_or(ty_span, |k| k.span);
                let ty = respan(ty.clone(), at);
                quote_spanned!(at=> <<#ty as #private::EncodeInfo>::Labels as #private::LabelSet>::LEN)
            } else {
                quote_spanned!(ty_span=> <#ty as #private::EncodeFamily>::LABELS)
            };
            // A field type with no key in sight (a plain `f64`, a `Counter`)
            // whose type says it has no label values: one series, with a
            // message of its own; any other count that differs, the general one.
            let one_series =
                attrs.labels.is_some() && m.key.is_none() && !m.generic && !is(Kind::Info);
            let n = proc_macro2::Literal::usize_unsuffixed(n);
            let differs = if one_series {
                out.push(check(
                    span,
                    quote!(#private::labels_on_one_series(#labels, #n)),
                    format!(
                        "`labels(...)` names {n} label(s), but `{field}` is one series with no label values; remove `labels(...)`, or give it a keyed type such as `Vec<([&'static str; {n}], f64)>`"
                    ),
                ));
                quote!(#private::label_arity_differs(#labels, #n) && !#private::labels_on_one_series(#labels, #n))
            } else {
                quote!(#private::label_arity_differs(#labels, #n))
            };
            out.push(check(span, differs, message));
        }
    }
    // Names that collide by the type a field type implies (a `Counter` field
    // named `foo_total` and a gauge `foo_created`): pairs with an inferred
    // type, checked once that type is known; pairs of stated types were
    // checked by `valid`. Only pairs where one name's stem starts the other's
    // can collide, which keeps this to a few items.
    let stem = |n: &str| n.strip_suffix("_total").unwrap_or(n).to_owned();
    let plain: Vec<_> = checked.metrics.iter().filter(|m| !m.generic).collect();
    for (j, later) in plain.iter().enumerate() {
        for earlier in &plain[..j] {
            let (e, l) = (&earlier.fq_name, &later.fq_name);
            let related = l.starts_with(&stem(e)) || e.starts_with(&stem(l));
            if e == l || !related || (earlier.kind.is_some() && later.kind.is_some()) {
                continue;
            }
            let type_of = |m: &Metric<'_, '_>| match m.kind {
                Some(kind) => {
                    let variant = format_ident!("{}", kind.value.variant());
                    quote!(#private::MetricType::#variant)
                }
                None => {
                    let ty = generics::with_static_lifetimes(m.field.ty);
                    quote!(#private::implied_metric_type(<#ty as #private::EncodeFamily>::METRIC_TYPE))
                }
            };
            let (te, tl) = (type_of(earlier), type_of(later));
            let at = later
                .field
                .attrs
                .name
                .as_ref()
                .map_or_else(|| later.field.ident.span(), Spanned::span);
            out.push(item_check(
                at,
                quote!(#private::collides(#e, #te, #l, #tl)),
                format!(
                    "metric name `{l}` collides with `{e}` (field `{}`) for the type its field type implies: a counter also writes `_total` and `_created`, a histogram `_bucket`, `_sum`, `_count` and `_created`, a summary `_sum`, `_count` and `_created`, an info `_info`; rename one",
                    earlier.field.plain_name()
                ),
            ));
        }
    }
    // Flattened collectors: their names against ours, and against each other.
    let own: Vec<&String> = checked.metrics.iter().map(|m| &m.fq_name).collect();
    let flat: Vec<_> = checked
        .flattened
        .iter()
        .filter(|f| !generics::mentions(f.ty, params))
        .collect();
    for (i, f) in flat.iter().enumerate() {
        let ty = generics::with_static_lifetimes(flattened_type(f.ty));
        let names = quote_spanned!(f.ty.span()=> <#ty as #private::MetricNames>::NAMES);
        let field = f.plain_name();
        out.push(item_check(
            f.ident.span(),
            quote!(#private::names_overlap(#names, &[#(#own),*])),
            format!("duplicate metric name: flattened field `{field}` defines a metric this struct also defines; rename one"),
        ));
        for g in &flat[..i] {
            let other = generics::with_static_lifetimes(flattened_type(g.ty));
            out.push(item_check(
                f.ident.span(),
                quote!(#private::names_overlap(#names, <#other as #private::MetricNames>::NAMES)),
                format!(
                    "duplicate metric name: flattened fields `{}` and `{field}` define the same metric; rename one",
                    g.plain_name()
                ),
            ));
        }
    }
    (out, inline)
}

/// `const _: () = if <wrong> { panic!("<what to fix>") };`
fn item_check(span: Span, cond: impl ToTokens, message: impl ToTokens) -> TokenStream {
    quote_spanned! {span=>
        const _: () = if #cond { ::core::panic!(#message) };
    }
}

/// `new()` and `Default` for `#[collector(new)]`: each metric field built by
/// its instrument type from the attributes, other fields by `Default`.
fn constructor(
    input: &Input<'_>,
    checked: &Checked<'_, '_>,
    params: &[syn::Ident],
    krate: &syn::Path,
    span: Span,
) -> TokenStream {
    let ident = &input.original.ident;
    let mut generics = input.original.generics.clone();
    let mut bounds: Vec<WherePredicate> = Vec::new();
    let inits = input.fields.iter().map(|f| {
        let field = f.ident;
        let ty = f.ty;
        let metric = checked.metrics.iter().find(|m| std::ptr::eq(m.field, f));
        if let Some(m) = metric {
            if generics::mentions(ty, params) {
                bounds.push(syn::parse_quote_spanned!(ty.span()=> #ty: #krate::__private::Instrument));
            }
            let attrs = &m.field.attrs;
            let buckets = attrs.buckets.as_ref().map_or_else(
                || quote!(::core::option::Option::None),
                |b| {
                    let values = b.value.iter().map(|v| float(v.value));
                    quote!(::core::option::Option::Some(&[#(#values),*]))
                },
            );
            let objectives = attrs.objectives.as_ref().map_or_else(
                || quote!(::core::option::Option::None),
                |o| {
                    let pairs = o.value.iter().map(|(q, e)| {
                        let (q, e) = (float(q.value), float(e.value));
                        quote!((#q, #e))
                    });
                    quote!(::core::option::Option::Some(&[#(#pairs),*]))
                },
            );
            let max_age = attrs.max_age.as_ref().map_or_else(
                || quote!(::core::option::Option::None),
                |m| {
                    let secs = float(m.value);
                    quote!(::core::option::Option::Some(::core::time::Duration::from_secs_f64(#secs)))
                },
            );
            let native = attrs.native.as_ref().map_or_else(
                || quote!(::core::option::Option::None),
                |n| native_opts(n, krate),
            );
            quote_spanned! {ty.span()=>
                #field: <#ty as #krate::__private::Instrument>::from_opts(&#krate::__private::InstrumentOpts {
                    buckets: #buckets,
                    objectives: #objectives,
                    max_age: #max_age,
                    native: #native,
                }),
            }
        } else {
            if generics::mentions(ty, params) {
                bounds.push(syn::parse_quote_spanned!(ty.span()=> #ty: ::core::default::Default));
            }
            quote_spanned! {ty.span()=>
                #field: <#ty as ::core::default::Default>::default(),
            }
        }
    });
    let inits: Vec<TokenStream> = inits.collect();
    if !bounds.is_empty() {
        generics.make_where_clause().predicates.extend(bounds);
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let new = quote_spanned!(span=> new);
    quote! {
        #[automatically_derived]
        impl #impl_generics #ident #ty_generics #where_clause {
            /// Builds every metric of the struct from its `#[metric(...)]` attributes.
            #[must_use]
            pub fn #new() -> Self {
                Self {
                    #(#inits)*
                }
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::default::Default for #ident #ty_generics #where_clause {
            fn default() -> Self {
                Self::new()
            }
        }
    }
}

/// `Some(NativeOpts { .. })` of a `native(...)` attribute; options left out
/// take Go's defaults (`valid` checked the rest).
fn native_opts(n: &NativeAttrs, krate: &syn::Path) -> TokenStream {
    let some = |v: Option<TokenStream>| {
        v.map_or_else(
            || quote!(::core::option::Option::None),
            |v| quote!(::core::option::Option::Some(#v)),
        )
    };
    let factor = float(n.factor.map_or(1.1, |f| f.value));
    let zero_threshold = some(n.zero_threshold.map(|z| float(z.value)));
    let max_buckets = n.max_buckets.map_or(0, |m| m.value);
    let max_buckets = proc_macro2::Literal::u32_unsuffixed(max_buckets);
    let min_reset = n.min_reset_duration.map_or(Duration::ZERO, |d| d.value);
    let (secs, nanos) = (
        proc_macro2::Literal::u64_unsuffixed(min_reset.as_secs()),
        proc_macro2::Literal::u32_unsuffixed(min_reset.subsec_nanos()),
    );
    let max_zero_threshold = float(n.max_zero_threshold.map_or(0.0, |m| m.value));
    let max_exemplars = some(
        n.max_exemplars
            .map(|m| proc_macro2::Literal::usize_unsuffixed(m.value).into_token_stream()),
    );
    quote! {
        ::core::option::Option::Some(#krate::__private::NativeOpts {
            factor: #factor,
            zero_threshold: #zero_threshold,
            max_buckets: #max_buckets,
            min_reset_duration: ::core::time::Duration::new(#secs, #nanos),
            max_zero_threshold: #max_zero_threshold,
            max_exemplars: #max_exemplars,
        })
    }
}

/// A float literal with a `.0` even for integral values, so it types as `f64`.
///
/// `v` is finite: `attr::parse_number` rejects the rest, which `LitFloat::new`
/// could not print (it panics on `inf`).
fn float(v: f64) -> TokenStream {
    let lit = syn::LitFloat::new(&format!("{v:?}"), Span::call_site());
    if v.is_sign_negative() {
        let abs = syn::LitFloat::new(&format!("{:?}", -v), Span::call_site());
        quote!(-#abs)
    } else {
        lit.to_token_stream()
    }
}

/// The checked-in expansion snapshots in `tests/expand/`: what `cargo expand`
/// shows a reader, compared on every test run so that any change to the
/// generated code is seen in review. Regenerate with `EXPAND_OVERWRITE=1`.
#[cfg(test)]
mod snapshots {
    use std::path::Path;

    fn check(name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
        let input = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
        let input: syn::DeriveInput = syn::parse_str(&input).unwrap();
        let tokens = super::derive_collector(&input);
        let file: syn::File = syn::parse2(tokens).unwrap();
        let rendered = prettyplease::unparse(&file);
        let path = dir.join(format!("{name}.expanded.rs"));
        if std::env::var_os("EXPAND_OVERWRITE").is_some() {
            std::fs::write(&path, &rendered).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == rendered,
            "expansion of tests/expand/{name}.rs changed; review and regenerate with EXPAND_OVERWRITE=1:\n{rendered}"
        );
    }

    #[test]
    fn hello_world() {
        check("hello_world");
    }

    #[test]
    fn instruments() {
        check("instruments");
    }
}
