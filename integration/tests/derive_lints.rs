//! Derived code compiles without warnings under strict lints: generics,
//! lifetimes, `r#type` fields, `Option` fields, label sets and flatten, and
//! the constructor of native histograms with every `native(...)` option.
#![deny(warnings, unused_qualifications, clippy::pedantic)]

use std::collections::BTreeMap;

use exporter_core::{Collector, LabelSet, LabelValue};

#[derive(LabelValue, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Up,
    #[label(rename = "down")]
    Down,
}

#[derive(LabelSet, PartialEq, Eq, PartialOrd, Ord)]
struct Key<'a> {
    r#type: &'a str,
    state: State,
}

#[derive(Collector)]
#[collector(namespace = "lint", subsystem = "test", const_labels(source = "unit"))]
struct Generic<'a, T, L>
where
    T: Copy,
{
    /// A generic value.
    #[metric(gauge)]
    value: T,
    /// Generic rows.
    #[metric(gauge, labels(r#type))]
    rows: Vec<(L, f64)>,
    /// Borrowed rows.
    #[metric(counter, labels(kind))]
    borrowed_total: &'a [([&'a str; 1], u64)],
    /// Keyed by a label set.
    #[metric(gauge)]
    keyed: BTreeMap<Key<'a>, i64>,
    /// A raw identifier field.
    #[metric(untyped)]
    r#type: Option<u8>,
    /// Maybe absent.
    #[metric(gauge, unit = "seconds")]
    maybe_seconds: Option<std::time::Duration>,
    #[metric(flatten)]
    nested: Nested,
    #[metric(skip)]
    _note: &'a str,
}

#[derive(Collector)]
struct Nested {
    /// A nested value.
    #[metric(gauge)]
    nested_value: f64,
}

#[derive(Collector)]
#[collector(new)]
struct Latency {
    /// Native only, every option.
    #[metric(native(
        factor = 1.1,
        zero_threshold = 0,
        max_buckets = 160,
        min_reset_duration = "1h",
        max_zero_threshold = 0.01,
        max_exemplars = 4
    ))]
    native_seconds: exporter_core::metric::Histogram,
    /// Native and classic, in a family.
    #[metric(labels(method), buckets(0.1, 1), native(factor = 2))]
    both_seconds: exporter_core::metric::Family<[String; 1], exporter_core::metric::Histogram>,
    /// Not a metric: the constructor builds it with `Default`.
    #[metric(skip)]
    _created: exporter_core::CounterSnapshot<u64>,
}

#[test]
fn native_constructor_compiles() {
    let n = Latency::new();
    assert_eq!(n.native_seconds.native_schema(), Some(3));
    assert_eq!(n.native_seconds.native_zero_bucket(), Some((0.0, 0)));
    n.both_seconds.with(&["GET"], |h| {
        assert_eq!(h.native_schema(), Some(0));
        assert_eq!(h.buckets(), [0.1, 1.0]);
    });
    assert_eq!(n.describe().len(), 2);
}

#[test]
fn compiles_and_describes() {
    let rows = [(["a"], 1)];
    let g = Generic {
        value: 1.5_f64,
        rows: vec![(("x",), 2.0)],
        borrowed_total: &rows,
        keyed: BTreeMap::from([
            (
                Key {
                    r#type: "t",
                    state: State::Up,
                },
                1,
            ),
            (
                Key {
                    r#type: "t",
                    state: State::Down,
                },
                0,
            ),
        ]),
        r#type: Some(3),
        maybe_seconds: None,
        nested: Nested { nested_value: 0.5 },
        _note: "",
    };
    let names: Vec<&str> = g.describe().iter().map(|d| d.name()).collect();
    assert_eq!(
        names,
        [
            "lint_test_value",
            "lint_test_rows",
            "lint_test_borrowed_total",
            "lint_test_keyed",
            "lint_test_type",
            "lint_test_maybe_seconds",
            "nested_value",
        ]
    );
    let mut encoder = exporter_core::MetricEncoder::new(exporter_core::Format::Text);
    g.collect(&mut encoder).unwrap();
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("lint_test_keyed{source=\"unit\",type=\"t\",state=\"down\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("lint_test_keyed{source=\"unit\",type=\"t\",state=\"Up\"} 1\n"),
        "{text}"
    );
}
