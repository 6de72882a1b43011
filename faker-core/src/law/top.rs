//! `top`: the shares of the most used values, given one by one, on top of a law.

use rand::{Rng, RngExt};

use super::Law;
use crate::error::{ParamError, finite};

/// The shares of the draws the most used values receive, most used first
/// (`#[distributor(top = [0.06, 0.04], skew = 1.5, mean = 2)]`), the rest of the draws spread
/// over the other values by the law.
///
/// A law with a few parameters (a power law, four quartile weights) reproduces the *shape* of
/// a rank–frequency curve, but not its first few points: in the Chinook sample the most
/// prolific artist has 21 of 347 albums, where the quartile weights that fit the rest give
/// the top artist about 5. PostgreSQL estimates an equality on such a column from its
/// most-common-values list, so a query for the top artist's albums is planned for 5 rows and
/// gets another plan than production's. `top` gives those values their measured shares; the law
/// keeps the tail. It is what `pg_stats.most_common_freqs` is to `histogram_bounds`.
///
/// Rules: at least one share, each in `(0, 1)`, together below 1 (the law's values need
/// some draws). Planned draws give the `k` first slots exactly these shares (the plan rounds
/// `N · share` to whole counts); dynamic draws pick value `i < k` with probability `top[i]`.
///
/// ```
/// use faker_core::law::Top;
///
/// let top = Top::new([0.06, 0.04]).unwrap();
/// assert_eq!(top.shares(), &[0.06, 0.04]);
/// assert!((top.total() - 0.1).abs() < 1e-12);
/// assert!(Top::new([]).is_err());
/// assert!(Top::new([0.7, 0.4]).is_err()); // nothing left for the law
/// assert!(Top::new([0.1, 0.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Top {
    shares: Box<[f64]>,
    total: f64,
}

impl Top {
    /// Validates the shares (see the type docs).
    pub fn new(shares: impl AsRef<[f64]>) -> Result<Top, ParamError> {
        let shares = shares.as_ref();
        if shares.is_empty() {
            return Err(ParamError::EmptyTop);
        }
        for &share in shares {
            finite("top", share)?;
            if share <= 0.0 || share >= 1.0 {
                return Err(ParamError::OutOfRange {
                    param: "top",
                    value: share,
                    expected: "each share of `top` lies strictly between 0 and 1",
                });
            }
        }
        let total: f64 = shares.iter().sum();
        if total >= 1.0 {
            return Err(ParamError::OutOfRange {
                param: "top",
                value: total,
                expected: "the shares of `top` add up to less than 1, leaving draws for the law's values",
            });
        }
        Ok(Top {
            shares: shares.into(),
            total,
        })
    }

    /// The shares, most used value first.
    pub fn shares(&self) -> &[f64] {
        &self.shares
    }

    /// Their sum, below 1.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The number of values given.
    pub fn len(&self) -> usize {
        self.shares.len()
    }

    /// Always false: [`Top::new`] refuses an empty list.
    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }

    /// A dynamic pick in `0..n` (`n > 0`): index `i < k` with probability `top[i]`, else the
    /// law over the values after the `k` first (over all of them while `n <= k`).
    pub fn pick<R: Rng + ?Sized>(&self, law: &Law, n: usize, rng: &mut R) -> usize {
        let k = self.shares.len().min(n);
        let mut u: f64 = rng.random();
        for (i, &share) in self.shares[..k].iter().enumerate() {
            if u < share {
                return i;
            }
            u -= share;
        }
        if n > k {
            k + law.pick(n - k, rng)
        } else {
            law.pick(n, rng)
        }
    }

    /// Slot probabilities for a plan of `d` slots whose law gives `tail(m)` for `m` slots: the
    /// shares on the first slots, the law's probabilities times what is left on the others.
    pub(crate) fn slot_probabilities(
        &self,
        d: usize,
        tail: impl Fn(usize) -> Vec<f64>,
    ) -> Vec<f64> {
        let k = self.shares.len().min(d);
        let mut out: Vec<f64> = self.shares[..k].to_vec();
        if d > k {
            let rest = 1.0 - self.shares[..k].iter().sum::<f64>();
            let t = tail(d - k);
            let sum: f64 = t.iter().sum();
            out.extend(
                t.iter()
                    .map(|p| if sum > 0.0 { p / sum * rest } else { 0.0 }),
            );
        }
        out
    }
}
