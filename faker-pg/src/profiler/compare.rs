//! Checking a generated database against a production one: the same column profiled on both,
//! figure by figure, each within a tolerance.
//!
//! Which figures are checked depends on the column ([`compare_reports`]):
//!
//! * a **foreign key**, or any column with more than `max_values` distinct values (its values are
//!   ids, which differ between databases, so only their *distribution* can match): the four
//!   quartile `weights` (absolute), `mean` (relative), `null_share` (absolute) and `skew`
//!   (relative; only when both fits have `r² >= min_r2`, otherwise skipped: a skew read off data
//!   that is not a power law means nothing). A reference found in the data is profiled
//!   without its dangling rows, which generation points at existing targets: its `mean` is
//!   expected that much higher (`non_null / contained` times production's);
//! * a **low-cardinality column that is not a foreign key** (a status, a type, a country):
//!   `null_share`, and when the values are the same domain on both sides (at least
//!   [`SAME_VALUES`] of the target's non-null rows hold a value the source has) each value's
//!   share (absolute; a value missing on one side has share 0); otherwise — generated names,
//!   cities, companies, which can never be production's — the shares **by rank**: the most
//!   used value's share against the most used value's share, the second against the second,
//!   and so on, which is what selectivity depends on;
//! * a **non-integer numeric, date or timestamp column** that is neither (reported by its
//!   histogram, [`super::histogram`]; an integer column is checked like a foreign key, since
//!   with many values it is more often an id): the share of values in each interval between the source's
//!   distinct quantile bounds, below the first and above the last (absolute, default ±0.01 per
//!   bucket), both sides measured against the *source's* bounds, and `null_share`. How often a
//!   value is reused (weights, mean, skew) is not checked: amounts and dates are drawn afresh.
//!
//! `rows` and `distinct` are shown for information and never fail: a generated database is often
//! smaller than production.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use sqlx::PgConnection;

use super::catalog::Subject;
use super::histogram;
use super::profile::{ProfileError, ValueCount};
use super::report::ColumnReport;

/// The least share of the target's non-null rows holding values the source also has for a
/// low-cardinality column to be compared value by value; below it the values are another
/// domain (fake text) and their shares are compared by rank (see the module docs).
pub const SAME_VALUES: f64 = 0.5;

/// How far a target figure may be from the source figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Quartile weights, absolute (default 0.03).
    pub weights: f64,
    /// Mean uses per value, relative (default 0.05, i.e. ±5%).
    pub mean: f64,
    /// Null share, absolute (default 0.01).
    pub null_share: f64,
    /// Skew, relative (default 0.10), checked only when both fits reach `min_r2`.
    pub skew: f64,
    /// Least r² of both fits for skew to be checked (default 0.9).
    pub min_r2: f64,
    /// Each value's share in a low-cardinality column, absolute (default 0.03).
    pub values: f64,
    /// Each histogram bucket's share, absolute (default 0.01: a bucket of 1/20 among 10^5
    /// generated values has a standard deviation of 0.0007).
    pub quantiles: f64,
    /// Distinct pairs of two references of a table, relative (default 0.05).
    pub pairs: f64,
    /// Functional-dependency degrees (and the share of rows where two references to one table
    /// are equal), absolute (default 0.05).
    pub degree: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            weights: 0.03,
            mean: 0.05,
            null_share: 0.01,
            skew: 0.10,
            min_r2: 0.9,
            values: 0.03,
            quantiles: 0.01,
            pairs: 0.05,
            degree: 0.05,
        }
    }
}

