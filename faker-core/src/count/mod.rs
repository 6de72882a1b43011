//! One-to-many count distributors: how many children a parent gets.
//!
//! Each type here is a small, validated distribution over non-negative counts, in the style of
//! `rand_distr`: build it with a `new(..)` that returns a [`ParamError`](crate::ParamError) for
//! unusable parameters, then draw counts with [`Distribution::sample`]. Every type also tells
//! the mean it aims at through [`CountDistribution::mean`], so callers can plan sizes
//! (a parent table of `n` rows gets about `n * mean` children).
//!
//! | type | the count is |
//! |---|---|
//! | [`PoissonCount`] | Poisson around a mean |
//! | [`SkewCount`] | Poisson around a power-law rate: a few parents get very many children |
//! | [`WeightsCount`] | Poisson around a per-parent rate set by partition weights |
//! | [`RangeCount`] | an integer in `min..=max` with a weight per value |
//! | [`Rescaled`] | any continuous `rand_distr` law, rescaled to a target mean and rounded |
//!
//! The counts are drawn independently per parent; nothing here keeps state between draws.
//!
//! Reproducibility: the same seed gives the same counts. The float math in this module goes
//! through `libm`; `rand_distr` does its own through `num-traits`, which also uses `libm` as
//! long as nobody enables `num-traits/std` (or `rand_distr/std_math`) in the build. (The
//! `proptest` dev-dependency does enable it, so only test builds use the platform's math.)
//!
//! ```
//! use faker_core::count::{CountDistribution, SkewCount};
//! use faker_core::{rng::seeded, Skew};
//! use rand_distr::Distribution;
//!
//! let books_per_author = SkewCount::new(Skew::new(2.0)?, 50.0)?;
//! let mut rng = seeded(7);
//! let counts: Vec<u64> = (0..1000).map(|_| books_per_author.sample(&mut rng)).collect();
//! let average = counts.iter().sum::<u64>() as f64 / counts.len() as f64;
//! assert!((average - books_per_author.mean()).abs() < 10.0);
//! # Ok::<(), faker_core::ParamError>(())
//! ```

mod poisson;
mod range;
mod rescaled;
mod skew;
mod weights;

pub use poisson::PoissonCount;
pub use range::RangeCount;
pub use rescaled::Rescaled;
pub use skew::SkewCount;
pub use weights::WeightsCount;

use rand_distr::Distribution;

/// A distribution of child counts that knows the mean it aims at.
///
/// The mean is the *configured* expectation (the `mean` a user wrote, or the exact weighted
/// mean of a [`RangeCount`]); a sample average converges to it. For [`Rescaled`] the rounding
/// to whole numbers can move the true expectation by a fraction of one child, see its docs.
pub trait CountDistribution: Distribution<u64> {
    /// The expected count per parent.
    fn mean(&self) -> f64;
}

impl<T: CountDistribution + ?Sized> CountDistribution for &T {
    fn mean(&self) -> f64 {
        (**self).mean()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;
    use crate::{Skew, Weights};

    fn draws<D: Distribution<u64>>(dist: &D, seed: u64, n: usize) -> Vec<u64> {
        let mut rng = seeded(seed);
        (0..n).map(|_| dist.sample(&mut rng)).collect()
    }

    /// The same seed must give the same sequence for every count type (reproducible data
    /// sets are a promise of the project), and a different seed a different one.
    #[test]
    fn same_seed_same_sequence() {
        fn check<D: Distribution<u64>>(dist: &D) {
            let a = draws(dist, 42, 500);
            let b = draws(dist, 42, 500);
            let c = draws(dist, 43, 500);
            assert_eq!(a, b);
            assert_ne!(a, c);
        }
        check(&PoissonCount::new(50.0).unwrap());
        check(&SkewCount::new(Skew::new(2.0).unwrap(), 50.0).unwrap());
        check(&WeightsCount::new(Weights::new([0.7, 0.2, 0.07, 0.03]).unwrap(), 50.0).unwrap());
        check(&RangeCount::linear_decay(0, 20).unwrap());
        check(&RangeCount::uniform(0, 20).unwrap());
        check(&Rescaled::exponential(50.0).unwrap());
    }

    #[test]
    fn trait_mean_through_a_reference() {
        fn mean_of<D: CountDistribution>(d: D) -> f64 {
            d.mean()
        }
        // A borrowed distribution is a distribution too (as with rand's `&D`).
        let w = WeightsCount::new(Weights::new([3.0, 1.0]).unwrap(), 3.5).unwrap();
        let borrowed: &WeightsCount = &w;
        assert_eq!(mean_of(borrowed), 3.5);
        assert_eq!(w.mean(), 3.5);
    }
}
