//! Golden tests: Prometheus text 0.0.4, one value type per test, exact bytes.
//!
//! Expected output is written by hand from the format's specification
//! (prometheus/docs `exposition_formats.md`): help escapes `\` and newline,
//! label values also `"`; histograms end in a `+Inf` bucket; timestamps are
//! integer milliseconds; info and stateset become gauges.

mod common;

use common::encode_str;
use exporter_core::Format;

fn text(f: common::Fixture) -> String {
    encode_str(Format::Text, &[f])
}

#[test]
fn counter() {
    // No `_created` and no exemplar: text 0.0.4 has no place for them.
    assert_eq!(
        text(common::counter),
        r#"# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{server="a",code="200"} 1027
http_requests_total{server="a",code="500"} 3
"#
    );
}

#[test]
fn gauge() {
    // No `# UNIT` in 0.0.4; the timestamp is in milliseconds.
    assert_eq!(
        text(common::gauge),
        r#"# HELP temperature_celsius Room temperature.
# TYPE temperature_celsius gauge
temperature_celsius{room="kitchen"} 21.5 1700000000123
temperature_celsius{room="cellar"} 12
"#
    );
}

#[test]
fn untyped() {
    assert_eq!(
        text(common::untyped),
        "# HELP legacy_thing Old.\n# TYPE legacy_thing untyped\nlegacy_thing NaN\n"
    );
}

#[test]
fn histogram() {
    assert_eq!(
        text(common::histogram),
        r#"# HELP request_duration_seconds Request latency.
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{method="GET",le="0.1"} 2
request_duration_seconds_bucket{method="GET",le="1"} 5
request_duration_seconds_bucket{method="GET",le="+Inf"} 7
request_duration_seconds_sum{method="GET"} 3.25
request_duration_seconds_count{method="GET"} 7
"#
    );
}

#[test]
fn summary() {
    assert_eq!(
        text(common::summary),
        r#"# HELP rpc_latency_seconds RPC latency.
# TYPE rpc_latency_seconds summary
rpc_latency_seconds{quantile="0.5"} 0.012 1700000000000
rpc_latency_seconds{quantile="0.99"} 0.3 1700000000000
rpc_latency_seconds_sum 12.5 1700000000000
rpc_latency_seconds_count 100 1700000000000
"#
    );
}

#[test]
fn info_is_a_gauge_named_info() {
    assert_eq!(
        text(common::info),
        r#"# HELP build_info Build information.
# TYPE build_info gauge
build_info{version="1.2.3",revision="abc"} 1
"#
    );
}

#[test]
fn stateset_is_a_gauge_per_state() {
    assert_eq!(
        text(common::stateset),
        r#"# HELP door Door state.
# TYPE door gauge
door{room="hall",door="open"} 1
door{room="hall",door="closed"} 0
"#
    );
}

#[test]
fn escaping() {
    // Help keeps `"` as is; label values escape it.
    assert_eq!(
        text(common::escaping),
        "# HELP escapes Quote \" backslash \\\\ newline \\n end.\n\
         # TYPE escapes gauge\n\
         escapes{c=\"q\\\"b\\\\n\\n\",v=\"a\\\"b\\\\c\\nd \u{1F600}\"} 1\n"
    );
}

#[test]
fn families_sorted_by_name() {
    let out = encode_str(Format::Text, common::ALL);
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "build_info",
            "door",
            "http_requests_total",
            "legacy_thing",
            "request_duration_seconds",
            "rpc_latency_seconds",
            "temperature_celsius"
        ]
    );
}
