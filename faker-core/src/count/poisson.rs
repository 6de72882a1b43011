//! Poisson counts around a mean, and the Poisson draw the other count types share.

use rand::Rng;
use rand_distr::{Distribution, Poisson};

use super::CountDistribution;
use crate::error::{ParamError, finite};

/// The largest rate the Poisson sampler accepts (`rand_distr`'s limit, about 1.8e19).
pub(super) const MAX_RATE: f64 = Poisson::<f64>::MAX_LAMBDA;

/// Rejects a parameter set whose largest per-draw rate cannot be sampled.
///
/// `max_rate` is the largest rate the type can ever pass to [`poisson`]; checking it once in
/// `new` keeps sampling free of errors. It is also NaN or infinite when a huge skew overflowed.
pub(super) fn check_rate(mean: f64, max_rate: f64) -> Result<(), ParamError> {
    if max_rate.is_finite() && max_rate <= MAX_RATE {
        Ok(())
    } else {
        Err(ParamError::OutOfRange {
            param: "mean",
            value: mean,
            expected: "the largest per-parent rate (mean, times the skew factor) must not exceed \
                       1.8e19, the largest rate a Poisson draw supports",
        })
    }
}

/// One Poisson draw with rate `rate`; a rate of 0 (or below) gives 0.
///
/// The rate changes from draw to draw in [`SkewCount`](super::SkewCount) and
/// [`WeightsCount`](super::WeightsCount), so the sampler is built per draw; its setup is a few
/// logarithms, small next to the draw itself.
#[inline]
pub(super) fn poisson<R: Rng + ?Sized>(rate: f64, rng: &mut R) -> u64 {
    // No rate (or a NaN one), no children.
    if rate.is_nan() || rate <= 0.0 {
        return 0;
    }
    // Callers validate their largest rate with `check_rate`; the clamp only guards against
    // rounding in the last bit, so `Poisson::new` cannot fail below.
    match Poisson::new(rate.min(MAX_RATE)) {
        // Samples are whole numbers below 2^64 (rand_distr documents that the cast is exact).
        Ok(dist) => dist.sample(rng) as u64,
        Err(_) => 0,
    }
}

/// A Poisson-distributed count around `mean` (the count distributor with no skew).
///
/// Every parent gets `Poisson(mean)` children: the average is `mean`, the variance is `mean`
/// too, so at a mean of 50 nearly all parents get between 30 and 70.
///
/// The draw is `rand_distr`'s exact Poisson sampler at every rate (Knuth's multiplication
/// method below 12, Ahrens–Dieter rejection above). The Python original switched to a
/// rounded normal approximation above a rate of 30, which slightly misstates the tails and
/// the skewness; the exact sampler has neither problem. `mean = 0` always gives 0.
///
/// ```
/// use faker_core::count::{CountDistribution, PoissonCount};
/// use faker_core::rng::seeded;
/// use rand_distr::Distribution;
///
/// let comments = PoissonCount::new(4.0)?;
/// let mut rng = seeded(1);
/// let n: u64 = comments.sample(&mut rng);
/// assert!(n < 100);
/// assert_eq!(comments.mean(), 4.0);
/// assert!(PoissonCount::new(-1.0).is_err());
/// # Ok::<(), faker_core::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonCount {
    mean: f64,
    /// `None` for `mean == 0`, which `rand_distr` rejects but which simply means "no children".
    dist: Option<Poisson<f64>>,
}

impl PoissonCount {
    /// Validates `mean`: finite, `>= 0`, and at most 1.8e19.
    pub fn new(mean: f64) -> Result<Self, ParamError> {
        let mean = finite("mean", mean)?;
        if mean < 0.0 {
            return Err(ParamError::Negative {
                param: "mean",
                value: mean,
            });
        }
        check_rate(mean, mean)?;
        let dist = if mean > 0.0 {
            let dist = Poisson::new(mean).map_err(|_| ParamError::OutOfRange {
                param: "mean",
                value: mean,
                expected: "a rate the Poisson sampler accepts",
            })?;
            Some(dist)
        } else {
            None
        };
        Ok(PoissonCount { mean, dist })
    }
}

impl Distribution<u64> for PoissonCount {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match &self.dist {
            Some(dist) => dist.sample(rng) as u64,
            None => 0,
        }
    }
}

impl CountDistribution for PoissonCount {
    fn mean(&self) -> f64 {
        self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn validation() {
        assert_eq!(
            PoissonCount::new(-0.5),
            Err(ParamError::Negative {
                param: "mean",
                value: -0.5
            })
        );
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                PoissonCount::new(bad),
                Err(ParamError::NotFinite { param: "mean", .. })
            ));
        }
        assert!(matches!(
            PoissonCount::new(1e20),
            Err(ParamError::OutOfRange { param: "mean", .. })
        ));
        assert!(PoissonCount::new(0.0).is_ok());
        assert!(PoissonCount::new(MAX_RATE).is_ok());
    }

    #[test]
    fn zero_mean_gives_zero() {
        let d = PoissonCount::new(0.0).unwrap();
        let mut rng = seeded(5);
        assert!((0..1000).all(|_| d.sample(&mut rng) == 0));
        assert_eq!(d.mean(), 0.0);
    }

    #[test]
    fn shared_draw_handles_degenerate_rates() {
        let mut rng = seeded(5);
        assert_eq!(poisson(0.0, &mut rng), 0);
        assert_eq!(poisson(-3.0, &mut rng), 0);
        assert_eq!(poisson(f64::NAN, &mut rng), 0);
        // A rate above the limit is clamped rather than failing.
        assert!(poisson(f64::INFINITY, &mut rng) > 1_000_000_000);
    }

    /// Acceptance: 200 000 draws at mean 50 average within ±2% (±1) of 50.
    ///
    /// A Poisson(50) count has variance 50, so the average of 200 000 draws has standard
    /// deviation sqrt(50 / 200 000) = 0.016; ±1 is over 60 standard deviations, so the bound
    /// tests the sampler, not luck. The variance is checked too (sd of a sample variance of a
    /// Poisson(50) over 200k draws is about sqrt(2·50² / 200 000) = 0.16; ±2 is generous).
    #[test]
    fn acceptance_mean_50() {
        let d = PoissonCount::new(50.0).unwrap();
        let mut rng = seeded(2024);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng) as f64).collect();
        let avg = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - avg) * (x - avg)).sum::<f64>() / (n - 1) as f64;
        println!("PoissonCount(50): average {avg:.4}, variance {var:.3}");
        assert!((avg - 50.0).abs() <= 1.0, "average {avg}");
        assert!((var - 50.0).abs() <= 2.0, "variance {var}");
    }

    #[test]
    fn small_mean_is_exact_too() {
        // Mean 0.3: P(0) = e^-0.3 = 0.7408; sd of the share over 100k draws is 0.0014.
        let d = PoissonCount::new(0.3).unwrap();
        let mut rng = seeded(9);
        let n = 100_000;
        let zeros = (0..n).filter(|_| d.sample(&mut rng) == 0).count();
        let share = zeros as f64 / n as f64;
        assert!((share - libm::exp(-0.3)).abs() < 0.007, "P(0) {share}");
    }
}
