//! The scrapers' `--collect.<name>` flags, and the exporter without flags of its own.

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};

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
