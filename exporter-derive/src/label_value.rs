//! `#[derive(LabelValue)]`: a fieldless enum whose variant names (or
//! `#[label(rename = "...")]`) are label values.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::ctxt::Ctxt;
use crate::label_set::attr;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let container = attr::container(&mut cx, &input.attrs);
    let krate = container
        .krate
        .unwrap_or_else(|| syn::parse_quote!(::exporter_core));
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(
            ident,
            "`#[derive(LabelValue)]` needs an enum whose variants have no fields, e.g. `enum Method { Get, Post }`",
        );
        return error(cx);
    };
    let mut arms = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                "`#[derive(LabelValue)]` variants have no fields; the variant name is the label value",
            );
            continue;
        }
        let value = attr::variant(&mut cx, &variant.attrs)
            .map_or_else(|| variant.ident.to_string(), |lit| lit.value());
        let v = &variant.ident;
        arms.push(quote!(Self::#v => #value,));
    }
    if cx.has_errors() {
        return error(cx);
    }
    let body = if arms.is_empty() {
        quote!(match *self {})
    } else {
        quote!(__writer.write_str(match self { #(#arms)* });)
    };
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics #krate::__private::LabelValue for #ident #ty_generics #where_clause {
            fn encode_label_value(&self, __writer: &mut #krate::__private::LabelValueWriter<'_>) {
                #body
            }
        }
    }
}

fn error(cx: Ctxt) -> TokenStream {
    match cx.check() {
        Ok(()) => TokenStream::new(),
        Err(e) => e.to_compile_error(),
    }
}
