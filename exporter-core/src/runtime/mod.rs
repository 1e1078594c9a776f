//! The exporter runtime: everything a production exporter needs around its
//! collectors, with the flags every Prometheus exporter has.
//!
//! | flag | default | meaning |
//! |------|---------|---------|
//! | `--web.listen-address` | `0.0.0.0:8080` (see [`ExporterBuilder::default_listen_address`]) | address to listen on; repeat for several; `:PORT` means all interfaces |
//! | `--web.telemetry-path` | `/metrics` | path of the metrics |
//! | `--web.max-requests` | `40` | scrapes served at once, more get 503; `0` is no limit |
//! | `--web.config.file` | none | TLS, basic auth, headers and rate limit, exporter-toolkit's `web-config.yml` (`tls` feature); re-read on change and on SIGHUP |
//! | `--web.systemd-socket` | off | serve the sockets systemd passes (`LISTEN_FDS`) instead of `--web.listen-address` |
//! | `--web.shutdown-timeout` | `5s` | after SIGINT/SIGTERM, how long scrapes in flight may finish before the process exits anyway |
//! | `--web.send-timeout` | `30s` | how long a response may wait for a client that stopped reading it before the connection is closed |
//! | `--web.disable-exporter-metrics` | off | leave out `promhttp_*`, `process_*` and `<name>_build_info` |
//! | `--log.level` | `info` | `debug`, `info`, `warn` or `error` |
//! | `--log.format` | `logfmt` | `logfmt` or `json` |
//! | `--collect.<name>`, `--no-collect.<name>` | the scraper's | with [`ExporterBuilder::scrapers`]: turn one scraper on or off (the prefix is the exporter's) |
//! | `--collect.disable-defaults` | off | only the scrapers named with `--collect.<name>` |
//!
//! It serves the metrics, a landing page at `/`, `/-/healthy` and `/-/ready`
//! (and `/probe` with [`ExporterBuilder::probe`]), and shuts down gracefully
//! on SIGINT or SIGTERM, finishing the scrapes in flight for at most
//! `--web.shutdown-timeout` (then it exits with status 1: a blocked collector or
//! a slow bcrypt check cannot keep it alive). As Go programs do, it raises its
//! soft limit of open files to the hard limit and listens with the kernel's
//! `somaxconn` backlog. Bad flags print clap's message and exit with status 2;
//! an address that cannot be bound is reported by name and exits with status 1.
//!
//! An exporter adds flags of its own with [`ExporterBuilder::flags`] and
//! gets them back parsed in [`Config::args`] or in
//! [`run_with`](ExporterBuilder::run_with)'s closure; see the README's
//! "Writing an exporter" and the [`scrape`](crate::scrape) module.
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

mod flags;
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

/// clap, re-exported so an exporter's own flags (`#[derive(clap::Args)]`
/// with the `clap-derive` feature) need no clap dependency of their own:
/// `use exporter_core::runtime::clap;` then derive as usual.
pub use clap;
pub use flags::NoFlags;
pub use logging::{init_logging, LogFormat};

use crate::collector::Collector;
use crate::desc::DescError;
use crate::http::{serve, HandlerOpts, MetricsHandler, Serve};
use crate::process::BuildInfo;
use crate::registry::RegisterError;
use crate::registry::{Gatherers, Registry};
use crate::scrape::{Connect, Probe, Scrapers, Selection};

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
            flags: std::marker::PhantomData,
            scrapers: None,
            probe: None,
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
///
/// `A` is the exporter's own flags ([`flags`](Self::flags)), `T` what its
/// scrapers' [`Connect`] step makes ([`scrapers`](Self::scrapers)).
pub struct ExporterBuilder<A = NoFlags, T = ()> {
    flags: std::marker::PhantomData<fn() -> A>,
    scrapers: Option<Scrapers<T>>,
    probe: Option<ProbeSource<A>>,
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

impl<A, T> std::fmt::Debug for ExporterBuilder<A, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExporterBuilder")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("scrapers", &self.scrapers)
            .field("probe", &self.probe.is_some())
            .finish_non_exhaustive()
    }
}

/// Where the `/probe` settings come from.
enum ProbeSource<A> {
    Fixed(Probe),
    FromFlags(Box<dyn FnOnce(&A) -> Probe + Send>),
}

