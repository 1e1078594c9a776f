//! Run with: `cargo run -p redis_exporter -- --redis.addr redis://127.0.0.1:6379`
//!
//! A Redis exporter: `INFO` (clients, memory, stats, CPU, replication role),
//! the keyspace (`redis_db_keys{db}`) and command statistics
//! (`redis_commands_total{cmd}`) as three scrapers, `redis_up`, and
//! `/probe?target=redis://host:port` for many Redis servers from one
//! exporter. Names are `oliver006/redis_exporter`'s. Serves on port 9121 as it
//! does; `--help` lists every flag.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use exporter_core::runtime::{clap, Exporter};
use exporter_core::scrape::Probe;
use redis_exporter::scrapers::{scrapers, validate_target, RedisConnect};
use redis_exporter::target::{read_password_file, Address};

// The exporter's own flags, next to the standard ones in `--help` (a `//` comment: a doc
// comment would become the command's description).
#[derive(clap::Args, Debug, Clone)]
struct Flags {
    /// Address of the Redis instance to scrape (redis://host:port[/db] or host:port)
    #[arg(
        long = "redis.addr",
        env = "REDIS_ADDR",
        default_value = "redis://localhost:6379"
    )]
    redis_addr: String,
    /// File holding the Redis password on its first line (a password is never a flag)
    #[arg(
        long = "redis.password-file",
        env = "REDIS_PASSWORD_FILE",
        value_name = "FILE"
    )]
    password_file: Option<PathBuf>,
    /// Timeout for connecting to Redis and for each command, in seconds
    #[arg(
        long = "connection-timeout",
        value_name = "SECONDS",
        default_value_t = 15.0
    )]
    connection_timeout: f64,
    /// A host /probe may scrape (repeatable; /probe refuses every target without one)
    #[arg(long = "probe.allow-host", value_name = "HOST")]
    probe_allow_host: Vec<String>,
}

/// What the flags say to connect to, or why they cannot be used.
fn connect(flags: &Flags) -> Result<RedisConnect, String> {
    let addr = Address::parse(&flags.redis_addr).map_err(|e| e.to_string())?;
    let password = match &flags.password_file {
        Some(path) => Some(read_password_file(path).map_err(|e| e.to_string())?),
        None => None,
    };
    if !(flags.connection_timeout.is_finite() && flags.connection_timeout > 0.0) {
        return Err(format!(
            "--connection-timeout must be positive, not {}",
            flags.connection_timeout
        ));
    }
    let timeout = Duration::from_secs_f64(flags.connection_timeout);
    RedisConnect::new(Some(&addr), password, timeout).map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    Exporter::builder("redis_exporter")
        .description("Prometheus exporter for Redis metrics (INFO, keyspace, command statistics).")
        .version(env!("CARGO_PKG_VERSION"))
        .default_listen_address(":9121")
        .flags::<Flags>()
        .scrapers(scrapers())
        .probe_with(|flags: &Flags| {
            Probe::new()
                .allow_hosts(flags.probe_allow_host.clone())
                .validate(validate_target)
        })
        .run_with(connect)
        .await
}
