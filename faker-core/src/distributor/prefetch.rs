//! Asking the processor for memory a later draw will read.
//!
//! A planned draw over a large pool reads its tables at random: at 200 000 slots each read is
//! a cache miss, and each waits for the one before it. Where the next draws' random numbers
//! are known ahead (see `counts`), their entries are fetched while earlier draws run.

/// Starts loading `items[at]` into the cache; nothing when `at` is out of bounds. A hint only:
/// it never faults and changes no result.
#[inline]
pub(crate) fn prefetch<T>(items: &[T], at: usize) {
    if let Some(item) = items.get(at) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `_mm_prefetch` only needs SSE, part of every x86_64 target; a prefetch
        // reads nothing into the program and cannot fault, and the address is a live
        // reference besides.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(item).cast::<i8>());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = item;
    }
}
