//! From a measured [`Profile`] to a ready-to-paste `#[distributor(..)]` attribute (and, for a
//! low-cardinality column that is not a reference, `#[provider(one_of = [..], weights = [..])]`,
//! see [`one_of`]).
//!
//! The rule ([`suggest`]):
//!
//! 1. **Low-cardinality** (the whole value list is known, at most `max_values` values):
//!    `weights` with one weight per value, most used first — exact, whatever the shape.
//! 2. Otherwise **`skew`** when the log-log fit is good *and* the law it claims reproduces the
//!    measured quartile weights: the fit exists (at least two ranks), its skew is finite, its
//!    `r² >= min_r2` (default 0.9), and every quartile share the skew law predicts is within
//!    `tolerance` (default 0.03, the quartile tolerance of `compare`) of the measured share.
//!    The predicted shares are closed-form: the first fraction `x` of the values receives
//!    `x^(1/skew)` of the uses ([`Skew::share_of_first`]), at the boundaries of the four
//!    `ntile(4)` tiles of the measured `distinct` values ([`predicted_quartile_shares`]).
//! 3. Otherwise **quartile `weights`** (always reproducible: they are what `compare` checks).
//!
//! `mean` is the measured uses per value, `null_weight` the null share (left out when there
//! are no nulls, as it is only allowed on `Option` fields). The [`Suggestion::reason`] says which
//! rule chose the law, with the numbers.

use faker_core::Skew;
use faker_core::estimate::Profile;

/// Parameters of the rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Least `r²` of the log-log fit for `skew` to be considered.
    pub min_r2: f64,
    /// Largest absolute difference between a predicted and a measured quartile share.
    pub tolerance: f64,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            min_r2: 0.9,
            tolerance: 0.03,
        }
    }
}

/// Which law the suggestion uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Law {
    /// A power law.
    Skew(f64),
    /// Quartile weights (four numbers).
    QuartileWeights([f64; 4]),
    /// One weight per value, most used first.
    ValueWeights(Vec<f64>),
    /// A fixed value list, `#[provider(one_of = [..], weights = [..])]`: one weight per value,
    /// most used first, then the null share when the column has nulls (`None` in the list).
    OneOf(Vec<f64>),
}

impl Law {
    /// `"skew"` or `"weights"`: the attribute key.
    pub fn key(&self) -> &'static str {
        match self {
            Law::Skew(_) => "skew",
            Law::QuartileWeights(_) | Law::ValueWeights(_) => "weights",
            Law::OneOf(_) => "one_of",
        }
    }
}

/// A suggested `#[distributor(..)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// The chosen law.
    pub law: Law,
    /// Uses per value.
    pub mean: f64,
    /// Null share (0 when the column has no nulls).
    pub null_weight: f64,
    /// The quartile shares the fitted skew predicts, when there is a finite fit.
    pub predicted: Option<[f64; 4]>,
    /// The shares of the most used values the law misses (`top = [..]`, see [`head`]),
    /// most used first; empty when the law alone fits.
    pub top: Vec<f64>,
    /// Why this law, for people to read.
    pub reason: String,
    /// The attribute, ready to paste.
    pub attribute: String,
}

/// The shares of uses the four `ntile(4)` tiles of `distinct` values ranked by use receive under
/// `skew`: tile `i` covers the fractions `x_{i-1}..x_i` of the values (tile sizes as `ntile` makes
/// them, larger first), so it receives `x_i^(1/skew) - x_{i-1}^(1/skew)`.
pub fn predicted_quartile_shares(skew: Skew, distinct: u64) -> [f64; 4] {
    let mut shares = [0.0; 4];
    if distinct == 0 {
        return shares;
    }
    let (base, extra) = (distinct / 4, distinct % 4);
    let mut end = 0u64;
    let mut before = 0.0;
    for (tile, share) in shares.iter_mut().enumerate() {
        end += base + u64::from((tile as u64) < extra);
        let now = skew.share_of_first(end as f64 / distinct as f64);
        *share = now - before;
        before = now;
    }
    shares
}

