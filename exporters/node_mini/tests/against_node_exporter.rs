//! node_mini against Debian's `prometheus-node-exporter` (node_exporter
//! 1.5.0) on the same machine, started by the test on a free loopback port
//! with only the collectors node_mini implements (and netdev reading
//! `/proc/net/dev`, as node_mini does).
//!
//! Every family of the subset must exist in both with the same name, type,
//! help and label names; counters read by node_mini must lie between two
//! readings of node_exporter taken before and after it (monotonic and
//! close), gauges within a small tolerance.

#[path = "../../tests_common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{free_port, get, parse, Family, Proc};

const COLLECTORS: [&str; 6] = ["loadavg", "meminfo", "cpu", "netdev", "filefd", "processes"];

/// Families of node_exporter's collectors above that node_mini does not
/// produce: CPU throttle counters and isolated CPUs come from sysfs, not
/// /proc (they exist only on some machines).
const NOT_IN_NODE_MINI: [&str; 3] = [
    "node_cpu_core_throttles_total",
    "node_cpu_package_throttles_total",
    "node_cpu_isolated",
];

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "node-mini-{tag}-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn node_exporter(dir: &Path) -> (Proc, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = Command::new("prometheus-node-exporter");
    cmd.arg(format!("--web.listen-address={addr}"))
        .arg("--collector.disable-defaults")
        .arg("--no-collector.netdev.netlink")
        .arg("--web.disable-exporter-metrics");
    for c in COLLECTORS {
        cmd.arg(format!("--collector.{c}"));
    }
    let mut p = Proc::spawn("node_exporter", cmd, &dir.join("node_exporter.log"));
    common::wait_ready(&mut p, addr, "/metrics", Duration::from_secs(30));
    (p, addr)
}

fn node_mini(dir: &Path, args: &[&str]) -> (Proc, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_node_mini"));
    cmd.arg("--web.listen-address")
        .arg(addr.to_string())
        .args(args);
    let mut p = Proc::spawn(
        "node_mini",
        cmd,
        &dir.join(format!("node_mini-{}.log", addr.port())),
    );
    common::wait_ready(&mut p, addr, "/-/healthy", Duration::from_secs(30));
    (p, addr)
}

fn scrape(addr: SocketAddr) -> BTreeMap<String, Family> {
    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200, "{}", r.body);
    parse(&r.body)
}

