//! What `INFO` says, as snapshot structs.
//!
//! Redis answers `INFO <section>` with `key:value` lines under `# Section`
//! headers. Each scraper asks for its own section and turns the lines into a
//! `#[derive(Collector)]` struct whose metric names are
//! `oliver006/redis_exporter`'s (so its dashboards work unchanged). A line that
//! does not parse is skipped, as redis_exporter does: a field another Redis
//! version spells differently is missing from the scrape, not an error.

use std::collections::HashMap;

use exporter_core::{Collector, LabelSet};

/// The `key:value` lines of an `INFO` answer; `# Section` headers and blank
/// lines are skipped, values are kept as text.
pub fn fields(info: &str) -> HashMap<&str, &str> {
    info.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .collect()
}

/// A `k=v,k=v` value (keyspace and command statistics lines).
fn pairs(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value.split(',').filter_map(|pair| pair.split_once('='))
}

fn number(fields: &HashMap<&str, &str>, key: &str) -> Option<f64> {
    fields.get(key).and_then(|v| v.trim().parse().ok())
}

fn whole(fields: &HashMap<&str, &str>, key: &str) -> Option<u64> {
    fields.get(key).and_then(|v| v.trim().parse().ok())
}

/// The labels of `redis_instance_info`, redis_exporter's set (the role is the
/// replication role: `master` or `slave`).
#[derive(LabelSet, Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// `master` or `slave`.
    pub role: String,
    /// The server version.
    pub redis_version: String,
    /// `standalone`, `cluster` or `sentinel`.
    pub redis_mode: String,
    /// The operating system Redis runs on.
    pub os: String,
    /// The eviction policy.
    pub maxmemory_policy: String,
    /// The port Redis listens on.
    pub tcp_port: String,
    /// Changes at every restart.
    pub run_id: String,
    /// Redis's pid.
    pub process_id: String,
}

