//! Estimators: read `weights`, `skew`, `mean` and `null_weight` back off data.
//!
//! These are the inverse of the distributors and compute exactly what the SQL in the project's
//! README computes on a production database (the same statements `faker-pg` runs on a server):
//!
//! * **partition weights** — values ranked by use count (descending) are split into `k` tiles as
//!   PostgreSQL's `ntile(k)` does (sizes differ by at most one, larger tiles first); each tile's
//!   weight is its share of all non-null uses;
//! * **skew** — log-log least squares of use count on rank (`ROW_NUMBER()` by count
//!   descending), keeping ranks `<= 0.9 * distinct` to drop the noisy tail; `skew = 1/(1+slope)`,
//!   with `r²` as `REGR_R2` defines it;
//! * **mean** — non-null uses per distinct value;
//! * **null share** — nulls over all rows.
//!
//! Tests in this workspace prove the distributors' promises with these functions, so the numbers
//! a user measures on generated data with the SQL are the ones our tests check.

/// A least-squares power-law fit of use count on rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkewFit {
    /// `1 / (1 + slope)`; `f64::INFINITY` when `slope <= -1`, i.e. steeper than any `skew`
    /// can produce (the SQL would divide by zero or turn negative there).
    pub skew: f64,
    /// Zipf exponent, `-slope`.
    pub alpha: f64,
    /// Slope of `ln(count)` on `ln(rank)` (`REGR_SLOPE`).
    pub slope: f64,
    /// Goodness of fit (`REGR_R2`): 1 when all counts are equal.
    pub r2: f64,
    /// Number of ranks used in the regression.
    pub points: usize,
}

impl SkewFit {
    /// Turns a regression of `ln(count)` on `ln(rank)` into a fit, with the rules every
    /// implementation (this module, and the SQL in `faker-pg`) shares:
    /// no fit below two points or without a slope (`Sxx = 0`); when all kept counts are equal
    /// (`flat`) the fit is exactly slope 0, r² 1 — floating accumulation would otherwise leave
    /// noise such as `1e-15` and a meaningless r²; `skew` is infinite when `slope <= -1`.
    pub fn from_regression(
        slope: Option<f64>,
        r2: Option<f64>,
        points: usize,
        flat: bool,
    ) -> Option<SkewFit> {
        if points < 2 {
            return None;
        }
        let (slope, r2) = if flat { (0.0, 1.0) } else { (slope?, r2?) };
        // A slope within rounding of -1 (the server's regression gives -0.9999999999999999 for
        // an exact -1) is as steep as any skew: infinite, not 2^53.
        let skew = if slope > -1.0 + 1e-9 {
            1.0 / (1.0 + slope)
        } else {
            f64::INFINITY
        };
        Some(SkewFit {
            skew,
            alpha: -slope,
            slope,
            r2,
            points,
        })
    }
}

/// Everything the estimators read off one column of references.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// All rows, null or not.
    pub rows: u64,
    /// Rows whose reference is null.
    pub nulls: u64,
    /// Distinct non-null values.
    pub distinct: u64,
    /// Non-null rows per distinct value (`mean`).
    pub mean_uses: f64,
    /// `nulls / rows` (`null_weight`); 0 for no rows.
    pub null_share: f64,
    /// Share of non-null uses held by each quartile of values ranked by use count.
    pub quartile_shares: [f64; 4],
    /// Power-law fit; `None` with fewer than two ranks in the regression.
    pub skew: Option<SkewFit>,
}

impl Profile {
    /// Profiles per-value use counts (`counts[i]` = uses of value `i`, in any order; zeros are
    /// ignored, as a value without uses does not appear in the `GROUP BY`) plus `nulls`.
    pub fn from_counts(counts: &[u64], nulls: u64) -> Profile {
        let mut sorted: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let used: u64 = sorted.iter().sum();
        let rows = used + nulls;
        let shares = ntile_shares(&sorted, 4);
        Profile {
            rows,
            nulls,
            distinct: sorted.len() as u64,
            mean_uses: mean_uses(&sorted),
            null_share: if rows == 0 {
                0.0
            } else {
                nulls as f64 / rows as f64
            },
            quartile_shares: [shares[0], shares[1], shares[2], shares[3]],
            skew: fit_sorted(&sorted),
        }
    }
}

/// Non-null uses per distinct value: `sum(counts) / max(distinct, 1)`.
pub fn mean_uses(counts: &[u64]) -> f64 {
    let distinct = counts.iter().filter(|&&c| c > 0).count().max(1);
    counts.iter().sum::<u64>() as f64 / distinct as f64
}

/// Shares of all uses held by `k` tiles of values ranked by use count, as `ntile(k)` forms them.
/// Tiles that receive no value (fewer values than `k`) have share 0.
pub fn partition_weights(counts: &[u64], k: usize) -> Vec<f64> {
    let mut sorted: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    ntile_shares(&sorted, k)
}

/// Fits the power law of [`SkewFit`] to per-value use counts (any order).
pub fn fit_skew(counts: &[u64]) -> Option<SkewFit> {
    let mut sorted: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    fit_sorted(&sorted)
}

fn ntile_shares(sorted_desc: &[u64], k: usize) -> Vec<f64> {
    let n = sorted_desc.len();
    let total: u64 = sorted_desc.iter().sum();
    let mut shares = vec![0.0; k];
    if total == 0 || k == 0 {
        return shares;
    }
    // ntile: the first n % k tiles hold one extra row.
    let (base, extra) = (n / k, n % k);
    let mut start = 0;
    for (tile, share) in shares.iter_mut().enumerate() {
        let size = base + usize::from(tile < extra);
        let sum: u64 = sorted_desc[start..start + size].iter().sum();
        *share = sum as f64 / total as f64;
        start += size;
    }
    shares
}

