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
//! Writers publish into the log: [`PgRepository::publish_to`](crate::repository::PgRepository::publish_to)
//! (inside its one statement or transaction) and
//! [`BulkRepository::publish_to`](crate::bulk::BulkRepository::publish_to) (inside each batch's
//! transaction, just before the commit). So a value is in the log exactly when it is committed
//! and every foreign key to it holds.
//!
//! Unique values are never duplicated: `value_id` is unique per pool, and the application's own
//! keys come from its sequences.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use faker_core::provider::{JsonValue, Provider};
use faker_core::repository::{BoxFuture, RepositoryError, SharedPool, SharedSequences, SlotClaim};
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use thiserror::Error;
use tokio::sync::Mutex;

use crate::bulk::BulkWriter;
use crate::ident::{Ident, IdentError, qualified};
use crate::repository::Mirror;

/// An error of the shared pools.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SharedError {
    /// The database refused.
    #[error("shared pool `{pool}`: {source}")]
    Database { pool: String, source: sqlx::Error },
    /// A stored value does not read back as the aggregate.
    #[error("shared pool `{pool}`: stored value does not deserialize: {source}")]
    Decode {
        pool: String,
        source: serde_json::Error,
    },
    /// Another live generator held a slot without committing its value for too long.
    #[error(
        "shared pool `{pool}`: slot {slot} of `{plan}` is held by generator {owner} for more than {waited:?} without a committed value"
    )]
    SlotTimeout {
        pool: String,
        plan: String,
        slot: u32,
        owner: i64,
        waited: Duration,
    },
    /// A slot this generator owned was taken over (it was believed dead).
    #[error("shared pool `{pool}`: slot {slot} of `{plan}` was taken over by another generator")]
    SlotLost {
        pool: String,
        plan: String,
        slot: u32,
    },
    /// Our own bulk writer failed while we flushed it before waiting for a slot.
    #[error("shared pool `{pool}`: {source}")]
    Flush {
        pool: String,
        source: crate::bulk::BulkError,
    },
}

fn storage(e: SharedError) -> RepositoryError {
    RepositoryError::Storage(Box::new(e))
}

/// Names of the shared tables of one schema.
#[derive(Debug, Clone)]
struct Tables {
    log: String,
    size: String,
    slot: String,
}

impl Tables {
    fn new(schema: Option<&str>) -> Result<Tables, IdentError> {
        let schema = schema.map(Ident::new).transpose()?;
        let name = |t: &str| Ident::new(t).map(|t| qualified(schema.as_ref(), &t));
        Ok(Tables {
            log: name("faker_pool")?,
            size: name("faker_pool_size")?,
            slot: name("faker_slot")?,
        })
    }
}

/// Writes into a pool log: what a repository needs to publish the aggregates it stores.
#[derive(Debug, Clone)]
pub struct Publication {
    tables: Tables,
    pool: String,
}

impl Publication {
    /// The pool's name.
    pub fn pool(&self) -> &str {
        &self.pool
    }

    /// Data-modifying CTEs that publish the id `id_expr` (an SQL expression over the CTE
    /// `source`), with the pool name bound as parameter `$param`. They start with a comma, to
    /// follow the caller's own CTEs.
    pub(crate) fn ctes(&self, source: &str, id_expr: &str, param: usize) -> String {
        format!(
            ", pool_position AS (UPDATE {size} SET size = size + 1 WHERE pool = ${param} RETURNING size - 1 AS p),
               pool_log AS (INSERT INTO {log} (pool, position, value_id)
                            SELECT ${param}, pool_position.p, {id_expr} FROM pool_position, {source})",
            size = self.tables.size,
            log = self.tables.log,
        )
    }

