//! Golden tests: OpenMetrics 1.0.0 text, one value type per test, exact bytes.
//!
//! Expected output is written by hand from the OpenMetrics 1.0.0
//! specification: `# EOF` last; counters are the family `foo` with samples
//! `foo_total` and `foo_created`; `# UNIT` after `# TYPE` for a family named
//! `..._<unit>`; help and label values escape `\`, `"` and newline; floats
//! carry a `.` or an exponent (Go's `writeOpenMetricsFloat`); timestamps are
//! seconds; exemplars follow ` # ` with their labels, value and timestamp.

mod common;

use exporter_core::Format;

/// With `_created` lines, which are off by default (as in Go): the expected
/// outputs below show them.
fn om(f: common::Fixture) -> String {
    String::from_utf8(common::encode_created(Format::OpenMetrics, &[f])).unwrap()
}

#[test]
fn counter() {
    assert_eq!(
        om(common::counter),
        r#"# HELP http_requests Requests served.
# TYPE http_requests counter
http_requests_total{server="a",code="200"} 1027 # {trace_id="abc"} 1.0 1700000000.25
http_requests_created{server="a",code="200"} 1700000000.5
http_requests_total{server="a",code="500"} 3
# EOF
"#
    );
}

#[test]
fn gauge() {
    assert_eq!(
        om(common::gauge),
        r#"# HELP temperature_celsius Room temperature.
# TYPE temperature_celsius gauge
# UNIT temperature_celsius celsius
temperature_celsius{room="kitchen"} 21.5 1700000000.123
temperature_celsius{room="cellar"} 12.0
# EOF
"#
    );
}

#[test]
fn untyped_is_unknown() {
    assert_eq!(
        om(common::untyped),
        "# HELP legacy_thing Old.\n# TYPE legacy_thing unknown\nlegacy_thing NaN\n# EOF\n"
    );
}

#[test]
fn histogram() {
    assert_eq!(
        om(common::histogram),
        r#"# HELP request_duration_seconds Request latency.
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{method="GET",le="0.1"} 2
request_duration_seconds_bucket{method="GET",le="1.0"} 5 # {trace_id="x"} 0.5
request_duration_seconds_bucket{method="GET",le="+Inf"} 7
request_duration_seconds_sum{method="GET"} 3.25
request_duration_seconds_count{method="GET"} 7
request_duration_seconds_created{method="GET"} 1700000000.0
# EOF
"#
    );
}

#[test]
fn summary() {
    assert_eq!(
        om(common::summary),
        r#"# HELP rpc_latency_seconds RPC latency.
# TYPE rpc_latency_seconds summary
rpc_latency_seconds{quantile="0.5"} 0.012 1700000000.0
rpc_latency_seconds{quantile="0.99"} 0.3 1700000000.0
rpc_latency_seconds_sum 12.5 1700000000.0
rpc_latency_seconds_count 100 1700000000.0
# EOF
"#
    );
}

#[test]
fn info() {
    assert_eq!(
        om(common::info),
        r#"# HELP build Build information.
# TYPE build info
build_info{version="1.2.3",revision="abc"} 1
# EOF
"#
    );
}

#[test]
fn stateset() {
    assert_eq!(
        om(common::stateset),
        r#"# HELP door Door state.
# TYPE door stateset
door{room="hall",door="open"} 1
door{room="hall",door="closed"} 0
# EOF
"#
    );
}

#[test]
fn escaping() {
    // Unlike text 0.0.4, help escapes `"` too.
    assert_eq!(
        om(common::escaping),
        "# HELP escapes Quote \\\" backslash \\\\ newline \\n end.\n\
         # TYPE escapes gauge\n\
         escapes{c=\"q\\\"b\\\\n\\n\",v=\"a\\\"b\\\\c\\nd \u{1F600}\"} 1.0\n\
         # EOF\n"
    );
}

#[test]
fn empty_scrape_is_just_eof() {
    assert_eq!(om_all(&[]), "# EOF\n");
}

#[test]
fn unit_line_only_when_the_name_ends_in_the_unit() {
    use exporter_core::{Desc, MetricEncoder, MetricType};
    let mut enc = MetricEncoder::new(Format::OpenMetrics);
    let desc = Desc::builder("queue_length", MetricType::Gauge)
        .help("Jobs waiting.")
        .unit("seconds")
        .build()
        .unwrap();
    enc.family(&desc).unwrap().sample(&(), 3u32).unwrap();
    let counter = Desc::builder("busy_seconds_total", MetricType::Counter)
        .help("Time busy.")
        .unit("seconds")
        .build()
        .unwrap();
    enc.family(&counter).unwrap().sample(&(), 1.5).unwrap();
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "# HELP busy_seconds Time busy.\n# TYPE busy_seconds counter\n# UNIT busy_seconds seconds\n\
         busy_seconds_total 1.5\n\
         # HELP queue_length Jobs waiting.\n# TYPE queue_length gauge\nqueue_length 3\n# EOF\n"
    );
}

fn om_all(f: &[common::Fixture]) -> String {
    String::from_utf8(common::encode_created(Format::OpenMetrics, f)).unwrap()
}

#[test]
fn histogram_with_negative_buckets_has_no_sum_or_count() {
    use exporter_core::value::HistogramValue;
    use exporter_core::{Desc, MetricEncoder, MetricType};
    let desc = Desc::new(
        "temp_change",
        "Change.",
        MetricType::Histogram,
        [] as [&str; 0],
    )
    .unwrap();
    let mut enc = MetricEncoder::new(Format::OpenMetrics);
    let value = HistogramValue {
        buckets: &[(-1.0, 1), (0.0, 3)],
        sum: -0.5,
        count: 4,
    };
    enc.family(&desc).unwrap().histogram(&(), &value).unwrap();
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out,
        "# HELP temp_change Change.\n# TYPE temp_change histogram\n\
         temp_change_bucket{le=\"-1.0\"} 1\n\
         temp_change_bucket{le=\"0.0\"} 3\n\
         temp_change_bucket{le=\"+Inf\"} 4\n\
         # EOF\n"
    );
    // openmetrics-parser enforces the same rule, and accepts this.
    openmetrics_parser::openmetrics::parse_openmetrics(&out).unwrap();
}
