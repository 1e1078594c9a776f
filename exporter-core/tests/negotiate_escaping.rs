//! Negotiation of format, version and name escaping with the `Accept` headers
//! real scrapers send, against what Go's `expfmt` (prometheus/common v0.70,
//! client_golang 1.21-1.24) answers for them.

use exporter_core::encoding::{negotiate_accept, Format, OpenMetricsVersion, MAX_CLAUSES};
use exporter_core::escaping::EscapingScheme;

/// Prometheus 3's default scrape `Accept`.
const PROM3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
/// Prometheus 3 with `scrape_native_histograms: true`: protobuf first, with no `escaping=`.
const PROM3_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
/// Prometheus 2.42's default scrape `Accept`.
const PROM242: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// Prometheus 2.42 with `--enable-feature=native-histograms`.
const PROM242_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn ct(accept: &str, om: bool) -> &'static str {
    negotiate_accept(Some(accept), om).content_type()
}

#[test]
fn prometheus_3_gets_openmetrics_with_utf8_names() {
    let n = negotiate_accept(Some(PROM3), true);
    assert_eq!(n.format, Format::OpenMetrics);
    assert_eq!(n.openmetrics_version, OpenMetricsVersion::V1_0_0);
    assert_eq!(n.escaping, EscapingScheme::AllowUtf8);
    assert_eq!(
        ct(PROM3, true),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    );
}

/// With OpenMetrics off, Go skips the OpenMetrics clauses and
/// `text/plain;version=1.0.0` (not a version v0.70 writes) and answers with
/// text 0.0.4, keeping the `escaping=allow-utf-8` the skipped clauses named.
#[test]
fn prometheus_3_without_openmetrics_gets_text_0_0_4_with_utf8_names() {
    assert_eq!(
        ct(PROM3, false),
        "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8"
    );
}

/// The protobuf clause names no escaping, so Go answers with its default.
#[test]
fn prometheus_3_native_histograms_gets_protobuf_with_underscores() {
    for om in [true, false] {
        let n = negotiate_accept(Some(PROM3_NATIVE), om);
        assert_eq!(n.format, Format::Protobuf);
        assert_eq!(n.escaping, EscapingScheme::Underscores);
        assert_eq!(
            n.content_type(),
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores"
        );
    }
}

#[test]
fn prometheus_2_42_gets_escaped_names() {
    assert_eq!(
        ct(PROM242, true),
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
    );
    assert_eq!(
        ct(PROM242, false),
        "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
    );
    assert_eq!(
        ct(PROM242_NATIVE, true),
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores"
    );
}

#[test]
fn openmetrics_is_answered_in_the_version_asked_for() {
    let only_old = "application/openmetrics-text;version=0.0.1";
    assert_eq!(
        ct(only_old, true),
        "application/openmetrics-text; version=0.0.1; charset=utf-8; escaping=underscores"
    );
    // No version: Go answers 0.0.1.
    assert_eq!(
        negotiate_accept(Some("application/openmetrics-text"), true).openmetrics_version,
        OpenMetricsVersion::V0_0_1
    );
    // A version Go does not know is skipped.
    assert_eq!(
        negotiate_accept(Some("application/openmetrics-text;version=2.0.0"), true).format,
        Format::Text
    );
}

#[test]
fn text_version_1_0_0_is_answered_as_go_does() {
    // Alone, it matches nothing: Go's fallback, text 0.0.4.
    assert_eq!(
        ct("text/plain;version=1.0.0;escaping=allow-utf-8", true),
        "text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8"
    );
}

#[test]
fn every_escaping_scheme_is_honoured_and_echoed() {
    for scheme in EscapingScheme::ALL {
        let accept = format!("text/plain;version=0.0.4;escaping={}", scheme.as_str());
        let n = negotiate_accept(Some(&accept), true);
        assert_eq!(n.escaping, scheme);
        assert!(n
            .content_type()
            .ends_with(&format!("; escaping={}", scheme.as_str())));
    }
}

#[test]
fn an_unknown_escaping_falls_back_to_the_default() {
    let n = negotiate_accept(Some("text/plain;escaping=klingon"), true);
    assert_eq!(n.format, Format::Text);
    assert_eq!(n.escaping, EscapingScheme::Underscores);
    // A known value from an earlier clause is kept over an unknown later one.
    let n = negotiate_accept(
        Some("x/y;escaping=dots,text/plain;escaping=klingon;q=0.5"),
        true,
    );
    assert_eq!(n.escaping, EscapingScheme::Dots);
    // No header at all.
    assert_eq!(
        negotiate_accept(None, true).content_type(),
        "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
    );
}

/// Issue 11: the longest header the request limit allows costs what a real one does.
#[test]
fn a_huge_accept_header_is_negotiated_quickly_and_reads_only_the_first_clauses() {
    let clause = "application/x-nothing;q=0.5;escaping=dots,";
    let header = clause.repeat(1024 * 1024 / clause.len());
    let start = std::time::Instant::now();
    for _ in 0..100 {
        let n = negotiate_accept(Some(&header), true);
        assert_eq!(n.format, Format::Text);
        assert_eq!(n.escaping, EscapingScheme::Dots);
    }
    // 100 negotiations of a 1 MiB header: quadratic sorting took 0.48 s for one.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    // A text clause past the limit is not read.
    let late = format!("{}text/plain;escaping=values", "x/y,".repeat(MAX_CLAUSES));
    assert_eq!(
        negotiate_accept(Some(&late), true).escaping,
        EscapingScheme::Underscores
    );
}
