//! Physical order: how well a column's values follow the order of the table's rows on disk,
//! the statistic PostgreSQL keeps as `pg_stats.correlation`.
//!
//! The planner prices an index scan by it: with a correlation near ±1 the rows an index
//! range points to sit on few consecutive pages (an invoice's lines inserted together, invoices
//! inserted in date order), so an `Index Scan` reading the heap in order is cheap; near 0 each
//! row is a random page and a `Bitmap Heap Scan` (or a sequential scan) wins. Generated rows
//! match production value by value but, drawn in random order, lose this: the same query then
//! gets another plan. The scaffold reads the figure here and marks the columns production keeps
//! in order as `ordered` (see `faker_core::distributor::Strategy::ordered`).
//!
//! **Measured, not read from `pg_stats`.** `pg_stats` needs an `ANALYZE` the profiling role may
//! not be allowed to run and may be stale; the figure is computed the way `ANALYZE` defines it
//! (the Pearson correlation between a row's physical position and its rank in value order,
//! ties ranked by position) over the whole table, or over a `TABLESAMPLE SYSTEM` of its pages
//! for a large one — whole pages keep their rows' order, so a sample of pages keeps the figure.

use sqlx::{AssertSqlSafe, PgConnection};

use super::sample::Sample;
use crate::ident::{Ident, qualified};

/// The correlation of `column` with the physical order of `table`'s rows, in `[-1, 1]`;
/// `None` when fewer than two rows have a value (or all values are equal). Nulls are left
/// out, as `ANALYZE` does. With `sample`, over the sampled pages only.
///
/// # Errors
///
/// What the server reports (a missing table or column, a type without ordering).
pub async fn physical_correlation(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    sample: Option<Sample>,
) -> Result<Option<f64>, sqlx::Error> {
    let c = column.quoted();
    let from = match sample {
        Some(_) => format!(
            "{} TABLESAMPLE SYSTEM ($1) REPEATABLE ($2)",
            qualified(schema, table)
        ),
        None => qualified(schema, table),
    };
    // `ctid` is the physical position; ties of the value are ranked by it (as `ANALYZE`
    // sorts them), so a column with few values in insertion order still comes out near 1.
    let sql = format!(
        "SELECT corr(position, rank)::float8 FROM (
             SELECT row_number() OVER (ORDER BY ctid)::float8 AS position,
                    row_number() OVER (ORDER BY {c}, ctid)::float8 AS rank
             FROM {from} WHERE {c} IS NOT NULL) AS ranked"
    );
    let query = sqlx::query_scalar::<_, Option<f64>>(AssertSqlSafe(sql));
    let query = match sample {
        Some(s) => query.bind(s.percent as f32).bind(s.seed as i32),
        None => query,
    };
    let correlation = query.fetch_one(&mut *conn).await?;
    Ok(correlation.filter(|c| c.is_finite()))
}
