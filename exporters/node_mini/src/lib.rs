//! A small node_exporter: the `loadavg`, `meminfo`, `cpu`, `netdev`,
//! `filefd` and `processes` collectors of node_exporter 1.5, read from
//! `/proc` (or `--path.procfs`), with node_exporter's metric names, types,
//! help texts and labels, so its dashboards and alerts work unchanged.
//!
//! Each `read_*` function reads one collector's files and returns its
//! snapshot; the binary runs them as scrapers. They are plain blocking reads
//! of small pseudo-files (microseconds each); `processes` walks every
//! `/proc/<pid>/task`, which is why node_exporter leaves it off by default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use exporter_core::{CollectError, Collector, Desc, MetricEncoder, MetricType};
use procfs::prelude::*;

/// Why a collector could not read its files; the scraper reports
/// `success 0` and the others are unaffected.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The procfs crate could not read or parse the file.
    #[error("cannot parse {path}: {source}")]
    Proc {
        /// The file.
        path: PathBuf,
        /// procfs's error.
        source: procfs::ProcError,
    },
    /// The file's content is not what the kernel writes.
    #[error("unexpected content in {path}: {reason}")]
    Content {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

fn read(path: &Path) -> Result<String, ReadError> {
    std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })
}

fn content(path: &Path, reason: impl Into<String>) -> ReadError {
    ReadError::Content {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// `loadavg`: `node_load1`, `node_load5`, `node_load15`.
#[derive(Collector, Debug, Clone, PartialEq)]
#[collector(namespace = "node")]
pub struct LoadAvg {
    /// 1m load average.
    #[metric(gauge)]
    pub load1: f64,
    /// 5m load average.
    #[metric(gauge)]
    pub load5: f64,
    /// 15m load average.
    #[metric(gauge)]
    pub load15: f64,
}

/// Reads `<root>/loadavg` as node_exporter does: the first three fields as
/// 64-bit floats. (procfs's `LoadAverage` holds `f32`s, which would print
/// `0.7300000190734863` for the kernel's `0.73`.)
pub fn read_loadavg(root: &Path) -> Result<LoadAvg, ReadError> {
    let path = root.join("loadavg");
    let text = read(&path)?;
    let mut loads = [0.0; 3];
    let mut fields = text.split_whitespace();
    for load in &mut loads {
        let field = fields
            .next()
            .ok_or_else(|| content(&path, "fewer than 3 fields"))?;
        *load = field
            .parse()
            .map_err(|_| content(&path, format!("could not parse load {field:?}")))?;
    }
    Ok(LoadAvg {
        load1: loads[0],
        load5: loads[1],
        load15: loads[2],
    })
}

/// `meminfo`: one `node_memory_<field>` gauge per line of `/proc/meminfo`,
/// named as node_exporter names them (`Active(anon)` -> `Active_anon`, a
/// `kB` value in bytes with `_bytes` appended, `HugePages_Total` as is).
///
/// The families depend on the kernel, so this collector builds its
/// descriptors at every scrape and describes none (an unchecked collector,
/// as node_exporter's is in Go).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemInfo {
    /// (name after `node_memory_`, value), in file order.
    pub fields: Vec<(String, f64)>,
}

/// Parses `/proc/meminfo` text line by line, exactly as node_exporter 1.5's
/// `parseMemInfo` does. procfs's typed `Meminfo` is not used: it keeps only
/// the fields it knows, and node_exporter emits every line.
///
/// ```
/// use std::path::Path;
///
/// let m = node_mini::parse_meminfo("Active(anon):  68 kB\nHugePages_Total:  0\n", Path::new("meminfo"))?;
/// assert_eq!(m.fields, [("Active_anon_bytes".to_owned(), 68.0 * 1024.0), ("HugePages_Total".to_owned(), 0.0)]);
/// # Ok::<(), node_mini::ReadError>(())
/// ```
pub fn parse_meminfo(text: &str, path: &Path) -> Result<MemInfo, ReadError> {
    let mut fields: BTreeMap<String, f64> = BTreeMap::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        let raw = parts
            .get(1)
            .ok_or_else(|| content(path, format!("invalid line {line:?}")))?;
        let mut value: f64 = raw
            .parse()
            .map_err(|_| content(path, format!("invalid value in line {line:?}")))?;
        let mut key = parts[0].strip_suffix(':').unwrap_or(parts[0]).to_owned();
        // Active(anon) -> Active_anon (node_exporter's `\((.*)\)` -> `_$1`).
        if let (Some(open), Some(close)) = (key.find('('), key.rfind(')')) {
            if open < close {
                key = format!(
                    "{}_{}{}",
                    &key[..open],
                    &key[open + 1..close],
                    &key[close + 1..]
                );
            }
        }
        match parts.len() {
            2 => {}
            3 => {
                value *= 1024.0;
                key.push_str("_bytes");
            }
            _ => return Err(content(path, format!("invalid line {line:?}"))),
        }
        if exporter_core::name::check_metric_name(&format!("node_memory_{key}")).is_err() {
            return Err(content(path, format!("field {key:?} is not a metric name")));
        }
        fields.insert(key, value);
    }
    Ok(MemInfo {
        fields: fields.into_iter().collect(),
    })
}

