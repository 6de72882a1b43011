//! `one_of`: a weighted choice among a fixed list of values (an order status, a currency, an
//! enum's variants), read as an index into that list.
//!
//! Two readings, as for the distributors:
//!
//! * **sampled** ([`OneOf`], a [`Distribution<usize>`]): each draw is independent, index `i`
//!   with probability `w_i` (Walker's alias method: one random number, two table reads). The
//!   shares match the weights in expectation only: `N` draws of a share `w` scatter by
//!   `sqrt(w(1-w)/N)`.
//! * **planned** ([`PlannedOneOf`], from [`OneOf::plan`]): when the number of draws `N` is known
//!   in advance, every value gets exactly `round(N · w_i)` draws (by largest remainder, so that
//!   the counts sum to `N`), handed out in random order (drawn without replacement). The shares
//!   are then exact, which is what a `GROUP BY status` on the generated data checks. A value
//!   whose count rounds to zero is never drawn; draws beyond `N` are sampled.
//!
//! Unlike a pooled value (`#[distributor(..)]`, which creates values and reuses them), the
//! values here exist before any draw: there is no `mean`, and no value is ever created.
//!
//! ```
//! use faker_core::{Distribution, OneOf};
//! use faker_core::rng::seeded;
//!
//! // #[provider(one_of = ["new", "paid", "shipped"], weights = [0.2, 0.5, 0.3])]
//! let statuses = ["new", "paid", "shipped"];
//! let law = OneOf::new([0.2, 0.5, 0.3]).unwrap();
//! let mut rng = seeded(1);
//!
//! // Sampled: independent draws.
//! let status = statuses[law.sample(&mut rng)];
//! assert!(statuses.contains(&status));
//!
//! // Planned for 1 000 draws: exactly 200, 500 and 300.
//! let mut plan = law.plan(1_000);
//! let mut seen = [0; 3];
//! for _ in 0..1_000 {
//!     seen[plan.draw(&mut rng).unwrap()] += 1;
//! }
//! assert_eq!(seen, [200, 500, 300]);
//! assert_eq!(plan.draw(&mut rng), None); // the plan is spent
//!
//! assert!(OneOf::new([0.5, -0.5]).is_err());
//! assert!(OneOf::uniform(0).is_err());
//! ```

use rand::Rng;
use rand_distr::Distribution;

use crate::distributor::{AliasTable, Counts};
use crate::error::ParamError;
use crate::law::Weights;

/// A weighted choice of an index in `0..len` (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct OneOf {
    /// Normalised weights, one per value.
    weights: Box<[f64]>,
    table: AliasTable,
}

impl OneOf {
    /// One value per weight, chosen with probability proportional to it: the weights must not
    /// be empty, each finite and `>= 0`, not all zero (relative weights are normalised, so
    /// `[7, 2, 1]` equals `[0.7, 0.2, 0.1]`). A zero weight is a value never drawn.
    pub fn new(weights: impl AsRef<[f64]>) -> Result<OneOf, ParamError> {
        let weights = Weights::new(weights)?;
        Ok(OneOf::normalised(weights.as_slice().into()))
    }

    /// `len` values, equally likely (`len >= 1`).
    pub fn uniform(len: usize) -> Result<OneOf, ParamError> {
        if len == 0 {
            return Err(ParamError::NoValues);
        }
        Ok(OneOf::normalised(vec![1.0 / len as f64; len].into()))
    }

    /// The weights, with one value per weight: [`OneOf::new`], after checking that there are
    /// as many weights as values (`values`).
    pub fn for_values(values: usize, weights: Option<&[f64]>) -> Result<OneOf, ParamError> {
        match weights {
            None => OneOf::uniform(values),
            Some(_) if values == 0 => Err(ParamError::NoValues),
            Some(w) if w.len() != values => Err(ParamError::WeightsPerValue {
                weights: w.len(),
                values,
            }),
            Some(w) => OneOf::new(w),
        }
    }

