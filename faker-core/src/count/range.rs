//! Weighted integer ranges: a count in `min..=max` with a weight per value.

use rand::{Rng, RngExt};
use rand_distr::Distribution;

use super::CountDistribution;
use crate::error::{ParamError, finite};

/// A count drawn from `min..=max`, each value with its own weight.
///
/// Use it when the business rule is a range ("an order has 1 to 5 lines, mostly 1"). Counts
/// are never negative, so `min` must be `>= 0`; `min > max` is an empty range and an error.
///
/// [`RangeCount::new`] fits the given weights to the `max - min + 1` values the way the Python
/// original does:
///
/// * no weights (an empty slice), or all weights equal: uniform;
/// * more weights than values: the extra weights are dropped;
/// * a single weight: repeated for every value (uniform again);
/// * fewer weights than values: linearly interpolated, value `i` reading the weights at
///   `i * (len - 1) / (size - 1)`, so the first and last weights land on `min` and `max`.
///
/// Weights are relative (they need not sum to 1). A draw takes `u` uniform in `[0, 1)` and
/// returns the first value whose normalised cumulative weight exceeds `u` (a binary search,
/// so a wide table costs `log2(size)` comparisons). Values with weight 0 are never drawn.
///
/// A weighted table keeps one entry per value and is limited to
/// [`RangeCount::MAX_TABLE_LEN`] values; uniform ranges need no table and may be any width.
///
/// ```
/// use faker_core::count::{CountDistribution, RangeCount};
/// use faker_core::rng::seeded;
/// use rand_distr::Distribution;
///
/// // 1 to 5 lines per order, one line three times as likely as five.
/// let lines = RangeCount::new(1, 5, &[3.0, 1.0])?;
/// let mut rng = seeded(6);
/// let n: u64 = lines.sample(&mut rng);
/// assert!((1..=5).contains(&n));
/// assert!((lines.probability(1) - 3.0 * lines.probability(5)).abs() < 1e-12);
/// assert!(RangeCount::new(5, 1, &[]).is_err());
/// assert!(RangeCount::exponential_decay(0, 4, 0.5)?.mean() < 1.0);
/// # Ok::<(), faker_core::ParamError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RangeCount {
    min: u64,
    max: u64,
    table: Table,
    mean: f64,
}

#[derive(Debug, Clone, PartialEq)]
enum Table {
    /// Every value equally likely: drawn directly, no table needed.
    Uniform,
    /// `cumulative[i]` = share of the values `min..=min+i`; every entry from the last value
    /// with a positive weight on is exactly 1, so `u < 1` always finds a value and never one
    /// with weight 0.
    Cumulative(Box<[f64]>),
}

impl RangeCount {
    /// The widest weighted range: 2^20 values (a table of 8 MiB). Child counts beyond this are
    /// not a realistic use; [`RangeCount::uniform`] has no limit.
    pub const MAX_TABLE_LEN: u64 = 1 << 20;

    /// Values `min..=max` with `weights` fitted to the range (see the type docs).
    ///
    /// Errors: `min > max`, `min < 0`, a weight that is NaN, infinite or negative, fitted
    /// weights that are all zero, or a non-uniform range wider than
    /// [`RangeCount::MAX_TABLE_LEN`].
    pub fn new(min: i64, max: i64, weights: &[f64]) -> Result<Self, ParamError> {
        let (lo, hi) = bounds(min, max)?;
        for (index, &w) in weights.iter().enumerate() {
            finite("weights", w)?;
            if w < 0.0 {
                return Err(ParamError::NegativeWeight { index, value: w });
            }
        }
        // Equal weights stay equal after truncation, repetition and interpolation: uniform,
        // whatever the width. (Checked before fitting so a wide range needs no table.)
        match weights.first() {
            None => return Ok(Self::uniform_unchecked(lo, hi)),
            Some(&first) if weights.iter().all(|&w| w == first) => {
                return if first > 0.0 {
                    Ok(Self::uniform_unchecked(lo, hi))
                } else {
                    Err(ParamError::AllWeightsZero)
                };
            }
            Some(_) => {}
        }
        let size = table_len(max, lo, hi)?;
        Self::from_table(lo, hi, &fit(weights, size))
    }

    /// Every value of `min..=max` equally likely. Any width.
    pub fn uniform(min: i64, max: i64) -> Result<Self, ParamError> {
        let (lo, hi) = bounds(min, max)?;
        Ok(Self::uniform_unchecked(lo, hi))
    }

    /// Weights falling linearly from `size` at `min` to 1 at `max` (`size = max - min + 1`).
    pub fn linear_decay(min: i64, max: i64) -> Result<Self, ParamError> {
        let (lo, hi) = bounds(min, max)?;
        let size = table_len(max, lo, hi)?;
        let weights: Vec<f64> = (0..size).map(|i| (size - i) as f64).collect();
        Self::from_table(lo, hi, &weights)
    }

