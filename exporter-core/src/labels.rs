//! Label values: how Rust values become the `name="value"` pairs of a series.
//!
//! A sample's variable label *names* live in its [`Desc`](crate::Desc); the
//! sample supplies only the *values*, in the same order, through
//! [`EncodeLabelValues`]. Encoders write them straight into the output, so a
//! series costs no allocation.

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
    pub fn value<V: EncodeLabelValue + ?Sized>(&mut self, value: &V) {
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
/// enum with `#[derive(LabelValue)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a label value",
    label = "not a label value",
    note = "label values are `String`, `&str`, `Cow<str>`, integers, `bool`, or an enum with `#[derive(LabelValue)]`"
)]
pub trait EncodeLabelValue {
    /// Writes the value.
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>);
}

/// The label values of one series, in the order of the descriptor's label names.
///
/// Implemented for `()` (no labels), arrays, slices, `Vec`s and tuples of
/// [`EncodeLabelValue`], and structs with `#[derive(LabelSet)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as the label values of a series",
    label = "not a set of label values",
    note = "use an array `[T; N]`, a tuple, or a struct with `#[derive(LabelSet)]`, whose items are label values"
)]
pub trait EncodeLabelValues {
    /// The number of values, when the type fixes it (arrays, tuples, label sets).
    const LEN: Option<usize>;

    /// Writes each value in order.
    fn encode_label_values(&self, w: &mut LabelWriter<'_>);
}

impl EncodeLabelValue for str {
    // Always inlined, like the rest of a label value's path (see `LabelWriter::value`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self);
    }
}

impl EncodeLabelValue for String {
    // Always inlined, like the rest of a label value's path (see `LabelWriter::value`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self);
    }
}

impl EncodeLabelValue for Cow<'_, str> {
    // Always inlined, like the rest of a label value's path (see `LabelWriter::value`).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self);
    }
}

impl EncodeLabelValue for bool {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(if *self { "true" } else { "false" });
    }
}

impl EncodeLabelValue for char {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_str(self.encode_utf8(&mut [0; 4]));
    }
}

macro_rules! int_label {
    ($method:ident as $target:ty: $($t:ty),*) => {$(
        impl EncodeLabelValue for $t {
            #[inline]
            fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
                w.$method(<$target>::from(*self));
            }
        }
    )*};
}

int_label!(write_int as i64: i8, i16, i32, i64);
int_label!(write_uint as u64: u8, u16, u32, u64);

impl EncodeLabelValue for usize {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_uint(*self as u64);
    }
}

impl EncodeLabelValue for isize {
    #[inline]
    fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
        w.write_int(*self as i64);
    }
}

macro_rules! deref_label {
    ($($ptr:ty),*) => {$(
        impl<T: EncodeLabelValue + ?Sized> EncodeLabelValue for $ptr {
            #[inline]
            fn encode_label_value(&self, w: &mut LabelValueWriter<'_>) {
                (**self).encode_label_value(w);
            }
        }
    )*};
}

deref_label!(&T, Box<T>, Arc<T>, Rc<T>);

impl EncodeLabelValues for () {
    const LEN: Option<usize> = Some(0);

    #[inline(always)]
    fn encode_label_values(&self, _: &mut LabelWriter<'_>) {}
}

impl<T: EncodeLabelValue, const N: usize> EncodeLabelValues for [T; N] {
    const LEN: Option<usize> = Some(N);

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        for v in self {
            w.value(v);
        }
    }
}

impl<T: EncodeLabelValue> EncodeLabelValues for [T] {
    const LEN: Option<usize> = None;

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        for v in self {
            w.value(v);
        }
    }
}

impl<T: EncodeLabelValue> EncodeLabelValues for Vec<T> {
    const LEN: Option<usize> = None;

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        for v in self {
            w.value(v);
        }
    }
}

impl<T: EncodeLabelValues + ?Sized> EncodeLabelValues for &T {
    const LEN: Option<usize> = T::LEN;

    #[inline(always)]
    fn encode_label_values(&self, w: &mut LabelWriter<'_>) {
        (**self).encode_label_values(w);
    }
}

macro_rules! tuple_labels {
    ($len:literal: $($name:ident),+) => {
        impl<$($name: EncodeLabelValue),+> EncodeLabelValues for ($($name,)+) {
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
