//! Statistical and property tests of [`Quantiles`].
//!
//! Tolerance of the share tests: each bucket share among `n = 10^5` independent draws is a
//! binomial proportion with standard deviation `sqrt(p(1 - p)/n)`, 0.0007 for a bucket of
//! `p = 1/20`; ±0.01 is 14 standard deviations, so the seeded tests cannot fail by chance
//! under any seed, while a wrong bucket rule (a bucket drawn twice as often, half of an
//! integer bucket's edge moved to its neighbour, a point mass lost) moves a share by at least
//! 0.02.

use proptest::prelude::*;

use super::*;
use crate::rng::seeded;

const DRAWS: usize = 100_000;
const TOLERANCE: f64 = 0.01;

/// The share of `values` in each interval between consecutive *distinct* bounds (half-open,
/// the last one closed), as `faker-pg compare` counts them, and the share it expects: the
/// buckets that fall into the interval, over `k`.
fn shares<T: QuantileValue>(bounds: &[T], values: &[T]) -> Vec<(f64, f64)> {
    let mut distinct: Vec<T> = Vec::new();
    for b in bounds {
        if distinct.last() != Some(b) {
            distinct.push(b.clone());
        }
    }
    let k = bounds.len() - 1;
    let intervals = distinct.len().saturating_sub(1).max(1);
    let interval_of = |x: &T| {
        (0..intervals)
            .find(|&j| *x < distinct[(j + 1).min(distinct.len() - 1)])
            .unwrap_or(intervals - 1)
    };
    let mut expected = vec![0.0; intervals];
    for i in 0..k {
        expected[interval_of(&bounds[i])] += 1.0 / k as f64;
    }
    let mut measured = vec![0.0; intervals];
    for x in values {
        measured[interval_of(x)] += 1.0 / values.len() as f64;
    }
    measured.into_iter().zip(expected).collect()
}

fn draws<T: QuantileValue>(q: &Quantiles<T>, seed: u64) -> Vec<T> {
    let mut rng = seeded(seed);
    (0..DRAWS).map(|_| q.sample(&mut rng)).collect()
}

fn assert_shares<T: QuantileValue>(bounds: &[T], values: &[T]) {
    for (j, (measured, expected)) in shares(bounds, values).into_iter().enumerate() {
        assert!(
            (measured - expected).abs() <= TOLERANCE,
            "interval {j} from {:?}: share {measured:.4}, expected {expected:.4}",
            bounds[j.min(bounds.len() - 1)]
        );
    }
}

#[test]
fn float_buckets_hold_equal_shares() {
    // 21 bounds of a skewed amount (an exponential's quantiles): narrow buckets at the bottom,
    // one very wide at the top.
    let bounds: Vec<f64> = (0..=20)
        .map(|i| {
            let p = f64::from(i) / 20.0;
            if i == 20 {
                500.0
            } else {
                -40.0 * (1.0 - p).ln()
            }
        })
        .collect();
    let q = Quantiles::new(bounds.clone()).unwrap();
    assert_eq!(q.buckets(), 20);
    let values = draws(&q, 11);
    assert_shares(&bounds, &values);
    // Inside a bucket, uniform: the lower half of the widest bucket holds half of its draws.
    let (lo, hi) = (bounds[19], bounds[20]);
    let top: Vec<f64> = values.iter().copied().filter(|x| *x >= lo).collect();
    let lower_half = top.iter().filter(|x| **x < (lo + hi) / 2.0).count() as f64;
    // sd of a half share among ~5000 draws: 0.007; ±0.03 is four of them.
    assert!((lower_half / top.len() as f64 - 0.5).abs() < 0.03);
}

#[test]
fn integer_buckets_hold_equal_shares_with_narrow_buckets_and_point_masses() {
    // Buckets one integer wide ([3, 4) is only 3), a point mass of 10 (three equal bounds:
    // two buckets), and a last bucket that includes its upper bound 1000.
    let bounds: Vec<i64> = vec![0, 3, 4, 5, 10, 10, 10, 11, 50, 400, 1000];
    let q = Quantiles::new(bounds.clone()).unwrap();
    let values = draws(&q, 12);
    assert_shares(&bounds, &values);
    let share = |v: i64| values.iter().filter(|x| **x == v).count() as f64 / DRAWS as f64;
    // 3 is the whole of bucket [3, 4); 10 is the two point-mass buckets plus the integer 10
    // of bucket [10, 11).
    assert!((share(3) - 0.1).abs() <= TOLERANCE, "{}", share(3));
    assert!((share(10) - 0.3).abs() <= TOLERANCE, "{}", share(10));
    // The last bucket is closed: its upper bound is drawn (1 of its 601 integers).
    assert!(values.contains(&1000));
    assert!(values.iter().all(|x| (0..=1000).contains(x)));
}

