//! Golden tests of UTF-8 names per escaping scheme per format.
//!
//! Expected outputs are written from Go's sources (prometheus/common v0.70):
//! `model.EscapeMetricFamily` / `EscapeName` for `underscores`, `dots` and
//! `values` (a legacy name is never changed), and `expfmt/text_create.go` /
//! `openmetrics_create.go` for `allow-utf-8`, where a name that is not a
//! legacy one is quoted: on `# HELP`/`# TYPE` lines, and inside the braces as
//! the first item of a sample (`{"name_suffix","label.name"="v"}`).

use exporter_core::encoding::NameCollision;
use exporter_core::escaping::EscapingScheme;
use exporter_core::value::HistogramValue;
use exporter_core::{Desc, Format, MetricEncoder, MetricType};

#[path = "../src/encoding/proto.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod client_model;

fn fixture(enc: &mut MetricEncoder) {
    let hist = Desc::new(
        "http.server.request.duration",
        "Duration.",
        MetricType::Histogram,
        ["http.route"],
    )
    .unwrap();
    enc.family(&hist)
        .unwrap()
        .histogram(
            &["/"],
            &HistogramValue {
                buckets: &[(0.1, 1), (1.0, 3)],
                sum: 1.5,
                count: 4,
            },
        )
        .unwrap();
    let counter = Desc::new(
        "http.server.requests_total",
        "Requests.",
        MetricType::Counter,
        ["http.method", "code"],
    )
    .unwrap();
    enc.family(&counter)
        .unwrap()
        .sample(&["GET", "200"], 5u64)
        .unwrap();
    let gauge = Desc::new("process.cpu", "CPU.", MetricType::Gauge, [] as [&str; 0]).unwrap();
    enc.family(&gauge).unwrap().sample(&(), 0.5).unwrap();
    let legacy = Desc::new("up", "Up.", MetricType::Gauge, ["job"]).unwrap();
    enc.family(&legacy).unwrap().sample(&["a"], 1u64).unwrap();
}

fn encode(format: Format, scheme: EscapingScheme) -> Vec<u8> {
    let mut enc = MetricEncoder::new(format);
    enc.set_escaping(scheme);
    fixture(&mut enc);
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    out
}

fn text(format: Format, scheme: EscapingScheme) -> String {
    String::from_utf8(encode(format, scheme)).unwrap()
}

const TEXT_UTF8: &str = r#"# HELP "http.server.request.duration" Duration.
# TYPE "http.server.request.duration" histogram
{"http.server.request.duration_bucket","http.route"="/",le="0.1"} 1
{"http.server.request.duration_bucket","http.route"="/",le="1"} 3
{"http.server.request.duration_bucket","http.route"="/",le="+Inf"} 4
{"http.server.request.duration_sum","http.route"="/"} 1.5
{"http.server.request.duration_count","http.route"="/"} 4
# HELP "http.server.requests_total" Requests.
# TYPE "http.server.requests_total" counter
{"http.server.requests_total","http.method"="GET",code="200"} 5
# HELP "process.cpu" CPU.
# TYPE "process.cpu" gauge
{"process.cpu"} 0.5
# HELP up Up.
# TYPE up gauge
up{job="a"} 1
"#;

/// OpenMetrics: the counter's family drops `_total` (quoted the same way),
/// floats read as floats (`le="1.0"`), and `# EOF`.
const OPENMETRICS_UTF8: &str = r#"# HELP "http.server.request.duration" Duration.
# TYPE "http.server.request.duration" histogram
{"http.server.request.duration_bucket","http.route"="/",le="0.1"} 1
{"http.server.request.duration_bucket","http.route"="/",le="1.0"} 3
{"http.server.request.duration_bucket","http.route"="/",le="+Inf"} 4
{"http.server.request.duration_sum","http.route"="/"} 1.5
{"http.server.request.duration_count","http.route"="/"} 4
# HELP "http.server.requests" Requests.
# TYPE "http.server.requests" counter
{"http.server.requests_total","http.method"="GET",code="200"} 5
# HELP "process.cpu" CPU.
# TYPE "process.cpu" gauge
{"process.cpu"} 0.5
# HELP up Up.
# TYPE up gauge
up{job="a"} 1
# EOF
"#;