/// Chooses the law for `profile` (see the module docs); `value_shares` is the complete value
/// list's shares (most used first) for a low-cardinality column, `None` otherwise. `None` when
/// the column has no non-null value to describe.
pub fn suggest(profile: &Profile, value_shares: Option<&[f64]>, rule: &Rule) -> Option<Suggestion> {
    if profile.distinct == 0 {
        return None;
    }
    let fit = profile.skew;
    let predicted = fit
        .and_then(|f| Skew::new(f.skew).ok())
        .map(|s| predicted_quartile_shares(s, profile.distinct));
    let deviation = predicted.map(|p| {
        p.iter()
            .zip(&profile.quartile_shares)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    });

    let (law, reason) = if let Some(shares) = value_shares {
        (
            Law::ValueWeights(shares.to_vec()),
            format!(
                "weights: {} distinct values (low cardinality), one weight per value, most used \
                 first",
                profile.distinct
            ),
        )
    } else {
        match (fit, deviation) {
            (None, _) => (
                Law::QuartileWeights(profile.quartile_shares),
                "weights: too few values for a skew fit".to_owned(),
            ),
            (Some(f), None) => (
                Law::QuartileWeights(profile.quartile_shares),
                format!(
                    "weights: the log-log slope {:.3} is steeper than any skew (skew = inf)",
                    f.slope
                ),
            ),
            (Some(f), Some(_)) if f.r2 < rule.min_r2 => (
                Law::QuartileWeights(profile.quartile_shares),
                format!(
                    "weights: the skew fit is poor (r² {:.3} < {}), the data is not a power law",
                    f.r2, rule.min_r2
                ),
            ),
            (Some(f), Some(dev)) if dev > rule.tolerance => (
                Law::QuartileWeights(profile.quartile_shares),
                format!(
                    "weights: skew {:.2} fits the ranks (r² {:.3}) but misses the quartile \
                     weights by up to {dev:.3} (> {})",
                    f.skew, f.r2, rule.tolerance
                ),
            ),
            (Some(f), Some(dev)) => (
                Law::Skew(f.skew),
                format!(
                    "skew: power law, r² {:.3} >= {} and the quartile weights it predicts are \
                     within {dev:.3} (<= {}) of the measured ones",
                    f.r2, rule.min_r2, rule.tolerance
                ),
            ),
        }
    };

    let attribute = attribute(&law, profile.mean_uses, profile.null_share);
    Some(Suggestion {
        law,
        mean: profile.mean_uses,
        null_weight: profile.null_share,
        predicted,
        top: Vec::new(),
        reason,
        attribute,
    })
}

impl Suggestion {
    /// Adds the head of the rank–frequency curve the law misses, from the shares of the most
    /// used values (`measured`, most used first, of the non-null rows; see [`head`]): the law
    /// becomes the tail's, `top` the head's shares, the attribute and reason say so.
    pub fn with_head(mut self, quartiles: [f64; 4], distinct: u64, measured: &[f64]) -> Self {
        if let Some((top, tail)) = head(&self.law, quartiles, distinct, measured) {
            self.reason.push_str(&format!(
                "; top: the {} most used values have at least {HEAD_FACTOR}x the share the law \
                 gives their rank (the law gives the first {:.4}, it has {:.4}), so they get \
                 their own shares and the law the rest",
                top.len(),
                law_share(&self.law, distinct),
                top[0]
            ));
            self.law = tail;
            self.top = top;
            self.attribute = attribute_with_top(&self.law, self.mean, self.null_weight, &self.top);
        }
        self
    }
}

/// The share the law gives its most used value among `distinct` values.
fn law_share(law: &Law, distinct: u64) -> f64 {
    planned_law(law).map_or(0.0, |l| l.cdf(1.0 / distinct.max(1) as f64))
}

/// The runtime's planned law of a law of few parameters (`None` for a per-value list, which
/// is exact already, or parameters the runtime refuses).
fn planned_law(law: &Law) -> Option<faker_core::law::PlannedLaw> {
    let law = match law {
        Law::Skew(s) => faker_core::Law::Skew(Skew::new(*s).ok()?),
        Law::QuartileWeights(w) => faker_core::Law::Weights(faker_core::Weights::new(w).ok()?),
        Law::ValueWeights(_) | Law::OneOf(_) => return None,
    };
    Some(law.planned())
}