/// Reads `<root>/meminfo`.
pub fn read_meminfo(root: &Path) -> Result<MemInfo, ReadError> {
    let path = root.join("meminfo");
    parse_meminfo(&read(&path)?, &path)
}

impl Collector for MemInfo {
    fn describe(&self) -> Vec<&Desc> {
        Vec::new()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        for (key, value) in &self.fields {
            // node_exporter: a field ending in `_total` is a counter.
            let kind = if key.ends_with("_total") {
                MetricType::Counter
            } else {
                MetricType::Gauge
            };
            let desc = Desc::new(
                format!("node_memory_{key}"),
                format!("Memory information field {key}."),
                kind,
                [] as [&str; 0],
            )
            .map_err(CollectError::other)?;
            encoder.family(&desc)?.sample(&[] as &[&str; 0], *value)?;
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "meminfo"
    }
}

/// `cpu`: `node_cpu_seconds_total{cpu,mode}` and
/// `node_cpu_guest_seconds_total{cpu,mode}` (node_exporter's
/// `--collector.cpu.guest`, on by default).
#[derive(Collector, Debug, Clone, Default, PartialEq)]
#[collector(namespace = "node")]
pub struct Cpu {
    /// Seconds the CPUs spent in each mode.
    #[metric(counter, name = "cpu_seconds_total", labels(cpu, mode))]
    pub seconds: Vec<([String; 2], f64)>,
    /// Seconds the CPUs spent in guests (VMs) for each mode.
    #[metric(counter, name = "cpu_guest_seconds_total", labels(cpu, mode))]
    pub guest_seconds: Vec<([String; 2], f64)>,
}

/// Reads `<root>/stat` with procfs's `KernelStats`: ticks over the kernel's
/// ticks per second, as node_exporter's procfs divides by `USER_HZ`.
pub fn read_cpu(root: &Path) -> Result<Cpu, ReadError> {
    let path = root.join("stat");
    let stats =
        procfs::KernelStats::from_file(&path, procfs::current_system_info()).map_err(|source| {
            ReadError::Proc {
                path: path.clone(),
                source,
            }
        })?;
    let tps = procfs::ticks_per_second().max(1) as f64;
    let secs = |ticks: u64| ticks as f64 / tps;
    let mut cpu = Cpu::default();
    for (n, t) in stats.cpu_time.iter().enumerate() {
        let id = n.to_string();
        let modes = [
            ("user", t.user),
            ("nice", t.nice),
            ("system", t.system),
            ("idle", t.idle),
            ("iowait", t.iowait.unwrap_or(0)),
            ("irq", t.irq.unwrap_or(0)),
            ("softirq", t.softirq.unwrap_or(0)),
            ("steal", t.steal.unwrap_or(0)),
        ];
        for (mode, ticks) in modes {
            cpu.seconds
                .push(([id.clone(), mode.to_owned()], secs(ticks)));
        }
        // Guest time is also counted in user and nice; node_exporter labels it so.
        cpu.guest_seconds
            .push(([id.clone(), "user".to_owned()], secs(t.guest.unwrap_or(0))));
        cpu.guest_seconds
            .push(([id, "nice".to_owned()], secs(t.guest_nice.unwrap_or(0))));
    }
    Ok(cpu)
}

/// `netdev`: node_exporter's sixteen `/proc/net/dev` counters per device
/// (its `--no-collector.netdev.netlink` mode), `node_network_<stat>_total{device}`.
#[derive(Collector, Debug, Clone, Default, PartialEq)]
#[collector(namespace = "node", subsystem = "network")]
#[allow(missing_docs)]
pub struct NetDev {
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_bytes."
    )]
    pub receive_bytes_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_packets."
    )]
    pub receive_packets_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_errs."
    )]
    pub receive_errs_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_drop."
    )]
    pub receive_drop_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_fifo."
    )]
    pub receive_fifo_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_frame."
    )]
    pub receive_frame_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_compressed."
    )]
    pub receive_compressed_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic receive_multicast."
    )]
    pub receive_multicast_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_bytes."
    )]
    pub transmit_bytes_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_packets."
    )]
    pub transmit_packets_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_errs."
    )]
    pub transmit_errs_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_drop."
    )]
    pub transmit_drop_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_fifo."
    )]
    pub transmit_fifo_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_colls."
    )]
    pub transmit_colls_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_carrier."
    )]
    pub transmit_carrier_total: Vec<([String; 1], u64)>,
    #[metric(
        counter,
        labels(device),
        help = "Network device statistic transmit_compressed."
    )]
    pub transmit_compressed_total: Vec<([String; 1], u64)>,
}