fn fit_sorted(sorted_desc: &[u64]) -> Option<SkewFit> {
    // `WHERE rank <= COUNT(*) * 0.9`, rank starting at 1.
    let keep = (sorted_desc.len() as f64 * 0.9).floor() as usize;
    if keep < 2 {
        return None;
    }
    // Two passes (means first) for accuracy, as PostgreSQL's Youngs–Cramer update is.
    let points = sorted_desc[..keep]
        .iter()
        .enumerate()
        .map(|(i, &c)| (((i + 1) as f64).ln(), (c as f64).ln()));
    let n = keep as f64;
    let (sx, sy) = points
        .clone()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    // Equal counts are an exact case (uniform data): keep it exact instead of rounding noise.
    let flat = sorted_desc[0] == sorted_desc[keep - 1];
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (x, y) in points {
        let dy = if flat { 0.0 } else { y - my };
        sxx += (x - mx) * (x - mx);
        syy += dy * dy;
        sxy += (x - mx) * dy;
    }
    if sxx == 0.0 {
        return None;
    }
    let r2 = if syy == 0.0 {
        1.0
    } else {
        sxy * sxy / (sxx * syy)
    };
    SkewFit::from_regression(Some(sxy / sxx), Some(r2), keep, flat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slope_within_rounding_of_minus_one_is_an_infinite_skew() {
        let fit = SkewFit::from_regression(Some(-0.9999999999999999), Some(1.0), 3, false);
        assert_eq!(fit.map(|f| f.skew), Some(f64::INFINITY));
        let fit = SkewFit::from_regression(Some(-0.5), Some(1.0), 3, false);
        assert_eq!(fit.map(|f| f.skew), Some(2.0));
    }

    #[test]
    fn ntile_matches_postgres_bucket_sizes() {
        // 10 values into 4 tiles: sizes 3, 3, 2, 2.
        let counts = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
        let w = partition_weights(&counts, 4);
        let total = 55.0;
        assert_eq!(
            w,
            vec![27.0 / total, 18.0 / total, 7.0 / total, 3.0 / total]
        );
        // fewer values than tiles
        assert_eq!(partition_weights(&[5, 5], 4), vec![0.5, 0.5, 0.0, 0.0]);
        assert_eq!(partition_weights(&[], 4), vec![0.0; 4]);
    }

    #[test]
    fn exact_power_law_is_recovered() {
        // count ∝ rank^-alpha with alpha = 0.5 (skew 2) exactly, large counts to beat rounding
        let counts: Vec<u64> = (1..=1000)
            .map(|r| (1e9 * (r as f64).powf(-0.5)).round() as u64)
            .collect();
        let fit = fit_skew(&counts).unwrap();
        assert_eq!(fit.points, 900);
        assert!((fit.skew - 2.0).abs() < 1e-6, "{fit:?}");
        assert!(fit.r2 > 0.999_999);
    }

    #[test]
    fn uniform_counts_give_skew_one_and_r2_one() {
        let fit = fit_skew(&[7; 100]).unwrap();
        assert_eq!(fit.slope, 0.0);
        assert_eq!(fit.skew, 1.0);
        assert_eq!(fit.r2, 1.0);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(fit_skew(&[]), None);
        assert_eq!(fit_skew(&[3]), None);
        assert_eq!(fit_skew(&[3, 2]), None); // 0.9 * 2 = 1 rank kept
        assert_eq!(mean_uses(&[]), 0.0);
        let p = Profile::from_counts(&[], 0);
        assert_eq!((p.rows, p.null_share, p.distinct), (0, 0.0, 0));
    }

    #[test]
    fn profile_counts_rows_nulls_and_mean() {
        let p = Profile::from_counts(&[4, 0, 2, 2], 2);
        assert_eq!(p.rows, 10);
        assert_eq!(p.distinct, 3);
        assert!((p.mean_uses - 8.0 / 3.0).abs() < 1e-12);
        assert!((p.null_share - 0.2).abs() < 1e-12);
        assert_eq!(p.quartile_shares, [0.5, 0.25, 0.25, 0.0]);
    }

    proptest::proptest! {
        /// Tile shares sum to 1 and never increase; tile sizes are ntile's; the mean is
        /// uses per distinct value.
        #[test]
        fn estimator_invariants(counts in proptest::collection::vec(0u64..10_000, 0..300), k in 1usize..9) {
            let shares = partition_weights(&counts, k);
            proptest::prop_assert_eq!(shares.len(), k);
            let used: u64 = counts.iter().sum();
            if used > 0 {
                proptest::prop_assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                // ntile sizes: the first n % k tiles hold one more value; the average count
                // per value never increases from tile to tile.
                let n = counts.iter().filter(|&&c| c > 0).count();
                let size = |t: usize| n / k + usize::from(t < n % k);
                for t in 1..k {
                    if size(t) > 0 {
                        let (a, b) = (shares[t - 1] / size(t - 1) as f64, shares[t] / size(t) as f64);
                        proptest::prop_assert!(a + 1e-12 >= b, "tile {} {} < {}", t, a, b);
                    } else {
                        proptest::prop_assert_eq!(shares[t], 0.0);
                    }
                }
                let distinct = counts.iter().filter(|&&c| c > 0).count();
                proptest::prop_assert!((mean_uses(&counts) - used as f64 / distinct as f64).abs() < 1e-9);
            }
            if let Some(fit) = fit_skew(&counts) {
                proptest::prop_assert!((0.0..=1.0 + 1e-12).contains(&fit.r2));
                proptest::prop_assert!(fit.slope <= 1e-12, "counts sorted descending cannot rise");
            }
        }
    }
}
