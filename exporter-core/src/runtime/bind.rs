//! From parsed flags to a running server: the listeners, the handler and
//! routes built from the builder's settings ([`ExporterBuilder::bind_with`]),
//! serving until a signal ([`Bound`]), and the process around it (signals,
//! the open-files limit, the shutdown deadline).

use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::{init_logging, landing, Config, Error, ErrorKind, ExporterBuilder, ProbeSource};
use crate::http::{serve, MetricsHandler, Serve};
use crate::process::BuildInfo;
use crate::registry::{Gatherers, Registry};
use crate::scrape::Connect;

impl<A: clap::Args + Send + 'static, T: Send + Sync + 'static> ExporterBuilder<A, T> {
    /// Binds every listen address and builds the server, without serving
    /// yet: tests bind `127.0.0.1:0` and read [`Bound::local_addrs`].
    ///
    /// # Errors
    ///
    /// An address that cannot be bound (named in the error), a collector
    /// that failed to register, or a name that makes an invalid build info.
    #[allow(clippy::too_many_lines)] // one linear set-up; split, it reads worse
    pub async fn bind_with(
        self,
        config: &Config<A>,
        connect: impl Connect<T>,
    ) -> Result<Bound, Error> {
        if let Some(e) = self.register_error {
            return Err(ErrorKind::Register(e).into());
        }
        let exporter_metrics = !config.disable_exporter_metrics;
        // The exporter's own metrics; made only when there are some, so that
        // no scrape runs an empty registry.
        let mut own: Option<Registry> = None;
        if exporter_metrics && self.build_info {
            let info = BuildInfo::new(&self.name, &self.version, "unknown", "unknown")
                .map_err(ErrorKind::BuildInfo)?;
            own.get_or_insert_with(Registry::new)
                .register(info)
                .map_err(ErrorKind::Register)?;
        }
        #[cfg(all(feature = "process", target_os = "linux"))]
        if exporter_metrics && self.process_metrics {
            own.get_or_insert_with(Registry::new)
                .register(crate::process::ProcessCollector::new())
                .map_err(ErrorKind::Register)?;
        }
        let opts = self
            .handler_opts
            .max_requests_in_flight(config.max_requests)
            .self_metrics(exporter_metrics);
        // The user's registry, the scrapers, then the exporter's own metrics;
        // as `Gatherers`, so async collectors are awaited and big families streamed.
        let mut gatherer = Gatherers::new().with(self.registry);
        let mut probe_handler = None;
        if self.scrapers.is_none() && self.probe.is_some() {
            return Err(ErrorKind::Probe(
                "it probes with the scrapers, and there are none: add them with `.scrapers(...)`",
            )
            .into());
        }
        if let Some(scrapers) = &self.scrapers {
            let selection = config
                .scrapers
                .clone()
                .unwrap_or_else(|| scrapers.default_selection());
            let connect = Arc::new(connect);
            let probe = match self.probe {
                Some(ProbeSource::Fixed(p)) => Some(p),
                Some(ProbeSource::FromFlags(f)) => Some(f(&config.args)),
                Some(ProbeSource::BeforeFlags) => {
                    return Err(ErrorKind::Probe(
                        "`probe_with` was called before `flags`, which replaced the flags its closure reads: call `flags::<F>()` first",
                    )
                    .into())
                }
                None => None,
            };
            if let Some(probe) = probe {
                let g = scrapers
                    .probe_gatherer(
                        selection.clone(),
                        SharedConnect(Arc::clone(&connect)),
                        probe,
                    )
                    .map_err(ErrorKind::Scrapers)?;
                // blackbox_exporter's `/probe` carries the probe's metrics only.
                let probe_opts = opts.clone().self_metrics(false);
                probe_handler = Some(MetricsHandler::from_arc(Arc::new(g), probe_opts));
            }
            let g = scrapers
                .gatherer(selection, SharedConnect(connect))
                .map_err(ErrorKind::Scrapers)?;
            gatherer.push(Arc::new(g));
        }
        if let Some(own) = own {
            gatherer.push(Arc::new(own));
        }
        let handler = MetricsHandler::from_arc(Arc::new(gatherer), opts);
        let page = landing::render(
            &self.name,
            &self.description,
            &self.version,
            &config.telemetry_path,
            probe_handler.is_some(),
        );
        #[cfg(feature = "tls")]
        let web_config = match &config.web_config_file {
            Some(path) => {
                Some(crate::http::WebConfig::from_file(path).map_err(ErrorKind::WebConfig)?)
            }
            None => None,
        };
        let mut servers = Vec::new();
        let mut addrs = Vec::new();
        for (listener, addr) in listeners(config).await? {
            let local = listener.local_addr().map_err(|source| ErrorKind::Bind {
                addr: addr.clone(),
                source,
            })?;
            addrs.push(local);
            let server = serve(listener, handler.clone())
                .metrics_path(config.telemetry_path.clone())
                .landing_page(page.clone())
                .send_timeout(config.send_timeout)
                .probes(true);
            let server = match &probe_handler {
                Some(probe) => server.route("/probe", probe.clone()),
                None => server,
            };
            #[cfg(feature = "tls")]
            let server = match &web_config {
                Some(web) => server.web_config(web.clone()),
                None => server,
            };
            servers.push(server);
        }
        Ok(Bound {
            servers,
            addrs,
            handler,
            #[cfg(feature = "tls")]
            web_config,
        })
    }

