//! A small HTTP server around the handler: the metrics path, optionally a landing
//! page and the `/-/healthy` and `/-/ready` probes, 404 elsewhere; with a
//! [`WebConfig`](super::WebConfig), TLS (HTTP/2 by ALPN), basic auth, extra
//! headers and a rate limit.
//!
//! Limits follow Go's net/http and exporter-toolkit: request headers must arrive
//! within the header read timeout (10 s; a new connection has that long for its first
//! byte and TLS handshake together, then that long again for its first request head,
//! so at most twice it), a request head may be 1 MiB with at most 1000 header
//! fields (431 beyond; a connection pays for more than 100 only once a head has
//! them, see [`many_headers`](super::many_headers)), an HTTP/1.1 request without
//! `Host` gets 400, and a client that stops reading a response for the send timeout (30 s) is dropped, so
//! slow readers cannot hold every scrape slot.

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode, Version};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::body::Body;
use super::conn_timer::ConnTimer;
use super::handler::{plain, MetricsHandler};
use super::many_headers::Widen;
use super::send_timeout::SendTimeout;

/// Default largest request head: Go's `http.DefaultMaxHeaderBytes`.
const MAX_HEADER_BYTES: usize = 1 << 20;
/// Most header fields in a request; hyper keeps a slot for each, so it is bounded.
/// Connections start with hyper's default of 100 (`many_headers`).
const MAX_HEADERS: usize = 1000;

/// Serves `handler` at `/metrics` on `listener` until the future is dropped
/// or, with [`Serve::with_graceful_shutdown`], until a signal. Dropping it
/// stops accepting and closes the connections that have not sent a byte yet;
/// the others are served until they close.
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
            web: None,
        },
        header_read_timeout: Duration::from_secs(10),
        send_timeout: Duration::from_secs(30),
        max_header_bytes: MAX_HEADER_BYTES,
        signal: Box::pin(std::future::pending()),
    }
}

/// The future returned by [`serve`]; await it to run the server.
#[must_use = "a server does nothing unless awaited"]
pub struct Serve {
    listener: TcpListener,
    routes: Routes,
    header_read_timeout: Duration,
    send_timeout: Duration,
    max_header_bytes: usize,
    signal: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// One connection's way to the routes.
struct Served {
    routes: Arc<Routes>,
    /// Whether the connection runs on a multi-thread runtime (which has
    /// workers to spare for a scrape, see the handler).
    multi_thread: bool,
}

struct Routes {
    handler: MetricsHandler,
    path: String,
    landing: Option<Bytes>,
    probes: bool,
    /// Other paths served by handlers of their own (the scrapers' `/probe`).
    extra: Vec<(String, MetricsHandler)>,
    #[cfg(feature = "tls")]
    web: Option<super::WebConfig>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("path", &self.routes.path)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("send_timeout", &self.send_timeout)
            .field("max_header_bytes", &self.max_header_bytes)
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Stops accepting when `signal` completes, then waits for open
    /// connections to finish the requests they are serving (a scrape being
    /// streamed is finished); connections that have not sent a byte yet are
    /// closed at once.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Box::pin(signal);
        self
    }

    /// The path the metrics are served at. Default is `/metrics`. A path with
    /// characters that need percent-encoding (`/métriques`) is matched in either form.
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
    /// long an idle keep-alive connection stays open). A new connection has
    /// this long for its first byte and TLS handshake together, then this
    /// long again for its first request head. Default is 10 seconds.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a response may wait for a client that does not read it before the
    /// connection is closed. Default is 30 seconds.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }

