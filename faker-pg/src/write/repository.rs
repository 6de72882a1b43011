//! [`PgRepository`]: per-aggregate storage in the application's real table and faker's JSONB
//! mirror, one transaction per aggregate.
//!
//! A [`PgRepository`] stores each aggregate in one transaction:
//!
//! 1. through a [`PgWriter`] into the **application's table** — [`Table`] maps the exported state
//!    to columns and reads an auto-assigned key back with `RETURNING`; or plug in your own sqlx
//!    repository by implementing [`PgWriter`];
//! 2. into the **mirror** ([`Mirror`]) — faker's record of every generated aggregate, which
//!    serves `get`, `find(spec)` and reloading pools when a run resumes.
//!
//! With a [`Table`] writer, the elements of the aggregate's collections
//! ([`Table::collection`]) are written to their child tables in the same statement, one
//! data-modifying CTE per collection fed by one `jsonb` array of rows (a custom [`PgWriter`]
//! writes them itself, in its transaction).
//!
//! Optionally in the same statement or transaction: a claim against the dataset's [`Target`]
//! and the publication of the aggregate in a shared pool's log ([`Publication`]). With
//! [`PgRepository::behind`] the stores run in the background ([`crate::write::write_behind`]).
//!
//! Values always travel as bind parameters: a row is bound as one `jsonb` parameter and
//! expanded by `jsonb_populate_record`, so PostgreSQL converts each field to its column's type.
//! Names are [`Ident`](crate::ident::Ident)s, validated and quoted.

use std::marker::PhantomData;
use std::sync::Arc;

use faker_core::provider::{JsonValue, Provider};
use faker_core::repository::{BoxFuture, Repository, RepositoryError};
use faker_core::spec::Query;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};
use thiserror::Error;

use crate::coordination::log::Publication;
use crate::coordination::target::{Credits, Target};
use crate::ident::QualifiedName;
use crate::write::keys::assign_key;
use crate::write::mirror::Mirror;
use crate::write::table::{ElementTable, MissingField, Table, export};
use crate::write::write_behind::{Behind, WriteBehind};

/// Writes an aggregate into the application's storage inside the repository's transaction.
pub trait PgWriter: Send + Sync {
    /// The writer as a plain [`Table`] mapping, which lets [`PgRepository`] store an aggregate
    /// with a single statement (claim, application row and mirror row together). Custom
    /// writers keep the default and are called inside an explicit transaction.
    fn as_table(&self) -> Option<&Table> {
        None
    }

    /// Writes `state` (the exported state of the aggregate). Returns the key the database
    /// assigned, when it assigned one (`key_given` is false and the type has an auto key).
    fn write<'c>(
        &'c self,
        conn: &'c mut PgConnection,
        state: &'c JsonValue,
        key_given: bool,
    ) -> BoxFuture<'c, Result<Option<JsonValue>, sqlx::Error>>;
}

/// A write error of a [`PgRepository`] (reads fail with a
/// [`MirrorError`](crate::write::mirror::MirrorError), key reservations with a
/// [`SequenceError`](crate::write::keys::SequenceError)).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PgRepositoryError {
    /// A column maps a path that the exported state does not have.
    #[error(transparent)]
    MissingField(#[from] MissingField),
    /// The database refused.
    #[error("`{table}`: {source}")]
    Database {
        table: QualifiedName,
        #[source]
        source: sqlx::Error,
    },
    /// Write-behind mode reserves auto keys from a [`Table`]'s sequence; a custom
    /// [`PgWriter`] has none.
    #[error("`{table}`: write-behind with auto keys needs a `Table` writer")]
    BehindNeedsTable { table: QualifiedName },
}

impl From<PgRepositoryError> for RepositoryError {
    fn from(e: PgRepositoryError) -> RepositoryError {
        RepositoryError::Storage(Box::new(e))
    }
}