/// The `info` scraper's snapshot: server, clients, memory, stats, CPU and
/// replication fields of `INFO` (its default sections).
#[derive(Collector, Debug, Clone, Default, PartialEq)]
#[collector(namespace = "redis")]
pub struct Info {
    /// Information about the Redis instance
    ///
    /// (An info metric: one series, value 1, whose labels carry the facts,
    /// the replication role among them; a gauge as in redis_exporter, empty
    /// when `INFO` has no `redis_version`.)
    #[metric(
        gauge,
        name = "instance_info",
        help = "Information about the Redis instance"
    )]
    pub instance: Vec<(InstanceInfo, u8)>,
    /// Seconds since Redis started (`uptime_in_seconds`).
    #[metric(gauge)]
    pub uptime_in_seconds: Option<f64>,
    /// Start time of the Redis instance since unix epoch in seconds.
    #[metric(gauge)]
    pub start_time_seconds: Option<f64>,
    /// Client connections, replicas excluded (`connected_clients`).
    #[metric(gauge)]
    pub connected_clients: Option<f64>,
    /// Clients blocked in BLPOP and the like (`blocked_clients`).
    #[metric(gauge)]
    pub blocked_clients: Option<f64>,
    /// The most clients Redis accepts (`maxclients`).
    #[metric(gauge)]
    pub config_maxclients: Option<f64>,
    /// Bytes allocated by Redis (`used_memory`).
    #[metric(gauge)]
    pub memory_used_bytes: Option<f64>,
    /// Bytes resident in memory, as the OS sees them (`used_memory_rss`).
    #[metric(gauge)]
    pub memory_used_rss_bytes: Option<f64>,
    /// Peak of `used_memory`.
    #[metric(gauge)]
    pub memory_used_peak_bytes: Option<f64>,
    /// Bytes used by the Lua engine (`used_memory_lua`).
    #[metric(gauge)]
    pub memory_used_lua_bytes: Option<f64>,
    /// The `maxmemory` setting, 0 for no limit.
    #[metric(gauge)]
    pub memory_max_bytes: Option<f64>,
    /// `used_memory_rss` / `used_memory` (`mem_fragmentation_ratio`).
    #[metric(gauge)]
    pub mem_fragmentation_ratio: Option<f64>,
    /// Connections accepted (`total_connections_received`).
    #[metric(counter)]
    pub connections_received_total: Option<u64>,
    /// Connections refused for `maxclients` (`rejected_connections`).
    #[metric(counter)]
    pub rejected_connections_total: Option<u64>,
    /// Commands processed (`total_commands_processed`).
    #[metric(counter)]
    pub commands_processed_total: Option<u64>,
    /// Bytes read from the network (`total_net_input_bytes`).
    #[metric(counter)]
    pub net_input_bytes_total: Option<u64>,
    /// Bytes written to the network (`total_net_output_bytes`).
    #[metric(counter)]
    pub net_output_bytes_total: Option<u64>,
    /// Keys removed because they expired (`expired_keys`).
    #[metric(counter)]
    pub expired_keys_total: Option<u64>,
    /// Keys evicted for `maxmemory` (`evicted_keys`).
    #[metric(counter)]
    pub evicted_keys_total: Option<u64>,
    /// Successful key lookups (`keyspace_hits`).
    #[metric(counter)]
    pub keyspace_hits_total: Option<u64>,
    /// Failed key lookups (`keyspace_misses`).
    #[metric(counter)]
    pub keyspace_misses_total: Option<u64>,
    /// System CPU consumed by Redis (`used_cpu_sys`).
    #[metric(counter)]
    pub cpu_sys_seconds_total: Option<f64>,
    /// User CPU consumed by Redis (`used_cpu_user`).
    #[metric(counter)]
    pub cpu_user_seconds_total: Option<f64>,
    /// Replicas connected to this master (`connected_slaves`).
    #[metric(gauge)]
    pub connected_slaves: Option<f64>,
    /// Writes since the last RDB save (`rdb_changes_since_last_save`).
    #[metric(gauge)]
    pub rdb_changes_since_last_save: Option<f64>,
}

impl Info {
    /// Reads the default `INFO` sections. `now` is the Unix time of the
    /// answer, for `redis_start_time_seconds`.
    pub fn parse(info: &str, now: f64) -> Self {
        let f = fields(info);
        let text = |key: &str| f.get(key).map_or_else(String::new, |v| (*v).to_owned());
        let instance = f.get("redis_version").map(|_| InstanceInfo {
            role: text("role"),
            redis_version: text("redis_version"),
            redis_mode: text("redis_mode"),
            os: text("os"),
            maxmemory_policy: text("maxmemory_policy"),
            tcp_port: text("tcp_port"),
            run_id: text("run_id"),
            process_id: text("process_id"),
        });
        let instance = instance.into_iter().map(|i| (i, 1)).collect();
        let uptime = number(&f, "uptime_in_seconds");
        Info {
            instance,
            uptime_in_seconds: uptime,
            start_time_seconds: uptime.map(|u| (now - u).floor()),
            connected_clients: number(&f, "connected_clients"),
            blocked_clients: number(&f, "blocked_clients"),
            config_maxclients: number(&f, "maxclients"),
            memory_used_bytes: number(&f, "used_memory"),
            memory_used_rss_bytes: number(&f, "used_memory_rss"),
            memory_used_peak_bytes: number(&f, "used_memory_peak"),
            memory_used_lua_bytes: number(&f, "used_memory_lua"),
            memory_max_bytes: number(&f, "maxmemory"),
            mem_fragmentation_ratio: number(&f, "mem_fragmentation_ratio"),
            connections_received_total: whole(&f, "total_connections_received"),
            rejected_connections_total: whole(&f, "rejected_connections"),
            commands_processed_total: whole(&f, "total_commands_processed"),
            net_input_bytes_total: whole(&f, "total_net_input_bytes"),
            net_output_bytes_total: whole(&f, "total_net_output_bytes"),
            expired_keys_total: whole(&f, "expired_keys"),
            evicted_keys_total: whole(&f, "evicted_keys"),
            keyspace_hits_total: whole(&f, "keyspace_hits"),
            keyspace_misses_total: whole(&f, "keyspace_misses"),
            cpu_sys_seconds_total: number(&f, "used_cpu_sys"),
            cpu_user_seconds_total: number(&f, "used_cpu_user"),
            connected_slaves: number(&f, "connected_slaves"),
            rdb_changes_since_last_save: number(&f, "rdb_changes_since_last_save"),
        }
    }
}

