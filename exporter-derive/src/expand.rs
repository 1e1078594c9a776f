//! Code generation: one `impl Collector` with a `describe` and a `collect`
//! that read like a hand-written Go collector.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::ast::Input;
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::valid::{self, Metric};

pub(crate) fn derive_collector(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let parsed = Input::from_syn(&mut cx, input);
    let krate = parsed
        .as_ref()
        .and_then(|i| i.attrs.krate.clone())
        .unwrap_or_else(|| syn::parse_quote!(::exporter_core));
    let metrics = parsed.as_ref().map(|i| valid::check(&mut cx, i));
    match (cx.check(), &parsed, metrics) {
        (Ok(()), Some(input), Some(metrics)) => expand(input, &metrics, &krate),
        (Err(e), _, _) => fallback::expand(input, &krate, &e),
        // `from_syn` returns `None` only after recording an error, so `check` failed above.
        (Ok(()), _, _) => TokenStream::new(),
    }
}

fn expand(input: &Input<'_>, metrics: &[Metric<'_, '_>], krate: &syn::Path) -> TokenStream {
    let ident = &input.original.ident;
    let (impl_generics, ty_generics, where_clause) = input.original.generics.split_for_impl();
    let container_consts: Vec<TokenStream> = input
        .attrs
        .const_labels
        .iter()
        .map(|c| {
            let k = c.name.to_string();
            let v = &c.value;
            quote!((#k, #v))
        })
        .collect();

    let descs = metrics.iter().map(|m| {
        let name = &m.fq_name;
        let help = &m.help;
        let variant = format_ident!("{}", m.kind.variant());
        let unit = m.field.attrs.unit.as_ref().map_or_else(
            || quote!(::core::option::Option::None),
            |u| quote!(::core::option::Option::Some(#u)),
        );
        let labels = m
            .field
            .attrs
            .labels
            .iter()
            .flatten()
            .map(|l| l.to_string().trim_start_matches("r#").to_owned());
        let consts = m
            .field
            .attrs
            .const_labels
            .iter()
            .map(|c| {
                let k = c.name.to_string();
                let v = &c.value;
                quote!((#k, #v))
            })
            .chain(container_consts.iter().cloned());
        quote! {
            #krate::__private::desc(
                #name,
                #help,
                #krate::__private::MetricType::#variant,
                #unit,
                &[#(#labels),*],
                &[#(#consts),*],
            )?
        }
    });

    let collects = metrics.iter().enumerate().map(|(i, m)| {
        let field = m.field.ident;
        let ty = &m.field.original.ty;
        quote_spanned! {ty.span()=>
            #krate::__private::CollectField::collect_field(
                &self.#field,
                &mut __encoder.family(&__descs[#i])?,
            )?;
        }
    });

    quote! {
        const _: () = {
            static __DESCS: #krate::__private::DescCell = #krate::__private::OnceLock::new();

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

                fn collect(
                    &self,
                    __encoder: &mut #krate::__private::MetricEncoder,
                ) -> ::core::result::Result<(), #krate::__private::CollectError> {
                    let __descs = #krate::__private::descs(&__DESCS, __build_descs)?;
                    #(#collects)*
                    ::core::result::Result::Ok(())
                }
            }

            #[automatically_derived]
            impl #impl_generics #krate::__private::StaticCollector for #ident #ty_generics #where_clause {
                fn static_describe() -> ::std::vec::Vec<&'static #krate::__private::Desc> {
                    match #krate::__private::descs(&__DESCS, __build_descs) {
                        ::core::result::Result::Ok(descs) => descs.iter().collect(),
                        ::core::result::Result::Err(_) => ::std::vec::Vec::new(),
                    }
                }
            }
        };
    }
}
