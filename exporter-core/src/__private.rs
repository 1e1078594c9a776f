//! Support for the code `#[derive(Collector)]`, `#[derive(LabelSet)]` and
//! `#[derive(LabelValue)]` generate: re-exports under one path, and `const`
//! helpers for the compile-time checks. Not a public API: anything here may
//! change in any release. The traits the generated code implements and
//! names in its errors are public and documented: [`crate::field`] and
//! [`crate::labels`].

/// `impl prometheus::core::Collector` for a derived type (nothing without the
/// `prometheus` feature).
pub use crate::__impl_prometheus_collector;
pub use crate::collector::{Collector, LazyDescs, StaticCollector};
pub use crate::desc::DescError;
pub use crate::desc::{Desc, MetricType};
pub use crate::encoding::{FamilyEncoder, MetricEncoder};
pub use crate::error::CollectError;
pub use crate::field::{EncodeFamily, EncodeInfo, EncodeMetric, EncodeStateSet, MetricNames};
pub use crate::labels::{
    count_or, Arity, LabelArity, LabelCount, LabelNames, LabelSet, LabelValue, LabelValueWriter,
    LabelWriter,
};
pub use crate::metric::{Instrument, InstrumentOpts, NativeOpts};

/// Whether a field's label count `len` (if the type fixes it) differs from the `expected` names.
pub const fn label_arity_differs(len: Option<usize>, expected: usize) -> bool {
    match len {
        Some(len) => len != expected,
        None => false,
    }
}

/// Whether `labels(...)` names `expected` labels for a field that is one
/// series with no label values (a plain `f64`, a `Counter`).
pub const fn labels_on_one_series(len: Option<usize>, expected: usize) -> bool {
    matches!(len, Some(0)) && expected > 0
}

/// Whether the type the field's Rust type implies (`implied`) contradicts the attribute.
pub const fn metric_type_differs(implied: Option<MetricType>, stated: MetricType) -> bool {
    match implied {
        Some(t) => t as u8 != stated as u8,
        None => false,
    }
}

/// Whether the field's Rust type implies exactly the metric type `t`.
pub const fn implies(implied: Option<MetricType>, t: MetricType) -> bool {
    match implied {
        Some(i) => i as u8 == t as u8,
        None => false,
    }
}

/// The metric type of a field whose attribute does not state one: the type
/// its Rust type implies, checked present at compile time by the derive.
pub const fn implied_metric_type(implied: Option<MetricType>) -> MetricType {
    match implied {
        Some(t) => t,
        // Unreachable for generated code: a `const` check rejects the field first.
        None => MetricType::Untyped,
    }
}

/// Whether two lists of metric names share one (byte comparison, usable in `const`).
pub const fn names_overlap(a: &[&str], b: &[&str]) -> bool {
    let mut i = 0;
    while i < a.len() {
        let mut j = 0;
        while j < b.len() {
            if str_eq(a[i], b[j]) {
                return true;
            }
            j += 1;
        }
        i += 1;
    }
    false
}

/// Whether families `a` of type `ta` and `b` of type `tb` occupy a common
/// name: the shared rule, for the derive's check of fields whose type is
/// inferred from the field type.
pub use crate::name::collides;

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn str_eq(a: &str, b: &str) -> bool {
    bytes_eq(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_helpers() {
        assert!(names_overlap(&["a", "b_total"], &["c", "b_total"]));
        assert!(!names_overlap(&["a", "b"], &["ab", "ba"]));
        assert!(label_arity_differs(Some(1), 2));
        // The const face of the rule agrees with the one the registry calls,
        // for every type.
        let types = [
            MetricType::Counter,
            MetricType::Gauge,
            MetricType::Untyped,
            MetricType::Histogram,
            MetricType::Summary,
            MetricType::Info,
            MetricType::StateSet,
        ];
        let names = [
            "foo",
            "foo_total",
            "foo_created",
            "foo_count",
            "foo_sum",
            "foo_info",
            "foo_bucket",
            "foo_total_total",
            "foo_total_created",
            "bar",
        ];
        for a in names {
            for b in names {
                if a == b {
                    continue;
                }
                for ta in types {
                    for tb in types {
                        assert_eq!(
                            collides(a, ta, b, tb),
                            crate::name::shared_name(a, ta, b, tb).is_some(),
                            "{a} {ta:?} {b} {tb:?}"
                        );
                    }
                }
            }
        }
        assert!(!label_arity_differs(None, 2));
        assert!(metric_type_differs(
            Some(MetricType::Counter),
            MetricType::Gauge
        ));
        assert!(!metric_type_differs(None, MetricType::Gauge));
        assert_eq!(
            implied_metric_type(
                <Vec<([&str; 1], crate::HistogramSnapshot)> as EncodeFamily>::METRIC_TYPE
            ),
            MetricType::Histogram
        );
    }
}
