//! `#[derive(LabelSet)]`: a struct whose fields are the label values of a
//! series, and whose field names are the label names.

pub(crate) mod attr;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::ctxt::Ctxt;
use crate::{generics, name, valid};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let container = attr::container(&mut cx, &input.attrs);
    let krate = container
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::exporter_core));
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(&named.named),
            _ => None,
        },
        _ => None,
    };
    let Some(fields) = fields else {
        cx.error_spanned_by(
            &input.ident,
            "`#[derive(LabelSet)]` needs a struct with named fields; each field name is a label name, e.g. `struct Labels { method: String }`",
        );
        return fallback(input, &krate, cx);
    };
    let mut names: Vec<String> = Vec::new();
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        let attrs = attr::field(&mut cx, &field.attrs);
        let label = attrs
            .rename
            .as_ref()
            .map_or_else(|| valid::plain(ident), syn::LitStr::value);
        if let Err(e) = valid::check_name(&label, attrs.utf8, name::check_label_name) {
            match &attrs.rename {
                Some(lit) => cx.error_spanned_by(lit, format_args!("label name `{label}` {e}")),
                None => cx.error_spanned_by(ident, format_args!("label name `{label}` {e}")),
            }
        }
        if names.contains(&label) {
            cx.error_spanned_by(
                field,
                format_args!(
                    "duplicate label `{label}`; rename one with `#[label(rename = \"...\")]`"
                ),
            );
        }
        names.push(label);
    }
    if cx.has_errors() {
        return fallback(input, &krate, cx);
    }

    let ident = &input.ident;
    let params = generics::type_params(&input.generics);
    let mut generics = input.generics.clone();
    for field in fields.iter().filter(|f| generics::mentions(&f.ty, &params)) {
        let ty = &field.ty;
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote_spanned!(ty.span()=> #ty: #krate::__private::LabelValue));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let len = names.len();
    let writes = fields.iter().filter_map(|f| {
        let ident = f.ident.as_ref()?;
        Some(quote_spanned! {f.ty.span()=>
            __writer.value(&self.#ident);
        })
    });
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::__private::LabelSet for #ident #ty_generics #where_clause {
            const LEN: ::core::option::Option<usize> = ::core::option::Option::Some(#len);

            fn encode_label_values(&self, __writer: &mut #krate::__private::LabelWriter<'_>) {
                #(#writes)*
            }
        }

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::__private::LabelNames for #ident #ty_generics #where_clause {
            const NAMES: &'static [&'static str] = &[#(#names),*];
        }

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::__private::LabelCount for #ident #ty_generics #where_clause {
            const COUNT: ::core::option::Option<usize> = ::core::option::Option::Some(#len);
        }

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::__private::EncodeInfo for #ident #ty_generics #where_clause {
            type Labels = Self;

            fn encode_info(
                &self,
                __family: &mut #krate::__private::FamilyEncoder<'_>,
            ) -> ::core::result::Result<(), #krate::__private::CollectError> {
                __family.info(self)
            }
        }
    }
}

fn fallback(input: &DeriveInput, krate: &syn::Path, cx: Ctxt) -> TokenStream {
    let error = match cx.check() {
        Ok(()) => return TokenStream::new(),
        Err(e) => e.to_compile_error(),
    };
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #error
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::__private::LabelSet for #ident #ty_generics #where_clause {
            const LEN: ::core::option::Option<usize> = ::core::option::Option::None;

            fn encode_label_values(&self, _: &mut #krate::__private::LabelWriter<'_>) {
                ::core::unreachable!()
            }
        }
    }
}
