//! Pools shared live by every generator writing into one database: the PostgreSQL side of
//! [`faker_core::repository::SharedPool`].
//!
//! Three tables in the schema (created by [`PgShare::join`] if missing):
//!
//! * `faker_pool (pool, position, value_id)` — the **pool log**: every value of a shared pool
//!   with a *dense* position (0, 1, 2, … per pool, no gaps). Positions come from a counter row
//!   in `faker_pool_size (pool, size)` that the writer updates in the same transaction as the
//!   aggregate, so the row lock orders the commits: position `p + 1` can only commit after `p`.
//!   A reader that has seen positions `< c` catches up with one index range scan
//!   (`position >= c`), never missing a row committed late — which a `bigserial` column would
//!   not guarantee — and a draw of position `p` is one primary-key lookup
//!   ([`PgSharedPool::value_at`]), unlike the original's `COUNT(*)` + `OFFSET` per draw.
//! * `faker_slot (plan, slot, owner, value_id)` — which value each slot of a shared plan holds
//!   (see [`faker_core::distributor::plan`]). The first generator to insert a slot's row owns
//!   it and creates the value; the others wait until that value is committed in the pool log,
//!   then reuse it. An owner is a live session holding an advisory lock named by its token;
//!   when it dies (`kill -9`) its unfinished slots are taken over.
//!
//! Writers publish into the log through a [`Publication`]:
//! [`PgRepository::publish_to`](crate::write::repository::PgRepository::publish_to) (inside its
//! one statement or transaction) and
//! [`BulkRepository::publish_to`](crate::write::bulk::BulkRepository::publish_to) (inside each
//! batch's transaction, just before the commit). So a value is in the log exactly when it is
//! committed and every foreign key to it holds. A generator that buffers its values (bulk mode)
//! hands its writer to [`PgSharedPool::flush_before_waiting`] as a [`Flush`]: this module knows
//! nothing of the writers.
//!
//! Unique values are never duplicated: `value_id` is unique per pool, and the application's own
//! keys come from its sequences.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use faker_core::provider::{JsonValue, Provider};
use faker_core::repository::{BoxFuture, RepositoryError, SharedPool, SlotClaim};
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use tokio::sync::Mutex;

use crate::coordination::error::SharedError;
use crate::coordination::liveness::{alive_sql, hold};
use crate::coordination::log::{Publication, SharedTables};
use crate::ident::QualifiedName;

fn storage(e: SharedError) -> RepositoryError {
    RepositoryError::Storage(Box::new(e))
}

/// A writer that buffers the values it stores (bulk mode) and can be told to commit them now,
/// because another generator waits for one of them. Implemented by
/// [`BulkWriter`](crate::write::bulk::BulkWriter).
pub trait Flush: Send + Sync {
    /// Commits what is buffered.
    fn flush(&self) -> BoxFuture<'_, Result<(), Box<dyn std::error::Error + Send + Sync>>>;
}

/// This generator's membership in the shared pools of one schema: a token, and the session
/// that holds the advisory lock proving it is alive. Dropping it (or the process dying) ends
/// the membership.
pub struct PgShare {
    pool: PgPool,
    tables: SharedTables,
    token: i64,
    /// The session holding the liveness lock; never used again, only kept open.
    _alive: Arc<Mutex<PgConnection>>,
}

