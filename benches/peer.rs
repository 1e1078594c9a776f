//! BENCHMARK PEER, not an example to learn from: the hello world exporter's
//! per-request work written the way one would with the `prometheus` crate. The
//! hand-written hyper server around it is `peers/prometheus_hello_world.rs`
//! (loaded by `scripts/bench_http.sh`); `handler.rs` calls it in process.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{header, Response, StatusCode};
use prometheus::{Encoder, GaugeVec, Opts, Registry, TextEncoder};

/// The `prometheus`-crate hello world: a registry with one gauge vector.
#[derive(Debug)]
pub struct PrometheusHelloWorld {
    registry: Registry,
    gauge: GaugeVec,
}

impl PrometheusHelloWorld {
    /// The registry with `a_hello_world_exporter{name}` registered.
    ///
    /// # Errors
    ///
    /// The `prometheus` crate's, for an invalid or twice-registered metric.
    pub fn new() -> Result<Self, prometheus::Error> {
        let gauge = GaugeVec::new(
            Opts::new(
                "a_hello_world_exporter",
                "Help Info for Hello World Exporter",
            ),
            &["name"],
        )?;
        let registry = Registry::new();
        registry.register(Box::new(gauge.clone()))?;
        Ok(PrometheusHelloWorld { registry, gauge })
    }

    /// One scrape: fresh random values (`haohao` < 1000, `nana` < 100), as a
    /// collector would read its system, gathered and encoded to text.
    pub fn scrape(&self) -> Response<Full<Bytes>> {
        self.gauge
            .with_label_values(&["haohao"])
            .set(f64::from(fastrand::u32(0..1000)));
        self.gauge
            .with_label_values(&["nana"])
            .set(f64::from(fastrand::u32(0..100)));
        let encoder = TextEncoder::new();
        let mut body = Vec::new();
        match encoder.encode(&self.registry.gather(), &mut body) {
            Ok(()) => Response::builder()
                .header(header::CONTENT_TYPE, encoder.format_type())
                .body(Full::new(Bytes::from(body))),
            Err(e) => Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(Full::new(Bytes::from(e.to_string()))),
        }
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}
