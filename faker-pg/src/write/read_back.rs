//! Aggregates read back from the application table itself, without a mirror: each row's state
//! rebuilt on the server from the [`Table`]'s column ↔ path mapping (`jsonb_build_object`,
//! nested along the dotted paths), then deserialized.
//!
//! This is what lets a bulk writer go without faker's JSONB mirror (which costs more than the
//! application rows to write: its GIN index) and still resume a run (reload the pools of the
//! referenced types) or answer the rare `get`/`find`. The state is what the columns hold, so
//! it deserializes into the aggregate when every field is mapped (a field the table does not
//! map must have a serde default). A composite value whose columns are all `NULL` (a nullable
//! composite reference that is `None`) is read back as `null`. Tables with collections are
//! refused: their elements live in child tables this reader does not join.
//!
//! `get` compares the rebuilt id (`state -> 'id' = $1`): a sequential scan, since the id is
//! rebuilt from its columns; `find` evaluates the specification in memory over every row. Both
//! are meant for the few reads a generator makes; a workload of reads wants a mirror.

use std::collections::BTreeMap;

use faker_core::provider::{JsonValue, Provider};
use faker_core::repository::RepositoryError;
use faker_core::spec::Query;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgPool};
use thiserror::Error;

use crate::coordination::{PgShare, PgSharedPool, SharedError};
use crate::ident::QualifiedName;
use crate::write::table::{Column, Table};

/// Reading aggregates back from their application table failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadBackError {
    /// The database refused.
    #[error("`{table}`: {source}")]
    Database {
        table: QualifiedName,
        #[source]
        source: sqlx::Error,
    },
    /// A row's state does not deserialize into the aggregate (a field the table does not map,
    /// without a serde default; a column whose type reads back differently).
    #[error("`{table}`: a row does not read back as `{aggregate}`: {source}")]
    Decode {
        table: QualifiedName,
        aggregate: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A mapped column is not in the table.
    #[error("`{table}`: has no column `{column}`")]
    NoColumn {
        table: QualifiedName,
        column: String,
    },
    /// No column maps the aggregate's id, so a row cannot be found by its id.
    #[error(
        "`{table}`: no column maps the id of `{aggregate}` (its field `{id_field}`, `Provider::ID_FIELD`, or a path under it)"
    )]
    NoIdColumn {
        table: QualifiedName,
        aggregate: &'static str,
        id_field: &'static str,
    },
    /// The table writes collections into child tables, which are not read back.
    #[error(
        "`{table}`: its collections live in child tables, which are not read back: give it a mirror"
    )]
    Collections { table: QualifiedName },
}

impl From<ReadBackError> for RepositoryError {
    fn from(e: ReadBackError) -> RepositoryError {
        RepositoryError::Storage(Box::new(e))
    }
}

/// A node of the path tree: a column, or an object of named nodes.
enum Node<'c> {
    Leaf(&'c Column),
    Object(BTreeMap<&'c str, Node<'c>>),
}

impl<'c> Node<'c> {
    fn insert(&mut self, segments: &'c [String], column: &'c Column) {
        let Node::Object(map) = self else {
            return; // a column under another column's path: the first one wins
        };
        match segments {
            [] => {}
            [last] => {
                map.entry(last.as_str()).or_insert(Node::Leaf(column));
            }
            [first, rest @ ..] => map
                .entry(first.as_str())
                .or_insert_with(|| Node::Object(BTreeMap::new()))
                .insert(rest, column),
        }
    }

    fn columns(&self, out: &mut Vec<&'c Column>) {
        match self {
            Node::Leaf(c) => out.push(c),
            Node::Object(map) => map.values().for_each(|n| n.columns(out)),
        }
    }

