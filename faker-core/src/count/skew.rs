//! Skewed counts: a power law over parents, then Poisson.

use rand::{Rng, RngExt};
use rand_distr::Distribution;

use super::CountDistribution;
use super::poisson::{check_rate, poisson};
use crate::Skew;
use crate::error::{ParamError, finite};

/// A count whose per-parent rate follows a power law: most parents get few children, a few
/// get very many, and the average stays `mean`.
///
/// Each draw picks `u` uniform in `[0, 1)` and the rate `e = mean * (1-u)^skew * (skew+1)`,
/// then returns `Poisson(e)`. Since `∫₀¹ (1-u)^s du = 1/(s+1)`, the rate averages exactly
/// `mean` whatever the skew, so `skew` only changes the spread: at `skew = 2`, `mean = 50`
/// about 7% of parents get no children at all while the top ones get well over 100.
/// `skew = 1` is plain [`PoissonCount`](super::PoissonCount) behaviour (no `u` is drawn).
///
/// The Python original also skipped the power law for skews up to 1.01; here any skew above
/// 1 uses it (the average is the same, the spread grows smoothly from the Poisson one).
///
/// ```
/// use faker_core::count::{CountDistribution, SkewCount};
/// use faker_core::{rng::seeded, Skew};
/// use rand_distr::Distribution;
///
/// let orders_per_customer = SkewCount::new(Skew::new(3.0)?, 20.0)?;
/// let mut rng = seeded(3);
/// let n: u64 = orders_per_customer.sample(&mut rng);
/// assert_eq!(orders_per_customer.mean(), 20.0);
/// # let _ = n;
/// assert!(SkewCount::new(Skew::new(2.0)?, -1.0).is_err());
/// # Ok::<(), faker_core::ParamError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkewCount {
    skew: Skew,
    mean: f64,
}

impl SkewCount {
    /// Validates `mean`: finite, `>= 0`, and `mean * (skew + 1)` (the largest rate) at most
    /// 1.8e19, the Poisson sampler's limit.
    pub fn new(skew: Skew, mean: f64) -> Result<Self, ParamError> {
        let mean = finite("mean", mean)?;
        if mean < 0.0 {
            return Err(ParamError::Negative {
                param: "mean",
                value: mean,
            });
        }
        check_rate(mean, mean * (skew.get() + 1.0))?;
        Ok(SkewCount { skew, mean })
    }

    /// The power-law exponent.
    pub fn skew(&self) -> Skew {
        self.skew
    }

    /// The rate of a parent at uniform position `u` in `[0, 1)`.
    #[inline]
    fn rate(&self, u: f64) -> f64 {
        let s = self.skew.get();
        self.mean * libm::pow(1.0 - u, s) * (s + 1.0)
    }
}

impl Distribution<u64> for SkewCount {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let rate = if self.skew.get() > 1.0 {
            self.rate(rng.random::<f64>())
        } else {
            self.mean
        };
        poisson(rate, rng)
    }
}

impl CountDistribution for SkewCount {
    fn mean(&self) -> f64 {
        self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    fn skew(s: f64) -> Skew {
        Skew::new(s).unwrap()
    }

    #[test]
    fn validation() {
        assert_eq!(
            SkewCount::new(skew(2.0), -1.0),
            Err(ParamError::Negative {
                param: "mean",
                value: -1.0
            })
        );
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                SkewCount::new(skew(2.0), bad),
                Err(ParamError::NotFinite { param: "mean", .. })
            ));
        }
        // The largest rate is mean·(skew+1): 1e19·3 is past the sampler's limit.
        assert!(matches!(
            SkewCount::new(skew(2.0), 1e19),
            Err(ParamError::OutOfRange { param: "mean", .. })
        ));
        // A skew so large that mean·(skew+1) overflows is caught too.
        assert!(matches!(
            SkewCount::new(skew(f64::MAX), 10.0),
            Err(ParamError::OutOfRange { param: "mean", .. })
        ));
        assert!(SkewCount::new(skew(2.0), 0.0).is_ok());
    }

    #[test]
    fn zero_mean_gives_zero() {
        let d = SkewCount::new(skew(2.0), 0.0).unwrap();
        let mut rng = seeded(1);
        assert!((0..1000).all(|_| d.sample(&mut rng) == 0));
    }

    #[test]
    fn rate_averages_to_mean() {
        // Midpoint rule over u: the rate's integral is exactly `mean`.
        for s in [1.5, 2.0, 3.0, 7.0] {
            let d = SkewCount::new(skew(s), 50.0).unwrap();
            let n = 1_000_000;
            let avg = (0..n)
                .map(|i| d.rate((i as f64 + 0.5) / n as f64))
                .sum::<f64>()
                / n as f64;
            assert!((avg - 50.0).abs() < 1e-3, "skew {s}: {avg}");
        }
    }

    /// Acceptance: 200 000 draws at mean 50 average within ±2% (±1) of 50 for skew 2 and 3.
    ///
    /// The count's variance is `mean + Var(e)` (Poisson noise plus the spread of the rate), with
    /// `E[e²] = mean²(s+1)²/(2s+1)`: 2 050 for skew 2 and 3 264 for skew 3. The average of
    /// 200 000 draws then has standard deviation sqrt(2050/200k) = 0.10 and
    /// sqrt(3264/200k) = 0.13, so ±1 is 7.8 or more standard deviations.
    #[test]
    fn acceptance_mean_50() {
        for (s, seed) in [(2.0, 11), (3.0, 12)] {
            let d = SkewCount::new(skew(s), 50.0).unwrap();
            let mut rng = seeded(seed);
            let n = 200_000;
            let total: u64 = (0..n).map(|_| d.sample(&mut rng)).sum();
            let avg = total as f64 / n as f64;
            println!("SkewCount(skew {s}, 50): average {avg:.4}");
            assert!((avg - 50.0).abs() <= 1.0, "skew {s}: average {avg}");
        }
    }

    /// Reference §10.15: skew 2, mean 50 gives no children to 7.2% ± 1% of parents.
    ///
    /// `P(0) = E[exp(-e)] = ∫₀¹ exp(-150 v²) dv ≈ ½·sqrt(π/150) = 0.0724`. The share over
    /// 200 000 draws has standard deviation sqrt(0.072·0.928/200k) = 0.0006.
    #[test]
    fn share_of_zero_counts() {
        let d = SkewCount::new(skew(2.0), 50.0).unwrap();
        let mut rng = seeded(13);
        let n = 200_000;
        let zeros = (0..n).filter(|_| d.sample(&mut rng) == 0).count();
        let p0 = zeros as f64 / n as f64;
        println!("SkewCount(skew 2, 50): P(0) = {p0:.4}");
        assert!((p0 - 0.072).abs() <= 0.01, "P(0) = {p0}");
    }

    #[test]
    fn higher_skew_spreads_more() {
        // skew 3 puts more parents at both ends: more zeros and a larger maximum.
        let stats = |s: f64| {
            let d = SkewCount::new(skew(s), 50.0).unwrap();
            let mut rng = seeded(21);
            let xs: Vec<u64> = (0..50_000).map(|_| d.sample(&mut rng)).collect();
            let zeros = xs.iter().filter(|&&x| x == 0).count();
            (zeros, xs.iter().copied().max().unwrap_or(0))
        };
        let (z1, m1) = stats(1.0);
        let (z3, m3) = stats(3.0);
        assert!(
            z3 > z1 && m3 > m1,
            "skew 1: {z1} zeros, max {m1}; skew 3: {z3}, {m3}"
        );
        assert!(m3 > 3 * 50);
    }
}
