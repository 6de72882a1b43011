//! Laws: how draws spread over a pool of values kept in creation order.
//!
//! A [`Law`] is read in two ways. In *dynamic* mode it picks an index in a pool of `n` values
//! that grows while drawing ([`Law::pick`]). In *planned* mode (the number of draws is known in
//! advance) it is a continuous distribution of positions in `[0, 1)` over a fixed number of
//! slots ([`PlannedLaw`]); its cumulative function lets the planner compute every slot's
//! probability exactly.

mod skew;
mod top;
mod weights;

pub use skew::Skew;
pub use top::Top;
pub use weights::{SmoothWeights, Weights};

use rand::{Rng, RngExt};

/// How draws spread over the values of a pool.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Law {
    /// Every value equally likely.
    #[default]
    Uniform,
    /// Power law over creation order: see [`Skew`].
    Skew(Skew),
    /// Partition weights: see [`Weights`].
    Weights(Weights),
}

impl Law {
    /// Picks an index in `0..n` (`n > 0`) for a dynamic draw.
    #[inline]
    pub fn pick<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> usize {
        debug_assert!(n > 0);
        match self {
            Law::Uniform => rng.random_range(0..n),
            Law::Skew(s) => ((n as f64 * s.position(rng.random())) as usize).min(n - 1),
            Law::Weights(w) => w.pick(n, rng),
        }
    }

    /// The continuous law used by planned mode.
    pub fn planned(&self) -> PlannedLaw {
        match self {
            Law::Uniform => PlannedLaw::Uniform,
            Law::Skew(s) if s.get() == 1.0 => PlannedLaw::Uniform,
            Law::Skew(s) => PlannedLaw::Skew(*s),
            Law::Weights(w) => PlannedLaw::Smooth(SmoothWeights::new(w)),
        }
    }
}

impl From<Skew> for Law {
    fn from(s: Skew) -> Law {
        Law::Skew(s)
    }
}

impl From<Weights> for Law {
    fn from(w: Weights) -> Law {
        Law::Weights(w)
    }
}

/// A law as a distribution of positions in `[0, 1)`, non-increasing in position.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedLaw {
    /// Constant density.
    Uniform,
    /// Density `∝ x^(1/skew - 1)`, cumulative `x^(1/skew)`.
    Skew(Skew),
    /// Smooth partition weights.
    Smooth(SmoothWeights),
}

impl PlannedLaw {
    /// Share of draws that land below position `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            PlannedLaw::Uniform => x.clamp(0.0, 1.0),
            PlannedLaw::Skew(s) => s.share_of_first(x),
            PlannedLaw::Smooth(w) => w.cdf(x),
        }
    }

    /// Draws a position in `[0, 1)` (inverse-transform sampling, O(1), no allocation).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            PlannedLaw::Uniform => rng.random(),
            PlannedLaw::Skew(s) => s.position(rng.random()),
            PlannedLaw::Smooth(w) => w.sample(rng),
        }
    }
}
