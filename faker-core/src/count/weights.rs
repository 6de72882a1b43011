//! Partition-weighted counts: parents in equal groups, each group with its share of children.

use rand::{Rng, RngExt};
use rand_distr::Distribution;

use super::CountDistribution;
use super::poisson::{check_rate, poisson};
use crate::Weights;
use crate::error::{ParamError, finite};

/// The original's threshold below which a local skew is treated as flat.
const FLAT_SKEW: f64 = 1.01;

/// A count whose per-parent rate is set by partition weights.
///
/// Parents are split into `k` equal partitions (`k` = number of weights); partition `p` gets
/// the share `w_p` of all children, so its parents average `mean * w_p * k` each. With
/// `[0.7, 0.2, 0.07, 0.03]` and `mean = 50`, the first quarter of parents averages 140
/// children, the last quarter 6.
///
/// Inside a partition the rate is not flat (the rule of the Python original): a parent at
/// local position `y` in `[0, 1)` gets `avg * (1-y)^s * (s+1)` with the local skew
/// `s = max(1, log2(w_{p-1} / w_p) + 1)`, the same one the many-to-one weighted pick uses.
/// This makes the first parents of a partition heavier than its last, softening the step
/// down from the previous, heavier partition. The factor averages to 1 over `y`, so each
/// partition keeps exactly its share. The first partition, a partition with weight 0, and any
/// local skew up to 1.01 use the flat rate `avg`. Finally the count is `Poisson(rate)`.
///
/// Partitions are picked by the parent's position, uniformly, not by weight: the weights
/// decide how many children a partition's parents get, not how many parents it has.
///
/// ```
/// use faker_core::count::{CountDistribution, WeightsCount};
/// use faker_core::{rng::seeded, Weights};
/// use rand_distr::Distribution;
///
/// let lines_per_order = WeightsCount::new(Weights::new([0.7, 0.2, 0.07, 0.03])?, 10.0)?;
/// let mut rng = seeded(4);
/// let n: u64 = lines_per_order.sample(&mut rng);
/// # let _ = n;
/// assert_eq!(lines_per_order.mean(), 10.0);
/// # Ok::<(), faker_core::ParamError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WeightsCount {
    weights: Weights,
    mean: f64,
    /// Per partition: the average rate `mean * w_p * k`.
    average: Box<[f64]>,
    /// Per partition: the local skew, or `None` where the rate is flat.
    local_skew: Box<[Option<f64>]>,
}

impl WeightsCount {
    /// Validates `mean`: finite, `>= 0`, and small enough that the largest per-parent rate
    /// stays within the Poisson sampler's limit (1.8e19).
    pub fn new(weights: Weights, mean: f64) -> Result<Self, ParamError> {
        let mean = finite("mean", mean)?;
        if mean < 0.0 {
            return Err(ParamError::Negative {
                param: "mean",
                value: mean,
            });
        }
        let w = weights.as_slice();
        let k = w.len() as f64;
        let average: Box<[f64]> = w.iter().map(|wp| mean * wp * k).collect();
        let local_skew: Box<[Option<f64>]> = w
            .iter()
            .enumerate()
            .map(|(p, &wp)| {
                if p == 0 || wp <= 0.0 {
                    return None;
                }
                let s = (libm::log2(w[p - 1] / wp) + 1.0).max(1.0);
                (s > FLAT_SKEW).then_some(s)
            })
            .collect();
        // The largest rate: a partition's average times its factor at y = 0, which is s + 1.
        let max_rate = average
            .iter()
            .zip(&local_skew)
            .map(|(avg, s)| avg * s.map_or(1.0, |s| s + 1.0))
            .fold(0.0, f64::max);
        check_rate(mean, max_rate)?;
        Ok(WeightsCount {
            weights,
            mean,
            average,
            local_skew,
        })
    }

    /// The (normalised) partition weights.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The rate of a parent at uniform position `u` in `[0, 1)`.
    #[inline]
    fn rate(&self, u: f64) -> f64 {
        let k = self.average.len();
        let scaled = u * k as f64;
        // `u < 1` keeps `p < k`; the `min` only guards the last bit of rounding.
        let p = (scaled as usize).min(k - 1);
        let avg = self.average[p];
        match self.local_skew[p] {
            Some(s) => {
                let local = (scaled - p as f64).clamp(0.0, 1.0);
                avg * libm::pow(1.0 - local, s) * (s + 1.0)
            }
            None => avg,
        }
    }
}

impl Distribution<u64> for WeightsCount {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let rate = self.rate(rng.random::<f64>());
        poisson(rate, rng)
    }
}

