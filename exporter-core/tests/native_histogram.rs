//! Native histograms: bucket index against Go's `math.Frexp` formula, schema
//! from the factor, Go's bucket limiting (reset, zero bucket, resolution),
//! families, and what a scrape writes in each format.

// Bucket arithmetic is exact (powers of two, Go's `frac == 0.5`).
#![allow(clippy::float_cmp)]

use exporter_core::metric::{
    native_bucket_index, native_bucket_upper_bound, native_schema_for_factor, native_widened_index,
    BucketError, Family, Histogram, NATIVE_DEFAULT_ZERO_THRESHOLD,
};
use proptest::prelude::*;
use std::time::Duration;

/// Go's `math.Frexp`, by halving and doubling (exact in binary floating point).
fn reference_frexp(v: f64) -> (f64, i32) {
    let mut f = v;
    let mut e = 0;
    // Bring subnormals up first; doubling is exact.
    while f < 0.5 {
        f *= 2.0;
        e -= 1;
    }
    while f >= 1.0 {
        f /= 2.0;
        e += 1;
    }
    (f, e)
}

/// client_golang's `histogramCounts.observe`, line for line.
fn reference_index(v: f64, schema: i32) -> i32 {
    let mut v = v.abs();
    let is_inf = v.is_infinite();
    if is_inf {
        v = f64::MAX;
    }
    let (frac, exp) = reference_frexp(v);
    let mut key = if schema > 0 {
        let n = 1usize << schema;
        let bounds: Vec<f64> = (0..n).map(|j| 0.5 * (j as f64 / n as f64).exp2()).collect();
        // sort.SearchFloat64s
        let i = bounds.iter().position(|&b| b >= frac).unwrap_or(n);
        i as i32 + (exp - 1) * n as i32
    } else {
        let mut key = exp;
        if frac == 0.5 {
            key -= 1;
        }
        let offset = (1 << -schema) - 1;
        (key + offset) >> -schema
    };
    if is_inf {
        key += 1;
    }
    key
}

fn nonzero_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("bucketed", |v| !v.is_nan() && *v != 0.0),
        (1e-6f64..1e6),
        (-1e3f64..-1e-3),
        Just(f64::INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(f64::from_bits(1)),
    ]
}

proptest! {
    #[test]
    fn index_matches_go_formula(v in nonzero_float(), schema in -4i32..=8) {
        let got = native_bucket_index(v, schema);
        prop_assert_eq!(got, reference_index(v, schema));
        // And the bucket really holds v: (upper(key-1), upper(key)] (away
        // from the subnormals, where the bounds themselves are rounded).
        let a = v.abs();
        if a > 1e-300 {
            prop_assert!(a <= native_bucket_upper_bound(got, schema));
            prop_assert!(a > native_bucket_upper_bound(got - 1, schema));
        }
    }

    /// Halving the resolution maps each bucket into the coarser one that holds
    /// its observations, and keeps every count.
    #[test]
    fn halving_keeps_counts(values in prop::collection::vec(1e-3f64..1e3, 1..200), schema in -3i32..=8) {
        for &v in &values {
            prop_assert_eq!(
                native_widened_index(native_bucket_index(v, schema)),
                native_bucket_index(v, schema - 1)
            );
        }
        // A histogram limited to 4 buckets keeps halving: counts are kept.
        let h = Histogram::builder()
            .native(2f64.powf(2f64.powi(-schema)))
            .native_max_buckets(4)
            .build()
            .unwrap();
        for &v in &values {
            h.observe(v);
        }
        let b = h.native_buckets().unwrap();
        let total: u64 = b.positive.iter().map(|&(_, c)| c).sum::<u64>() + b.zero_count;
        prop_assert_eq!(total, values.len() as u64);
        prop_assert_eq!(h.count(), values.len() as u64);
        // Each observation is in the bucket its value falls in at the final schema.
        for &v in &values {
            let k = native_bucket_index(v, b.schema);
            prop_assert!(b.positive.iter().any(|&(i, _)| i == k));
        }
    }
}

#[test]
fn schema_comes_from_the_factor_as_go_picks_it() {
    for (factor, schema) in [
        (1.0001, 8),
        (1.003, 8),
        (1.006, 7),
        (1.01, 7),
        (1.02, 6),
        (1.05, 4),
        (1.1, 3),
        (1.2, 2),
        (1.5, 1),
        (2.0, 0),
        (3.0, 0),
        (4.0, -1),
        (16.0, -2),
        (256.0, -3),
        (65536.0, -4),
        (1e100, -4),
    ] {
        assert_eq!(native_schema_for_factor(factor), schema, "factor {factor}");
        let h = Histogram::builder().native(factor).build().unwrap();
        assert_eq!(h.native_schema(), Some(schema));
    }
}

