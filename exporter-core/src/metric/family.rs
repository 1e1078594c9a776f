//! [`Family`]: one instrument per set of label values.

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::{DefaultHashBuilder, HashTable};

use super::{Instrument, InstrumentOpts};
use crate::desc::MetricType;
use crate::encoding::FamilyEncoder;
use crate::error::CollectError;
use crate::field::{EncodeFamily, EncodeMetric};
use crate::labels::LabelSet;

/// A borrowed form of the label values `K` that finds a series without
/// building a `K`: `[&str; N]` for `[String; N]`, `(&str, &str)` for
/// `(String, String)`, and every `K` for itself.
///
/// The hash of a query must equal the hash of the key it matches, which holds
/// for these impls because `&str` hashes as `String` does.
pub trait LabelQuery<K>: Hash {
    /// Whether `key` holds the same label values.
    fn matches(&self, key: &K) -> bool;
    /// An owned key, built when the series is created.
    fn to_key(&self) -> K;
}

impl<K: Hash + Eq + Clone> LabelQuery<K> for K {
    #[inline]
    fn matches(&self, key: &K) -> bool {
        self == key
    }
    fn to_key(&self) -> K {
        self.clone()
    }
}

impl<const N: usize> LabelQuery<[String; N]> for [&str; N] {
    #[inline]
    fn matches(&self, key: &[String; N]) -> bool {
        self.iter().zip(key).all(|(a, b)| *a == b)
    }
    fn to_key(&self) -> [String; N] {
        self.map(str::to_owned)
    }
}

macro_rules! tuple_query {
    ($(($($i:tt $t:ident),+)),*) => {$(
        impl LabelQuery<($(tuple_query!(@owned $t),)+)> for ($(tuple_query!(@borrowed $t),)+) {
            #[inline]
            fn matches(&self, key: &($(tuple_query!(@owned $t),)+)) -> bool {
                true $(&& self.$i == key.$i)+
            }
            fn to_key(&self) -> ($(tuple_query!(@owned $t),)+) {
                ($(self.$i.to_owned(),)+)
            }
        }
    )*};
    (@owned $t:ident) => { String };
    (@borrowed $t:ident) => { &str };
}

tuple_query!((0 A), (0 A, 1 B), (0 A, 1 B, 2 C), (0 A, 1 B, 2 C, 3 D));

struct Series<K, M> {
    hash: u64,
    key: K,
    metric: Arc<M>,
}

/// Series in creation order, plus a hash index into them.
struct Table<K, M> {
    index: HashTable<usize>,
    series: Vec<Series<K, M>>,
}

/// A labelled family of instruments: Go's `CounterVec`, `HistogramVec`, ...
///
/// `K` is the label values of one series, with a fixed number of values: an
/// array `[String; N]`, a tuple, or a `#[derive(LabelSet)]` struct. `M` is the
/// instrument. A series is created on first use and kept until
/// [`remove`](Self::remove) or [`clear`](Self::clear); a scrape reports the
/// series in creation order.
///
/// Looking up an existing series takes a read lock, hashes the borrowed label
/// values and allocates nothing; only creating a series allocates.
///
/// # Example
///
/// ```
/// use exporter_core::metric::{Family, Histogram};
///
/// let latency = Family::<[String; 2], Histogram>::new_with(|| {
///     Histogram::with_buckets([0.1, 1.0]).unwrap_or_default()
/// });
/// latency.get_or_create(&["GET", "/"]).observe(0.05);
/// latency.with(&["GET", "/"], |h| h.observe(0.5));
/// assert_eq!(latency.get(&["GET", "/"]).map(|h| h.count()), Some(2));
/// assert!(latency.remove(&["GET", "/"]));
/// assert!(latency.is_empty());
/// ```
pub struct Family<K, M> {
    hasher: DefaultHashBuilder,
    table: RwLock<Table<K, M>>,
    make: Box<dyn Fn() -> M + Send + Sync>,
}

impl<K, M: Default + 'static> Default for Family<K, M> {
    fn default() -> Self {
        Self::new_with(M::default)
    }
}

impl<K, M> Family<K, M> {
    /// A family whose series are built with `make` (e.g. a histogram with
    /// custom buckets). Use [`Default`] for instruments built with `default()`.
    pub fn new_with(make: impl Fn() -> M + Send + Sync + 'static) -> Self {
        Family {
            hasher: DefaultHashBuilder::default(),
            table: RwLock::new(Table {
                index: HashTable::new(),
                series: Vec::new(),
            }),
            make: Box::new(make),
        }
    }

    // A panic while holding the lock cannot leave the table torn: every write
    // finishes its index and vector updates before anything that could panic.
    fn read(&self) -> RwLockReadGuard<'_, Table<K, M>> {
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Table<K, M>> {
        self.table.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of series.
    pub fn len(&self) -> usize {
        self.read().series.len()
    }

    /// Whether there are no series.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every series.
    pub fn clear(&self) {
        let mut t = self.write();
        t.index.clear();
        t.series.clear();
    }
}

impl<K: Hash, M> Family<K, M> {
    #[inline]
    fn find<Q: LabelQuery<K> + ?Sized>(t: &Table<K, M>, hash: u64, labels: &Q) -> Option<usize> {
        t.index
            .find(hash, |&i| {
                let s = &t.series[i];
                s.hash == hash && labels.matches(&s.key)
            })
            .copied()
    }

