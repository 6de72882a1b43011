//! `weights`: partition weights over the pool.
//!
//! Two readings of the same parameter live here:
//!
//! * **dynamic** ([`Weights::pick`]): the pool, in creation order, is cut into `k` equal
//!   partitions; partition `p` is chosen with probability `w_p`, and a position inside it is
//!   drawn with the *local skew* of the original library (biased towards the partition's end,
//!   `s_p = max(1, log2(w_{p-1}/w_p) + 1)`), which it uses to soften the step between partitions.
//! * **planned** ([`SmoothWeights`]): a continuous, non-increasing density on `[0, 1)` whose
//!   integral over the `p`-th `k`-th of the interval is exactly `w_p` (weights sorted in
//!   descending order). The local skew above cannot be used here: it makes the first values of a
//!   light partition heavier than the last values of the heavy partition before it, so ranking
//!   values by use count (what `ntile(4)` does on the production database) would mix partitions.

use rand::{Rng, RngExt};

use crate::error::{ParamError, finite};

/// Partition weights (`weights` in `#[distributor(..)]`), normalised to sum to 1.
///
/// ```
/// use faker_core::Weights;
/// let w = Weights::new([7.0, 2.0, 1.0]).unwrap(); // relative weights are normalised
/// assert_eq!(w.as_slice(), &[0.7, 0.2, 0.1]);
/// assert!(Weights::new([0.0, 0.0]).is_err());
/// assert!(Weights::new([]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Normalised weights in the order given.
    weights: Box<[f64]>,
    /// `cumulative[p]` = sum of `weights[..=p]`; the last entry is exactly 1.
    cumulative: Box<[f64]>,
    /// Local skew per partition for the dynamic pick (see the module docs).
    local_skew: Box<[f64]>,
}

impl Weights {
    /// Validates and normalises the weights: non-empty, finite, non-negative, not all zero.
    /// Relative weights are fine (`[7, 2, 1]` equals `[0.7, 0.2, 0.1]`).
    pub fn new(weights: impl AsRef<[f64]>) -> Result<Self, ParamError> {
        let raw = weights.as_ref();
        if raw.is_empty() {
            return Err(ParamError::EmptyWeights);
        }
        for (index, &w) in raw.iter().enumerate() {
            finite("weights", w)?;
            if w < 0.0 {
                return Err(ParamError::NegativeWeight { index, value: w });
            }
        }
        let total: f64 = raw.iter().sum();
        if total <= 0.0 {
            return Err(ParamError::AllWeightsZero);
        }
        let weights: Box<[f64]> = raw.iter().map(|w| w / total).collect();
        let cumulative = cumulative(&weights);
        let local_skew = weights
            .iter()
            .enumerate()
            .map(|(p, &w)| match p {
                0 => 1.0,
                _ if w <= 0.0 => 2.0, // never chosen; any valid value
                _ => (libm::log2(weights[p - 1] / w) + 1.0).max(1.0),
            })
            .collect();
        Ok(Weights {
            weights,
            cumulative,
            local_skew,
        })
    }

    /// The normalised weights, in the order given.
    pub fn as_slice(&self) -> &[f64] {
        &self.weights
    }

    /// Number of partitions.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Always false: empty weights are rejected by [`Weights::new`].
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Index of the partition a uniform `u` in `[0, 1)` falls into.
    #[inline]
    pub(crate) fn partition(&self, u: f64) -> usize {
        partition_of(&self.cumulative, u)
    }

    /// Dynamic pick over a pool of `n > 0` values in creation order (the original's rule).
    #[inline]
    pub(crate) fn pick<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> usize {
        let k = self.weights.len();
        let p = self.partition(rng.random::<f64>());
        let start = p * n / k;
        let end = (((p + 1) * n / k).max(start + 1)).min(n);
        let size = end - start;
        let s = self.local_skew[p];
        let li = if s == 1.0 {
            rng.random_range(0..size)
        } else {
            let u: f64 = rng.random();
            ((size as f64 * libm::pow(1.0 - u, s)) as usize).min(size - 1)
        };
        end - 1 - li
    }
}