/// `#[distributor(skew = 2.5, mean = 48.7, null_weight = 0.02)]`.
pub fn attribute(law: &Law, mean: f64, null_weight: f64) -> String {
    let law = match law {
        Law::Skew(skew) => format!("skew = {}", decimals(*skew, 2)),
        Law::QuartileWeights(w) => format!("weights = [{}]", weight_list(w)),
        Law::ValueWeights(w) | Law::OneOf(w) => format!("weights = [{}]", weight_list(w)),
    };
    let mut out = format!("#[distributor({law}, mean = {}", decimals(mean.max(1.0), 2));
    if null_weight > 0.0 {
        out.push_str(&format!(", null_weight = {}", significant(null_weight, 3)));
    }
    out.push_str(")]");
    out
}

/// The most used values whose share the law misses, and the law for the others: what
/// `top = [..]` of `#[distributor(..)]` is for (see `faker_core::law::Top`).
///
/// A law with a few parameters reproduces the quartiles of a rank–frequency curve, not its
/// first points: a value with three times the share its rank gets under the law is common in
/// real data (the Chinook sample's most prolific artist has 21 albums where the fitted weights
/// give about 5), and PostgreSQL plans an equality on it from its frequency. Value `i`
/// (most used first, `measured[i]` its share of the non-null rows) joins the head while its
/// share is at least [`HEAD_FACTOR`] times what the law gives rank `i` among `distinct` slots,
/// for at most [`HEAD_VALUES`] values and a tenth of the distinct values (the law keeps the
/// bulk). The law for the others becomes quartile weights without the head's share in the
/// first quartile (a power law is self-similar: over the tail alone it would make a new head),
/// so the quartiles `compare` checks stay the measured ones.
///
/// `None` when no value qualifies, the law is a per-value list (already exact), or the
/// figures are not usable.
pub fn head(
    law: &Law,
    quartiles: [f64; 4],
    distinct: u64,
    measured: &[f64],
) -> Option<(Vec<f64>, Law)> {
    let planned = planned_law(law)?;
    let d = distinct as f64;
    let limit = HEAD_VALUES.min((distinct / 10) as usize);
    let mut top = Vec::new();
    for (i, &share) in measured.iter().enumerate().take(limit) {
        let slot = planned.cdf((i + 1) as f64 / d) - planned.cdf(i as f64 / d);
        if share < HEAD_FACTOR * slot {
            break;
        }
        top.push(share);
    }
    if top.is_empty() {
        return None;
    }
    let head: f64 = top.iter().sum();
    let first = (quartiles[0] - head).max(0.0);
    let tail = Law::QuartileWeights([first, quartiles[1], quartiles[2], quartiles[3]]);
    (head < 1.0).then_some((top, tail))
}

/// A value joins the head of a law (see [`head`]) with this many times its rank's share.
pub const HEAD_FACTOR: f64 = 1.5;

/// At most this many values in a head (see [`head`]).
pub const HEAD_VALUES: usize = 10;

/// `#[distributor(.., top = [..])]`: [`attribute`] with the shares of the most used values.
pub fn attribute_with_top(law: &Law, mean: f64, null_weight: f64, top: &[f64]) -> String {
    let mut out = attribute(law, mean, null_weight);
    if !top.is_empty() {
        let list: Vec<String> = top.iter().map(|t| significant(*t, 3)).collect();
        out.insert_str(out.len() - 2, &format!(", top = [{}]", list.join(", ")));
    }
    out
}

/// `#[joint(origin, dest, skew = 1.5, mean = 200)]`: the law of a tuple of columns that is not
/// one foreign key (two references whose combinations have their own law). The members are the
/// column names; rename them to the Rust fields when they differ. No `null_weight`: a
/// combination is never null (a member's own `#[distributor(..)]` carries its nulls).
pub fn joint_attribute(columns: &[&str], law: &Law, mean: f64) -> String {
    format!("#[joint({}, {})]", columns.join(", "), joint_law(law, mean))
}

/// The law of a `#[joint(..)]` after its members: `skew = 1.5, mean = 200`.
pub fn joint_law(law: &Law, mean: f64) -> String {
    let law = match law {
        Law::Skew(skew) => format!("skew = {}", decimals(*skew, 2)),
        Law::QuartileWeights(w) => format!("weights = [{}]", weight_list(w)),
        Law::ValueWeights(w) | Law::OneOf(w) => format!("weights = [{}]", weight_list(w)),
    };
    format!("{law}, mean = {}", decimals(mean.max(1.0), 2))
}