/// Why [`Tolerances::set`] refused a `key=value` list. Each message names the offending item as
/// written, so the command line can print it as is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ToleranceError {
    /// An item without `=`.
    #[error("`{item}`: expected key=value, keys: {}", Tolerances::KEYS)]
    NotKeyValue {
        /// The item as written.
        item: String,
    },
    /// A key that names no tolerance.
    #[error("`{key}` is not a tolerance, keys: {}", Tolerances::KEYS)]
    UnknownKey {
        /// The key as written (trimmed).
        key: String,
    },
    /// A value that is not a number (with or without a trailing `%`).
    #[error("`{item}`: `{value}` is not a number")]
    NotANumber {
        /// The item as written.
        item: String,
        /// The value part (trimmed).
        value: String,
        /// What the number parser said.
        #[source]
        source: std::num::ParseFloatError,
    },
    /// A negative, infinite or NaN value.
    #[error("`{item}`: a tolerance is a finite number >= 0")]
    OutOfRange {
        /// The item as written.
        item: String,
    },
}

impl Tolerances {
    /// The keys [`Tolerances::set`] accepts.
    pub const KEYS: &'static str =
        "weights, mean, null, skew, r2, values, quantiles, pairs, degree";

    /// Applies `key=value[,key=value..]`, e.g. `weights=0.05,mean=10%`. Keys: `weights`, `mean`,
    /// `null` (or `null_share`), `skew`, `r2` (or `min_r2`), `values`, `quantiles` (or
    /// `buckets`); a value ending in `%` is
    /// divided by 100.
    ///
    /// # Errors
    ///
    /// A [`ToleranceError`] for the first item that is not `key=value`, names no tolerance, or
    /// holds no finite number `>= 0`; then `self` is left as it was (no item of `spec` applied).
    pub fn set(&mut self, spec: &str) -> Result<(), ToleranceError> {
        let mut next = *self;
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| ToleranceError::NotKeyValue {
                    item: item.to_owned(),
                })?;
            let value = value.trim();
            let number = match value.strip_suffix('%') {
                Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
                None => value.parse::<f64>(),
            }
            .map_err(|source| ToleranceError::NotANumber {
                item: item.to_owned(),
                value: value.to_owned(),
                source,
            })?;
            if !number.is_finite() || number < 0.0 {
                return Err(ToleranceError::OutOfRange {
                    item: item.to_owned(),
                });
            }
            let slot = match key.trim() {
                "weights" => &mut next.weights,
                "mean" => &mut next.mean,
                "null" | "null_share" | "null_weight" => &mut next.null_share,
                "skew" => &mut next.skew,
                "r2" | "min_r2" => &mut next.min_r2,
                "values" => &mut next.values,
                "quantiles" | "buckets" => &mut next.quantiles,
                "pairs" => &mut next.pairs,
                "degree" => &mut next.degree,
                other => {
                    return Err(ToleranceError::UnknownKey {
                        key: other.to_owned(),
                    });
                }
            };
            *slot = number;
        }
        *self = next;
        Ok(())
    }
}

/// How a figure's tolerance is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// `|target - source| <= t`.
    Absolute(f64),
    /// `|target - source| <= t * |source|`.
    Relative(f64),
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Absolute(t) => write!(f, "±{t} abs"),
            Tolerance::Relative(t) => write!(f, "±{}% rel", t * 100.0),
        }
    }
}

/// The outcome for one figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Within tolerance.
    Pass,
    /// Out of tolerance (or missing on one side).
    Fail,
    /// Not checked, and why.
    Skip(String),
    /// Shown for information, never checked.
    Info,
}

impl Verdict {
    fn word(&self) -> &'static str {
        match self {
            Verdict::Pass => "ok",
            Verdict::Fail => "FAIL",
            Verdict::Skip(_) => "skipped",
            Verdict::Info => "",
        }
    }
}

/// One figure, side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// E.g. `weights[1]`, `mean`, `share "active"`.
    pub name: String,
    /// The source's figure (`None`: the source lacks it, e.g. no skew fit).
    pub source: Option<f64>,
    /// The target's figure.
    pub target: Option<f64>,
    /// The tolerance it is checked with (`None` for information).
    pub tolerance: Option<Tolerance>,
    /// The outcome.
    pub verdict: Verdict,
}