fn cumulative(weights: &[f64]) -> Box<[f64]> {
    let mut acc = 0.0;
    let mut out: Box<[f64]> = weights
        .iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect();
    // Floating sums may end at 0.9999999; the last partition must catch every u < 1.
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

#[inline]
fn partition_of(cumulative: &[f64], u: f64) -> usize {
    // k is small (usually 4): a linear scan beats a binary search here.
    cumulative
        .iter()
        .position(|&c| u < c)
        .unwrap_or(cumulative.len() - 1)
}

/// How the density runs across one partition, from its left edge value `L` down to its right
/// edge value `R`, with the partition's mean height `h` (`R <= h <= L`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// The partition carries no weight.
    Empty,
    /// Constant `h` (used when `L == R`, or when `h` equals an edge so no decreasing curve fits;
    /// the density then steps at the partition boundary).
    Flat,
    /// `R + (L-R)(1-y)^b`, `b >= 1` (mean height in the lower half of `[R, L]`).
    Tail { b: f64 },
    /// `R + (L-R)(1-y^a)`, `a >= 1` (mean height in the upper half of `[R, L]`).
    Head { a: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    /// Mean height of the density over the partition (`k * w_p`).
    h: f64,
    left: f64,
    right: f64,
    shape: Shape,
}

impl Segment {
    fn new(h: f64, left: f64, right: f64) -> Segment {
        let shape = if h <= 0.0 {
            Shape::Empty
        } else if left - right <= 1e-12 * h {
            Shape::Flat
        } else {
            let gamma = (h - right) / (left - right);
            if !(1e-9..=1.0 - 1e-9).contains(&gamma) {
                Shape::Flat
            } else if gamma <= 0.5 {
                Shape::Tail {
                    b: 1.0 / gamma - 1.0,
                }
            } else {
                Shape::Head {
                    a: gamma / (1.0 - gamma),
                }
            }
        };
        Segment {
            h,
            left,
            right,
            shape,
        }
    }

    /// Fraction of this partition's mass below local position `y` in `[0, 1]`.
    fn cdf(&self, y: f64) -> f64 {
        let y = y.clamp(0.0, 1.0);
        match self.shape {
            Shape::Empty => 0.0,
            Shape::Flat => y,
            Shape::Tail { b } => {
                let g = (1.0 - libm::pow(1.0 - y, b + 1.0)) / (b + 1.0);
                (self.right * y + (self.left - self.right) * g) / self.h
            }
            Shape::Head { a } => {
                let g = y - libm::pow(y, a + 1.0) / (a + 1.0);
                (self.right * y + (self.left - self.right) * g) / self.h
            }
        }
    }

    /// Draws a local position in `[0, 1)`: a mixture of the flat floor `R` and the shape above it.
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u: f64 = rng.random();
        match self.shape {
            Shape::Empty | Shape::Flat => u,
            Shape::Tail { b } => {
                if u * self.h < self.right {
                    rng.random()
                } else {
                    let v: f64 = rng.random();
                    1.0 - libm::pow(1.0 - v, 1.0 / (b + 1.0))
                }
            }
            Shape::Head { a } => {
                if u * self.h < self.right {
                    rng.random()
                } else {
                    // Density ∝ 1 - y^a is Uniform(0, T) with T ~ Beta(a+1, 1).
                    let t = libm::pow(rng.random::<f64>(), 1.0 / (a + 1.0));
                    rng.random::<f64>() * t
                }
            }
        }
    }
}

/// The planned-mode reading of [`Weights`]: a smooth, non-increasing density on `[0, 1)`.
///
/// The weights are sorted in descending order and partition `p` covers `[p/k, (p+1)/k)`.
/// At each inner boundary the density takes the geometric mean of the two partitions' mean
/// heights; the outer edges continue linearly. Inside a partition the density falls from its
/// left edge value to its right edge value along a one-parameter curve chosen so that the
/// partition's integral is exactly its weight. The result is continuous wherever consecutive
/// weights differ, never increasing, and its partition sums equal the weights exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct SmoothWeights {
    segments: Box<[Segment]>,
    /// `before[p]` = total weight of partitions `0..p`.
    before: Box<[f64]>,
    cumulative: Box<[f64]>,
}