    /// Parses the process's arguments, sets up logging, makes the scrapers'
    /// [`Connect`] step from the exporter's parsed flags with `connect`,
    /// binds and serves until SIGINT or SIGTERM; the return value is the
    /// process's exit code.
    ///
    /// Bad flags print clap's message and exit with status 2 (`--help` and
    /// `--version` with 0); an error from `connect` (a password file that
    /// cannot be read) is logged and exits with status 1.
    pub async fn run_with<C, E>(self, connect: impl FnOnce(&A) -> Result<C, E>) -> ExitCode
    where
        C: Connect<T>,
        E: std::fmt::Display,
    {
        let config = match self.try_parse_from(std::env::args_os()) {
            Ok(config) => config,
            Err(e) => e.exit(),
        };
        let signal = shutdown_signal();
        init_logging(config.log_level, config.log_format);
        let connect = match connect(&config.args) {
            Ok(connect) => connect,
            Err(error) => {
                tracing::error!(%error, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        raise_open_files_limit();
        let deadline = config.shutdown_timeout;
        // After the signal, the graceful shutdown has `deadline`; then the process
        // exits from a thread of its own, whatever the runtime is still waiting for.
        let signal = async move {
            signal.await;
            exit_after(deadline);
        };
        let name = self.name.clone();
        let version = self.version.clone();
        let bound = match self.bind_with(&config, connect).await {
            Ok(bound) => bound,
            Err(error) => {
                tracing::error!(%error, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(%name, %version, "starting");
        #[cfg(all(feature = "tls", unix))]
        if let Some(web) = &bound.web_config {
            reload_on_sighup(web.clone());
        }
        for addr in bound.local_addrs() {
            tracing::info!(address = %addr, path = %config.telemetry_path, "listening");
        }
        match bound.serve_with_shutdown(signal).await {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "server failed");
                ExitCode::FAILURE
            }
        }
    }
}

/// One connect step serving both `/metrics` and `/probe`.
struct SharedConnect<C>(Arc<C>);

impl<T, C: Connect<T>> Connect<T> for SharedConnect<C> {
    fn connect(
        &self,
        ctx: &crate::scrape::ConnectContext,
    ) -> impl Future<Output = Result<T, crate::scrape::ScrapeError>> + Send {
        self.0.connect(ctx)
    }

    fn reports_up(&self) -> bool {
        self.0.reports_up()
    }
}

/// An exporter with its sockets bound, ready to serve.
#[derive(Debug)]
pub struct Bound {
    servers: Vec<Serve>,
    addrs: Vec<SocketAddr>,
    handler: MetricsHandler,
    #[cfg(feature = "tls")]
    web_config: Option<crate::http::WebConfig>,
}

impl Bound {
    /// The addresses actually bound, one per `--web.listen-address`.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The metrics handler being served (e.g. to read [`MetricsHandler::in_flight`]).
    pub fn handler(&self) -> &MetricsHandler {
        &self.handler
    }

    /// Serves until `signal` completes, then stops accepting and waits for
    /// the requests in flight to finish.
    ///
    /// # Errors
    ///
    /// The first server error.
    pub async fn serve_with_shutdown(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        for server in self.servers {
            let mut rx = rx.clone();
            tasks.spawn(
                server
                    .with_graceful_shutdown(async move {
                        let _ = rx.wait_for(|stop| *stop).await;
                    })
                    .into_future(),
            );
        }
        drop(rx);
        let stop = tokio::spawn(async move {
            signal.await;
            let _ = tx.send(true);
        });
        let mut result = Ok(());
        while let Some(joined) = tasks.join_next().await {
            let r = joined.map_err(io::Error::other).and_then(|r| r);
            if result.is_ok() {
                result = r;
            }
        }
        stop.abort();
        result
    }
}

/// The listeners: systemd's sockets with `--web.systemd-socket`, else each
/// `--web.listen-address` bound with the kernel's `somaxconn` backlog (as Go does;
/// tokio's default of 1024, or 128 elsewhere, stalls bursts of connects).
async fn listeners<A>(config: &Config<A>) -> Result<Vec<(TcpListener, String)>, Error> {
    let mut out = Vec::new();
    if config.systemd_socket {
        let mut fds = listenfd::ListenFd::from_env();
        let bind_error = |source| ErrorKind::Bind {
            addr: "systemd socket".to_owned(),
            source,
        };
        for i in 0..fds.len() {
            if let Some(listener) = fds.take_tcp_listener(i).map_err(bind_error)? {
                listener.set_nonblocking(true).map_err(bind_error)?;
                out.push((
                    TcpListener::from_std(listener).map_err(bind_error)?,
                    format!("systemd socket {i}"),
                ));
            }
        }
        if out.is_empty() {
            return Err(bind_error(io::Error::other(
                "no socket activation file descriptors found (LISTEN_FDS)",
            ))
            .into());
        }
        return Ok(out);
    }
    let backlog = listen_backlog();
    for addr in &config.listen_addresses {
        // Go's `:9100` means every interface.
        let host_port = if addr.starts_with(':') {
            format!("0.0.0.0{addr}")
        } else {
            addr.clone()
        };
        let bind_error = |source| ErrorKind::Bind {
            addr: addr.clone(),
            source,
        };
        let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address");
        let mut bound = None;
        for sock_addr in tokio::net::lookup_host(&host_port)
            .await
            .map_err(bind_error)?
        {
            match listen(sock_addr, backlog) {
                Ok(listener) => {
                    bound = Some(listener);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let listener = bound.ok_or_else(|| bind_error(last))?;
        out.push((listener, addr.clone()));
    }
    Ok(out)
}

fn listen(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As std and Go do on Unix, so a restart does not wait for TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// `net.core.somaxconn` (at most 65535), as Go's `maxListenerBacklog`; 4096 if unknown.
fn listen_backlog() -> u32 {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .map_or(4096, |n| n.clamp(1, 65535))
}

/// Raises the soft limit of open files to the hard limit, as Go 1.19+ does at start:
/// with the usual soft 1024, a couple of thousand idle connections make accepts fail.
fn raise_open_files_limit() {
    #[cfg(unix)]
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open files limit"),
        Err(error) => tracing::warn!(%error, "cannot raise the open files limit"),
    }
}

/// Ends the process with status 1 after `deadline`, from a thread of its own.
fn exit_after(deadline: std::time::Duration) {
    let spawned = std::thread::Builder::new()
        .name("shutdown-deadline".into())
        .spawn(move || {
            std::thread::sleep(deadline);
            tracing::warn!(
                timeout = ?deadline,
                "requests still running at the shutdown deadline; exiting"
            );
            std::process::exit(1);
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start the shutdown deadline");
    }
}

/// Re-reads the web configuration on SIGHUP (whose default would end the process).
#[cfg(all(feature = "tls", unix))]
fn reload_on_sighup(web: crate::http::WebConfig) {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::hangup()) {
        Ok(mut hup) => {
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("received SIGHUP, re-reading the web configuration");
                    let web = web.clone();
                    // A broken file is logged by the re-read and answered with 500.
                    let _ = tokio::task::spawn_blocking(move || web.reload()).await;
                }
            });
        }
        Err(error) => tracing::warn!(%error, "cannot handle SIGHUP"),
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
///
/// On Unix the handlers are installed when this is called, not when the
/// future is first polled, so a signal that arrives while the exporter is
/// still starting is not lost (nor fatal). Call it inside a Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            let wait = |s: io::Result<Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(int) => tracing::info!("received SIGINT, shutting down"),
                () = wait(term) => tracing::info!("received SIGTERM, shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("received Ctrl-C, shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    }
}
