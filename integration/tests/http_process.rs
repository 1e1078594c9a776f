//! The process collector against what /proc says, and the build info.

#![allow(clippy::unwrap_used, clippy::float_cmp)]
#![cfg(target_os = "linux")]

mod http_support;

use std::time::{SystemTime, UNIX_EPOCH};

use exporter_core::process::ProcessCollector;
use exporter_core::Registry;
use http_support::value;

/// Field `n` (1-based, as in proc(5)) of /proc/self/stat.
fn stat_field(n: usize) -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after
        .split_whitespace()
        .nth(n - 3)
        .unwrap()
        .parse()
        .unwrap()
}

/// Resident memory in bytes from `/proc/self/smaps_rollup` (in kB there, so
/// independent of the page size the collector has to multiply by).
fn rss_bytes() -> f64 {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap();
    let kb: f64 = rollup
        .lines()
        .find_map(|l| l.strip_prefix("Rss:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    kb * 1024.0
}

fn soft_limit(name: &str) -> f64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits.lines().find(|l| l.starts_with(name)).unwrap();
    let soft = line[name.len()..].split_whitespace().next().unwrap();
    if soft == "unlimited" {
        u64::MAX as f64
    } else {
        soft.parse().unwrap()
    }
}

#[test]
fn process_metrics_match_proc() {
    let registry = Registry::new();
    registry.register(ProcessCollector::new()).unwrap();

    let threads_before = stat_field(20);
    let rss_before = rss_bytes();
    let vsize_before = stat_field(23);
    let fds_before = std::fs::read_dir("/proc/self/fd").unwrap().count() as f64;
    let text = registry.gather_text();
    let threads_after = stat_field(20);
    let rss_after = rss_bytes();
    let vsize_after = stat_field(23);
    let get =
        |name: &str| value(&text, name, &[]).unwrap_or_else(|| panic!("{name} missing:\n{text}"));

    let threads = get("process_threads");
    assert!(
        threads >= threads_before.min(threads_after)
            && threads <= threads_before.max(threads_after)
    );

    let fds = get("process_open_fds");
    assert!(fds >= 3.0);
    // read_dir holds one descriptor of its own while counting.
    assert!((fds - fds_before).abs() <= 2.0, "{fds} vs {fds_before}");
    assert_eq!(get("process_max_fds"), soft_limit("Max open files"));
    assert_eq!(
        get("process_virtual_memory_max_bytes"),
        soft_limit("Max address space")
    );

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = get("process_start_time_seconds");
    assert!(
        start <= now + 1.0 && start > now - 3600.0,
        "start {start}, now {now}"
    );

    let rss = get("process_resident_memory_bytes");
    let vsize = get("process_virtual_memory_bytes");
    assert!(rss > 1024.0 * 1024.0, "{rss}");
    assert!(vsize >= rss);
    // Memory moves between reads (other test threads map and unmap stacks
    // and arenas), so compare against /proc read just before and after: a
    // wrong unit would be off by 1024 or more.
    let (lo, hi) = (vsize_before.min(vsize_after), vsize_before.max(vsize_after));
    assert!(
        vsize >= lo / 2.0 && vsize <= hi * 2.0,
        "{vsize} vs /proc {lo}..{hi}"
    );
    let (lo, hi) = (rss_before.min(rss_after), rss_before.max(rss_after));
    assert!(
        rss >= lo / 2.0 && rss <= hi * 2.0,
        "{rss} vs /proc {lo}..{hi}"
    );

    let cpu = get("process_cpu_seconds_total");
    assert!(cpu >= 0.0);
    // Burn 0.3 s of CPU as /proc counts it (utime + stime, at CLK_TCK = 100
    // as on every Linux), however busy the machine is.
    let ticks = || stat_field(14) + stat_field(15);
    let start_ticks = ticks();
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    let mut spin = 0_u64;
    while ticks() < start_ticks + 30.0 && std::time::Instant::now() < deadline {
        spin = spin.wrapping_add(1);
    }
    assert!(spin > 0);
    let later = value(&registry.gather_text(), "process_cpu_seconds_total", &[]).unwrap();
    assert!(later >= cpu + 0.25, "cpu went {cpu} -> {later}");

    if std::path::Path::new("/proc/self/net/netstat").exists() {
        assert!(get("process_network_receive_bytes_total") >= 0.0);
        assert!(get("process_network_transmit_bytes_total") >= 0.0);
    }
}

#[test]
fn build_info_has_the_crate_version_and_rustc() {
    let registry = Registry::new();
    registry
        .register(exporter_core::build_info!("my_exporter").unwrap())
        .unwrap();
    let text = registry.gather_text();
    let parsed = http_support::parse(&text);
    let ((name, labels), v) = parsed.iter().next().unwrap();
    assert_eq!(name, "my_exporter_build_info");
    assert_eq!(*v, 1.0);
    let label = |k: &str| labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(label("version"), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(label("goos"), Some("linux"));
    let rustc = label("rustversion").unwrap();
    assert!(rustc.starts_with("1."), "{rustc}");
    // Any UTF-8 name is valid since issue 10 (client_golang 1.24): a program
    // name with `-` builds, and a Prometheus 2 scraper gets it escaped.
    let odd = Registry::new();
    odd.register(exporter_core::build_info!("bad-name").unwrap())
        .unwrap();
    assert!(odd.gather_text().contains("bad_name_build_info{"));
}