impl PgWriter for Table {
    fn as_table(&self) -> Option<&Table> {
        Some(self)
    }

    fn write<'c>(
        &'c self,
        conn: &'c mut PgConnection,
        state: &'c JsonValue,
        key_given: bool,
    ) -> BoxFuture<'c, Result<Option<JsonValue>, sqlx::Error>> {
        Box::pin(async move {
            let with_key = key_given || self.auto_column().is_none();
            let row = self
                .row(state, with_key)
                .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            let sql = self.insert_sql(with_key);
            let query = sqlx::query(AssertSqlSafe(sql)).bind(sqlx::types::Json(row));
            if with_key {
                query.execute(&mut *conn).await?;
                Ok(None)
            } else {
                let returned = query.fetch_one(&mut *conn).await?;
                let key: i64 = returned.try_get(0)?;
                Ok(Some(JsonValue::from(key)))
            }
        })
    }
}

impl<A> PgRepository<A, Table>
where
    A: Provider + DeserializeOwned,
{
    /// A repository writing `A`'s rows into `table` and nothing else: no mirror (see the
    /// [type docs](PgRepository)). `get`, `find`, `load_all` and `count` read the table
    /// itself — a scan each, fine for the few reads a generator makes of an aggregate nothing
    /// reuses. Shared pools need a mirror: give this one only to types no pool is shared of.
    pub fn without_mirror(pool: PgPool, table: Table) -> Self {
        PgRepository {
            pool,
            name: table.name().clone(),
            writer: Some(Arc::new(table)),
            mirror: None,
            target: None,
            publication: None,
            behind: None,
            _aggregate: PhantomData,
        }
    }
}

/// A target with this writer's leases of it.
struct Leased {
    target: Target,
    owner: i64,
    credits: Arc<tokio::sync::Mutex<Credits>>,
}

/// Stores aggregates of `A` in the application's table (through a [`PgWriter`], optional) and
/// in the [`Mirror`], in one transaction per aggregate.
///
/// The mirror earns its cost where stored aggregates are read back often: a shared pool
/// reads every value other processes reuse from it, and `find` is an indexed query there. An
/// aggregate nothing reads back — the leaves of a dataset, such as books — goes without one
/// ([`PgRepository::without_mirror`]): its row alone is written, and the rare `get`/`find`
/// read the application table (see [`read_back`](crate::write::read_back)).
pub struct PgRepository<A, W = Table> {
    pool: PgPool,
    writer: Option<Arc<W>>,
    // Behind `Arc`s: write-behind copies the configuration for every background store.
    mirror: Option<Arc<Mirror>>,
    /// What errors name: the mirror, or the table when there is none.
    name: QualifiedName,
    /// The target and this writer's leases of it.
    target: Option<Arc<Leased>>,
    publication: Option<Arc<Publication>>,
    /// Write-behind mode: stores run in the background, a bounded number at a time.
    behind: Option<Arc<tokio::sync::Mutex<Behind>>>,
    _aggregate: PhantomData<fn() -> A>,
}

