//! `Accept` and `Accept-Encoding` negotiation on their own: the input (as
//! text) is an `Accept` header for `negotiate`, and an `Accept-Encoding`
//! header for a `HEAD` request to the handler (which negotiates and answers
//! the headers without gathering).
//!
//! Asserted:
//! - with OpenMetrics off the answer is never OpenMetrics, and turning it off
//!   changes nothing unless the answer with it on was OpenMetrics;
//! - spaces after the commas between clauses change nothing (goautoneg trims them);
//! - the `Content-Encoding` is what Go's `NegotiateContentEncoding` picks
//!   (highest q, ties to the server's order, `*`, `q=0` refuses), and
//!   `Vary: Accept-Encoding` is always set.
#![no_main]

use std::sync::{Arc, OnceLock};

use exporter_core::encoding::negotiate;
use exporter_core::http::{HandlerOpts, MetricsHandler};
use exporter_core::Format;
use exporter_fuzz as fz;
use http::{header, HeaderValue, Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;

static HANDLER: OnceLock<Arc<MetricsHandler>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let with_om = negotiate(Some(&text), true);
    let without = negotiate(Some(&text), false);
    assert_ne!(without, Format::OpenMetrics);
    if with_om != Format::OpenMetrics {
        assert_eq!(with_om, without, "{text:?}");
    }
    let spaced = text.replace(',', ", ");
    assert_eq!(
        negotiate(Some(&spaced), true),
        with_om,
        "{text:?} vs {spaced:?}"
    );

    let handler = fz::once(&HANDLER, || {
        MetricsHandler::with_opts(
            fz::fixture_registry(),
            HandlerOpts::default().self_metrics(false),
        )
    });
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let visible = value.to_str().ok().map(str::to_owned);
    let Ok(req) = Request::builder()
        .method(Method::HEAD)
        .uri("/metrics")
        .header(header::ACCEPT_ENCODING, value)
        .body(())
    else {
        return;
    };
    let resp = fz::runtime().block_on(handler.handle(&req));
    assert_eq!(resp.status(), StatusCode::OK);
    let coding = resp
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("<not ASCII>").to_owned());
    assert_eq!(
        coding.as_deref(),
        fz::reference_encoding(visible.as_deref(), &["gzip", "zstd"]),
        "Accept-Encoding {visible:?}"
    );
    assert_eq!(
        resp.headers().get(header::VARY).map(HeaderValue::as_bytes),
        Some(&b"Accept-Encoding"[..])
    );
});
