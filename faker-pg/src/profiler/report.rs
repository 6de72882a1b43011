//! A column's profile, its value list and the suggested attribute, as the `faker-pg profile`
//! command prints them (a text block, or one JSON object).
//!
//! [`profile_subject`] does the server work for one [`Subject`]: for a foreign key, or any
//! column named explicitly, [`profile_columns`] (one aggregate query) and, when the column has at
//! most `max_values` distinct values, [`value_counts`]; for a *candidate* column found by
//! [`super::catalog::plan_schema`], [`value_counts`] first, capped at `max_values`: that one
//! query tells whether the column is low-cardinality and, when it is, holds every count, from
//! which [`Profile::from_counts`] gives the profile (the same figures the SQL gives; the tests
//! check both agree).

use faker_core::estimate::Profile;
use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;

use super::catalog::Subject;
use super::histogram::{DEFAULT_BUCKETS, Histogram, ValueKind, column_type, histogram};
use super::profile::top_counts;
use super::profile::{
    Literal, ProfileError, ValueCount, profile_columns, profile_contained, value_counts,
};
use super::sample::{Sample, estimated_rows, profile_sampled};
use super::suggest::{HEAD_VALUES, Law, Rule, Suggestion, joint_attribute, one_of, suggest};

/// What [`profile_subject`] measures beyond the profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportOptions {
    /// At most this many distinct values make a column low-cardinality (value list printed).
    pub max_values: u64,
    /// The suggestion rule.
    pub rule: Rule,
    /// Buckets of the histogram read for a numeric, date or timestamp column that is not
    /// low-cardinality (see [`super::histogram`]).
    pub buckets: usize,
    /// Profile a reference (or a column named explicitly) of a table estimated above this many
    /// rows from a `TABLESAMPLE` of about as many rows ([`super::sample`]); `None`: read
    /// every row.
    pub sample_rows: Option<u64>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            max_values: 100,
            rule: Rule::default(),
            buckets: DEFAULT_BUCKETS,
            sample_rows: None,
        }
    }
}

/// Everything `faker-pg profile` reports about one column or tuple.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnReport {
    /// What was profiled.
    pub subject: Subject,
    /// The figures.
    pub profile: Profile,
    /// Every value with its count and share, most used first, when there are at most
    /// `max_values` of them.
    pub values: Option<Vec<ValueCount>>,
    /// The suggested attribute (`None` when there is no non-null value, and for a column
    /// reported by its histogram, whose attribute is [`Histogram::attribute`]).
    pub suggestion: Option<Suggestion>,
    /// The quantiles of a numeric, date or timestamp column that is neither a foreign key nor
    /// low-cardinality, with the share of its values in each bucket (for an integer column only
    /// when it is named explicitly, not with `--all`).
    pub histogram: Option<Histogram>,
    /// The percent of the table's pages the profile was estimated from (`TABLESAMPLE
    /// SYSTEM`), `None` when every row was read.
    pub sampled: Option<f64>,
}

/// What [`profile_subject`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The column's report.
    Report(Box<ColumnReport>),
    /// A candidate column with more than `max_values` distinct values: not low-cardinality, and
    /// not a foreign key, so not reported.
    HighCardinality {
        /// Distinct values counted.
        distinct: u64,
    },
}