fn in_subset(name: &str) -> bool {
    [
        "node_load",
        "node_memory_",
        "node_cpu_",
        "node_network_",
        "node_filefd_",
        "node_processes_",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

type Series = BTreeMap<(String, Vec<(String, String)>), f64>;

fn series(f: &Family) -> Series {
    f.samples
        .iter()
        .map(|(n, l, v)| {
            (
                (
                    n.clone(),
                    l.iter().map(|(a, b)| (a.clone(), b.clone())).collect(),
                ),
                *v,
            )
        })
        .collect()
}

/// How far a gauge may move between two readings a few milliseconds apart.
fn gauge_tolerance(name: &str, v: f64) -> f64 {
    if name.starts_with("node_load") {
        0.5
    } else if name.starts_with("node_memory_") {
        // Page cache, dirty pages and the like move by megabytes per second.
        0.05 * v.abs() + 64.0 * 1024.0 * 1024.0
    } else if name.starts_with("node_processes_") || name.starts_with("node_filefd_") {
        0.1 * v.abs() + 50.0
    } else {
        0.05 * v.abs()
    }
}

#[test]
fn same_families_as_node_exporter_and_values_agree() {
    let dir = Scratch::new("compare");
    let (_ne, ne_addr) = node_exporter(&dir.0);
    let (_nm, mini_addr) = node_mini(&dir.0, &["--collector.processes"]);

    let before = scrape(ne_addr);
    let mine = scrape(mini_addr);
    let after = scrape(ne_addr);

    let theirs: Vec<&String> = before
        .keys()
        .filter(|n| in_subset(n) && !NOT_IN_NODE_MINI.contains(&n.as_str()))
        .collect();
    let ours: Vec<&String> = mine.keys().filter(|n| in_subset(n)).collect();
    assert_eq!(
        ours, theirs,
        "family sets differ (node_mini vs node_exporter)"
    );
    assert!(
        theirs.len() > 60,
        "node_exporter gave only {} families",
        theirs.len()
    );

    for name in theirs {
        let (a, m, b) = (&before[name], &mine[name], &after[name]);
        assert_eq!(m.kind, a.kind, "{name}: type");
        assert_eq!(m.help, a.help, "{name}: help");
        assert_eq!(m.label_names(), a.label_names(), "{name}: label names");
        let (sa, sm, sb) = (series(a), series(m), series(b));
        if name == "node_processes_state" || name == "node_processes_threads_state" {
            // Which states exist changes from moment to moment; the totals do not, much.
            let total = |s: &Series| s.values().sum::<f64>();
            let (ta, tm) = (total(&sa), total(&sm));
            assert!(
                (tm - ta).abs() <= gauge_tolerance(name, ta),
                "{name}: total {tm} vs {ta}"
            );
            continue;
        }
        for (key, v) in &sm {
            let (Some(lo), Some(hi)) = (sa.get(key), sb.get(key)) else {
                // A device that came or went between the readings.
                assert!(
                    name.starts_with("node_network_"),
                    "{name}{key:?} only in node_mini"
                );
                continue;
            };
            if m.kind == "counter" {
                // node_exporter read before and after node_mini: monotonic, so in between
                // (CPU seconds are read in ticks of 1/100 s by both).
                assert!(
                    *lo - 1e-9 <= *v && *v <= *hi + 1e-9,
                    "{name}{key:?}: {v} not within node_exporter's {lo} .. {hi}"
                );
            } else {
                let mid = (lo + hi) / 2.0;
                let tol = gauge_tolerance(name, mid) + (hi - lo).abs();
                assert!(
                    (v - mid).abs() <= tol,
                    "{name}{key:?}: {v} vs node_exporter {lo} / {hi} (tolerance {tol})"
                );
            }
        }
        if !name.starts_with("node_network_") {
            assert_eq!(sm.len(), sa.len(), "{name}: series count");
        }
    }
    for c in COLLECTORS {
        assert_eq!(
            common::value(&mine, "node_scrape_collector_success", &[("collector", c)]),
            Some(1.0),
            "{c}"
        );
    }
}

#[test]
fn collector_flags_as_node_exporter() {
    let dir = Scratch::new("flags");
    // processes is off by default.
    let (_a, addr) = node_mini(&dir.0, &[]);
    let m = scrape(addr);
    assert!(m.contains_key("node_load1") && m.contains_key("node_filefd_allocated"));
    assert!(
        !m.contains_key("node_processes_pids"),
        "processes is off by default"
    );
    // --no-collector.<name> turns one off; --collector.disable-defaults keeps only those named.
    let (_b, addr) = node_mini(&dir.0, &["--no-collector.cpu", "--collector.processes"]);
    let m = scrape(addr);
    assert!(!m.contains_key("node_cpu_seconds_total"));
    assert!(m.contains_key("node_processes_pids"));
    let (_c, addr) = node_mini(
        &dir.0,
        &["--collector.disable-defaults", "--collector.loadavg"],
    );
    let m = scrape(addr);
    let ours: Vec<&String> = m.keys().filter(|n| in_subset(n)).collect();
    assert_eq!(ours, ["node_load1", "node_load15", "node_load5"]);
    // collect[] narrows one request, node_exporter's way.
    let (_d, addr) = node_mini(&dir.0, &[]);
    let r = get(addr, "/metrics?collect[]=filefd");
    assert_eq!(r.status, 200);
    let m = parse(&r.body);
    assert!(m.contains_key("node_filefd_maximum") && !m.contains_key("node_load1"));
    // An unknown flag names the known collectors and exits 2.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_node_mini"));
    cmd.arg("--collector.nosuch");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("meminfo") && err.contains("netdev"), "{err}");
}
