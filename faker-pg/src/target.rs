//! Target size: how many aggregates of a kind the dataset should hold, shared by every
//! process generating into one database.
//!
//! A row `(name, goal, done)` in `<schema>.faker_target`. Whoever stores an aggregate of that
//! kind first *claims* it in the same transaction (`done = done + 1` while `done < goal`), so
//! `done` always equals what is committed: a run killed at any moment loses nothing committed
//! and leaves `done` exact, a rerun tops the dataset up to the goal, and several processes
//! started together stop at exactly the goal (the claim row serialises their commits).
//!
//! Processes that buffer before they commit (bulk mode) also take **leases**: before
//! generating a block they [lease](Target::lease) it, so that together they never generate
//! more than the goal, and they [claim](Target::claim_leased) what they commit against their
//! lease. A lease belongs to a generator token ([`crate::shared::PgShare::token`]) and dies
//! with its session: leases of dead generators are freed by the next `lease`, so a killed
//! process never blocks the others, and what it did not commit is generated again.

use sqlx::{AssertSqlSafe, PgConnection};

use crate::ident::{Ident, IdentError, qualified};
use crate::shared::alive_sql;

/// The target row of one kind of aggregate (e.g. `books`).
#[derive(Debug, Clone)]
pub struct Target {
    table: String,
    leases: String,
    name: String,
}

impl Target {
    /// The target `name` kept in `schema.faker_target`.
    pub fn new(schema: Option<&str>, name: &str) -> Result<Target, IdentError> {
        let schema = schema.map(Ident::new).transpose()?;
        Ok(Target {
            table: qualified(schema.as_ref(), &Ident::new("faker_target")?),
            leases: qualified(schema.as_ref(), &Ident::new("faker_target_lease")?),
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
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {} (name text NOT NULL, owner bigint NOT NULL,
                 rows bigint NOT NULL, PRIMARY KEY (name, owner))",
            self.leases
        );
        sqlx::query(AssertSqlSafe(ddl)).execute(&mut *conn).await?;
        Ok(())
    }

    /// Leases up to `wanted` aggregates to generator `owner` (in its own transaction): at most
    /// what the goal leaves after what is done and what live generators hold. Returns how many
    /// were granted; 0 means stop, the others finish the dataset.
    pub async fn lease(
        &self,
        conn: &mut PgConnection,
        owner: i64,
        wanted: u64,
    ) -> Result<u64, sqlx::Error> {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let lock = format!(
            "SELECT goal - done FROM {} WHERE name = $1 FOR UPDATE",
            self.table
        );
        let Some(left): Option<i64> = sqlx::query_scalar(AssertSqlSafe(lock))
            .bind(&self.name)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(0);
        };
        let forget_dead = format!(
            "DELETE FROM {l} WHERE name = $1 AND owner <> $2 AND NOT {alive}",
            l = self.leases,
            alive = alive_sql("owner"),
        );
        sqlx::query(AssertSqlSafe(forget_dead))
            .bind(&self.name)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        let held = format!(
            "SELECT coalesce(sum(rows), 0)::bigint FROM {} WHERE name = $1",
            self.leases
        );
        let held: i64 = sqlx::query_scalar(AssertSqlSafe(held))
            .bind(&self.name)
            .fetch_one(&mut *tx)
            .await?;
        let granted = (left - held)
            .max(0)
            .min(i64::try_from(wanted).unwrap_or(i64::MAX));
        if granted > 0 {
            let take = format!(
                "INSERT INTO {} (name, owner, rows) VALUES ($1, $2, $3)
                 ON CONFLICT (name, owner) DO UPDATE SET rows = EXCLUDED.rows + {}.rows",
                self.leases, self.leases
            );
            sqlx::query(AssertSqlSafe(take))
                .bind(&self.name)
                .bind(owner)
                .bind(granted)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(u64::try_from(granted).unwrap_or(0))
    }

    /// Like [`Target::claim`], and also takes what was granted off `owner`'s lease.
    pub async fn claim_leased(
        &self,
        conn: &mut PgConnection,
        owner: i64,
        wanted: u64,
    ) -> Result<u64, sqlx::Error> {
        let granted = self.claim(&mut *conn, wanted).await?;
        let spend = format!(
            "UPDATE {} SET rows = GREATEST(rows - $3, 0) WHERE name = $1 AND owner = $2",
            self.leases
        );
        sqlx::query(AssertSqlSafe(spend))
            .bind(&self.name)
            .bind(owner)
            .bind(i64::try_from(granted).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await?;
        Ok(granted)
    }

    /// Gives back what is left of `owner`'s lease (at the end of a run).
    pub async fn release(&self, conn: &mut PgConnection, owner: i64) -> Result<(), sqlx::Error> {
        let sql = format!("DELETE FROM {} WHERE name = $1 AND owner = $2", self.leases);
        sqlx::query(AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(owner)
            .execute(&mut *conn)
            .await?;
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