/// Profiles `subject` on the server. A candidate (`candidate = true`: a column found by
/// [`super::catalog::plan_schema`] that is not a foreign key) is only reported when it has at most
/// `max_values` distinct values; anything else is always reported.
///
/// # Errors
///
/// Those of [`profile_columns`] and [`value_counts`].
pub async fn profile_subject(
    conn: &mut PgConnection,
    subject: &Subject,
    candidate: bool,
    options: &ReportOptions,
) -> Result<Outcome, ProfileError> {
    let schema = subject.schema.as_ref();
    let mut sampled = None;
    let (profile, values, literal) = if candidate {
        let counts = value_counts(
            &mut *conn,
            schema,
            &subject.table,
            &subject.columns,
            options.max_values,
        )
        .await?;
        match counts.profile() {
            Some(profile) => (profile, Some(counts.values), counts.literal),
            // Not low-cardinality: reported only when it has a histogram and is no integer
            // (an integer column with many values is more often an id than an amount).
            None => match histogram_kind(&mut *conn, subject).await? {
                Some(kind) if kind != ValueKind::Integer => (
                    profile_columns(&mut *conn, schema, &subject.table, &subject.columns).await?,
                    None,
                    Literal::Text,
                ),
                _ => {
                    return Ok(Outcome::HighCardinality {
                        distinct: counts.distinct,
                    });
                }
            },
        }
    } else {
        let sample = match options.sample_rows {
            Some(rows) => estimated_rows(&mut *conn, schema, &subject.table)
                .await?
                .and_then(|estimate| Sample::of_rows(rows, estimate)),
            None => None,
        };
        // A reference found in the data is profiled over the values that are references:
        // generation points every one at a row, so its dangling values (often each its own)
        // are no targets to count.
        let contained = subject
            .foreign_key
            .as_ref()
            .filter(|k| k.inferred.is_some_and(|i| i.dangling() > 0) && k.columns.len() == 1);
        sampled = sample.filter(|_| contained.is_none()).map(|s| s.percent);
        let profile = match (contained, sample) {
            (Some(key), _) => {
                profile_contained(
                    &mut *conn,
                    schema,
                    &subject.table,
                    &key.columns[0],
                    &key.ref_table,
                    &key.ref_columns[0],
                )
                .await?
            }
            (None, Some(sample)) => {
                profile_sampled(&mut *conn, schema, &subject.table, &subject.columns, sample)
                    .await?
            }
            (None, None) => {
                profile_columns(&mut *conn, schema, &subject.table, &subject.columns).await?
            }
        };
        let (values, literal) = if profile.distinct > 0 && profile.distinct <= options.max_values {
            let counts = value_counts(
                &mut *conn,
                schema,
                &subject.table,
                &subject.columns,
                options.max_values,
            )
            .await?;
            // A concurrent write may have changed the count in between: list only what is whole.
            (
                counts.is_complete().then_some(counts.values),
                counts.literal,
            )
        } else {
            (None, Literal::Text)
        };
        (profile, values, literal)
    };
    let mut report = ColumnReport::new(subject.clone(), profile, values, literal, &options.rule);
    report.sampled = sampled;
    // A law of few parameters: does it miss the head of the curve? (Read on the whole table:
    // the ten largest counts are what a sample estimates worst.)
    if let Some(s) = report.suggestion.take() {
        let p = &report.profile;
        let one = subject.columns.len() == 1 || subject.foreign_key.is_some();
        report.suggestion = Some(
            if one && matches!(s.law, Law::Skew(_) | Law::QuartileWeights(_)) && p.rows > p.nulls {
                let non_null = (p.rows - p.nulls) as f64;
                let counts = top_counts(
                    &mut *conn,
                    schema,
                    &subject.table,
                    &subject.columns,
                    HEAD_VALUES,
                )
                .await?;
                let measured: Vec<f64> = counts.iter().map(|&n| n as f64 / non_null).collect();
                s.with_head(p.quartile_shares, p.distinct, &measured)
            } else {
                s
            },
        );
    }
    if report.values.is_none()
        && report.profile.rows > report.profile.nulls
        && let Some(kind) = histogram_kind(&mut *conn, subject).await?
    {
        let h = histogram(
            &mut *conn,
            schema,
            &subject.table,
            &subject.columns[0],
            kind,
            options.buckets,
        )
        .await?;
        if let Some(h) = h {
            report = report.with_histogram(h);
        }
    }
    Ok(Outcome::Report(Box::new(report)))
}

/// The histogram kind of a subject that may have one: a single column, not a foreign key, of a
/// numeric, date or timestamp type.
async fn histogram_kind(
    conn: &mut PgConnection,
    subject: &Subject,
) -> Result<Option<ValueKind>, ProfileError> {
    let [column] = subject.columns.as_slice() else {
        return Ok(None);
    };
    if subject.foreign_key.is_some() {
        return Ok(None);
    }
    let ty = column_type(conn, subject.schema.as_ref(), &subject.table, column).await?;
    Ok(ty.as_deref().and_then(ValueKind::of_type))
}

