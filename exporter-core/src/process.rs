//! Collectors every exporter serves: the process collector (Go's
//! `collectors.NewProcessCollector`, Linux only, `process` feature) and the
//! `<program>_build_info` collector (Go's `version.NewCollector`).

use crate::collector::Collector;
use crate::desc::DescError;
use crate::desc::{Desc, MetricType};
use crate::encoding::MetricEncoder;
use crate::error::CollectError;

/// `<program>_build_info`: a gauge that is always 1, labelled with what the
/// program was built from, as in Go's `prometheus/common/version`.
///
/// Labels: `version`, `revision`, `branch`, `rustversion` (the Rust
/// counterpart of Go's `goversion`), `goos` and `goarch` (kept under Go's
/// names, so dashboards written for Go exporters work unchanged).
///
/// Build it with [`build_info!`](crate::build_info), which reads the calling
/// crate's version at compile time.
///
/// # Example
///
/// ```
/// use exporter_core::Registry;
///
/// let registry = Registry::new();
/// registry.register(exporter_core::build_info!("my_exporter")?)?;
/// assert!(registry.gather_text().contains("my_exporter_build_info{"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BuildInfo {
    desc: Desc,
    values: [String; 6],
}

impl BuildInfo {
    /// `<program>_build_info` with the given version, revision and branch.
    ///
    /// # Errors
    ///
    /// [`DescError`] when `program` does not make a valid metric name.
    pub fn new(
        program: &str,
        version: &str,
        revision: &str,
        branch: &str,
    ) -> Result<Self, DescError> {
        let help = format!(
            "A metric with a constant '1' value labeled by version, revision, branch, \
             rustversion from which {program} was built, and the goos and goarch for the build."
        );
        let desc = Desc::new(
            format!("{program}_build_info"),
            help,
            MetricType::Gauge,
            [
                "version",
                "revision",
                "branch",
                "rustversion",
                "goos",
                "goarch",
            ],
        )?;
        Ok(BuildInfo {
            desc,
            values: [
                version.to_owned(),
                revision.to_owned(),
                branch.to_owned(),
                RUSTC_VERSION.to_owned(),
                std::env::consts::OS.to_owned(),
                std::env::consts::ARCH.to_owned(),
            ],
        })
    }
}

/// The version of the compiler that built this crate.
const RUSTC_VERSION: &str = env!("EXPORTER_CORE_RUSTC_VERSION");

impl Collector for BuildInfo {
    fn may_block(&self) -> bool {
        false
    }

    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        encoder.family(&self.desc)?.sample(&self.values, 1)
    }

    fn name(&self) -> &'static str {
        "build_info"
    }
}

/// Builds a [`BuildInfo`] for `program` from the calling crate's
/// `CARGO_PKG_VERSION`, and from `BUILD_REVISION` and `BUILD_BRANCH` when
/// they are set at compile time (e.g. by a build script from git), else
/// `unknown`.
///
/// # Errors
///
/// As [`BuildInfo::new`].
#[macro_export]
macro_rules! build_info {
    ($program:expr) => {
        $crate::process::BuildInfo::new(
            $program,
            ::core::env!("CARGO_PKG_VERSION"),
            ::core::option_env!("BUILD_REVISION").unwrap_or("unknown"),
            ::core::option_env!("BUILD_BRANCH").unwrap_or("unknown"),
        )
    };
}

#[cfg(all(feature = "process", target_os = "linux"))]
pub use linux::ProcessCollector;

#[cfg(all(feature = "process", target_os = "linux"))]
mod linux {
    use std::sync::LazyLock;

    use procfs::process::{LimitValue, Process};

    use super::{CollectError, Collector, Desc, MetricEncoder, MetricType};

    struct Descs {
        cpu: Desc,
        open_fds: Desc,
        max_fds: Desc,
        vsize: Desc,
        max_vsize: Desc,
        rss: Desc,
        start_time: Desc,
        threads: Desc,
        rx: Desc,
        tx: Desc,
    }

    fn desc(name: &str, help: &str, metric_type: MetricType) -> Desc {
        #[allow(clippy::expect_used)] // constant, valid names (covered by tests)
        Desc::new(name, help, metric_type, [] as [&str; 0]).expect("valid constant descriptor")
    }

    static DESCS: LazyLock<Descs> = LazyLock::new(|| Descs {
        cpu: desc(
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds.",
            MetricType::Counter,
        ),
        open_fds: desc(
            "process_open_fds",
            "Number of open file descriptors.",
            MetricType::Gauge,
        ),
        max_fds: desc(
            "process_max_fds",
            "Maximum number of open file descriptors.",
            MetricType::Gauge,
        ),
        vsize: desc(
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            MetricType::Gauge,
        ),
        max_vsize: desc(
            "process_virtual_memory_max_bytes",
            "Maximum amount of virtual memory available in bytes.",
            MetricType::Gauge,
        ),
        rss: desc(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            MetricType::Gauge,
        ),
        start_time: desc(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            MetricType::Gauge,
        ),
        threads: desc(
            "process_threads",
            "Number of OS threads in the process.",
            MetricType::Gauge,
        ),
        rx: desc(
            "process_network_receive_bytes_total",
            "Number of bytes received by the process over the network.",
            MetricType::Counter,
        ),
        tx: desc(
            "process_network_transmit_bytes_total",
            "Number of bytes sent by the process over the network.",
            MetricType::Counter,
        ),
    });

