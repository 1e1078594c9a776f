//! `http::handler()`, Go's `promhttp.Handler()`: the default registry with the
//! process collector and the self-metrics.

#![allow(clippy::unwrap_used, clippy::float_cmp)]

mod http_support;

use exporter_core::default_registry;
use exporter_core::http::handler;
use http_support::{get, start, value, Fixed};

#[tokio::test]
async fn serves_the_default_registry_with_process_and_self_metrics() {
    default_registry().register(Fixed::new()).unwrap();
    // Two handlers: the process collector is registered once, not twice.
    let _first = handler();
    let server = start(handler()).await;
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(value(&text, "test_fixed", &[("name", "nana")]), Some(87.0));
    assert_eq!(
        value(&text, "promhttp_metric_handler_requests_in_flight", &[]),
        Some(1.0)
    );
    #[cfg(target_os = "linux")]
    {
        assert!(value(&text, "process_open_fds", &[]).unwrap() >= 3.0);
        assert_eq!(text.matches("\nprocess_open_fds ").count(), 1, "{text}");
    }
}
