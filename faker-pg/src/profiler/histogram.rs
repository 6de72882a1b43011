//! A numeric, date or timestamp column's histogram: its quantiles read on the server, the
//! `#[provider(quantiles = [..])]` attribute that draws from them, and the share of a column's
//! values in each bucket (what `faker-pg compare` checks).
//!
//! **Exact quantiles, not `pg_stats`.** The bounds are `percentile_disc(0, 1/k, .., 1)` over
//! every non-null finite value (one sort of the column on the server): the generator gives each
//! bucket exactly `1/k` of the values, so the bounds must cut production into exact `k`-ths.
//! `pg_stats.histogram_bounds` is cheaper but comes from a sample of `300 × statistics target`
//! rows, may be stale, and leaves out the most common values (which have their own list), so its
//! buckets do not hold equal shares of the whole column; `--buckets` above the statistics target
//! could not be served from it either. `percentile_disc` (not `percentile_cont`) returns values
//! that occur in the column, which keeps integer and date bounds integral and works for every
//! ordered type.
//!
//! **Buckets as compared.** Equal bounds make a point mass, so buckets are counted over the
//! *distinct* bounds `d_0 < .. < d_m`: interval `j` is `[d_j, d_{j+1})`, the last one
//! `[d_{m-1}, d_m]` (one interval `[d_0, d_0]` when all bounds are equal), plus the shares below
//! `d_0` and above `d_m`. These are the buckets the generator draws from (see
//! `faker_core::quantiles::Quantiles`), so a generated column gives each interval the share of
//! the production buckets that fall into it.

use sqlx::{AssertSqlSafe, PgConnection, Row};

use super::profile::ProfileError;
use crate::ident::{Ident, qualified};

/// The default number of buckets `faker-pg profile` reads (`--buckets`): 20 buckets of 5%
/// each, fine enough for range predicates (PostgreSQL's default statistics target reads 100),
/// coarse enough for an attribute one can read; a bucket's share among `10^5` generated values
/// has a standard deviation of 0.0007, well inside the ±0.01 `compare` checks.
pub const DEFAULT_BUCKETS: usize = 20;

/// The kinds of columns a histogram is read for, by their PostgreSQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `smallint`, `integer`, `bigint`.
    Integer,
    /// `real`, `double precision`.
    Float,
    /// `numeric`.
    Numeric,
    /// `date`.
    Date,
    /// `timestamp without time zone`.
    Timestamp,
    /// `timestamp with time zone` (bounds printed in UTC).
    TimestampTz,
}

impl ValueKind {
    /// The kind of a column of type `name` (as `format_type` or `regtype::text` prints it),
    /// `None` for a type without a histogram.
    pub fn of_type(name: &str) -> Option<ValueKind> {
        // `numeric(10,2)`, `timestamp(3) without time zone`: the modifiers do not matter.
        let base: String = {
            let mut out = String::new();
            let mut depth = 0;
            for c in name.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ if depth == 0 => out.push(c),
                    _ => {}
                }
            }
            out.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        Some(match base.as_str() {
            "smallint" | "integer" | "bigint" | "int2" | "int4" | "int8" => ValueKind::Integer,
            "real" | "double precision" | "float4" | "float8" => ValueKind::Float,
            "numeric" => ValueKind::Numeric,
            "date" => ValueKind::Date,
            "timestamp without time zone" | "timestamp" => ValueKind::Timestamp,
            "timestamp with time zone" | "timestamptz" => ValueKind::TimestampTz,
            _ => return None,
        })
    }

    /// The SQL type the bounds are cast to.
    fn sql_type(self) -> &'static str {
        match self {
            ValueKind::Integer => "numeric",
            ValueKind::Float => "float8",
            ValueKind::Numeric => "numeric",
            ValueKind::Date => "date",
            ValueKind::Timestamp => "timestamp",
            ValueKind::TimestampTz => "timestamptz",
        }
    }

    /// `expr` as the text of a bound: what `#[provider(quantiles = [..])]` reads (ISO dates,
    /// microseconds, UTC with `Z`), whatever the session's `DateStyle` and `TimeZone`.
    fn text(self, expr: &str) -> String {
        match self {
            ValueKind::Integer | ValueKind::Float | ValueKind::Numeric => format!("({expr})::text"),
            ValueKind::Date => format!("to_char({expr}, 'YYYY-MM-DD')"),
            ValueKind::Timestamp => format!("to_char({expr}, 'YYYY-MM-DD HH24:MI:SS.US')"),
            ValueKind::TimestampTz => {
                format!("to_char(({expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            }
        }
    }

    /// The condition that keeps the finite values of `column` (no NaN, no infinities).
    fn finite(self, column: &str) -> String {
        match self {
            ValueKind::Integer => format!("{column} IS NOT NULL"),
            ValueKind::Float | ValueKind::Numeric => format!(
                "{column} IS NOT NULL AND {column}::float8 NOT IN ('NaN', 'Infinity', '-Infinity')"
            ),
            ValueKind::Date | ValueKind::Timestamp | ValueKind::TimestampTz => {
                format!("{column} IS NOT NULL AND isfinite({column})")
            }
        }
    }

    /// Whether bounds are written as strings in the attribute.
    fn quoted(self) -> bool {
        matches!(
            self,
            ValueKind::Date | ValueKind::Timestamp | ValueKind::TimestampTz
        )
    }
}

/// A column's histogram: `k + 1` bounds as text, and the share of the column's values in each
/// interval between distinct bounds (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The column's kind.
    pub kind: ValueKind,
    /// The bounds, non-decreasing, as `#[provider(quantiles = [..])]` reads them (a timestamp's
    /// `.000000` left out).
    pub bounds: Vec<String>,
    /// The shares measured against these bounds.
    pub shares: BucketShares,
}