impl PgShare {
    /// Joins the shared pools of `schema`: creates the tables if needed (under a transaction
    /// advisory lock, so generators starting together do not race) and takes a liveness lock
    /// on a dedicated connection of `pool`.
    ///
    /// The shared pools' own statements (slot claims, catch-up) run on a small pool of their
    /// own with `synchronous_commit = off`: a slot row commits without waiting for the disk,
    /// and stays consistent after a crash, because anything that depends on it (the row of a
    /// reference to the slot's value) commits later and its commit flushes the WAL up to it.
    pub async fn join(pool: PgPool, schema: Option<&str>) -> Result<PgShare, SharedError> {
        let tables = SharedTables::new(schema).map_err(|source| SharedError::Ident {
            pool: String::new(),
            source,
        })?;
        let db = |source| SharedError::Database {
            pool: String::new(),
            source,
        };
        let options = (*pool.connect_options()).clone();
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options.options([("synchronous_commit", "off")]))
            .await
            .map_err(db)?;
        let mut tx = pool.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ddd-faker shared pools'))")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for ddl in [
            format!(
                "CREATE TABLE IF NOT EXISTS {} (pool text NOT NULL, position bigint NOT NULL,
                     value_id jsonb NOT NULL, PRIMARY KEY (pool, position), UNIQUE (pool, value_id))",
                tables.log
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (pool text PRIMARY KEY, size bigint NOT NULL DEFAULT 0)",
                tables.size
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (plan text NOT NULL, slot integer NOT NULL,
                     owner bigint NOT NULL, value_id jsonb, wanted boolean NOT NULL DEFAULT false,
                     PRIMARY KEY (plan, slot))",
                tables.slot
            ),
            // Owners look for slots others wait for on every catch-up: keep that lookup O(1).
            format!(
                "CREATE INDEX IF NOT EXISTS faker_slot_wanted ON {} (owner) WHERE wanted",
                tables.slot
            ),
        ] {
            sqlx::query(AssertSqlSafe(ddl))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        let (token, alive) = hold(&pool).await.map_err(db)?;
        Ok(PgShare {
            pool,
            tables,
            token,
            _alive: Arc::new(Mutex::new(alive)),
        })
    }

    /// This generator's token (the `owner` of the slots it claims).
    pub fn token(&self) -> i64 {
        self.token
    }

    /// The publication of pool `name`, for the repository that stores its aggregates. Makes
    /// sure the pool's counter row exists.
    pub async fn publication(&self, name: &str) -> Result<Publication, SharedError> {
        let sql = format!(
            "INSERT INTO {} (pool) VALUES ($1) ON CONFLICT (pool) DO NOTHING",
            self.tables.size
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(|source| SharedError::Database {
                pool: name.to_string(),
                source,
            })?;
        Ok(Publication::new(self.tables.clone(), name))
    }

    /// The shared pool `name` of `A`s, whose states are read from the mirror table `mirror`
    /// ([`Mirror::name`](crate::write::mirror::Mirror::name)). Give it to
    /// [`Faker::share_pool`](faker_core::provider::Faker::share_pool).
    pub async fn pool<A>(
        &self,
        name: &str,
        mirror: &QualifiedName,
    ) -> Result<PgSharedPool<A>, SharedError>
    where
        A: Provider + DeserializeOwned,
    {
        self.publication(name).await?;
        Ok(self.shared_pool(name, States::Mirror(mirror.clone())))
    }

    /// The shared pool `name` of `A`s, whose states are read from the application table
    /// `table`: each log row `p` joined to the table's row `t` by `join`, its state `state`
    /// (SQL over `t`). Made by `PgShare::pool_from_table` (in `faker_pg::write::read_back`,
    /// which knows the tables), so that this module knows nothing of them.
    pub(crate) async fn pool_reading<A>(
        &self,
        name: &str,
        table: QualifiedName,
        join: String,
        state: String,
    ) -> Result<PgSharedPool<A>, SharedError>
    where
        A: Provider + DeserializeOwned,
    {
        self.publication(name).await?;
        Ok(self.shared_pool(name, States::Table { table, join, state }))
    }

    /// The connections of this membership.
    pub(crate) fn connections(&self) -> &PgPool {
        &self.pool
    }

    fn shared_pool<A>(&self, name: &str, states: States) -> PgSharedPool<A> {
        PgSharedPool {
            pool: self.pool.clone(),
            tables: self.tables.clone(),
            name: name.to_string(),
            states,
            token: self.token,
            cursor: 0,
            last: None,
            interval: Duration::from_millis(100),
            wait_limit: Duration::from_secs(300),
            flush: None,
            _alive: self._alive.clone(),
            _aggregate: PhantomData,
        }
    }
}

/// Where a shared pool reads the states of the values it reuses.
enum States {
    /// A mirror table (`value_id`, `value`).
    Mirror(QualifiedName),
    /// The application table, found by id (`t`, joined to the log `p` by `join`).
    Table {
        table: QualifiedName,
        join: String,
        state: String,
    },
}

impl States {
    /// `JOIN` (or `LEFT JOIN`) of the states to the log rows `p`, and the state's expression
    /// (`NULL` where a left join found none).
    fn join(&self, kind: &str) -> (String, String) {
        match self {
            States::Mirror(mirror) => (
                format!("{kind} {mirror} m ON m.value_id = p.value_id"),
                "m.value".to_owned(),
            ),
            States::Table { table, join, state } => (
                format!("{kind} {table} t ON {join}"),
                // The id columns match only a row that exists: the state of no row is NULL.
                format!("CASE WHEN p.value_id IS NOT NULL AND ({join}) THEN {state} END"),
            ),
        }
    }
}

/// One shared pool, as a [`SharedPool`] for the Faker; see the [module docs](self).
pub struct PgSharedPool<A> {
    pool: PgPool,
    tables: SharedTables,
    name: String,
    states: States,
    token: i64,
    /// Log positions below this are already handed to the Faker.
    cursor: i64,
    last: Option<Instant>,
    interval: Duration,
    wait_limit: Duration,
    flush: Option<Arc<dyn Flush>>,
    _alive: Arc<Mutex<PgConnection>>,
    _aggregate: PhantomData<fn() -> A>,
}

