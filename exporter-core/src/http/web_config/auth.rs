//! `basic_auth_users`: bcrypt hashes checked on a blocking thread, a bounded number at
//! once, with the successful checks remembered.
//!
//! **Timing.** A request names a user and a password. A known user's password is
//! checked against their hash; an unknown user's against the hash of a known user
//! picked by a keyed hash of the name (the key is random per process). So an unknown
//! name costs what some real user costs, always the same one for the same name, and
//! unknown names fall in the same distribution as known ones: the time of an answer
//! does not tell whether the user exists. (exporter-toolkit checks unknown users against
//! one fixed cost-10 hash, which tells them apart from users of any other cost.)
//!
//! **Cost.** Hashes of a cost outside 4..=14 are refused at load: cost 14 takes about a
//! second per check on a current core, and each step doubles it, so a `$2y$31$` hash
//! would let anyone who knows the user name burn hours of CPU per attempt.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use base64::Engine as _;
use tokio::sync::Semaphore;

use super::Problem;

/// The bcrypt costs accepted at load.
pub const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=14;

/// Most credentials remembered as verified; the set is cleared when full.
const CACHE_LIMIT: usize = 1024;

/// How many bcrypt checks run at once in the process: half the cores, at least one
/// (exporter-toolkit runs one at a time). Others wait their turn.
static BCRYPT_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Semaphore::new((cores / 2).max(1))
});

/// Credentials that passed bcrypt, keyed by (user, hash, password): a changed or
/// removed hash no longer matches, so a revoked password stops working at once. It is
/// kept across re-reads of the file.
#[derive(Debug, Default)]
pub(crate) struct Verified(Mutex<HashSet<(String, String, String)>>);

/// The users of one version of the file.
pub(crate) struct BasicAuth {
    users: HashMap<String, String>,
    /// The users' hashes in name order: the stand-ins for unknown users.
    stand_ins: Vec<String>,
    pick: std::hash::RandomState,
    verified: Arc<Verified>,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

impl BasicAuth {
    /// Checks every hash (bcrypt, cost in [`BCRYPT_COSTS`]); the error names the user,
    /// never the hash.
    pub(crate) fn new(
        users: BTreeMap<String, String>,
        verified: Arc<Verified>,
    ) -> Result<Self, Problem> {
        for (user, hash) in &users {
            let parts = bcrypt::HashParts::from_str(hash).map_err(|_| {
                Problem::Invalid(format!(
                    "basic_auth_users: the password hash of user `{user}` is not a bcrypt hash"
                ))
            })?;
            let cost = parts.get_cost();
            if !BCRYPT_COSTS.contains(&cost) {
                return Err(Problem::Invalid(format!(
                    "basic_auth_users: the password hash of user `{user}` has bcrypt cost {cost}, outside {}..={} (each step doubles the time of a check; 14 is about a second)",
                    BCRYPT_COSTS.start(),
                    BCRYPT_COSTS.end()
                )));
            }
        }
        let stand_ins = users.values().cloned().collect();
        Ok(BasicAuth {
            users: users.into_iter().collect(),
            stand_ins,
            pick: std::hash::RandomState::new(),
            verified,
        })
    }

    /// Whether an `Authorization` header value grants access.
    pub(crate) async fn allows(self: &Arc<Self>, header: Option<&[u8]>) -> bool {
        let Some((user, password)) = header.and_then(parse_basic) else {
            return false;
        };
        let known = self.users.get(&user).cloned();
        let hash = match &known {
            Some(hash) => hash.clone(),
            None => {
                if self.stand_ins.is_empty() {
                    return false;
                }
                let i = (self.pick.hash_one(&user) % self.stand_ins.len() as u64) as usize;
                self.stand_ins[i].clone()
            }
        };
        let key = (user, hash, password);
        if known.is_some() && self.verified.contains(&key) {
            return true;
        }
        let Ok(_slot) = BCRYPT_SLOTS.acquire().await else {
            return false;
        };
        let verified = Arc::clone(&self.verified);
        tokio::task::spawn_blocking(move || {
            let matches = bcrypt::verify(&key.2, &key.1).unwrap_or(false);
            let ok = matches && known.is_some();
            if ok {
                verified.insert(key);
            }
            ok
        })
        .await
        .unwrap_or(false)
    }