/// A low-cardinality column that is not a reference: its values are a fixed list with
/// production's shares, `#[provider(one_of = [..], weights = [..])]`, not a pool of created
/// and reused values. `values` are the Rust literals of the values, most used first, with
/// their `shares` of the non-null rows; a column with nulls (`null_share > 0`) gets `None` as
/// the last value, with the null share as its weight (the field is then an `Option`), and the
/// other weights scaled to the non-null rows. `None` without values.
pub fn one_of(values: &[String], shares: &[f64], null_share: f64) -> Option<(Law, String)> {
    if values.is_empty() || values.len() != shares.len() {
        return None;
    }
    let mut literals = values.to_vec();
    let mut weights: Vec<f64> = shares.iter().map(|s| s * (1.0 - null_share)).collect();
    if null_share > 0.0 {
        literals.push("None".to_owned());
        weights.push(null_share);
    }
    let attribute = format!(
        "#[provider(one_of = [{}], weights = [{}])]",
        literals.join(", "),
        weight_list(&weights)
    );
    Some((Law::OneOf(weights), attribute))
}

fn weight_list(weights: &[f64]) -> String {
    weights
        .iter()
        .map(|&w| significant(w, 3))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `x` rounded to `places` decimals, trailing zeros dropped (`48.70` → `48.7`, `50.00` → `50`).
pub fn decimals(x: f64, places: usize) -> String {
    let text = format!("{x:.places$}");
    trim_zeros(text)
}

/// `x` with `digits` significant digits in plain decimal notation (`0.000123`, `0.713`),
/// trailing zeros dropped; 0 stays `0`.
pub fn significant(x: f64, digits: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return decimals(x, 0);
    }
    let magnitude = x.abs().log10().floor() as i64;
    let places = (digits as i64 - 1 - magnitude).max(0) as usize;
    decimals(x, places)
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joint_attribute_names_its_members_and_drops_nulls() {
        assert_eq!(
            joint_attribute(&["origin", "dest"], &Law::Skew(1.5), 200.0),
            "#[joint(origin, dest, skew = 1.5, mean = 200)]"
        );
        assert_eq!(
            joint_attribute(
                &["invoice_id", "track_id"],
                &Law::QuartileWeights([0.4, 0.3, 0.2, 0.1]),
                1.0
            ),
            "#[joint(invoice_id, track_id, weights = [0.4, 0.3, 0.2, 0.1], mean = 1)]"
        );
    }

    #[test]
    fn a_value_list_gets_one_of_with_none_for_nulls() {
        let values = ["\"active\"".to_owned(), "\"closed\"".to_owned()];
        let (law, attribute) = one_of(&values, &[0.75, 0.25], 0.0).unwrap();
        assert_eq!(law, Law::OneOf(vec![0.75, 0.25]));
        assert_eq!(law.key(), "one_of");
        assert_eq!(
            attribute,
            r#"#[provider(one_of = ["active", "closed"], weights = [0.75, 0.25])]"#
        );
        let (_, attribute) = one_of(&["1".to_owned(), "2".to_owned()], &[0.5, 0.5], 0.2).unwrap();
        assert_eq!(
            attribute,
            "#[provider(one_of = [1, 2, None], weights = [0.4, 0.4, 0.2])]"
        );
        assert_eq!(one_of(&[], &[], 0.0), None);
    }

    #[test]
    fn numbers_print_short() {
        assert_eq!(decimals(48.7, 2), "48.7");
        assert_eq!(decimals(50.0, 2), "50");
        assert_eq!(significant(0.712_345, 3), "0.712");
        assert_eq!(significant(0.000_123_45, 3), "0.000123");
        assert_eq!(significant(0.03, 3), "0.03");
        assert_eq!(significant(0.0, 3), "0");
    }

    #[test]
    fn predicted_shares_follow_the_closed_form() {
        let two = Skew::new(2.0).unwrap();
        let p = predicted_quartile_shares(two, 400);
        let want = [
            0.5,
            0.5f64.sqrt() - 0.5,
            0.75f64.sqrt() - 0.5f64.sqrt(),
            1.0 - 0.75f64.sqrt(),
        ];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{p:?}");
        }
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // ntile tiles: 3 values are tiles of one value each and an empty fourth
        let p = predicted_quartile_shares(Skew::UNIFORM, 3);
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-12 && p[3] == 0.0, "{p:?}");
    }

    #[test]
    fn power_law_gets_skew_partitions_get_weights() {
        let power: Vec<u64> = (1..=2000)
            .map(|r| (1e6 * (r as f64).powf(-0.5)).round() as u64)
            .collect();
        let s = suggest(&Profile::from_counts(&power, 0), None, &Rule::default()).unwrap();
        assert!(
            matches!(s.law, Law::Skew(k) if (k - 2.0).abs() < 0.01),
            "{s:?}"
        );
        assert!(
            s.attribute.starts_with("#[distributor(skew = 2, mean = "),
            "{}",
            s.attribute
        );
        assert!(!s.attribute.contains("null_weight"));

        let w = [0.7, 0.2, 0.07, 0.03];
        let parts: Vec<u64> = (0..2000)
            .map(|i| (1e6 * w[i / 500] / 500.0) as u64)
            .collect();
        let s = suggest(&Profile::from_counts(&parts, 100), None, &Rule::default()).unwrap();
        assert!(matches!(s.law, Law::QuartileWeights(_)), "{s:?}");
        assert!(
            s.attribute
                .starts_with("#[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = ")
        );
        assert!(s.attribute.contains("null_weight = "), "{}", s.attribute);

        let s = suggest(
            &Profile::from_counts(&[6, 3, 1], 0),
            Some(&[0.6, 0.3, 0.1]),
            &Rule::default(),
        )
        .unwrap();
        assert_eq!(s.law, Law::ValueWeights(vec![0.6, 0.3, 0.1]));
        assert_eq!(
            s.attribute,
            "#[distributor(weights = [0.6, 0.3, 0.1], mean = 3.33)]"
        );

        assert_eq!(
            suggest(&Profile::from_counts(&[], 4), None, &Rule::default()),
            None
        );
    }

    /// The Chinook sample's albums per artist: 204 artists, quartile weights
    /// [0.545, 0.161, 0.147, 0.147], the top artists with 21, 14, 11, 10, 10 and 9 of 347
    /// albums. The weights give rank 1 about 2% of the albums: the first five values are three
    /// times their rank's share and form the head; the tail's first quartile loses their share.
    #[test]
    fn the_head_takes_the_values_the_law_misses() {
        let quartiles = [0.545, 0.161, 0.147, 0.147];
        let law = Law::QuartileWeights(quartiles);
        let measured: Vec<f64> = [21.0, 14.0, 11.0, 10.0, 10.0, 9.0, 3.0, 3.0]
            .iter()
            .map(|n| n / 347.0)
            .collect();
        let (top, tail) = head(&law, quartiles, 204, &measured).unwrap();
        assert_eq!(top.len(), 6, "{top:?}");
        assert!((top[0] - 21.0 / 347.0).abs() < 1e-12);
        let Law::QuartileWeights(w) = tail else {
            panic!("{tail:?}")
        };
        let h: f64 = top.iter().sum();
        assert!(
            (w[0] - (0.545 - h)).abs() < 1e-12 && w[1..] == quartiles[1..],
            "{w:?}"
        );
        assert_eq!(
            attribute_with_top(&Law::Skew(2.0), 3.0, 0.0, &[0.06, 0.04]),
            "#[distributor(skew = 2, mean = 3, top = [0.06, 0.04])]"
        );
        // A law that already gives the first values their shares has no head; nor has a value
        // list, which is exact.
        let even = [0.25; 4];
        let flat = vec![1.0 / 204.0; 8];
        assert_eq!(head(&Law::QuartileWeights(even), even, 204, &flat), None);
        assert_eq!(
            head(&Law::ValueWeights(vec![0.5, 0.5]), even, 2, &flat),
            None
        );
        // At most a tenth of the values: none with fewer than ten.
        assert_eq!(head(&law, quartiles, 9, &measured), None);
    }
}