impl ColumnReport {
    /// Assembles a report and its suggestion: for a single column that is no foreign key and
    /// whose values are all listed, a fixed value list (`#[provider(one_of = [..], weights =
    /// [..])]`, the values written as `literal`s); for a foreign key (a reference: values
    /// created and reused) or a column with too many values to list, `#[distributor(..)]`;
    /// for a tuple that is not one foreign key, `#[joint(..)]`.
    pub fn new(
        subject: Subject,
        profile: Profile,
        values: Option<Vec<ValueCount>>,
        literal: Literal,
        rule: &Rule,
    ) -> ColumnReport {
        let shares: Option<Vec<f64>> = values.as_ref().map(|v| v.iter().map(|v| v.share).collect());
        let mut suggestion = suggest(&profile, shares.as_deref(), rule);
        // One column, not a reference, every value listed: a fixed value list.
        if let (Some(s), Some(values), Some(shares)) = (&mut suggestion, &values, &shares)
            && subject.columns.len() == 1
            && subject.foreign_key.is_none()
        {
            let literals: Vec<String> = values.iter().map(|v| literal.write(&v.value)).collect();
            if let Some((law, attribute)) = one_of(&literals, shares, s.null_weight) {
                let nulls = if s.null_weight > 0.0 {
                    "; `None` takes the null share (make the field an `Option`)"
                } else {
                    ""
                };
                s.reason = format!(
                    "one_of: {} distinct values (low cardinality) and no foreign key: a fixed \
                     list of values with one weight per value, most used first{nulls}; were \
                     the column a reference without a constraint: {}",
                    profile.distinct, s.attribute
                );
                s.law = law;
                s.attribute = attribute;
            }
        }
        // Several columns that are not one foreign key: two references whose combinations
        // have a law of their own, which `#[joint(..)]` on the aggregate states.
        if let Some(s) = &mut suggestion
            && subject.columns.len() > 1
            && subject.foreign_key.is_none()
        {
            let columns: Vec<&str> = subject.columns.iter().map(|c| c.as_str()).collect();
            s.attribute = joint_attribute(&columns, &s.law, s.mean);
            s.reason.push_str(
                "; the columns are not one foreign key, so the law is a joint law over their \
                 combinations (put it on the aggregate; members named by their Rust fields)",
            );
        }
        ColumnReport {
            subject,
            profile,
            values,
            suggestion,
            histogram: None,
            sampled: None,
        }
    }

    /// The report of a column judged by its histogram: the histogram's attribute replaces the
    /// `#[distributor(..)]` suggestion (how often a value is reused says nothing about amounts
    /// or dates, which are drawn afresh).
    ///
    /// An integer column keeps its suggestion: with many values it is more often an id
    /// without a foreign key constraint than an amount, so the histogram is shown as the
    /// alternative, and `compare` checks it by the reuse figures.
    pub fn with_histogram(mut self, histogram: Histogram) -> ColumnReport {
        if histogram.kind != ValueKind::Integer {
            self.suggestion = None;
        }
        self.histogram = Some(histogram);
        self
    }

    /// Whether the column is judged by its histogram (numeric, date or timestamp, not integer):
    /// then `compare` checks its bucket shares instead of how often values are reused.
    pub fn judged_by_histogram(&self) -> bool {
        self.histogram
            .as_ref()
            .is_some_and(|h| h.kind != ValueKind::Integer)
    }

    /// The report as one JSON object (see [`JSON_KEYS`]).
    pub fn to_json(&self) -> Value {
        let p = &self.profile;
        let fit = p.skew;
        let finite = |x: f64| x.is_finite().then_some(x);
        let json = ColumnJson {
            schema: self.subject.schema.as_ref().map(|s| s.as_str()),
            table: self.subject.table.as_str(),
            column: self.subject.column_label(),
            columns: self.subject.columns.iter().map(|c| c.as_str()).collect(),
            foreign_key: self.subject.foreign_key.as_ref().map(|k| ForeignKeyJson {
                name: &k.name,
                references: k.references(),
                inclusion: k.inferred.map(|i| i.share()),
                dangling: k.inferred.map(|i| i.dangling()),
            }),
            rows: p.rows,
            nulls: p.nulls,
            distinct: p.distinct,
            mean: p.mean_uses,
            null_share: p.null_share,
            weights: p.quartile_shares,
            skew: fit.and_then(|f| finite(f.skew)),
            // `+ 0.0` turns the -0 of a flat fit into 0.
            alpha: fit.map(|f| f.alpha + 0.0),
            r2: fit.map(|f| f.r2),
            fit_points: fit.map(|f| f.points),
            sampled_percent: self.sampled,
            values: self.values.as_ref().map(|values| {
                values
                    .iter()
                    .map(|v| ValueJson {
                        value: &v.value,
                        count: v.count,
                        share: v.share,
                    })
                    .collect()
            }),
            quantiles: self.histogram.as_ref().map(|h| QuantilesJson {
                buckets: h.buckets(),
                bounds: &h.bounds,
                intervals: &h.shares.intervals,
                shares: &h.shares.shares,
                attribute: h.attribute(),
            }),
            suggestion: self.suggestion.as_ref().map(|s| SuggestionJson {
                law: s.law.key(),
                skew: match s.law {
                    Law::Skew(k) => Some(k),
                    _ => None,
                },
                weights: match &s.law {
                    Law::Skew(_) => None,
                    Law::QuartileWeights(w) => Some(w.to_vec()),
                    Law::ValueWeights(w) | Law::OneOf(w) => Some(w.clone()),
                },
                mean: s.mean,
                null_weight: s.null_weight,
                predicted_weights: s.predicted,
                top: &s.top,
                reason: &s.reason,
                attribute: &s.attribute,
            }),
        };
        serde_json::to_value(json).unwrap_or(Value::Null)
    }

