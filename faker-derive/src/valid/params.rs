//! Distribution parameters, checked by faker-core's own validating constructors (the ones the
//! runtime calls when a type is first used), so a rule lives in one place; a
//! [`ParamError`] becomes a compile error at the parameter it names.
//!
//! Each parameter is checked on its own (a configuration holding only it) so that every wrong
//! parameter is reported, not only the first one the runtime would stop at.

use faker_core::provider::CountConfig;
use faker_core::{DistributorConfig, OneOf, ParamError, Skew, Weights};

use crate::Errors;
use crate::attr::{At, CountLaw, DistributorAttr, JointAttr, Num, WeightsList};

/// Where each parameter of one attribute was written.
struct Spans<'a> {
    attr: &'static str,
    whole: &'a At,
    weights: Option<&'a WeightsList>,
    skew: Option<&'a Num>,
    mean: Option<&'a Num>,
    null_weight: Option<&'a Num>,
    top: Option<&'a WeightsList>,
}

impl Spans<'_> {
    /// The parameter named `param` (as `ParamError` names it), else the whole attribute.
    fn named(&self, param: &str) -> &At {
        let at = match param {
            "weights" => self.weights.map(|w| &w.at),
            "skew" => self.skew.map(|n| &n.at),
            "mean" => self.mean.map(|n| &n.at),
            "null_weight" => self.null_weight.map(|n| &n.at),
            "top" => self.top.map(|n| &n.at),
            _ => None,
        };
        at.unwrap_or(self.whole)
    }

    /// Where `error` points: the parameter it is about.
    fn of(&self, error: &ParamError) -> &At {
        match error {
            ParamError::SkewBelowOne { .. } | ParamError::WeightsAndSkew => self.named("skew"),
            ParamError::MeanBelowOne { .. } => self.named("mean"),
            ParamError::EmptyTop => self.named("top"),
            ParamError::NullWeightOutOfRange { .. } => self.named("null_weight"),
            ParamError::EmptyWeights
            | ParamError::AllWeightsZero
            | ParamError::WeightsPerValue { .. } => self.named("weights"),
            ParamError::NegativeWeight { index, .. } => self
                .weights
                .and_then(|w| w.values.get(*index))
                .map_or_else(|| self.named("weights"), |n| &n.at),
            ParamError::NotFinite { param, .. }
            | ParamError::Negative { param, .. }
            | ParamError::OutOfRange { param, .. } => self.named(param),
            // Errors of other parameters (ranges, plans) are not written in these attributes;
            // should one appear, the whole attribute is the best place to show it.
            _ => self.whole,
        }
    }

    fn report(&self, result: Result<(), ParamError>, errors: &mut Errors) {
        if let Err(e) = result {
            // The rule and its wording are the runtime's; only what to write instead is added.
            let hint = match e {
                ParamError::WeightsAndSkew => {
                    "; keep `weights = [..]` (partitions) or `skew = ..` (a power law)"
                }
                ParamError::NullWeightOutOfRange { .. } => {
                    ": write e.g. `null_weight = 0.1` for 10% nulls"
                }
                _ => "",
            };
            errors.push(self.of(&e).error(format!("{}: {e}{hint}", self.attr)));
        }
    }
}

fn values(w: &WeightsList) -> Vec<f64> {
    w.values.iter().map(|n| n.value).collect()
}

/// `weights`, `skew`, `mean` and `null_weight` of `#[distributor(..)]`, by
/// [`DistributorConfig::build`].
pub fn distributor(d: &DistributorAttr, errors: &mut Errors) {
    let spans = Spans {
        attr: "#[distributor(..)]",
        whole: &d.at,
        weights: d.weights.as_ref(),
        skew: d.skew.as_ref(),
        mean: d.mean.as_ref(),
        null_weight: d.null_weight.as_ref().map(|k| &k.value),
        top: d.top.as_ref(),
    };
    laws(&spans, errors);
}

/// `weights`, `skew` and `mean` of `#[joint(..)]`: the law over combinations is a
/// [`DistributorConfig`] without `null_weight`, checked by the same rules as a distributor's.
pub fn joint(j: &JointAttr, errors: &mut Errors) {
    let spans = Spans {
        attr: "#[joint(..)]",
        whole: &j.at,
        weights: j.weights.as_ref(),
        skew: j.skew.as_ref(),
        mean: j.mean.as_ref(),
        null_weight: None,
        top: None,
    };
    laws(&spans, errors);
}