/// Reads `<root>/net/dev` with procfs's `InterfaceDeviceStatus`; devices are
/// sorted by name.
pub fn read_netdev(root: &Path) -> Result<NetDev, ReadError> {
    let path = root.join("net/dev");
    let status =
        procfs::net::InterfaceDeviceStatus::from_file(&path).map_err(|source| ReadError::Proc {
            path: path.clone(),
            source,
        })?;
    let mut devices: Vec<_> = status.0.into_values().collect();
    devices.sort_by(|a, b| a.name.cmp(&b.name));
    let mut n = NetDev::default();
    for d in devices {
        let l = [d.name];
        n.receive_bytes_total.push((l.clone(), d.recv_bytes));
        n.receive_packets_total.push((l.clone(), d.recv_packets));
        n.receive_errs_total.push((l.clone(), d.recv_errs));
        n.receive_drop_total.push((l.clone(), d.recv_drop));
        n.receive_fifo_total.push((l.clone(), d.recv_fifo));
        n.receive_frame_total.push((l.clone(), d.recv_frame));
        n.receive_compressed_total
            .push((l.clone(), d.recv_compressed));
        n.receive_multicast_total
            .push((l.clone(), d.recv_multicast));
        n.transmit_bytes_total.push((l.clone(), d.sent_bytes));
        n.transmit_packets_total.push((l.clone(), d.sent_packets));
        n.transmit_errs_total.push((l.clone(), d.sent_errs));
        n.transmit_drop_total.push((l.clone(), d.sent_drop));
        n.transmit_fifo_total.push((l.clone(), d.sent_fifo));
        n.transmit_colls_total.push((l.clone(), d.sent_colls));
        n.transmit_carrier_total.push((l.clone(), d.sent_carrier));
        n.transmit_compressed_total.push((l, d.sent_compressed));
    }
    Ok(n)
}

/// `filefd`: `node_filefd_allocated` and `node_filefd_maximum`.
#[derive(Collector, Debug, Clone, PartialEq)]
#[collector(namespace = "node", subsystem = "filefd")]
pub struct FileFd {
    /// File descriptor statistics: allocated.
    #[metric(gauge)]
    pub allocated: f64,
    /// File descriptor statistics: maximum.
    #[metric(gauge)]
    pub maximum: f64,
}

