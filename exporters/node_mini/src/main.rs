//! Run with: `cargo run -p node_mini -- --collector.processes`
//!
//! A small node_exporter: load averages, every `/proc/meminfo` field, CPU
//! seconds per mode, network device counters, file descriptors and (off by
//! default) processes, with node_exporter 1.5's names, help and labels and
//! its `--collector.<name>` / `--no-collector.<name>` flags. Serves on port
//! 9100 as node_exporter does; `--help` lists every flag.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use exporter_core::runtime::{clap, Exporter};
use exporter_core::scrape::{
    scraper, Connect, ConnectContext, ScrapeContext, ScrapeError, Scrapers, Unchecked,
};
use node_mini::{
    read_cpu, read_filefd, read_loadavg, read_meminfo, read_netdev, read_processes, ReadError,
};

// node_mini's own flag (a `//` comment: a doc comment would become the command's description).
#[derive(clap::Args, Debug, Clone)]
struct Flags {
    /// procfs mountpoint
    #[arg(long = "path.procfs", value_name = "PATH", default_value = "/proc")]
    procfs: PathBuf,
}

/// Hands every scraper the procfs root; there is no target to check, so no
/// `node_up` (node_exporter has none).
struct Procfs(Arc<PathBuf>);

impl Connect<Arc<PathBuf>> for Procfs {
    async fn connect(&self, _: &ConnectContext) -> Result<Arc<PathBuf>, ScrapeError> {
        Ok(Arc::clone(&self.0))
    }

    fn reports_up(&self) -> bool {
        false
    }
}

/// Runs a reader on a blocking thread (they read files; `processes` walks
/// all of `/proc`), so a slow procfs cannot stall the server's workers.
async fn blocking<T, F>(ctx: &ScrapeContext<Arc<PathBuf>>, read: F) -> Result<T, ScrapeError>
where
    T: Send + 'static,
    F: FnOnce(&Path) -> Result<T, ReadError> + Send + 'static,
{
    let root = Arc::clone(ctx.target());
    let task = tokio::task::spawn_blocking(move || read(&root));
    match ctx.within(task).await? {
        Ok(result) => result.map_err(ScrapeError::other),
        Err(join) => Err(ScrapeError::msg(format!("reader failed: {join}"))),
    }
}

fn scrapers() -> Scrapers<Arc<PathBuf>> {
    Scrapers::new("node")
        .collect_flag_prefix("collector")
        .with(scraper("loadavg", "Exposes load average.", |ctx: ScrapeContext<Arc<PathBuf>>| async move {
            blocking(&ctx, read_loadavg).await
        }))
        .with(scraper("meminfo", "Exposes memory statistics.", |ctx: ScrapeContext<Arc<PathBuf>>| async move {
            // Names come from the file, so the families are only known at scrape time.
            blocking(&ctx, read_meminfo).await.map(Unchecked)
        }))
        .with(scraper("cpu", "Exposes CPU statistics.", |ctx: ScrapeContext<Arc<PathBuf>>| async move {
            blocking(&ctx, read_cpu).await
        }))
        .with(scraper(
            "netdev",
            "Exposes network interface statistics such as bytes transferred.",
            |ctx: ScrapeContext<Arc<PathBuf>>| async move { blocking(&ctx, read_netdev).await },
        ))
        .with(scraper(
            "filefd",
            "Exposes file descriptor statistics from /proc/sys/fs/file-nr.",
            |ctx: ScrapeContext<Arc<PathBuf>>| async move { blocking(&ctx, read_filefd).await },
        ))
        .with(
            scraper(
                "processes",
                "Exposes aggregate process statistics from /proc.",
                |ctx: ScrapeContext<Arc<PathBuf>>| async move { blocking(&ctx, read_processes).await },
            )
            .disabled_by_default(),
        )
}

#[tokio::main]
async fn main() -> ExitCode {
    Exporter::builder("node_mini")
        .description("A small node_exporter: load, memory, CPU, network, file descriptors and processes from /proc.")
        .version(env!("CARGO_PKG_VERSION"))
        .default_listen_address(":9100")
        .flags::<Flags>()
        .scrapers(scrapers())
        .run_with(|flags: &Flags| Ok::<_, std::convert::Infallible>(Procfs(Arc::new(flags.procfs.clone()))))
        .await
}