impl<A, W> PgRepository<A, W>
where
    A: Provider + DeserializeOwned,
    W: PgWriter,
{
    /// A repository writing through `writer` and recording in `mirror`.
    pub fn new(pool: PgPool, writer: Option<W>, mirror: Mirror) -> Self {
        PgRepository {
            pool,
            writer: writer.map(Arc::new),
            name: mirror.name().clone(),
            mirror: Some(Arc::new(mirror)),
            target: None,
            publication: None,
            behind: None,
            _aggregate: PhantomData,
        }
    }

    /// Gives back the mirror-less repository's table (`get`/`find`/`load_all` read it).
    fn read_table(&self) -> Option<&Table> {
        self.writer.as_deref().and_then(|w| w.as_table())
    }

    /// Write-behind: `insert` hands each aggregate to a background task and returns at once,
    /// with up to `depth` stores in flight on the pool's connections (each still one
    /// transaction per aggregate; concurrent commits share their disk flushes). Auto-assigned
    /// keys are reserved in blocks from the table's sequence first, so the returned aggregate
    /// carries its real key. A failed store is reported by a later `insert` or by
    /// [`WriteBehind::finish`] (take the handle with [`PgRepository::write_behind`] before
    /// giving the repository to the Faker, and finish it at the end).
    ///
    /// Only for aggregates that nothing created later references (the leaves, like books):
    /// a row still in flight is not committed yet, so a foreign key to it could fail, and
    /// `get`/`find` do not see it.
    pub fn behind(mut self, depth: usize) -> Self {
        self.behind = Some(Arc::new(tokio::sync::Mutex::new(Behind::new(depth))));
        self
    }

    /// The handle of write-behind mode (see [`PgRepository::behind`]).
    pub fn write_behind(&self) -> Option<WriteBehind> {
        self.behind.clone().map(|inner| WriteBehind {
            inner,
            leases: self
                .target
                .as_ref()
                .map(|l| (self.pool.clone(), l.credits.clone())),
        })
    }

    /// Gives back what is left of this writer's leases of the target (at the end of a run;
    /// [`WriteBehind::finish`] does it too). Leases of a process that exits are freed anyway.
    pub async fn release_target(&self) -> Result<(), RepositoryError> {
        if let Some(leased) = &self.target {
            leased
                .credits
                .lock()
                .await
                .release(&self.pool)
                .await
                .map_err(|e| self.db(e))?;
        }
        Ok(())
    }

    /// A copy sharing the connections and the configuration, for a background store.
    fn snapshot(&self) -> Self {
        PgRepository {
            pool: self.pool.clone(),
            writer: self.writer.clone(),
            mirror: self.mirror.clone(),
            name: self.name.clone(),
            target: self.target.clone(),
            publication: self.publication.clone(),
            behind: None,
            _aggregate: PhantomData,
        }
    }

    /// Write-behind `insert`: reports finished stores, waits for room, reserves the key and
    /// starts the store in the background.
    async fn store_behind(
        &self,
        behind: &tokio::sync::Mutex<Behind>,
        mut aggregate: A,
        key_given: bool,
    ) -> Result<A, RepositoryError>
    where
        W: 'static,
    {
        let mut behind = behind.lock().await;
        behind.settle_finished()?;
        behind.make_room().await?;
        // Each transaction in flight claims against its own lease slot when it can.
        let slot = self.take_credit(behind.next_slot()).await?;
        let key_given = match (key_given, A::auto_key(), self.writer.as_deref()) {
            (false, Some(_), Some(writer)) => {
                let table =
                    writer
                        .as_table()
                        .ok_or_else(|| PgRepositoryError::BehindNeedsTable {
                            table: self.name.clone(),
                        })?;
                let key = behind.next_key(&self.pool, table).await?;
                assign_key(&mut aggregate, JsonValue::from(key))?;
                true
            }
            (given, _, _) => given,
        };
        let repo = self.snapshot();
        let stored = aggregate.clone();
        behind.spawn(async move { repo.store(stored, key_given, slot).await.map(|_| ()) });
        Ok(aggregate)
    }

    /// Stores an aggregate only within `target`: each aggregate's transaction claims one unit
    /// of a block that generator `owner` (its
    /// [`PgShare::token`](crate::coordination::pools::PgShare::token))
    /// leased from the target; when the goal leaves nothing more, `insert` fails with
    /// [`RepositoryError::TargetReached`]. Concurrent transactions (write-behind) claim
    /// against different lease rows, so they do not wait for each other (see [`Target`]).
    pub fn with_target(mut self, target: Target, owner: i64) -> Self {
        self.target = Some(Arc::new(Leased {
            credits: Arc::new(tokio::sync::Mutex::new(Credits::new(target.clone(), owner))),
            target,
            owner,
        }));
        self
    }

    /// Takes one unit of the target for the next store, preferably in lease slot `slot`.
    async fn take_credit(&self, slot: usize) -> Result<i32, RepositoryError> {
        let Some(leased) = &self.target else {
            return Ok(0);
        };
        leased
            .credits
            .lock()
            .await
            .take(&self.pool, slot)
            .await
            .map_err(|e| self.db(e))?
            .ok_or_else(|| self.target_reached())
    }

    /// Also publishes every stored aggregate in a shared pool's log, in the same transaction
    /// (see [`crate::coordination::pools`]).
    pub fn publish_to(mut self, publication: Publication) -> Self {
        self.publication = Some(Arc::new(publication));
        self
    }

    /// Every aggregate stored, in insertion order (to reload pools when resuming): from the
    /// mirror, or without one from the table.
    pub async fn load_all(&self) -> Result<Vec<A>, RepositoryError> {
        match (&self.mirror, self.read_table()) {
            (Some(mirror), _) => Ok(mirror.load_all(&self.pool).await?),
            (None, Some(table)) => Ok(table.load_all(&self.pool).await?),
            (None, None) => Ok(Vec::new()),
        }
    }

    /// Number of aggregates stored (in the mirror, or without one in the table).
    pub async fn count(&self) -> Result<u64, RepositoryError> {
        match (&self.mirror, self.read_table()) {
            (Some(mirror), _) => Ok(mirror.count(&self.pool).await?),
            (None, Some(table)) => {
                let sql = format!("SELECT count(*) FROM {}", table.name());
                let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|e| self.db(e))?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
            (None, None) => Ok(0),
        }
    }

    fn db(&self, source: sqlx::Error) -> RepositoryError {
        PgRepositoryError::Database {
            table: self.name.clone(),
            source,
        }
        .into()
    }

    fn target_reached(&self) -> RepositoryError {
        RepositoryError::TargetReached {
            table: self.name.to_string(),
        }
    }

    /// Stores one aggregate, its target claim (if any) against lease slot `slot`.
    async fn store(&self, aggregate: A, key_given: bool, slot: i32) -> Result<A, RepositoryError> {
        match self.writer.as_deref().and_then(|w| w.as_table()) {
            Some(table) => {
                self.store_in_one_statement(table, aggregate, key_given, slot)
                    .await
            }
            None => self.store_in_transaction(aggregate, key_given, slot).await,
        }
    }

    /// One statement — one round trip, one implicit transaction: the target claim, the
    /// application row (its key assigned by the database) and the mirror row (with that key
    /// written into the id and the state on the server) are data-modifying CTEs of one query.
    /// Per-aggregate runs are bound by statement round trips, not by the work in them.
    async fn store_in_one_statement(
        &self,
        table: &Table,
        mut aggregate: A,
        key_given: bool,
        slot: i32,
    ) -> Result<A, RepositoryError> {
        let auto = A::auto_key().filter(|_| !key_given && table.auto_column().is_some());
        let state = export::<A>(&aggregate)?;
        let id = export::<A>(&aggregate.id())?;
        let row = table
            .row(&state, auto.is_none())
            .map_err(PgRepositoryError::from)?;
        // Where the assigned key goes: its path in the state, and in the id (relative to it).
        let state_path: Vec<String> = auto
            .as_deref()
            .map(|p| p.split('.').map(str::to_string).collect())
            .unwrap_or_default();
        let id_path: Option<Vec<String>> = match auto.as_deref() {
            Some(p) if p == A::ID_FIELD => Some(Vec::new()),
            Some(p) => p
                .strip_prefix(A::ID_FIELD)
                .and_then(|rest| rest.strip_prefix('.'))
                .map(|rest| rest.split('.').map(str::to_string).collect()),
            None => None,
        };
        // Parameters: $1 row, $2 id, $3 state, $4 state path, $5 id path, $6 target name,
        // then the lease ($7 owner, $8 slot) with a target, then the pool name if publishing.
        let (claim, target_name, lease, publish_param) = match &self.target {
            Some(leased) => (
                leased.target.claim_one_leased_sql(6, 7, 8),
                leased.target.name().to_string(),
                Some((leased.owner, slot)),
                9,
            ),
            None => (
                "SELECT 1 WHERE $6::text IS NOT NULL".to_string(),
                String::new(),
                None,
                7,
            ),
        };
        let (returning, id_expr, state_expr) = match (&auto, &id_path) {
            (None, _) => ("0::bigint".to_string(), "$2::jsonb", "$3::jsonb"),
            (Some(_), Some(path)) if path.is_empty() => (
                table.key_sql(),
                "to_jsonb(app.k)",
                "jsonb_set($3::jsonb, $4::text[], to_jsonb(app.k))",
            ),
            (Some(_), Some(_)) => (
                table.key_sql(),
                "jsonb_set($2::jsonb, $5::text[], to_jsonb(app.k))",
                "jsonb_set($3::jsonb, $4::text[], to_jsonb(app.k))",
            ),
            (Some(_), None) => (
                table.key_sql(),
                "$2::jsonb",
                "jsonb_set($3::jsonb, $4::text[], to_jsonb(app.k))",
            ),
        };
        let publish = self
            .publication
            .as_ref()
            .map(|p| p.ctes("app", id_expr, publish_param))
            .unwrap_or_default();
        // The elements of each collection: one `jsonb` array of rows per child table, after
        // the pool name; `FROM app` writes them only with the aggregate's row, and gives a
        // parent key that maps the assigned key its value.
        let element_rows = table
            .element_rows(&state)
            .map_err(PgRepositoryError::from)?;
        let first_element_param = publish_param + usize::from(self.publication.is_some());
        let elements: String = table
            .collections()
            .iter()
            .enumerate()
            .map(|(i, c)| element_cte(i, &c.table, first_element_param + i, auto.as_deref()))
            .collect();
        let mirror = match &self.mirror {
            Some(mirror) => format!(
                ", mirror AS ({} SELECT {id_expr}, {state_expr} FROM app)",
                mirror.insert_into()
            ),
            // Without a mirror the id and state parameters are still bound: typed here, so
            // that the statement prepares.
            None => {
                ", unmirrored AS (SELECT $2::jsonb, $3::jsonb, $4::text[], $5::text[])".to_string()
            }
        };
        let sql = format!(
            "WITH claim AS ({claim}),
                  app AS ({insert} WHERE EXISTS (SELECT 1 FROM claim) RETURNING {returning} AS k)
                  {mirror}
                  {elements}
                  {publish}
             SELECT k FROM app",
            insert = table.insert_select(auto.is_none()),
        );
        let pool_name = self.publication.as_ref().map(|p| p.pool().to_string());
        let query = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(sqlx::types::Json(row))
            .bind(sqlx::types::Json(id))
            .bind(sqlx::types::Json(state))
            .bind(state_path)
            .bind(id_path.unwrap_or_default())
            .bind(target_name);
        let query = match lease {
            Some((owner, slot)) => query.bind(owner).bind(slot),
            None => query,
        };
        // The pool name only exists when publishing (an unused parameter would have no type).
        let mut query = match pool_name {
            Some(name) => query.bind(name),
            None => query,
        };
        for rows in element_rows {
            query = query.bind(sqlx::types::Json(rows));
        }
        let key: Option<i64> = query
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db(e))?;
        let Some(key) = key else {
            return Err(self.target_reached());
        };
        if auto.is_some() {
            assign_key(&mut aggregate, JsonValue::from(key))?;
        }
        Ok(aggregate)
    }

    async fn store_in_transaction(
        &self,
        mut aggregate: A,
        key_given: bool,
        slot: i32,
    ) -> Result<A, RepositoryError> {
        let state = export::<A>(&aggregate)?;
        let mut tx = self.pool.begin().await.map_err(|e| self.db(e))?;
        if let Some(leased) = &self.target {
            let claimed = leased
                .target
                .claim_leased(&mut tx, leased.owner, slot, 1)
                .await
                .map_err(|e| self.db(e))?;
            if claimed == 0 {
                return Err(self.target_reached());
            }
        }
        if let Some(writer) = &self.writer {
            let assigned = writer
                .write(&mut tx, &state, key_given || A::auto_key().is_none())
                .await
                .map_err(|e| self.db(e))?;
            if let Some(key) = assigned {
                assign_key(&mut aggregate, key)?;
            }
        }
        let id = export::<A>(&aggregate.id())?;
        if let Some(mirror) = &self.mirror {
            let state = export::<A>(&aggregate)?;
            sqlx::query(AssertSqlSafe(format!(
                "{} VALUES ($1, $2)",
                mirror.insert_into()
            )))
            .bind(sqlx::types::Json(&id))
            .bind(sqlx::types::Json(state))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db(e))?;
        }
        if let Some(publication) = &self.publication {
            publication
                .publish(&mut tx, &[id.to_string()])
                .await
                .map_err(|e| self.db(e))?;
        }
        tx.commit().await.map_err(|e| self.db(e))?;
        Ok(aggregate)
    }
}