impl Figure {
    /// `target - source` (absolute tolerance) or `(target - source) / source` (relative).
    pub fn difference(&self) -> Option<f64> {
        let (s, t) = (self.source?, self.target?);
        if s == t {
            return Some(0.0);
        }
        match self.tolerance {
            Some(Tolerance::Relative(_)) if s != 0.0 => Some((t - s) / s.abs()),
            Some(Tolerance::Relative(_)) => None,
            _ => Some(t - s),
        }
    }
}

fn check(name: impl Into<String>, source: f64, target: f64, tolerance: Tolerance) -> Figure {
    let pass = match tolerance {
        // Equal figures pass, also two infinite skews.
        _ if source == target => true,
        Tolerance::Absolute(t) => (target - source).abs() <= t + 1e-12,
        Tolerance::Relative(t) => (target - source).abs() <= t * source.abs() * (1.0 + 1e-12),
    };
    Figure {
        name: name.into(),
        source: Some(source),
        target: Some(target),
        tolerance: Some(tolerance),
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
    }
}

fn info(name: &str, source: u64, target: u64) -> Figure {
    Figure {
        name: name.to_owned(),
        source: Some(source as f64),
        target: Some(target as f64),
        tolerance: None,
        verdict: Verdict::Info,
    }
}

/// Measures `target` (the report of `subject` on the generated side) against the histogram
/// of `source` (the same column on the production side), as `faker-pg compare` does: when
/// the source is judged by its histogram, the target's own histogram is replaced by the
/// target's values counted in the *source's* buckets, so that
/// [`compare_reports`] compares share with share. Other
/// reports are left as they are.
///
/// # Errors
///
/// What [`bucket_shares`](super::histogram::bucket_shares) reports.
pub async fn measure_against(
    conn: &mut PgConnection,
    subject: &Subject,
    source: &ColumnReport,
    target: &mut ColumnReport,
) -> Result<(), ProfileError> {
    let Some(h) = source
        .histogram
        .as_ref()
        .filter(|_| source.judged_by_histogram())
    else {
        return Ok(());
    };
    let Some(column) = subject.columns.first() else {
        return Ok(());
    };
    let shares = histogram::bucket_shares(
        conn,
        subject.schema.as_ref(),
        &subject.table,
        column,
        h.kind,
        &h.bounds,
    )
    .await?;
    target.histogram = Some(histogram::Histogram {
        kind: h.kind,
        bounds: h.bounds.clone(),
        shares,
    });
    Ok(())
}

/// Figures of the relation of two references measured on the target against the same pair
/// on the source ([`super::relations`]): distinct pairs (relative, `pairs`), the
/// functional-dependency degrees both ways and, for two references to one table, the share of
/// rows where they are equal (absolute, `degree`). `rows` is shown for information.
pub fn compare_relations(
    source: &super::relations::Relation,
    target: &super::relations::Relation,
    tol: &Tolerances,
) -> Vec<Figure> {
    let (a, b) = (source.a.as_str(), source.b.as_str());
    let equal_share = |r: &super::relations::Relation| {
        if r.rows == 0 {
            0.0
        } else {
            r.equal_rows as f64 / r.rows as f64
        }
    };
    // A degree is a share of the rows: on a small table one row more or less moves it by
    // 1/rows and chance alone by about sqrt(d(1-d)/rows), more than the configured tolerance.
    let degree = |d: f64| Tolerance::Absolute(tol.degree.max(share_noise(d, source.rows)));
    let mut figures = vec![
        info("rows", source.rows, target.rows),
        check(
            "distinct pairs",
            source.distinct_pairs as f64,
            target.distinct_pairs as f64,
            Tolerance::Relative(tol.pairs),
        ),
        check(
            format!("degree {a} -> {b}"),
            source.degree_ab,
            target.degree_ab,
            degree(source.degree_ab),
        ),
        check(
            format!("degree {b} -> {a}"),
            source.degree_ba,
            target.degree_ba,
            degree(source.degree_ba),
        ),
    ];
    if source.same_target {
        let share = equal_share(source);
        figures.push(check(
            "equal share",
            share,
            equal_share(target),
            degree(share),
        ));
    }
    figures
}