/// The flags, parsed: the standard ones, the exporter's own (`args`) and
/// which scrapers are enabled.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config<A = NoFlags> {
    /// The exporter's own flags ([`ExporterBuilder::flags`]).
    pub args: A,
    /// The scrapers enabled by `--collect.<name>`, `--no-collect.<name>`
    /// and `--collect.disable-defaults`; `None` without scrapers.
    pub scrapers: Option<Selection>,
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
    /// `--web.systemd-socket`: serve the sockets passed by systemd.
    pub systemd_socket: bool,
    /// `--web.shutdown-timeout`.
    pub shutdown_timeout: std::time::Duration,
    /// `--web.send-timeout` ([`Serve::send_timeout`](crate::http::Serve::send_timeout)).
    pub send_timeout: std::time::Duration,
    /// `--log.level`.
    pub log_level: Level,
    /// `--log.format`.
    pub log_format: LogFormat,
}

impl<T: Send + Sync + 'static> ExporterBuilder<NoFlags, T> {
    /// Adds the exporter's own flags, a `clap::Args` type (with clap's
    /// `derive`, re-exported here as [`clap`]: `#[derive(clap::Args)]`),
    /// flattened into the standard command: `--help` shows both, `env`
    /// fallbacks work, a malformed value exits with status 2. The parsed
    /// value is [`Config::args`], and what [`run_with`](Self::run_with)'s
    /// closure gets. Call it before [`probe_with`](Self::probe_with).
    ///
    /// ```
    /// # #[cfg(feature = "clap-derive")] {
    /// use exporter_core::runtime::{clap, Exporter};
    ///
    /// #[derive(clap::Args, Debug)]
    /// struct Flags {
    ///     /// Address of the Redis server.
    ///     #[arg(long = "redis.addr", env = "REDIS_ADDR", default_value = "redis://localhost:6379")]
    ///     addr: String,
    /// }
    ///
    /// let builder = Exporter::builder("redis_exporter").flags::<Flags>();
    /// let config = builder.try_parse_from(["redis_exporter", "--redis.addr", "redis://db:6379"])?;
    /// assert_eq!(config.args.addr, "redis://db:6379");
    /// assert!(builder.command().render_help().to_string().contains("--redis.addr"));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn flags<A: clap::Args + Send + 'static>(self) -> ExporterBuilder<A, T> {
        ExporterBuilder {
            flags: std::marker::PhantomData,
            scrapers: self.scrapers,
            probe: match self.probe {
                Some(ProbeSource::Fixed(p)) => Some(ProbeSource::Fixed(p)),
                _ => None,
            },
            name: self.name,
            description: self.description,
            version: self.version,
            default_listen_address: self.default_listen_address,
            registry: self.registry,
            register_error: self.register_error,
            handler_opts: self.handler_opts,
            process_metrics: self.process_metrics,
            build_info: self.build_info,
        }
    }
}

impl<A: clap::Args + Send + 'static> ExporterBuilder<A, ()> {
    /// Serves `scrapers` at the metrics path (replacing any set before):
    /// each gets `--collect.<name>` / `--no-collect.<name>` (see
    /// [`scrape`](crate::scrape)), the enabled ones run concurrently at
    /// every scrape. `T` is what their [`Connect`] step, given to
    /// [`run_with`](Self::run_with), makes.
    ///
    /// ```
    /// use exporter_core::runtime::Exporter;
    /// use exporter_core::scrape::{scraper, ScrapeContext, ScrapeError, Scrapers};
    /// use exporter_core::Collector;
    ///
    /// #[derive(Collector)]
    /// struct Load {
    ///     /// 1m load average.
    ///     #[metric(gauge)]
    ///     node_load1: f64,
    /// }
    ///
    /// let scrapers = Scrapers::new("node").collect_flag_prefix("collector").with(
    ///     scraper("loadavg", "Exposes load average", |_: ScrapeContext| async {
    ///         Ok::<_, ScrapeError>(Load { node_load1: 0.5 })
    ///     }),
    /// );
    /// let builder = Exporter::builder("node_mini").scrapers(scrapers);
    /// let config = builder.try_parse_from(["node_mini", "--no-collector.loadavg"])?;
    /// assert_eq!(config.scrapers.unwrap().enabled().count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn scrapers<T: Send + Sync + 'static>(
        self,
        scrapers: Scrapers<T>,
    ) -> ExporterBuilder<A, T> {
        ExporterBuilder {
            flags: std::marker::PhantomData,
            scrapers: Some(scrapers),
            probe: self.probe,
            name: self.name,
            description: self.description,
            version: self.version,
            default_listen_address: self.default_listen_address,
            registry: self.registry,
            register_error: self.register_error,
            handler_opts: self.handler_opts,
            process_metrics: self.process_metrics,
            build_info: self.build_info,
        }
    }
}

