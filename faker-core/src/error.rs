//! Typed errors for distributor parameters.
//!
//! Every constructor of a distribution parameter validates its input and returns a
//! [`ParamError`] instead of producing silent nonsense. The `param` in each variant is the
//! parameter's name as a user writes it in `#[distributor(..)]` (`skew`, `mean`, `weights`,
//! `null_weight`, ...), so a message can be traced back to the attribute that caused it.

use thiserror::Error;

/// A distribution parameter that cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ParamError {
    /// NaN or an infinity where a finite number is needed.
    #[error("`{param}` must be a finite number, got {value}")]
    NotFinite { param: &'static str, value: f64 },

    /// `skew` below 1 (1 is uniform; larger values favour the oldest values).
    #[error("`skew` must be >= 1.0 (1.0 is uniform, 2.0 is moderate skew), got {value}")]
    SkewBelowOne { value: f64 },

    /// `mean` below 1: a value cannot be used less than once on average.
    #[error("`mean` must be >= 1 (average uses per value; 1 means unique values), got {value}")]
    MeanBelowOne { value: f64 },

    /// A mean that must be non-negative (counts of children) is negative.
    #[error("`{param}` must be >= 0, got {value}")]
    Negative { param: &'static str, value: f64 },

    /// `null_weight` outside `[0, 1]`.
    #[error("`null_weight` is a probability and must lie in [0, 1], got {value}")]
    NullWeightOutOfRange { value: f64 },

    /// `weights = []`.
    #[error(
        "`weights` must not be empty; give one weight per partition, e.g. [0.7, 0.2, 0.07, 0.03]"
    )]
    EmptyWeights,

    /// A negative weight.
    #[error("`weights[{index}]` is negative ({value}); weights must be >= 0")]
    NegativeWeight { index: usize, value: f64 },

    /// Every weight is zero, so no partition could ever be chosen.
    #[error("`weights` are all zero; at least one weight must be positive")]
    AllWeightsZero,

    /// `weights` and `skew` given together; they are two different laws.
    #[error("give either `weights` or `skew`, not both: they are two different laws over the pool")]
    WeightsAndSkew,

    /// `one_of = []`: a choice among no values.
    #[error("`one_of` must list at least one value, e.g. one_of = [\"new\", \"paid\"]")]
    NoValues,

    /// `one_of` and its `weights` of different lengths.
    #[error(
        "`weights` has {weights} weight(s) for {values} value(s) of `one_of`: give one weight per value, in the same order"
    )]
    WeightsPerValue { weights: usize, values: usize },

    /// An integer range whose lower bound exceeds its upper bound.
    #[error("range `{min}..={max}` is empty: `min` must be <= `max`")]
    EmptyRange { min: i64, max: i64 },

    /// A count law parameter given with `range`, which decides the counts by itself.
    #[error(
        "`{param}` cannot be given with `range`: the range's values and their `weights` decide the counts (and so the mean)"
    )]
    WithRange { param: &'static str },

    /// Planned mode would need more slots than it may allocate.
    #[error(
        "planned mode for {draws} draws with `mean` = {mean} needs too many slots; \
         use `mean = 1` for unique values, a larger `mean`, or dynamic mode"
    )]
    PlanTooLarge { draws: u64, mean: f64 },

    /// `quantiles` with fewer than two bounds: no bucket between them.
    #[error(
        "`quantiles` needs at least 2 bounds (each bucket lies between two consecutive bounds), got {given}"
    )]
    TooFewBounds { given: usize },

    /// A `quantiles` bound below the one before it.
    #[error(
        "`quantiles[{index}]` = {value} is below the bound before it ({previous}): bounds must be non-decreasing (equal bounds make a point mass)"
    )]
    DecreasingBound {
        index: usize,
        value: String,
        previous: String,
    },

    /// A `quantiles` bound that cannot be used (NaN, or out of the field type's range).
    #[error("`quantiles[{index}]`: {reason}")]
    BadBound { index: usize, reason: String },

    /// `top = []`: no most used value given.
    #[error("`top` must give the share of at least one most used value, e.g. top = [0.06, 0.04]")]
    EmptyTop,

    /// Any other out-of-domain parameter, with a sentence saying what is allowed.
    #[error("`{param}` = {value} is out of range: {expected}")]
    OutOfRange {
        param: &'static str,
        value: f64,
        expected: &'static str,
    },
}

/// Checks that `value` is finite, naming `param` otherwise.
pub(crate) fn finite(param: &'static str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ParamError::NotFinite { param, value })
    }
}
