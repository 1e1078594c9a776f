//! The metrics handler driven with built requests: method, query string
//! (`name[]`, `collect[]` and anything else), `Accept`, `Accept-Encoding`
//! and `X-Prometheus-Scrape-Timeout-Seconds` from the input, split at NUL
//! bytes in that order (see `fuzz::fields`).
//!
//! Asserted, with and without OpenMetrics enabled, and with the self-metrics:
//! - GET answers 200, HEAD 200 with an empty body, anything else 405 with `Allow`;
//! - `Content-Type` is what `negotiate_accept` picks for the `Accept` header;
//! - `Content-Encoding` is what Go's `NegotiateContentEncoding` picks;
//! - the body, decoded, equals the identity body of the same request
//!   (without the self-metrics, which change between requests);
//! - the body is well-formed for its format and holds exactly the families
//!   the `name[]` parameters select (all when none is given).
#![no_main]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use exporter_core::encoding::{negotiate, negotiate_accept};
use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_fuzz as fz;
use http::{header, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use libfuzzer_sys::fuzz_target;

struct Handlers {
    plain: MetricsHandler,
    openmetrics: MetricsHandler,
    /// With the `promhttp_*` self-metrics, whose values change per request.
    instrumented: MetricsHandler,
}

/// The `promhttp_*` families of the self-metrics.
const SELF_FAMILIES: &[&str] = &[
    "promhttp_metric_handler_errors_total",
    "promhttp_metric_handler_requests_in_flight",
    "promhttp_metric_handler_requests_total",
];

static HANDLERS: OnceLock<Arc<Handlers>> = OnceLock::new();

/// Percent-encodes what `http::Uri` would refuse; the escape decodes back
/// to the same byte, so the query means the same.
fn uri_safe(query: &[u8]) -> String {
    let mut s = String::new();
    for &b in query {
        if (0x21..=0x7e).contains(&b) && b != b'#' {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let handlers = fz::once(&HANDLERS, || {
        let registry = Arc::new(fz::fixture_registry());
        let opts = HandlerOpts::default().self_metrics(false);
        Handlers {
            plain: MetricsHandler::from_arc(registry.clone(), opts.clone()),
            openmetrics: MetricsHandler::from_arc(registry.clone(), opts.enable_openmetrics(true)),
            instrumented: MetricsHandler::from_arc(
                registry,
                HandlerOpts::default().enable_openmetrics(true),
            ),
        }
    });
    let f = fz::fields(data, 5);
    let method = match f[0] {
        None | Some(b"") => Method::GET,
        Some(m) => match Method::from_bytes(m) {
            Ok(m) => m,
            Err(_) => return,
        },
    };
    let query = f[1].map(uri_safe);
    let uri = match &query {
        Some(q) => format!("/metrics?{q}"),
        None => "/metrics".to_owned(),
    };
    let mut builder = Request::builder().method(method.clone()).uri(uri);
    let mut header_of = |name: header::HeaderName, value: Option<&[u8]>| -> Option<String> {
        let v = HeaderValue::from_bytes(value?).ok()?;
        let text = v.to_str().ok().map(str::to_owned);
        builder = std::mem::take(&mut builder).header(name, v);
        text
    };
    let accept = header_of(header::ACCEPT, f[2]);
    let accept_encoding = header_of(header::ACCEPT_ENCODING, f[3]);
    let _ = header_of(
        header::HeaderName::from_static("x-prometheus-scrape-timeout-seconds"),
        f[4],
    );
    let Ok(req) = builder.body(()) else { return };
    // A URI that parsed may still differ from the one built (e.g. normalised).
    let query = req.uri().query().map(str::to_owned);
    let names = fz::reference_names(query.as_deref());

    for (handler, om, instrumented) in [
        (&handlers.plain, false, false),
        (&handlers.openmetrics, true, false),
        (&handlers.instrumented, true, true),
    ] {
        let (status, head, body) = fz::runtime().block_on(async {
            let resp = handler.handle(&req).await;
            let (parts, body) = resp.into_parts();
            let body: Bytes = match body.collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => panic!("body failed: {e}"),
            };
            (parts.status, parts.headers, body)
        });
        if method != Method::GET && method != Method::HEAD {
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
            assert_eq!(
                head.get(header::ALLOW).map(|v| v.as_bytes()),
                Some(&b"GET, HEAD"[..])
            );
            continue;
        }
        assert_eq!(
            status,
            StatusCode::OK,
            "{:?}",
            String::from_utf8_lossy(&body)
        );
        let negotiated = negotiate_accept(accept.as_deref(), om);
        let format = negotiated.format;
        assert!(om || format != exporter_core::Format::OpenMetrics);
        assert_eq!(format, negotiate(accept.as_deref(), om));
        // The whole Content-Type, escaping term included, as Go writes it.
        assert_eq!(
            head.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some(negotiated.content_type())
        );
        let coding = head
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("<not ASCII>").to_owned());
        let offered: &[&'static str] = &["gzip", "zstd"];
        assert_eq!(
            coding.as_deref(),
            fz::reference_encoding(accept_encoding.as_deref(), offered),
            "Accept-Encoding {accept_encoding:?}"
        );
        if method == Method::HEAD {
            assert!(body.is_empty());
            continue;
        }
        let decoded = fz::decode_body(coding.as_deref(), &body).unwrap_or_else(|e| panic!("{e}"));
        // The self-metrics count requests, so two bodies differ: compared
        // only without them.
        if coding.is_some() && !instrumented {
            // The same request without Accept-Encoding: the identity body.
            let mut plain = Request::builder()
                .method(Method::GET)
                .uri(req.uri().clone());
            for (k, v) in req.headers() {
                if k != header::ACCEPT_ENCODING {
                    plain = plain.header(k, v);
                }
            }
            let Ok(plain) = plain.body(()) else {
                panic!("rebuilt request")
            };
            let identity = fz::runtime().block_on(async {
                let resp = handler.handle(&plain).await;
                assert!(resp.headers().get(header::CONTENT_ENCODING).is_none());
                match resp.into_body().collect().await {
                    Ok(b) => b.to_bytes(),
                    Err(e) => panic!("body failed: {e}"),
                }
            });
            assert!(
                decoded == identity,
                "decoded {coding:?} body differs from identity"
            );
        }
        let mut got = fz::families_in(format, &decoded)
            .unwrap_or_else(|e| panic!("{format:?} body malformed: {e}"));
        got.sort();
        let mut want = fz::expected_families(&names);
        if instrumented {
            want.extend(
                SELF_FAMILIES
                    .iter()
                    .filter(|f| names.is_empty() || names.iter().any(|n| n == *f))
                    .map(|f| (*f).to_owned()),
            );
            want.sort();
        }
        assert_eq!(got, want, "query {query:?}");
    }
});
