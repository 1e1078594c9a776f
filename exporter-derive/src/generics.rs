//! What the expansion needs to know about generic parameters and field types:
//! which fields mention a type parameter (they get inferred bounds and lose
//! the `const` checks), the key type of a labelled collection, and a field type
//! with its lifetimes made `'static` so it can appear in a `const` item.

use proc_macro2::{Group, Ident, Punct, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{GenericArgument, Generics, PathArguments, Type};

/// The names of the type parameters of `generics`.
pub(crate) fn type_params(generics: &Generics) -> Vec<Ident> {
    generics.type_params().map(|p| p.ident.clone()).collect()
}

/// Whether `ty` mentions one of `params` anywhere (`Vec<(T, f64)>`, `Option<T>`).
pub(crate) fn mentions(ty: &Type, params: &[Ident]) -> bool {
    fn walk(tokens: TokenStream, params: &[Ident]) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => params.contains(&i),
            TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && walk(ty.to_token_stream(), params)
}

/// `ty` with every lifetime replaced by `'static`, so that a `const` item
/// outside the impl can name it (`&'a [(L, V)]` becomes `&'static [(L, V)]`).
pub(crate) fn with_static_lifetimes(ty: &Type) -> TokenStream {
    fn walk(tokens: TokenStream) -> TokenStream {
        let mut out = Vec::new();
        let mut iter = tokens.into_iter().peekable();
        while let Some(tt) = iter.next() {
            match tt {
                TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint => {
                    // A lifetime is `'` joined to an identifier; replace the identifier.
                    if let Some(TokenTree::Ident(i)) = iter.next() {
                        let mut tick = Punct::new('\'', Spacing::Joint);
                        tick.set_span(p.span());
                        out.push(TokenTree::Punct(tick));
                        out.push(TokenTree::Ident(Ident::new("static", i.span())));
                    }
                }
                TokenTree::Group(g) => {
                    let mut group = Group::new(g.delimiter(), walk(g.stream()));
                    group.set_span(g.span());
                    out.push(TokenTree::Group(group));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
    walk(ty.to_token_stream())
}

/// The key type `L` of a labelled collection written out in the field type:
/// `Vec<(L, V)>`, `[(L, V)]`, `&[(L, V)]`, `BTreeMap<L, V>`, `HashMap<L, V>`,
/// `Family<L, M>`, through `Option<..>`, `Box<..>` and references. `None` for
/// anything else.
pub(crate) fn key_type(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(r) => key_type(&r.elem),
        Type::Paren(p) => key_type(&p.elem),
        Type::Group(g) => key_type(&g.elem),
        Type::Slice(s) => pair_key(&s.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let mut types = args.args.iter().filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            });
            let first = types.next()?;
            match last.ident.to_string().as_str() {
                "Vec" => pair_key(first),
                "BTreeMap" | "HashMap" | "Family" => Some(first),
                "Option" | "Box" => key_type(first),
                _ => None,
            }
        }
        _ => None,
    }
}

fn pair_key(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Tuple(t) if t.elems.len() == 2 => t.elems.first(),
        _ => None,
    }
}

/// Whether a key type names its labels itself (a `#[derive(LabelSet)]`
/// struct): anything but an array, a slice, a tuple or a reference to one.
pub(crate) fn key_names_itself(key: &Type) -> bool {
    match key {
        Type::Array(_) | Type::Slice(_) | Type::Tuple(_) => false,
        Type::Reference(r) => key_names_itself(&r.elem),
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_none_or(|s| s.ident != "Vec" && s.ident != "str" && s.ident != "String"),
        _ => true,
    }
}

/// `T` of a field type written `Option<T>` (or `std::option::Option<T>`).
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
