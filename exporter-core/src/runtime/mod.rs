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

mod bind;
mod error;
mod flags;
mod landing;
mod logging;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Command;
use tracing::Level;

pub use bind::{shutdown_signal, Bound};
/// clap, re-exported so an exporter's own flags (`#[derive(clap::Args)]`
/// with the `clap-derive` feature) need no clap dependency of their own:
/// `use exporter_core::runtime::clap;` then derive as usual.
pub use clap;
pub use error::Error;
use error::ErrorKind;
pub use flags::NoFlags;
pub use logging::{init_logging, LogFormat};

use crate::collector::Collector;
use crate::http::HandlerOpts;
use crate::registry::{RegisterError, Registry};
use crate::scrape::{Probe, Scrapers, Selection};

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
/// scrapers' [`Connect`](crate::scrape::Connect) step makes ([`scrapers`](Self::scrapers)).
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
    /// A `probe_with` closure for the flags `flags()` replaced: refused at
    /// start-up, where `/probe` would otherwise be missing without a word.
    BeforeFlags,
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
                Some(ProbeSource::FromFlags(_) | ProbeSource::BeforeFlags) => {
                    Some(ProbeSource::BeforeFlags)
                }
                None => None,
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
    /// every scrape. `T` is what their [`Connect`](crate::scrape::Connect) step, given to
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
    /// [`Probe`]). Without [`scrapers`](ExporterBuilder::scrapers) there is
    /// nothing to probe with, and the exporter refuses to start.
    #[must_use]
    pub fn probe(mut self, probe: Probe) -> Self {
        self.probe = Some(ProbeSource::Fixed(probe));
        self
    }

    /// As [`probe`](Self::probe), with the settings made from the parsed
    /// flags (an exporter's `--probe.allow-host`). Call it after
    /// [`flags`](ExporterBuilder::flags), whose type its closure reads: the
    /// exporter refuses to start when `flags` came after it.
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
        let command = match &self.scrapers {
            Some(s) => flags::augment(self.own_command(), s),
            None => self.own_command(),
        };
        #[cfg(feature = "tls")]
        let command = command.arg(
            clap::Arg::new("web.config.file")
                .long("web.config.file")
                .value_name("FILE")
                .help("Path to a web-config.yml enabling TLS and/or basic auth (exporter-toolkit format)")
                .value_parser(clap::value_parser!(std::path::PathBuf)),
        );
        command
    }

    /// The standard flags and the exporter's own.
    fn own_command(&self) -> Command {
        A::augment_args(flags::standard(
            &self.name,
            &self.version,
            &self.description,
            &self.default_listen_address,
        ))
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
            flags::refuse_taken(&self.own_command(), s).map_err(|e| e.format(&mut command))?;
            flags::check_unknown(&mut command, s, &args)?;
        }
        let m = command.try_get_matches_from_mut(args)?;
        let parsed = A::from_arg_matches(&m).map_err(|e| e.format(&mut command))?;
        let selection = self.scrapers.as_ref().map(|s| flags::selection(s, &m));
        Ok(flags::config_from(&m, parsed, selection))
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
    ///
    /// Only for an exporter without a connect step: once
    /// [`scrapers`](Self::scrapers) take a `T` of their own, the builder
    /// has [`run_with`](ExporterBuilder::run_with) instead, which is given
    /// the connect step (the compiler says "no method named `run`").
    pub async fn run(self) -> ExitCode {
        self.run_with(|_| Ok::<_, std::convert::Infallible>(()))
            .await
    }
}
