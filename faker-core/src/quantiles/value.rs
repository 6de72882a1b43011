//! [`QuantileValue`]: what a type needs to be drawn between two histogram bounds, and its
//! implementations for the primitive numbers (the `chrono` ones are in `chrono.rs`).
//!
//! Integers (and dates and timestamps, which are integers of days or microseconds) are drawn
//! from the *half-open* bucket `[lo, hi)`, the last bucket of a histogram from the closed
//! `[lo, hi]`: every integer then belongs to exactly one bucket, so the share of values in each
//! bucket is the bucket's share, whatever the rounding (drawing a real number and rounding it
//! would put half of the edge values into the neighbouring bucket). Floats are drawn from
//! `[lo, hi]` (an edge is hit with probability ~0).

use std::fmt::Debug;

use rand::{Rng, RngExt};

/// A type whose values can be drawn uniformly inside one bucket of a [`Quantiles`] histogram.
///
/// Implemented for the integer types, `f32`, `f64` and, with the `chrono` feature,
/// `chrono::NaiveDate`, `chrono::NaiveDateTime` and `chrono::DateTime<Utc>`. For a domain
/// newtype, implement it by delegating to the inner type.
///
/// [`Quantiles`]: super::Quantiles
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be drawn from quantiles",
    note = "`quantiles` draws integers, `f32`, `f64` and, with the `chrono` feature of ddd-faker, \
            `NaiveDate`, `NaiveDateTime` and `DateTime<Utc>`; for a newtype, implement \
            `QuantileValue` by delegating to its inner value (an `Option` field cannot be drawn \
            from quantiles)"
)]
pub trait QuantileValue: Clone + PartialOrd + Debug {
    /// Why this value cannot be a bound (a float NaN or infinity), if it cannot.
    fn unusable(&self) -> Option<&'static str> {
        None
    }

    /// A value drawn uniformly from `[lo, hi)`, or from `[lo, hi]` when `closed`; `lo < hi`.
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self;
}

macro_rules! integers {
    ($($t:ty)*) => {$(
        impl QuantileValue for $t {
            #[inline]
            fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self {
                if closed {
                    rng.random_range(*lo..=*hi)
                } else {
                    rng.random_range(*lo..*hi)
                }
            }
        }
    )*};
}

integers!(i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 usize);

// rand draws no `isize` range; `isize` is at most 64 bits wide on every target Rust supports.
impl QuantileValue for isize {
    #[inline]
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self {
        let x = i64::uniform_in(&(*lo as i64), &(*hi as i64), closed, rng);
        x as isize
    }
}

impl QuantileValue for f64 {
    fn unusable(&self) -> Option<&'static str> {
        (!self.is_finite()).then_some("a bound must be a finite number")
    }

    #[inline]
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, _closed: bool, rng: &mut R) -> Self {
        let u: f64 = rng.random();
        // `lo + u * (hi - lo)` would overflow for bounds of opposite signs near f64::MAX; this
        // form cannot, and the clamp keeps rounding from stepping outside the bucket.
        (lo * (1.0 - u) + hi * u).clamp(*lo, *hi)
    }
}

impl QuantileValue for f32 {
    fn unusable(&self) -> Option<&'static str> {
        (!self.is_finite()).then_some("a bound must be a finite number")
    }

    #[inline]
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self {
        (f64::uniform_in(&f64::from(*lo), &f64::from(*hi), closed, rng) as f32).clamp(*lo, *hi)
    }
}
