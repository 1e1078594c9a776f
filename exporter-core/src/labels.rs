//! Label values: how Rust values become the `name="value"` pairs of a series.
//!
//! A sample's variable label *names* live in its [`Desc`](crate::Desc); the
//! sample supplies only the *values*, in the same order, through
//! [`LabelSet`]. Encoders write them straight into the output, so a
//! series costs no allocation.
//!
//! The traits are named after their derives: `#[derive(LabelSet)]` on a
//! struct implements [`LabelSet`] (its fields are the values), [`LabelNames`]
//! (its field names, or `#[label(rename = "...")]`, are the names),
//! [`LabelCount`] (how many) and [`EncodeInfo`](crate::field::EncodeInfo) (to be an
//! `info` metric); `#[derive(LabelValue)]` on a fieldless enum implements
//! [`LabelValue`].
//!
//! # Example
//!
//! ```
//! use exporter_core::labels::{LabelNames, LabelSet, LabelValue};
//!
//! #[derive(LabelValue)]
//! enum Method {
//!     Get,
//!     #[label(rename = "POST")]
//!     Post,
//! }
//!
//! #[derive(LabelSet)]
//! struct Request {
//!     // A name outside the legacy grammar is opted into (see the derive docs).
//!     #[label(rename = "http.method", allow(utf8_name))]
//!     method: Method,
//!     code: u16,
//! }
//!
//! assert_eq!(<Request as LabelNames>::NAMES, ["http.method", "code"]);
//! assert_eq!(<Request as LabelSet>::LEN, Some(2));
//! # let _ = (Method::Get, Method::Post);
//! ```

// The per-series label path is forced inline: it is generic and tiny, and
// when the compiler outlines it (it does once two call sites share it) every
// series pays a call and a match on the writer's sink; measured at about 60
// instructions per series, a quarter of a text scrape.
#![allow(clippy::inline_always)]

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use crate::escape;

/// Receives one label value. Obtained from [`LabelWriter::value`].
#[derive(Debug)]
pub struct LabelValueWriter<'a> {
    inner: ValueSink<'a>,
}

#[derive(Debug)]
enum ValueSink<'a> {
    /// Text formats: escaped straight into the output.
    Escaped(&'a mut Vec<u8>),
    /// Formats that keep label values as strings (protobuf).
    Raw(&'a mut String),
}

impl LabelValueWriter<'_> {
    /// Appends text to the value.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn write_str(&mut self, s: &str) {
        match &mut self.inner {
            ValueSink::Escaped(out) => escape::label_value_into(out, s),
            ValueSink::Raw(out) => out.push_str(s),
        }
    }

    /// Appends a signed integer to the value.
    #[inline]
    pub fn write_int(&mut self, v: i64) {
        self.write_str(itoa::Buffer::new().format(v));
    }

    /// Appends an unsigned integer to the value.
    #[inline]
    pub fn write_uint(&mut self, v: u64) {
        self.write_str(itoa::Buffer::new().format(v));
    }
}

/// Writes the label values of one series, pairing each with the next label name.
#[derive(Debug)]
pub struct LabelWriter<'a> {
    sink: LabelSink<'a>,
    count: usize,
}

#[derive(Debug)]
enum LabelSink<'a> {
    /// Text formats: `,name="value"` straight into the output.
    Text {
        out: &'a mut Vec<u8>,
        /// The descriptor's pre-rendered `,name="` per label.
        starts: &'a [Box<str>],
        /// What goes before the first value: its start without the comma
        /// when nothing precedes it, or nothing when the line's head has it.
        first_start: &'a [u8],
        /// Leave the last value's closing quote to the caller, who writes it
        /// together with what follows.
        open_last: bool,
    },
    /// Pair formats (protobuf): `(name, value)` strings.
    Pairs {
        names: &'a [String],
        out: &'a mut Vec<(String, String)>,
    },
}

impl<'a> LabelWriter<'a> {
    /// Text formats: writes `,name="value"` pairs of a descriptor's variable
    /// labels into `out`; `starts` is its `rendered().label_starts` (each
    /// `,name="`), and `needs_comma` says whether a pair (a const label) was
    /// already written before these.
    pub(crate) fn text(starts: &'a [Box<str>], out: &'a mut Vec<u8>, needs_comma: bool) -> Self {
        let first_start = match starts.first() {
            Some(start) if needs_comma => start.as_bytes(),
            Some(start) => &start.as_bytes()[1..],
            None => b"",
        };
        LabelWriter {
            sink: LabelSink::Text {
                out,
                starts,
                first_start,
                open_last: false,
            },
            count: 0,
        }
    }

    /// Like [`text`](Self::text), after the descriptor's `head`, which
    /// already ends in the first label's `name="`, and without the last
    /// value's closing quote, which the caller writes.
    /// `starts` is the descriptor's `rendered().label_starts`.
    pub(crate) fn text_after_head_open(starts: &'a [Box<str>], out: &'a mut Vec<u8>) -> Self {
        LabelWriter {
            sink: LabelSink::Text {
                out,
                starts,
                first_start: b"",
                open_last: true,
            },
            count: 0,
        }
    }

