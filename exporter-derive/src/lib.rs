//! Implementation detail of the `exporter-core` crate: `#[derive(Collector)]`.
//!
//! The macro works in phases, one module each: [`attr`] parses the raw
//! attributes, [`ast`] builds the model, [`valid`] checks it, [`expand`]
//! writes the code, and [`fallback`] stands in when there were errors.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
#[allow(dead_code)]
mod name;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Derives `exporter_core::Collector`; see the `exporter-core` crate docs.
#[proc_macro_derive(Collector, attributes(collector, metric))]
pub fn derive_collector(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_collector(&input).into()
}