    /// The report as a text block (several lines, ending with a newline).
    pub fn to_text(&self) -> String {
        let p = &self.profile;
        let mut out = String::new();
        let kind = match &self.subject.foreign_key {
            Some(key) => format!("  ({})", key.describe()),
            None => String::new(),
        };
        out.push_str(&format!("{}{kind}\n", self.subject.label()));
        let line = |out: &mut String, name: &str, value: String| {
            out.push_str(&format!("  {name:<18} {value}\n"));
        };
        if let Some(percent) = self.sampled {
            line(
                &mut out,
                "sampled",
                format!("{percent:.3}% of the pages (TABLESAMPLE SYSTEM): figures estimated"),
            );
        }
        line(&mut out, "rows", p.rows.to_string());
        line(&mut out, "nulls", p.nulls.to_string());
        line(&mut out, "distinct", p.distinct.to_string());
        line(
            &mut out,
            "mean",
            format!("{:.2} uses per value", p.mean_uses),
        );
        line(&mut out, "null share", format!("{:.4}", p.null_share));
        line(
            &mut out,
            "weights (ntile 4)",
            p.quartile_shares
                .iter()
                .map(|w| format!("{w:.4}"))
                .collect::<Vec<_>>()
                .join("  "),
        );
        let skew = match p.skew {
            Some(f) => format!(
                "{}  (r² {:.4}, alpha {:.4}, {} ranks fitted, tail cut at 90%)",
                if f.skew.is_finite() {
                    format!("{:.3}", f.skew)
                } else {
                    "inf".to_owned()
                },
                f.r2,
                f.alpha + 0.0,
                f.points
            ),
            None => "-  (too few values to fit)".to_owned(),
        };
        line(&mut out, "skew", skew);
        if let Some(s) = &self.suggestion
            && let Some(pred) = s.predicted
        {
            line(
                &mut out,
                "skew predicts",
                pred.iter()
                    .map(|w| format!("{w:.4}"))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
        }
        if let Some(values) = &self.values {
            out.push_str(&format!(
                "  values ({} distinct, most used first):\n",
                values.len()
            ));
            for v in values {
                out.push_str(&format!(
                    "    {:>8.5}  {:>12}  {}\n",
                    v.share, v.count, v.value
                ));
            }
        }
        if let Some(h) = &self.histogram {
            out.push_str(&format!(
                "  quantiles ({} buckets, exact percentile_disc over {} values; share of each bucket):\n",
                h.buckets(),
                h.shares.values
            ));
            for (interval, share) in h.shares.intervals.iter().zip(&h.shares.shares) {
                out.push_str(&format!("    {share:>8.5}  {interval}\n"));
            }
            if h.kind != ValueKind::Integer {
                out.push_str(&format!(
                    "  suggestion: values drawn from the column's histogram, each of the {} buckets equally likely\n",
                    h.buckets()
                ));
                out.push_str(&format!("  {}\n", h.attribute()));
                return out;
            }
            out.push_str(&format!(
                "  if the column holds amounts, not ids: values drawn from its histogram\n  {}\n",
                h.attribute()
            ));
        }
        match &self.suggestion {
            Some(s) => {
                out.push_str(&format!("  suggestion: {}\n", s.reason));
                out.push_str(&format!("  {}\n", s.attribute));
            }
            None => out.push_str("  suggestion: none (no non-null value)\n"),
        }
        out
    }
}

/// The keys every JSON object of `faker-pg profile --json` has (`values` only for
/// low-cardinality columns, `quantiles` only for a column reported by its histogram: `buckets`,
/// `bounds`, `intervals`, `shares` and the `attribute`; `skew`, `alpha`, `r2`, `fit_points` are null without a fit, `skew`
/// also when the slope is steeper than any skew).
pub const JSON_KEYS: &[&str] = &[
    "schema",
    "table",
    "column",
    "columns",
    "foreign_key",
    "rows",
    "nulls",
    "distinct",
    "mean",
    "null_share",
    "weights",
    "skew",
    "alpha",
    "r2",
    "fit_points",
    "sampled_percent",
    "suggestion",
];

#[derive(Serialize)]
struct ColumnJson<'a> {
    schema: Option<&'a str>,
    table: &'a str,
    column: String,
    columns: Vec<&'a str>,
    foreign_key: Option<ForeignKeyJson<'a>>,
    rows: u64,
    nulls: u64,
    distinct: u64,
    mean: f64,
    null_share: f64,
    weights: [f64; 4],
    skew: Option<f64>,
    sampled_percent: Option<f64>,
    alpha: Option<f64>,
    r2: Option<f64>,
    fit_points: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Vec<ValueJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantiles: Option<QuantilesJson<'a>>,
    suggestion: Option<SuggestionJson<'a>>,
}

