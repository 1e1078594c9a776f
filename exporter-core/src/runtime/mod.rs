//! The exporter runtime: everything a production exporter needs around its
//! collectors, with the flags every Prometheus exporter has.
//!
//! | flag | default | meaning |
//! |------|---------|---------|
//! | `--web.listen-address` | `0.0.0.0:8080` (see [`ExporterBuilder::default_listen_address`]) | address to listen on; repeat for several; `:PORT` means all interfaces |
//! | `--web.telemetry-path` | `/metrics` | path of the metrics |
//! | `--web.max-requests` | `40` | scrapes served at once, more get 503; `0` is no limit |
//! | `--web.config.file` | none | TLS and basic auth, exporter-toolkit's `web-config.yml` (`tls` feature) |
//! | `--web.disable-exporter-metrics` | off | leave out `promhttp_*`, `process_*` and `<name>_build_info` |
//! | `--log.level` | `info` | `debug`, `info`, `warn` or `error` |
//! | `--log.format` | `logfmt` | `logfmt` or `json` |
//!
//! It serves the metrics, a landing page at `/`, `/-/healthy` and `/-/ready`,
//! and shuts down gracefully on SIGINT or SIGTERM, finishing the scrapes in
//! flight. Bad flags print clap's message and exit with status 2; an address
//! that cannot be bound is reported by name and exits with status 1.
//!
//! # Example
//!
//! ```no_run
//! use exporter_core::runtime::Exporter;
//! use exporter_core::Collector;
//!
//! #[derive(Collector)]
//! struct Uptime {
//!     /// Seconds since the exporter started.
//!     #[metric(gauge)]
//!     uptime_seconds: f64,
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     Exporter::builder("uptime_exporter")
//!         .description("Reports how long it has been up.")
//!         .version(env!("CARGO_PKG_VERSION"))
//!         .collector(Uptime { uptime_seconds: 0.0 })
//!         .run()
//!         .await
//! }
//! ```

mod landing;
mod logging;

use std::ffi::OsString;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command};
use tokio::net::TcpListener;
use tracing::Level;

pub use logging::LogFormat;

use crate::collector::Collector;
use crate::desc::DescError;
use crate::http::{serve, HandlerOpts, MetricsHandler, Serve};
use crate::process::BuildInfo;
use crate::registry::RegisterError;
use crate::registry::{Gatherers, Registry};

/// Entry point of the runtime: `Exporter::builder("name")`.
#[derive(Debug)]
pub struct Exporter {
    _private: (),
}

impl Exporter {
    /// A builder for an exporter called `name` (used for `--help`, the
    /// landing page and `<name>_build_info`, so it should be a valid metric
    /// name prefix such as `node_exporter`).
    pub fn builder(name: impl Into<String>) -> ExporterBuilder {
        ExporterBuilder {
            name: name.into(),
            description: String::new(),
            version: "unknown".to_owned(),
            default_listen_address: "0.0.0.0:8080".to_owned(),
            registry: Arc::new(Registry::new()),
            register_error: None,
            handler_opts: HandlerOpts::default().enable_openmetrics(true),
            process_metrics: true,
            build_info: true,
        }
    }
}

/// Configures and runs an exporter; see the [module docs](self).
#[derive(Debug)]
pub struct ExporterBuilder {
    name: String,
    description: String,
    version: String,
    default_listen_address: String,
    registry: Arc<Registry>,
    register_error: Option<RegisterError>,
    handler_opts: HandlerOpts,
    process_metrics: bool,
    build_info: bool,
}

/// The flags, parsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// `--web.listen-address`, in order.
    pub listen_addresses: Vec<String>,
    /// `--web.telemetry-path`.
    pub telemetry_path: String,
    /// `--web.max-requests`.
    pub max_requests: usize,
    /// `--web.disable-exporter-metrics`.
    pub disable_exporter_metrics: bool,
    /// `--web.config.file`, with the `tls` feature.
    pub web_config_file: Option<std::path::PathBuf>,
    /// `--log.level`.
    pub log_level: Level,
    /// `--log.format`.
    pub log_format: LogFormat,
}

impl ExporterBuilder {
    /// One line on what the exporter exports, for `--help` and the landing
    /// page. Default is empty.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The version for `--version`, the landing page and the build info;
    /// pass `env!("CARGO_PKG_VERSION")`. Default is `unknown`.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The address used when no `--web.listen-address` is given.
    /// Default is `0.0.0.0:8080`.
    #[must_use]
    pub fn default_listen_address(mut self, addr: impl Into<String>) -> Self {
        self.default_listen_address = addr.into();
        self
    }

