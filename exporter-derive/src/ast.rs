//! The model of a `#[derive(Collector)]` input. Each field keeps a reference
//! to its original syntax so later phases can point errors at it.

use syn::{Data, DeriveInput, Fields};

use crate::attr::{self, ContainerAttrs, FieldAttrs};
use crate::ctxt::Ctxt;

pub(crate) struct Input<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    pub(crate) ty: &'a syn::Type,
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: FieldAttrs,
    /// The doc comment, the default help.
    pub(crate) doc: Option<String>,
}

impl<'a> Input<'a> {
    /// Builds the model, recording unsupported inputs and attribute errors in `cx`.
    pub(crate) fn from_syn(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Input<'a>> {
        // The compiler accepts either helper attribute anywhere in the
        // input, and would drop one in the wrong place without a word.
        for misplaced in input.attrs.iter().filter(|a| a.path().is_ident("metric")) {
            cx.error_spanned_by(
                misplaced,
                "`#[metric(...)]` goes on a field; options for the whole struct go in `#[collector(...)]`, e.g. `#[collector(namespace = \"node\")]`",
            );
        }
        let attrs = attr::container(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(_) | Fields::Unit => {
                    cx.error_spanned_by(
                        &input.ident,
                        "`#[derive(Collector)]` needs a struct with named fields; each field is a metric named after it, e.g. `struct Stats { requests_total: u64 }`",
                    );
                    return None;
                }
            },
            Data::Enum(e) => {
                cx.error_spanned_by(
                    e.enum_token,
                    "`#[derive(Collector)]` does not support enums; use a struct whose fields are metrics",
                );
                return None;
            }
            Data::Union(u) => {
                cx.error_spanned_by(
                    u.union_token,
                    "`#[derive(Collector)]` does not support unions; use a struct whose fields are metrics",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                for misplaced in f.attrs.iter().filter(|a| a.path().is_ident("collector")) {
                    cx.error_spanned_by(
                        misplaced,
                        "`#[collector(...)]` goes on the struct; a field's options go in `#[metric(...)]`",
                    );
                }
                let ident = f.ident.as_ref()?;
                Some(Field {
                    ty: &f.ty,
                    ident,
                    attrs: attr::field(cx, &f.attrs),
                    doc: attr::doc_help(&f.attrs),
                })
            })
            .collect();
        Some(Input {
            original: input,
            attrs,
            fields,
        })
    }
}

impl Field<'_> {
    /// The field name without a raw-identifier `r#`.
    pub(crate) fn plain_name(&self) -> String {
        let s = self.ident.to_string();
        s.strip_prefix("r#")
            .map_or_else(|| s.clone(), str::to_owned)
    }
}