    /// The `process_*` metrics of one process, read from `/proc` at every
    /// scrape, with Go's names and meanings.
    ///
    /// The network counters come from `/proc/<pid>/net/netstat` (`IpExt`
    /// `InOctets`/`OutOctets`, as Go reads them: the counts of the
    /// process's network namespace); they are left out where that file is
    /// missing. Any other read failure fails the collector for that scrape.
    ///
    /// # Example
    ///
    /// ```
    /// use exporter_core::process::ProcessCollector;
    /// use exporter_core::Registry;
    ///
    /// let registry = Registry::new();
    /// registry.register(ProcessCollector::new())?;
    /// assert!(registry.gather_text().contains("process_open_fds "));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone, Copy)]
    pub struct ProcessCollector {
        pid: Option<i32>,
    }

    impl Default for ProcessCollector {
        fn default() -> Self {
            Self::new()
        }
    }

    impl ProcessCollector {
        /// Reports on the current process.
        pub fn new() -> Self {
            ProcessCollector { pid: None }
        }

        /// Reports on the process `pid`.
        pub fn for_pid(pid: i32) -> Self {
            ProcessCollector { pid: Some(pid) }
        }
    }

    fn limit(v: LimitValue) -> f64 {
        match v {
            LimitValue::Value(n) => n as f64,
            // RLIM_INFINITY, which Go reports as is.
            LimitValue::Unlimited => u64::MAX as f64,
        }
    }

    /// `IpExt: ... InOctets OutOctets ...` from a `net/netstat` file.
    fn ip_octets(netstat: &str) -> Option<(f64, f64)> {
        let mut lines = netstat.lines().filter(|l| l.starts_with("IpExt:"));
        let names = lines.next()?;
        let values = lines.next()?;
        let mut rx = None;
        let mut tx = None;
        for (name, value) in names.split_whitespace().zip(values.split_whitespace()) {
            match name {
                "InOctets" => rx = value.parse::<f64>().ok(),
                "OutOctets" => tx = value.parse::<f64>().ok(),
                _ => {}
            }
        }
        Some((rx?, tx?))
    }

    impl Collector for ProcessCollector {
        fn may_block(&self) -> bool {
            false
        }

        fn describe(&self) -> Vec<&Desc> {
            let d = &*DESCS;
            vec![
                &d.cpu,
                &d.open_fds,
                &d.max_fds,
                &d.vsize,
                &d.max_vsize,
                &d.rss,
                &d.start_time,
                &d.threads,
                &d.rx,
                &d.tx,
            ]
        }

        fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
            let d = &*DESCS;
            let process = match self.pid {
                Some(pid) => Process::new(pid),
                None => Process::myself(),
            }
            .map_err(CollectError::other)?;
            let stat = process.stat().map_err(CollectError::other)?;
            let limits = process.limits().map_err(CollectError::other)?;
            let fds = process.fd_count().map_err(CollectError::other)?;
            let ticks = procfs::ticks_per_second() as f64;
            let boot = procfs::boot_time_secs().map_err(CollectError::other)? as f64;

            let gauge = |encoder: &mut MetricEncoder, desc: &Desc, value: f64| {
                encoder.family(desc)?.sample(&(), value)
            };
            gauge(encoder, &d.cpu, (stat.utime + stat.stime) as f64 / ticks)?;
            gauge(encoder, &d.open_fds, fds as f64)?;
            gauge(encoder, &d.max_fds, limit(limits.max_open_files.soft_limit))?;
            gauge(encoder, &d.vsize, stat.vsize as f64)?;
            gauge(
                encoder,
                &d.max_vsize,
                limit(limits.max_address_space.soft_limit),
            )?;
            gauge(encoder, &d.rss, (stat.rss * procfs::page_size()) as f64)?;
            gauge(encoder, &d.start_time, boot + stat.starttime as f64 / ticks)?;
            gauge(encoder, &d.threads, stat.num_threads as f64)?;
            let netstat = std::fs::read_to_string(format!(
                "/proc/{}/net/netstat",
                self.pid
                    .map_or_else(|| "self".to_owned(), |p| p.to_string())
            ));
            if let Some((rx, tx)) = netstat.ok().as_deref().and_then(ip_octets) {
                gauge(encoder, &d.rx, rx)?;
                gauge(encoder, &d.tx, tx)?;
            }
            Ok(())
        }

        fn name(&self) -> &'static str {
            "process"
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_ipext_octets() {
            let netstat = "TcpExt: A B\nTcpExt: 1 2\nIpExt: InNoRoutes InOctets OutOctets\nIpExt: 0 1234 5678\n";
            assert_eq!(ip_octets(netstat), Some((1234.0, 5678.0)));
            assert_eq!(ip_octets("IpExt: InOctets\n"), None);
        }
    }
}