#[test]
fn bad_factors_and_thresholds_are_errors_not_panics() {
    for f in [1.0, 0.5, -2.0, f64::NAN] {
        assert!(matches!(
            Histogram::builder().native(f).build(),
            Err(BucketError::NativeFactor(_))
        ));
    }
    assert!(matches!(
        Histogram::builder()
            .native(1.1)
            .native_zero_threshold(f64::NAN)
            .build(),
        Err(BucketError::NativeZeroThreshold(_))
    ));
}

#[test]
fn native_only_has_no_classic_buckets_and_both_keeps_them() {
    let native = Histogram::builder().native(1.1).build().unwrap();
    assert!(native.buckets().is_empty());
    assert_eq!(
        native.native_zero_bucket(),
        Some((NATIVE_DEFAULT_ZERO_THRESHOLD, 0))
    );
    let both = Histogram::builder()
        .buckets([0.1, 1.0])
        .native(1.1)
        .build()
        .unwrap();
    assert_eq!(both.buckets(), [0.1, 1.0]);
    let classic = Histogram::builder().build().unwrap();
    assert_eq!(classic.buckets(), exporter_core::metric::DEFAULT_BUCKETS);
    assert_eq!(classic.native_schema(), None);
}

#[test]
fn observations_land_in_zero_positive_and_negative_buckets() {
    let h = Histogram::builder()
        .native(2.0)
        .native_zero_threshold(0.01)
        .build()
        .unwrap();
    for v in [0.0, 0.005, -0.005, 1.0, 1.5, 3.0, -1.5, f64::NAN] {
        h.observe(v);
    }
    let b = h.native_buckets().unwrap();
    assert_eq!(b.schema, 0);
    assert_eq!(b.zero_count, 3);
    assert_eq!(b.positive, [(0, 1), (1, 1), (2, 1)]);
    assert_eq!(b.negative, [(1, 1)]);
    // NaN is counted, in no native bucket.
    assert_eq!(h.count(), 8);
    assert!(h.sum().is_nan());
}

#[test]
fn past_the_limit_the_zero_bucket_widens_first_when_allowed() {
    let h = Histogram::builder()
        .native(2.0)
        .native_max_buckets(2)
        .native_max_zero_threshold(0.6)
        .build()
        .unwrap();
    for v in [0.3, 1.5, 3.0] {
        h.observe(v);
    }
    // The bucket of 0.3, (0.25, 0.5], became part of the zero bucket.
    let b = h.native_buckets().unwrap();
    assert_eq!(b.schema, 0);
    assert_eq!((b.zero_threshold, b.zero_count), (0.5, 1));
    assert_eq!(b.positive, [(1, 1), (2, 1)]);
    // The next can only halve the resolution (0.5 -> 1 would exceed 0.6).
    h.observe(6.0);
    let b = h.native_buckets().unwrap();
    assert_eq!(b.schema, -1);
    assert_eq!(b.positive, [(1, 2), (2, 1)]);
}

#[test]
fn past_the_limit_after_the_min_reset_duration_it_resets() {
    let h = Histogram::builder()
        .native(2.0)
        .native_max_buckets(2)
        .native_min_reset_duration(Duration::from_millis(50))
        .build()
        .unwrap();
    let created = h.created();
    h.observe(1.0);
    h.observe(2.0);
    h.observe(4.0); // within the duration: halves instead
    assert_eq!(h.native_schema(), Some(-1));
    std::thread::sleep(Duration::from_millis(60));
    h.observe(100.0); // past it: a reset that keeps only this observation
    assert_eq!(h.native_schema(), Some(0));
    assert_eq!(h.count(), 1);
    assert_eq!(h.sum(), 100.0);
    assert!(h.created() > created);
}

#[test]
fn families_build_each_series_like_the_prototype() {
    let proto = Histogram::builder().native(1.1).build().unwrap();
    let family = Family::<[String; 1], Histogram>::new_with(move || proto.empty_like());
    family.with(&["GET"], |h| h.observe(0.25));
    family.with(&["POST"], |h| h.observe(0.5));
    let get = family.get(&["GET"]).unwrap();
    assert_eq!(get.native_schema(), Some(3));
    assert_eq!(get.native_bucket_count(), 1);
}

#[test]
fn exemplars_are_checked() {
    let h = Histogram::builder().native(1.1).build().unwrap();
    h.observe_with_exemplar(0.2, &[("trace_id", "abc")])
        .unwrap();
    assert!(h.observe_with_exemplar(0.2, &[("bad-name", "x")]).is_err());
    assert_eq!(h.count(), 2);
}

// ---- What a scrape writes ----

#[path = "../src/encoding/proto.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod client_model;