/// The same families under an escaping scheme: `<H>` the histogram, `<R>`
/// its label, `<C>` the counter, `<F>` the counter's OpenMetrics family name,
/// `<M>` its label, `<G>` the gauge.
const TEXT_ESCAPED: &str = r#"# HELP <H> Duration.
# TYPE <H> histogram
<H>_bucket{<R>="/",le="0.1"} 1
<H>_bucket{<R>="/",le="1"} 3
<H>_bucket{<R>="/",le="+Inf"} 4
<H>_sum{<R>="/"} 1.5
<H>_count{<R>="/"} 4
# HELP <C> Requests.
# TYPE <C> counter
<C>{<M>="GET",code="200"} 5
# HELP <G> CPU.
# TYPE <G> gauge
<G> 0.5
# HELP up Up.
# TYPE up gauge
up{job="a"} 1
"#;

const OPENMETRICS_ESCAPED: &str = r#"# HELP <H> Duration.
# TYPE <H> histogram
<H>_bucket{<R>="/",le="0.1"} 1
<H>_bucket{<R>="/",le="1.0"} 3
<H>_bucket{<R>="/",le="+Inf"} 4
<H>_sum{<R>="/"} 1.5
<H>_count{<R>="/"} 4
# HELP <F> Requests.
# TYPE <F> counter
<C>{<M>="GET",code="200"} 5
# HELP <G> CPU.
# TYPE <G> gauge
<G> 0.5
# HELP up Up.
# TYPE up gauge
up{job="a"} 1
# EOF
"#;

/// `(scheme, [<H>, <R>, <C>, <F>, <M>, <G>])`, from Go's `EscapeName`.
const ESCAPED: [(EscapingScheme, [&str; 6]); 3] = [
    (
        EscapingScheme::Underscores,
        [
            "http_server_request_duration",
            "http_route",
            "http_server_requests_total",
            "http_server_requests",
            "http_method",
            "process_cpu",
        ],
    ),
    (
        EscapingScheme::Dots,
        [
            "http_dot_server_dot_request_dot_duration",
            "http_dot_route",
            "http_dot_server_dot_requests__total",
            // Go's OpenMetrics writer strips `_total` from the escaped name.
            "http_dot_server_dot_requests_",
            "http_dot_method",
            "process_dot_cpu",
        ],
    ),
    (
        EscapingScheme::Values,
        [
            "U__http_2e_server_2e_request_2e_duration",
            "U__http_2e_route",
            "U__http_2e_server_2e_requests__total",
            "U__http_2e_server_2e_requests_",
            "U__http_2e_method",
            "U__process_2e_cpu",
        ],
    ),
];

fn fill(template: &str, names: [&str; 6]) -> String {
    ["<H>", "<R>", "<C>", "<F>", "<M>", "<G>"]
        .iter()
        .zip(names)
        .fold(template.to_owned(), |out, (slot, name)| {
            out.replace(slot, name)
        })
}

#[test]
fn allow_utf8_writes_the_quoted_syntax_in_text() {
    assert_eq!(text(Format::Text, EscapingScheme::AllowUtf8), TEXT_UTF8);
}

#[test]
fn allow_utf8_writes_the_quoted_syntax_in_openmetrics() {
    assert_eq!(
        text(Format::OpenMetrics, EscapingScheme::AllowUtf8),
        OPENMETRICS_UTF8
    );
}

#[test]
fn other_schemes_escape_names_as_go_does_in_text() {
    for (scheme, names) in ESCAPED {
        assert_eq!(
            text(Format::Text, scheme),
            fill(TEXT_ESCAPED, names),
            "{scheme:?}"
        );
    }
}

#[test]
fn other_schemes_escape_names_as_go_does_in_openmetrics() {
    for (scheme, names) in ESCAPED {
        assert_eq!(
            text(Format::OpenMetrics, scheme),
            fill(OPENMETRICS_ESCAPED, names),
            "{scheme:?}"
        );
    }
}