/// Reads `<root>/sys/fs/file-nr` (three tab-separated numbers; the middle
/// one is always 0 since Linux 2.6 and skipped, as node_exporter does).
pub fn read_filefd(root: &Path) -> Result<FileFd, ReadError> {
    let path = root.join("sys/fs/file-nr");
    let text = read(&path)?;
    let parts: Vec<&str> = text.trim().split('\t').collect();
    if parts.len() < 3 {
        return Err(content(&path, "fewer than 3 fields"));
    }
    let num = |s: &str| {
        s.parse::<f64>()
            .map_err(|_| content(&path, format!("invalid value {s:?}")))
    };
    Ok(FileFd {
        allocated: num(parts[0])?,
        maximum: num(parts[2])?,
    })
}

/// `processes` (off by default, as in `node_exporter`): threads, processes by
/// state, threads by state, and the kernel's limits.
#[derive(Collector, Debug, Clone, Default, PartialEq)]
#[collector(namespace = "node", subsystem = "processes")]
pub struct Processes {
    /// Allocated threads in system
    #[metric(gauge)]
    pub threads: f64,
    /// Limit of threads in the system
    #[metric(gauge)]
    pub max_threads: f64,
    /// Number of processes in each state.
    #[metric(gauge, labels(state))]
    pub state: Vec<([String; 1], f64)>,
    /// Number of threads in each state.
    #[metric(gauge, labels(thread_state))]
    pub threads_state: Vec<([String; 1], f64)>,
    /// Number of PIDs
    #[metric(gauge)]
    pub pids: f64,
    /// Number of max PIDs limit
    #[metric(gauge)]
    pub max_processes: f64,
}

/// Walks `<root>/<pid>/stat` and `<root>/<pid>/task/<tid>/stat` with procfs;
/// processes and threads that exit during the walk are skipped.
pub fn read_processes(root: &Path) -> Result<Processes, ReadError> {
    let procs =
        procfs::process::all_processes_with_root(root).map_err(|source| ReadError::Proc {
            path: root.to_owned(),
            source,
        })?;
    let (mut pids, mut threads) = (0u64, 0u64);
    let mut states: BTreeMap<String, f64> = BTreeMap::new();
    let mut thread_states: BTreeMap<String, f64> = BTreeMap::new();
    for proc in procs.flatten() {
        let Ok(stat) = proc.stat() else { continue };
        pids += 1;
        threads += u64::try_from(stat.num_threads).unwrap_or(0);
        *states.entry(stat.state.to_string()).or_default() += 1.0;
        let Ok(tasks) = proc.tasks() else { continue };
        for task in tasks.flatten() {
            if let Ok(t) = task.stat() {
                *thread_states.entry(t.state.to_string()).or_default() += 1.0;
            }
        }
    }
    let limit = |name: &str| -> Result<f64, ReadError> {
        let path = root.join("sys/kernel").join(name);
        let text = read(&path)?;
        text.trim()
            .parse()
            .map_err(|_| content(&path, "not a number"))
    };
    Ok(Processes {
        threads: threads as f64,
        max_threads: limit("threads-max")?,
        state: states.into_iter().map(|(s, n)| ([s], n)).collect(),
        threads_state: thread_states.into_iter().map(|(s, n)| ([s], n)).collect(),
        pids: pids as f64,
        max_processes: limit("pid_max")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_names_as_node_exporter() {
        let text = "MemTotal:       24683784 kB\nActive(anon):         68 kB\n\nHugePages_Total:       0\nHugepagesize:       2048 kB\n";
        let m = parse_meminfo(text, Path::new("meminfo")).unwrap();
        assert_eq!(
            m.fields,
            vec![
                ("Active_anon_bytes".to_owned(), 68.0 * 1024.0),
                ("HugePages_Total".to_owned(), 0.0),
                ("Hugepagesize_bytes".to_owned(), 2048.0 * 1024.0),
                ("MemTotal_bytes".to_owned(), 24_683_784.0 * 1024.0),
            ]
        );
        for bad in [
            "MemTotal: x kB\n",
            "MemTotal: 1 kB extra\n",
            "MemTotal:\n",
            "Bad-Name: 1\n",
        ] {
            assert!(
                parse_meminfo(bad, Path::new("meminfo")).is_err(),
                "{bad:?} accepted"
            );
        }
    }
}