/// How far a share `d` of `rows` rows moves by chance: two standard errors of a proportion,
/// `2·sqrt(d(1−d)/rows)`, plus one row (`1/rows`, as counts are whole): 0.006 at 10 000 rows
/// and `d` = 0.9, far below the default tolerance of 0.05; 0.08–0.10 at the 59 rows of
/// Chinook's customers, where two customers sharing a first name under one support rep or
/// under two moves the degree by 0.068.
fn share_noise(d: f64, rows: u64) -> f64 {
    if rows == 0 {
        return 0.0;
    }
    let n = rows as f64;
    let d = d.clamp(0.0, 1.0);
    2.0 * (d * (1.0 - d) / n).sqrt() + 1.0 / n
}

/// Whether at least [`SAME_VALUES`] of the target's rows hold values the source has.
fn same_values(source: &[ValueCount], target: &[ValueCount]) -> bool {
    let shared: f64 = target
        .iter()
        .filter(|t| source.iter().any(|s| s.value == t.value))
        .map(|t| t.share)
        .sum();
    shared >= SAME_VALUES
}

/// Figures of `target` checked against `source` (the same column in two databases); see the
/// module docs for which.
pub fn compare_reports(
    source: &ColumnReport,
    target: &ColumnReport,
    tol: &Tolerances,
) -> Vec<Figure> {
    let (s, t) = (&source.profile, &target.profile);
    let mut figures = vec![
        info("rows", s.rows, t.rows),
        info("distinct", s.distinct, t.distinct),
    ];
    let by_value = source.subject.foreign_key.is_none() && source.values.is_some();
    if by_value {
        figures.push(check(
            "null share",
            s.null_share,
            t.null_share,
            Tolerance::Absolute(tol.null_share),
        ));
        let source_values = source.values.as_deref().unwrap_or_default();
        match target.values.as_deref() {
            Some(target_values) if !same_values(source_values, target_values) => {
                let ranked = |list: &[ValueCount]| {
                    let mut shares: Vec<f64> = list.iter().map(|v| v.share).collect();
                    shares.sort_by(|a, b| b.total_cmp(a));
                    shares
                };
                let (a, b) = (ranked(source_values), ranked(target_values));
                for i in 0..a.len().max(b.len()) {
                    figures.push(check(
                        format!("share of value #{} by rank", i + 1),
                        a.get(i).copied().unwrap_or(0.0),
                        b.get(i).copied().unwrap_or(0.0),
                        Tolerance::Absolute(tol.values),
                    ));
                }
            }
            Some(target_values) => {
                let share_in = |list: &[ValueCount], value: &str| {
                    list.iter()
                        .find(|v| v.value == value)
                        .map_or(0.0, |v| v.share)
                };
                let mut names: Vec<&str> = source_values.iter().map(|v| v.value.as_str()).collect();
                for v in target_values {
                    if !names.contains(&v.value.as_str()) {
                        names.push(&v.value);
                    }
                }
                for name in names {
                    figures.push(check(
                        format!("share {name:?}"),
                        share_in(source_values, name),
                        share_in(target_values, name),
                        Tolerance::Absolute(tol.values),
                    ));
                }
            }
            None => figures.push(Figure {
                name: "values".to_owned(),
                source: Some(s.distinct as f64),
                target: Some(t.distinct as f64),
                tolerance: None,
                verdict: Verdict::Fail,
            }),
        }
        return figures;
    }
    if let Some(h) = source
        .histogram
        .as_ref()
        .filter(|_| source.judged_by_histogram())
    {
        figures.push(check(
            "null share",
            s.null_share,
            t.null_share,
            Tolerance::Absolute(tol.null_share),
        ));
        match &target.histogram {
            Some(g) if g.bounds == h.bounds => {
                let (hs, gs) = (&h.shares, &g.shares);
                for (i, interval) in hs.intervals.iter().enumerate() {
                    figures.push(check(
                        format!("bucket {interval}"),
                        hs.shares[i],
                        gs.shares.get(i).copied().unwrap_or(0.0),
                        Tolerance::Absolute(tol.quantiles),
                    ));
                }
                let first = h.bounds.first().map_or("", String::as_str);
                let last = h.bounds.last().map_or("", String::as_str);
                figures.push(check(
                    format!("below {first}"),
                    hs.below,
                    gs.below,
                    Tolerance::Absolute(tol.quantiles),
                ));
                figures.push(check(
                    format!("above {last}"),
                    hs.above,
                    gs.above,
                    Tolerance::Absolute(tol.quantiles),
                ));
            }
            _ => figures.push(Figure {
                name: "buckets".to_owned(),
                source: Some(h.buckets() as f64),
                target: None,
                tolerance: None,
                verdict: Verdict::Fail,
            }),
        }
        return figures;
    }

    for (i, (&a, &b)) in s.quartile_shares.iter().zip(&t.quartile_shares).enumerate() {
        figures.push(check(
            format!("weights[{}]", i + 1),
            a,
            b,
            Tolerance::Absolute(tol.weights),
        ));
    }
    // A reference found in the data is profiled without its dangling rows, which generation
    // points at existing targets (the scaffold raises the mean by the same factor): the mean
    // to expect counts them on the targets production has.
    let dangling = source
        .subject
        .foreign_key
        .as_ref()
        .and_then(|k| k.inferred)
        .filter(|i| i.contained > 0)
        .map_or(1.0, |i| i.non_null as f64 / i.contained as f64);
    figures.push(check(
        "mean",
        s.mean_uses * dangling,
        t.mean_uses,
        Tolerance::Relative(tol.mean),
    ));
    figures.push(check(
        "null share",
        s.null_share,
        t.null_share,
        Tolerance::Absolute(tol.null_share),
    ));
    let skew = match (s.skew, t.skew) {
        (Some(a), Some(b)) if a.r2 >= tol.min_r2 && b.r2 >= tol.min_r2 => {
            check("skew", a.skew, b.skew, Tolerance::Relative(tol.skew))
        }
        (a, b) => {
            let why = match (a, b) {
                (None, _) | (_, None) => "no fit on both sides".to_owned(),
                (Some(a), Some(b)) => {
                    format!("r² {:.3} / {:.3}, not both >= {}", a.r2, b.r2, tol.min_r2)
                }
            };
            Figure {
                name: "skew".to_owned(),
                source: a.map(|f| f.skew),
                target: b.map(|f| f.skew),
                tolerance: Some(Tolerance::Relative(tol.skew)),
                verdict: Verdict::Skip(why),
            }
        }
    };
    figures.push(skew);
    figures
}