    /// Publishes `ids` (JSON texts) in order, inside the caller's transaction. The counter row
    /// stays locked until that transaction ends: call it last, just before the commit.
    pub async fn publish(
        &self,
        conn: &mut PgConnection,
        ids: &[String],
    ) -> Result<(), sqlx::Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "WITH n AS (UPDATE {size} SET size = size + cardinality($2::text[]) WHERE pool = $1
                        RETURNING size - cardinality($2::text[]) AS first)
             INSERT INTO {log} (pool, position, value_id)
             SELECT $1, n.first + u.o - 1, u.v::jsonb FROM n, unnest($2::text[]) WITH ORDINALITY AS u(v, o)",
            size = self.tables.size,
            log = self.tables.log,
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&self.pool)
            .bind(ids)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// This generator's membership in the shared pools of one schema: a token, and the session
/// that holds the advisory lock proving it is alive. Dropping it (or the process dying) ends
/// the membership.
pub struct PgShare {
    pool: PgPool,
    tables: Tables,
    token: i64,
    /// The session holding the liveness lock; never used again, only kept open.
    _alive: Arc<Mutex<PgConnection>>,
}

/// Takes the liveness lock of a token (a `pg_advisory_lock(bigint)` key).
const LOCK_SQL: &str = "SELECT pg_advisory_lock($1)";

/// An SQL boolean: whether the generator with token `owner` (an SQL expression) is alive,
/// i.e. some session of this database holds its liveness lock. A `bigint` advisory key shows
/// in `pg_locks` split into `classid` (high half) and `objid` (low half), `objsubid` 1.
pub(crate) fn alive_sql(owner: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_locks l
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND l.classid = (({owner} >> 32) & 4294967295)::oid
                   AND l.objid = ({owner} & 4294967295)::oid)"
    )
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
        let tables = Tables::new(schema).map_err(|e| SharedError::Database {
            pool: String::new(),
            source: sqlx::Error::Protocol(e.to_string()),
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
        let mut alive = pool.acquire().await.map_err(db)?.detach();
        // A random token: backend pids are reused, and a live session with a dead owner's pid
        // would make its slots look held forever.
        let token: i64 = sqlx::query_scalar("SELECT (random() * 9.2e18)::bigint")
            .fetch_one(&mut alive)
            .await
            .map_err(db)?;
        sqlx::query(LOCK_SQL)
            .bind(token)
            .execute(&mut alive)
            .await
            .map_err(db)?;
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
        Ok(Publication {
            tables: self.tables.clone(),
            pool: name.to_string(),
        })
    }

    /// The shared pool `name` of `A`s, whose states are read from `mirror`. Give it to
    /// [`Faker::share_pool`](faker_core::provider::Faker::share_pool).
    pub async fn pool<A>(&self, name: &str, mirror: &Mirror) -> Result<PgSharedPool<A>, SharedError>
    where
        A: Provider + DeserializeOwned,
    {
        self.publication(name).await?;
        Ok(PgSharedPool {
            pool: self.pool.clone(),
            tables: self.tables.clone(),
            name: name.to_string(),
            mirror: mirror.name().to_string(),
            token: self.token,
            cursor: 0,
            last: None,
            interval: Duration::from_millis(100),
            wait_limit: Duration::from_secs(300),
            flush: None,
            _alive: self._alive.clone(),
            _aggregate: PhantomData,
        })
    }
}

