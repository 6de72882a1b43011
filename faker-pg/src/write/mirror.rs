//! [`Mirror`]: faker's own record of the aggregates of one type (`value_id jsonb unique`,
//! `value jsonb`, GIN `jsonb_path_ops`), and the one path that reads it back — `get`, `find`,
//! reloading every aggregate, counting — for the per-aggregate repository and bulk mode alike.

use faker_core::provider::JsonValue;
use faker_core::repository::RepositoryError;
use faker_core::spec::Query;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use thiserror::Error;

use crate::ident::{Ident, IdentError, QualifiedName};
use crate::sql::{Compiler, SqlError};

/// An error of a mirror table, naming it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The database refused.
    #[error("`{mirror}`: {source}")]
    Database {
        mirror: QualifiedName,
        #[source]
        source: sqlx::Error,
    },
    /// The name of the mirror's index (`faker_<table>_value`) is not a usable identifier.
    #[error("`{mirror}`: cannot name its index: {source}")]
    Ident {
        mirror: QualifiedName,
        #[source]
        source: IdentError,
    },
    /// A stored state could not be read back as the aggregate.
    #[error("`{mirror}`: stored value does not deserialize: {source}")]
    Decode {
        mirror: QualifiedName,
        #[source]
        source: serde_json::Error,
    },
    /// A specification could not be compiled to SQL.
    #[error("`{mirror}`: {source}")]
    Sql {
        mirror: QualifiedName,
        #[source]
        source: SqlError,
    },
}

impl From<MirrorError> for RepositoryError {
    fn from(e: MirrorError) -> RepositoryError {
        RepositoryError::Storage(Box::new(e))
    }
}

/// faker's own record of generated aggregates of one type.
#[derive(Debug, Clone)]
pub struct Mirror {
    name: QualifiedName,
}

impl Mirror {
    /// The mirror table `schema.faker_<table>`.
    pub fn new(schema: Option<&str>, table: &str) -> Result<Mirror, IdentError> {
        Ok(Mirror {
            name: QualifiedName::parse(schema, &format!("faker_{table}"))?,
        })
    }

    /// The qualified name (its `Display` is the quoted SQL form).
    pub fn name(&self) -> &QualifiedName {
        &self.name
    }

    /// Creates the table and its indexes if they do not exist.
    pub async fn create(&self, conn: &mut PgConnection) -> Result<(), MirrorError> {
        // The index is named after the table, in the same schema (CREATE INDEX takes no schema).
        let index =
            Ident::new(format!("{}_value", self.name.name().as_str())).map_err(|source| {
                MirrorError::Ident {
                    mirror: self.name.clone(),
                    source,
                }
            })?;
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {t} (
                 position bigserial PRIMARY KEY,
                 value_id jsonb NOT NULL UNIQUE,
                 value jsonb NOT NULL
             )",
            t = self.name
        );
        sqlx::query(AssertSqlSafe(ddl))
            .execute(&mut *conn)
            .await
            .map_err(|e| self.db(e))?;
        let ddl = format!(
            "CREATE INDEX IF NOT EXISTS {index} ON {} USING gin (value jsonb_path_ops)",
            self.name
        );
        sqlx::query(AssertSqlSafe(ddl))
            .execute(&mut *conn)
            .await
            .map_err(|e| self.db(e))?;
        Ok(())
    }

    /// `INSERT INTO mirror (value_id, value)`, to be followed by `VALUES` or a `SELECT`.
    pub(crate) fn insert_into(&self) -> String {
        format!("INSERT INTO {} (value_id, value)", self.name)
    }

    /// `COPY mirror (value_id, value) FROM STDIN (FORMAT csv)`.
    pub(crate) fn copy_sql(&self) -> String {
        format!(
            "COPY {} (value_id, value) FROM STDIN (FORMAT csv)",
            self.name
        )
    }

    /// The database error `source`, naming the mirror.
    pub(crate) fn db(&self, source: sqlx::Error) -> MirrorError {
        MirrorError::Database {
            mirror: self.name.clone(),
            source,
        }
    }

    /// The decoding error `source`, naming the mirror.
    pub(crate) fn decode_error(&self, source: serde_json::Error) -> MirrorError {
        MirrorError::Decode {
            mirror: self.name.clone(),
            source,
        }
    }

    /// A stored state as the aggregate.
    pub(crate) fn decode<A: DeserializeOwned>(&self, state: JsonValue) -> Result<A, MirrorError> {
        serde_json::from_value(state).map_err(|e| self.decode_error(e))
    }

    /// The aggregate whose id is `id` (one indexed lookup).
    pub(crate) async fn get<A: DeserializeOwned>(
        &self,
        pool: &PgPool,
        id: &(impl Serialize + Sync),
    ) -> Result<Option<A>, MirrorError> {
        let sql = format!("SELECT value FROM {} WHERE value_id = $1", self.name);
        let row: Option<sqlx::types::Json<JsonValue>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(sqlx::types::Json(id))
            .fetch_optional(pool)
            .await
            .map_err(|e| self.db(e))?;
        row.map(|v| self.decode(v.0)).transpose()
    }

    /// The aggregates `query` selects, in insertion order.
    pub(crate) async fn find<A: DeserializeOwned>(
        &self,
        pool: &PgPool,
        query: &Query,
    ) -> Result<Vec<A>, MirrorError> {
        let compiled = Compiler::new()
            .compile(query)
            .map_err(|source| MirrorError::Sql {
                mirror: self.name.clone(),
                source,
            })?;
        let sql = format!(
            "SELECT value FROM {} WHERE {} ORDER BY position",
            self.name, compiled.sql
        );
        let rows: Vec<sqlx::types::Json<JsonValue>> = compiled
            .bind_scalar(sqlx::query_scalar(AssertSqlSafe(sql)))
            .fetch_all(pool)
            .await
            .map_err(|e| self.db(e))?;
        rows.into_iter().map(|v| self.decode(v.0)).collect()
    }

    /// Every aggregate, in insertion order (to reload pools when a run resumes).
    pub(crate) async fn load_all<A: DeserializeOwned>(
        &self,
        pool: &PgPool,
    ) -> Result<Vec<A>, MirrorError> {
        let sql = format!("SELECT value FROM {} ORDER BY position", self.name);
        let rows: Vec<sqlx::types::Json<JsonValue>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .map_err(|e| self.db(e))?;
        rows.into_iter().map(|v| self.decode(v.0)).collect()
    }

    /// Number of aggregates.
    pub(crate) async fn count(&self, pool: &PgPool) -> Result<u64, MirrorError> {
        let sql = format!("SELECT count(*) FROM {}", self.name);
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
