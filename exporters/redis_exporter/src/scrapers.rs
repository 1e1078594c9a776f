//! The exporter's three scrapers and its connect step (`redis_up`).
//!
//! Every scrape first reaches Redis ([`RedisConnect`]: the kept connection
//! answering `PING`, or a new one): `redis_up 1`, or `redis_up 0` and no scraper runs.
//! Then `info`, `keyspace` and `commandstats` each send their `INFO` over
//! that one multiplexed connection at once, each bounded by the scrape's
//! deadline.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use exporter_core::scrape::{
    scraper, Connect, ConnectContext, ScrapeContext, ScrapeError, Scrapers,
};
use redis::aio::MultiplexedConnection;

use crate::info::{CommandStats, Info, Keyspace};
use crate::target::{self, Address, Redis};

/// What every scraper of one scrape gets: a connection that has just
/// answered PING.
pub type Conn = MultiplexedConnection;

/// The connect step: the configured Redis on `/metrics`, the request's
/// target on `/probe` (already allowed by the probe's host list and
/// [`Address::parse`]); both authenticate with the password file's password.
#[derive(Debug)]
pub struct RedisConnect {
    configured: Option<Redis>,
    password: Option<String>,
    timeout: Duration,
}

impl RedisConnect {
    /// Connects to `addr` (lazily, at the first scrape) on `/metrics`;
    /// `timeout` bounds the connect and each command when the scrape brings
    /// no earlier deadline.
    pub fn new(
        addr: Option<&Address>,
        password: Option<String>,
        timeout: Duration,
    ) -> Result<Self, redis::RedisError> {
        let configured = addr
            .map(|a| Redis::new(&a.clone().with_password(password.as_deref())))
            .transpose()?;
        Ok(RedisConnect {
            configured,
            password,
            timeout,
        })
    }

    async fn reach(&self, redis: &Redis, ctx: &ConnectContext) -> Result<Conn, ScrapeError> {
        let timeout = ctx
            .time_left()
            .map_or(self.timeout, |left| left.min(self.timeout));
        ctx.within(redis.connect(timeout))
            .await?
            .map_err(ScrapeError::other)
    }
}

impl Connect<Conn> for RedisConnect {
    async fn connect(&self, ctx: &ConnectContext) -> Result<Conn, ScrapeError> {
        match ctx.target() {
            None => match &self.configured {
                Some(redis) => self.reach(redis, ctx).await,
                None => Err(ScrapeError::msg("no Redis configured (--redis.addr)")),
            },
            Some(target) => {
                // Checked by the probe's `validate` hook already; parsed again for the address.
                let addr = Address::parse(target).map_err(ScrapeError::other)?;
                let redis = Redis::new(&addr.with_password(self.password.as_deref()))
                    .map_err(ScrapeError::other)?;
                self.reach(&redis, ctx).await
            }
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `INFO [section]` on the scrape's connection, bounded by its deadline.
async fn info(ctx: &ScrapeContext<Conn>, section: Option<&str>) -> Result<String, ScrapeError> {
    let mut conn = ctx.target().clone();
    ctx.within(target::info(&mut conn, section))
        .await?
        .map_err(ScrapeError::other)
}

/// The scrapers, namespace `redis`, each on by default.
pub fn scrapers() -> Scrapers<Conn> {
    Scrapers::new("redis")
        .with(scraper(
            "info",
            "Collect INFO: clients, memory, stats, CPU and the replication role",
            |ctx: ScrapeContext<Conn>| async move {
                Ok(Info::parse(&info(&ctx, None).await?, unix_now()))
            },
        ))
        .with(scraper(
            "keyspace",
            "Collect INFO keyspace: keys and expiring keys per database",
            |ctx: ScrapeContext<Conn>| async move {
                Ok(Keyspace::parse(&info(&ctx, Some("keyspace")).await?))
            },
        ))
        .with(scraper(
            "commandstats",
            "Collect INFO commandstats: calls and time per command",
            |ctx: ScrapeContext<Conn>| async move {
                Ok(CommandStats::parse(
                    &info(&ctx, Some("commandstats")).await?,
                ))
            },
        ))
}

/// The `/probe` validate hook: a target must be a `redis://host:port` address
/// without a password (the host list is checked before this).
pub fn validate_target(target: &str) -> Result<(), String> {
    Address::parse(target).map(drop).map_err(|e| e.to_string())
}
