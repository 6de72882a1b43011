//! `null_weight`: the share of draws that give `None`.

use crate::error::{ParamError, finite};

/// Probability that a draw yields a null (`null_weight` in `#[distributor(..)]`).
///
/// ```
/// use faker_core::NullWeight;
/// assert_eq!(NullWeight::new(0.2).unwrap().get(), 0.2);
/// assert!(NullWeight::new(1.5).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct NullWeight(f64);

impl NullWeight {
    /// Never null.
    pub const NEVER: NullWeight = NullWeight(0.0);

    /// Validates `0 <= null_weight <= 1`.
    pub fn new(null_weight: f64) -> Result<Self, ParamError> {
        let q = finite("null_weight", null_weight)?;
        if !(0.0..=1.0).contains(&q) {
            return Err(ParamError::NullWeightOutOfRange { value: q });
        }
        Ok(NullWeight(q))
    }

    /// The probability of a null.
    pub fn get(self) -> f64 {
        self.0
    }

    /// True when a draw can never be null.
    pub fn is_never(self) -> bool {
        self.0 == 0.0
    }
}