#[test]
fn narrow_integer_types_and_floats_of_one_width() {
    let q = Quantiles::new([0u8, 1, 2, 255]).unwrap();
    let values = draws(&q, 13);
    let zeros = values.iter().filter(|x| **x == 0).count() as f64 / DRAWS as f64;
    assert!((zeros - 1.0 / 3.0).abs() <= TOLERANCE, "{zeros}");
    let q = Quantiles::new([1.5f32, 1.5, 2.5]).unwrap();
    let values = draws(&q, 14);
    let point = values.iter().filter(|x| **x == 1.5).count() as f64 / DRAWS as f64;
    assert!((point - 0.5).abs() <= TOLERANCE, "{point}");
    assert!(values.iter().all(|x| (1.5..=2.5).contains(x)));
}

#[test]
fn same_seed_same_values() {
    let q = Quantiles::new([1.0, 2.0, 8.0]).unwrap();
    assert_eq!(draws(&q, 5)[..100], draws(&q, 5)[..100]);
}

#[test]
fn bad_bounds_are_typed_errors() {
    assert_eq!(
        Quantiles::<i64>::new([]).unwrap_err(),
        ParamError::TooFewBounds { given: 0 }
    );
    assert_eq!(
        Quantiles::new([4]).unwrap_err(),
        ParamError::TooFewBounds { given: 1 }
    );
    let e = Quantiles::new([1, 5, 4]).unwrap_err();
    assert_eq!(
        e,
        ParamError::DecreasingBound {
            index: 2,
            value: "4".into(),
            previous: "5".into()
        }
    );
    assert!(
        e.to_string()
            .contains("`quantiles[2]` = 4 is below the bound before it (5)")
    );
    assert!(matches!(
        Quantiles::new([0.0, f64::INFINITY]),
        Err(ParamError::BadBound { index: 1, .. })
    ));
    // NaN compares with nothing: reported as unusable, not as decreasing.
    assert!(matches!(
        Quantiles::new([f64::NAN, 1.0]),
        Err(ParamError::BadBound { index: 0, .. })
    ));
    // Conversions from the derive's literals.
    let e = Quantiles::<u8>::from_bounds([
        <u8 as FromBound<i128>>::from_bound(1),
        <u8 as FromBound<i128>>::from_bound(300),
    ])
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`quantiles[1]`: 300 does not fit `u8` (0 to 255)"
    );
    let q = Quantiles::<f64>::from_bounds([
        <f64 as FromBound<i128>>::from_bound(1),
        <f64 as FromBound<f64>>::from_bound(2.5),
    ])
    .unwrap();
    assert_eq!(q.bounds(), &[1.0, 2.5]);
}

fn sorted<T: PartialOrd>(mut v: Vec<T>) -> Vec<T> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any valid float bounds (also huge ones of opposite signs, where `hi - lo` overflows):
    /// every draw lies in `[first, last]`.
    #[test]
    fn float_draws_stay_within_the_bounds(
        raw in prop::collection::vec(prop::num::f64::NORMAL | prop::num::f64::ZERO, 2..12),
        seed in any::<u64>(),
    ) {
        let bounds = sorted(raw);
        let q = Quantiles::new(bounds.clone()).unwrap();
        let mut rng = seeded(seed);
        for _ in 0..200 {
            let x = q.sample(&mut rng);
            prop_assert!(bounds[0] <= x && x <= bounds[bounds.len() - 1], "{x} outside {bounds:?}");
        }
    }

    /// Any valid integer bounds, the full `i64` range included.
    #[test]
    fn integer_draws_stay_within_the_bounds(
        raw in prop::collection::vec(any::<i64>(), 2..12),
        seed in any::<u64>(),
    ) {
        let bounds = sorted(raw);
        let q = Quantiles::new(bounds.clone()).unwrap();
        let mut rng = seeded(seed);
        for _ in 0..200 {
            let x = q.sample(&mut rng);
            prop_assert!(bounds[0] <= x && x <= bounds[bounds.len() - 1]);
        }
    }

    /// Bounds out of order are refused, at the first that goes down.
    #[test]
    fn decreasing_bounds_are_refused(raw in prop::collection::vec(-100i32..100, 2..10)) {
        let first_down = (1..raw.len()).find(|&i| raw[i] < raw[i - 1]);
        match (Quantiles::new(raw.clone()), first_down) {
            (Ok(_), None) => {}
            (Err(ParamError::DecreasingBound { index, .. }), Some(i)) => prop_assert_eq!(index, i),
            (other, _) => prop_assert!(false, "{raw:?}: {other:?}"),
        }
    }
}

