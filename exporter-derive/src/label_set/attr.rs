//! `#[label(...)]` on a `LabelSet` or `LabelValue` container (`crate = "..."`),
//! on a `LabelSet` field (`rename = "..."`, or its older spelling `name`,
//! and `allow(utf8_name)`) and on a `LabelValue` variant (`rename = "..."`).

use syn::{Attribute, LitStr};

use crate::ctxt::Ctxt;

/// `#[label(...)]` on the container.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) krate: Option<syn::Path>,
}

/// The one key allowed at each place.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Crate,
    Name,
    Rename,
}

impl Key {
    const ALL: [(&'static str, Key); 3] = [
        ("crate", Key::Crate),
        ("name", Key::Name),
        ("rename", Key::Rename),
    ];

    fn parse(path: &syn::Path) -> Option<Key> {
        let ident = path.get_ident()?;
        Key::ALL.iter().find(|(kw, _)| ident == kw).map(|&(_, k)| k)
    }
}

/// Parses `#[label(<key> = "...")]` attributes where only `expected` is allowed.
fn parse(cx: &mut Ctxt, attrs: &[Attribute], expected: Key, example: &str) -> Option<LitStr> {
    let mut out: Option<LitStr> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        let result = attr.parse_nested_meta(|meta| {
            if Key::parse(&meta.path) != Some(expected) {
                let path = meta
                    .path
                    .get_ident()
                    .map_or_else(String::new, ToString::to_string);
                return Err(meta.error(format_args!(
                    "unknown label attribute `{path}`; expected `{example}`"
                )));
            }
            let value: LitStr = meta.value()?.parse()?;
            if out.is_some() {
                cx.syn_error(meta.error("duplicate label attribute; remove one"));
            } else {
                out = Some(value);
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let krate = parse(cx, attrs, Key::Crate, "crate = \"...\"").and_then(|lit| match lit.parse() {
        Ok(path) => Some(path),
        Err(e) => {
            cx.syn_error(e);
            None
        }
    });
    ContainerAttrs { krate }
}

/// `#[label(...)]` on a `LabelSet` field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// `rename = "..."` (or `name = "..."`): the label name, if not the field's.
    pub(crate) rename: Option<LitStr>,
    /// `allow(utf8_name)`: the name may be any UTF-8 (Prometheus 3).
    pub(crate) utf8: bool,
}

/// `#[label(rename = "...", allow(utf8_name))]` on a `LabelSet` field.
pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    const EXPECTED: &str = "expected `rename = \"...\"` or `allow(utf8_name)`";
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("allow") {
                return meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("utf8_name") {
                        out.utf8 = true;
                        Ok(())
                    } else {
                        Err(inner.error("unknown lint; a label name allows only `utf8_name`"))
                    }
                });
            }
            if !matches!(Key::parse(&meta.path), Some(Key::Name | Key::Rename)) {
                let path = meta
                    .path
                    .get_ident()
                    .map_or_else(String::new, ToString::to_string);
                return Err(
                    meta.error(format_args!("unknown label attribute `{path}`; {EXPECTED}"))
                );
            }
            let value: LitStr = meta.value()?.parse()?;
            if out.rename.is_some() {
                cx.syn_error(meta.error("duplicate label name; remove one"));
            } else {
                out.rename = Some(value);
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// `#[label(rename = "...")]` on a `LabelValue` variant.
pub(crate) fn variant(cx: &mut Ctxt, attrs: &[Attribute]) -> Option<LitStr> {
    parse(cx, attrs, Key::Rename, "rename = \"...\"")
}
