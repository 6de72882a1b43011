//! `skew`: a power law over the pool in creation order.

use crate::error::{ParamError, finite};

/// Power-law exponent (`skew` in `#[distributor(..)]`).
///
/// A draw over a pool of `n` values picks `floor(n * (1 - u)^skew)` with `u` uniform in
/// `[0, 1)`, so the first fraction `x` of the pool receives `x^(1/skew)` of the draws:
/// `skew = 1` is uniform, `skew = 2` gives the first quarter half of the draws, `skew = 3`
/// gives it 63%. In Zipf terms (`count ∝ rank^-alpha`), `alpha = 1 - 1/skew`.
///
/// ```
/// use faker_core::Skew;
/// let s = Skew::new(2.0).unwrap();
/// assert!((s.share_of_first(0.25) - 0.5).abs() < 1e-12);
/// assert!(Skew::new(0.5).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Skew(f64);

impl Skew {
    /// Uniform.
    pub const UNIFORM: Skew = Skew(1.0);

    /// Validates `skew >= 1` and finite.
    pub fn new(skew: f64) -> Result<Self, ParamError> {
        let skew = finite("skew", skew)?;
        if skew < 1.0 {
            return Err(ParamError::SkewBelowOne { value: skew });
        }
        Ok(Skew(skew))
    }

    /// The exponent.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The Zipf exponent of the same law: `1 - 1/skew`.
    pub fn alpha(self) -> f64 {
        1.0 - 1.0 / self.0
    }

    /// Share of draws that land in the first fraction `x` (0..=1) of the pool: `x^(1/skew)`.
    pub fn share_of_first(self, x: f64) -> f64 {
        libm::pow(x.clamp(0.0, 1.0), 1.0 / self.0)
    }

    /// Maps a uniform `u` in `[0, 1)` to a position in `[0, 1)` under this law.
    #[inline]
    pub(crate) fn position(self, u: f64) -> f64 {
        libm::pow(1.0 - u, self.0)
    }
}