impl CountDistribution for WeightsCount {
    fn mean(&self) -> f64 {
        self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    const W: [f64; 4] = [0.7, 0.2, 0.07, 0.03];

    fn weights(w: &[f64]) -> Weights {
        Weights::new(w).unwrap()
    }

    #[test]
    fn validation() {
        let w = weights(&W);
        assert_eq!(
            WeightsCount::new(w.clone(), -2.0),
            Err(ParamError::Negative {
                param: "mean",
                value: -2.0
            })
        );
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                WeightsCount::new(w.clone(), bad),
                Err(ParamError::NotFinite { param: "mean", .. })
            ));
        }
        // Largest rate: 1e19 · 0.7 · 4 > 1.8e19.
        assert!(matches!(
            WeightsCount::new(w, 1e19),
            Err(ParamError::OutOfRange { param: "mean", .. })
        ));
    }

    #[test]
    fn local_skews_match_the_original() {
        let d = WeightsCount::new(weights(&W), 50.0).unwrap();
        let expected = [None, Some(2.807), Some(2.515), Some(2.222)];
        for (got, want) in d.local_skew.iter().zip(expected) {
            match (got, want) {
                (None, None) => {}
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-3, "{g} vs {w}"),
                _ => panic!("{got:?} vs {want:?}"),
            }
        }
        for (got, want) in d.average.iter().zip([140.0, 40.0, 14.0, 6.0]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn partition_shares_are_exact_in_the_rate() {
        // Midpoint rule per partition: each partition's rates sum to its weight's share.
        let d = WeightsCount::new(weights(&W), 50.0).unwrap();
        let per = 250_000;
        for (p, w) in W.iter().enumerate() {
            let avg = (0..per)
                .map(|i| d.rate((p as f64 + (i as f64 + 0.5) / per as f64) / 4.0))
                .sum::<f64>()
                / per as f64;
            assert!((avg / 4.0 / 50.0 - w).abs() < 1e-4, "partition {p}: {avg}");
        }
    }

    #[test]
    fn zero_weight_partition_gets_no_children() {
        let d = WeightsCount::new(weights(&[1.0, 0.0]), 50.0).unwrap();
        let mut rng = seeded(8);
        for _ in 0..1000 {
            let u: f64 = rng.random();
            let r = d.rate(u);
            assert_eq!(r, if u < 0.5 { 100.0 } else { 0.0 });
        }
    }

    #[test]
    fn equal_weights_are_plain_poisson_rate() {
        let d = WeightsCount::new(weights(&[1.0, 1.0, 1.0]), 7.0).unwrap();
        for i in 0..100 {
            assert!((d.rate(i as f64 / 100.0) - 7.0).abs() < 1e-12);
        }
    }

    /// Acceptance (reference §10.15): `[0.7, 0.2, 0.07, 0.03]` at mean 50 averages within ±2%
    /// (±1) of 50 over 200 000 draws.
    ///
    /// Per partition `E[e²] = avg²·(s+1)²/(2s+1)` (just `avg²` where flat), which over the
    /// four partitions gives `E[e²] ≈ 5 890`, `Var(e) ≈ 3 390`; with the Poisson noise the
    /// count's variance is about 3 440. The average of 200 000 draws then has standard
    /// deviation sqrt(3440/200k) = 0.13, so ±1 is over 7 standard deviations.
    #[test]
    fn acceptance_mean_50() {
        let d = WeightsCount::new(weights(&W), 50.0).unwrap();
        let mut rng = seeded(14);
        let n = 200_000;
        let total: u64 = (0..n).map(|_| d.sample(&mut rng)).sum();
        let avg = total as f64 / n as f64;
        println!("WeightsCount([0.7, 0.2, 0.07, 0.03], 50): average {avg:.4}");
        assert!((avg - 50.0).abs() <= 1.0, "average {avg}");
    }

    #[test]
    fn extreme_weights_spread_counts() {
        // Reference §2.10: extreme weights give max > 5·min (here min is 0 or close to it).
        let d = WeightsCount::new(weights(&[0.97, 0.01, 0.01, 0.01]), 50.0).unwrap();
        let mut rng = seeded(15);
        let xs: Vec<u64> = (0..1000).map(|_| d.sample(&mut rng)).collect();
        let max = xs.iter().copied().max().unwrap_or(0);
        let min = xs.iter().copied().min().unwrap_or(0);
        assert!(max > 5 * min.max(1), "min {min}, max {max}");
    }
}
