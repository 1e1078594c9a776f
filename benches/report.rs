//! A summary criterion does not print: per-series cost of each crate and the ratio
//! of this crate to the fastest peer, read back from criterion's own estimates.
//!
//! Shared by the bench targets as `exporter_benches::report`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// This crate's id in every benchmark group.
pub const OURS: &str = "exporter";

/// Where criterion writes its estimates: the same rule criterion uses
/// (`CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the workspace `target/criterion`),
/// fixed here so the report reads what the run wrote.
pub fn output_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("criterion")
}

/// Criterion's median estimate, in nanoseconds, for `group/function/parameter`.
fn median_ns(dir: &Path, group: &str, function: &str, parameter: &str) -> Option<f64> {
    let path = dir
        .join(group)
        .join(function)
        .join(parameter)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Prints one markdown table for `group`: a row per parameter (`per` items each,
/// e.g. series per scrape), a column per crate with the cost per item, and for each
/// of this crate's paths (ids starting with [`OURS`]) its ratio to the fastest of
/// the other crates.
///
/// Crates missing from the run are shown as `-`.
pub fn print_table(group: &str, crates: &[&str], params: &[(&str, u64)], unit: &str) {
    let dir = output_dir();
    let ours: Vec<&str> = crates
        .iter()
        .copied()
        .filter(|c| c.starts_with(OURS))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "\n### {group} (median, per {unit})\n");
    let _ = write!(out, "| case |");
    for c in crates {
        let _ = write!(out, " {c} |");
    }
    let _ = write!(out, " fastest peer |");
    for c in &ours {
        let _ = write!(out, " {c} / fastest peer |");
    }
    let _ = writeln!(
        out,
        "\n|---:|{}---|{}",
        "---:|".repeat(crates.len()),
        "---:|".repeat(ours.len())
    );
    for &(param, per) in params {
        let costs: Vec<(&str, Option<f64>)> = crates
            .iter()
            .map(|c| {
                (
                    *c,
                    median_ns(&dir, group, c, param).map(|ns| ns / per as f64),
                )
            })
            .collect();
        let _ = write!(out, "| {param} |");
        for (_, cost) in &costs {
            let _ = write!(out, " {} |", cost.map_or_else(|| "-".to_owned(), fmt_ns));
        }
        let fastest = costs
            .iter()
            .filter(|(c, _)| !c.starts_with(OURS))
            .filter_map(|(c, cost)| cost.map(|v| (*c, v)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let _ = write!(out, " {} |", fastest.map_or("-", |f| f.0));
        for c in &ours {
            let mine = costs
                .iter()
                .find(|(id, _)| id == c)
                .and_then(|(_, cost)| *cost);
            match (mine, fastest) {
                (Some(mine), Some((_, peer))) => {
                    let _ = write!(out, " **{:.2}x** |", mine / peer);
                }
                _ => {
                    let _ = write!(out, " - |");
                }
            }
        }
        out.push('\n');
    }
    // The summary is the point of the run: print it after criterion's own output.
    #[allow(clippy::print_stdout)]
    {
        print!("{out}");
    }
}