    /// Weights `decay^i` for the `i`-th value: each value `decay` times as likely as the one
    /// before. `decay` must lie in the open interval `(0, 1)`.
    pub fn exponential_decay(min: i64, max: i64, decay: f64) -> Result<Self, ParamError> {
        let decay = finite("decay", decay)?;
        if !(decay > 0.0 && decay < 1.0) {
            return Err(ParamError::OutOfRange {
                param: "decay",
                value: decay,
                expected: "`decay` must lie in the open interval (0, 1); 0.5 halves the weight \
                           from one value to the next",
            });
        }
        let (lo, hi) = bounds(min, max)?;
        let size = table_len(max, lo, hi)?;
        // Far down a wide range the weights underflow to 0; those values are simply never
        // drawn, which matches their true probability to within 1e-308.
        let weights: Vec<f64> = (0..size).map(|i| libm::pow(decay, i as f64)).collect();
        Self::from_table(lo, hi, &weights)
    }

    /// Weights `(i+1)^-alpha` for the `i`-th value: a Zipf-like tail. `alpha` must be `> 0`.
    pub fn pareto_like(min: i64, max: i64, alpha: f64) -> Result<Self, ParamError> {
        let alpha = finite("alpha", alpha)?;
        if alpha <= 0.0 {
            return Err(ParamError::OutOfRange {
                param: "alpha",
                value: alpha,
                expected: "`alpha` must be > 0 (1 is the classic Zipf tail)",
            });
        }
        let (lo, hi) = bounds(min, max)?;
        let size = table_len(max, lo, hi)?;
        let weights: Vec<f64> = (0..size)
            .map(|i| libm::pow(i as f64 + 1.0, -alpha))
            .collect();
        Self::from_table(lo, hi, &weights)
    }

    /// The smallest count.
    pub fn min(&self) -> u64 {
        self.min
    }

    /// The largest count.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Probability of drawing exactly `count` (0 outside the range).
    pub fn probability(&self, count: u64) -> f64 {
        if count < self.min || count > self.max {
            return 0.0;
        }
        let i = (count - self.min) as usize;
        match &self.table {
            Table::Uniform => 1.0 / ((self.max - self.min) as f64 + 1.0),
            Table::Cumulative(c) => c[i] - if i == 0 { 0.0 } else { c[i - 1] },
        }
    }

    fn uniform_unchecked(min: u64, max: u64) -> Self {
        RangeCount {
            min,
            max,
            table: Table::Uniform,
            // Halving the width (not summing the bounds) cannot overflow.
            mean: min as f64 + (max - min) as f64 / 2.0,
        }
    }

    /// Builds the cumulative table from `weights.len() == max - min + 1` valid weights.
    fn from_table(min: u64, max: u64, weights: &[f64]) -> Result<Self, ParamError> {
        let total: f64 = weights.iter().sum();
        let Some(last_positive) = weights.iter().rposition(|&w| w > 0.0) else {
            return Err(ParamError::AllWeightsZero);
        };
        let mut acc = 0.0;
        let mut offset_mean = 0.0;
        let mut cumulative: Box<[f64]> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                acc += w;
                offset_mean += i as f64 * w;
                acc / total
            })
            .collect();
        // Rounding may leave the sum at 0.9999999; the last drawable value must catch every
        // u < 1, and zero-weight values after it must stay unreachable.
        for c in &mut cumulative[last_positive..] {
            *c = 1.0;
        }
        Ok(RangeCount {
            min,
            max,
            table: Table::Cumulative(cumulative),
            mean: min as f64 + offset_mean / total,
        })
    }
}

/// Validates the bounds: `min <= max`, `min >= 0`.
fn bounds(min: i64, max: i64) -> Result<(u64, u64), ParamError> {
    if min > max {
        return Err(ParamError::EmptyRange { min, max });
    }
    if min < 0 {
        return Err(ParamError::Negative {
            param: "min",
            value: min as f64,
        });
    }
    // Both are non-negative here.
    Ok((min as u64, max as u64))
}

/// The number of values, if a table of that length is allowed.
fn table_len(max: i64, lo: u64, hi: u64) -> Result<usize, ParamError> {
    let size = hi - lo + 1; // hi - lo <= i64::MAX, so no overflow
    if size > RangeCount::MAX_TABLE_LEN {
        return Err(ParamError::OutOfRange {
            param: "max",
            value: max as f64,
            expected: "a weighted range may hold at most 1 048 576 values (one table entry per \
                       value); use a uniform range or a `Rescaled` distribution for wider ones",
        });
    }
    // At most 2^20, so it fits a usize on every platform.
    Ok(size as usize)
}