    /// Pair formats (protobuf): pushes `(name, value)` pairs.
    pub(crate) fn pairs(names: &'a [String], out: &'a mut Vec<(String, String)>) -> Self {
        LabelWriter {
            sink: LabelSink::Pairs { names, out },
            count: 0,
        }
    }

    /// How many values were written (to compare with the number of names).
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// Writes the next label value.
    ///
    /// Values past the last label name are only counted, so that the caller
    /// can report the arity error.
    // Always inlined: with the sink known at the call site, the match on it
    // disappears from the per-series path.
    #[inline(always)]
    pub fn value<V: LabelValue + ?Sized>(&mut self, value: &V) {
        let index = self.count;
        self.count += 1;
        match &mut self.sink {
            LabelSink::Text {
                out,
                starts,
                first_start,
                open_last,
            } => {
                let Some(start) = starts.get(index) else {
                    return;
                };
                // `,name="`: one copy for the separator, the name and the quote
                // (none for the first value after a line head, which has it).
                let start = if index == 0 {
                    first_start
                } else {
                    start.as_bytes()
                };
                if !start.is_empty() {
                    out.extend_from_slice(start);
                }
                value.encode_label_value(&mut LabelValueWriter {
                    inner: ValueSink::Escaped(out),
                });
                if !(*open_last && index + 1 == starts.len()) {
                    out.push(b'"');
                }
            }
            LabelSink::Pairs { names, out } => {
                let Some(name) = names.get(index) else {
                    return;
                };
                let mut s = String::new();
                value.encode_label_value(&mut LabelValueWriter {
                    inner: ValueSink::Raw(&mut s),
                });
                out.push((name.clone(), s));
            }
        }
    }
}

/// A Rust value that can be one label value: strings, integers, `bool`, or an
/// enum with `#[derive(LabelValue)]` (which implements this trait).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a label value",
    label = "not a label value",
    note = "label values are `String`, `&str`, `Cow<str>`, integers, `bool`, or an enum with `#[derive(LabelValue)]`"
)]
pub trait LabelValue {
    /// Writes the value.
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>);
}

/// The label values of one series, in the order of the descriptor's label
/// names; what `#[derive(LabelSet)]` implements.
///
/// Implemented for `()` (no labels), arrays, slices, `Vec`s and tuples of
/// [`LabelValue`], and structs with `#[derive(LabelSet)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as the label values of a series",
    label = "not a set of label values",
    note = "use an array `[T; N]`, a tuple, or a struct with `#[derive(LabelSet)]`, whose items are label values"
)]
pub trait LabelSet {
    /// The number of values, when the type fixes it (arrays, tuples, label sets).
    const LEN: Option<usize>;

    /// Writes each value in order.
    fn encode_label_values(&self, w: &mut LabelWriter<'_>);
}

impl LabelValue for str {
    // Always inlined, like the rest of a label value's path (see `LabelWriter::value`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self);
    }
}

impl LabelValue for String {
    // Always inlined, like the rest of a label value's path (see `LabelWriter::value`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self);
    }
}

impl LabelValue for Cow<'_, str> {
    // Always inlined, like the rest of a label value's path (see `LabelWriter::value`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self);
    }
}

impl LabelValue for bool {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(if *self { "true" } else { "false" });
    }
}

impl LabelValue for char {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self.encode_utf8(&mut [0; 4]));
    }
}

macro_rules! int_label {
    ($method:ident as $target:ty: $($t:ty),*) => {$(
        impl LabelValue for $t {
            #[inline]
            fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
                w.$method(<$target>::from(*self));
            }
        }
    )*};
}

int_label!(write_int as i64: i8, i16, i32, i64);
int_label!(write_uint as u64: u8, u16, u32, u64);

impl LabelValue for usize {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_uint(*self as u64);
    }
}

impl LabelValue for isize {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_int(*self as i64);
    }
}

macro_rules! deref_label {
    ($($ptr:ty),*) => {$(
        impl<T: LabelValue + ?Sized> LabelValue for $ptr {
            #[inline]
            fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
                (**self).encode_label_value(w);
            }
        }
    )*};
}

deref_label!(&T, Box<T>, Arc<T>, Rc<T>);

impl LabelSet for () {
    const LEN: Option<usize> = Some(0);

    #[inline(always)]
    fn encode_label_values(&self, _: &mut LabelWriter<'_>) {}
}

impl<T: LabelValue, const N: usize> LabelSet for [T; N] {
    const LEN: Option<usize> = Some(N);

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        for v in self {
            w.value(v);
        }
    }
}

impl<T: LabelValue> LabelSet for [T] {
    const LEN: Option<usize> = None;

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        for v in self {
            w.value(v);
        }
    }
}

