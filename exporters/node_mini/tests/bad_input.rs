//! node_mini on a procfs it cannot fully read (`--path.procfs` pointing at a
//! scratch copy of /proc's files): an unreadable or garbled file costs only
//! its collector (`node_scrape_collector_success 0`), never the scrape; and
//! device names of any content come out escaped so that parsers read them
//! back.

#[path = "../../tests_common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{free_port, get, parse, value, Proc};

struct FakeProc(PathBuf);

impl FakeProc {
    /// A copy of the files node_mini reads, taken from the real /proc.
    fn copy_of_proc() -> FakeProc {
        let root = std::env::temp_dir().join(format!(
            "node-mini-proc-{}-{}",
            std::process::id(),
            free_port()
        ));
        for dir in ["net", "sys/fs", "sys/kernel"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for file in [
            "loadavg",
            "meminfo",
            "stat",
            "net/dev",
            "sys/fs/file-nr",
            "sys/kernel/threads-max",
            "sys/kernel/pid_max",
        ] {
            let text = std::fs::read(Path::new("/proc").join(file)).unwrap();
            std::fs::write(root.join(file), text).unwrap();
        }
        FakeProc(root)
    }
}

impl Drop for FakeProc {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn node_mini(procfs: &Path) -> (Proc, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_node_mini"));
    cmd.args(["--web.listen-address", &addr.to_string()])
        .arg("--path.procfs")
        .arg(procfs);
    let mut p = Proc::spawn("node_mini", cmd, &procfs.join("node_mini.log"));
    common::wait_ready(&mut p, addr, "/-/healthy", Duration::from_secs(30));
    (p, addr)
}

fn success(m: &std::collections::BTreeMap<String, common::Family>, collector: &str) -> Option<f64> {
    value(
        m,
        "node_scrape_collector_success",
        &[("collector", collector)],
    )
}

#[test]
fn an_unreadable_or_garbled_file_fails_only_its_collector() {
    let fake = FakeProc::copy_of_proc();
    let (proc_, addr) = node_mini(&fake.0);
    let m = parse(&get(addr, "/metrics").body);
    for c in ["loadavg", "meminfo", "cpu", "netdev", "filefd"] {
        assert_eq!(success(&m, c), Some(1.0), "{c} on an intact copy");
    }

    // Garbled: a value that is not a number, a line with too many fields.
    std::fs::write(fake.0.join("meminfo"), "MemTotal:       lots kB\n").unwrap();
    std::fs::write(fake.0.join("loadavg"), "0.1 0.2\n").unwrap();
    std::fs::write(fake.0.join("sys/fs/file-nr"), "12\tzero\tmany\n").unwrap();
    // Unreadable: a directory where the file should be (root reads any mode bits).
    std::fs::remove_file(fake.0.join("stat")).unwrap();
    std::fs::create_dir(fake.0.join("stat")).unwrap();
    std::fs::write(fake.0.join("net/dev"), "header\nheader\n  eth0: 1 2 3\n").unwrap();

    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200, "{}", r.body);
    let m = parse(&r.body);
    for c in ["loadavg", "meminfo", "cpu", "netdev", "filefd"] {
        assert_eq!(success(&m, c), Some(0.0), "{c} on a broken file");
    }
    assert!(!m
        .keys()
        .any(|k| k.starts_with("node_memory_") || k.starts_with("node_load")));
    assert!(
        m.contains_key("process_resident_memory_bytes"),
        "the exporter's own metrics stay"
    );
    let log = proc_.log();
    assert!(
        log.contains("meminfo") && log.contains("lots"),
        "the error is logged with the scraper's name:\n{log}"
    );

    // A procfs root that does not exist at all.
    std::fs::remove_dir_all(&fake.0).unwrap();
    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(success(&parse(&r.body), "filefd"), Some(0.0));
    drop(proc_);
}

#[test]
fn device_names_of_any_content_are_escaped() {
    let fake = FakeProc::copy_of_proc();
    // /proc/net/dev splits on whitespace; any other byte can be in a name.
    let names = ["quo\"te", "back\\slash", "ünïcødé", "br{ace}s=,", "#hash"];
    let mut dev = String::from("Inter-|   Receive |  Transmit\n face |bytes packets\n");
    for (i, n) in names.iter().enumerate() {
        writeln!(dev, "{n}: {i} 0 0 0 0 0 0 0 {i} 0 0 0 0 0 0 0").unwrap();
    }
    std::fs::write(fake.0.join("net/dev"), dev).unwrap();
    let (_p, addr) = node_mini(&fake.0);
    let r = get(addr, "/metrics?collect[]=netdev");
    assert_eq!(r.status, 200, "{}", r.body);
    for (i, want) in [
        r#"quo\"te"#,
        r"back\\slash",
        "ünïcødé",
        "br{ace}s=,",
        "#hash",
    ]
    .iter()
    .enumerate()
    {
        let line = format!("node_network_receive_bytes_total{{device=\"{want}\"}} {i}\n");
        assert!(r.body.contains(&line), "missing {line:?} in\n{}", r.body);
    }
    // A third-party parser accepts the whole body. (prometheus-parse 0.2 cuts label values at
    // `,` and `=`, so it cannot read every name back; tests/e2e/check_exporters.py reads them
    // all back exactly with prometheus_client's text and OpenMetrics parsers.)
    let m = parse(&r.body);
    assert!(m.contains_key("node_network_transmit_bytes_total"));
}