/// Fits `weights` (non-empty) to `size` values: truncate, repeat, or interpolate.
fn fit(weights: &[f64], size: usize) -> Vec<f64> {
    let len = weights.len();
    if len >= size {
        return weights[..size].to_vec();
    }
    if len == 1 {
        return vec![weights[0]; size];
    }
    // Here 2 <= len < size, so size - 1 >= 2: no division by zero.
    let step = (len - 1) as f64 / (size - 1) as f64;
    (0..size)
        .map(|i| {
            let src = i as f64 * step;
            let lo = (src as usize).min(len - 1);
            let hi = (lo + 1).min(len - 1);
            let frac = src - lo as f64;
            weights[lo] * (1.0 - frac) + weights[hi] * frac
        })
        .collect()
}

impl Distribution<u64> for RangeCount {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        match &self.table {
            Table::Uniform => rng.random_range(self.min..=self.max),
            Table::Cumulative(c) => {
                let u: f64 = rng.random();
                let i = c.partition_point(|&c| c <= u).min(c.len() - 1);
                self.min + i as u64
            }
        }
    }
}

impl CountDistribution for RangeCount {
    /// The exact weighted mean of the range.
    fn mean(&self) -> f64 {
        self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    fn histogram(d: &RangeCount, seed: u64, n: usize) -> Vec<usize> {
        let mut rng = seeded(seed);
        let mut h = vec![0usize; (d.max() + 1) as usize];
        for _ in 0..n {
            h[d.sample(&mut rng) as usize] += 1;
        }
        h
    }

    #[test]
    fn validation() {
        assert_eq!(
            RangeCount::new(5, 2, &[]),
            Err(ParamError::EmptyRange { min: 5, max: 2 })
        );
        assert_eq!(
            RangeCount::uniform(-3, 2),
            Err(ParamError::Negative {
                param: "min",
                value: -3.0
            })
        );
        assert_eq!(
            RangeCount::new(0, 3, &[1.0, -1.0]),
            Err(ParamError::NegativeWeight {
                index: 1,
                value: -1.0
            })
        );
        assert!(matches!(
            RangeCount::new(0, 3, &[1.0, f64::NAN]),
            Err(ParamError::NotFinite {
                param: "weights",
                ..
            })
        ));
        assert!(matches!(
            RangeCount::new(0, 3, &[f64::INFINITY]),
            Err(ParamError::NotFinite { .. })
        ));
        assert_eq!(
            RangeCount::new(0, 3, &[0.0, 0.0]),
            Err(ParamError::AllWeightsZero)
        );
        // Truncation to two values leaves only zeros.
        assert_eq!(
            RangeCount::new(0, 1, &[0.0, 0.0, 1.0]),
            Err(ParamError::AllWeightsZero)
        );
        assert!(matches!(
            RangeCount::new(0, 1 << 21, &[2.0, 1.0]),
            Err(ParamError::OutOfRange { param: "max", .. })
        ));
        assert!(matches!(
            RangeCount::linear_decay(0, i64::MAX),
            Err(ParamError::OutOfRange { param: "max", .. })
        ));
        for decay in [0.0, 1.0, -0.5, 1.5] {
            assert!(matches!(
                RangeCount::exponential_decay(0, 4, decay),
                Err(ParamError::OutOfRange { param: "decay", .. })
            ));
        }
        assert!(matches!(
            RangeCount::exponential_decay(0, 4, f64::NAN),
            Err(ParamError::NotFinite { param: "decay", .. })
        ));
        for alpha in [0.0, -1.0] {
            assert!(matches!(
                RangeCount::pareto_like(0, 4, alpha),
                Err(ParamError::OutOfRange { param: "alpha", .. })
            ));
        }
        assert!(matches!(
            RangeCount::pareto_like(0, 4, f64::INFINITY),
            Err(ParamError::NotFinite { param: "alpha", .. })
        ));
        assert!(matches!(
            RangeCount::linear_decay(3, 1),
            Err(ParamError::EmptyRange { .. })
        ));
    }

    #[test]
    fn fitting_follows_the_original() {
        assert_eq!(fit(&[1.0, 2.0, 3.0, 4.0], 2), vec![1.0, 2.0]);
        assert_eq!(fit(&[2.0], 3), vec![2.0, 2.0, 2.0]);
        assert_eq!(fit(&[0.0, 10.0], 3), vec![0.0, 5.0, 10.0]);
        assert_eq!(fit(&[4.0, 2.0, 0.0], 5), vec![4.0, 3.0, 2.0, 1.0, 0.0]);
    }

    #[test]
    fn equal_or_missing_weights_are_uniform_at_any_width() {
        for d in [
            RangeCount::new(0, i64::MAX, &[]).unwrap(),
            RangeCount::new(0, i64::MAX, &[3.0]).unwrap(),
            RangeCount::new(0, i64::MAX, &[3.0, 3.0]).unwrap(),
            RangeCount::uniform(0, i64::MAX).unwrap(),
        ] {
            assert_eq!(d.table, Table::Uniform);
            assert_eq!(d.mean(), i64::MAX as f64 / 2.0);
        }
        let mut rng = seeded(1);
        let d = RangeCount::uniform(7, 7).unwrap();
        assert_eq!(d.sample(&mut rng), 7);
        assert_eq!(d.probability(7), 1.0);
    }

    /// Uniform 0..=9 over 100k draws: each value within ±5% of 10 000. A count's standard
    /// deviation is sqrt(100k · 0.1 · 0.9) = 95, so ±500 is 5.3 standard deviations.
    #[test]
    fn uniform_counts_are_flat() {
        for d in [
            RangeCount::uniform(0, 9).unwrap(),
            RangeCount::new(0, 9, &[]).unwrap(),
        ] {
            for (v, &c) in histogram(&d, 31, 100_000).iter().enumerate() {
                assert!((c as f64 - 10_000.0).abs() <= 500.0, "value {v}: {c}");
            }
        }
    }

    #[test]
    fn exponential_decay_falls_steeply() {
        // Weights 1, 1/2, …, 1/16: count(0) should be about 16·count(4).
        let d = RangeCount::exponential_decay(0, 4, 0.5).unwrap();
        let h = histogram(&d, 32, 10_000);
        assert!(h[0] > 5 * h[4], "{h:?}");
        let want_mean = (0.5 + 2.0 * 0.25 + 3.0 * 0.125 + 4.0 * 0.0625) / 1.9375;
        assert!((d.mean() - want_mean).abs() < 1e-12);
    }

    #[test]
    fn too_few_weights_interpolate_monotonically() {
        let d = RangeCount::new(0, 9, &[10.0, 5.0, 1.0]).unwrap();
        // Exactly, in the table …
        for v in 1..=9 {
            assert!(d.probability(v) < d.probability(v - 1), "at {v}");
        }
        assert!((d.probability(0) / d.probability(9) - 10.0).abs() < 1e-9);
        // … and in the draws: neighbouring probabilities differ by at least 1.6% of the mass
        // (1 600+ of 100k draws), while the difference of two neighbouring counts has a
        // standard deviation below 200 (sqrt(100k · (p_v + p_{v-1}))), so 8+ sd everywhere.
        let h = histogram(&d, 33, 100_000);
        for v in 1..=9 {
            assert!(h[v] < h[v - 1], "{h:?}");
        }
    }

    #[test]
    fn linear_decay_weights_and_mean() {
        // Weights 4, 3, 2, 1 over 0..=3: mean (3 + 4 + 3) / 10 = 1.
        let d = RangeCount::linear_decay(0, 3).unwrap();
        assert!((d.mean() - 1.0).abs() < 1e-12);
        for (v, w) in [4.0, 3.0, 2.0, 1.0].iter().enumerate() {
            assert!((d.probability(v as u64) - w / 10.0).abs() < 1e-12);
        }
        let h = histogram(&d, 34, 100_000);
        let avg = h.iter().enumerate().map(|(v, c)| v * c).sum::<usize>() as f64 / 1e5;
        assert!((avg - 1.0).abs() < 0.02, "{avg}");
    }

    #[test]
    fn pareto_like_draws_follow_the_table() {
        // 200k draws; a share's sd is at most sqrt(0.25/200k) = 0.0011, so ±0.005 is > 4 sd.
        let d = RangeCount::pareto_like(2, 8, 1.5).unwrap();
        let n = 200_000;
        let h = histogram(&d, 35, n);
        assert_eq!(h[0] + h[1], 0);
        for v in 2..=8u64 {
            let got = h[v as usize] as f64 / n as f64;
            let want = d.probability(v);
            assert!((got - want).abs() < 0.005, "value {v}: {got} vs {want}");
        }
        let total: f64 = (0..=10).map(|v| d.probability(v)).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn zero_weights_are_never_drawn() {
        let d = RangeCount::new(0, 4, &[1.0, 0.0, 1.0, 0.0, 0.0]).unwrap();
        let h = histogram(&d, 36, 50_000);
        assert_eq!((h[1], h[3], h[4]), (0, 0, 0));
        assert!(h[0] > 0 && h[2] > 0);
        assert_eq!(d.probability(4), 0.0);
    }

    #[test]
    fn offset_ranges_stay_in_bounds() {
        let d = RangeCount::new(5, 7, &[1.0, 2.0]).unwrap();
        let mut rng = seeded(37);
        for _ in 0..10_000 {
            let v = d.sample(&mut rng);
            assert!((5..=7).contains(&v));
        }
        assert_eq!(d.probability(4), 0.0);
        assert_eq!(d.probability(8), 0.0);
    }
}
