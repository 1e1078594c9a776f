//! Implementation detail of the `exporter-core` crate: `#[derive(Collector)]`,
//! `#[derive(LabelSet)]` and `#[derive(LabelValue)]`.
//!
//! The macro works in phases, one module each: `attr` parses the raw
//! attributes, `ast` builds the model, `valid` checks it, `expand`
//! writes the code, and `fallback` stands in when there were errors.

// The macro reports errors as `compile_error!`, never by panicking on user input.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod generics;
// Go's duration syntax, shared with exporter-core (a symlink to its `http/duration.rs`).
mod go_duration;
mod label_set;
mod label_value;
// The name rules, shared with exporter-core (symlinks to its `name.rs` and
// `name/lints.rs`); the derive uses some of what they export.
#[allow(dead_code, unused_imports)]
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

/// Derives `exporter_core::labels::LabelSet` (with `LabelNames`, `LabelCount`
/// and `field::EncodeInfo`) for a struct whose field names are label names;
/// see the `exporter-core` crate docs (`derive@Collector`, "Field types").
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_set::derive(&input).into()
}

/// Derives `exporter_core::labels::LabelValue` for a fieldless enum;
/// see the `exporter-core` crate docs.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_value::derive(&input).into()
}
