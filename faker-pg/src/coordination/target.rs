//! Target size: how many aggregates of a kind the dataset should hold, shared by every
//! process generating into one database.
//!
//! A row `(name, goal, done)` in `<schema>.faker_target`. Whoever stores an aggregate of that
//! kind first *claims* it in the same transaction (`done = done + 1` while `done < goal`), so
//! `done` always equals what is committed: a run killed at any moment loses nothing committed
//! and leaves `done` exact, a rerun tops the dataset up to the goal, and several processes
//! started together stop at exactly the goal (the claim row serialises their commits).
//!
//! That one row serialises every commit of the kind, though: a transaction holds its lock until
//! its commit is flushed, so concurrent writers cannot share their disk flushes. Writers that
//! keep several transactions in flight (bulk batches, write-behind) use **leases** instead,
//! rows of `<schema>.faker_target_lease (name, owner, slot, rows, done)`: a writer
//! [leases](Target::lease) a block under the target row's lock (rarely), then each of its
//! transactions [claims](Target::claim_leased) against its own `(owner, slot)` row, moving one
//! unit from `rows` (leased) to `done` (committed) — no row shared between concurrent
//! transactions. What is done is `faker_target.done` plus every lease's `done`, all committed
//! with the aggregates. A lease belongs to a generator token
//! ([`PgShare::token`](crate::coordination::pools::PgShare::token)) and dies with its session: the next `lease` frees the
//! `rows` of dead generators (their `done` stays), so a killed process never blocks the others
//! and what it did not commit is generated again.

use sqlx::{AssertSqlSafe, PgConnection};

use crate::coordination::liveness::alive_sql;
use crate::ident::{Ident, IdentError, QualifiedName};

/// The target row of one kind of aggregate (e.g. `books`).
#[derive(Debug, Clone)]
pub struct Target {
    table: QualifiedName,
    leases: QualifiedName,
    name: String,
}

impl Target {
    /// The target `name` kept in `schema.faker_target`.
    pub fn new(schema: Option<&str>, name: &str) -> Result<Target, IdentError> {
        let schema = schema.map(Ident::new).transpose()?;
        Ok(Target {
            table: QualifiedName::new(schema.clone(), Ident::new("faker_target")?),
            leases: QualifiedName::new(schema, Ident::new("faker_target_lease")?),
            name: name.to_string(),
        })
    }