/// Whether any figure failed.
pub fn failed(figures: &[Figure]) -> bool {
    figures.iter().any(|f| f.verdict == Verdict::Fail)
}

fn number(x: Option<f64>, places: usize) -> String {
    match x {
        None => "-".to_owned(),
        Some(x) if x.is_infinite() => "inf".to_owned(),
        Some(x) => format!("{x:.places$}"),
    }
}

/// The figures as a text table under `title` (ends with a newline).
pub fn to_text(title: &str, figures: &[Figure]) -> String {
    let mut out = format!(
        "{title}\n  {:<22} {:>12} {:>12} {:>10}  {:<12} {}\n",
        "figure", "source", "target", "diff", "tolerance", "verdict"
    );
    for f in figures {
        let places = match f.name.as_str() {
            _ if f.verdict == Verdict::Info => 0,
            "mean" | "skew" => 3,
            _ => 4,
        };
        let diff = match (f.difference(), f.tolerance) {
            (Some(d), Some(Tolerance::Relative(_))) => format!("{:+.1}%", d * 100.0),
            (Some(d), Some(Tolerance::Absolute(_))) => format!("{d:+.4}"),
            _ => String::new(),
        };
        let tolerance = f.tolerance.map(|t| t.to_string()).unwrap_or_default();
        let note = match &f.verdict {
            Verdict::Skip(why) => format!(" ({why})"),
            Verdict::Fail if f.name == "values" => {
                " (target has more distinct values than the low-cardinality limit)".to_owned()
            }
            Verdict::Fail if f.name == "buckets" => {
                " (the target's values were not measured against the source's bounds)".to_owned()
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {:<22} {:>12} {:>12} {:>10}  {:<12} {}{note}\n",
            f.name,
            number(f.source, places),
            number(f.target, places),
            diff,
            tolerance,
            f.verdict.word()
        ));
    }
    out
}

