//! Dates and timestamps written as text (`"2009-01-01"`, `"2009-01-01 13:45:00.25"`,
//! `"2009-01-01T13:45:00Z"`), read without any date library, so that the derive checks a
//! `#[provider(quantiles = [..])]` bound at compile time by the same rule the runtime uses, and
//! the `chrono` feature only converts what this module read.
//!
//! The accepted forms are the ISO 8601 ones PostgreSQL prints (and `faker-pg profile` suggests):
//!
//! * a date `YYYY-MM-DD` (years 0000 to 9999, the proleptic Gregorian calendar);
//! * a timestamp: a date, `T` or one space, `HH:MM:SS` and optionally a fraction of up to nine
//!   digits (kept to the microsecond, PostgreSQL's precision: further digits are cut off);
//! * a timestamp with a UTC offset: the same followed by `Z`, `+HH`, `+HH:MM` or `+HHMM` (or
//!   `-`), converted to UTC.

use std::fmt;

/// Microseconds in a day.
const DAY_MICROS: i64 = 86_400_000_000;

/// A date or timestamp read by [`Moment::parse`], on a UTC-free axis counted from
/// 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// `YYYY-MM-DD`: days since 1970-01-01 (negative before).
    Date(DateBound),
    /// A timestamp without offset: microseconds since 1970-01-01 00:00:00.
    Timestamp(TimestampBound),
    /// A timestamp with an offset: microseconds since 1970-01-01 00:00:00 UTC.
    Zoned(ZonedBound),
}

/// A date bound: days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateBound(pub i64);

/// A timestamp bound without offset: microseconds since 1970-01-01 00:00:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimestampBound(pub i64);

/// A timestamp bound with an offset, in UTC: microseconds since 1970-01-01 00:00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ZonedBound(pub i64);

/// Why a text is no date or timestamp; the message says what to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentError(String);

impl fmt::Display for MomentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MomentError {}

