//! The descriptor rewrite of prefix and const-label wrapping (Go's
//! `WrapRegistererWithPrefix` and `WrapRegistererWith`).
//!
//! A wrapped collector writes its families under its own descriptors; while it
//! collects, the encoder rewrites each family it opens through the wrappings in
//! force, so the collector itself is unchanged. The wrapped collector and the
//! registerer live with the registry (`registry/wrap.rs`).

use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use hashbrown::HashTable;

use crate::desc::{Desc, DescError};
use crate::error::CollectError;

/// A prefix and const labels, with the descriptors rewritten so far.
pub(crate) struct Wrapping {
    prefix: String,
    labels: Vec<(String, String)>,
    hasher: hashbrown::DefaultHashBuilder,
    cache: Mutex<HashTable<CacheEntry>>,
}

/// `(hash, original name, original rendered const labels, wrapped)`.
type CacheEntry = (u64, String, Box<str>, Arc<Desc>);

impl std::fmt::Debug for Wrapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wrapping")
            .field("prefix", &self.prefix)
            .field("labels", &self.labels)
            .finish_non_exhaustive()
    }
}

impl Wrapping {
    pub(crate) fn new(prefix: String, labels: Vec<(String, String)>) -> Self {
        Wrapping {
            prefix,
            labels,
            hasher: hashbrown::DefaultHashBuilder::default(),
            cache: Mutex::new(HashTable::new()),
        }
    }

    fn hash(&self, desc: &Desc) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(desc.name().as_bytes());
        h.write_u8(0xff);
        h.write(desc.rendered().const_labels.as_bytes());
        h.finish()
    }

    /// `desc` with the prefix and labels applied; built once per descriptor.
    pub(crate) fn wrapped(&self, desc: &Desc) -> Result<Arc<Desc>, DescError> {
        let hash = self.hash(desc);
        // Entries are inserted whole: a panic cannot leave the table torn.
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let found = cache.find(hash, |e| {
            e.0 == hash && e.1 == desc.name() && *e.2 == *desc.rendered().const_labels
        });
        if let Some(e) = found {
            return Ok(Arc::clone(&e.3));
        }
        let wrapped = Arc::new(desc.wrapped(&self.prefix, &self.labels)?);
        cache.insert_unique(
            hash,
            (
                hash,
                desc.name().to_owned(),
                desc.rendered().const_labels.clone(),
                Arc::clone(&wrapped),
            ),
            |e| e.0,
        );
        Ok(wrapped)
    }
}

/// The wrappings in force while a wrapped collector collects (innermost
/// last), and the rewritten descriptors handed out during this scrape.
#[derive(Debug, Default)]
pub(crate) struct WrapStack {
    stack: Vec<Arc<Wrapping>>,
    arena: Vec<Arc<Desc>>,
}

impl WrapStack {
    /// Whether no wrapping is in force.
    pub(crate) fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    /// `desc` as the current wrappings rewrite it; `desc` itself when none is in force.
    #[inline]
    pub(crate) fn apply<'a>(&'a mut self, desc: &'a Desc) -> Result<&'a Desc, CollectError> {
        let Some((innermost, outer)) = self.stack.split_last() else {
            return Ok(desc);
        };
        let mut d = innermost.wrapped(desc).map_err(CollectError::other)?;
        for w in outer.iter().rev() {
            d = w.wrapped(&d).map_err(CollectError::other)?;
        }
        self.arena.push(d);
        Ok(self.arena.last().map_or(desc, |d| &**d))
    }

    pub(crate) fn push(&mut self, w: Arc<Wrapping>) {
        self.stack.push(w);
    }

    pub(crate) fn pop(&mut self) {
        self.stack.pop();
    }

    /// Drops wrappings a panicking collector left behind.
    pub(crate) fn reset(&mut self) {
        self.stack.clear();
    }

    /// Empties the stack and the rewritten descriptors, for another scrape.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn clear(&mut self) {
        self.stack.clear();
        self.arena.clear();
    }
}
