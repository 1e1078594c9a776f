//! Content negotiation, ported from Go's `expfmt` tests (`TestNegotiate`,
//! `TestNegotiateIncludingOpenMetrics` in prometheus/common `encode_test.go`)
//! plus the `Accept` headers real scrapers send.
//!
//! Go answers protobuf `encoding=text`/`compact-text`, which this crate does
//! not write; those clauses are skipped, so the cases fall back to text. Go's
//! `; escaping=...` suffix is not part of [`Format`]: names here are always
//! legacy-valid, so every escaping scheme gives the same bytes.

use exporter_core::encoding::{negotiate, Format};

const PROTO: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily";

fn check(cases: &[(&str, Format)], enable_openmetrics: bool) {
    for (accept, want) in cases {
        assert_eq!(
            negotiate(Some(accept), enable_openmetrics),
            *want,
            "Accept: {accept:?} (OpenMetrics {enable_openmetrics})"
        );
    }
}

#[test]
fn go_test_negotiate() {
    let cases = [
        (format!("{PROTO};encoding=delimited"), Format::Protobuf),
        (format!("{PROTO};encoding=text"), Format::Text),
        (format!("{PROTO};encoding=compact-text"), Format::Text),
        ("text/plain;version=0.0.4".to_owned(), Format::Text),
        (
            format!("{PROTO};encoding=delimited; escaping=allow-utf-8;"),
            Format::Protobuf,
        ),
        (
            format!("{PROTO};encoding=text; escaping=allow-utf-8;"),
            Format::Text,
        ),
        (
            format!("{PROTO};encoding=compact-text; escaping=allow-utf-8;"),
            Format::Text,
        ),
        ("text/plain;version=0.0.4;".to_owned(), Format::Text),
        (
            "text/plain;version=0.0.4; escaping=values;".to_owned(),
            Format::Text,
        ),
    ];
    let cases: Vec<(&str, Format)> = cases.iter().map(|(a, f)| (a.as_str(), *f)).collect();
    check(&cases, false);
}

#[test]
fn go_test_negotiate_including_openmetrics() {
    let cases = [
        (
            "application/openmetrics-text".to_owned(),
            Format::OpenMetrics,
        ),
        (
            "application/openmetrics-text;version=0.0.1; escaping=underscores".to_owned(),
            Format::OpenMetrics,
        ),
        (
            "application/openmetrics-text;version=1.0.0".to_owned(),
            Format::OpenMetrics,
        ),
        (
            "application/openmetrics-text;version=0.0.1".to_owned(),
            Format::OpenMetrics,
        ),
        (
            "application/openmetrics-text;version=1.0.0; escaping=values;".to_owned(),
            Format::OpenMetrics,
        ),
        (
            "application/openmetrics-text;version=0.0.4".to_owned(),
            Format::Text,
        ),
        (
            format!("{PROTO};encoding=compact-text; escaping=underscores"),
            Format::Text,
        ),
        ("text/plain;version=0.0.4".to_owned(), Format::Text),
        (
            "text/plain;version=0.0.4; escaping=allow-utf-8".to_owned(),
            Format::Text,
        ),
        (
            format!("{PROTO};encoding=delimited; escaping=allow-utf-8;"),
            Format::Protobuf,
        ),
        (
            format!("{PROTO};encoding=text; escaping=allow-utf-8;"),
            Format::Text,
        ),
        (
            format!("{PROTO};encoding=compact-text; escaping=allow-utf-8;"),
            Format::Text,
        ),
        (
            format!("{PROTO};encoding=delimited; escaping=underscores;"),
            Format::Protobuf,
        ),
        (
            format!("{PROTO};encoding=text; escaping=underscores;"),
            Format::Text,
        ),
        (
            format!("{PROTO};encoding=compact-text; escaping=underscores;"),
            Format::Text,
        ),
    ];
    let cases: Vec<(&str, Format)> = cases.iter().map(|(a, f)| (a.as_str(), *f)).collect();
    check(&cases, true);
}

#[test]
fn what_scrapers_send() {
    // Prometheus 2.x default.
    let prom2 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    // Prometheus 2.x with native histograms enabled.
    let prom2_native = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    // Prometheus 3.x default.
    let prom3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
    check(
        &[
            (prom2, Format::OpenMetrics),
            (prom2_native, Format::Protobuf),
            (prom3, Format::OpenMetrics),
            (browser, Format::Text),
            ("*/*", Format::Text),
        ],
        true,
    );
    check(
        &[
            (prom2, Format::Text),
            (prom2_native, Format::Protobuf),
            // text/plain;version=1.0.0 is not 0.0.4; the next clause is.
            (prom3, Format::Text),
        ],
        false,
    );
}

#[test]
fn q_values_order_the_clauses() {
    check(
        &[
            (
                "text/plain;q=0.5,application/openmetrics-text;version=1.0.0",
                Format::OpenMetrics,
            ),
            (
                "application/openmetrics-text;q=0.2, text/plain;q=0.9",
                Format::Text,
            ),
            (
                &format!("text/plain;q=0.3,{PROTO};encoding=delimited;q=0.4"),
                Format::Protobuf,
            ),
            // Go keeps q=0 clauses as candidates.
            ("application/openmetrics-text;q=0", Format::OpenMetrics),
            // Go does not trim the q value: `0.9 ` fails to parse and counts as 0.
            (
                "application/openmetrics-text;q=0.9 ;version=1.0.0,text/plain;q=0.1",
                Format::Text,
            ),
        ],
        true,
    );
}

#[test]
fn malformed_headers_fall_back_to_text() {
    let long = "a/b;".repeat(10_000);
    check(
        &[
            ("", Format::Text),
            (",,,;;;", Format::Text),
            ("garbage", Format::Text),
            ("text", Format::Text),
            ("application/openmetrics-text/extra", Format::Text),
            // A parameter without `=` is dropped, as in Go: no version means any.
            ("application/openmetrics-text;version", Format::OpenMetrics),
            ("application/openmetrics-text;version=2.0.0", Format::Text),
            ("APPLICATION/OPENMETRICS-TEXT", Format::Text),
            (
                "application/openmetrics-text;q=NaN;q=nope",
                Format::OpenMetrics,
            ),
            (PROTO, Format::Text),
            (
                &format!("{PROTO};encoding=delimited;proto=other"),
                Format::Text,
            ),
            (&long, Format::Text),
            ("\u{1F600}/\u{0}; q=\u{FFFF}", Format::Text),
        ],
        true,
    );
    assert_eq!(negotiate(None, true), Format::Text);
}

#[test]
fn content_types_are_gos() {
    assert_eq!(
        Format::Text.content_type(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(
        Format::OpenMetrics.content_type(),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert_eq!(
        Format::Protobuf.content_type(),
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
    );
}
