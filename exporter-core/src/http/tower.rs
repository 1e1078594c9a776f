//! [`MetricsHandler`] as a tower [`Service`], so it mounts in axum (or any
//! tower stack) with `Router::route_service("/metrics", handler)`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use super::body::Body;
use super::handler::MetricsHandler;

impl<B> Service<Request<B>> for MetricsHandler {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    /// Always ready: the in-flight limit answers 503 rather than applying
    /// back-pressure, as Go's promhttp does.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let response = self.handle(&req);
        Box::pin(async move { Ok(response.await) })
    }
}