/// How a column's non-null finite values fall into the intervals of a histogram's bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketShares {
    /// Non-null finite values counted.
    pub values: u64,
    /// `[lo, hi)` (the last one closed), one per interval between distinct bounds.
    pub intervals: Vec<String>,
    /// The share of the values in each interval.
    pub shares: Vec<f64>,
    /// The share below the first bound.
    pub below: f64,
    /// The share above the last bound.
    pub above: f64,
}

impl Histogram {
    /// The number of buckets (bounds minus one).
    pub fn buckets(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }

    /// `#[provider(quantiles = [..])]`, ready to paste: numbers as literals, dates and
    /// timestamps as strings.
    pub fn attribute(&self) -> String {
        let bounds: Vec<String> = self
            .bounds
            .iter()
            .map(|b| {
                if self.kind.quoted() {
                    format!("\"{b}\"")
                } else {
                    b.clone()
                }
            })
            .collect();
        format!("#[provider(quantiles = [{}])]", bounds.join(", "))
    }
}

/// The intervals between the distinct `bounds`, as labels.
fn interval_labels(distinct: &[String]) -> Vec<String> {
    match distinct {
        [] => Vec::new(),
        [only] => vec![format!("[{only}, {only}]")],
        _ => {
            let last = distinct.len() - 2;
            distinct
                .windows(2)
                .enumerate()
                .map(|(j, w)| {
                    let close = if j == last { ']' } else { ')' };
                    format!("[{}, {}{close}", w[0], w[1])
                })
                .collect()
        }
    }
}

/// A timestamp's `.000000` is left out (the attribute reads both forms).
fn trim_micros(text: String) -> String {
    match text.strip_suffix(".000000") {
        Some(t) => t.to_owned(),
        None => match text.strip_suffix(".000000Z") {
            Some(t) => format!("{t}Z"),
            None => text,
        },
    }
}

/// The type of `column` of `table` (as `format_type` prints it), `None` when there is no such
/// column.
pub async fn column_type(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
) -> Result<Option<String>, ProfileError> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT format_type(a.atttypid, a.atttypmod)
         FROM pg_catalog.pg_attribute AS a
         WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0
           AND NOT a.attisdropped",
    )
    .bind(qualified(schema, table))
    .bind(column.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(name)
}

/// The statement behind [`histogram`]: `$1` is the `float8[]` of fractions; one row with the
/// count of non-null finite values `n` and the bounds as `text[]` (null without values).
pub fn histogram_sql(
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    kind: ValueKind,
) -> String {
    let table = qualified(schema, table);
    let column = column.quoted();
    format!(
        "\
WITH h AS (
    SELECT count(*) AS n,
           percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY {column}) AS bounds
    FROM {table}
    WHERE {finite}
)
SELECT n, ARRAY(SELECT {text} FROM unnest(h.bounds) WITH ORDINALITY AS u(x, i) ORDER BY i) AS bounds
FROM h",
        finite = kind.finite(&column),
        text = kind.text("u.x"),
    )
}

/// Reads the `buckets + 1` quantiles of `column` (exact, `percentile_disc`) and the share of its
/// values in each interval between them; `None` when the column has no non-null finite value.
///
/// # Errors
///
/// [`ProfileError::Database`] for anything the server reports.
pub async fn histogram(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    kind: ValueKind,
    buckets: usize,
) -> Result<Option<Histogram>, ProfileError> {
    let buckets = buckets.max(1);
    let fractions: Vec<f64> = (0..=buckets).map(|i| i as f64 / buckets as f64).collect();
    let row = sqlx::query(AssertSqlSafe(histogram_sql(schema, table, column, kind)))
        .bind(fractions)
        .fetch_one(&mut *conn)
        .await?;
    let n: i64 = row.try_get("n")?;
    if n == 0 {
        return Ok(None);
    }
    let bounds: Vec<String> = row
        .try_get::<Vec<String>, _>("bounds")?
        .into_iter()
        .map(trim_micros)
        .collect();
    let shares = bucket_shares(conn, schema, table, column, kind, &bounds).await?;
    Ok(Some(Histogram {
        kind,
        bounds,
        shares,
    }))
}