use exporter_core::value::{NativeHistogramError, NativeHistogramSnapshot};
use exporter_core::{Desc, Format, MetricEncoder, MetricType};
use prost::Message;

fn scrape(format: Format, created_lines: bool, f: impl FnOnce(&mut MetricEncoder)) -> Vec<u8> {
    let mut enc = MetricEncoder::new(format);
    enc.openmetrics_created_lines(created_lines);
    f(&mut enc);
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    out
}

fn latency_desc() -> Desc {
    Desc::new(
        "latency_seconds",
        "Latency.",
        MetricType::Histogram,
        ["method"],
    )
    .unwrap()
}

fn decode(bytes: &[u8]) -> Vec<client_model::MetricFamily> {
    let mut buf = bytes;
    let mut out = Vec::new();
    while !buf.is_empty() {
        out.push(client_model::MetricFamily::decode_length_delimited(&mut buf).unwrap());
    }
    out
}

fn observed() -> Family<[String; 1], Histogram> {
    let proto = Histogram::builder()
        .native(2.0)
        .native_zero_threshold(0.01)
        .build()
        .unwrap();
    let family = Family::<[String; 1], Histogram>::new_with(move || proto.empty_like());
    for v in [0.0, 1.0, 1.5, 1.75, 3.0, 100.0, -1.5] {
        family.with(&["GET"], |h| h.observe(v));
    }
    family
}

fn write_family(enc: &mut MetricEncoder, family: &Family<[String; 1], Histogram>) {
    use exporter_core::field::EncodeFamily;
    let desc = latency_desc();
    let mut fam = enc.family(&desc).unwrap();
    family.encode_family(&mut fam).unwrap();
}

#[test]
fn protobuf_carries_spans_deltas_zero_bucket_and_created_time() {
    let family = observed();
    let bytes = scrape(Format::Protobuf, false, |enc| write_family(enc, &family));
    let fams = decode(&bytes);
    assert_eq!(fams.len(), 1);
    let h = fams[0].metric[0].histogram.as_ref().unwrap();
    assert_eq!(h.schema, Some(0));
    assert_eq!(h.zero_threshold, Some(0.01));
    assert_eq!(h.zero_count, Some(1));
    assert_eq!(h.sample_count, Some(7));
    assert_eq!(
        h.sample_sum,
        Some(0.0 + 1.0 + 1.5 + 1.75 + 3.0 + 100.0 - 1.5)
    );
    // Positive buckets 0 (1.0), 1 (1.5, 1.75), 2 (3.0), 7 (100): one span of
    // three, then a gap of four starts another.
    let spans: Vec<_> = h
        .positive_span
        .iter()
        .map(|s| (s.offset.unwrap(), s.length.unwrap()))
        .collect();
    assert_eq!(spans, [(0, 3), (4, 1)]);
    assert_eq!(h.positive_delta, [1, 1, -1, 0]);
    let negative: Vec<_> = h
        .negative_span
        .iter()
        .map(|s| (s.offset.unwrap(), s.length.unwrap()))
        .collect();
    assert_eq!(negative, [(1, 1)]);
    assert_eq!(h.negative_delta, [1]);
    // Only native: no classic buckets.
    assert!(h.bucket.is_empty());
    // Created when the series was made.
    let created = h.created_timestamp.as_ref().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - created.seconds).abs() < 60);
}

#[test]
fn text_and_openmetrics_write_a_native_only_histogram_as_go_does() {
    let family = observed();
    let text = String::from_utf8(scrape(Format::Text, false, |enc| {
        write_family(enc, &family);
    }))
    .unwrap();
    assert_eq!(
        text,
        "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n\
         latency_seconds_bucket{method=\"GET\",le=\"+Inf\"} 7\n\
         latency_seconds_sum{method=\"GET\"} 105.75\n\
         latency_seconds_count{method=\"GET\"} 7\n"
    );
    let om = String::from_utf8(scrape(Format::OpenMetrics, false, |enc| {
        write_family(enc, &family);
    }))
    .unwrap();
    assert_eq!(
        om,
        "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n\
         latency_seconds_bucket{method=\"GET\",le=\"+Inf\"} 7\n\
         latency_seconds_sum{method=\"GET\"} 105.75\n\
         latency_seconds_count{method=\"GET\"} 7\n# EOF\n"
    );
    // With `_created` lines on, the histogram's created time follows.
    let om = String::from_utf8(scrape(Format::OpenMetrics, true, |enc| {
        write_family(enc, &family);
    }))
    .unwrap();
    assert!(
        om.contains("latency_seconds_created{method=\"GET\"} 1"),
        "{om}"
    );
}