/// One shared pool, as a [`SharedPool`] for the Faker; see the [module docs](self).
pub struct PgSharedPool<A> {
    pool: PgPool,
    tables: Tables,
    name: String,
    mirror: String,
    token: i64,
    /// Log positions below this are already handed to the Faker.
    cursor: i64,
    last: Option<Instant>,
    interval: Duration,
    wait_limit: Duration,
    flush: Option<BulkWriter>,
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
    pub fn flush_before_waiting(mut self, writer: BulkWriter) -> Self {
        self.flush = Some(writer);
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
        let sql = format!(
            "SELECT p.position, m.value FROM {log} p JOIN {mirror} m ON m.value_id = p.value_id
             WHERE p.pool = $1 AND p.position >= $2 ORDER BY p.position LIMIT $3",
            log = self.tables.log,
            mirror = self.mirror,
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
        let read = format!(
            "SELECT s.owner, s.value_id IS NOT NULL, m.value,
                    {alive}
             FROM {slot} s
             LEFT JOIN {log} p ON p.pool = $3 AND p.value_id = s.value_id
             LEFT JOIN {mirror} m ON m.value_id = p.value_id
             WHERE s.plan = $1 AND s.slot = $2",
            slot = self.tables.slot,
            log = self.tables.log,
            mirror = self.mirror,
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

/// Sequence numbers shared by every generator on a schema: one PostgreSQL sequence per
/// sequence key (`Book.id/` — type, field, scope), created on first use as
/// `<schema>.faker_seq_<hash of the key>` with the key as its comment. The sequence's increment
/// is the block size: one `nextval` reserves a whole block for one generator, so numbers are
/// distinct across processes and a block costs one round trip. Give it to
/// [`Faker::share_sequences`](faker_core::provider::Faker::share_sequences).
pub struct PgSequences {
    pool: PgPool,
    schema: Option<Ident>,
    block: u64,
    /// Resolved sequence names and increments, per key.
    known: std::collections::HashMap<String, (String, u64)>,
}

impl PgSequences {
    /// Sequences in `schema`, reserved `block` numbers at a time (a sequence keeps the block
    /// size it was created with).
    pub fn new(pool: PgPool, schema: Option<&str>, block: u64) -> Result<PgSequences, IdentError> {
        Ok(PgSequences {
            pool,
            schema: schema.map(Ident::new).transpose()?,
            block: block.max(1),
            known: std::collections::HashMap::new(),
        })
    }

    /// The sequence of `key`, created if needed, and its increment.
    async fn sequence(&mut self, key: &str) -> Result<(String, u64), SharedError> {
        if let Some(known) = self.known.get(key) {
            return Ok(known.clone());
        }
        let db = |source| SharedError::Database {
            pool: key.to_string(),
            source,
        };
        let bare = Ident::new(format!("faker_seq_{:016x}", fnv1a(key)))
            .map_err(|e| db(sqlx::Error::Protocol(e.to_string())))?;
        let name = qualified(self.schema.as_ref(), &bare);
        let increment = i64::try_from(self.block).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await.map_err(db)?;
        // CREATE SEQUENCE IF NOT EXISTS races between sessions: serialise on the name.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&name)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 0 START 0 INCREMENT {increment}"
        )))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // The key as the sequence's comment, for whoever lists the schema. COMMENT takes no
        // bind parameters: the key travels as a setting and is quoted by `format(%L)`.
        sqlx::query("SELECT set_config('faker.key', $1, true)")
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(AssertSqlSafe(format!(
            "DO $$ BEGIN EXECUTE format('COMMENT ON SEQUENCE {} IS %L', current_setting('faker.key')); END $$",
            name.replace('\'', "''")
        )))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let actual: i64 = sqlx::query_scalar(
            "SELECT increment_by FROM pg_sequences WHERE schemaname = $1 AND sequencename = $2",
        )
        .bind(match &self.schema {
            Some(s) => s.as_str().to_string(),
            None => "public".to_string(),
        })
        .bind(bare.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let found = (name, u64::try_from(actual).unwrap_or(1).max(1));
        self.known.insert(key.to_string(), found.clone());
        Ok(found)
    }
}

/// FNV-1a, 64 bits: a stable name for a sequence key (identifiers are limited to 63 bytes).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SharedSequences for PgSequences {
    fn reserve<'a>(
        &'a mut self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<(u64, u64), RepositoryError>> {
        Box::pin(async move {
            let (name, block) = self.sequence(key).await.map_err(storage)?;
            let first: i64 = sqlx::query_scalar("SELECT nextval($1::regclass)")
                .bind(&name)
                .fetch_one(&self.pool)
                .await
                .map_err(|source| {
                    storage(SharedError::Database {
                        pool: key.to_string(),
                        source,
                    })
                })?;
            Ok((u64::try_from(first).unwrap_or(0), block))
        })
    }
}
