//! Building a distributor from the parameters of `#[distributor(..)]`.

use super::{Nullable, Strategy};
use crate::error::ParamError;
use crate::law::Top;
use crate::{Law, Mean, NullWeight, Skew, Weights};

/// The distributor `#[distributor(..)]` describes: a [`Strategy`] inside the `null_weight`
/// wrapper (a zero null weight costs nothing per draw).
pub type Distributor = Nullable<Strategy>;

/// The raw parameters of `#[distributor(weights = .., skew = .., mean = .., null_weight = ..)]`,
/// validated by [`DistributorConfig::build`].
///
/// | given | law | mean |
/// |---|---|---|
/// | nothing | uniform | 1: every draw creates (unique values) |
/// | `mean` only | uniform | `mean` |
/// | `skew` | [`Skew`] | `mean`, default 50 |
/// | `weights` | [`Weights`] | `mean`, default 50 |
/// | `weights` and `skew` | error [`ParamError::WeightsAndSkew`] | |
///
/// (The original library silently preferred `weights` when both were given; two laws at once
/// is almost always a mistake, so it is an error here.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistributorConfig {
    /// Partition weights.
    pub weights: Option<Vec<f64>>,
    /// Power-law exponent, >= 1.
    pub skew: Option<f64>,
    /// Average uses per value, >= 1.
    pub mean: Option<f64>,
    /// Probability of a null, in [0, 1].
    pub null_weight: Option<f64>,
    /// Planned draws spent in order of creation (see [`Strategy::ordered`]).
    pub ordered: bool,
    /// The shares of the most used values, on top of the law (see [`Top`]).
    pub top: Option<Vec<f64>>,
}

impl DistributorConfig {
    /// The default mean when a law is given without one (the original's default).
    pub const DEFAULT_MEAN: f64 = 50.0;

    /// Validates every parameter and builds the (dynamic) distributor; call
    /// [`Plannable::plan`](super::Plannable::plan) to plan it.
    pub fn build(&self) -> Result<Distributor, ParamError> {
        let law = match (&self.weights, self.skew) {
            (Some(_), Some(_)) => return Err(ParamError::WeightsAndSkew),
            (Some(w), None) => Law::Weights(Weights::new(w)?),
            (None, Some(s)) => Law::Skew(Skew::new(s)?),
            (None, None) => Law::Uniform,
        };
        let mean = match (self.mean, &law) {
            (Some(m), _) => Mean::new(m)?,
            (None, Law::Uniform) => Mean::UNIQUE,
            (None, _) => Mean::new(Self::DEFAULT_MEAN)?,
        };
        let null_weight = match self.null_weight {
            Some(q) => NullWeight::new(q)?,
            None => NullWeight::NEVER,
        };
        let top = self.top.as_ref().map(Top::new).transpose()?;
        Ok(Nullable::new(
            Strategy::new(law, mean).ordered(self.ordered).with_top(top),
            null_weight,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(c: DistributorConfig) -> Result<Distributor, ParamError> {
        c.build()
    }

    #[test]
    fn decision_table() {
        let d = build(DistributorConfig::default()).unwrap();
        assert_eq!(d.inner().law(), &Law::Uniform);
        assert!(d.inner().mean().is_unique());

        let d = build(DistributorConfig {
            skew: Some(2.0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(d.inner().mean().get(), 50.0);

        let d = build(DistributorConfig {
            mean: Some(7.0),
            null_weight: Some(0.25),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((d.inner().mean().get(), d.null_weight().get()), (7.0, 0.25));
    }

    #[test]
    fn every_invalid_parameter_is_rejected() {
        type Check = fn(&ParamError) -> bool;
        let cases: Vec<(DistributorConfig, Check)> = vec![
            (
                DistributorConfig {
                    skew: Some(0.9),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::SkewBelowOne { .. }),
            ),
            (
                DistributorConfig {
                    mean: Some(0.5),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::MeanBelowOne { .. }),
            ),
            (
                DistributorConfig {
                    null_weight: Some(-0.1),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::NullWeightOutOfRange { .. }),
            ),
            (
                DistributorConfig {
                    null_weight: Some(1.1),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::NullWeightOutOfRange { .. }),
            ),
            (
                DistributorConfig {
                    weights: Some(vec![]),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::EmptyWeights),
            ),
            (
                DistributorConfig {
                    weights: Some(vec![1.0, -1.0]),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::NegativeWeight { index: 1, .. }),
            ),
            (
                DistributorConfig {
                    weights: Some(vec![0.0, 0.0]),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::AllWeightsZero),
            ),
            (
                DistributorConfig {
                    weights: Some(vec![0.5, 0.5]),
                    skew: Some(2.0),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::WeightsAndSkew),
            ),
            (
                DistributorConfig {
                    skew: Some(f64::NAN),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::NotFinite { param: "skew", .. }),
            ),
            (
                DistributorConfig {
                    mean: Some(f64::INFINITY),
                    ..Default::default()
                },
                |e| matches!(e, ParamError::NotFinite { param: "mean", .. }),
            ),
            (
                DistributorConfig {
                    null_weight: Some(f64::NAN),
                    ..Default::default()
                },
                |e| {
                    matches!(
                        e,
                        ParamError::NotFinite {
                            param: "null_weight",
                            ..
                        }
                    )
                },
            ),
            (
                DistributorConfig {
                    weights: Some(vec![0.5, f64::NEG_INFINITY]),
                    ..Default::default()
                },
                |e| {
                    matches!(
                        e,
                        ParamError::NotFinite {
                            param: "weights",
                            ..
                        }
                    )
                },
            ),
        ];
        for (config, check) in cases {
            match config.build() {
                Err(e) => assert!(check(&e), "{config:?} gave {e}"),
                Ok(_) => panic!("{config:?} was accepted"),
            }
        }
    }
}
