//! A query file's parameters resolved on one database: each to a value of that database (the
//! most frequent customer *there*), as text with its type, then bound to the query as a
//! parameter `$n::type` — values never enter the SQL text.

use sqlx::{AssertSqlSafe, PgConnection};
use thiserror::Error;

use super::queries::{NamedQuery, Parameter, Piece, Rank};
use crate::ident::{Ident, IdentError};

/// A parameter that could not be resolved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// A table or column name that is no identifier.
    #[error("`{parameter}`: {source}")]
    Name {
        parameter: String,
        #[source]
        source: IdentError,
    },
    /// The database refused (a table or column that does not exist, say).
    #[error("`{parameter}`: {source}")]
    Database {
        parameter: String,
        #[source]
        source: sqlx::Error,
    },
    /// The column holds no value to take (an empty table, only nulls).
    #[error("`{parameter}`: the column has no value")]
    NoValue { parameter: String },
}

/// A resolved parameter: its value as text and the value's type (`pg_typeof`).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub text: String,
    pub sql_type: String,
}

/// A query ready to run on one database: its SQL with `$n::type` where the parameters were,
/// and their values as text, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundQuery {
    pub sql: String,
    pub values: Vec<Resolved>,
}

/// Resolves `parameter` on `conn` (names through its `search_path`).
pub async fn resolve(
    conn: &mut PgConnection,
    parameter: &Parameter,
) -> Result<Resolved, ResolveError> {
    let said = || parameter.to_string();
    let (table, column) = match parameter {
        Parameter::Rank { table, column, .. }
        | Parameter::Quantile { table, column, .. }
        | Parameter::Any { table, column } => (table, column),
        Parameter::RankOf { table, pick, .. } => (table, pick),
    };
    let name = |source| ResolveError::Name {
        parameter: said(),
        source,
    };
    // `schema.table` or `table`.
    let table = table
        .split('.')
        .map(|part| Ident::new(part).map(|i| i.quoted()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(name)?
        .join(".");
    let c = Ident::new(column).map_err(name)?.quoted();
    let out = "SELECT v::text, pg_typeof(v)::text FROM";
    let (sql, fraction) = match parameter {
        Parameter::RankOf { columns, rank, .. } => {
            let list = columns
                .iter()
                .map(|c| Ident::new(c).map(|i| i.quoted()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(name)?;
            let all = list.join(", ");
            let non_null: Vec<String> = list.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            let non_null = non_null.join(" AND ");
            let out = format!("SELECT {c}::text, pg_typeof({c})::text FROM");
            match rank {
                Rank::Nth(k) => (
                    format!(
                        "{out} (SELECT {all} FROM {table} WHERE {non_null} GROUP BY {all}
                                ORDER BY count(*) DESC, {all} LIMIT 1 OFFSET {offset}) s",
                        offset = k - 1
                    ),
                    None,
                ),
                Rank::Median | Rank::Percentile(_) => (
                    format!(
                        "{out} (SELECT {all},
                                       row_number() OVER (ORDER BY count(*) DESC, {all}) AS r,
                                       count(*) OVER () AS d
                                FROM {table} WHERE {non_null} GROUP BY {all}) s
                         WHERE r = 1 + floor($1 * (d - 1))"
                    ),
                    Some(match rank {
                        Rank::Percentile(p) => p / 100.0,
                        _ => 0.5,
                    }),
                ),
            }
        }
        Parameter::Rank {
            rank: Rank::Nth(k), ..
        } => (
            format!(
                "{out} (SELECT {c} AS v FROM {table} WHERE {c} IS NOT NULL GROUP BY {c}
                        ORDER BY count(*) DESC, {c} LIMIT 1 OFFSET {offset}) s",
                offset = k - 1
            ),
            None,
        ),
        Parameter::Rank { rank, .. } => {
            let p = match rank {
                Rank::Percentile(p) => p / 100.0,
                _ => 0.5,
            };
            (
                format!(
                    "{out} (SELECT {c} AS v,
                                   row_number() OVER (ORDER BY count(*) DESC, {c}) AS r,
                                   count(*) OVER () AS d
                            FROM {table} WHERE {c} IS NOT NULL GROUP BY {c}) s
                     WHERE r = 1 + floor($1 * (d - 1))"
                ),
                Some(p),
            )
        }
        Parameter::Quantile { q, .. } => (
            format!(
                "{out} (SELECT percentile_disc($1) WITHIN GROUP (ORDER BY {c}) AS v
                        FROM {table}) s WHERE v IS NOT NULL"
            ),
            Some(*q),
        ),
        Parameter::Any { .. } => (
            format!(
                "{out} (SELECT {c} AS v FROM {table} WHERE {c} IS NOT NULL
                        ORDER BY md5({c}::text), {c} LIMIT 1) s"
            ),
            None,
        ),
    };
    let query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
    let query = match fraction {
        Some(f) => query.bind(f),
        None => query,
    };
    let row = query
        .fetch_optional(&mut *conn)
        .await
        .map_err(|source| ResolveError::Database {
            parameter: said(),
            source,
        })?;
    let (text, sql_type) = row.ok_or_else(|| ResolveError::NoValue { parameter: said() })?;
    Ok(Resolved { text, sql_type })
}

/// `query` with its parameters resolved on `conn`.
pub async fn bind(conn: &mut PgConnection, query: &NamedQuery) -> Result<BoundQuery, ResolveError> {
    let mut sql = String::new();
    let mut values = Vec::new();
    for piece in &query.pieces {
        match piece {
            Piece::Sql(text) => sql.push_str(text),
            Piece::Parameter(parameter) => {
                let value = resolve(conn, parameter).await?;
                // The type as `pg_typeof` names it is a valid cast target.
                sql.push_str(&format!("${}::{}", values.len() + 1, value.sql_type));
                values.push(value);
            }
        }
    }
    Ok(BoundQuery { sql, values })
}