    fn normalised(weights: Box<[f64]>) -> OneOf {
        let table = AliasTable::new(&weights);
        OneOf { weights, table }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Always false: [`OneOf::new`] and [`OneOf::uniform`] refuse an empty list.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The normalised weights, one per value.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The exact counts for `draws` upcoming draws, in random order (see the
    /// [module docs](self)).
    pub fn plan(&self, draws: u64) -> PlannedOneOf {
        PlannedOneOf {
            counts: Counts::exact(&self.weights, draws),
        }
    }
}

impl Distribution<usize> for OneOf {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.table.sample(rng)
    }
}

/// Exact counts of a [`OneOf`] for a known number of draws: value `i` is drawn exactly
/// `round(N · w_i)` times (largest remainder), in random order.
#[derive(Debug, Clone)]
pub struct PlannedOneOf {
    counts: Counts,
}

impl PlannedOneOf {
    /// The next planned index, drawn among the uses left; `None` once all `N` are drawn.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<usize> {
        self.counts.draw(rng)
    }

    /// Gives back a planned draw of `index` that was not used (its aggregate was refused), so
    /// that a later draw spends it.
    pub fn put_back(&mut self, index: usize) {
        self.counts.put_back(index);
    }

    /// The same counts drawn **in index order**: every planned draw of value 0, then of value
    /// 1, and so on (an ordered histogram's buckets, lowest first; see
    /// [`Schema::ordered_quantiles`](crate::provider::Schema::ordered_quantiles)).
    ///
    /// ```
    /// use faker_core::one_of::OneOf;
    /// use faker_core::rng::seeded;
    ///
    /// let mut plan = OneOf::uniform(3).unwrap().plan(6).in_order();
    /// let mut rng = seeded(1);
    /// let drawn: Vec<usize> = (0..6).map(|_| plan.draw(&mut rng).unwrap()).collect();
    /// assert_eq!(drawn, [0, 0, 1, 1, 2, 2]);
    /// ```
    pub fn in_order(self) -> PlannedOneOf {
        PlannedOneOf {
            counts: self.counts.in_order(false),
        }
    }

    /// The planned count of every value.
    pub fn counts(&self) -> &[u32] {
        self.counts.planned()
    }
}

/// A value written in `#[provider(one_of = [..])]` for a field of type `T`: a `T` itself, a
/// string literal for a `String` field, and for an `Option<T>` field also a bare `T` (or string
/// literal), which is its `Some`. The derive converts each listed value with it, so the list a
/// profile suggests (`one_of = ["new", "paid"]`) pastes onto a `String` field as it is.
///
/// ```
/// use faker_core::one_of::OneOfValue;
///
/// let status: String = "paid".into_value();
/// let refund: Option<String> = "card".into_value();
/// let none: Option<String> = None.into_value();
/// let amount: Option<u64> = 3_000_000_000.into_value();
/// assert_eq!((status.as_str(), refund.as_deref(), none, amount), ("paid", Some("card"), None, Some(3_000_000_000)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of a `{T}` field",
    label = "listed in `one_of = [..]` of a `{T}` field",
    note = "every value of `one_of = [..]` is a `{T}` (a string literal also fits a `String` field, and a bare value an `Option` field)"
)]
pub trait OneOfValue<T> {
    /// The field's value.
    fn into_value(self) -> T;
}

impl<T> OneOfValue<T> for T {
    fn into_value(self) -> T {
        self
    }
}

impl OneOfValue<String> for &str {
    fn into_value(self) -> String {
        self.to_owned()
    }
}

impl<T> OneOfValue<Option<T>> for T {
    fn into_value(self) -> Option<T> {
        Some(self)
    }
}

