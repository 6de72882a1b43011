//! `chrono::NaiveDate`, `NaiveDateTime` and `DateTime<Utc>` as histogram values (feature
//! `chrono`): dates are drawn as whole days, timestamps as whole microseconds (PostgreSQL's
//! precision), both half-open like the integers (see `value.rs`). A bound with nanoseconds is
//! still a valid bound: draws are clamped into `[lo, hi]`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rand::{Rng, RngExt};

use super::bound::FromBound;
use super::moment::{DateBound, TimestampBound, ZonedBound};
use super::value::QuantileValue;

/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// An integer drawn from `[lo, hi)` (`[lo, hi]` when `closed`); `lo` for an empty range (two
/// bounds within one microsecond).
fn integer_in<R: Rng + ?Sized>(lo: i64, hi: i64, closed: bool, rng: &mut R) -> i64 {
    match (closed, lo < hi) {
        (true, _) if lo <= hi => rng.random_range(lo..=hi),
        (false, true) => rng.random_range(lo..hi),
        _ => lo,
    }
}

impl QuantileValue for NaiveDate {
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self {
        let (a, b) = (lo.num_days_from_ce(), hi.num_days_from_ce());
        let day = integer_in(i64::from(a), i64::from(b), closed, rng);
        // Between two valid dates, so always valid.
        i32::try_from(day)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .unwrap_or(*lo)
    }
}

impl QuantileValue for NaiveDateTime {
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self {
        let (a, b) = (
            lo.and_utc().timestamp_micros(),
            hi.and_utc().timestamp_micros(),
        );
        let micros = integer_in(a, b, closed, rng);
        DateTime::from_timestamp_micros(micros)
            .map_or(*lo, |t| t.naive_utc())
            .clamp(*lo, *hi)
    }
}

impl QuantileValue for DateTime<Utc> {
    fn uniform_in<R: Rng + ?Sized>(lo: &Self, hi: &Self, closed: bool, rng: &mut R) -> Self {
        let (a, b) = (lo.timestamp_micros(), hi.timestamp_micros());
        let micros = integer_in(a, b, closed, rng);
        DateTime::from_timestamp_micros(micros)
            .unwrap_or(*lo)
            .clamp(*lo, *hi)
    }
}

fn date(bound: DateBound) -> Result<NaiveDate, String> {
    i32::try_from(bound.0 + EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| format!("day {} since 1970-01-01 is out of chrono's range", bound.0))
}

fn utc(micros: i64) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| format!("{micros} µs since 1970-01-01 is out of chrono's range"))
}

impl FromBound<DateBound> for NaiveDate {
    fn from_bound(bound: DateBound) -> Result<Self, String> {
        date(bound)
    }
}

impl FromBound<DateBound> for NaiveDateTime {
    fn from_bound(bound: DateBound) -> Result<Self, String> {
        Ok(date(bound)?.and_time(NaiveTime::MIN))
    }
}

impl FromBound<TimestampBound> for NaiveDateTime {
    fn from_bound(bound: TimestampBound) -> Result<Self, String> {
        Ok(utc(bound.0)?.naive_utc())
    }
}

/// A date is midnight UTC.
impl FromBound<DateBound> for DateTime<Utc> {
    fn from_bound(bound: DateBound) -> Result<Self, String> {
        Ok(date(bound)?.and_time(NaiveTime::MIN).and_utc())
    }
}

/// A timestamp without offset is read as UTC.
impl FromBound<TimestampBound> for DateTime<Utc> {
    fn from_bound(bound: TimestampBound) -> Result<Self, String> {
        utc(bound.0)
    }
}

impl FromBound<ZonedBound> for DateTime<Utc> {
    fn from_bound(bound: ZonedBound) -> Result<Self, String> {
        utc(bound.0)
    }
}
