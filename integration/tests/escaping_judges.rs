//! Third-party parsers judge the escaping schemes: the Python
//! `prometheus_client` parsers (0.26 reads the quoted UTF-8 syntax) on
//! `allow-utf-8` text and OpenMetrics, and `promtool check metrics` (Go's
//! `expfmt` and promlint) on `underscores` text, which is what a Prometheus 2
//! server is given. (Prometheus 2.42 cannot judge UTF-8 names: these and the
//! golden tests written from Go's sources carry that.)

mod http_support;

use std::io::Write;
use std::process::{Command, Stdio};

use exporter_core::escaping::EscapingScheme;
use exporter_core::field::{EncodeFamily, EncodeMetric};
use exporter_core::metric::{Family, Histogram};
use exporter_core::{Desc, Format, MetricEncoder, MetricType};

/// OpenTelemetry-style names: a native-and-classic histogram, a native-only
/// one, a counter and a gauge with UTF-8 label names, and a legacy family.
fn fixture(format: Format, scheme: EscapingScheme) -> String {
    let mut enc = MetricEncoder::new(format);
    enc.set_escaping(scheme);
    let both = Histogram::builder()
        .buckets([0.1, 1.0])
        .native(1.1)
        .build()
        .unwrap();
    let native = Family::<[String; 2], Histogram>::new_with({
        let proto = Histogram::builder().native(1.1).build().unwrap();
        move || proto.empty_like()
    });
    for v in [0.05, 0.5, 2.0] {
        both.observe(v);
        native.with(&["GET", "200"], |h| h.observe(v));
    }
    let desc = |name: &str, t, labels: &[&str]| {
        Desc::new(
            name,
            "Help with \"quotes\" and \\ backslash.",
            t,
            labels.to_vec(),
        )
        .unwrap()
    };
    let d = desc("http.client.request.duration", MetricType::Histogram, &[]);
    both.encode_metric(&(), &mut enc.family(&d).unwrap())
        .unwrap();
    let d = desc(
        "http.server.request.duration",
        MetricType::Histogram,
        &["http.request.method", "http.response.status_code"],
    );
    native.encode_family(&mut enc.family(&d).unwrap()).unwrap();
    let d = desc(
        "db.client.operations_total",
        MetricType::Counter,
        &["db.system"],
    );
    enc.family(&d)
        .unwrap()
        .sample(&["redis \"7\""], 42u64)
        .unwrap();
    let d = desc(
        "system.memory.usage",
        MetricType::Gauge,
        &["state", "système"],
    );
    enc.family(&d)
        .unwrap()
        .sample(&["used", "é"], 1024u64)
        .unwrap();
    let d = desc("up", MetricType::Gauge, &["job"]);
    enc.family(&d).unwrap().sample(&["node"], 1u64).unwrap();
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    String::from_utf8(out).unwrap()
}

/// Runs a Python program on `input`; its stdout, or a failure with stderr.
fn python(program: &str, input: &str) -> String {
    http_support::python(program, input)
        .unwrap_or_else(|err| panic!("the parser refused:\n{err}\n--- input ---\n{input}"))
}

/// Every sample as `name{k=v,...} value`, labels sorted, one per line.
const DUMP: &str = r#"
import sys, importlib.metadata
assert tuple(int(x) for x in importlib.metadata.version("prometheus_client").split(".")[:2]) >= (0, 26), "prometheus_client >= 0.26 reads UTF-8 names"
from prometheus_client.parser import text_string_to_metric_families as text
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
parse = om if sys.argv[-1] == "om" else text
for fam in parse(sys.stdin.read()):
    print("family", fam.name, fam.type)
    for s in fam.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {float(s.value)}")
"#;

fn judge(format: Format, arg: &str) -> String {
    let program = format!("import sys; sys.argv.append({arg:?})\n{DUMP}");
    python(&program, &fixture(format, EscapingScheme::AllowUtf8))
}

#[test]
fn prometheus_client_reads_allow_utf8_text() {
    let out = judge(Format::Text, "text");
    for line in [
        "family http.client.request.duration histogram",
        "http.client.request.duration_bucket{le=0.1} 1.0",
        "http.client.request.duration_bucket{le=+Inf} 3.0",
        "family http.server.request.duration histogram",
        "http.server.request.duration_bucket{http.request.method=GET,http.response.status_code=200,le=+Inf} 3.0",
        "http.server.request.duration_count{http.request.method=GET,http.response.status_code=200} 3.0",
        "family db.client.operations counter",
        "db.client.operations_total{db.system=redis \"7\"} 42.0",
        "system.memory.usage{state=used,système=é} 1024.0",
        "up{job=node} 1.0",
    ] {
        assert!(out.lines().any(|l| l == line), "no `{line}` in\n{out}");
    }
}

#[test]
fn prometheus_client_reads_allow_utf8_openmetrics() {
    let out = judge(Format::OpenMetrics, "om");
    for line in [
        "family http.client.request.duration histogram",
        "http.client.request.duration_bucket{le=1.0} 2.0",
        "family http.server.request.duration histogram",
        "http.server.request.duration_sum{http.request.method=GET,http.response.status_code=200} 2.55",
        "family db.client.operations counter",
        "db.client.operations_total{db.system=redis \"7\"} 42.0",
        "family system.memory.usage gauge",
        "up{job=node} 1.0",
    ] {
        assert!(out.lines().any(|l| l == line), "no `{line}` in\n{out}");
    }
}

#[test]
fn promtool_accepts_underscores_text() {
    let body = fixture(Format::Text, EscapingScheme::Underscores);
    assert!(body.contains("http_server_request_duration_count{http_request_method=\"GET\""));
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (installed by .ci/run)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool: {report}\n--- input ---\n{body}"
    );
    assert!(report.trim().is_empty(), "promtool findings: {report}");
}