impl OneOfValue<Option<String>> for &str {
    fn into_value(self) -> Option<String> {
        Some(self.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn parameters_are_checked() {
        assert_eq!(OneOf::uniform(0).unwrap_err(), ParamError::NoValues);
        assert_eq!(
            OneOf::for_values(3, Some(&[0.5, 0.5])).unwrap_err(),
            ParamError::WeightsPerValue {
                weights: 2,
                values: 3
            }
        );
        assert_eq!(
            OneOf::for_values(0, Some(&[])).unwrap_err(),
            ParamError::NoValues
        );
        assert_eq!(
            OneOf::new([0.0, 0.0]).unwrap_err(),
            ParamError::AllWeightsZero
        );
        assert!(matches!(
            OneOf::new([1.0, f64::NAN]),
            Err(ParamError::NotFinite { .. })
        ));
        assert!(matches!(
            OneOf::new([1.0, -0.1]),
            Err(ParamError::NegativeWeight { index: 1, .. })
        ));
        assert_eq!(
            OneOf::new([7.0, 2.0, 1.0]).unwrap().weights(),
            [0.7, 0.2, 0.1]
        );
        assert_eq!(OneOf::for_values(4, None).unwrap().weights(), [0.25; 4]);
    }

    /// Sampled shares follow the weights: at 10^5 draws the binomial sd of a share is
    /// `sqrt(w(1-w)/N) <= sqrt(0.25 / 1e5) = 0.0016`, so 0.01 is more than 6 sd; a zero weight is
    /// never drawn.
    #[test]
    fn sampled_shares_follow_the_weights() {
        let weights = [0.55, 0.25, 0.12, 0.08, 0.0];
        let law = OneOf::new(weights).unwrap();
        let mut rng = seeded(14);
        let n = 100_000;
        let mut seen = [0u32; 5];
        for _ in 0..n {
            seen[law.sample(&mut rng)] += 1;
        }
        for (count, want) in seen.iter().zip(weights) {
            let share = f64::from(*count) / f64::from(n);
            assert!((share - want).abs() < 0.01, "{seen:?}");
        }
        assert_eq!(seen[4], 0);
    }

    /// Planned counts are `round(N · w)` by largest remainder, whatever the seed, with a value
    /// whose count rounds to zero never drawn, in both ways `Counts` holds the uses left.
    #[test]
    fn planned_counts_are_exact() {
        let law = OneOf::new([0.7, 0.2, 0.0999, 0.0001]).unwrap();
        for (draws, want) in [
            (10u64, vec![7u32, 2, 1, 0]),
            (1_000, vec![700, 200, 100, 0]),
            // Beyond the sequence limit: the alias table with rejection.
            (100_000, vec![70_000, 20_000, 9_990, 10]),
        ] {
            for seed in [1, 2] {
                let mut plan = law.plan(draws);
                assert_eq!(plan.counts(), want.as_slice());
                let mut rng = seeded(seed);
                let mut seen = vec![0u32; 4];
                for _ in 0..draws {
                    seen[plan.draw(&mut rng).unwrap()] += 1;
                }
                assert_eq!(seen, want, "{draws} draws, seed {seed}");
                assert_eq!(plan.draw(&mut rng), None);
                plan.put_back(1);
                assert_eq!(plan.draw(&mut rng), Some(1));
            }
        }
        // Largest remainder: 1/3 each of 10 gives 4, 3, 3 (ties to the first).
        assert_eq!(OneOf::uniform(3).unwrap().plan(10).counts(), [4, 3, 3]);
        assert_eq!(OneOf::uniform(3).unwrap().plan(0).counts(), [0, 0, 0]);
    }

    /// Planned draws come in random order: the first tenth of the draws already holds about
    /// the planned shares (the hypergeometric sd of a share of 0.7 over 1 000 of 10 000 draws is
    /// `sqrt(0.7 · 0.3 / 1000 · 0.9) = 0.014`, so 0.06 is > 4 sd).
    #[test]
    fn planned_draws_are_shuffled() {
        let mut plan = OneOf::new([0.7, 0.3]).unwrap().plan(10_000);
        let mut rng = seeded(3);
        let first = (0..1_000)
            .filter(|_| plan.draw(&mut rng) == Some(0))
            .count();
        assert!((first as f64 / 1_000.0 - 0.7).abs() < 0.06, "{first}");
    }
}
