//! Created ("start") timestamps: live counters, histograms and summaries
//! record when they were made; protobuf always carries `created_timestamp`,
//! OpenMetrics writes `_created` lines only when asked (off by default, as
//! Go's `EnableOpenMetricsTextCreatedSamples`), text never.

#[path = "../src/encoding/proto.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod client_model;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use exporter_core::metric::{Counter, Family, Gauge, Histogram, Metric, Summary};
use exporter_core::{Desc, Format, MetricEncoder, MetricType, Registry};
use prost::Message;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn registry() -> (Registry, f64, f64) {
    let before = now();
    let r = Registry::new();
    let requests = Arc::new(
        Metric::new(
            Desc::new("requests_total", "Requests.", MetricType::Counter, ["code"]).unwrap(),
            Family::<[String; 1], Counter>::default(),
        )
        .unwrap(),
    );
    requests.metric().with(&["200"], Counter::inc);
    requests.metric().with(&["500"], Counter::inc);
    r.register_arc(requests).unwrap();
    let latency = Arc::new(
        Metric::new(
            Desc::new(
                "latency_seconds",
                "Latency.",
                MetricType::Histogram,
                [] as [&str; 0],
            )
            .unwrap(),
            Histogram::new(),
        )
        .unwrap(),
    );
    latency.metric().observe(0.2);
    r.register_arc(latency).unwrap();
    let size = Arc::new(
        Metric::new(
            Desc::new("size_bytes", "Size.", MetricType::Summary, [] as [&str; 0]).unwrap(),
            Summary::new(),
        )
        .unwrap(),
    );
    size.metric().observe(3.0);
    r.register_arc(size).unwrap();
    let temp = Arc::new(
        Metric::new(
            Desc::new("temp", "T.", MetricType::Gauge, [] as [&str; 0]).unwrap(),
            Gauge::<f64>::new(),
        )
        .unwrap(),
    );
    r.register_arc(temp).unwrap();
    (r, before, now())
}

fn gather(r: &Registry, format: Format, created_lines: bool) -> Vec<u8> {
    let mut enc = MetricEncoder::new(format);
    enc.openmetrics_created_lines(created_lines);
    let errors = exporter_core::Gatherer::gather_into(r, &mut enc);
    assert!(errors.is_empty(), "{errors:?}");
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    out
}

#[test]
fn protobuf_carries_created_timestamps_of_counters_histograms_and_summaries() {
    let (r, before, after) = registry();
    let bytes = gather(&r, Format::Protobuf, false);
    let mut buf = &bytes[..];
    let mut seen = 0;
    let within = |ts: &client_model::Timestamp| {
        let t = ts.seconds as f64 + f64::from(ts.nanos) * 1e-9;
        assert!(
            t >= before - 0.001 && t <= after + 0.001,
            "{t} not in {before}..{after}"
        );
    };
    while !buf.is_empty() {
        let fam = client_model::MetricFamily::decode_length_delimited(&mut buf).unwrap();
        for m in &fam.metric {
            match fam.name.as_deref() {
                Some("requests_total") => within(
                    m.counter
                        .as_ref()
                        .unwrap()
                        .created_timestamp
                        .as_ref()
                        .unwrap(),
                ),
                Some("latency_seconds") => within(
                    m.histogram
                        .as_ref()
                        .unwrap()
                        .created_timestamp
                        .as_ref()
                        .unwrap(),
                ),
                Some("size_bytes") => within(
                    m.summary
                        .as_ref()
                        .unwrap()
                        .created_timestamp
                        .as_ref()
                        .unwrap(),
                ),
                Some("temp") => continue,
                other => panic!("unexpected family {other:?}"),
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 4);
}

#[test]
fn created_lines_are_off_by_default_as_in_go() {
    let (r, _, _) = registry();
    let om = String::from_utf8(gather(&r, Format::OpenMetrics, false)).unwrap();
    assert!(!om.contains("_created"), "{om}");
    let text = String::from_utf8(gather(&r, Format::Text, true)).unwrap();
    assert!(!text.contains("_created"), "{text}");
    // The registry's own OpenMetrics gather follows the same default.
    let (out, _) = r.gather(Format::OpenMetrics);
    assert!(!String::from_utf8(out).unwrap().contains("_created"));
}

#[test]
fn created_lines_when_enabled() {
    let (r, before, _) = registry();
    let om = String::from_utf8(gather(&r, Format::OpenMetrics, true)).unwrap();
    for line in [
        "requests_created{code=\"200\"} ",
        "requests_created{code=\"500\"} ",
        "latency_seconds_created ",
        "size_bytes_created ",
    ] {
        let at = om.find(line).unwrap_or_else(|| panic!("no {line} in {om}"));
        let value: f64 = om[at + line.len()..]
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(value >= before - 0.001, "{line}{value}");
    }
    assert!(!om.contains("temp_created"));
}