impl<A: clap::Args + Send + 'static, T: Send + Sync + 'static> ExporterBuilder<A, T> {
    /// Serves the scrapers at `/probe?target=` too, with `probe`'s
    /// allow-list (every target is refused until it allows some: see
    /// [`Probe`]).
    #[must_use]
    pub fn probe(mut self, probe: Probe) -> Self {
        self.probe = Some(ProbeSource::Fixed(probe));
        self
    }

    /// As [`probe`](Self::probe), with the settings made from the parsed
    /// flags (an exporter's `--probe.allow-host`).
    #[must_use]
    pub fn probe_with(mut self, probe: impl FnOnce(&A) -> Probe + Send + 'static) -> Self {
        self.probe = Some(ProbeSource::FromFlags(Box::new(probe)));
        self
    }

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

    /// The clap command with the standard flags, the scrapers' flags and
    /// the exporter's own.
    pub fn command(&self) -> Command {
        let command = self.base_command();
        let command = A::augment_args(command);
        let command = match &self.scrapers {
            Some(s) => flags::augment(command, s),
            None => command,
        };
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
                Arg::new("web.systemd-socket")
                    .long("web.systemd-socket")
                    .help("Use systemd socket activation listeners instead of port listeners (Linux only)")
                    .action(ArgAction::SetTrue),
            )
            .arg(
                Arg::new("web.shutdown-timeout")
                    .long("web.shutdown-timeout")
                    .value_name("DURATION")
                    .help("After SIGINT or SIGTERM, how long requests in flight may take before the process exits")
                    .default_value("5s")
                    .value_parser(|s: &str| {
                        crate::http::parse_go_duration(s)
                            .ok_or("expected a duration such as `5s` or `500ms`")
                    }),
            )
            .arg(
                Arg::new("web.send-timeout")
                    .long("web.send-timeout")
                    .value_name("DURATION")
                    .help("How long a response may wait for a client that stopped reading it before the connection is closed")
                    .default_value("30s")
                    .value_parser(|s: &str| {
                        crate::http::parse_go_duration(s)
                            .filter(|d| !d.is_zero())
                            .ok_or("expected a duration above zero such as `30s` or `1m`")
                    }),
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
    pub fn try_parse_from<I, S>(&self, args: I) -> Result<Config<A>, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut command = self.command();
        if let Some(s) = &self.scrapers {
            flags::check_unknown(&mut command, s, &args)?;
        }
        let m = command.try_get_matches_from_mut(args)?;
        let parsed = A::from_arg_matches(&m).map_err(|e| e.format(&mut command))?;
        let selection = self.scrapers.as_ref().map(|s| flags::selection(s, &m));
        Ok(config_from(&m, parsed, selection))
    }

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
        if let Some(scrapers) = &self.scrapers {
            let selection = config
                .scrapers
                .clone()
                .unwrap_or_else(|| scrapers.default_selection());
            let connect = Arc::new(connect);
            let probe = match self.probe {
                Some(ProbeSource::Fixed(p)) => Some(p),
                Some(ProbeSource::FromFlags(f)) => Some(f(&config.args)),
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

impl<A: clap::Args + Send + 'static> ExporterBuilder<A, ()> {
    /// Binds every listen address and builds the server, without serving
    /// yet: tests bind `127.0.0.1:0` and read [`Bound::local_addrs`].
    ///
    /// # Errors
    ///
    /// An address that cannot be bound (named in the error), a collector
    /// that failed to register, or a name that makes an invalid build info.
    pub async fn bind(self, config: &Config<A>) -> Result<Bound, Error> {
        self.bind_with(config, ()).await
    }

    /// Parses the process's arguments, sets up logging, binds and serves
    /// until SIGINT or SIGTERM; the return value is the process's exit code.
    ///
    /// Bad flags print clap's message and exit with status 2 (`--help` and
    /// `--version` with 0).
    pub async fn run(self) -> ExitCode {
        self.run_with(|_| Ok::<_, std::convert::Infallible>(()))
            .await
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

fn config_from<A>(m: &ArgMatches, args: A, scrapers: Option<Selection>) -> Config<A> {
    let string = |id: &str| m.get_one::<String>(id).cloned().unwrap_or_default();
    Config {
        args,
        scrapers,
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
        systemd_socket: m.get_flag("web.systemd-socket"),
        shutdown_timeout: m
            .get_one::<std::time::Duration>("web.shutdown-timeout")
            .copied()
            .unwrap_or(std::time::Duration::from_secs(5)),
        send_timeout: m
            .get_one::<std::time::Duration>("web.send-timeout")
            .copied()
            .unwrap_or(std::time::Duration::from_secs(30)),
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
    #[error("cannot serve the scrapers: {0}")]
    Scrapers(crate::scrape::ScrapersError),
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