    /// The largest request head (request line and headers) accepted; larger
    /// ones get 431. Clamped to at least 8 KiB. Default is 1 MiB, as Go's.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(8192);
        self
    }

    /// TLS, basic auth, headers and rate limit from a `web-config.yml`
    /// ([`WebConfig`](super::WebConfig)); re-read while serving when it was loaded
    /// from a file. Basic auth covers every path. Default is plain HTTP without auth.
    #[cfg(feature = "tls")]
    pub fn web_config(mut self, config: super::WebConfig) -> Self {
        self.routes.web = Some(config);
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
            send_timeout,
            max_header_bytes,
            mut signal,
        } = self;
        let mut narrow = http1::Builder::new();
        narrow
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            // A complete head up to twice the limit is read and refused with
            // 431; a longer one fills the buffer and is refused the same way.
            .max_buf_size(max_header_bytes.saturating_mul(2))
            .max_header_size(max_header_bytes);
        // hyper's default header slots (100) cost nothing; more cost every
        // request, so only connections that need them get them (`many_headers`).
        let mut wide = narrow.clone();
        wide.max_headers(MAX_HEADERS);
        #[cfg(feature = "tls")]
        if let Some(web) = &routes.web {
            web.watch();
        }
        let graceful = GracefulShutdown::new();
        // Tells connections still waiting for their first bytes to close.
        let (closing, closing_rx) = watch::channel(false);
        let routes = Arc::new(routes);
        let conn = Conn {
            narrow,
            wide,
            header_read_timeout,
            send_timeout,
            max_header_bytes,
        };
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
            let watcher = graceful.watcher();
            let conn = conn.clone();
            let mut closing = closing_rx.clone();
            tokio::spawn(async move {
                // An idle connection is a small task until its first bytes arrive:
                // hyper's buffers (16 KiB) and the serving future (several KiB)
                // come after, and never for a connection closed without a
                // request (a port check). 2 000 idle connections would otherwise
                // hold about 40 MiB, which glibc keeps after they close.
                // The first byte and a TLS handshake share one deadline from here.
                let deadline = tokio::time::Instant::now() + conn.header_read_timeout;
                let mut byte = [0u8; 1];
                let first_byte = tokio::time::timeout_at(deadline, stream.peek(&mut byte));
                tokio::select! {
                    peeked = first_byte => {
                        // Nothing within the header timeout, closed, or failed.
                        if !matches!(peeked, Ok(Ok(1..))) {
                            return;
                        }
                    }
                    _ = closing.wait_for(|closing| *closing) => return,
                }
                Box::pin(conn.accepted(stream, deadline, routes, watcher, closing)).await;
            });
        }
        drop(listener);
        let _ = closing.send(true);
        graceful.shutdown().await;
        Ok(())
    }
}

/// How connections are served.
#[derive(Clone)]
struct Conn {
    /// HTTP/1 on hyper's default header slots, and with [`MAX_HEADERS`].
    narrow: http1::Builder,
    wide: http1::Builder,
    header_read_timeout: Duration,
    send_timeout: Duration,
    max_header_bytes: usize,
}

impl Conn {
    /// Serves a connection that sent its first bytes: TLS when configured,
    /// then HTTP.
    async fn accepted(
        &self,
        stream: tokio::net::TcpStream,
        #[cfg_attr(not(feature = "tls"), allow(unused_variables))] deadline: tokio::time::Instant,
        routes: Arc<Routes>,
        watcher: Watcher,
        closing: watch::Receiver<bool>,
    ) {
        let stream = SendTimeout::new(stream, self.send_timeout);
        #[cfg(feature = "tls")]
        if let Some(tls) = routes.web.as_ref().and_then(super::WebConfig::tls) {
            // Boxed: a TLS session is large, and a plain connection should not
            // carry room for one.
            return Box::pin(self.serve_tls(tls, stream, deadline, routes, watcher, closing)).await;
        }
        self.serve(stream, routes, watcher, closing, false).await;
    }