    /// The SQL expression of this node's JSON value; columns prefixed by `qualifier` (`""`,
    /// or a table alias and a dot).
    fn sql(&self, top: bool, qualifier: &str) -> String {
        match self {
            Node::Leaf(c) => format!("to_jsonb({qualifier}{})", c.name.quoted()),
            Node::Object(map) => {
                // jsonb_build_object takes at most 100 arguments: chunks joined by `||`.
                let pairs: Vec<String> = map
                    .iter()
                    .map(|(key, node)| {
                        format!("{}, {}", quote_literal(key), node.sql(false, qualifier))
                    })
                    .collect();
                let object = if pairs.is_empty() {
                    "'{}'::jsonb".to_owned()
                } else {
                    pairs
                        .chunks(50)
                        .map(|chunk| format!("jsonb_build_object({})", chunk.join(", ")))
                        .collect::<Vec<_>>()
                        .join(" || ")
                };
                if top {
                    return object;
                }
                let mut columns = Vec::new();
                self.columns(&mut columns);
                let all_null = columns
                    .iter()
                    .map(|c| format!("{qualifier}{} IS NULL", c.name.quoted()))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                format!("CASE WHEN {all_null} THEN 'null'::jsonb ELSE {object} END")
            }
        }
    }
}

/// An aggregate's row found from its id (see [`Table::id_lookup`]).
#[derive(Debug, Clone)]
struct IdLookup {
    /// The row's state as `jsonb`, over the table's alias.
    state: String,
    /// The join condition: the row's id columns equal the id's fields.
    join: String,
}

impl PgShare {
    /// The shared pool `name` of `A`s, whose states are read from `A`'s application table
    /// itself: no mirror. Each value reused is found by its id through the table's id columns
    /// (compared with the log's `value_id`, cast to their types read from the catalog), so the
    /// table needs an index on them — its primary key. Tables with collections are refused
    /// (their elements are not read back). Defined here, beside the reading of tables, so that
    /// [`crate::coordination`] knows nothing of them.
    pub async fn pool_from_table<A>(
        &self,
        name: &str,
        table: &Table,
    ) -> Result<PgSharedPool<A>, SharedError>
    where
        A: Provider + DeserializeOwned,
    {
        let lookup = table
            .id_lookup::<A>(self.connections(), "t", "p.value_id")
            .await
            .map_err(|source| SharedError::ReadBack {
                pool: name.to_string(),
                source: Box::new(source),
            })?;
        self.pool_reading(name, table.name().clone(), lookup.join, lookup.state)
            .await
    }
}