/// Every parameter of a [`DistributorConfig`] written in `spans`, each on its own, then
/// `weights` with `skew`.
fn laws(spans: &Spans, errors: &mut Errors) {
    let check = |config: DistributorConfig| config.build().map(|_| ());
    let weights = spans.weights.map(values);
    let skew = spans.skew.map(|n| n.value);
    if let Some(top) = spans.top {
        let only = DistributorConfig {
            top: Some(values(top)),
            ..Default::default()
        };
        spans.report(check(only), errors);
    }
    if weights.is_some() {
        let only = DistributorConfig {
            weights: weights.clone(),
            ..Default::default()
        };
        spans.report(check(only), errors);
    }
    if skew.is_some() {
        let only = DistributorConfig {
            skew,
            ..Default::default()
        };
        spans.report(check(only), errors);
    }
    if weights.is_some() && skew.is_some() {
        let both = DistributorConfig {
            weights,
            skew,
            ..Default::default()
        };
        spans.report(check(both), errors);
    }
    if let Some(mean) = spans.mean {
        let only = DistributorConfig {
            mean: Some(mean.value),
            ..Default::default()
        };
        spans.report(check(only), errors);
    }
    if let Some(q) = spans.null_weight {
        let only = DistributorConfig {
            null_weight: Some(q.value),
            ..Default::default()
        };
        spans.report(check(only), errors);
    }
}

/// The count law of `#[children(..)]` or `#[provider(collection, ..)]` (`attr` names it in
/// messages; `whole` is where to report what belongs to no single parameter), by the laws'
/// constructors and [`CountConfig::validate`].
pub fn count(law: &CountLaw, attr: &'static str, whole: &At, errors: &mut Errors) {
    let spans = Spans {
        attr,
        whole,
        weights: law.weights.as_ref(),
        skew: law.skew.as_ref(),
        mean: law.mean.as_ref(),
        null_weight: None,
        top: None,
    };
    if let Some(range) = &law.range {
        // With a range, `weights` are the values' weights and the range decides the mean.
        for (param, at) in [
            ("mean", law.mean.as_ref().map(|n| &n.at)),
            ("skew", law.skew.as_ref().map(|n| &n.at)),
        ] {
            if let Some(at) = at {
                let e = ParamError::WithRange { param };
                errors.push(at.error(format!("{attr}: {e}; remove `{param}`")));
            }
        }
        let config = CountConfig {
            range: Some((range.min, range.max)),
            weights: law.weights.as_ref().map(values),
            ..Default::default()
        };
        if let Err(e) = config.validate() {
            let at = match e {
                ParamError::EmptyRange { .. } | ParamError::Negative { .. } => &range.at,
                ref other => spans.of(other),
            };
            errors.push(at.error(format!("{attr}: {e}")));
        }
        return;
    }
    // The laws first, on their own, so that the count is then checked with the valid ones.
    let weights = law
        .weights
        .as_ref()
        .map(values)
        .filter(|w| match Weights::new(w) {
            Ok(_) => true,
            Err(e) => {
                spans.report(Err(e), errors);
                false
            }
        });
    let skew = law
        .skew
        .as_ref()
        .map(|n| n.value)
        .filter(|s| match Skew::new(*s) {
            Ok(_) => true,
            Err(e) => {
                spans.report(Err(e), errors);
                false
            }
        });
    // Without `mean` the attribute is incomplete (reported by the caller); a law given alone
    // was checked above.
    let Some(mean) = &law.mean else { return };
    let config = CountConfig {
        mean: mean.value,
        skew,
        weights,
        range: None,
    };
    spans.report(config.validate(), errors);
}

/// `one_of = [..]` and its `weights = [..]` in `#[provider(..)]`, by [`OneOf::for_values`]:
/// at least one value, one weight per value, the weights valid as a law.
pub fn one_of(count: usize, list: &At, weights: Option<&WeightsList>, errors: &mut Errors) {
    let spans = Spans {
        attr: "#[provider(one_of = [..])]",
        whole: list,
        weights,
        skew: None,
        mean: None,
        null_weight: None,
        top: None,
    };
    let weights = weights.map(values);
    spans.report(
        OneOf::for_values(count, weights.as_deref()).map(|_| ()),
        errors,
    );
}