    #[cfg(feature = "tls")]
    async fn serve_tls(
        &self,
        tls: Arc<rustls::ServerConfig>,
        stream: SendTimeout<tokio::net::TcpStream>,
        deadline: tokio::time::Instant,
        routes: Arc<Routes>,
        watcher: Watcher,
        closing: watch::Receiver<bool>,
    ) {
        // The handshake shares the first byte's deadline.
        let accept = tokio_rustls::TlsAcceptor::from(tls).accept(stream);
        let stream = match tokio::time::timeout_at(deadline, accept).await {
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
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
        self.serve(stream, routes, watcher, closing, h2).await;
    }

    async fn serve<S>(
        &self,
        stream: S,
        routes: Arc<Routes>,
        watcher: Watcher,
        closing: watch::Receiver<bool>,
        h2: bool,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        // What a request takes with it, made once per connection: its count
        // is touched by this connection's requests alone, not by every
        // worker's, as the server-wide `routes` would be.
        let served = Arc::new(Served {
            routes,
            multi_thread: tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::MultiThread,
        });
        let service = service_fn(move |req: Request<Incoming>| {
            let served = Arc::clone(&served);
            async move {
                let resp = served.routes.route(req, served.multi_thread).await;
                Ok::<_, Infallible>(resp)
            }
        });
        // A client that goes away or times out is not a server error.
        let result = if h2 {
            let mut builder =
                hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new());
            builder
                .timer(TokioTimer::new())
                .max_header_list_size(u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX))
                .keep_alive_interval(self.header_read_timeout)
                .keep_alive_timeout(self.header_read_timeout);
            // Boxed, as TLS: an HTTP/2 connection is large and rare here.
            Box::pin(watcher.watch(builder.serve_connection(TokioIo::new(stream), service))).await
        } else {
            self.serve_http1(stream, service, watcher, closing).await
        };
        if let Err(error) = result {
            tracing::debug!(%error, "connection ended with an error");
        }
    }

    /// HTTP/1 on hyper's default header slots until a head needs more: then the
    /// connection goes on with [`MAX_HEADERS`] slots, from that head (see
    /// [`many_headers`](super::many_headers)).
    async fn serve_http1<S, Svc>(
        &self,
        stream: S,
        service: Svc,
        watcher: Watcher,
        mut closing: watch::Receiver<bool>,
    ) -> hyper::Result<()>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        Svc: hyper::service::Service<
                Request<Incoming>,
                Response = Response<Body>,
                Error = Infallible,
            > + Unpin
            + Send
            + 'static,
        Svc::Future: Send + 'static,
    {
        // The header read timeout on one timer for the connection, not one
        // per request (`conn_timer`).
        let mut narrow = self.narrow.clone();
        narrow.timer(ConnTimer::default());
        let mut conn = narrow.serve_connection(TokioIo::new(Widen::new(stream)), service);
        // Driven here, not by `watcher.watch`, so that the connection is still
        // ours when it ends and can be handed to the wide parse; the server's
        // shutdown reaches it through `closing` instead.
        let ended = {
            // Polling the signal takes the channel's lock, which every
            // connection shares: so it is polled again only when it was sent
            // (or the server dropped) or this task has a new waker. Outside
            // the task's budget: a first poll cut short by it would leave the
            // signal unwatched.
            let sent = closing.clone();
            let mut closed = std::pin::pin!(tokio::task::unconstrained(
                closing.wait_for(|closing| *closing)
            ));
            let mut waiting: Option<Waker> = None;
            let mut stopping = false;
            std::future::poll_fn(|cx| {
                if !stopping
                    && (!matches!(sent.has_changed(), Ok(false))
                        || !waiting.as_ref().is_some_and(|w| w.will_wake(cx.waker())))
                {
                    if closed.as_mut().poll(cx).is_ready() {
                        stopping = true;
                        Pin::new(&mut conn).graceful_shutdown();
                    } else {
                        waiting = Some(cx.waker().clone());
                    }
                }
                Pin::new(&mut conn).poll(cx)
            })
            .await
        };
        match ended {
            Err(error) if error.is_parse_too_large() => {
                let parts = conn.into_parts();
                let io = parts.io.into_inner();
                if !io.holds_refusal() {
                    // The 431 went out (it continued a partial write): the
                    // client has its answer.
                    return Err(error);
                }
                // Held back: the head goes to the wide parse.
                let io = TokioIo::new(io.widen(parts.read_buf));
                // Boxed: rare, and the narrow connection's room is not reused.
                Box::pin(watcher.watch(self.wide.serve_connection(io, parts.service))).await
            }
            ended => ended,
        }
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
    async fn route(&self, req: Request<Incoming>, multi_thread: bool) -> Response<Body> {
        // Go's net/http: "HTTP/1.1 requests must include a Host header".
        if req.version() == Version::HTTP_11 && !req.headers().contains_key(header::HOST) {
            return plain(
                StatusCode::BAD_REQUEST,
                "400 Bad Request: missing required Host header\n",
            );
        }
        #[cfg(feature = "tls")]
        if let Some(web) = &self.web {
            // exporter-toolkit's order: the file, the rate limit, headers, basic auth.
            let Ok(current) = web.current() else {
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n");
            };
            if current.limiter.as_ref().is_some_and(|l| !l.allow()) {
                return plain(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests\n");
            }
            let mut resp = match &current.auth {
                Some(auth) => {
                    let header = req
                        .headers()
                        .get(header::AUTHORIZATION)
                        .map(HeaderValue::as_bytes);
                    if auth.allows(header).await {
                        self.route_path(&req, multi_thread).await
                    } else {
                        let mut resp = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
                        resp.headers_mut()
                            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
                        resp
                    }
                }
                None => self.route_path(&req, multi_thread).await,
            };
            for (name, value) in &current.headers {
                resp.headers_mut().insert(name.clone(), value.clone());
            }
            return resp;
        }
        self.route_path(&req, multi_thread).await
    }

    /// Whether the request's path is `path`, literally or once percent-decoded.
    fn is(req_path: &str, path: &str) -> bool {
        req_path == path
            || (req_path.contains('%')
                && percent_encoding::percent_decode_str(req_path)
                    .decode_utf8()
                    .is_ok_and(|decoded| decoded == path))
    }

    async fn route_path(&self, req: &Request<Incoming>, multi_thread: bool) -> Response<Body> {
        let path = req.uri().path();
        if Self::is(path, &self.path) {
            return self.handler.answer(req, multi_thread).await;
        }
        if let Some((_, handler)) = self.extra.iter().find(|(p, _)| p == path) {
            return handler.answer(req, multi_thread).await;
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
