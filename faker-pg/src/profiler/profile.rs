//! Profiling a column on the server: the estimators of [`faker_core::estimate`] as SQL.
//!
//! [`profile_column`] reads `mean`, `null_weight`, quartile `weights` and `skew` off one column of
//! a live database. All aggregation happens in PostgreSQL (one scan of the table, one result row),
//! so a production table can be profiled without pulling its rows to the client. The result is a
//! [`Profile`] equal to what [`Profile::from_counts`] computes from the same per-value counts:
//! integer fields exactly, floating-point fields up to rounding in the last few bits (PostgreSQL
//! accumulates `REGR_SLOPE` in one pass, the Rust side in two).
//!
//! The statement follows the SQL in the project README, with two corrections:
//!
//! * the README's weights query nests `ntile(4)` inside another window's `PARTITION BY`, which
//!   PostgreSQL rejects; here the tiles are numbered in one step and summed in the next;
//! * the README divides by `1 + slope` in SQL, which fails or turns negative when the slope is
//!   `<= -1`; here the slope comes back and the conversion to `skew` follows
//!   [`SkewFit`]'s rules (`skew = ∞` for `slope <= -1`, `slope = 0` and `r² = 1` when every kept
//!   count is equal).
//!
//! [`profile_sql`] gives the statement text, e.g. for users who want to run it by hand.
//!
//! [`profile_columns`] does the same for a *tuple* of columns (a composite foreign key such as
//! `(tenant_id, author_id)`): one statement text serves both, grouping by every column; a row
//! counts as null when any column of the tuple is null (then the key references nothing, as with
//! `MATCH SIMPLE`). [`value_counts`] lists the most used values with their shares (the README's
//! "fixed range" statement), for low-cardinality columns.

use std::slice;

use faker_core::estimate::{Profile, SkewFit};
use sqlx::{AssertSqlSafe, PgConnection, Row};

use crate::ident::{Ident, qualified};

/// Why a column could not be profiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// No table, view, materialized view or foreign table of that name is visible (for a name
    /// without a schema: on the connection's `search_path`).
    #[error("table {} not found", qualified(schema.as_ref(), table))]
    TableNotFound {
        /// The schema asked for, if any.
        schema: Option<Ident>,
        /// The table asked for.
        table: Ident,
    },
    /// The table exists but has no such column.
    #[error("column {column} not found in table {}", qualified(schema.as_ref(), table))]
    ColumnNotFound {
        /// The schema asked for, if any.
        schema: Option<Ident>,
        /// The table asked for.
        table: Ident,
        /// The column asked for.
        column: Ident,
    },
    /// No column was given (a tuple needs at least one).
    #[error("no column given to profile in table {}", qualified(schema.as_ref(), table))]
    NoColumns {
        /// The schema asked for, if any.
        schema: Option<Ident>,
        /// The table asked for.
        table: Ident,
    },
    /// The database failed: connection lost, permission denied, a column type without equality
    /// (so it cannot be grouped), and so on.
    #[error("database error while profiling: {0}")]
    Database(#[from] sqlx::Error),
}

/// Checks that `table` exists and has every column of `$2` (a `text[]`); `missing` lists the
/// columns it lacks, in the order asked. Names travel as bind parameters: the quoted qualified name
/// goes through `to_regclass`, which resolves it as the profiling statement will.
const CATALOG_SQL: &str = "\
SELECT c.oid IS NOT NULL AS table_found,
       ARRAY(SELECT u.name
             FROM unnest($2::text[]) WITH ORDINALITY AS u(name, i)
             WHERE NOT EXISTS (SELECT 1
                               FROM pg_catalog.pg_attribute AS a
                               WHERE a.attrelid = c.oid
                                 AND a.attname = u.name
                                 AND a.attnum > 0
                                 AND NOT a.attisdropped)
             ORDER BY u.i) AS missing,
       ARRAY(SELECT coalesce(t.typcategory::text, '')
             FROM unnest($2::text[]) WITH ORDINALITY AS u(name, i)
             LEFT JOIN pg_catalog.pg_attribute AS a
                    ON a.attrelid = c.oid AND a.attname = u.name
                   AND a.attnum > 0 AND NOT a.attisdropped
             LEFT JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
             ORDER BY u.i) AS categories
FROM (SELECT to_regclass($1) AS oid) AS r
LEFT JOIN pg_catalog.pg_class AS c
       ON c.oid = r.oid::oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";