/// Rows read per catch-up query.
const PAGE: i64 = 10_000;

impl<A> PgSharedPool<A>
where
    A: Provider + DeserializeOwned,
{
    /// How often [`SharedPool::catch_up`] really reads the log (default 100 ms): values other
    /// generators add become reusable here at most this late.
    pub fn catch_up_every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long a claim waits for another live generator's value before failing (default 5
    /// minutes).
    pub fn wait_at_most(mut self, limit: Duration) -> Self {
        self.wait_limit = limit;
        self
    }

    /// This generator buffers its values in `writer` (bulk mode), so they are committed only
    /// with its batches: flush it when another generator waits for one of our slots (seen on
    /// catch-up, so within [`catch_up_every`](Self::catch_up_every)), and before we wait for
    /// another's (which may be waiting for ours).
    pub fn flush_before_waiting(mut self, writer: impl Flush + 'static) -> Self {
        self.flush = Some(Arc::new(writer));
        self
    }

    /// Number of values in the pool (committed).
    pub async fn size(&self) -> Result<u64, SharedError> {
        let sql = format!("SELECT size FROM {} WHERE pool = $1", self.tables.size);
        let size: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&self.name)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(size.map_or(0, |s| u64::try_from(s).unwrap_or(0)))
    }

    /// The id at `position` of the pool: one primary-key lookup.
    pub async fn value_at(&self, position: u64) -> Result<Option<JsonValue>, SharedError> {
        let sql = format!(
            "SELECT value_id FROM {} WHERE pool = $1 AND position = $2",
            self.tables.log
        );
        let id: Option<sqlx::types::Json<JsonValue>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(&self.name)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        Ok(id.map(|j| j.0))
    }

    fn db(&self, source: sqlx::Error) -> SharedError {
        SharedError::Database {
            pool: self.name.clone(),
            source,
        }
    }

    fn decode(&self, value: JsonValue) -> Result<A, SharedError> {
        serde_json::from_value(value).map_err(|source| SharedError::Decode {
            pool: self.name.clone(),
            source,
        })
    }

    /// Every value published since the cursor, in log order.
    async fn read_log(&mut self) -> Result<Vec<A>, SharedError> {
        let (join, state) = self.states.join("JOIN");
        let sql = format!(
            "SELECT p.position, {state} FROM {log} p {join}
             WHERE p.pool = $1 AND p.position >= $2 ORDER BY p.position LIMIT $3",
            log = self.tables.log,
        );
        let mut out = Vec::new();
        loop {
            let rows: Vec<(i64, sqlx::types::Json<JsonValue>)> =
                sqlx::query_as(AssertSqlSafe(sql.as_str()))
                    .bind(&self.name)
                    .bind(self.cursor)
                    .bind(PAGE)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| self.db(e))?;
            let full = rows.len() as i64 == PAGE;
            for (position, value) in rows {
                out.push(self.decode(value.0)?);
                self.cursor = position + 1;
            }
            if !full {
                return Ok(out);
            }
        }
    }

    /// When other generators wait for values of slots we own, commits what we buffered.
    async fn serve_waiters(&mut self) -> Result<(), SharedError> {
        let Some(writer) = &self.flush else {
            return Ok(()); // without a buffering writer our values are committed at once
        };
        let sql = format!(
            "UPDATE {} SET wanted = false WHERE owner = $1 AND wanted RETURNING 1",
            self.tables.slot
        );
        let served: Vec<i32> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(self.token)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        if !served.is_empty() {
            writer.flush().await.map_err(|source| SharedError::Flush {
                pool: self.name.clone(),
                source,
            })?;
        }
        Ok(())
    }

    async fn claim_slot(&mut self, plan: &str, slot: u32) -> Result<SlotClaim<A>, SharedError> {
        let slot_no = i32::try_from(slot).unwrap_or(i32::MAX);
        let take = format!(
            "INSERT INTO {} (plan, slot, owner) VALUES ($1, $2, $3)
             ON CONFLICT (plan, slot) DO NOTHING RETURNING owner",
            self.tables.slot
        );
        let won: Option<i64> = sqlx::query_scalar(AssertSqlSafe(take))
            .bind(plan)
            .bind(slot_no)
            .bind(self.token)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        if won.is_some() {
            return Ok(SlotClaim::Create);
        }
        // Held: the value once it is committed (in the log), and whether the owner lives.
        let (join, state) = self.states.join("LEFT JOIN");
        let read = format!(
            "SELECT s.owner, s.value_id IS NOT NULL, {state},
                    {alive}
             FROM {slot} s
             LEFT JOIN {log} p ON p.pool = $3 AND p.value_id = s.value_id
             {join}
             WHERE s.plan = $1 AND s.slot = $2",
            slot = self.tables.slot,
            log = self.tables.log,
            alive = alive_sql("s.owner"),
        );
        let take_over = format!(
            "UPDATE {} SET owner = $3, value_id = NULL WHERE plan = $1 AND slot = $2 AND owner = $4
             RETURNING owner",
            self.tables.slot
        );
        let started = Instant::now();
        let mut pause = Duration::from_millis(2);
        let mut flushed = false;
        loop {
            // The row exists: the insert above conflicted with it, and slot rows are never
            // deleted.
            let (owner, has_value, value, alive): (
                i64,
                bool,
                Option<sqlx::types::Json<JsonValue>>,
                bool,
            ) = sqlx::query_as(AssertSqlSafe(read.as_str()))
                .bind(plan)
                .bind(slot_no)
                .bind(&self.name)
                .fetch_one(&self.pool)
                .await
                .map_err(|e| self.db(e))?;
            if let Some(value) = value {
                return Ok(SlotClaim::Bound(self.decode(value.0)?));
            }
            if owner == self.token && !has_value {
                // Our own claim whose value was never created (an earlier error): create it.
                return Ok(SlotClaim::Create);
            }
            if !alive && owner != self.token {
                let taken: Option<i64> = sqlx::query_scalar(AssertSqlSafe(take_over.as_str()))
                    .bind(plan)
                    .bind(slot_no)
                    .bind(self.token)
                    .bind(owner)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|e| self.db(e))?;
                if taken.is_some() {
                    return Ok(SlotClaim::Create);
                }
                continue; // someone else took it over first: read again
            }
            // A live generator (maybe we, in bulk mode) has not committed the value yet.
            if !flushed {
                flushed = true;
                // Ask the owner to commit what it buffered (it looks on every catch-up).
                let want = format!(
                    "UPDATE {} SET wanted = true WHERE plan = $1 AND slot = $2 AND NOT wanted",
                    self.tables.slot
                );
                sqlx::query(AssertSqlSafe(want))
                    .bind(plan)
                    .bind(slot_no)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| self.db(e))?;
                if let Some(writer) = &self.flush {
                    writer.flush().await.map_err(|source| SharedError::Flush {
                        pool: self.name.clone(),
                        source,
                    })?;
                    continue;
                }
            }
            let waited = started.elapsed();
            if waited > self.wait_limit {
                return Err(SharedError::SlotTimeout {
                    pool: self.name.clone(),
                    plan: plan.to_string(),
                    slot,
                    owner,
                    waited,
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    async fn bind_slot(&mut self, plan: &str, slot: u32, id: &A::Id) -> Result<(), SharedError> {
        let id = serde_json::to_value(id).map_err(|source| SharedError::Decode {
            pool: self.name.clone(),
            source,
        })?;
        let sql = format!(
            "UPDATE {} SET value_id = $4 WHERE plan = $1 AND slot = $2 AND owner = $3 RETURNING 1",
            self.tables.slot
        );
        let updated: Option<i32> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(plan)
            .bind(i32::try_from(slot).unwrap_or(i32::MAX))
            .bind(self.token)
            .bind(sqlx::types::Json(id))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        match updated {
            Some(_) => Ok(()),
            None => Err(SharedError::SlotLost {
                pool: self.name.clone(),
                plan: plan.to_string(),
                slot,
            }),
        }
    }
}

impl<A> SharedPool<A> for PgSharedPool<A>
where
    A: Provider + DeserializeOwned,
{
    fn catch_up(&mut self) -> BoxFuture<'_, Result<Vec<A>, RepositoryError>> {
        Box::pin(async move {
            if self.last.is_some_and(|t| t.elapsed() < self.interval) {
                return Ok(Vec::new());
            }
            let added = self.read_log().await.map_err(storage)?;
            self.serve_waiters().await.map_err(storage)?;
            self.last = Some(Instant::now());
            Ok(added)
        })
    }

    fn claim<'a>(
        &'a mut self,
        plan: &'a str,
        slot: u32,
    ) -> BoxFuture<'a, Result<SlotClaim<A>, RepositoryError>> {
        Box::pin(async move { self.claim_slot(plan, slot).await.map_err(storage) })
    }

    fn bind<'a>(
        &'a mut self,
        plan: &'a str,
        slot: u32,
        id: &'a A::Id,
    ) -> BoxFuture<'a, Result<(), RepositoryError>> {
        Box::pin(async move { self.bind_slot(plan, slot, id).await.map_err(storage) })
    }
}