#[test]
fn a_histogram_that_is_both_shows_its_classic_buckets_in_text_and_both_in_protobuf() {
    let h = Histogram::builder()
        .buckets([1.0, 10.0])
        .native(1.1)
        .build()
        .unwrap();
    for v in [0.5, 2.0, 20.0] {
        h.observe(v);
    }
    let write = |enc: &mut MetricEncoder| {
        use exporter_core::field::EncodeMetric;
        let desc = latency_desc();
        h.encode_metric(&["GET"], &mut enc.family(&desc).unwrap())
            .unwrap();
    };
    let text = String::from_utf8(scrape(Format::Text, false, write)).unwrap();
    assert!(text.contains("latency_seconds_bucket{method=\"GET\",le=\"1\"} 1\n"));
    assert!(text.contains("latency_seconds_bucket{method=\"GET\",le=\"10\"} 2\n"));
    assert!(text.contains("latency_seconds_bucket{method=\"GET\",le=\"+Inf\"} 3\n"));
    let fams = decode(&scrape(Format::Protobuf, false, write));
    let p = fams[0].metric[0].histogram.as_ref().unwrap();
    assert_eq!(p.bucket.len(), 2);
    assert_eq!(p.schema, Some(3));
    let buckets: i64 = {
        let mut acc = 0;
        let mut total = 0;
        for d in &p.positive_delta {
            acc += d;
            total += acc;
        }
        total
    };
    assert_eq!(buckets, 3);
}

#[test]
fn an_empty_native_histogram_without_zero_bucket_gets_a_no_op_span() {
    let h = Histogram::builder()
        .native(1.1)
        .native_zero_threshold(-1.0)
        .build()
        .unwrap();
    let fams = decode(&scrape(Format::Protobuf, false, |enc| {
        use exporter_core::field::EncodeMetric;
        let desc = latency_desc();
        h.encode_metric(&["GET"], &mut enc.family(&desc).unwrap())
            .unwrap();
    }));
    let p = fams[0].metric[0].histogram.as_ref().unwrap();
    assert_eq!(p.zero_threshold, Some(0.0));
    let spans: Vec<_> = p
        .positive_span
        .iter()
        .map(|s| (s.offset.unwrap(), s.length.unwrap()))
        .collect();
    assert_eq!(spans, [(0, 0)]);
}

#[test]
fn native_exemplars_go_to_protobuf() {
    let h = Histogram::builder().native(1.1).build().unwrap();
    h.observe_with_exemplar(0.2, &[("trace_id", "abc")])
        .unwrap();
    let fams = decode(&scrape(Format::Protobuf, false, |enc| {
        use exporter_core::field::EncodeMetric;
        let desc = latency_desc();
        h.encode_metric(&["GET"], &mut enc.family(&desc).unwrap())
            .unwrap();
    }));
    let p = fams[0].metric[0].histogram.as_ref().unwrap();
    assert_eq!(p.exemplars.len(), 1);
    assert_eq!(p.exemplars[0].value, Some(0.2));
    assert_eq!(p.exemplars[0].label[0].value.as_deref(), Some("abc"));
}

#[test]
fn const_native_histograms_from_snapshots() {
    let snap =
        NativeHistogramSnapshot::from_buckets(1, 0.001, 2, [(3, 1), (0, 4)], [(2, 1)], 9.5, 8)
            .unwrap();
    let fams = decode(&scrape(Format::Protobuf, false, |enc| {
        let desc = latency_desc();
        enc.family(&desc)
            .unwrap()
            .native_histogram(&["GET"], &snap.as_value())
            .unwrap();
    }));
    let p = fams[0].metric[0].histogram.as_ref().unwrap();
    assert_eq!(
        (p.schema, p.zero_count, p.sample_count),
        (Some(1), Some(2), Some(8))
    );
    let spans: Vec<_> = p
        .positive_span
        .iter()
        .map(|s| (s.offset.unwrap(), s.length.unwrap()))
        .collect();
    // Indexes 0 and 3: a gap of two is filled with empty buckets.
    assert_eq!(spans, [(0, 4)]);
    assert_eq!(p.positive_delta, [4, -4, 0, 1]);
    // Go's checks.
    assert_eq!(
        NativeHistogramSnapshot::from_buckets(9, 0.0, 0, [], [], 0.0, 0),
        Err(NativeHistogramError::Schema(9))
    );
    assert!(matches!(
        NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [(1, 2)], [], 1.0, 3),
        Err(NativeHistogramError::Count { .. })
    ));
    // A NaN sum allows NaN observations in no bucket.
    assert!(NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [(1, 2)], [], f64::NAN, 3).is_ok());
    assert!(matches!(
        NativeHistogramSnapshot::from_buckets(0, -1.0, 0, [], [], 0.0, 0),
        Err(NativeHistogramError::ZeroThreshold(_))
    ));
}
