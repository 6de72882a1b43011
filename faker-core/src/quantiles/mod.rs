//! `quantiles`: values drawn from a production histogram.
//!
//! Range predicates (`WHERE total > $1`, `WHERE invoice_date >= $1`) get their plans from the
//! column's value histogram; a uniform fake value gives other selectivities than production.
//! [`Quantiles`] draws numbers, dates and timestamps the way PostgreSQL reads its
//! `pg_stats.histogram_bounds`: `k + 1` bounds cut the values into `k` buckets that each hold
//! the same share `1/k`, and inside a bucket values are spread uniformly. The bounds are what
//! `faker-pg profile` measures (`percentile_disc` at `0, 1/k, .., 1`) and suggests as
//! `#[provider(quantiles = [..])]`.
//!
//! * [`Quantiles`] — the distribution (validating `new`, `sample`);
//! * [`QuantileValue`] — what a type needs to be drawn inside a bucket (integers, floats and,
//!   with the `chrono` feature, `NaiveDate`, `NaiveDateTime`, `DateTime<Utc>`);
//! * [`FromBound`] — a bound as the derive reads it (number literal or date text) turned into
//!   the field's type;
//! * [`Moment`] — dates and timestamps written as text, read without a date library.

mod bound;
#[cfg(feature = "chrono")]
mod chrono;
mod moment;
#[cfg(test)]
mod tests;
mod value;

pub use bound::FromBound;
#[cfg(feature = "http")]
pub(crate) use moment::days_from_civil;
pub use moment::{DateBound, Moment, MomentError, TimestampBound, ZonedBound};
pub use value::QuantileValue;

use rand::{Rng, RngExt};

use crate::error::ParamError;

/// A piecewise uniform distribution between histogram bounds, each bucket equally likely.
///
/// With bounds `b_0 <= b_1 <= .. <= b_k`, a draw picks bucket `i` with probability `1/k` and a
/// value uniformly inside it: from `[b_i, b_{i+1})` for integers, dates and timestamps, from
/// `[b_{k-1}, b_k]` for the last bucket (so that the largest bound can be drawn, and every
/// integer lies in exactly one bucket), and from `[b_i, b_{i+1}]` for floats. Every draw lies
/// in `[b_0, b_k]`.
///
/// **Equal bounds** are allowed and make a *point mass*: a bucket `[v, v]` always gives `v`.
/// That is how a histogram read with `percentile_disc` shows a frequent value (an amount of
/// `0`, a default date): `m` equal consecutive bounds give it at least `(m - 1)/k` of the
/// draws, as in production.
///
/// **Sampled draws are independent**: the share of bucket `i` among `n` draws has standard
/// deviation `sqrt((1/k)(1 - 1/k)/n)`, 0.0007 for `k = 20` at `n = 10^5`, far inside the
/// ±0.01 per bucket that `faker-pg compare` checks, but 0.011 at `n = 400` (the Chinook
/// sample's 412 invoices), outside it. So a field declared with
/// [`Schema::quantiles`](crate::provider::Schema::quantiles) (what
/// `#[provider(quantiles = [..])]` does) is **planned** once the number of aggregates is known:
/// each bucket gets its exact count `round(N/k)` (largest remainder), in random order, and
/// [`Quantiles::sample_in`] draws the value inside it.
///
/// ```
/// use faker_core::quantiles::Quantiles;
/// use faker_core::rng::seeded;
///
/// // Order totals: a quarter below 2, a quarter 2 to 5, a quarter 5 to 10, a quarter 10 to 40.
/// let totals = Quantiles::new([0.0, 2.0, 5.0, 10.0, 40.0]).unwrap();
/// let mut rng = seeded(7);
/// let x: f64 = totals.sample(&mut rng);
/// assert!((0.0..=40.0).contains(&x));
///
/// assert!(Quantiles::new([1]).is_err()); // one bound makes no bucket
/// assert!(Quantiles::new([3, 2]).is_err()); // bounds go up
/// assert!(Quantiles::new([0.0, f64::NAN]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Quantiles<T> {
    /// At least two, non-decreasing, each usable.
    bounds: Box<[T]>,
}

impl<T: QuantileValue> Quantiles<T> {
    /// Validates the bounds: at least two, each usable (floats finite), non-decreasing.
    pub fn new(bounds: impl Into<Vec<T>>) -> Result<Self, ParamError> {
        let bounds: Vec<T> = bounds.into();
        if bounds.len() < 2 {
            return Err(ParamError::TooFewBounds {
                given: bounds.len(),
            });
        }
        for (index, b) in bounds.iter().enumerate() {
            if let Some(reason) = b.unusable() {
                return Err(ParamError::BadBound {
                    index,
                    reason: format!("{b:?}: {reason}"),
                });
            }
            // `partial_cmp`, not `<`: two values that do not compare are refused as well.
            let ordered = matches!(
                bounds[index.saturating_sub(1)].partial_cmp(b),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            );
            if !ordered {
                return Err(ParamError::DecreasingBound {
                    index,
                    value: format!("{b:?}"),
                    previous: format!("{:?}", bounds[index - 1]),
                });
            }
        }
        Ok(Quantiles {
            bounds: bounds.into_boxed_slice(),
        })
    }

    /// Like [`Quantiles::new`], from bounds that may have failed to convert (what
    /// `#[provider(quantiles = [..])]` expands to): the first conversion error is reported
    /// with its index.
    pub fn from_bounds<I>(bounds: I) -> Result<Self, ParamError>
    where
        I: IntoIterator<Item = Result<T, String>>,
    {
        let bounds = bounds
            .into_iter()
            .enumerate()
            .map(|(index, b)| b.map_err(|reason| ParamError::BadBound { index, reason }))
            .collect::<Result<Vec<T>, ParamError>>()?;
        Quantiles::new(bounds)
    }

    /// The bounds, non-decreasing.
    pub fn bounds(&self) -> &[T] {
        &self.bounds
    }

    /// The number of buckets (bounds minus one).
    pub fn buckets(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Draws one value: a bucket with probability `1/k`, then a value uniformly inside it.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        let bucket = rng.random_range(0..self.buckets());
        self.sample_in(bucket, rng)
    }

    /// Draws one value uniformly inside bucket `bucket` (`0..buckets()`; a larger index is
    /// read as the last bucket): what a planned draw does once the plan chose the bucket
    /// (exact counts per bucket, see [`Schema::quantiles`](crate::provider::Schema::quantiles)).
    ///
    /// ```
    /// use faker_core::quantiles::Quantiles;
    /// use faker_core::rng::seeded;
    ///
    /// let q = Quantiles::new([0, 10, 10, 100]).unwrap();
    /// let mut rng = seeded(1);
    /// assert!((0..10).contains(&q.sample_in(0, &mut rng)));
    /// assert_eq!(q.sample_in(1, &mut rng), 10); // equal bounds: a point mass
    /// assert!((10..=100).contains(&q.sample_in(2, &mut rng)));
    /// ```
    #[inline]
    pub fn sample_in<R: Rng + ?Sized>(&self, bucket: usize, rng: &mut R) -> T {
        let k = self.buckets();
        let i = bucket.min(k - 1);
        let (lo, hi) = (&self.bounds[i], &self.bounds[i + 1]);
        if lo < hi {
            T::uniform_in(lo, hi, i + 1 == k, rng)
        } else {
            // Equal bounds: a point mass.
            lo.clone()
        }
    }
}

impl<T: QuantileValue> rand_distr::Distribution<T> for Quantiles<T> {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        Quantiles::sample(self, rng)
    }
}