/// The statement behind [`bucket_shares`]: `$1` holds the distinct bounds as `text[]`; one row
/// per bucket number `b` with its count `n` (`0` below, `1..=m` the intervals, `m + 1` above).
pub fn bucket_shares_sql(
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    kind: ValueKind,
) -> String {
    let table = qualified(schema, table);
    let column = column.quoted();
    let ty = kind.sql_type();
    format!(
        "\
WITH d AS (
    SELECT $1::text[]::{ty}[] AS bounds,
           greatest(cardinality($1::text[]) - 1, 1) AS m
)
SELECT CASE WHEN {column}::{ty} = d.bounds[cardinality(d.bounds)] THEN d.m
            WHEN {column}::{ty} > d.bounds[cardinality(d.bounds)] THEN d.m + 1
            WHEN {column}::{ty} < d.bounds[1] THEN 0
            ELSE width_bucket({column}::{ty}, d.bounds)
       END AS b,
       count(*) AS n
FROM {table}, d
WHERE {finite}
GROUP BY 1",
        finite = kind.finite(&column),
    )
}

/// The share of `column`'s non-null finite values in each interval between the distinct
/// `bounds` (non-decreasing, as [`Histogram::bounds`]), below the first and above the last.
///
/// # Errors
///
/// [`ProfileError::Database`] for anything the server reports (also a bound that is not a
/// value of the column's type).
pub async fn bucket_shares(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    kind: ValueKind,
    bounds: &[String],
) -> Result<BucketShares, ProfileError> {
    let mut distinct: Vec<String> = Vec::with_capacity(bounds.len());
    for b in bounds {
        if distinct.last() != Some(b) {
            distinct.push(b.clone());
        }
    }
    let intervals = interval_labels(&distinct);
    let m = intervals.len();
    let rows = sqlx::query(AssertSqlSafe(bucket_shares_sql(
        schema, table, column, kind,
    )))
    .bind(&distinct)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = vec![0u64; m + 2];
    for row in rows {
        let b: i64 = row.try_get::<Option<i32>, _>("b")?.map_or(0, i64::from);
        let n = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
        let slot = usize::try_from(b).unwrap_or(0).min(m + 1);
        counts[slot] += n;
    }
    let values: u64 = counts.iter().sum();
    let share = |n: u64| {
        if values == 0 {
            0.0
        } else {
            n as f64 / values as f64
        }
    };
    Ok(BucketShares {
        values,
        intervals,
        shares: counts[1..=m].iter().map(|&n| share(n)).collect(),
        below: share(counts[0]),
        above: share(counts[m + 1]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_type_name() {
        assert_eq!(ValueKind::of_type("bigint"), Some(ValueKind::Integer));
        assert_eq!(
            ValueKind::of_type("numeric(10,2)"),
            Some(ValueKind::Numeric)
        );
        assert_eq!(
            ValueKind::of_type("timestamp(3) without time zone"),
            Some(ValueKind::Timestamp)
        );
        assert_eq!(
            ValueKind::of_type("timestamp with time zone"),
            Some(ValueKind::TimestampTz)
        );
        assert_eq!(
            ValueKind::of_type("double precision"),
            Some(ValueKind::Float)
        );
        assert_eq!(ValueKind::of_type("text"), None);
        assert_eq!(ValueKind::of_type("integer[]"), None);
    }

    #[test]
    fn intervals_and_attribute() {
        let d = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(interval_labels(&d(&["1", "2", "5"])), ["[1, 2)", "[2, 5]"]);
        assert_eq!(interval_labels(&d(&["7"])), ["[7, 7]"]);
        let h = Histogram {
            kind: ValueKind::Date,
            bounds: d(&["2009-01-01", "2013-12-22"]),
            shares: BucketShares {
                values: 1,
                intervals: vec![],
                shares: vec![],
                below: 0.0,
                above: 0.0,
            },
        };
        assert_eq!(
            h.attribute(),
            "#[provider(quantiles = [\"2009-01-01\", \"2013-12-22\"])]"
        );
        assert_eq!(
            trim_micros("2009-01-01 00:00:00.000000".into()),
            "2009-01-01 00:00:00"
        );
        assert_eq!(
            trim_micros("2009-01-01T00:00:00.000000Z".into()),
            "2009-01-01T00:00:00Z"
        );
        assert_eq!(
            trim_micros("2009-01-01 00:00:00.5".into()),
            "2009-01-01 00:00:00.5"
        );
    }
}
