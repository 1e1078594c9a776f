//! The numbers a counter or gauge can hold, each stored in one atomic word.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::value::EncodeValue;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u64 {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

/// A number a [`Counter`](super::Counter) or [`Gauge`](super::Gauge) can hold:
/// `u64`, `i64` or `f64`. Sealed.
///
/// Integers use the hardware's atomic add; `f64` is stored as its bits in an
/// `AtomicU64` and added with a compare-and-swap loop, as Go does.
pub trait Atomic:
    sealed::Sealed + EncodeValue + Copy + PartialOrd + Debug + Send + Sync + 'static
{
    /// The atomic cell.
    #[doc(hidden)]
    type Cell: Debug + Send + Sync;

    /// A cell holding `v`.
    #[doc(hidden)]
    fn cell(v: Self) -> Self::Cell;
    /// Reads the cell.
    #[doc(hidden)]
    fn load(cell: &Self::Cell) -> Self;
    /// Overwrites the cell.
    #[doc(hidden)]
    fn store(cell: &Self::Cell, v: Self);
    /// Adds `v` (wrapping for integers).
    #[doc(hidden)]
    fn add(cell: &Self::Cell, v: Self);
    /// Subtracts `v` (wrapping for integers).
    #[doc(hidden)]
    fn sub(cell: &Self::Cell, v: Self);
    /// One, for `inc` and `dec`.
    #[doc(hidden)]
    const ONE: Self;
    /// Zero.
    #[doc(hidden)]
    const ZERO: Self;
}

impl Atomic for u64 {
    type Cell = AtomicU64;
    const ONE: Self = 1;
    const ZERO: Self = 0;

    #[inline]
    fn cell(v: Self) -> AtomicU64 {
        AtomicU64::new(v)
    }
    #[inline]
    fn load(cell: &AtomicU64) -> Self {
        cell.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(cell: &AtomicU64, v: Self) {
        cell.store(v, Ordering::Relaxed);
    }
    #[inline]
    fn add(cell: &AtomicU64, v: Self) {
        cell.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn sub(cell: &AtomicU64, v: Self) {
        cell.fetch_sub(v, Ordering::Relaxed);
    }
}

impl Atomic for i64 {
    type Cell = AtomicI64;
    const ONE: Self = 1;
    const ZERO: Self = 0;

    #[inline]
    fn cell(v: Self) -> AtomicI64 {
        AtomicI64::new(v)
    }
    #[inline]
    fn load(cell: &AtomicI64) -> Self {
        cell.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(cell: &AtomicI64, v: Self) {
        cell.store(v, Ordering::Relaxed);
    }
    #[inline]
    fn add(cell: &AtomicI64, v: Self) {
        cell.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn sub(cell: &AtomicI64, v: Self) {
        cell.fetch_sub(v, Ordering::Relaxed);
    }
}

impl Atomic for f64 {
    type Cell = AtomicU64;
    const ONE: Self = 1.0;
    const ZERO: Self = 0.0;

    #[inline]
    fn cell(v: Self) -> AtomicU64 {
        AtomicU64::new(v.to_bits())
    }
    #[inline]
    fn load(cell: &AtomicU64) -> Self {
        f64::from_bits(cell.load(Ordering::Relaxed))
    }
    #[inline]
    fn store(cell: &AtomicU64, v: Self) {
        cell.store(v.to_bits(), Ordering::Relaxed);
    }
    #[inline]
    fn add(cell: &AtomicU64, v: Self) {
        add_f64(cell, v);
    }
    #[inline]
    fn sub(cell: &AtomicU64, v: Self) {
        add_f64(cell, -v);
    }
}

/// Adds to an `f64` kept as bits, with a compare-and-swap loop.
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, v: f64) {
    // `fetch_update` retries until no other thread changed the cell in between;
    // the closure never returns `None`, so the result is always `Ok`.
    let _ = cell.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
        Some((f64::from_bits(bits) + v).to_bits())
    });
}
