//! `mean`: the average number of uses of each value.

use crate::error::{ParamError, finite};

/// Average number of draws that reuse each distinct value (`mean` in `#[distributor(..)]`).
///
/// On a non-empty pool a dynamic distributor creates a new value with probability `1/mean`
/// and reuses one otherwise, so in the long run every value is used `mean` times on average.
/// `mean = 1` means every draw creates: the values are unique.
///
/// ```
/// use faker_core::Mean;
/// assert_eq!(Mean::new(50.0).unwrap().get(), 50.0);
/// assert!(Mean::new(0.5).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Mean(f64);

impl Mean {
    /// Unique values: every draw creates.
    pub const UNIQUE: Mean = Mean(1.0);

    /// Validates `mean >= 1` and finite.
    pub fn new(mean: f64) -> Result<Self, ParamError> {
        let mean = finite("mean", mean)?;
        if mean < 1.0 {
            return Err(ParamError::MeanBelowOne { value: mean });
        }
        Ok(Mean(mean))
    }

    /// The average number of uses per value.
    pub fn get(self) -> f64 {
        self.0
    }

    /// Probability that a draw on a non-empty pool creates a new value.
    pub fn create_probability(self) -> f64 {
        1.0 / self.0
    }

    /// True when every draw must create (values are unique).
    pub fn is_unique(self) -> bool {
        self.0 == 1.0
    }
}

impl Default for Mean {
    /// 50, the default of the original library: each value is used 50 times on average.
    fn default() -> Self {
        Mean(50.0)
    }
}