/// A JSON key as an SQL string literal: keys are field names, but quote them fully anyway.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Table {
    /// The SQL expression (over the table's own columns) of a row's state as `jsonb`.
    fn state_sql(&self) -> Result<String, ReadBackError> {
        self.state_sql_of("")
    }

    /// [`Table::state_sql`] with every column prefixed by `qualifier` (an alias and a dot).
    fn state_sql_of(&self, qualifier: &str) -> Result<String, ReadBackError> {
        if !self.collections().is_empty() {
            return Err(ReadBackError::Collections {
                table: self.name().clone(),
            });
        }
        let mut root = Node::Object(BTreeMap::new());
        for column in self.written_columns(true) {
            root.insert(column.segments(), column);
        }
        Ok(root.sql(true, qualifier))
    }

    /// How to find `A`'s row in this table from an id given as `jsonb` (the `value_id` of a
    /// shared pool's log): the row's state over alias `alias`, and the join condition that
    /// compares each id column with its field of `value_id`, cast to the column's type (read
    /// from the catalog now), so that the table's primary key answers it.
    async fn id_lookup<A: Provider>(
        &self,
        pool: &PgPool,
        alias: &str,
        value_id: &str,
    ) -> Result<IdLookup, ReadBackError> {
        let types: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
             FROM pg_attribute a
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
        )
        .bind(self.name().to_string())
        .fetch_all(pool)
        .await
        .map_err(|e| self.db(e))?;
        let mut conditions = Vec::new();
        for column in self.written_columns(true) {
            // The id's own fields: the id itself, or a path inside it.
            let inside: Vec<&str> = match column.segments().split_first() {
                Some((first, rest)) if first == A::ID_FIELD => {
                    rest.iter().map(String::as_str).collect()
                }
                _ => continue,
            };
            let Some((_, ty)) = types.iter().find(|(name, _)| name == column.name.as_str()) else {
                return Err(ReadBackError::NoColumn {
                    table: self.name().clone(),
                    column: column.name.as_str().to_owned(),
                });
            };
            let path = inside
                .iter()
                .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect::<Vec<_>>()
                .join(",");
            conditions.push(format!(
                "{alias}.{col} = ({value_id} #>> {path})::{ty}",
                col = column.name.quoted(),
                path = quote_literal(&format!("{{{path}}}")),
            ));
        }
        if conditions.is_empty() {
            return Err(ReadBackError::NoIdColumn {
                table: self.name().clone(),
                aggregate: A::NAME,
                id_field: A::ID_FIELD,
            });
        }
        Ok(IdLookup {
            state: self.state_sql_of(&format!("{alias}."))?,
            join: conditions.join(" AND "),
        })
    }

    /// `ORDER BY` of insertion order: the auto key (a sequence), else the columns in order.
    fn order_sql(&self) -> String {
        match self.auto_column() {
            Some(auto) => auto.name.quoted(),
            None => self
                .written_columns(false)
                .map(|c| c.name.quoted())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn decode<A: Provider + DeserializeOwned>(&self, state: JsonValue) -> Result<A, ReadBackError> {
        serde_json::from_value(state).map_err(|source| ReadBackError::Decode {
            table: self.name().clone(),
            aggregate: A::NAME,
            source,
        })
    }

    fn db(&self, source: sqlx::Error) -> ReadBackError {
        ReadBackError::Database {
            table: self.name().clone(),
            source,
        }
    }

    /// Every row's state, in insertion order.
    async fn states(&self, pool: &PgPool) -> Result<Vec<JsonValue>, ReadBackError> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            self.state_sql()?,
            self.name(),
            self.order_sql()
        );
        let rows: Vec<sqlx::types::Json<JsonValue>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(rows.into_iter().map(|v| v.0).collect())
    }

    /// Every aggregate stored in the table, in insertion order (the auto key's order): what a
    /// resumed run restores into its pools (see the [module docs](self)).
    pub async fn load_all<A: Provider + DeserializeOwned>(
        &self,
        pool: &PgPool,
    ) -> Result<Vec<A>, ReadBackError> {
        let states = self.states(pool).await?;
        states.into_iter().map(|v| self.decode(v)).collect()
    }

    /// The aggregate whose id is `id`, if stored (a scan: see the [module docs](self)).
    pub async fn get_stored<A: Provider + DeserializeOwned>(
        &self,
        pool: &PgPool,
        id: &(impl Serialize + Sync),
    ) -> Result<Option<A>, ReadBackError> {
        let sql = format!(
            "SELECT state FROM (SELECT {} AS state FROM {}) AS s WHERE state -> $1 = $2 LIMIT 1",
            self.state_sql()?,
            self.name(),
        );
        let row: Option<sqlx::types::Json<JsonValue>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(A::ID_FIELD)
            .bind(sqlx::types::Json(id))
            .fetch_optional(pool)
            .await
            .map_err(|e| self.db(e))?;
        row.map(|v| self.decode(v.0)).transpose()
    }

    /// The stored aggregates `query` selects, in insertion order (evaluated in memory).
    pub async fn find_stored<A: Provider + DeserializeOwned>(
        &self,
        pool: &PgPool,
        query: &Query,
    ) -> Result<Vec<A>, ReadBackError> {
        let states = self.states(pool).await?;
        states
            .into_iter()
            .filter(|v| query.matches(v))
            .map(|v| self.decode(v))
            .collect()
    }
}
