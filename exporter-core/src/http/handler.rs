//! The metrics handler: gathers a registry per request and answers in the
//! negotiated format.

use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;

use crate::encoding::{Format, MetricEncoder};
use crate::registry::Gatherer;

/// Options of a [`MetricsHandler`], after Go's `promhttp.HandlerOpts`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct HandlerOpts {}

/// Serves a [`Gatherer`] over HTTP; cheap to clone.
#[derive(Clone)]
pub struct MetricsHandler {
    gatherer: Arc<dyn Gatherer>,
    opts: Arc<HandlerOpts>,
}

impl std::fmt::Debug for MetricsHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsHandler")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl MetricsHandler {
    /// A handler for `gatherer` with default options.
    pub fn new(gatherer: impl Gatherer + 'static) -> Self {
        Self::with_opts(gatherer, HandlerOpts::default())
    }

    /// A handler for `gatherer` with `opts`.
    pub fn with_opts(gatherer: impl Gatherer + 'static, opts: HandlerOpts) -> Self {
        MetricsHandler {
            gatherer: Arc::new(gatherer),
            opts: Arc::new(opts),
        }
    }

    /// Answers one request for the metrics path.
    #[allow(clippy::unused_async)] // collectors become async next
    pub async fn handle<B>(&self, req: Request<B>) -> Response<Full<Bytes>> {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        }
        let format = Format::Text;
        let mut encoder = MetricEncoder::new(format);
        let errors = self.gatherer.gather_into(&mut encoder);
        for e in &errors {
            // Collect errors are contained: the rest of the scrape is served.
            let _ = e;
        }
        let mut body = Vec::new();
        encoder.finish_into(&mut body);
        let mut resp = Response::new(Full::new(Bytes::from(body)));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(format.content_type()),
        );
        resp
    }
}

pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
