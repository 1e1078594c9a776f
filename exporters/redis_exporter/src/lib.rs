//! A Redis exporter on exporter-core: the `info`, `keyspace` and
//! `commandstats` scrapers, `redis_up`, and `/probe` for many Redis servers
//! from one exporter. Metric names are
//! `oliver006/redis_exporter`'s.
//!
//! The binary (`src/main.rs`) wires these into the exporter runtime; the
//! library half exists so that the parsing and the connection rules can be
//! tested without a server.

pub mod info;
pub mod scrapers;
pub mod target;

pub use info::{CommandStats, Info, InstanceInfo, Keyspace};
pub use target::{Redis, TargetError};
