//! The stand-in impl emitted next to compile errors, so that a bad attribute
//! does not also cause "`T: Collector` is not satisfied" at every use.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub(crate) fn expand(input: &DeriveInput, krate: &syn::Path, error: &syn::Error) -> TokenStream {
    let ident = &input.ident;
    // Generic structs: `Collector: Send + Sync` must hold for the stand-in too.
    let mut generics = input.generics.clone();
    if generics.type_params().next().is_some() {
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(Self: ::core::marker::Send + ::core::marker::Sync));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let error = error.to_compile_error();
    quote! {
        #error
        #[automatically_derived]
        impl #impl_generics #krate::__private::Collector for #ident #ty_generics #where_clause {
            fn describe(&self) -> ::std::vec::Vec<&#krate::__private::Desc> {
                ::core::unreachable!()
            }
            fn collect(
                &self,
                _: &mut #krate::__private::MetricEncoder,
            ) -> ::core::result::Result<(), #krate::__private::CollectError> {
                ::core::unreachable!()
            }
        }
    }
}