    /// The series for `labels`, created if it does not exist (Go's
    /// `WithLabelValues`). Keep the handle to skip the lookup on a hot path.
    pub fn get_or_create<Q: LabelQuery<K> + ?Sized>(&self, labels: &Q) -> Arc<M> {
        let hash = self.hasher.hash_one(labels);
        {
            let t = self.read();
            if let Some(i) = Self::find(&t, hash, labels) {
                return Arc::clone(&t.series[i].metric);
            }
        }
        let mut t = self.write();
        // Another thread may have created it between the two locks.
        if let Some(i) = Self::find(&t, hash, labels) {
            return Arc::clone(&t.series[i].metric);
        }
        let metric = Arc::new((self.make)());
        let i = t.series.len();
        let Table { index, series } = &mut *t;
        series.push(Series {
            hash,
            key: labels.to_key(),
            metric: Arc::clone(&metric),
        });
        index.insert_unique(hash, i, |&j| series[j].hash);
        metric
    }

    /// Runs `f` on the series for `labels`, created if it does not exist.
    ///
    /// For an existing series this takes a read lock and allocates nothing,
    /// and unlike [`get_or_create`](Self::get_or_create) it does not touch the
    /// series' reference count (a shared cache line under contention).
    #[inline]
    pub fn with<Q, R>(&self, labels: &Q, f: impl FnOnce(&M) -> R) -> R
    where
        Q: LabelQuery<K> + ?Sized,
    {
        let hash = self.hasher.hash_one(labels);
        {
            let t = self.read();
            if let Some(i) = Self::find(&t, hash, labels) {
                return f(&t.series[i].metric);
            }
        }
        f(&self.get_or_create(labels))
    }

    /// The series for `labels`, if it exists.
    pub fn get<Q: LabelQuery<K> + ?Sized>(&self, labels: &Q) -> Option<Arc<M>> {
        let hash = self.hasher.hash_one(labels);
        let t = self.read();
        Self::find(&t, hash, labels).map(|i| Arc::clone(&t.series[i].metric))
    }

    /// Removes the series for `labels`; returns whether it existed. Handles
    /// already given out keep working but are no longer reported.
    pub fn remove<Q: LabelQuery<K> + ?Sized>(&self, labels: &Q) -> bool {
        let hash = self.hasher.hash_one(labels);
        let mut t = self.write();
        let Table { index, series } = &mut *t;
        let Ok(entry) = index.find_entry(hash, |&i| {
            series[i].hash == hash && labels.matches(&series[i].key)
        }) else {
            return false;
        };
        let (i, _) = entry.remove();
        series.swap_remove(i);
        // The last series moved into slot `i`: repoint its index entry.
        if let Some(moved) = series.get(i) {
            let last = series.len();
            if let Some(slot) = index.find_mut(moved.hash, |&j| j == last) {
                *slot = i;
            }
        }
        true
    }
}

impl<K, M> fmt::Debug for Family<K, M>
where
    K: fmt::Debug,
    M: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.read();
        f.debug_map()
            .entries(t.series.iter().map(|s| (&s.key, &s.metric)))
            .finish()
    }
}

/// Series written per read lock of a family being encoded (see
/// `encode_family`): about 300 KiB of text at most between two chances to
/// stream.
const LOCKED_RUN: usize = 4096;

/// A family is a whole field: every series, each keyed by its label values.
impl<K, M> EncodeFamily for Family<K, M>
where
    K: LabelSet,
    M: EncodeMetric,
{
    const METRIC_TYPE: Option<MetricType> = M::METRIC_TYPE;
    const LABELS: Option<usize> = K::LEN;

    fn encode_family(&self, family: &mut FamilyEncoder<'_>) -> Result<(), CollectError> {
        // Keys are unique: no series of this family can repeat another, so
        // the scrape's duplicate check may skip hashing them.
        let keyed = family.check_mut().set_keyed(true);
        // A big family streams while it is written, and streaming may wait
        // for a slow client: never with the lock held, or a thread adding a
        // series (and, behind that writer, every reader) would wait too. So
        // the series go out in runs of `LOCKED_RUN` under the read lock, and
        // the stream may wait between runs. A series added meanwhile is
        // written if it lands after the runs so far; one removed meanwhile
        // may move the last series into the part already written, which then
        // misses this scrape (`remove` moves a not-yet-written series back,
        // never a written one forward, so none is written twice).
        let mut start = 0_usize;
        let result = loop {
            let (held, result, end, len) = {
                let t = self.read();
                if start == 0 {
                    // Before holding the stream back: the hint is sized by it.
                    family.reserve_series(t.series.len());
                }
                let held = family.hold_spill();
                let end = start.saturating_add(LOCKED_RUN).min(t.series.len());
                let run = t.series.get(start..end).unwrap_or_default();
                let result = M::encode_series(run.iter().map(|s| (&s.key, &*s.metric)), family);
                (held, result, end, t.series.len())
            };
            family.release_spill(held);
            if result.is_err() || end >= len {
                break result;
            }
            start = end;
        };
        family.check_mut().set_keyed(keyed);
        result
    }
}

impl<K, M> Instrument for Family<K, M>
where
    M: Instrument + 'static,
{
    fn from_opts(opts: &InstrumentOpts<'_>) -> Self {
        let buckets = opts.buckets.map(<[f64]>::to_vec);
        let objectives = opts.objectives.map(<[(f64, f64)]>::to_vec);
        let max_age = opts.max_age;
        let native = opts.native;
        Family::new_with(move || {
            M::from_opts(&InstrumentOpts {
                buckets: buckets.as_deref(),
                objectives: objectives.as_deref(),
                max_age,
                native,
            })
        })
    }
}
