//! Which Redis to talk to, and the connection kept to it between scrapes.
//!
//! Addresses are `redis://host:port[/db]` or `host:port`, as redis_exporter
//! takes them. A password is never part of an address (it would show in the
//! process list, in Prometheus's configuration and in logs): it comes from
//! `--redis.password-file`, and an address that carries one is refused.

use std::path::Path;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, ConnectionInfo, IntoConnectionInfo, RedisError};
use tokio::sync::Mutex;

/// Why a Redis address or password could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Not a `redis://host:port` URL.
    #[error("invalid Redis address {addr:?}: {reason}")]
    InvalidAddress {
        /// The address as given.
        addr: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The address carries a password; use `--redis.password-file`.
    #[error(
        "the Redis address {addr:?} carries a password; put it in --redis.password-file instead"
    )]
    PasswordInAddress {
        /// The address, without its password.
        addr: String,
    },
    /// `--probe.allow-host` does not list the host.
    #[error("target host {host:?} is not in --probe.allow-host")]
    HostNotAllowed {
        /// The host of the refused target.
        host: String,
    },
    /// The password file could not be read.
    #[error("cannot read the password file {path}: {source}")]
    PasswordFile {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The password file holds no password.
    #[error("the password file {path} is empty")]
    EmptyPasswordFile {
        /// The file.
        path: String,
    },
}

/// A checked Redis address: scheme `redis`, a host, no password.
#[derive(Debug, Clone)]
pub struct Address {
    info: ConnectionInfo,
    host: String,
}

impl Address {
    /// Parses `redis://host:port[/db]` or `host:port` without any name lookup.
    ///
    /// ```
    /// use redis_exporter::target::{Address, TargetError};
    ///
    /// assert_eq!(Address::parse("cache.internal:6379")?.host(), "cache.internal");
    /// assert!(matches!(
    ///     Address::parse("redis://:secret@cache.internal:6379"),
    ///     Err(TargetError::PasswordInAddress { .. })
    /// ));
    /// # Ok::<(), TargetError>(())
    /// ```
    pub fn parse(addr: &str) -> Result<Self, TargetError> {
        let invalid = |reason| TargetError::InvalidAddress {
            addr: addr.to_owned(),
            reason,
        };
        let with_scheme = if addr.contains("://") {
            addr.to_owned()
        } else {
            format!("redis://{addr}")
        };
        let url = redis::parse_redis_url(&with_scheme).ok_or_else(|| invalid("not a URL"))?;
        if url.scheme() != "redis" {
            return Err(invalid(
                "only redis:// is supported (this build has no TLS)",
            ));
        }
        if url.password().is_some() {
            let mut shown = url.clone();
            // Cannot fail: the URL has a host (it had a password).
            let _ = shown.set_password(None);
            return Err(TargetError::PasswordInAddress {
                addr: shown.to_string(),
            });
        }
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']').to_owned(),
            _ => return Err(invalid("no host")),
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("query strings are not supported"));
        }
        let info = url
            .into_connection_info()
            .map_err(|_| invalid("not a Redis URL"))?;
        Ok(Address { info, host })
    }

    /// The host, as written (no lookup has been made).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Refuses a host that `allowed` does not list (case-insensitive); an
    /// empty list allows every host.
    pub fn check_allowed(&self, allowed: &[String]) -> Result<(), TargetError> {
        if allowed.is_empty() || allowed.iter().any(|a| a.eq_ignore_ascii_case(&self.host)) {
            Ok(())
        } else {
            Err(TargetError::HostNotAllowed {
                host: self.host.clone(),
            })
        }
    }

    /// The same address, authenticating with `password`.
    #[must_use]
    pub fn with_password(mut self, password: Option<&str>) -> Self {
        if let Some(pw) = password {
            let settings = self.info.redis_settings().clone().set_password(pw);
            self.info = self.info.set_redis_settings(settings);
        }
        self
    }
}

/// Reads a password file: its first line, without the line end. (The whole
/// file is the password when it has one line, which is how
/// `redis_exporter --redis.password-file` files are usually written.)
pub fn read_password_file(path: &Path) -> Result<String, TargetError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| TargetError::PasswordFile {
        path: shown.clone(),
        source,
    })?;
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(TargetError::EmptyPasswordFile { path: shown });
    }
    Ok(line.to_owned())
}

/// One Redis server, with a multiplexed connection kept between scrapes.
///
/// Each scrape asks for the connection with [`connect`](Redis::connect),
/// which PINGs it (the `redis_up` check) and makes a new one when the old is
/// broken, so a restarted Redis is picked up at the next scrape.
#[derive(Debug)]
pub struct Redis {
    client: Client,
    kept: Mutex<Option<MultiplexedConnection>>,
}

impl Redis {
    /// A Redis at `addr`; nothing is connected until the first scrape.
    pub fn new(addr: &Address) -> Result<Self, RedisError> {
        Ok(Redis {
            client: Client::open(addr.info.clone())?,
            kept: Mutex::new(None),
        })
    }

    /// A connection that has just answered PING, within `timeout` for the
    /// connect and for each command.
    ///
    /// The kept connection is cloned out of the lock and sent `PING` outside it,
    /// so concurrent scrapes share it without waiting for each other; only
    /// making a new connection holds the lock.
    pub async fn connect(&self, timeout: Duration) -> Result<MultiplexedConnection, RedisError> {
        let kept = self.kept.lock().await.clone();
        if let Some(mut conn) = kept {
            conn.set_response_timeout(timeout);
            if ping(&mut conn).await.is_ok() {
                return Ok(conn);
            }
        }
        let mut kept = self.kept.lock().await;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let connected = async {
            let mut conn = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            ping(&mut conn).await?;
            Ok::<_, RedisError>(conn)
        }
        .await;
        match connected {
            Ok(conn) => {
                *kept = Some(conn.clone());
                Ok(conn)
            }
            Err(e) => {
                // A broken connection is not kept for the next scrape to PING again.
                *kept = None;
                Err(e)
            }
        }
    }
}

async fn ping(conn: &mut MultiplexedConnection) -> Result<(), RedisError> {
    redis::cmd("PING")
        .query_async::<String>(conn)
        .await
        .map(drop)
}

/// `INFO [section]` on `conn`.
pub async fn info(
    conn: &mut MultiplexedConnection,
    section: Option<&str>,
) -> Result<String, RedisError> {
    let mut cmd = redis::cmd("INFO");
    if let Some(s) = section {
        cmd.arg(s);
    }
    cmd.query_async::<String>(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Address::parse("localhost:6379").unwrap().host(),
            "localhost"
        );
        assert_eq!(
            Address::parse("redis://127.0.0.1:7000/2").unwrap().host(),
            "127.0.0.1"
        );
        assert_eq!(Address::parse("redis://[::1]:7000").unwrap().host(), "::1");
        for bad in [
            "rediss://h:1",
            "http://h:1",
            "redis://",
            "redis://h:1?x=1",
            "redis://h:notaport",
            "::::",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad} accepted");
        }
        let err = Address::parse("redis://:hunter2@h:1")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("password-file"), "{err}");
    }

    #[test]
    fn allow_list_before_any_lookup() {
        let a = Address::parse("redis://Cache.Internal:6379").unwrap();
        assert!(a.check_allowed(&[]).is_ok());
        assert!(a.check_allowed(&["cache.internal".into()]).is_ok());
        assert!(matches!(
            a.check_allowed(&["other".into()]),
            Err(TargetError::HostNotAllowed { .. })
        ));
    }
}