/// The `keyspace` scraper's snapshot: `INFO keyspace`, one series per
/// database that holds keys (`db0:keys=3,expires=1,avg_ttl=5000`).
#[derive(Collector, Debug, Clone, Default, PartialEq)]
#[collector(namespace = "redis")]
pub struct Keyspace {
    /// Total number of keys by DB
    #[metric(gauge, labels(db))]
    pub db_keys: Vec<([String; 1], u64)>,
    /// Total number of expiring keys by DB
    #[metric(gauge, labels(db))]
    pub db_keys_expiring: Vec<([String; 1], u64)>,
    /// Avg TTL in seconds
    #[metric(gauge, labels(db))]
    pub db_avg_ttl_seconds: Vec<([String; 1], f64)>,
}

impl Keyspace {
    /// Reads `INFO keyspace`; a `db` line without `keys` and `expires` is
    /// skipped, as redis_exporter does.
    ///
    /// ```
    /// use redis_exporter::Keyspace;
    ///
    /// let ks = Keyspace::parse("# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=2500\r\n");
    /// assert_eq!(ks.db_keys, vec![(["db0".to_owned()], 3)]);
    /// assert_eq!(ks.db_avg_ttl_seconds, vec![(["db0".to_owned()], 2.5)]);
    /// ```
    pub fn parse(info: &str) -> Self {
        let mut out = Keyspace::default();
        for (db, value) in fields(info) {
            if !db.starts_with("db") {
                continue;
            }
            let kv: HashMap<&str, &str> = pairs(value).collect();
            let int = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
            let (Some(keys), Some(expires)) = (int("keys"), int("expires")) else {
                continue;
            };
            let label = [db.to_owned()];
            out.db_keys.push((label.clone(), keys));
            out.db_keys_expiring.push((label.clone(), expires));
            if let Some(ttl) = kv.get("avg_ttl").and_then(|v| v.parse::<f64>().ok()) {
                out.db_avg_ttl_seconds.push((label, ttl / 1000.0));
            }
        }
        out.db_keys.sort();
        out.db_keys_expiring.sort();
        out.db_avg_ttl_seconds
            .sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        out
    }
}

/// The `commandstats` scraper's snapshot: `INFO commandstats`, one series
/// per command (`cmdstat_get:calls=21,usec=175,...`; Redis 7 names
/// subcommands `config|get`).
#[derive(Collector, Debug, Clone, Default, PartialEq)]
#[collector(namespace = "redis")]
pub struct CommandStats {
    /// Total number of calls per command
    #[metric(counter, labels(cmd))]
    pub commands_total: Vec<([String; 1], u64)>,
    /// Total amount of time in seconds spent per command
    #[metric(counter, labels(cmd))]
    pub commands_duration_seconds_total: Vec<([String; 1], f64)>,
    /// Total number of errors prior command execution per command
    #[metric(counter, labels(cmd))]
    pub commands_rejected_calls_total: Vec<([String; 1], u64)>,
    /// Total number of errors within command execution per command
    #[metric(counter, labels(cmd))]
    pub commands_failed_calls_total: Vec<([String; 1], u64)>,
}

