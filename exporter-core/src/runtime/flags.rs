//! The command line: the standard `--web.*` and `--log.*` flags, the
//! scrapers' `--collect.<name>` flags, the exporter without flags of its
//! own, and the parsed [`Config`].

use std::ffi::OsString;

use clap::builder::PossibleValuesParser;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};
use tracing::Level;

use super::{Config, LogFormat};
use crate::scrape::{Scrapers, Selection};

/// The flags of an exporter that adds none of its own (the default of
/// [`ExporterBuilder`](super::ExporterBuilder)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoFlags;

impl clap::FromArgMatches for NoFlags {
    fn from_arg_matches(_: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(NoFlags)
    }

    fn update_from_arg_matches(&mut self, _: &ArgMatches) -> Result<(), clap::Error> {
        Ok(())
    }
}

impl clap::Args for NoFlags {
    fn augment_args(cmd: Command) -> Command {
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        cmd
    }
}

/// The command with the flags every exporter has: `--web.*` and `--log.*`
/// (`ExporterBuilder::command` adds `--web.config.file` after the exporter's
/// own flags, with the `tls` feature).
pub(super) fn standard(
    name: &str,
    version: &str,
    about: &str,
    default_listen_address: &str,
) -> Command {
    Command::new(name.to_owned())
        .version(version.to_owned())
        .about(about.to_owned())
        .arg(
            Arg::new("web.listen-address")
                .long("web.listen-address")
                .value_name("ADDRESS")
                .help("Address to listen on for web interface and telemetry; repeatable")
                .action(ArgAction::Append)
                .default_value(default_listen_address.to_owned()),
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

/// The parsed flags as a [`Config`].
pub(super) fn config_from<A>(m: &ArgMatches, args: A, scrapers: Option<Selection>) -> Config<A> {
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

fn on_id(prefix: &str, name: &str) -> String {
    format!("{prefix}.{name}")
}

fn off_id(prefix: &str, name: &str) -> String {
    format!("no-{prefix}.{name}")
}

/// `--<p>.<name>` (shown, with its default) and `--no-<p>.<name>` (hidden,
/// named in the heading) per scraper, the last given winning; and
/// `--<p>.disable-defaults`.
pub(super) fn augment<T: Send + Sync + 'static>(
    mut cmd: Command,
    scrapers: &Scrapers<T>,
) -> Command {
    let p = scrapers.flag_prefix();
    cmd = cmd.next_help_heading(format!("Collectors (each also --no-{p}.<name>)"));
    for (name, help, on) in scrapers.describe() {
        let (on_name, off_name) = (on_id(p, name), off_id(p, name));
        // A name given twice, or taken by a flag of the exporter's own,
        // would panic in clap: skipped here, so that `--help` still works.
        // The set's check refuses a duplicate when the exporter starts, and
        // `refuse_taken` an own flag's name when the flags are parsed.
        if has_flag(&cmd, &on_name) || has_flag(&cmd, &off_name) {
            continue;
        }
        let default = if on { "enabled" } else { "disabled" };
        cmd = cmd
            .arg(
                Arg::new(on_name.clone())
                    .long(on_name.clone())
                    .help(format!("{help} [default: {default}]"))
                    .action(ArgAction::SetTrue)
                    .overrides_with(off_name.clone()),
            )
            .arg(
                Arg::new(off_name.clone())
                    .long(off_name)
                    .help(format!("Disable --{on_name}"))
                    .action(ArgAction::SetTrue)
                    .overrides_with(on_name)
                    .hide(true),
            );
    }
    let all = format!("{p}.disable-defaults");
    cmd.arg(
        Arg::new(all.clone())
            .long(all)
            .help("Enable only the collectors named with their flag, none by default")
            .action(ArgAction::SetTrue),
    )
    .next_help_heading(None::<&str>)
}

/// Refuses `--<p>.<x>` / `--no-<p>.<x>` for a scraper `x` the exporter does
/// not have, naming the known ones (exit status 2), unless the command has
/// such a flag of its own (node_exporter's `--collector.netdev.device-include`).
pub(super) fn check_unknown<T: Send + Sync + 'static>(
    cmd: &mut Command,
    scrapers: &Scrapers<T>,
    args: &[OsString],
) -> Result<(), clap::Error> {
    let p = scrapers.flag_prefix();
    let (on, off) = (format!("--{p}."), format!("--no-{p}."));
    for arg in args.iter().skip(1) {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        let flag = arg.split_once('=').map_or(arg, |(f, _)| f);
        let Some(name) = flag.strip_prefix(&on).or_else(|| flag.strip_prefix(&off)) else {
            continue;
        };
        let long = &flag[2..];
        let known_flag = cmd.get_arguments().any(|a| {
            a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|al| al.contains(&long))
        });
        if !known_flag {
            let known = scrapers.names().collect::<Vec<_>>().join(", ");
            let message = format!(
                "unknown collector `{name}` in `{flag}`; the known collectors are: {known}\n"
            );
            return Err(clap::Error::raw(ErrorKind::UnknownArgument, message).format(cmd));
        }
    }
    Ok(())
}

/// Refuses a scraper whose `--<p>.<name>` or `--no-<p>.<name>` is a flag
/// of the exporter's own in `own` (the command before the scrapers' flags),
/// which clap would take for the scraper's and fail on (exit status 2).
pub(super) fn refuse_taken<T: Send + Sync + 'static>(
    own: &Command,
    scrapers: &Scrapers<T>,
) -> Result<(), clap::Error> {
    let p = scrapers.flag_prefix();
    let mut ids = vec![format!("{p}.disable-defaults")];
    for name in scrapers.names() {
        ids.extend([on_id(p, name), off_id(p, name)]);
    }
    for id in ids {
        if has_flag(own, &id) {
            let message = format!(
                "the exporter's own flag `--{id}` is also one of its scrapers' flags; rename one of them\n"
            );
            return Err(clap::Error::raw(ErrorKind::ArgumentConflict, message));
        }
    }
    Ok(())
}

/// Whether `cmd` has a flag of id or long name `id` already.
fn has_flag(cmd: &Command, id: &str) -> bool {
    cmd.get_arguments()
        .any(|a| a.get_id() == id || a.get_long() == Some(id))
}

/// The scrapers the parsed flags enable.
pub(super) fn selection<T: Send + Sync + 'static>(
    scrapers: &Scrapers<T>,
    m: &ArgMatches,
) -> Selection {
    let p = scrapers.flag_prefix();
    let only_named = m.get_flag(&format!("{p}.disable-defaults"));
    let given = |id: &str| m.value_source(id) == Some(ValueSource::CommandLine) && m.get_flag(id);
    let mut selection = scrapers.default_selection();
    for (name, _, default) in scrapers.describe() {
        let on = if given(&on_id(p, name)) {
            true
        } else if given(&off_id(p, name)) {
            false
        } else {
            default && !only_named
        };
        // The name comes from the set itself, so it is always known.
        let _ = selection.set(name, on);
    }
    selection
}