#[derive(Serialize)]
struct FigureJson<'a> {
    figure: &'a str,
    source: Option<f64>,
    target: Option<f64>,
    difference: Option<f64>,
    tolerance: Option<f64>,
    relative: Option<bool>,
    verdict: &'static str,
    note: Option<&'a str>,
}

/// The figures as one JSON object: `{"table", "column", "pass", "figures": [..]}`; infinite
/// figures are null.
pub fn to_json(table: &str, column: &str, figures: &[Figure]) -> Value {
    let finite = |x: Option<f64>| x.filter(|x| x.is_finite());
    let list: Vec<FigureJson<'_>> = figures
        .iter()
        .map(|f| FigureJson {
            figure: &f.name,
            source: finite(f.source),
            target: finite(f.target),
            difference: finite(f.difference()),
            tolerance: f.tolerance.map(|t| match t {
                Tolerance::Absolute(t) | Tolerance::Relative(t) => t,
            }),
            relative: f.tolerance.map(|t| matches!(t, Tolerance::Relative(_))),
            verdict: match f.verdict {
                Verdict::Pass => "pass",
                Verdict::Fail => "fail",
                Verdict::Skip(_) => "skip",
                Verdict::Info => "info",
            },
            note: match &f.verdict {
                Verdict::Skip(why) => Some(why.as_str()),
                _ => None,
            },
        })
        .collect();
    serde_json::json!({
        "table": table,
        "column": column,
        "pass": !failed(figures),
        "figures": list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ident;
    use crate::profiler::catalog::Subject;
    use crate::profiler::suggest::Rule;
    use faker_core::estimate::Profile;

    fn report(counts: &[u64], nulls: u64) -> ColumnReport {
        report_with(counts, nulls, None)
    }

    /// The report of column `t.c` with these counts per value (and `values`, when listed).
    fn report_with(counts: &[u64], nulls: u64, values: Option<Vec<ValueCount>>) -> ColumnReport {
        let subject = Subject::new(
            None,
            Ident::new("t").unwrap(),
            vec![Ident::new("c").unwrap()],
        );
        ColumnReport::new(
            subject,
            Profile::from_counts(counts, nulls),
            values,
            crate::profiler::profile::Literal::Text,
            &Rule::default(),
        )
    }

    /// A low-cardinality report with `values` as `(value, count)`, most used first.
    fn value_report(values: &[(&str, u64)]) -> ColumnReport {
        let counts: Vec<u64> = values.iter().map(|v| v.1).collect();
        let total: u64 = counts.iter().sum();
        let list = values
            .iter()
            .map(|(value, count)| ValueCount {
                value: (*value).to_owned(),
                count: *count,
                share: *count as f64 / total as f64,
            })
            .collect();
        report_with(&counts, 0, Some(list))
    }

    fn failing(figures: &[Figure]) -> Vec<&str> {
        figures
            .iter()
            .filter(|f| f.verdict == Verdict::Fail)
            .map(|f| f.name.as_str())
            .collect()
    }

    #[test]
    fn values_of_one_domain_are_compared_value_by_value() {
        let production = value_report(&[("paid", 70), ("open", 20), ("void", 10)]);
        let same = value_report(&[("paid", 69), ("open", 21), ("void", 10)]);
        assert!(!failed(&compare_reports(
            &production,
            &same,
            &Tolerances::default()
        )));
        // The same shares on other values of the same domain: paid and open swapped.
        let swapped = value_report(&[("open", 70), ("paid", 20), ("void", 10)]);
        let figures = compare_reports(&production, &swapped, &Tolerances::default());
        assert_eq!(failing(&figures), ["share \"paid\"", "share \"open\""]);
    }

    #[test]
    fn values_of_another_domain_are_compared_by_rank() {
        // Company names: generated ones are never production's; the shares by rank are what
        // matters (one company of a third of the rows, then smaller ones).
        let production = value_report(&[("Apple", 30), ("Google", 20), ("Telus", 10)]);
        let fake = value_report(&[("Kessler Inc", 31), ("Lowe Inc", 19), ("DuBuque LLC", 10)]);
        let figures = compare_reports(&production, &fake, &Tolerances::default());
        assert!(!failed(&figures), "{figures:?}");
        assert!(
            figures
                .iter()
                .any(|f| f.name == "share of value #1 by rank")
        );
        // A flatter generated list fails at the ranks that differ.
        let flat = value_report(&[("a", 20), ("b", 20), ("c", 20)]);
        let figures = compare_reports(&production, &flat, &Tolerances::default());
        assert_eq!(
            failing(&figures),
            ["share of value #1 by rank", "share of value #3 by rank"]
        );
    }

    #[test]
    fn tolerances_parse() {
        let mut t = Tolerances::default();
        t.set("weights=0.05, mean=10%,null=0,skew=0.2,r2=0.8")
            .unwrap();
        assert_eq!(
            (t.weights, t.mean, t.null_share, t.skew, t.min_r2),
            (0.05, 0.1, 0.0, 0.2, 0.8)
        );
        assert_eq!(
            t.set("weight=1"),
            Err(ToleranceError::UnknownKey {
                key: "weight".to_owned()
            })
        );
        assert_eq!(
            t.set("weight=1").unwrap_err().to_string(),
            format!("`weight` is not a tolerance, keys: {}", Tolerances::KEYS)
        );
        assert!(matches!(
            t.set("mean"),
            Err(ToleranceError::NotKeyValue { item }) if item == "mean"
        ));
        assert!(matches!(
            t.set("mean=-1"),
            Err(ToleranceError::OutOfRange { item }) if item == "mean=-1"
        ));
        assert!(matches!(
            t.set("mean=inf"),
            Err(ToleranceError::OutOfRange { .. })
        ));
        let not_a_number = t.set("mean= x%").unwrap_err();
        assert!(
            matches!(&not_a_number, ToleranceError::NotANumber { value, .. } if value == "x%"),
            "{not_a_number:?}"
        );
        // the parser's own error is the source, not folded into the message
        assert!(std::error::Error::source(&not_a_number).is_some());
        assert_eq!(not_a_number.to_string(), "`mean= x%`: `x%` is not a number");
        // a refused list applies none of its items
        assert!(t.set("mean=0.3,skew=x").is_err());
        assert_eq!((t.mean, t.skew), (0.1, 0.2));
    }

    #[test]
    fn figures_pass_and_fail() {
        let power: Vec<u64> = (1..=400)
            .map(|r| (1e5 * (r as f64).powf(-0.5)) as u64)
            .collect();
        let a = report(&power, 10);
        let figures = compare_reports(&a, &a, &Tolerances::default());
        assert!(!failed(&figures));
        assert_eq!(figures.len(), 2 + 4 + 3);
        assert!(
            figures
                .iter()
                .any(|f| f.name == "skew" && f.verdict == Verdict::Pass)
        );

        let flatter: Vec<u64> = (1..=400)
            .map(|r| (1e5 * (r as f64).powf(-0.3)) as u64)
            .collect();
        let b = report(&flatter, 10);
        let figures = compare_reports(&a, &b, &Tolerances::default());
        let fail: Vec<&str> = figures
            .iter()
            .filter(|f| f.verdict == Verdict::Fail)
            .map(|f| f.name.as_str())
            .collect();
        assert!(
            fail.contains(&"weights[1]") && fail.contains(&"skew"),
            "{fail:?}"
        );
        let text = to_text("t.c", &figures);
        assert!(text.contains("FAIL"), "{text}");
        assert_eq!(to_json("t", "c", &figures)["pass"], false);
    }

    fn histogram_report(shares: &[f64], below: f64, above: f64) -> ColumnReport {
        use crate::profiler::histogram::{BucketShares, Histogram, ValueKind};
        // Unique amounts: the value-reuse figures would say nothing about them.
        let counts = vec![1u64; 1000];
        report(&counts, 5).with_histogram(Histogram {
            kind: ValueKind::Numeric,
            bounds: ["0.99", "1.98", "1.98", "3.96"].map(str::to_owned).to_vec(),
            shares: BucketShares {
                values: 1000,
                intervals: vec!["[0.99, 1.98)".into(), "[1.98, 3.96]".into()],
                shares: shares.to_vec(),
                below,
                above,
            },
        })
    }

    #[test]
    fn histogram_columns_are_judged_by_bucket_shares() {
        let source = histogram_report(&[0.333, 0.667], 0.0, 0.0);
        let target = histogram_report(&[0.341, 0.659], 0.0, 0.0);
        let figures = compare_reports(&source, &target, &Tolerances::default());
        let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "rows",
                "distinct",
                "null share",
                "bucket [0.99, 1.98)",
                "bucket [1.98, 3.96]",
                "below 0.99",
                "above 3.96"
            ]
        );
        assert!(!failed(&figures), "{}", to_text("t.c", &figures));
        // ±0.01 per bucket by default: 0.012 off fails, and so does a share outside the bounds.
        let off = histogram_report(&[0.345, 0.655], 0.0, 0.0);
        let figures = compare_reports(&source, &off, &Tolerances::default());
        assert!(failed(&figures));
        let outside = histogram_report(&[0.333, 0.637], 0.0, 0.03);
        let figures = compare_reports(&source, &outside, &Tolerances::default());
        let fail: Vec<&str> = figures
            .iter()
            .filter(|f| f.verdict == Verdict::Fail)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(fail, ["bucket [1.98, 3.96]", "above 3.96"]);
        let mut loose = Tolerances::default();
        loose.set("quantiles=0.05").unwrap();
        assert!(!failed(&compare_reports(&source, &outside, &loose)));
        // A target without the source's buckets fails, with a note.
        let plain = report(&vec![1u64; 1000], 5);
        let figures = compare_reports(&source, &plain, &Tolerances::default());
        assert!(failed(&figures));
        assert!(to_text("t.c", &figures).contains("not measured against the source's bounds"));
    }

    #[test]
    fn mean_is_relative_null_share_absolute() {
        let f = check("mean", 50.0, 52.4, Tolerance::Relative(0.05));
        assert_eq!(f.verdict, Verdict::Pass);
        assert!((f.difference().unwrap() - 0.048).abs() < 1e-12);
        assert_eq!(
            check("mean", 50.0, 52.6, Tolerance::Relative(0.05)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            check("n", 0.02, 0.029, Tolerance::Absolute(0.01)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            check("n", 0.02, 0.031, Tolerance::Absolute(0.01)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            check(
                "skew",
                f64::INFINITY,
                f64::INFINITY,
                Tolerance::Relative(0.1)
            )
            .verdict,
            Verdict::Pass
        );
        assert_eq!(
            check("skew", 3.0, f64::INFINITY, Tolerance::Relative(0.1)).verdict,
            Verdict::Fail
        );
    }

    /// The degree tolerance widens with the noise of a small table, never below the
    /// configured one.
    #[test]
    fn degrees_of_small_tables_allow_their_noise() {
        assert!((share_noise(0.9, 10_000) - 0.0061).abs() < 1e-3);
        assert!((share_noise(0.932, 59) - 0.0825).abs() < 1e-3);
        assert!((share_noise(1.0, 12) - 1.0 / 12.0).abs() < 1e-12);
        assert_eq!(share_noise(0.5, 0), 0.0);
    }
}
