//! Why two plans part: the planner's statistics of a table (`pg_stats`) on both sides, and the
//! ones that differ enough to change a plan — the share of the most common value (a skewed
//! column generated uniformly), the correlation of a column with the rows' physical order
//! (rows stored in date or key order make index scans cheap), the number of distinct values,
//! the share of nulls.

use sqlx::PgConnection;

use crate::ident::Ident;

/// The planner's statistics of one column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    pub column: String,
    pub null_frac: f64,
    /// Positive: that many distinct values; negative: minus their share of the rows.
    pub n_distinct: f64,
    /// Of the column's order with the rows' physical order, −1 to 1 (`None` when not
    /// computed, as for types without an order).
    pub correlation: Option<f64>,
    /// The share of rows holding the most common value (`None`: no value stands out).
    pub top_share: Option<f64>,
}

/// One statistic that differs between production and generated data.
#[derive(Debug, Clone, PartialEq)]
pub struct StatDifference {
    pub table: String,
    pub column: String,
    /// `correlation`, `most common value's share`, `distinct values`, `null share`.
    pub statistic: &'static str,
    pub production: f64,
    pub generated: f64,
}

impl std::fmt::Display for StatDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}: {} {:.3} in production, {:.3} generated",
            self.table, self.column, self.statistic, self.production, self.generated
        )
    }
}

/// A `pg_stats` row: column, null share, distinct values, correlation, top value's share.
type StatsRow = (String, f64, f64, Option<f64>, Option<f64>);

/// The statistics of `table` in `schema` (empty when it was never analysed).
pub async fn table_stats(
    conn: &mut PgConnection,
    schema: &Ident,
    table: &str,
) -> Result<Vec<ColumnStats>, sqlx::Error> {
    let rows: Vec<StatsRow> = sqlx::query_as(
        "SELECT attname::text, null_frac::float8, n_distinct::float8, correlation::float8,
                most_common_freqs[1]::float8
         FROM pg_stats WHERE schemaname = $1 AND tablename = $2 ORDER BY attname",
    )
    .bind(schema.as_str())
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(column, null_frac, n_distinct, correlation, top_share)| ColumnStats {
                column,
                null_frac,
                n_distinct,
                correlation,
                top_share,
            },
        )
        .collect())
}

/// The statistics of `table` that differ enough to change a plan, the largest first:
/// correlation by more than 0.3, the most common value's share by a factor of 2 and 0.05 or
/// more, the distinct values by a factor of 2, the null share by 0.1. (A statistic missing on
/// one side counts as 0.)
pub fn differences(
    table: &str,
    production: &[ColumnStats],
    generated: &[ColumnStats],
) -> Vec<StatDifference> {
    // (difference, how far beyond its threshold it is)
    let mut out: Vec<(StatDifference, f64)> = Vec::new();
    for p in production {
        let Some(g) = generated.iter().find(|g| g.column == p.column) else {
            continue;
        };
        let mut add = |statistic, a: f64, b: f64, weight: f64| {
            out.push((
                StatDifference {
                    table: table.to_owned(),
                    column: p.column.clone(),
                    statistic,
                    production: a,
                    generated: b,
                },
                weight,
            ));
        };
        let (pc, gc) = (p.correlation.unwrap_or(0.0), g.correlation.unwrap_or(0.0));
        if (pc - gc).abs() > 0.3 {
            add("correlation", pc, gc, (pc - gc).abs() / 0.3);
        }
        let (pt, gt) = (p.top_share.unwrap_or(0.0), g.top_share.unwrap_or(0.0));
        let factor = pt.max(gt) / pt.min(gt).max(1e-9);
        if (pt - gt).abs() >= 0.05 && factor >= 2.0 {
            add("most common value's share", pt, gt, factor / 2.0);
        }
        // n_distinct as counts need the table's size; compare like with like only.
        if p.n_distinct.signum() == g.n_distinct.signum() && p.n_distinct != 0.0 {
            let factor = p.n_distinct.abs().max(g.n_distinct.abs())
                / p.n_distinct.abs().min(g.n_distinct.abs()).max(1e-9);
            if factor >= 2.0 {
                add("distinct values", p.n_distinct, g.n_distinct, factor / 2.0);
            }
        }
        if (p.null_frac - g.null_frac).abs() > 0.1 {
            add(
                "null share",
                p.null_frac,
                g.null_frac,
                (p.null_frac - g.null_frac).abs() / 0.1,
            );
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.into_iter().map(|(d, _)| d).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(column: &str, correlation: f64, top: f64, distinct: f64) -> ColumnStats {
        ColumnStats {
            column: column.into(),
            null_frac: 0.0,
            n_distinct: distinct,
            correlation: Some(correlation),
            top_share: Some(top),
        }
    }

    #[test]
    fn the_statistics_that_change_plans_are_named_largest_first() {
        let production = [
            stats("customer", 0.02, 0.5, 1000.0),
            stats("created", 1.0, 0.001, -1.0),
            stats("id", 1.0, 0.0, -1.0),
        ];
        let generated = [
            stats("customer", 0.03, 0.001, 1000.0),
            stats("created", 0.0, 0.001, -1.0),
            stats("id", 0.98, 0.0, -1.0),
        ];
        let d = differences("orders", &production, &generated);
        let named: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(
            named,
            [
                "orders.customer: most common value's share 0.500 in production, 0.001 generated",
                "orders.created: correlation 1.000 in production, 0.000 generated",
            ]
        );
    }
}