impl CommandStats {
    /// Reads `INFO commandstats`. `rejected_calls` and `failed_calls` exist
    /// from Redis 6.2 on; older servers give only the first two families.
    pub fn parse(info: &str) -> Self {
        let mut out = CommandStats::default();
        for (key, value) in fields(info) {
            let Some(cmd) = key.strip_prefix("cmdstat_") else {
                continue;
            };
            let kv: HashMap<&str, &str> = pairs(value).collect();
            let int = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
            let (Some(calls), Some(usec)) = (int("calls"), int("usec")) else {
                continue;
            };
            let label = [cmd.to_owned()];
            out.commands_total.push((label.clone(), calls));
            out.commands_duration_seconds_total
                .push((label.clone(), usec as f64 / 1e6));
            if let Some(rejected) = int("rejected_calls") {
                out.commands_rejected_calls_total
                    .push((label.clone(), rejected));
            }
            if let Some(failed) = int("failed_calls") {
                out.commands_failed_calls_total.push((label, failed));
            }
        }
        out.commands_total.sort();
        out.commands_duration_seconds_total
            .sort_by(|a, b| a.0.cmp(&b.0));
        out.commands_rejected_calls_total.sort();
        out.commands_failed_calls_total.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::float_cmp)]

    use super::*;
    use exporter_core::Registry;

    const INFO: &str = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nos:Linux\r\n\
        tcp_port:6379\r\nrun_id:abc\r\nprocess_id:42\r\nuptime_in_seconds:100\r\n\r\n\
        # Clients\r\nconnected_clients:3\r\nmaxclients:10000\r\n\
        # Memory\r\nused_memory:1024\r\nmaxmemory_policy:noeviction\r\n\
        # Stats\r\ntotal_commands_processed:77\r\nused_cpu_sys:0.5\r\n\
        # Replication\r\nrole:master\r\nconnected_slaves:0\r\n";

    #[test]
    fn info_fields_become_redis_exporter_names() {
        let info = Info::parse(INFO, 1000.0);
        assert_eq!(info.uptime_in_seconds, Some(100.0));
        assert_eq!(info.start_time_seconds, Some(900.0));
        assert_eq!(info.commands_processed_total, Some(77));
        assert_eq!(info.memory_used_bytes, Some(1024.0));
        assert_eq!(info.instance[0].0.role, "master");
        let registry = Registry::new();
        registry
            .register(exporter_core::collector::from_fn(move || Ok(info.clone())))
            .unwrap();
        let text = registry.gather_text();
        assert!(
            text.contains("redis_commands_processed_total 77\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE redis_instance_info gauge\n"),
            "{text}"
        );
        assert!(
            text.contains("redis_instance_info{role=\"master\",redis_version=\"7.0.15\""),
            "{text}"
        );
        assert!(
            !text.contains("redis_memory_used_rss_bytes"),
            "absent fields give no series"
        );
    }

    #[test]
    fn keyspace_and_commandstats_lines() {
        let ks =
            Keyspace::parse("# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=2500\r\ndb5:keys=x\r\n");
        assert_eq!(ks.db_keys, vec![(["db0".to_owned()], 3)]);
        assert_eq!(ks.db_avg_ttl_seconds, vec![(["db0".to_owned()], 2.5)]);
        let cs = CommandStats::parse(
            "# Commandstats\r\ncmdstat_config|get:calls=2,usec=30,usec_per_call=15.00,rejected_calls=0,failed_calls=1\r\n\
             cmdstat_get:calls=5,usec=10,usec_per_call=2.00\r\ncmdstat_bad:calls=,usec=1\r\n",
        );
        assert_eq!(
            cs.commands_total,
            vec![(["config|get".to_owned()], 2), (["get".to_owned()], 5)]
        );
        assert_eq!(
            cs.commands_failed_calls_total,
            vec![(["config|get".to_owned()], 1)]
        );
        assert_eq!(cs.commands_duration_seconds_total[1].1, 10e-6);
    }
}
