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
use exporter_benches::peer::PrometheusHelloWorld;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

fn handle(exporter: &PrometheusHelloWorld, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    if req.uri().path() == "/metrics" {
        exporter.scrape()
    } else {
        let mut resp = Response::new(Full::new(Bytes::from_static(b"not found\n")));
        *resp.status_mut() = StatusCode::NOT_FOUND;
        resp
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
    let exporter = Arc::new(PrometheusHelloWorld::new()?);

    let listener = tokio::net::TcpListener::bind(listen_address()?).await?;
    println!("serving on http://{}/metrics", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let exporter = Arc::clone(&exporter);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let exporter = Arc::clone(&exporter);
                async move { Ok::<_, Infallible>(handle(&exporter, &req)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