impl<A, W> Repository<A> for PgRepository<A, W>
where
    A: Provider + DeserializeOwned,
    W: PgWriter + 'static,
{
    fn insert(
        &mut self,
        aggregate: A,
        key_given: bool,
    ) -> BoxFuture<'_, Result<A, RepositoryError>> {
        Box::pin(async move {
            match self.behind.clone() {
                Some(behind) => self.store_behind(&behind, aggregate, key_given).await,
                None => {
                    let slot = self.take_credit(0).await?;
                    self.store(aggregate, key_given, slot).await
                }
            }
        })
    }

    fn get<'a>(&'a self, id: &'a A::Id) -> BoxFuture<'a, Result<Option<A>, RepositoryError>> {
        Box::pin(async move {
            let id = export::<A>(id)?;
            match (&self.mirror, self.read_table()) {
                (Some(mirror), _) => Ok(mirror.get(&self.pool, &id).await?),
                (None, Some(table)) => Ok(table.get_stored(&self.pool, &id).await?),
                (None, None) => Ok(None),
            }
        })
    }

    fn find<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Vec<A>, RepositoryError>> {
        Box::pin(async move {
            match (&self.mirror, self.read_table()) {
                (Some(mirror), _) => Ok(mirror.find(&self.pool, query).await?),
                (None, Some(table)) => Ok(table.find_stored(&self.pool, query).await?),
                (None, None) => Ok(Vec::new()),
            }
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The CTE that writes the elements of one collection (`rows`: parameter `param`, a `jsonb`
/// array of `{column: value}`) into `table`, joined with the aggregate's row `app`. A parent
/// key column mapped to the aggregate's assigned key (`auto`, its path) takes `app.k`.
fn element_cte(index: usize, table: &ElementTable, param: usize, auto: Option<&str>) -> String {
    let assigned = |name: &str| {
        table
            .parent_columns()
            .iter()
            .any(|p| p.name.as_str() == name && Some(p.path.as_str()) == auto)
    };
    let names: Vec<_> = table.column_names().collect();
    let list = names
        .iter()
        .map(|n| n.quoted())
        .collect::<Vec<_>>()
        .join(", ");
    let select = names
        .iter()
        .map(|n| match assigned(n.as_str()) {
            true => "app.k".to_string(),
            false => format!("r.{}", n.quoted()),
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        ", element_{index} AS (INSERT INTO {t} ({list}) SELECT {select}
              FROM app, jsonb_populate_recordset(NULL::{t}, ${param}::jsonb) AS r)",
        t = table.name()
    )
}