impl SmoothWeights {
    /// Builds the smooth law of `weights` (sorted in descending order).
    pub fn new(weights: &Weights) -> SmoothWeights {
        let mut w: Vec<f64> = weights.as_slice().to_vec();
        w.sort_by(|a, b| b.total_cmp(a));
        let k = w.len();
        let kf = k as f64;
        let h: Vec<f64> = w.iter().map(|w| w * kf).collect();
        let mut edge = vec![0.0; k + 1];
        for p in 1..k {
            edge[p] = (h[p - 1] * h[p]).sqrt();
        }
        if k == 1 {
            edge[0] = h[0];
            edge[1] = h[0];
        } else {
            edge[0] = 2.0 * h[0] - edge[1];
            edge[k] = (2.0 * h[k - 1] - edge[k - 1]).max(0.0);
        }
        let segments = (0..k)
            .map(|p| Segment::new(h[p], edge[p], edge[p + 1]))
            .collect();
        let mut before = Vec::with_capacity(k);
        let mut acc = 0.0;
        for wp in &w {
            before.push(acc);
            acc += wp;
        }
        SmoothWeights {
            segments,
            before: before.into(),
            cumulative: cumulative(&w),
        }
    }

    /// Share of the mass below position `x` in `[0, 1]`.
    pub fn cdf(&self, x: f64) -> f64 {
        if x >= 1.0 {
            return 1.0;
        }
        if x <= 0.0 {
            return 0.0;
        }
        let k = self.segments.len();
        let scaled = x * k as f64;
        let p = (scaled as usize).min(k - 1);
        let segment = &self.segments[p];
        let mass = segment.h / k as f64;
        (self.before[p] + mass * segment.cdf(scaled - p as f64)).min(1.0)
    }

