//! Golden tests: protobuf delimited `io.prometheus.client.MetricFamily`.
//!
//! The gauge case compares exact bytes, assembled by hand from the protobuf
//! wire format and `metrics.proto` field numbers (annotated below). The other
//! types decode the output with `prost` and compare it with a hand-written
//! message, field by field.

mod common;

// The tests decode protobuf with the crate's own copy of client_model's messages
// (crate-private in the library).
#[allow(dead_code, unreachable_pub)]
#[path = "../src/encoding/proto.rs"]
mod client_model;

use client_model::{
    Bucket, Counter, Exemplar, Gauge, Histogram, LabelPair, Metric, MetricFamily, ProtoMetricType,
    Quantile, Summary, Timestamp,
};
use exporter_core::Format;
use prost::Message;

fn decode(f: common::Fixture) -> Vec<MetricFamily> {
    let bytes = common::encode(Format::Protobuf, &[f]);
    let mut buf = bytes.as_slice();
    let mut out = Vec::new();
    while !buf.is_empty() {
        out.push(MetricFamily::decode_length_delimited(&mut buf).unwrap());
    }
    out
}

fn label(name: &str, value: &str) -> LabelPair {
    LabelPair {
        name: Some(name.into()),
        value: Some(value.into()),
    }
}

fn family(name: &str, help: &str, t: ProtoMetricType, metric: Vec<Metric>) -> MetricFamily {
    MetricFamily {
        name: Some(name.into()),
        help: Some(help.into()),
        r#type: Some(t as i32),
        metric,
        unit: None,
    }
}

fn ts(seconds: i64, nanos: i32) -> Timestamp {
    Timestamp { seconds, nanos }
}

#[test]
fn gauge_exact_bytes() {
    let hex: String = [
        "75", // varint length: 117 bytes follow
        "0a13",
        "74656d70657261747572655f63656c73697573", // 1 name "temperature_celsius"
        "1211",
        "526f6f6d2074656d70657261747572652e", // 2 help "Room temperature."
        "1801",                               // 3 type GAUGE
        "2a07",
        "63656c73697573", // 5 unit "celsius"
        "2223",           // 4 metric, 35 bytes
        "0a0f",
        "0a04726f6f6d",
        "12076b69746368656e", //   1 label room="kitchen"
        "1209",
        "09",
        "0000000000803540", //   2 gauge { 1 value 21.5 }
        "30",
        "fbd095ffbc31", //   6 timestamp_ms 1700000000123
        "221b",         // 4 metric, 27 bytes
        "0a0e",
        "0a04726f6f6d",
        "120663656c6c6172", //   1 label room="cellar"
        "1209",
        "09",
        "0000000000002840", //   2 gauge { 1 value 12.0 }
    ]
    .concat();
    let got: String = common::encode(Format::Protobuf, &[common::gauge])
        .iter()
        .fold(String::new(), |mut s, b| {
            use std::fmt::Write;
            write!(s, "{b:02x}").unwrap();
            s
        });
    assert_eq!(got, hex);
}

#[test]
fn gauge_keeps_unit() {
    let fams = decode(common::gauge);
    assert_eq!(fams[0].unit.as_deref(), Some("celsius"));
}

#[test]
fn counter() {
    let expected = family(
        "http_requests_total",
        "Requests served.",
        ProtoMetricType::Counter,
        vec![
            Metric {
                label: vec![label("code", "200"), label("server", "a")],
                counter: Some(Counter {
                    value: Some(1027.0),
                    exemplar: Some(Exemplar {
                        label: vec![label("trace_id", "abc")],
                        value: Some(1.0),
                        timestamp: Some(ts(1_700_000_000, 250_000_000)),
                    }),
                    created_timestamp: Some(ts(1_700_000_000, 500_000_000)),
                }),
                ..Default::default()
            },
            Metric {
                label: vec![label("code", "500"), label("server", "a")],
                counter: Some(Counter {
                    value: Some(3.0),
                    exemplar: None,
                    created_timestamp: None,
                }),
                ..Default::default()
            },
        ],
    );
    assert_eq!(decode(common::counter), [expected]);
}

#[test]
fn untyped() {
    let fams = decode(common::untyped);
    assert_eq!(fams.len(), 1);
    assert_eq!(fams[0].r#type, Some(ProtoMetricType::Untyped as i32));
    let metric = &fams[0].metric;
    assert_eq!(metric.len(), 1);
    assert!(metric[0].label.is_empty());
    let v = metric[0].untyped.as_ref().unwrap().value.unwrap();
    assert!(v.is_nan());
}

#[test]
fn histogram() {
    let expected = family(
        "request_duration_seconds",
        "Request latency.",
        ProtoMetricType::Histogram,
        vec![Metric {
            label: vec![label("method", "GET")],
            histogram: Some(Histogram {
                sample_count: Some(7),
                sample_sum: Some(3.25),
                // No +Inf bucket: it is implicit in protobuf, as in Go.
                bucket: vec![
                    Bucket {
                        cumulative_count: Some(2),
                        upper_bound: Some(0.1),
                        ..Default::default()
                    },
                    Bucket {
                        cumulative_count: Some(5),
                        upper_bound: Some(1.0),
                        exemplar: Some(Exemplar {
                            label: vec![label("trace_id", "x")],
                            value: Some(0.5),
                            timestamp: None,
                        }),
                        ..Default::default()
                    },
                ],
                created_timestamp: Some(ts(1_700_000_000, 0)),
                ..Default::default()
            }),
            ..Default::default()
        }],
    );
    assert_eq!(decode(common::histogram), [expected]);
}

#[test]
fn summary() {
    let expected = family(
        "rpc_latency_seconds",
        "RPC latency.",
        ProtoMetricType::Summary,
        vec![Metric {
            summary: Some(Summary {
                sample_count: Some(100),
                sample_sum: Some(12.5),
                quantile: vec![
                    Quantile {
                        quantile: Some(0.5),
                        value: Some(0.012),
                    },
                    Quantile {
                        quantile: Some(0.99),
                        value: Some(0.3),
                    },
                ],
                created_timestamp: None,
            }),
            timestamp_ms: Some(1_700_000_000_000),
            ..Default::default()
        }],
    );
    assert_eq!(decode(common::summary), [expected]);
}

#[test]
fn info_is_a_gauge_named_info() {
    let expected = family(
        "build_info",
        "Build information.",
        ProtoMetricType::Gauge,
        vec![Metric {
            label: vec![label("revision", "abc"), label("version", "1.2.3")],
            gauge: Some(Gauge { value: Some(1.0) }),
            ..Default::default()
        }],
    );
    assert_eq!(decode(common::info), [expected]);
}

#[test]
fn stateset_is_a_gauge_per_state() {
    let state = |s: &str, v: f64| Metric {
        label: vec![label("door", s), label("room", "hall")],
        gauge: Some(Gauge { value: Some(v) }),
        ..Default::default()
    };
    let expected = family(
        "door",
        "Door state.",
        ProtoMetricType::Gauge,
        vec![state("open", 1.0), state("closed", 0.0)],
    );
    assert_eq!(decode(common::stateset), [expected]);
}

#[test]
fn escaping_is_raw() {
    let fams = decode(common::escaping);
    assert_eq!(
        fams[0].help.as_deref(),
        Some("Quote \" backslash \\ newline \n end.")
    );
    assert_eq!(
        fams[0].metric[0].label,
        [label("c", "q\"b\\n\n"), label("v", "a\"b\\c\nd \u{1F600}")]
    );
}
