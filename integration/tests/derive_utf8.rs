//! A derived struct with UTF-8 names (each opted into with `allow(utf8_name)`)
//! registers, and is written in Go's quoted syntax for a scraper that allows
//! UTF-8 and escaped as Go escapes it for one that does not.

#![allow(clippy::unwrap_used)]

use exporter_core::escaping::EscapingScheme;
use exporter_core::metric::Family;
use exporter_core::registry::Gatherer as _;
use exporter_core::{Collector, Counter, Format, Gauge, LabelSet, MetricEncoder, Registry};

#[derive(LabelSet, Clone, PartialEq, Eq, Hash)]
struct Request {
    #[label(rename = "http.method", allow(utf8_name))]
    method: String,
}

#[derive(Collector)]
#[collector(new)]
struct Stats {
    /// Active requests.
    #[metric(gauge, name = "http.server.active_requests", allow(utf8_name))]
    active: Gauge,
    /// Requests by method.
    #[metric(counter)]
    served_total: Family<Request, Counter>,
}

fn scrape(registry: &Registry, scheme: EscapingScheme) -> String {
    let mut encoder = MetricEncoder::new(Format::Text);
    encoder.set_escaping(scheme);
    let errors = registry.gather_into(&mut encoder);
    assert!(errors.is_empty(), "{errors:?}");
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn utf8_names_are_quoted_or_escaped_as_the_scraper_asks() {
    let stats = Stats::new();
    stats.active.set(1.0);
    stats
        .served_total
        .get_or_create(&Request {
            method: "GET".to_owned(),
        })
        .inc_by(3);
    let registry = Registry::new();
    registry.register(stats).unwrap();

    let utf8 = scrape(&registry, EscapingScheme::AllowUtf8);
    assert!(
        utf8.contains("{\"http.server.active_requests\"} 1\n"),
        "{utf8}"
    );
    assert!(
        utf8.contains("served_total{\"http.method\"=\"GET\"} 3\n"),
        "{utf8}"
    );

    let legacy = scrape(&registry, EscapingScheme::Underscores);
    assert!(
        legacy.contains("http_server_active_requests 1\n"),
        "{legacy}"
    );
    assert!(
        legacy.contains("served_total{http_method=\"GET\"} 3\n"),
        "{legacy}"
    );
}
