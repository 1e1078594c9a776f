//! Metrics of every value type, shared by the golden and conformance tests.
#![allow(dead_code)]

use exporter_core::value::{Exemplar, HistogramValue, SampleOpts, SummaryValue};
use exporter_core::{Desc, Format, MetricEncoder, MetricType};

/// Writes one family into an encoder.
pub type Fixture = fn(&mut MetricEncoder);

/// Encodes `fixtures` in `format`.
pub fn encode(format: Format, fixtures: &[Fixture]) -> Vec<u8> {
    encode_opts(format, fixtures, false)
}

/// [`encode`] with OpenMetrics `_created` lines, which are off by default
/// since issue 10 (Go's `EnableOpenMetricsTextCreatedSamples`): the golden
/// OpenMetrics outputs show every part of the format.
#[allow(dead_code)]
pub fn encode_created(format: Format, fixtures: &[Fixture]) -> Vec<u8> {
    encode_opts(format, fixtures, true)
}

fn encode_opts(format: Format, fixtures: &[Fixture], created_lines: bool) -> Vec<u8> {
    let mut enc = MetricEncoder::new(format);
    enc.openmetrics_created_lines(created_lines);
    for f in fixtures {
        f(&mut enc);
    }
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    out
}

pub fn encode_str(format: Format, fixtures: &[Fixture]) -> String {
    String::from_utf8(encode(format, fixtures)).unwrap()
}

pub const ALL: &[Fixture] = &[counter, gauge, untyped, histogram, summary, info, stateset];

/// Counter with a const label, a created time and an exemplar on one series.
pub fn counter(enc: &mut MetricEncoder) {
    let desc = Desc::builder("http_requests_total", MetricType::Counter)
        .help("Requests served.")
        .labels(["code"])
        .const_label("server", "a")
        .build()
        .unwrap();
    let mut fam = enc.family(&desc).unwrap();
    let opts = SampleOpts {
        timestamp_ms: None,
        created: Some(1_700_000_000.5),
    };
    let exemplar = Exemplar::new(&[("trace_id", "abc")], 1.0).with_timestamp(1_700_000_000.25);
    fam.sample_with_exemplar(&["200"], 1027u64, &opts, &exemplar)
        .unwrap();
    fam.sample(&["500"], 3u64).unwrap();
}

/// Gauge with a unit and a sample timestamp.
pub fn gauge(enc: &mut MetricEncoder) {
    let desc = Desc::builder("temperature_celsius", MetricType::Gauge)
        .help("Room temperature.")
        .unit("celsius")
        .labels(["room"])
        .build()
        .unwrap();
    let mut fam = enc.family(&desc).unwrap();
    let opts = SampleOpts {
        timestamp_ms: Some(1_700_000_000_123),
        created: None,
    };
    fam.sample_with(&["kitchen"], 21.5, &opts).unwrap();
    fam.sample(&["cellar"], 12.0).unwrap();
}

/// Untyped, no labels, a NaN value.
pub fn untyped(enc: &mut MetricEncoder) {
    let desc = Desc::new("legacy_thing", "Old.", MetricType::Untyped, [] as [&str; 0]).unwrap();
    enc.family(&desc).unwrap().sample(&(), f64::NAN).unwrap();
}

/// Histogram with a created time and an exemplar on the second bucket.
pub fn histogram(enc: &mut MetricEncoder) {
    let desc = Desc::new(
        "request_duration_seconds",
        "Request latency.",
        MetricType::Histogram,
        ["method"],
    )
    .unwrap();
    let mut fam = enc.family(&desc).unwrap();
    let value = HistogramValue {
        buckets: &[(0.1, 2), (1.0, 5)],
        sum: 3.25,
        count: 7,
    };
    let opts = SampleOpts {
        timestamp_ms: None,
        created: Some(1_700_000_000.0),
    };
    let exemplars = [None, Some(Exemplar::new(&[("trace_id", "x")], 0.5))];
    fam.histogram_with(&["GET"], &value, &opts, &exemplars)
        .unwrap();
}

/// Summary, no labels, with a sample timestamp on every line.
pub fn summary(enc: &mut MetricEncoder) {
    let desc = Desc::new(
        "rpc_latency_seconds",
        "RPC latency.",
        MetricType::Summary,
        [] as [&str; 0],
    )
    .unwrap();
    let mut fam = enc.family(&desc).unwrap();
    let value = SummaryValue {
        quantiles: &[(0.5, 0.012), (0.99, 0.3)],
        sum: 12.5,
        count: 100,
    };
    let opts = SampleOpts {
        timestamp_ms: Some(1_700_000_000_000),
        created: None,
    };
    fam.summary_with(&(), &value, &opts).unwrap();
}

/// Info: build information.
pub fn info(enc: &mut MetricEncoder) {
    let desc = Desc::new(
        "build_info",
        "Build information.",
        MetricType::Info,
        ["version", "revision"],
    )
    .unwrap();
    enc.family(&desc).unwrap().info(&["1.2.3", "abc"]).unwrap();
}

/// Stateset: one door, open.
pub fn stateset(enc: &mut MetricEncoder) {
    let desc = Desc::new("door", "Door state.", MetricType::StateSet, ["room"]).unwrap();
    enc.family(&desc)
        .unwrap()
        .stateset(&["hall"], &[("open", true), ("closed", false)])
        .unwrap();
}

/// Help, const label and label values that need escaping.
pub fn escaping(enc: &mut MetricEncoder) {
    let desc = Desc::builder("escapes", MetricType::Gauge)
        .help("Quote \" backslash \\ newline \n end.")
        .labels(["v"])
        .const_label("c", "q\"b\\n\n")
        .build()
        .unwrap();
    enc.family(&desc)
        .unwrap()
        .sample(&["a\"b\\c\nd \u{1F600}"], 1.0)
        .unwrap();
}

/// A collector that writes the [`counter`] fixture.
pub fn counter_collector() -> impl exporter_core::Collector {
    struct C(Desc);
    impl exporter_core::Collector for C {
        fn describe(&self) -> Vec<&Desc> {
            vec![&self.0]
        }
        fn collect(&self, enc: &mut MetricEncoder) -> Result<(), exporter_core::CollectError> {
            counter(enc);
            Ok(())
        }
    }
    C(Desc::builder("http_requests_total", MetricType::Counter)
        .help("Requests served.")
        .labels(["code"])
        .const_label("server", "a")
        .build()
        .unwrap())
}