#[test]
fn protobuf_carries_names_as_they_are_under_allow_utf8_and_escaped_otherwise() {
    use prost::Message;
    let decode = |scheme| {
        let bytes = encode(Format::Protobuf, scheme);
        let mut buf = &bytes[..];
        let mut out = Vec::new();
        while !buf.is_empty() {
            let fam = client_model::MetricFamily::decode_length_delimited(&mut buf).unwrap();
            // Protobuf label pairs are sorted by name, as Go sorts them.
            let mut labels: Vec<String> = fam.metric[0]
                .label
                .iter()
                .map(|l| l.name.clone().unwrap())
                .collect();
            labels.sort();
            out.push((fam.name.unwrap(), labels));
        }
        out
    };
    let names = |v: &[(String, Vec<String>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let utf8 = decode(EscapingScheme::AllowUtf8);
    assert_eq!(
        names(&utf8),
        [
            "http.server.request.duration",
            "http.server.requests_total",
            "process.cpu",
            "up"
        ]
    );
    assert_eq!(utf8[1].1, ["code", "http.method"]);
    for (scheme, [hist, route, counter, _, method, gauge]) in ESCAPED {
        let got = decode(scheme);
        assert_eq!(names(&got), [hist, counter, gauge, "up"], "{scheme:?}");
        assert_eq!(got[0].1, [route], "{scheme:?}");
        let mut want = [method, "code"];
        want.sort_unstable();
        assert_eq!(got[1].1, want, "{scheme:?}");
    }
}

#[test]
fn legacy_names_are_the_same_bytes_under_every_scheme() {
    let legacy = |enc: &mut MetricEncoder| {
        let d = Desc::new("a_b:c", "H.", MetricType::Counter, ["x_y"]).unwrap();
        enc.family(&d).unwrap().sample(&["v"], 1u64).unwrap();
    };
    for format in [Format::Text, Format::OpenMetrics, Format::Protobuf] {
        let bodies: Vec<Vec<u8>> = EscapingScheme::ALL
            .into_iter()
            .map(|scheme| {
                let mut enc = MetricEncoder::new(format);
                enc.set_escaping(scheme);
                legacy(&mut enc);
                let mut out = Vec::new();
                enc.finish_into(&mut out);
                out
            })
            .collect();
        let mut default = MetricEncoder::new(format);
        legacy(&mut default);
        let mut out = Vec::new();
        default.finish_into(&mut out);
        assert!(bodies.iter().all(|b| *b == out), "{format:?}");
    }
}

#[test]
fn names_that_escape_to_one_are_a_collision_never_written_twice() {
    for scheme in [EscapingScheme::Underscores, EscapingScheme::AllowUtf8] {
        let mut enc = MetricEncoder::new(Format::Text);
        enc.set_escaping(scheme);
        let first = Desc::new("a.b", "H.", MetricType::Gauge, [] as [&str; 0]).unwrap();
        let second = Desc::new("a_b", "H.", MetricType::Gauge, [] as [&str; 0]).unwrap();
        enc.family(&first).unwrap().sample(&(), 1u64).unwrap();
        let result = enc.family(&second).map(|mut f| f.sample(&(), 2u64));
        let mut out = Vec::new();
        if scheme == EscapingScheme::Underscores {
            let Err(exporter_core::CollectError::Other(err)) = result else {
                panic!("expected a collision");
            };
            assert_eq!(
                err.downcast_ref::<NameCollision>(),
                Some(&NameCollision {
                    name: "a_b".into(),
                    other: "a.b".into(),
                    other_type: MetricType::Gauge,
                })
            );
            enc.finish_into(&mut out);
            assert_eq!(
                String::from_utf8(out)
                    .unwrap()
                    .matches("# TYPE a_b")
                    .count(),
                1
            );
        } else {
            result.unwrap().unwrap();
            enc.finish_into(&mut out);
            let body = String::from_utf8(out).unwrap();
            assert!(
                body.contains("{\"a.b\"} 1\n") && body.contains("a_b 2\n"),
                "{body}"
            );
        }
    }
    // Two label names that escape to one: that family fails under the scheme.
    let mut enc = MetricEncoder::new(Format::Text);
    let clash = Desc::new("x", "H.", MetricType::Gauge, ["a.b", "a_b"]).unwrap();
    let err = enc.family(&clash).unwrap_err();
    assert!(err.to_string().contains("cannot be escaped"), "{err}");
}