#[cfg(feature = "chrono")]
mod chrono_values {
    use ::chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

    use super::*;

    fn date(s: &str) -> NaiveDate {
        match Moment::parse(s).unwrap() {
            Moment::Date(d) => NaiveDate::from_bound(d).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn date_buckets_hold_equal_shares() {
        // Invoice dates: a busy first month, a point mass on one day, then a long tail.
        let bounds: Vec<NaiveDate> = [
            "2009-01-01",
            "2009-01-03",
            "2009-01-04",
            "2009-01-20",
            "2009-03-01",
            "2009-03-01",
            "2009-03-02",
            "2010-01-01",
            "2013-12-31",
        ]
        .into_iter()
        .map(date)
        .collect();
        let q = Quantiles::new(bounds.clone()).unwrap();
        let values = draws(&q, 21);
        assert_shares(&bounds, &values);
        let day = |d: &str| values.iter().filter(|x| **x == date(d)).count() as f64 / DRAWS as f64;
        // [01-03, 01-04) is one day; 03-01 is a point mass plus the day of [03-01, 03-02).
        assert!((day("2009-01-03") - 0.125).abs() <= TOLERANCE);
        assert!((day("2009-03-01") - 0.25).abs() <= TOLERANCE);
        assert!(values.contains(&date("2013-12-31")));
    }

    #[test]
    fn timestamps_are_drawn_to_the_microsecond() {
        let at = |s: &str| match Moment::parse(s).unwrap() {
            Moment::Timestamp(t) => NaiveDateTime::from_bound(t).unwrap(),
            Moment::Date(d) => NaiveDateTime::from_bound(d).unwrap(),
            other => panic!("{other:?}"),
        };
        let bounds = vec![
            at("2009-01-01"),
            at("2009-01-01 00:00:00.000003"),
            at("2009-01-01 12:00:00"),
            at("2009-06-30 23:59:59.999999"),
        ];
        let q = Quantiles::new(bounds.clone()).unwrap();
        let values = draws(&q, 22);
        assert_shares(&bounds, &values);
        // The first bucket holds three microseconds.
        let first: std::collections::BTreeSet<_> =
            values.iter().filter(|x| **x < bounds[1]).collect();
        assert_eq!(first.len(), 3);

        let utc = |s: &str| match Moment::parse(s).unwrap() {
            Moment::Zoned(z) => DateTime::<Utc>::from_bound(z).unwrap(),
            Moment::Timestamp(t) => DateTime::<Utc>::from_bound(t).unwrap(),
            Moment::Date(d) => DateTime::<Utc>::from_bound(d).unwrap(),
        };
        // Offsets are converted: 02:00+02 is midnight UTC.
        assert_eq!(utc("2009-01-01T02:00:00+02:00"), utc("2009-01-01"));
        let bounds = vec![
            utc("2009-01-01"),
            utc("2009-01-02 00:00:00"),
            utc("2009-12-31T00:00:00Z"),
        ];
        let q = Quantiles::new(bounds.clone()).unwrap();
        assert_shares(&bounds, &draws(&q, 23));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Dates anywhere in years 0000..9999, and timestamps with nanoseconds (finer than
        /// the microseconds drawn): every draw lies within the bounds.
        #[test]
        fn chrono_draws_stay_within_the_bounds(
            days in prop::collection::vec(-719_528i64..2_932_896, 2..8),
            nanos in prop::collection::vec(0i64..86_400_000_000_000, 2..8),
            seed in any::<u64>(),
        ) {
            let dates = sorted(days.into_iter().map(|d| NaiveDate::from_bound(DateBound(d)).unwrap()).collect());
            let q = Quantiles::new(dates.clone()).unwrap();
            let mut rng = seeded(seed);
            for _ in 0..100 {
                let x = q.sample(&mut rng);
                prop_assert!(dates[0] <= x && x <= dates[dates.len() - 1]);
            }
            let times: Vec<NaiveDateTime> = sorted(nanos.into_iter().map(|n| {
                DateTime::from_timestamp_nanos(n).naive_utc()
            }).collect());
            let q = Quantiles::new(times.clone()).unwrap();
            for _ in 0..100 {
                let x = q.sample(&mut rng);
                prop_assert!(times[0] <= x && x <= times[times.len() - 1]);
            }
        }
    }
}
