//! Run with: `cargo run --release -p exporter-benches --example peer_prometheus_hello_world -- --web.listen-address 127.0.0.1:9100`
//!
//! BENCHMARK PEER, not an example to learn from: the hello world exporter written
//! the way one would with the `prometheus` crate and a hand-written hyper 1 server,
//! so `scripts/bench_http.sh` can load both under the same conditions. Same output as
//! `examples/hello_world.rs`: the gauge `a_hello_world_exporter{name}` with fresh random
//! values (`haohao` < 1000, `nana` < 100) at every scrape, on a new registry.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{header, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus::{Encoder, GaugeVec, Opts, Registry, TextEncoder};

struct Exporter {
    registry: Registry,
    gauge: GaugeVec,
}

impl Exporter {
    fn scrape(&self) -> Response<Full<Bytes>> {
        // As a collector would: read the "system" at scrape time.
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

    fn handle(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        if req.uri().path() == "/metrics" {
            self.scrape()
        } else {
            let mut resp = Response::new(Full::new(Bytes::from_static(b"not found\n")));
            *resp.status_mut() = StatusCode::NOT_FOUND;
            resp
        }
    }
}

fn listen_address() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:8080".to_owned();
    while let Some(arg) = args.next() {
        match arg.split_once('=') {
            Some(("--web.listen-address", v)) => v.clone_into(&mut addr),
            _ if arg == "--web.listen-address" => {
                addr = args.next().ok_or("missing address")?;
            }
            _ => return Err(format!("unknown flag {arg}")),
        }
    }
    Ok(addr)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::new();
    let gauge = GaugeVec::new(
        Opts::new(
            "a_hello_world_exporter",
            "Help Info for Hello World Exporter",
        ),
        &["name"],
    )?;
    registry.register(Box::new(gauge.clone()))?;
    let exporter = Arc::new(Exporter { registry, gauge });

    let listener = tokio::net::TcpListener::bind(listen_address()?).await?;
    println!("serving on http://{}/metrics", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let exporter = Arc::clone(&exporter);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let exporter = Arc::clone(&exporter);
                async move { Ok::<_, Infallible>(exporter.handle(&req)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
