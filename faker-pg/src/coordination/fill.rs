//! [`FillLock`]: who fills a schema — one process alone, or processes that cooperate.
//!
//! A process that fills a schema **alone** needs none of the coordination tables: no shared
//! pools, no slot claims, no target leases, no mirror; it resumes from the application tables
//! themselves (the rows are the truth, and nobody else writes them). That is what lets bulk
//! mode run at `COPY` speed. Cooperating processes need the whole protocol. The two must never
//! meet on one schema, neither at the same time nor one after the other (an alone run leaves no
//! mirror or target state a cooperating one could resume from), so:
//!
//! * a session-level advisory lock on the schema, exclusive for an alone process and shared
//!   for cooperating ones, is held for the whole run on a dedicated connection (a crash frees
//!   it with the session);
//! * the first run records its way in `faker_fill (way)`; a later run of the other way is
//!   refused with a message that says what to do.

use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use thiserror::Error;

use crate::ident::{IdentError, QualifiedName};

/// How processes fill a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillWay {
    /// One process, nobody else: no coordination tables.
    Alone,
    /// Any number of processes sharing pools, plan slots and the target.
    Shared,
}

impl FillWay {
    fn as_str(self) -> &'static str {
        match self {
            FillWay::Alone => "alone",
            FillWay::Shared => "shared",
        }
    }

    fn described(self) -> &'static str {
        match self {
            FillWay::Alone => "by one process alone",
            FillWay::Shared => "by cooperating processes",
        }
    }
}

/// Another fill holds the schema, or filled it the other way.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FillError {
    /// Another process fills the schema now, in a way that excludes this one.
    #[error(
        "schema `{schema}` is being filled {} now, and a process alone excludes every other: \
         wait for it, or run every process the same way",
        .holder.described()
    )]
    Busy {
        schema: String,
        wanted: FillWay,
        holder: FillWay,
    },
    /// An earlier run filled the schema the other way.
    #[error(
        "schema `{schema}` was filled {} before; continue it the same way, or fill a fresh schema",
        .recorded.described()
    )]
    OtherWay { schema: String, recorded: FillWay },
    /// The schema name is not a usable identifier.
    #[error("schema `{schema}`: {source}")]
    Ident {
        schema: String,
        #[source]
        source: IdentError,
    },
    /// The database refused.
    #[error("schema `{schema}`: {source}")]
    Database {
        schema: String,
        #[source]
        source: sqlx::Error,
    },
}

/// Held while this process fills the schema (see the [module docs](self)); dropping it (or the
/// process ending) frees the schema.
pub struct FillLock {
    way: FillWay,
    /// The session holding the advisory lock; never used again, only kept open.
    _session: PgConnection,
}

impl std::fmt::Debug for FillLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FillLock").field("way", &self.way).finish()
    }
}

impl FillLock {
    /// Takes the schema for a fill of `way`, on a connection of `pool` detached from it, and
    /// records the way (or checks the recorded one). Fails without waiting when the schema is
    /// held the other way, or was filled the other way.
    pub async fn take(
        pool: &PgPool,
        schema: Option<&str>,
        way: FillWay,
    ) -> Result<FillLock, FillError> {
        let label = schema.unwrap_or("public").to_owned();
        let db = |source| FillError::Database {
            schema: label.clone(),
            source,
        };
        let table =
            QualifiedName::parse(schema, "faker_fill").map_err(|source| FillError::Ident {
                schema: label.clone(),
                source,
            })?;
        let mut session = pool.acquire().await.map_err(db)?.detach();
        // Two keys: the project's, and the schema's. Exclusive for alone, shared otherwise.
        let sql = match way {
            FillWay::Alone => {
                "SELECT pg_try_advisory_lock(hashtext('ddd-faker fill'), hashtext($1))"
            }
            FillWay::Shared => {
                "SELECT pg_try_advisory_lock_shared(hashtext('ddd-faker fill'), hashtext($1))"
            }
        };
        let taken: bool = sqlx::query_scalar(sql)
            .bind(&label)
            .fetch_one(&mut session)
            .await
            .map_err(db)?;
        if !taken {
            return Err(FillError::Busy {
                schema: label,
                wanted: way,
                holder: match way {
                    FillWay::Alone => FillWay::Shared,
                    FillWay::Shared => FillWay::Alone,
                },
            });
        }
        // The way is recorded once; concurrent first runs of one way race harmlessly
        // (`ON CONFLICT DO NOTHING`), and the other way cannot hold the lock meanwhile.
        // `CREATE TABLE IF NOT EXISTS` is not safe against itself: two first runs would race
        // on the catalog. One transaction-scoped lock (another key than the fill's) lets one
        // create and the others wait.
        let mut tx = sqlx::Connection::begin(&mut session).await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ddd-faker fill table'))")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE IF NOT EXISTS {table} (
                 one boolean PRIMARY KEY DEFAULT true CHECK (one), way text NOT NULL)"
        )))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (way) VALUES ($1) ON CONFLICT DO NOTHING"
        )))
        .bind(way.as_str())
        .execute(&mut session)
        .await
        .map_err(db)?;
        let recorded: String =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT way FROM {table}")))
                .fetch_one(&mut session)
                .await
                .map_err(db)?;
        if recorded != way.as_str() {
            let recorded = if recorded == FillWay::Alone.as_str() {
                FillWay::Alone
            } else {
                FillWay::Shared
            };
            return Err(FillError::OtherWay {
                schema: label,
                recorded,
            });
        }
        Ok(FillLock {
            way,
            _session: session,
        })
    }

    /// The way this lock fills the schema.
    pub fn way(&self) -> FillWay {
        self.way
    }
}