impl<T: LabelValue> LabelSet for Vec<T> {
    const LEN: Option<usize> = None;

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        for v in self {
            w.value(v);
        }
    }
}

impl<T: LabelSet + ?Sized> LabelSet for &T {
    const LEN: Option<usize> = T::LEN;

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        (**self).encode_label_values(w);
    }
}

macro_rules! tuple_labels {
    ($len:literal: $($name:ident),+) => {
        impl<$($name: LabelValue),+> LabelSet for ($($name,)+) {
            const LEN: Option<usize> = Some($len);

            #[inline(always)]
            #[allow(non_snake_case)]
            fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
                let ($($name,)+) = self;
                $(w.value($name);)+
            }
        }
    };
}

tuple_labels!(1: A);
tuple_labels!(2: A, B);
tuple_labels!(3: A, B, C);
tuple_labels!(4: A, B, C, D);
tuple_labels!(5: A, B, C, D, E);
tuple_labels!(6: A, B, C, D, E, F);
tuple_labels!(7: A, B, C, D, E, F, G);
tuple_labels!(8: A, B, C, D, E, F, G, H);

/// The derives, next to the traits they implement (as serde does), so
/// `use exporter_core::labels::LabelSet` brings both.
#[cfg(feature = "derive")]
pub use exporter_derive::{LabelSet, LabelValue};

/// The label names of a key type: what `#[derive(LabelSet)]` implements, so
/// a `#[derive(Collector)]` field keyed by the struct needs no `labels(...)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name its labels",
    label = "label names unknown",
    note = "add `labels(name, ...)` to the field's `#[metric(...)]`, or use a struct with `#[derive(LabelSet)]` as the key"
)]
pub trait LabelNames {
    /// One name per label value, in the order the values are written.
    const NAMES: &'static [&'static str];
}

/// How many label values a key type carries, whatever they are: what
/// `#[derive(Collector)]` compares with the names of `labels(...)` while
/// compiling (see [`LabelArity`]).
///
/// Implemented for `()`, arrays `[T; N]`, tuples, references to them and
/// `#[derive(LabelSet)]` structs; slices and `Vec`s carry any number
/// (`None`: checked per series when collecting).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not say how many label values it carries",
    label = "label count unknown",
    note = "implement `exporter_core::labels::LabelCount` (a `#[derive(LabelSet)]` struct does), or use an array or a tuple as the key"
)]
pub trait LabelCount {
    /// The number of label values, when the type fixes it.
    const COUNT: Option<usize>;
}

impl LabelCount for () {
    const COUNT: Option<usize> = Some(0);
}
impl<T, const N: usize> LabelCount for [T; N] {
    const COUNT: Option<usize> = Some(N);
}
impl<T> LabelCount for [T] {
    const COUNT: Option<usize> = None;
}
impl<T> LabelCount for Vec<T> {
    const COUNT: Option<usize> = None;
}
impl<T: LabelCount + ?Sized> LabelCount for &T {
    const COUNT: Option<usize> = T::COUNT;
}

macro_rules! tuple_count {
    ($len:literal: $($name:ident),+) => {
        impl<$($name),+> LabelCount for ($($name,)+) {
            const COUNT: Option<usize> = Some($len);
        }
    };
}

tuple_count!(1: A);
tuple_count!(2: A, B);
tuple_count!(3: A, B, C);
tuple_count!(4: A, B, C, D);
tuple_count!(5: A, B, C, D, E);
tuple_count!(6: A, B, C, D, E, F);
tuple_count!(7: A, B, C, D, E, F, G);
tuple_count!(8: A, B, C, D, E, F, G, H);

/// The derive's label-count check: implemented only when the `NAMES` of
/// `labels(...)` equal the `VALUES` the key `K` carries, so a mismatch is a
/// compile error (E0277) that names the key and both counts.
#[diagnostic::on_unimplemented(
    message = "`labels(...)` names {NAMES} label(s), but the key `{K}` carries {VALUES} label value(s)",
    label = "{NAMES} name(s) for {VALUES} value(s)",
    note = "give one name in `labels(...)` per value of the key, or change the key type"
)]
pub trait LabelArity<K: ?Sized, const NAMES: usize, const VALUES: usize> {
    /// Named by the check (`<Arity as LabelArity<K, 2, 1>>::FITS`).
    const FITS: () = ();
}

/// The type the derive's check asks [`LabelArity`] of.
#[derive(Debug, Clone, Copy)]
pub struct Arity;

impl<K: ?Sized, const N: usize> LabelArity<K, N, N> for Arity {}

/// The count a key carries for the check: its [`LabelCount::COUNT`], or
/// `names` when the key does not fix it (checked per series instead).
#[doc(hidden)]
pub const fn count_or(count: Option<usize>, names: usize) -> usize {
    match count {
        Some(n) => n,
        None => names,
    }
}