    /// The cached part of [`allows`](Self::allows) alone: whether these credentials
    /// were verified before (the per-request cost of basic auth once warm).
    pub(crate) fn allows_cached(&self, header: &[u8]) -> Option<bool> {
        let (user, password) = parse_basic(header)?;
        let hash = self.users.get(&user)?.clone();
        Some(self.verified.contains(&(user, hash, password)))
    }
}

impl Verified {
    fn contains(&self, key: &(String, String, String)) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(key)
    }

    fn insert(&self, key: (String, String, String)) {
        let mut set = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if set.len() >= CACHE_LIMIT {
            set.clear();
        }
        set.insert(key);
    }
}

/// `Basic base64(user:password)` -> `(user, password)`, as Go's `Request.BasicAuth`
/// (scheme case-insensitive, standard base64 with padding, split at the first colon).
pub fn parse_basic(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?;
    let (scheme, value) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(u, h)| ((*u).to_owned(), (*h).to_owned()))
            .collect()
    }

    #[test]
    fn parses_basic_credentials() {
        assert_eq!(
            parse_basic(b"Basic YWxpY2U6czNjcjN0OndpdGg6Y29sb25z"),
            Some(("alice".to_owned(), "s3cr3t:with:colons".to_owned()))
        );
        assert_eq!(parse_basic(b"Bearer abc"), None);
        assert_eq!(parse_basic(b"Basic !!!"), None);
        assert_eq!(parse_basic(b"Basic"), None);
        assert_eq!(parse_basic(b"\xff\xfe"), None);
    }

    #[test]
    fn costs_outside_the_range_are_refused_naming_the_user() {
        for (cost, ok) in [(3, false), (4, true), (14, true), (15, false), (31, false)] {
            let hash =
                format!("$2y${cost:02}$abcdefghijklmnopqrstuuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            let result = BasicAuth::new(users(&[("bob", &hash)]), Arc::default());
            assert_eq!(result.is_ok(), ok, "cost {cost}");
            if let Err(e) = result {
                let message = e.to_string();
                assert!(message.contains("`bob`") && message.contains(&cost.to_string()));
                assert!(!message.contains(&hash), "{message}");
            }
        }
        let err = BasicAuth::new(users(&[("eve", "plaintext")]), Arc::default()).unwrap_err();
        assert!(err.to_string().contains("`eve`"));
    }

    #[tokio::test]
    async fn checks_and_caches_with_the_hash_in_the_key() {
        let old = bcrypt::hash("old", 4).unwrap();
        let new = bcrypt::hash("new", 4).unwrap();
        let verified = Arc::new(Verified::default());
        let header = |p: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("alice:{p}"))
            )
        };
        let auth =
            Arc::new(BasicAuth::new(users(&[("alice", &old)]), Arc::clone(&verified)).unwrap());
        assert!(auth.allows(Some(header("old").as_bytes())).await);
        assert_eq!(auth.allows_cached(header("old").as_bytes()), Some(true));
        assert!(!auth.allows(Some(header("new").as_bytes())).await);
        assert!(
            !auth.allows(Some(b"Basic Ym9iOm9sZA==")).await,
            "bob:old, unknown user"
        );
        // The password changes: the cache, shared with the new version, no longer matches.
        let auth = Arc::new(BasicAuth::new(users(&[("alice", &new)]), verified).unwrap());
        assert_eq!(auth.allows_cached(header("old").as_bytes()), Some(false));
        assert!(!auth.allows(Some(header("old").as_bytes())).await);
        assert!(auth.allows(Some(header("new").as_bytes())).await);
    }
}