    /// Draws a position in `[0, 1)`.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let p = partition_of(&self.cumulative, rng.random::<f64>());
        let y = self.segments[p].sample(rng);
        let x = (p as f64 + y) / self.segments.len() as f64;
        // Guard the half-open interval against rounding at y -> 1.
        x.min(1.0 - f64::EPSILON)
    }

    /// Density at `x` (for plots and tests).
    pub fn density(&self, x: f64) -> f64 {
        let k = self.segments.len();
        let scaled = (x.clamp(0.0, 1.0)) * k as f64;
        let p = (scaled as usize).min(k - 1);
        let y = scaled - p as f64;
        let s = &self.segments[p];
        match s.shape {
            Shape::Empty => 0.0,
            Shape::Flat => s.h,
            Shape::Tail { b } => s.right + (s.left - s.right) * libm::pow(1.0 - y, b),
            Shape::Head { a } => s.right + (s.left - s.right) * (1.0 - libm::pow(y, a)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const W: [f64; 4] = [0.7, 0.2, 0.07, 0.03];

    #[test]
    fn validation() {
        assert_eq!(Weights::new([]), Err(ParamError::EmptyWeights));
        assert_eq!(
            Weights::new([0.5, -0.1]),
            Err(ParamError::NegativeWeight {
                index: 1,
                value: -0.1
            })
        );
        assert_eq!(Weights::new([0.0, 0.0]), Err(ParamError::AllWeightsZero));
        assert!(matches!(
            Weights::new([f64::NAN]),
            Err(ParamError::NotFinite { .. })
        ));
        assert!(matches!(
            Weights::new([1.0, f64::INFINITY]),
            Err(ParamError::NotFinite { .. })
        ));
    }

    #[test]
    fn local_skew_matches_the_original() {
        let w = Weights::new(W).unwrap();
        let expected = [1.0, 2.807, 2.515, 2.222];
        for (got, want) in w.local_skew.iter().zip(expected) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
    }

    #[test]
    fn smooth_partition_sums_equal_weights() {
        for weights in [
            vec![0.7, 0.2, 0.07, 0.03],
            vec![0.25, 0.25, 0.25, 0.25],
            vec![0.5, 0.25, 0.25],
            vec![0.999, 0.001],
            vec![0.9, 0.1, 0.0, 0.0],
            vec![0.1, 0.2, 0.3, 0.4], // sorted internally
            vec![1.0],
        ] {
            let w = Weights::new(&weights).unwrap();
            let law = SmoothWeights::new(&w);
            let mut sorted = w.as_slice().to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let k = sorted.len() as f64;
            for (p, want) in sorted.iter().enumerate() {
                let got = law.cdf((p as f64 + 1.0) / k) - law.cdf(p as f64 / k);
                assert!(
                    (got - want).abs() < 1e-12,
                    "{weights:?} p={p}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn smooth_density_never_increases() {
        for weights in [
            vec![0.7, 0.2, 0.07, 0.03],
            vec![0.5, 0.25, 0.25],
            vec![0.6, 0.3, 0.1],
        ] {
            let law = SmoothWeights::new(&Weights::new(&weights).unwrap());
            let mut prev = f64::INFINITY;
            for i in 0..=10_000 {
                let d = law.density(i as f64 / 10_000.0);
                assert!(d <= prev + 1e-9, "{weights:?} rises at {i}: {prev} -> {d}");
                prev = d;
            }
            // and the cdf is non-decreasing and concave on a grid
            let mut last = 0.0;
            for i in 0..=1000 {
                let c = law.cdf(i as f64 / 1000.0);
                assert!(c + 1e-12 >= last);
                last = c;
            }
        }
    }

    #[test]
    fn smooth_sampling_follows_cdf() {
        // 200k draws: each partition share has sd <= sqrt(0.25/200k) ~ 0.0011, so 0.005 is
        // more than four standard deviations.
        let law = SmoothWeights::new(&Weights::new(W).unwrap());
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut bins = [0usize; 8];
        let n = 200_000;
        for _ in 0..n {
            let x = law.sample(&mut rng);
            assert!((0.0..1.0).contains(&x));
            bins[(x * 8.0) as usize] += 1;
        }
        for (i, &c) in bins.iter().enumerate() {
            let want = law.cdf((i + 1) as f64 / 8.0) - law.cdf(i as f64 / 8.0);
            let got = c as f64 / n as f64;
            assert!((got - want).abs() < 0.005, "bin {i}: {got} vs {want}");
        }
    }

    #[test]
    fn dynamic_pick_on_a_static_pool_reproduces_weights() {
        // Reference §10.2: fixed n = 1000, 100k draws, quarters within ±0.01 of the weights.
        let w = Weights::new(W).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut quarters = [0usize; 4];
        for _ in 0..100_000 {
            let i = w.pick(1000, &mut rng);
            quarters[i / 250] += 1;
        }
        for (q, want) in quarters.iter().zip(W) {
            assert!((*q as f64 / 100_000.0 - want).abs() < 0.01);
        }
    }

    proptest::proptest! {
        /// For any valid weights: the smooth law's partition sums equal the sorted weights,
        /// its density never increases, and sampled positions stay in [0, 1).
        #[test]
        fn smooth_law_holds_for_any_weights(
            raw in proptest::collection::vec(0.0f64..100.0, 1..12),
            seed in 0u64..1000,
        ) {
            proptest::prop_assume!(raw.iter().sum::<f64>() > 1e-6);
            let w = Weights::new(&raw).unwrap();
            let law = SmoothWeights::new(&w);
            let mut sorted = w.as_slice().to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let k = sorted.len() as f64;
            for (p, want) in sorted.iter().enumerate() {
                let got = law.cdf((p as f64 + 1.0) / k) - law.cdf(p as f64 / k);
                proptest::prop_assert!((got - want).abs() < 1e-9, "p={} {} vs {}", p, got, want);
            }
            let mut prev = f64::INFINITY;
            for i in 0..=2000 {
                let d = law.density(i as f64 / 2000.0);
                proptest::prop_assert!(d <= prev * (1.0 + 1e-9) + 1e-12, "rises at {}", i);
                proptest::prop_assert!(d >= 0.0);
                prev = d;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..200 {
                let x = law.sample(&mut rng);
                proptest::prop_assert!((0.0..1.0).contains(&x));
            }
        }
    }
}