    /// Serves `registry` (collectors may still be added with [`collector`](Self::collector)).
    /// Default is a new, empty registry.
    #[must_use]
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = registry;
        self
    }

    /// Registers `collector` in the exporter's registry. A registration
    /// error is returned by [`bind`](Self::bind) (and reported by [`run`](Self::run)).
    #[must_use]
    pub fn collector(mut self, collector: impl Collector + 'static) -> Self {
        if let Err(e) = self.registry.register(collector) {
            self.register_error.get_or_insert(e);
        }
        self
    }

    /// Handler options; the flags then set the in-flight limit and the
    /// self-metrics. Default is [`HandlerOpts::default`] with OpenMetrics
    /// enabled, so Prometheus gets OpenMetrics when it asks for it.
    #[must_use]
    pub fn handler_opts(mut self, opts: HandlerOpts) -> Self {
        self.handler_opts = opts;
        self
    }

    /// Serve the `process_*` metrics (with the `process` feature on Linux).
    /// Default is `true`.
    #[must_use]
    pub fn process_metrics(mut self, enable: bool) -> Self {
        self.process_metrics = enable;
        self
    }

    /// Serve `<name>_build_info`. Default is `true`.
    #[must_use]
    pub fn build_info(mut self, enable: bool) -> Self {
        self.build_info = enable;
        self
    }

    /// The clap command with the standard flags.
    pub fn command(&self) -> Command {
        let command = self.base_command();
        #[cfg(feature = "tls")]
        let command = command.arg(
            Arg::new("web.config.file")
                .long("web.config.file")
                .value_name("FILE")
                .help("Path to a web-config.yml enabling TLS and/or basic auth (exporter-toolkit format)")
                .value_parser(clap::value_parser!(std::path::PathBuf)),
        );
        command
    }

    fn base_command(&self) -> Command {
        Command::new(self.name.clone())
            .version(self.version.clone())
            .about(self.description.clone())
            .arg(
                Arg::new("web.listen-address")
                    .long("web.listen-address")
                    .value_name("ADDRESS")
                    .help("Address to listen on for web interface and telemetry; repeatable")
                    .action(ArgAction::Append)
                    .default_value(self.default_listen_address.clone()),
            )
            .arg(
                Arg::new("web.telemetry-path")
                    .long("web.telemetry-path")
                    .value_name("PATH")
                    .help("Path under which to expose metrics")
                    .default_value("/metrics")
                    .value_parser(|s: &str| {
                        if s.starts_with('/') {
                            Ok(s.to_owned())
                        } else {
                            Err("the path must start with `/`")
                        }
                    }),
            )
            .arg(
                Arg::new("web.max-requests")
                    .long("web.max-requests")
                    .value_name("N")
                    .help("Maximum number of parallel scrape requests; 0 disables the limit")
                    .default_value("40")
                    .value_parser(clap::value_parser!(usize)),
            )
            .arg(
                Arg::new("web.disable-exporter-metrics")
                    .long("web.disable-exporter-metrics")
                    .help("Exclude metrics about the exporter itself (promhttp_*, process_*, build info)")
                    .action(ArgAction::SetTrue),
            )
            .arg(
                Arg::new("log.level")
                    .long("log.level")
                    .value_name("LEVEL")
                    .help("Only log messages with the given severity or above")
                    .default_value("info")
                    .value_parser(PossibleValuesParser::new(["debug", "info", "warn", "error"])),
            )
            .arg(
                Arg::new("log.format")
                    .long("log.format")
                    .value_name("FORMAT")
                    .help("Output format of log messages")
                    .default_value("logfmt")
                    .value_parser(PossibleValuesParser::new(["logfmt", "json"])),
            )
    }

    /// Parses `args` (the first is the program name).
    ///
    /// # Errors
    ///
    /// clap's error for unknown or invalid flags, `--help` and `--version`;
    /// [`clap::Error::exit`] prints it and exits with the right status.
    pub fn try_parse_from<I, T>(&self, args: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let m = self.command().try_get_matches_from(args)?;
        Ok(config_from(&m))
    }

    /// Binds every listen address and builds the server, without serving
    /// yet: tests bind `127.0.0.1:0` and read [`Bound::local_addrs`].
    ///
    /// # Errors
    ///
    /// An address that cannot be bound (named in the error), a collector
    /// that failed to register, or a name that makes an invalid build info.
    pub async fn bind(self, config: &Config) -> Result<Bound, Error> {
        if let Some(e) = self.register_error {
            return Err(ErrorKind::Register(e).into());
        }
        let exporter_metrics = !config.disable_exporter_metrics;
        let own = Registry::new();
        if exporter_metrics && self.build_info {
            let info = BuildInfo::new(&self.name, &self.version, "unknown", "unknown")
                .map_err(ErrorKind::BuildInfo)?;
            own.register(info).map_err(ErrorKind::Register)?;
        }
        #[cfg(all(feature = "process", target_os = "linux"))]
        if exporter_metrics && self.process_metrics {
            own.register(crate::process::ProcessCollector::new())
                .map_err(ErrorKind::Register)?;
        }
        let opts = self
            .handler_opts
            .max_requests_in_flight(config.max_requests)
            .self_metrics(exporter_metrics);
        // The user's registry followed by the exporter's own metrics; as
        // `Gatherers`, so async collectors are awaited and big families streamed.
        let gatherer = Gatherers::new().with(self.registry).with(Arc::new(own));
        let handler = MetricsHandler::from_arc(Arc::new(gatherer), opts);
        let page = landing::render(
            &self.name,
            &self.description,
            &self.version,
            &config.telemetry_path,
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
        for addr in &config.listen_addresses {
            // Go's `:9100` means every interface.
            let host_port = if addr.starts_with(':') {
                format!("0.0.0.0{addr}")
            } else {
                addr.clone()
            };
            let listener =
                TcpListener::bind(&host_port)
                    .await
                    .map_err(|source| ErrorKind::Bind {
                        addr: addr.clone(),
                        source,
                    })?;
            let local = listener.local_addr().map_err(|source| ErrorKind::Bind {
                addr: addr.clone(),
                source,
            })?;
            addrs.push(local);
            let server = serve(listener, handler.clone())
                .metrics_path(config.telemetry_path.clone())
                .landing_page(page.clone())
                .probes(true);
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
        })
    }

    /// Parses the process's arguments, sets up logging, binds and serves
    /// until SIGINT or SIGTERM; the return value is the process's exit code.
    ///
    /// Bad flags print clap's message and exit with status 2 (`--help` and
    /// `--version` with 0).
    pub async fn run(self) -> ExitCode {
        let config = match self.try_parse_from(std::env::args_os()) {
            Ok(config) => config,
            Err(e) => e.exit(),
        };
        let signal = shutdown_signal();
        logging::init(config.log_level, config.log_format);
        let name = self.name.clone();
        let version = self.version.clone();
        let bound = match self.bind(&config).await {
            Ok(bound) => bound,
            Err(error) => {
                tracing::error!(%error, "cannot start");
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(%name, %version, "starting");
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

fn config_from(m: &ArgMatches) -> Config {
    let string = |id: &str| m.get_one::<String>(id).cloned().unwrap_or_default();
    Config {
        listen_addresses: m
            .get_many::<String>("web.listen-address")
            .map(|v| v.cloned().collect())
            .unwrap_or_default(),
        telemetry_path: string("web.telemetry-path"),
        max_requests: m
            .get_one::<usize>("web.max-requests")
            .copied()
            .unwrap_or(40),
        disable_exporter_metrics: m.get_flag("web.disable-exporter-metrics"),
        web_config_file: m
            .try_get_one::<std::path::PathBuf>("web.config.file")
            .ok()
            .flatten()
            .cloned(),
        log_level: match string("log.level").as_str() {
            "debug" => Level::DEBUG,
            "warn" => Level::WARN,
            "error" => Level::ERROR,
            _ => Level::INFO,
        },
        log_format: match string("log.format").as_str() {
            "json" => LogFormat::Json,
            _ => LogFormat::Logfmt,
        },
    }
}

/// An exporter with its sockets bound, ready to serve.
#[derive(Debug)]
pub struct Bound {
    servers: Vec<Serve>,
    addrs: Vec<SocketAddr>,
    handler: MetricsHandler,
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

/// Why the exporter could not start. Display texts are not a stable API.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<ErrorKind>);

#[derive(Debug, thiserror::Error)]
enum ErrorKind {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: io::Error },
    #[error("cannot register collector: {0}")]
    Register(RegisterError),
    #[error("invalid exporter name for build info: {0}")]
    BuildInfo(DescError),
    #[cfg(feature = "tls")]
    #[error("{0}")]
    WebConfig(crate::http::WebConfigError),
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl Error {
    /// A listen address could not be bound (busy, not local, unresolvable).
    pub fn is_bind(&self) -> bool {
        matches!(*self.0, ErrorKind::Bind { .. })
    }

    /// The `--web.config.file` could not be loaded.
    pub fn is_web_config(&self) -> bool {
        #[cfg(feature = "tls")]
        return matches!(*self.0, ErrorKind::WebConfig(_));
        #[cfg(not(feature = "tls"))]
        false
    }

    /// A collector could not be registered.
    pub fn is_register(&self) -> bool {
        matches!(*self.0, ErrorKind::Register(_))
    }
}