impl Moment {
    /// Reads a date or timestamp (see the module docs for the forms).
    ///
    /// ```
    /// use faker_core::quantiles::{DateBound, Moment, TimestampBound, ZonedBound};
    /// assert_eq!(Moment::parse("1970-01-02").unwrap(), Moment::Date(DateBound(1)));
    /// assert_eq!(
    ///     Moment::parse("1970-01-01 00:00:01.5").unwrap(),
    ///     Moment::Timestamp(TimestampBound(1_500_000))
    /// );
    /// assert_eq!(
    ///     Moment::parse("1970-01-01T01:00:00+01:00").unwrap(),
    ///     Moment::Zoned(ZonedBound(0))
    /// );
    /// assert!(Moment::parse("2009-02-29").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Moment, MomentError> {
        let bad = |why: &str| {
            MomentError(format!(
                "{text:?} is not a date or timestamp: {why} (write \"2009-01-31\", \
                 \"2009-01-31 13:45:00\" or \"2009-01-31T13:45:00Z\")"
            ))
        };
        let b = text.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad("a date is YYYY-MM-DD"));
        }
        let year = digits(&b[0..4]).ok_or_else(|| bad("the year has four digits"))?;
        let month = digits(&b[5..7]).ok_or_else(|| bad("the month has two digits"))?;
        let day = digits(&b[8..10]).ok_or_else(|| bad("the day has two digits"))?;
        if !(1..=12).contains(&month) {
            return Err(bad("the month is 01 to 12"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(bad("no such day in that month"));
        }
        let days = days_from_civil(year, month, day);
        if b.len() == 10 {
            return Ok(Moment::Date(DateBound(days)));
        }
        if !(b[10] == b'T' || b[10] == b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
            return Err(bad(
                "a time follows the date as `T` or a space, then HH:MM:SS",
            ));
        }
        let hour = digits(&b[11..13]).ok_or_else(|| bad("the hour has two digits"))?;
        let minute = digits(&b[14..16]).ok_or_else(|| bad("the minutes have two digits"))?;
        let second = digits(&b[17..19]).ok_or_else(|| bad("the seconds have two digits"))?;
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("the time is 00:00:00 to 23:59:59"));
        }
        let mut rest = &b[19..];
        let mut micros = 0i64;
        if let Some((b'.', fraction)) = rest.split_first() {
            let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return Err(bad("a fraction of a second has one to nine digits"));
            }
            // Microseconds: the first six digits, padded; further digits are cut off.
            for i in 0..6 {
                micros = micros * 10
                    + fraction
                        .get(i)
                        .filter(|_| i < n)
                        .map_or(0, |c| i64::from(c - b'0'));
            }
            rest = &fraction[n..];
        }
        let local = days * DAY_MICROS + ((hour * 60 + minute) * 60 + second) * 1_000_000 + micros;
        if rest.is_empty() {
            return Ok(Moment::Timestamp(TimestampBound(local)));
        }
        let offset = match rest {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), tail @ ..] => {
                let (h, m) = match tail {
                    [h1, h2] => (digits(&[*h1, *h2]), Some(0)),
                    [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                        (digits(&[*h1, *h2]), digits(&[*m1, *m2]))
                    }
                    _ => (None, None),
                };
                match (h, m) {
                    (Some(h), Some(m)) if h <= 15 && m <= 59 => {
                        let minutes = h * 60 + m;
                        if *sign == b'-' { -minutes } else { minutes }
                    }
                    _ => return Err(bad("an offset is Z, +HH, +HH:MM or -HH:MM")),
                }
            }
            _ => return Err(bad("after the time may only come a UTC offset")),
        };
        Ok(Moment::Zoned(ZonedBound(local - offset * 60_000_000)))
    }

    /// The moment on one microsecond axis (a date is its midnight; a zoned timestamp is in UTC),
    /// to order bounds of mixed forms.
    pub fn micros(self) -> i64 {
        match self {
            Moment::Date(DateBound(d)) => d * DAY_MICROS,
            Moment::Timestamp(TimestampBound(m)) | Moment::Zoned(ZonedBound(m)) => m,
        }
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(0, 1, 1), -719_528);
        assert_eq!(
            Moment::parse("2009-01-01").unwrap(),
            Moment::Date(DateBound(14_245))
        );
        assert!(Moment::parse("2000-02-29").is_ok());
        assert!(Moment::parse("1900-02-29").is_err());
        assert!(Moment::parse("2009-13-01").is_err());
        assert!(Moment::parse("2009-1-01").is_err());
        assert!(Moment::parse("yesterday").is_err());
    }

    #[test]
    fn timestamps_keep_microseconds_and_offsets() {
        let t = |s: &str| Moment::parse(s).unwrap();
        assert_eq!(
            t("1970-01-01T00:00:00"),
            Moment::Timestamp(TimestampBound(0))
        );
        assert_eq!(
            t("1970-01-01 00:00:00.123456789"),
            Moment::Timestamp(TimestampBound(123_456))
        );
        assert_eq!(
            t("1970-01-01 00:00:00.1"),
            Moment::Timestamp(TimestampBound(100_000))
        );
        assert_eq!(t("1970-01-01 00:00:00Z"), Moment::Zoned(ZonedBound(0)));
        assert_eq!(
            t("1970-01-01 00:00:00-02"),
            Moment::Zoned(ZonedBound(7_200_000_000))
        );
        assert_eq!(t("1970-01-01 05:30:00+0530"), Moment::Zoned(ZonedBound(0)));
        assert_eq!(t("1970-01-02").micros(), DAY_MICROS);
        for wrong in [
            "2009-01-01 24:00:00",
            "2009-01-01 12:00",
            "2009-01-01 12:00:00.",
            "2009-01-01 12:00:00+1",
            "2009-01-01 12:00:00 UTC",
            "2009-01-01x",
        ] {
            let e = Moment::parse(wrong).unwrap_err().to_string();
            assert!(e.contains("is not a date or timestamp"), "{wrong}: {e}");
        }
    }
}