#[derive(Serialize)]
struct QuantilesJson<'a> {
    buckets: usize,
    bounds: &'a [String],
    intervals: &'a [String],
    shares: &'a [f64],
    attribute: String,
}

#[derive(Serialize)]
struct ForeignKeyJson<'a> {
    name: &'a str,
    references: String,
    /// For a reference found in the data: the share of the values the referenced column
    /// holds, and the rows it does not (absent for a declared constraint).
    #[serde(skip_serializing_if = "Option::is_none")]
    inclusion: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dangling: Option<u64>,
}

#[derive(Serialize)]
struct ValueJson<'a> {
    value: &'a str,
    count: u64,
    share: f64,
}

#[derive(Serialize)]
struct SuggestionJson<'a> {
    law: &'static str,
    skew: Option<f64>,
    weights: Option<Vec<f64>>,
    mean: f64,
    null_weight: f64,
    predicted_weights: Option<[f64; 4]>,
    top: &'a [f64],
    reason: &'a str,
    attribute: &'a str,
}

/// `1.25 s`, for progress lines.
pub fn seconds(d: std::time::Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ident;
    use crate::profiler::catalog::ForeignKey;

    fn values(list: &[(&str, u64)]) -> Vec<ValueCount> {
        let total: u64 = list.iter().map(|(_, c)| c).sum();
        list.iter()
            .map(|&(value, count)| ValueCount {
                value: value.to_owned(),
                count,
                share: count as f64 / total as f64,
            })
            .collect()
    }

    fn ident(name: &str) -> Ident {
        Ident::new(name).unwrap()
    }

    /// A column that is no foreign key gets a value list (with `None` for its nulls); a foreign
    /// key keeps the pooled suggestion, values created and reused.
    #[test]
    fn a_value_list_unless_the_column_is_a_reference() {
        let list = values(&[("paid", 6), ("it's \"new\"", 2)]);
        let column = Subject::new(None, ident("orders"), vec![ident("status")]);
        let report = ColumnReport::new(
            column.clone(),
            Profile::from_counts(&[6, 2], 2),
            Some(list.clone()),
            Literal::Text,
            &Rule::default(),
        );
        let s = report.suggestion.as_ref().unwrap();
        let Law::OneOf(weights) = &s.law else {
            panic!("{s:?}")
        };
        for (got, want) in weights.iter().zip([0.6, 0.2, 0.2]) {
            assert!((got - want).abs() < 1e-12, "{weights:?}");
        }
        assert_eq!(
            s.attribute,
            r#"#[provider(one_of = ["paid", "it's \"new\"", None], weights = [0.6, 0.2, 0.2])]"#
        );
        assert!(
            s.reason.contains("`None` takes the null share"),
            "{}",
            s.reason
        );
        assert_eq!(report.to_json()["suggestion"]["law"], "one_of");

        let reference = Subject {
            foreign_key: Some(ForeignKey {
                name: "orders_status_fkey".to_owned(),
                columns: vec![ident("status")],
                ref_schema: ident("public"),
                ref_table: ident("statuses"),
                ref_columns: vec![ident("id")],
                inferred: None,
            }),
            ..column
        };
        let report = ColumnReport::new(
            reference,
            Profile::from_counts(&[6, 2], 0),
            Some(list),
            Literal::Text,
            &Rule::default(),
        );
        let s = report.suggestion.as_ref().unwrap();
        assert_eq!(s.law, Law::ValueWeights(vec![0.75, 0.25]));
        assert_eq!(
            s.attribute,
            "#[distributor(weights = [0.75, 0.25], mean = 4)]"
        );
    }
}
