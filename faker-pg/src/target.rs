//! Target size: how many aggregates of a kind the dataset should hold, shared by every
//! process generating into one database.
//!
//! A row `(name, goal, done)` in `<schema>.faker_target`. Whoever stores an aggregate of that
//! kind first *claims* it in the same transaction (`done = done + 1` while `done < goal`), so
//! `done` always equals what is committed: a run killed at any moment loses nothing committed
//! and leaves `done` exact, a rerun tops the dataset up to the goal, and several processes
//! started together stop at exactly the goal (the claim row serialises their commits).

use sqlx::{AssertSqlSafe, PgConnection};

use crate::ident::{Ident, IdentError, qualified};

/// The target row of one kind of aggregate (e.g. `books`).
#[derive(Debug, Clone)]
pub struct Target {
    table: String,
    name: String,
}

impl Target {
    /// The target `name` kept in `schema.faker_target`.
    pub fn new(schema: Option<&str>, name: &str) -> Result<Target, IdentError> {
        let schema = schema.map(Ident::new).transpose()?;
        Ok(Target {
            table: qualified(schema.as_ref(), &Ident::new("faker_target")?),
            name: name.to_string(),
        })
    }

    /// Creates the table if it does not exist (run it where schema changes are serialised).
    pub async fn create_table(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, goal bigint NOT NULL, done bigint NOT NULL DEFAULT 0)",
            self.table
        );
        sqlx::query(AssertSqlSafe(ddl)).execute(&mut *conn).await?;
        Ok(())
    }

    /// Creates the table if needed and sets the goal; returns how many are already done.
    pub async fn ensure(&self, conn: &mut PgConnection, goal: u64) -> Result<u64, sqlx::Error> {
        self.create_table(&mut *conn).await?;
        let upsert = format!(
            "INSERT INTO {t} (name, goal) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET goal = EXCLUDED.goal
             RETURNING done",
            t = self.table
        );
        let done: i64 = sqlx::query_scalar(AssertSqlSafe(upsert))
            .bind(&self.name)
            .bind(i64::try_from(goal).unwrap_or(i64::MAX))
            .fetch_one(&mut *conn)
            .await?;
        Ok(u64::try_from(done).unwrap_or(0))
    }

    /// Claims up to `wanted` aggregates inside the caller's transaction; returns how many were
    /// granted (0 when the goal is reached). The row stays locked until that transaction ends.
    pub async fn claim(&self, conn: &mut PgConnection, wanted: u64) -> Result<u64, sqlx::Error> {
        let sql = format!(
            "WITH before AS (SELECT done FROM {t} WHERE name = $1 FOR UPDATE)
             UPDATE {t} SET done = LEAST({t}.goal, {t}.done + $2)
             FROM before
             WHERE {t}.name = $1 AND {t}.done < {t}.goal
             RETURNING {t}.done - before.done",
            t = self.table
        );
        let granted: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(i64::try_from(wanted).unwrap_or(i64::MAX))
            .fetch_optional(&mut *conn)
            .await?;
        Ok(granted.map_or(0, |g| u64::try_from(g).unwrap_or(0)))
    }

    /// The quoted, qualified name of the target table.
    pub(crate) fn table(&self) -> &str {
        &self.table
    }

    /// The target's name (its row).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}
