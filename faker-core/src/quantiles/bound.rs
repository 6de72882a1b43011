//! [`FromBound`]: a bound as written in `#[provider(quantiles = [..])]` turned into the field's
//! type. The derive reads each literal at compile time and calls the conversion for its kind
//! (an integer literal is an `i128`, a float literal an `f64`, a string a [`DateBound`],
//! [`TimestampBound`] or [`ZonedBound`]), so a bound of the wrong kind for the field (a date on
//! an `i64`, `1.5` on an integer) is a compile error at the literal; what only the value can
//! tell (`300` on a `u8`) is an error the first time the field is populated.
//!
//! [`DateBound`]: super::DateBound
//! [`TimestampBound`]: super::TimestampBound
//! [`ZonedBound`]: super::ZonedBound

/// Converts one bound of kind `B` to `Self`; the error says why the value does not fit.
#[diagnostic::on_unimplemented(
    message = "a `quantiles` bound of this kind cannot be a `{Self}`",
    label = "this bound does not fit the field's type `{Self}`",
    note = "integer literals fit integer and float fields, float literals float fields, \
            \"YYYY-MM-DD\" dates `NaiveDate`, `NaiveDateTime` and `DateTime<Utc>` fields, \
            timestamps without offset `NaiveDateTime` and `DateTime<Utc>`, timestamps with an \
            offset `DateTime<Utc>` (dates and timestamps need the `chrono` feature)"
)]
pub trait FromBound<B>: Sized {
    /// The bound as a `Self`.
    fn from_bound(bound: B) -> Result<Self, String>;
}

macro_rules! from_integer_literal {
    ($($t:ty)*) => {$(
        impl FromBound<i128> for $t {
            fn from_bound(bound: i128) -> Result<Self, String> {
                <$t>::try_from(bound).map_err(|_| {
                    format!(
                        "{bound} does not fit `{}` ({} to {})",
                        stringify!($t),
                        <$t>::MIN,
                        <$t>::MAX
                    )
                })
            }
        }
    )*};
}

from_integer_literal!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

impl FromBound<i128> for f64 {
    fn from_bound(bound: i128) -> Result<Self, String> {
        Ok(bound as f64)
    }
}

impl FromBound<i128> for f32 {
    fn from_bound(bound: i128) -> Result<Self, String> {
        Ok(bound as f32)
    }
}

impl FromBound<f64> for f64 {
    fn from_bound(bound: f64) -> Result<Self, String> {
        Ok(bound)
    }
}

impl FromBound<f64> for f32 {
    fn from_bound(bound: f64) -> Result<Self, String> {
        let narrowed = bound as f32;
        if narrowed.is_finite() || !bound.is_finite() {
            Ok(narrowed)
        } else {
            Err(format!("{bound} does not fit `f32`"))
        }
    }
}