/// `"a", "b"`: the columns as a `GROUP BY` list.
fn column_list(columns: &[Ident]) -> String {
    columns
        .iter()
        .map(Ident::quoted)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The aggregate counting the rows of a group where the value (every column of the tuple) is not
/// null: `count("c")` for one column, a filtered `count(*)` for a tuple.
fn non_null_count(columns: &[Ident]) -> String {
    match columns {
        [column] => format!("count({column})"),
        _ => {
            let all = columns
                .iter()
                .map(|c| format!("{c} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!("count(*) FILTER (WHERE {all})")
        }
    }
}

/// The value of a group as text: `"c"::text`, or the row `ROW("a", "b")::text` (`(1,2)`).
fn value_text(columns: &[Ident]) -> String {
    match columns {
        [column] => format!("{column}::text"),
        _ => format!("ROW({})::text", column_list(columns)),
    }
}

/// `c`, or `(a, b)` for a tuple: names as the catalog stores them, for people to read.
pub fn columns_label(columns: &[Ident]) -> String {
    match columns {
        [column] => column.as_str().to_owned(),
        _ => format!(
            "({})",
            columns
                .iter()
                .map(Ident::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The profiling statement for `column` of `table`: one result row with columns
///
/// | column | type | meaning |
/// |---|---|---|
/// | `total_rows` | `bigint` | all rows |
/// | `nulls` | `bigint` | rows where the column is null |
/// | `distinct_values` | `bigint` | distinct non-null values |
/// | `part1` … `part4` | `bigint` | uses held by each `ntile(4)` tile of values ranked by uses |
/// | `slope`, `r2` | `float8` | `REGR_SLOPE`, `REGR_R2` of `ln(uses)` on `ln(rank)`, null below two points |
/// | `points` | `bigint` | ranks kept in the regression (`rank <= 0.9 * distinct_values`) |
/// | `flat` | `boolean` | all kept ranks have the same number of uses |
///
/// Values are grouped with `GROUP BY`, so the column may be of any type with equality (integers,
/// `uuid`, `text`, …). Shares are left as integer sums so they can be divided exactly as
/// [`Profile::from_counts`] divides them.
pub fn profile_sql(schema: Option<&Ident>, table: &Ident, column: &Ident) -> String {
    profile_columns_sql(schema, table, slice::from_ref(column))
}

/// The statement of [`profile_sql`] for a tuple of columns (one column gives exactly
/// [`profile_sql`]'s text): groups by every column; the rows of a group count as uses when no
/// column of the tuple is null, as nulls otherwise (several such groups may exist, e.g.
/// `(1, NULL)` and `(NULL, NULL)`; their rows are all summed into `nulls`).
pub fn profile_columns_sql(schema: Option<&Ident>, table: &Ident, columns: &[Ident]) -> String {
    profile_from_sql(&qualified(schema, table), columns)
}

/// [`profile_columns_sql`] over the rows of `table` whose `column` is null or a value of
/// `ref_table.ref_column`: a reference found in the data profiled without its dangling rows
/// (whose values, often each its own, would otherwise count as targets).
pub fn profile_contained_sql(
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    ref_table: &Ident,
    ref_column: &Ident,
) -> String {
    let c = column.quoted();
    let from = format!(
        "(SELECT {c} FROM {} WHERE {c} IS NULL OR {c} IN (SELECT {} FROM {})) AS contained",
        qualified(schema, table),
        ref_column.quoted(),
        qualified(schema, ref_table)
    );
    profile_from_sql(&from, slice::from_ref(column))
}

/// [`profile_columns_sql`] of `owned` over the distinct `(owner, owned)` pairs of `table`
/// with an owner: how many owner values hold each owned value — the law of a reference that
/// follows its owner (drawn once per owner value). `contained` lists the references found in
/// the data among the two, as `(column, ref_table, ref_column)`: only pairs whose values are
/// keys there count, since generation has no dangling owner to draw for.
pub fn profile_per_owner_sql(
    schema: Option<&Ident>,
    table: &Ident,
    owner: &Ident,
    owned: &Ident,
    contained: &[(&Ident, &Ident, &Ident)],
) -> String {
    let (o, w) = (owner.quoted(), owned.quoted());
    let filters: String = contained
        .iter()
        .map(|(column, ref_table, ref_column)| {
            format!(
                " AND ({c} IS NULL OR {c} IN (SELECT {} FROM {}))",
                ref_column.quoted(),
                qualified(schema, ref_table),
                c = column.quoted(),
            )
        })
        .collect();
    let from = format!(
        "(SELECT DISTINCT {o}, {w} FROM {} WHERE {o} IS NOT NULL{filters}) AS owners",
        qualified(schema, table)
    );
    profile_from_sql(&from, slice::from_ref(owned))
}

/// The profile of [`profile_per_owner_sql`].
///
/// # Errors
///
/// As [`profile_column`].
pub async fn profile_per_owner(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    (owner, owned): (&Ident, &Ident),
    contained: &[(&Ident, &Ident, &Ident)],
) -> Result<Profile, ProfileError> {
    check_catalog(&mut *conn, schema, table, &[owner.clone(), owned.clone()]).await?;
    let sql = profile_per_owner_sql(schema, table, owner, owned, contained);
    profile_with(conn, sql).await
}

/// Profiles `columns` of the rows `table` (a table name or a subquery with its alias) gives.
fn profile_from_sql(table: &str, columns: &[Ident]) -> String {
    let group = column_list(columns);
    let freq = non_null_count(columns);
    format!(
        "\
WITH grouped AS (
    -- One group per value, and one per null pattern: the only groups where freq is 0.
    SELECT count(*) AS n, {freq} AS freq
    FROM {table}
    GROUP BY {group}
),
ranked AS (
    -- Ties get arbitrary neighbouring ranks; they have equal counts, so no sum below depends on it.
    SELECT freq,
           row_number() OVER w AS rank,
           ntile(4) OVER w AS part
    FROM grouped
    WHERE freq > 0
    WINDOW w AS (ORDER BY freq DESC)
),
totals AS (
    SELECT coalesce(sum(n), 0)::bigint AS total_rows,
           coalesce(sum(n) FILTER (WHERE freq = 0), 0)::bigint AS nulls
    FROM grouped
),
parts AS (
    SELECT count(*) AS distinct_values,
           coalesce(sum(freq) FILTER (WHERE part = 1), 0)::bigint AS part1,
           coalesce(sum(freq) FILTER (WHERE part = 2), 0)::bigint AS part2,
           coalesce(sum(freq) FILTER (WHERE part = 3), 0)::bigint AS part3,
           coalesce(sum(freq) FILTER (WHERE part = 4), 0)::bigint AS part4
    FROM ranked
),
fit AS (
    -- Drop the noisy tail: keep ranks up to 90% of the distinct values.
    SELECT regr_slope(ln(freq::float8), ln(rank::float8)) AS slope,
           regr_r2(ln(freq::float8), ln(rank::float8)) AS r2,
           count(*) AS points,
           min(freq) = max(freq) AS flat
    FROM ranked
    WHERE rank <= (SELECT count(*) FROM ranked) * 0.9
)
SELECT total_rows, nulls, distinct_values, part1, part2, part3, part4, slope, r2, points, flat
FROM totals, parts, fit"
    )
}

/// Profiles `column` of `table` (in `schema`, or found through the `search_path` when `None`)
/// on the server, in two statements: a catalog check, then one aggregate query.
///
/// Takes a connection: a pool's (`&mut pool.acquire().await?`) or a transaction's (`&mut tx`)
/// will do, as both deref to [`PgConnection`]. The two statements see one snapshot only inside a
/// `REPEATABLE READ` transaction; outside one, a table renamed or altered in between gives
/// [`ProfileError::Database`].
///
/// An empty table gives the all-zero profile ([`Profile::from_counts`]`(&[], 0)`: no rows, no
/// nulls, `mean_uses = 0`, `null_share = 0`, zero shares, no skew fit). A column that is all
/// nulls gives `rows = nulls` and otherwise the same zeros.
///
/// # Errors
///
/// [`ProfileError::TableNotFound`] and [`ProfileError::ColumnNotFound`] when the catalog has no
/// such table or column; [`ProfileError::Database`] for anything the server or connection
/// reports.
///
/// ```no_run
/// # async fn run(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
/// use faker_pg::{Ident, profile_column};
///
/// let mut conn = pool.acquire().await?;
/// let (table, column) = (Ident::new("employees")?, Ident::new("company_id")?);
/// let profile = profile_column(&mut conn, None, &table, &column).await?;
/// println!(
///     "mean = {:.2}, null_weight = {:.4}, weights = {:?}, skew = {:?}",
///     profile.mean_uses,
///     profile.null_share,
///     profile.quartile_shares,
///     profile.skew.map(|fit| fit.skew),
/// );
/// # Ok(())
/// # }
/// ```
pub async fn profile_column(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
) -> Result<Profile, ProfileError> {
    profile_columns(conn, schema, table, slice::from_ref(column)).await
}

/// Checks, with one catalog query, that `table` exists and has every column of `columns`.
async fn check_catalog(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    columns: &[Ident],
) -> Result<Vec<String>, ProfileError> {
    if columns.is_empty() {
        return Err(ProfileError::NoColumns {
            schema: schema.cloned(),
            table: table.clone(),
        });
    }
    let names: Vec<String> = columns.iter().map(|c| c.as_str().to_owned()).collect();
    let found = sqlx::query(CATALOG_SQL)
        .bind(qualified(schema, table))
        .bind(names)
        .fetch_one(&mut *conn)
        .await?;
    if !found.try_get::<bool, _>("table_found")? {
        return Err(ProfileError::TableNotFound {
            schema: schema.cloned(),
            table: table.clone(),
        });
    }
    let missing: Vec<String> = found.try_get("missing")?;
    if let Some(name) = missing.into_iter().next() {
        return Err(ProfileError::ColumnNotFound {
            schema: schema.cloned(),
            table: table.clone(),
            // The name came from an `Ident`, so it is one.
            column: columns
                .iter()
                .find(|c| c.as_str() == name)
                .cloned()
                .unwrap_or_else(|| columns[0].clone()),
        });
    }
    // `pg_type.typcategory` of each column, in order.
    Ok(found.try_get("categories")?)
}

/// [`profile_column`] for a tuple of columns, e.g. the two columns of a composite foreign key
/// `(tenant_id, author_id)`: the values are the distinct tuples, and a row is null when any column
/// of the tuple is null. The statistics are the same statement as for one column
/// ([`profile_columns_sql`]), and the result equals [`Profile::from_counts`] over the per-tuple
/// counts with those nulls.
///
/// # Errors
///
/// As [`profile_column`], plus [`ProfileError::NoColumns`] for an empty `columns`.
pub async fn profile_columns(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    columns: &[Ident],
) -> Result<Profile, ProfileError> {
    check_catalog(&mut *conn, schema, table, columns).await?;
    profile_with(conn, profile_columns_sql(schema, table, columns)).await
}

/// The profile of a reference found in the data, without its dangling rows (see
/// [`profile_contained_sql`]).
///
/// # Errors
///
/// As [`profile_column`].
pub async fn profile_contained(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    column: &Ident,
    ref_table: &Ident,
    ref_column: &Ident,
) -> Result<Profile, ProfileError> {
    check_catalog(&mut *conn, schema, table, slice::from_ref(column)).await?;
    let sql = profile_contained_sql(schema, table, column, ref_table, ref_column);
    profile_with(conn, sql).await
}

/// Runs a statement of [`profile_from_sql`] and reads its one row.
async fn profile_with(conn: &mut PgConnection, sql: String) -> Result<Profile, ProfileError> {
    // The text holds only quoted, validated identifiers; there are no values in it.
    let row = sqlx::query(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let count = |name: &str| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };

    let rows = count("total_rows")?;
    let nulls = count("nulls")?;
    let distinct = count("distinct_values")?;
    let parts = [
        count("part1")?,
        count("part2")?,
        count("part3")?,
        count("part4")?,
    ];
    let used = rows - nulls;
    let share = |uses: u64| {
        if used == 0 {
            0.0
        } else {
            uses as f64 / used as f64
        }
    };
    Ok(Profile {
        rows,
        nulls,
        distinct,
        mean_uses: used as f64 / distinct.max(1) as f64,
        null_share: if rows == 0 {
            0.0
        } else {
            nulls as f64 / rows as f64
        },
        quartile_shares: parts.map(share),
        skew: skew_fit(
            row.try_get("slope")?,
            row.try_get("r2")?,
            count("points")?,
            row.try_get::<Option<bool>, _>("flat")?.unwrap_or(false),
        ),
    })
}

/// One value of a column (or tuple) with its uses, as listed by [`value_counts`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValueCount {
    /// The value as PostgreSQL writes it as text (`active`, `42`, a tuple as `(1,2)`).
    pub value: String,
    /// Rows holding the value.
    pub count: u64,
    /// `count` over all non-null rows, computed on the server.
    pub share: f64,
}

/// How the values of a column are written as Rust literals (in a suggested
/// `#[provider(one_of = [..])]`), from the column type's category (`pg_type.typcategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Literal {
    /// Numeric types: as PostgreSQL writes them (`42`, `12.50`).
    Number,
    /// `boolean`: `true`, `false`.
    Boolean,
    /// Everything else (text, enums, dates, tuples): a quoted string.
    #[default]
    Text,
}

impl Literal {
    /// The literal kind of a column of type category `category` (`pg_type.typcategory`).
    pub fn of_category(category: &str) -> Literal {
        match category {
            "N" => Literal::Number,
            "B" => Literal::Boolean,
            _ => Literal::Text,
        }
    }

    /// `value` (as PostgreSQL writes it as text) as a Rust literal: a number or boolean as it
    /// is when it is one (`NaN` or `Infinity` are quoted), anything else as an escaped string.
    pub fn write(self, value: &str) -> String {
        let plain = match self {
            Literal::Number => {
                value.parse::<f64>().is_ok_and(f64::is_finite)
                    && value
                        .chars()
                        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
            }
            Literal::Boolean => matches!(value, "true" | "false"),
            Literal::Text => false,
        };
        if plain {
            value.to_owned()
        } else {
            format!("{value:?}")
        }
    }
}

/// The most used values of a column (or tuple), and the totals they are part of.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueCounts {
    /// All rows.
    pub rows: u64,
    /// Rows where the value (any column of a tuple) is null.
    pub nulls: u64,
    /// Distinct non-null values, all of them (also those beyond the list's limit).
    pub distinct: u64,
    /// The most used values, most used first (ties by value text), at most the limit asked for.
    pub values: Vec<ValueCount>,
    /// How the values are written as Rust literals (a tuple's are [`Literal::Text`]).
    pub literal: Literal,
}

impl ValueCounts {
    /// True when [`values`](ValueCounts::values) lists every distinct value.
    pub fn is_complete(&self) -> bool {
        self.values.len() as u64 == self.distinct
    }

    /// The column's profile, computed by [`Profile::from_counts`] from the listed counts; `None`
    /// unless the list is complete. Equal to what [`profile_columns`] reads on the server.
    pub fn profile(&self) -> Option<Profile> {
        self.is_complete().then(|| {
            let counts: Vec<u64> = self.values.iter().map(|v| v.count).collect();
            Profile::from_counts(&counts, self.nulls)
        })
    }
}

/// The statement behind [`value_counts`]; `$1` is the list's limit (`bigint`). One row per listed
/// value (`val`, `freq`, `share`), each also carrying the totals `total_rows`, `nulls` and
/// `distinct_values`; a single row with null `val` when there is no value to list.
///
/// It is the README's "fixed range" statement (`GROUP BY` the column, shares of all non-null
/// uses, most used first), with the totals added and the list capped.
pub fn values_sql(schema: Option<&Ident>, table: &Ident, columns: &[Ident]) -> String {
    let table = qualified(schema, table);
    let group = column_list(columns);
    let freq = non_null_count(columns);
    let value = value_text(columns);
    format!(
        "\
WITH grouped AS (
    SELECT {value} AS val, count(*) AS n, {freq} AS freq
    FROM {table}
    GROUP BY {group}
),
totals AS (
    SELECT coalesce(sum(n), 0)::bigint AS total_rows,
           coalesce(sum(n) FILTER (WHERE freq = 0), 0)::bigint AS nulls,
           count(*) FILTER (WHERE freq > 0) AS distinct_values
    FROM grouped
),
listed AS (
    SELECT val, freq, freq::float8 / sum(freq) OVER () AS share
    FROM grouped
    WHERE freq > 0
    ORDER BY freq DESC, val
    LIMIT $1
)
SELECT total_rows, nulls, distinct_values, val, freq, share
FROM totals LEFT JOIN listed ON true
ORDER BY freq DESC, val"
    )
}

/// Lists the `limit` most used values of `columns` of `table` with their counts and shares of
/// the non-null rows, plus the column's totals, in one aggregate query on the server (only the
/// listed values travel to the client). With `limit >= distinct` the list is complete and
/// [`ValueCounts::profile`] gives the whole profile without another scan.
///
/// # Errors
///
/// As [`profile_columns`].
pub async fn value_counts(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    columns: &[Ident],
    limit: u64,
) -> Result<ValueCounts, ProfileError> {
    let categories = check_catalog(&mut *conn, schema, table, columns).await?;
    let literal = match categories.as_slice() {
        [one] => Literal::of_category(one),
        _ => Literal::Text,
    };
    let rows = sqlx::query(AssertSqlSafe(values_sql(schema, table, columns)))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
    let count = |row: &sqlx::postgres::PgRow, name: &str| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };
    let mut out = ValueCounts {
        rows: 0,
        nulls: 0,
        distinct: 0,
        values: Vec::with_capacity(rows.len()),
        literal,
    };
    for row in &rows {
        out.rows = count(row, "total_rows")?;
        out.nulls = count(row, "nulls")?;
        out.distinct = count(row, "distinct_values")?;
        if let Some(value) = row.try_get::<Option<String>, _>("val")? {
            out.values.push(ValueCount {
                value,
                count: count(row, "freq")?,
                share: row.try_get("share")?,
            });
        }
    }
    Ok(out)
}

fn skew_fit(slope: Option<f64>, r2: Option<f64>, points: u64, flat: bool) -> Option<SkewFit> {
    // One implementation of the slope -> skew rules, shared with the in-memory estimators.
    SkewFit::from_regression(slope, r2, usize::try_from(points).ok()?, flat)
}

/// The uses of the `k` most used values of `columns` (none of them null), most used first: the head of its
/// rank–frequency curve, which a law's few parameters miss (see
/// [`suggest::head`](super::suggest::head)).
///
/// # Errors
///
/// What the server reports.
pub async fn top_counts(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    columns: &[Ident],
    k: usize,
) -> Result<Vec<u64>, sqlx::Error> {
    let list = column_list(columns);
    let non_null: Vec<String> = columns
        .iter()
        .map(|c| format!("{} IS NOT NULL", c.quoted()))
        .collect();
    let sql = format!(
        "SELECT count(*)::int8 FROM {} WHERE {} GROUP BY {list} ORDER BY 1 DESC LIMIT $1",
        qualified(schema, table),
        non_null.join(" AND ")
    );
    let counts: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(i64::try_from(k).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
    Ok(counts
        .into_iter()
        .map(|n| u64::try_from(n).unwrap_or(0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_fit_follows_estimate_rules() {
        assert_eq!(skew_fit(Some(-0.5), Some(0.9), 1, false), None);
        assert_eq!(skew_fit(None, None, 3, false), None);
        let fit = skew_fit(Some(-0.5), Some(0.9), 10, false).unwrap();
        assert_eq!(
            (fit.skew, fit.alpha, fit.r2, fit.points),
            (2.0, 0.5, 0.9, 10)
        );
        assert_eq!(
            skew_fit(Some(-1.0), Some(1.0), 5, false).unwrap().skew,
            f64::INFINITY
        );
        assert_eq!(
            skew_fit(Some(-1.5), Some(1.0), 5, false).unwrap().skew,
            f64::INFINITY
        );
        let flat = skew_fit(Some(1e-17), Some(0.3), 5, true).unwrap();
        assert_eq!((flat.slope, flat.skew, flat.r2), (0.0, 1.0, 1.0));
    }

    #[test]
    fn values_are_written_as_rust_literals() {
        assert_eq!(Literal::Number.write("42"), "42");
        assert_eq!(Literal::Number.write("-12.50"), "-12.50");
        assert_eq!(Literal::Number.write("1e+20"), "1e+20");
        assert_eq!(Literal::Number.write("NaN"), "\"NaN\"");
        assert_eq!(Literal::Boolean.write("true"), "true");
        assert_eq!(Literal::Text.write("42"), "\"42\"");
        assert_eq!(Literal::Text.write("say \"hi\"\\"), r#""say \"hi\"\\""#);
        assert_eq!(Literal::of_category("N"), Literal::Number);
        assert_eq!(Literal::of_category("S"), Literal::Text);
    }

    #[test]
    fn statement_quotes_every_name() {
        let sql = profile_sql(
            Some(&Ident::new("s").unwrap()),
            &Ident::new("t\"x").unwrap(),
            &Ident::new("c").unwrap(),
        );
        assert!(sql.contains(r#"FROM "s"."t""x""#));
        assert!(sql.contains(r#"GROUP BY "c""#));
        assert!(sql.contains(r#"count("c")"#));
    }
}
