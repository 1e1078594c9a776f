//! A small HTTP/1 server around the handler: the metrics path, optionally a
//! landing page and the `/-/healthy` and `/-/ready` probes, 404 elsewhere.
//!
//! Hostile clients are bounded: request headers must arrive within the
//! header read timeout and fit in the header size limit (431 otherwise).

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::body::Body;
use super::handler::{plain, MetricsHandler};

/// Serves `handler` at `/metrics` on `listener` until the future is dropped
/// or, with [`Serve::with_graceful_shutdown`], until a signal.
///
/// # Example
///
/// ```no_run
/// use exporter_core::http::{serve, MetricsHandler};
/// use exporter_core::Registry;
///
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// serve(listener, MetricsHandler::new(Registry::new())).await
/// # }
/// ```
pub fn serve(listener: TcpListener, handler: MetricsHandler) -> Serve {
    Serve {
        listener,
        routes: Routes {
            handler,
            path: "/metrics".to_owned(),
            landing: None,
            probes: false,
            extra: Vec::new(),
            #[cfg(feature = "tls")]
            auth: None,
        },
        header_read_timeout: Duration::from_secs(10),
        max_header_bytes: 64 * 1024,
        #[cfg(feature = "tls")]
        tls: None,
        signal: Box::pin(std::future::pending()),
    }
}

/// The future returned by [`serve`]; await it to run the server.
#[must_use = "a server does nothing unless awaited"]
pub struct Serve {
    listener: TcpListener,
    routes: Routes,
    header_read_timeout: Duration,
    max_header_bytes: usize,
    #[cfg(feature = "tls")]
    tls: Option<tokio_rustls::TlsAcceptor>,
    signal: Pin<Box<dyn Future<Output = ()> + Send>>,
}

struct Routes {
    handler: MetricsHandler,
    path: String,
    landing: Option<Bytes>,
    probes: bool,
    /// Other paths served by handlers of their own (the scrapers' `/probe`).
    extra: Vec<(String, MetricsHandler)>,
    #[cfg(feature = "tls")]
    auth: Option<Arc<super::tls::BasicAuth>>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("path", &self.routes.path)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_header_bytes", &self.max_header_bytes)
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Stops accepting when `signal` completes, then waits for open
    /// connections to finish the requests they are serving (a scrape being
    /// streamed is finished).
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Box::pin(signal);
        self
    }

    /// The path the metrics are served at. Default is `/metrics`.
    pub fn metrics_path(mut self, path: impl Into<String>) -> Self {
        self.routes.path = path.into();
        self
    }

    /// An HTML page to answer at `/` (unless the metrics are there).
    /// Default is none (404).
    pub fn landing_page(mut self, html: impl Into<Bytes>) -> Self {
        self.routes.landing = Some(html.into());
        self
    }

    /// Serves `handler` at `path` too (the scrapers' `/probe`, with a
    /// gatherer of its own); the metrics path wins if they are the same.
    pub fn route(mut self, path: impl Into<String>, handler: MetricsHandler) -> Self {
        self.routes.extra.push((path.into(), handler));
        self
    }

    /// Answer `/-/healthy` and `/-/ready` with 200. Default is `false`.
    pub fn probes(mut self, enable: bool) -> Self {
        self.routes.probes = enable;
        self
    }

    /// How long a client may take to send its request headers (also how
    /// long an idle keep-alive connection stays open). Default is 10 seconds.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The largest request head (request line and headers) accepted; larger
    /// ones get 431. Clamped to at least 8 KiB. Default is 64 KiB.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(8192);
        self
    }

    /// TLS and basic auth from a `web-config.yml` ([`WebConfig`](super::WebConfig)).
    /// Basic auth covers every path. Default is plain HTTP without auth.
    #[cfg(feature = "tls")]
    pub fn web_config(mut self, config: super::WebConfig) -> Self {
        self.tls = config.tls;
        self.routes.auth = config.auth;
        self
    }

    /// The address the server listens on.
    ///
    /// # Errors
    ///
    /// The socket's error, if it has no local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    async fn run(self) -> io::Result<()> {
        let Serve {
            listener,
            routes,
            header_read_timeout,
            max_header_bytes,
            #[cfg(feature = "tls")]
            tls,
            mut signal,
        } = self;
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            // A complete head up to twice the limit is read and refused with
            // 431; a longer one fills the buffer and is refused the same way.
            .max_buf_size(max_header_bytes.saturating_mul(2))
            .max_header_size(max_header_bytes);
        let graceful = GracefulShutdown::new();
        let routes = Arc::new(routes);
        loop {
            let (stream, _peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(conn) => conn,
                    // Accept errors (e.g. too many open files) are transient:
                    // back off briefly and keep serving.
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut signal => break,
            };
            let routes = Arc::clone(&routes);
            let service = service_fn(move |req: Request<Incoming>| {
                let routes = Arc::clone(&routes);
                async move { Ok::<_, Infallible>(routes.route(req).await) }
            });
            let watcher = graceful.watcher();
            let builder = builder.clone();
            #[cfg(feature = "tls")]
            let tls = tls.clone();
            tokio::spawn(async move {
                #[cfg(feature = "tls")]
                if let Some(tls) = tls {
                    // The handshake gets the same deadline as the request head.
                    let stream =
                        match tokio::time::timeout(header_read_timeout, tls.accept(stream)).await {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%error, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("TLS handshake timed out");
                                return;
                            }
                        };
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    if let Err(error) = watcher.watch(conn).await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    return;
                }
                let conn = builder.serve_connection(TokioIo::new(stream), service);
                // A client that goes away or times out is not a server error.
                if let Err(error) = watcher.watch(conn).await {
                    tracing::debug!(%error, "connection ended with an error");
                }
            });
        }
        drop(listener);
        graceful.shutdown().await;
        Ok(())
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl Routes {
    async fn route(&self, req: Request<Incoming>) -> Response<Body> {
        #[cfg(feature = "tls")]
        if let Some(auth) = &self.auth {
            let header = req
                .headers()
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            if !auth.allows(header).await {
                let mut resp = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
                return resp;
            }
        }
        let path = req.uri().path();
        if path == self.path {
            return self.handler.handle(&req).await;
        }
        if let Some((_, handler)) = self.extra.iter().find(|(p, _)| p == path) {
            return handler.handle(&req).await;
        }
        let page: Option<(Bytes, &'static str)> = match (path, &self.landing) {
            ("/", Some(html)) => Some((html.clone(), "text/html; charset=utf-8")),
            ("/-/healthy", _) if self.probes => {
                Some((Bytes::from_static(b"Healthy"), "text/plain; charset=utf-8"))
            }
            ("/-/ready", _) if self.probes => {
                Some((Bytes::from_static(b"Ready"), "text/plain; charset=utf-8"))
            }
            _ => None,
        };
        let Some((bytes, content_type)) = page else {
            return plain(StatusCode::NOT_FOUND, "not found\n");
        };
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let mut resp = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return resp;
        }
        let mut resp = Response::new(Body::full(bytes));
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        resp
    }
}
