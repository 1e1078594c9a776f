//! A minimal HTTP server: the metrics path, a landing page, and 404 elsewhere.

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

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
        handler,
        path: "/metrics".to_owned(),
        signal: Box::pin(std::future::pending()),
    }
}

/// The future returned by [`serve`]; await it to run the server.
#[must_use = "a server does nothing unless awaited"]
pub struct Serve {
    listener: TcpListener,
    handler: MetricsHandler,
    path: String,
    signal: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Stops accepting when `signal` completes, then waits for open
    /// connections to finish their requests.
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Box::pin(signal);
        self
    }

    /// The path the metrics are served at. Default is `/metrics`.
    pub fn metrics_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
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
            handler,
            path,
            mut signal,
        } = self;
        let builder = auto::Builder::new(TokioExecutor::new());
        let graceful = GracefulShutdown::new();
        let path: std::sync::Arc<str> = path.into();
        loop {
            let (stream, _peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(conn) => conn,
                    // Accept errors (e.g. too many open files) are transient: keep serving.
                    Err(_) => continue,
                },
                () = &mut signal => break,
            };
            let handler = handler.clone();
            let path = path.clone();
            let service = service_fn(move |req: Request<Incoming>| {
                let handler = handler.clone();
                let path = path.clone();
                async move { Ok::<_, Infallible>(route(&handler, &path, req).await) }
            });
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn.into_owned());
            tokio::spawn(async move {
                // A client that goes away mid-request is not a server error.
                let _ = conn.await;
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

async fn route(
    handler: &MetricsHandler,
    path: &str,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    if req.uri().path() == path {
        handler.handle(req).await
    } else {
        plain(StatusCode::NOT_FOUND, "not found\n")
    }
}
