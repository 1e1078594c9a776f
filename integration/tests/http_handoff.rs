//! A scrape that cannot block moves out of the request's task once it has
//! grown (see the `http` module docs): only when what comes after it can
//! stream, and with the error policy kept after the move.

#![allow(clippy::unwrap_used)]

mod http_support;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use exporter_core::http::{ErrorHandling, HandlerOpts, MetricsHandler};
use exporter_core::registry::{GatherError, GatherFuture, Gatherer, Gatherers};
use exporter_core::{CollectError, Collector, Desc, MetricEncoder, MetricType, Registry};
use http_body_util::{BodyExt, Empty};
use http_support::{get, handler_errors, start, Rows};

/// Always fails; it cannot block.
struct Fails(Desc);

impl Collector for Fails {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.0]
    }

    fn may_block(&self) -> bool {
        false
    }

    fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
        Err(CollectError::other("backend went away"))
    }
}

/// A user's own gatherer over two registries in turn: it cannot say which
/// families it writes (it does not implement the hidden `claims`).
struct Both(Arc<Registry>, Arc<Registry>);

impl Gatherer for Both {
    fn may_block(&self) -> bool {
        false
    }

    fn gather_into(&self, encoder: &mut MetricEncoder) -> Vec<GatherError> {
        let mut errors = self.0.gather_into(encoder);
        errors.extend(self.1.gather_into(encoder));
        errors
    }

    fn gather_async<'a>(
        &'a self,
        encoder: &'a mut MetricEncoder,
        deadline: Option<Instant>,
    ) -> GatherFuture<'a> {
        Box::pin(async move {
            let mut errors = self.0.gather_async(encoder, deadline).await;
            errors.extend(self.1.gather_async(encoder, deadline).await);
            errors
        })
    }
}

/// A big family first (the move would come after it), then `test_shared`,
/// big too, which the second registry writes as well.
fn two_registries() -> (Arc<Registry>, Arc<Registry>) {
    let a = Registry::new();
    a.register(Rows::new("test_lead", 2_000, "a")).unwrap();
    a.register(Rows::new("test_shared", 2_000, "a")).unwrap();
    let b = Registry::new();
    b.register(Rows::new("test_shared", 10, "b")).unwrap();
    (Arc::new(a), Arc::new(b))
}

/// A gatherer that cannot say what it writes never moves (its first
/// registry would stream `test_shared`, which its second registry adds to):
/// its scrape is whole, with every row merged, as under `Gatherers`, which
/// says what each of its gatherers writes, and streams what only one does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gatherer_that_cannot_say_what_it_writes_is_served_whole_and_merged() {
    let (a, b) = two_registries();
    let opts = HandlerOpts::default().error_handling(ErrorHandling::ContinueOnError);
    let merged = start(MetricsHandler::with_opts(
        Gatherers::new().with(a.clone()).with(b.clone()),
        opts.clone(),
    ))
    .await;
    let own = start(MetricsHandler::with_opts(Both(a, b), opts)).await;
    for (server, whole) in [(&merged, false), (&own, true)] {
        let reply = get(server.addr, "/metrics", &[]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-length").is_some(), whole);
        let text = reply.text();
        assert_eq!(handler_errors(&text, "gathering"), Some(0.0), "{text}");
        assert_eq!(text.matches("# TYPE test_shared gauge\n").count(), 1);
        assert_eq!(text.matches("\ntest_shared{").count(), 2_010);
        assert_eq!(text.matches("\ntest_lead{").count(), 2_000);
    }
}

/// Status and body (or the body's error) over a real client; status 0 when
/// no response head arrived.
async fn fetch(addr: std::net::SocketAddr) -> (u16, Result<Vec<u8>, String>) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Empty<Bytes>>();
    let req = hyper::Request::builder()
        .uri(format!("http://{addr}/metrics"))
        .body(Empty::new())
        .unwrap();
    let resp = match client.request(req).await {
        Ok(resp) => resp,
        Err(e) => return (0, Err(format!("no response: {e:?}"))),
    };
    let status = resp.status().as_u16();
    match resp.into_body().collect().await {
        Ok(body) => (status, Ok(body.to_bytes().to_vec())),
        Err(e) => (status, Err(e.to_string())),
    }
}

/// Under the default `HttpError` policy a collector that fails after the
/// move gives a 500 when nothing was streamed yet, and otherwise a broken
/// transfer (a 200 whose body ends in an error, or no response at all when
/// hyper sees the error before the head goes out): never a body that looks
/// whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_move_a_failure_is_a_500_or_a_broken_transfer() {
    let fails = || Fails(Desc::new("test_fail", "F.", MetricType::Gauge, [] as [&str; 0]).unwrap());
    let early = Registry::new();
    early.register(Rows::new("test_lead", 2_000, "a")).unwrap();
    early.register(fails()).unwrap();
    let server = start(MetricsHandler::new(early)).await;
    let (status, body) = fetch(server.addr).await;
    assert_eq!(status, 500);
    assert!(String::from_utf8(body.unwrap())
        .unwrap()
        .contains("backend went away"));

    let late = Registry::new();
    late.register(Rows::new("test_lead", 2_000, "a")).unwrap();
    late.register(Rows::new("test_big", 4_000, "a")).unwrap();
    late.register(fails()).unwrap();
    let server = start(MetricsHandler::new(late)).await;
    let (status, body) = fetch(server.addr).await;
    assert!(
        status == 0 || (status == 200 && body.is_err()),
        "{status} {:?}",
        body.map(|b| b.len())
    );
}