    /// Creates the tables if they do not exist (run it where schema changes are serialised).
    pub async fn create_table(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, goal bigint NOT NULL, done bigint NOT NULL DEFAULT 0)",
            self.table
        );
        sqlx::query(AssertSqlSafe(ddl)).execute(&mut *conn).await?;
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {} (name text NOT NULL, owner bigint NOT NULL,
                 slot integer NOT NULL, rows bigint NOT NULL DEFAULT 0,
                 done bigint NOT NULL DEFAULT 0, PRIMARY KEY (name, owner, slot))",
            self.leases
        );
        sqlx::query(AssertSqlSafe(ddl)).execute(&mut *conn).await?;
        Ok(())
    }

    /// Creates the tables if needed and sets the goal; returns how many are already done.
    pub async fn ensure(&self, conn: &mut PgConnection, goal: u64) -> Result<u64, sqlx::Error> {
        self.create_table(&mut *conn).await?;
        let upsert = format!(
            "INSERT INTO {t} (name, goal) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET goal = EXCLUDED.goal
             RETURNING done + (SELECT coalesce(sum(done), 0) FROM {l} WHERE name = $1)::bigint",
            t = self.table,
            l = self.leases,
        );
        let done: i64 = sqlx::query_scalar(AssertSqlSafe(upsert))
            .bind(&self.name)
            .bind(i64::try_from(goal).unwrap_or(i64::MAX))
            .fetch_one(&mut *conn)
            .await?;
        Ok(u64::try_from(done).unwrap_or(0))
    }

    /// What leases hold: everything they committed, plus what live generators may still
    /// commit. An SQL expression over the target name `$1`.
    fn leased_sql(&self) -> String {
        format!(
            "(SELECT coalesce(sum(done + CASE WHEN {alive} THEN rows ELSE 0 END), 0)::bigint
              FROM {l} WHERE name = $1)",
            l = self.leases,
            alive = alive_sql("owner"),
        )
    }

    /// Claims up to `wanted` aggregates inside the caller's transaction; returns how many were
    /// granted (0 when the goal is reached). The row stays locked until that transaction ends.
    pub async fn claim(&self, conn: &mut PgConnection, wanted: u64) -> Result<u64, sqlx::Error> {
        let sql = format!(
            "WITH before AS (SELECT done FROM {t} WHERE name = $1 FOR UPDATE),
                  leased AS (SELECT {leased} AS n)
             UPDATE {t} SET done = LEAST({t}.goal - leased.n, {t}.done + $2)
             FROM before, leased
             WHERE {t}.name = $1 AND {t}.done + leased.n < {t}.goal
             RETURNING {t}.done - before.done",
            t = self.table,
            leased = self.leased_sql(),
        );
        let granted: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(i64::try_from(wanted).unwrap_or(i64::MAX))
            .fetch_optional(&mut *conn)
            .await?;
        Ok(granted.map_or(0, |g| u64::try_from(g).unwrap_or(0)))
    }

    /// Leases up to `wanted` aggregates to slot `slot` of generator `owner`, in its own
    /// transaction: at most what the goal leaves after what is done and what live generators
    /// hold. Frees the leases of dead generators first. Returns how many were granted; 0 means
    /// stop, the others finish the dataset.
    pub async fn lease(
        &self,
        conn: &mut PgConnection,
        owner: i64,
        slot: i32,
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
            "UPDATE {l} SET rows = 0 WHERE name = $1 AND rows > 0 AND owner <> $2 AND NOT {alive}",
            l = self.leases,
            alive = alive_sql("owner"),
        );
        sqlx::query(AssertSqlSafe(forget_dead))
            .bind(&self.name)
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        let held = format!(
            "SELECT coalesce(sum(done + rows), 0)::bigint FROM {} WHERE name = $1",
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
                "INSERT INTO {l} (name, owner, slot, rows) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (name, owner, slot) DO UPDATE SET rows = {l}.rows + EXCLUDED.rows",
                l = self.leases,
            );
            sqlx::query(AssertSqlSafe(take))
                .bind(&self.name)
                .bind(owner)
                .bind(slot)
                .bind(granted)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(u64::try_from(granted).unwrap_or(0))
    }

    /// Inside the caller's transaction, commits up to `wanted` aggregates against the lease of
    /// `(owner, slot)` (moves them from its `rows` to its `done`); returns how many it held.
    pub async fn claim_leased(
        &self,
        conn: &mut PgConnection,
        owner: i64,
        slot: i32,
        wanted: u64,
    ) -> Result<u64, sqlx::Error> {
        let sql = format!(
            "WITH g AS (SELECT LEAST(rows, $4) AS n FROM {l}
                        WHERE name = $1 AND owner = $2 AND slot = $3 FOR UPDATE)
             UPDATE {l} SET rows = rows - g.n, done = done + g.n FROM g
             WHERE name = $1 AND owner = $2 AND slot = $3 RETURNING g.n",
            l = self.leases,
        );
        let granted: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(owner)
            .bind(slot)
            .bind(i64::try_from(wanted).unwrap_or(i64::MAX))
            .fetch_optional(&mut *conn)
            .await?;
        Ok(granted.map_or(0, |g| u64::try_from(g).unwrap_or(0)))
    }

    /// The claim of one aggregate against the lease of `(owner, slot)`, as a data-modifying
    /// statement for a CTE, the target name, owner and slot bound as `$name`, `$owner`, `$slot`.
    pub(crate) fn claim_one_leased_sql(&self, name: usize, owner: usize, slot: usize) -> String {
        format!(
            "UPDATE {} SET rows = rows - 1, done = done + 1
             WHERE name = ${name} AND owner = ${owner} AND slot = ${slot} AND rows > 0 RETURNING 1",
            self.leases
        )
    }

    /// Gives back what is left of `owner`'s leases (at the end of a run); what they committed
    /// stays counted.
    pub async fn release(&self, conn: &mut PgConnection, owner: i64) -> Result<(), sqlx::Error> {
        let sql = format!(
            "UPDATE {} SET rows = 0 WHERE name = $1 AND owner = $2",
            self.leases
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(owner)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The target's name (its row).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

/// Aggregates leased and not yet used, per slot, by one writer; leases blocks as needed.
pub(crate) struct Credits {
    target: Target,
    owner: i64,
    per_slot: Vec<u64>,
}

/// Aggregates leased at a time per slot: leasing locks the target row, so rarely; small enough
/// that cooperating processes end together.
const LEASE_BLOCK: u64 = 250;

impl Credits {
    pub(crate) fn new(target: Target, owner: i64) -> Credits {
        Credits {
            target,
            owner,
            per_slot: Vec::new(),
        }
    }

    /// Takes one unit, preferably from `slot` (leasing a block for it when it has none), else
    /// from any slot that still has some. `None` when the goal leaves nothing more.
    pub(crate) async fn take(
        &mut self,
        pool: &sqlx::PgPool,
        slot: usize,
    ) -> Result<Option<i32>, sqlx::Error> {
        if self.per_slot.len() <= slot {
            self.per_slot.resize(slot + 1, 0);
        }
        if self.per_slot[slot] == 0 {
            let mut conn = pool.acquire().await?;
            let slot_no = i32::try_from(slot).unwrap_or(i32::MAX);
            self.per_slot[slot] = self
                .target
                .lease(&mut conn, self.owner, slot_no, LEASE_BLOCK)
                .await?;
        }
        let chosen = if self.per_slot[slot] > 0 {
            Some(slot)
        } else {
            self.per_slot.iter().position(|&c| c > 0)
        };
        Ok(chosen.map(|s| {
            self.per_slot[s] -= 1;
            i32::try_from(s).unwrap_or(i32::MAX)
        }))
    }

    /// Gives back what is left of every slot's lease.
    pub(crate) async fn release(&mut self, pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let mut conn = pool.acquire().await?;
        self.target.release(&mut conn, self.owner).await?;
        self.per_slot.clear();
        Ok(())
    }
}
