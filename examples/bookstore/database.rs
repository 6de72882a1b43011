//! `--database-url`: the bookstore in PostgreSQL — the application's own tables (with the
//! primary and foreign keys a real multi-tenant schema has).
//!
//! Two ways to fill a schema (`faker_pg::coordination::fill`):
//!
//! * **alone** ([`attach_alone`], `--bulk` without `--shared`): one process, nobody else.
//!   Every table goes through one bulk writer in `COPY` batches (tenants, authors, books in one
//!   transaction per batch), no mirror, no coordination tables; a rerun resumes from the
//!   application tables (counts the books, restores the tenants and authors into the pools).
//! * **shared** ([`attach`]: per aggregate, `--bulk --shared`, `--workers K`): any number of
//!   processes share the tenant and author pools, one plan and the target, through faker's
//!   coordination tables. No mirror either: a value another process made is read from its
//!   application table by primary key (`PgShare::pool_from_table`).

use ddd_faker::feed::StoreOutcomes;
use ddd_faker::provider::Faker;
use faker_pg::Ident;
use faker_pg::coordination::{FillLock, FillWay, PgShare, SharedError, Target};
use faker_pg::write::bulk::{BulkError, BulkOptions, BulkWriter, GuardFuture};
use faker_pg::write::{PgRepository, Table, WriteBehind};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use crate::domain::{Author, Book, Tenant};

/// How the bookstore writes to PostgreSQL.
pub struct Attached {
    /// Books already stored by earlier runs (or other processes).
    pub done: u64,
    /// The bulk writer, in `--bulk` mode: call [`BulkWriter::finish`] at the end.
    pub bulk: Option<BulkWriter>,
    /// Per aggregate: the books' write-behind, to finish at the end.
    pub behind: Option<WriteBehind>,
    /// In `--bulk` mode: books are leased from the target before they are generated.
    pub lease: Option<Lease>,
    /// Whether each book's store was committed, known only after `create` returned (a batch
    /// guard or a write-behind store may still refuse it): the feeds hold the books' records
    /// until then (see `ddd_faker::feed::HoldingSink`). `None` alone in bulk: no guard
    /// refuses a row there, and a batch that fails fails the run before the feeds are
    /// published, so the records go straight to the feeds.
    pub books: Option<StoreOutcomes>,
    /// Whether the plan is for the whole target (shared: every run and process follows one
    /// plan through the shared slots), or for the books this run creates (alone).
    pub plan_whole_target: bool,
    /// Our membership in the shared pools (its session proves we are alive), when shared.
    _share: Option<PgShare>,
    /// The schema, held for this fill (by the process's main thread for `--workers` alone).
    _fill: Option<FillLock>,
}

/// Books leased from the shared target, so that processes buffering their books never
/// generate more than the target together (see `faker_pg::coordination::target`).
pub struct Lease {
    pool: PgPool,
    target: Target,
    owner: i64,
    credit: u64,
}

/// Book transactions in flight per process (per-aggregate mode).
const WRITE_BEHIND: usize = 4;

/// Books leased at a time: small enough that processes finish together, large enough that
/// leasing costs nothing next to generating.
const LEASE_BLOCK: u64 = 1_000;

impl Lease {
    /// Takes one book off the lease, leasing a block when it is used up. False when the
    /// target leaves nothing more to generate.
    pub async fn take_one(&mut self) -> Result<bool, String> {
        if self.credit == 0 {
            let mut conn = self.pool.acquire().await.map_err(|e| e.to_string())?;
            self.credit = self
                .target
                .lease(&mut conn, self.owner, 0, LEASE_BLOCK)
                .await
                .map_err(|e| format!("cannot lease books from the target: {e}"))?;
            if self.credit == 0 {
                return Ok(false);
            }
        }
        self.credit -= 1;
        Ok(true)
    }

    /// Gives back what is left of the lease.
    pub async fn release(&self) -> Result<(), String> {
        let mut conn = self.pool.acquire().await.map_err(|e| e.to_string())?;
        self.target
            .release(&mut conn, self.owner)
            .await
            .map_err(|e| format!("cannot release the lease: {e}"))
    }
}

/// Creates the schema if needed, registers the PostgreSQL repositories (per aggregate, or
/// buffered `COPY` batches with `bulk`), shares the tenant and author pools with every other
/// process on this schema (which also reloads what earlier runs stored), and sets the target
/// of `books_goal` books.
pub async fn attach(
    faker: &mut Faker,
    url: &str,
    schema: &str,
    books_goal: u64,
    bulk: bool,
) -> Result<Attached, String> {
    // Room for the books written behind, plus tenants, authors and reads.
    let pool = PgPoolOptions::new()
        .max_connections(WRITE_BEHIND as u32 + 2)
        .connect(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    create_schema(&pool, schema).await?;
    let fill = FillLock::take(&pool, Some(schema), FillWay::Shared)
        .await
        .map_err(|e| e.to_string())?;
    // The target row makes every process that generates into this schema stop at exactly
    // `books_goal` books, however many run and however often they are restarted.
    let target = Target::new(Some(schema), "books").map_err(|e| e.to_string())?;
    let done = {
        let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
        target
            .ensure(&mut conn, books_goal)
            .await
            .map_err(|e| format!("cannot set the target: {e}"))?
    };

    let s = Some(schema);
    let (tenants, authors, books) = tables(schema)?;

    // Tenants and authors live in pools shared by every process generating into this schema:
    // what one stores becomes reusable by all (and, on a rerun, what earlier runs stored), and
    // planned references claim their slots in the database, so all processes follow one plan.
    let share = PgShare::join(pool.clone(), s)
        .await
        .map_err(|e| format!("cannot join the shared pools: {e}"))?;
    let shared_err = |e: SharedError| e.to_string();
    let tenant_pool = share.publication("tenants").await.map_err(shared_err)?;
    let author_pool = share.publication("authors").await.map_err(shared_err)?;
    // The pools read the values they reuse from the application tables (by primary key):
    // no mirror anywhere.
    let shared_tenants = share
        .pool_from_table::<Tenant>("tenants", &tenants)
        .await
        .map_err(shared_err)?;
    let shared_authors = share
        .pool_from_table::<Author>("authors", &authors)
        .await
        .map_err(shared_err)?;

    let late = |e: ddd_faker::provider::FakerError| e.to_string();
    let outcomes = StoreOutcomes::new();
    let mut lease = None;
    let mut behind = None;
    let writer = if bulk {
        // Books in COPY batches (keys reserved in blocks from the table's sequence; the guard
        // claims them against our lease inside each batch's transaction). Tenants and authors,
        // which other processes may be waiting to reuse, are committed one by one right away,
        // asynchronously: a batch committed later flushes the WAL up to its own commit, which
        // covers theirs, so a crash can never leave a book without its author.
        let writer = BulkWriter::new(pool.clone(), BulkOptions::default());
        let bulk_err = |e: BulkError| e.to_string();
        let quick = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(
                url.parse::<PgConnectOptions>()
                    .map_err(|e| format!("invalid database URL: {e}"))?
                    .options([("synchronous_commit", "off")]),
            )
            .await
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        // Books are the leaves: no draw reads them back, so no mirror.
        let b = writer
            .repository::<Book>(books, None)
            .await
            .map_err(bulk_err)?
            .report_to(outcomes.clone())
            .await;
        let owner = share.token();
        let guard_target = target.clone();
        writer
            .set_guard(move |conn: &mut PgConnection, rows: u64| {
                let target = guard_target.clone();
                Box::pin(async move { target.claim_leased(conn, owner, 0, rows).await })
                    as GuardFuture<'_>
            })
            .await;
        faker
            .set_repository::<Tenant>(
                PgRepository::without_mirror(quick.clone(), tenants).publish_to(tenant_pool),
            )
            .map_err(late)?;
        faker
            .set_repository::<Author>(
                PgRepository::without_mirror(quick, authors).publish_to(author_pool),
            )
            .map_err(late)?;
        faker.set_repository::<Book>(b).map_err(late)?;
        faker.share_pool::<Tenant>(shared_tenants).map_err(late)?;
        faker.share_pool::<Author>(shared_authors).map_err(late)?;
        lease = Some(Lease {
            pool: pool.clone(),
            target: target.clone(),
            owner,
            credit: 0,
        });
        Some(writer)
    } else {
        faker
            .set_repository::<Tenant>(
                PgRepository::without_mirror(pool.clone(), tenants).publish_to(tenant_pool),
            )
            .map_err(late)?;
        faker
            .set_repository::<Author>(
                PgRepository::without_mirror(pool.clone(), authors).publish_to(author_pool),
            )
            .map_err(late)?;
        // Books are the leaves (nothing references them): written behind, several
        // transactions in flight, so commits share their disk flushes.
        // Books are the leaves (nothing reads them back): their rows without a mirror.
        let books = PgRepository::without_mirror(pool.clone(), books)
            .with_target(target, share.token())
            .behind(WRITE_BEHIND);
        behind = books.write_behind();
        if let Some(behind) = &behind {
            behind.report_to(outcomes.clone()).await;
        }
        faker.set_repository::<Book>(books).map_err(late)?;
        faker.share_pool::<Tenant>(shared_tenants).map_err(late)?;
        faker.share_pool::<Author>(shared_authors).map_err(late)?;
        None
    };
    Ok(Attached {
        done,
        bulk: writer,
        behind,
        lease,
        books: Some(outcomes),
        plan_whole_target: true,
        _share: Some(share),
        _fill: Some(fill),
    })
}

/// The tables, mapped from the derive (`Table::of`): names from `#[provider(table = ..)]`,
/// columns from the fields (the book's `author_id.tenant_id` is its own `tenant_id`: one
/// column, the composite foreign key's).
fn tables(schema: &str) -> Result<(Table, Table, Table), String> {
    let s = Some(schema);
    let err = |e: faker_pg::write::TableOfError| e.to_string();
    Ok((
        Table::of::<Tenant>(s).map_err(err)?,
        Table::of::<Author>(s).map_err(err)?,
        Table::of::<Book>(s).map_err(err)?,
    ))
}

/// Takes the schema for a fill alone (see the module docs): creates the tables if needed,
/// holds the schema against every other process, and counts the books stored already. The
/// lock is held until dropped.
pub async fn hold_alone(url: &str, schema: &str) -> Result<(FillLock, u64), String> {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    create_tables(&pool, schema).await?;
    let fill = FillLock::take(&pool, Some(schema), FillWay::Alone)
        .await
        .map_err(|e| e.to_string())?;
    let s = Ident::new(schema).map_err(|e| e.to_string())?.quoted();
    let done: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {s}.books")))
        .fetch_one(&pool)
        .await
        .map_err(|e| format!("cannot count the stored books: {e}"))?;
    Ok((fill, u64::try_from(done).unwrap_or(0)))
}

/// Fills the schema alone, in bulk (see the module docs), as one of the generators of a
/// process that holds it ([`hold_alone`]; `fill` is kept for the run when given): restores
/// what earlier runs stored into the pools, and registers one bulk writer for the three tables
/// without mirrors. The caller generates its books and calls [`BulkWriter::finish`]. Several
/// such generators (`--workers`) write side by side: their keys come from the tables'
/// sequences in disjoint blocks, and each has its own tenants and authors besides the stored
/// ones.
pub async fn attach_alone(
    faker: &mut Faker,
    url: &str,
    schema: &str,
    batch_rows: u64,
    (fill, done): (Option<FillLock>, u64),
) -> Result<Attached, String> {
    // One connection for the batches, one for key blocks and reads.
    let pool = PgPoolOptions::new()
        .max_connections(3)
        .connect(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let (tenants, authors, books) = tables(schema)?;
    let late = |e: ddd_faker::provider::FakerError| e.to_string();
    let read = |e: faker_pg::write::ReadBackError| format!("cannot resume: {e}");
    // Resume from the rows themselves: what an earlier (perhaps killed) run committed is
    // whole, since every batch commits its tenants, authors and books together.
    let stored_tenants = tenants.load_all::<Tenant>(&pool).await.map_err(read)?;
    let stored_authors = authors.load_all::<Author>(&pool).await.map_err(read)?;

    let options = BulkOptions {
        batch_rows: usize::try_from(batch_rows).unwrap_or(usize::MAX),
        ..BulkOptions::default()
    };
    let writer = BulkWriter::new(pool, options);
    let bulk_err = |e: BulkError| e.to_string();
    let t = writer
        .repository::<Tenant>(tenants, None)
        .await
        .map_err(bulk_err)?;
    let a = writer
        .repository::<Author>(authors, None)
        .await
        .map_err(bulk_err)?;
    let b = writer
        .repository::<Book>(books, None)
        .await
        .map_err(bulk_err)?;
    faker.set_repository::<Tenant>(t).map_err(late)?;
    faker.set_repository::<Author>(a).map_err(late)?;
    faker.set_repository::<Book>(b).map_err(late)?;
    for tenant in &stored_tenants {
        faker.restore(tenant).map_err(late)?;
    }
    for author in &stored_authors {
        faker.restore(author).map_err(late)?;
    }
    Ok(Attached {
        done,
        bulk: Some(writer),
        behind: None,
        lease: None,
        books: None,
        plan_whole_target: false,
        _share: None,
        _fill: fill,
    })
}

/// The application's schema: tenants; authors keyed (tenant_id, author_id) with a foreign key to
/// tenants; books keyed (tenant_id, book_id) with a foreign key (tenant_id, author_id) to authors,
/// which is the tenant rule enforced by the database itself. Plus faker's target table.
async fn create_schema(pool: &PgPool, schema: &str) -> Result<(), String> {
    create_tables(pool, schema).await?;
    let fail = |e: sqlx::Error| format!("cannot create the schema: {e}");
    let mut tx = pool.begin().await.map_err(fail)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ddd-faker schema'))")
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
    // The target table, under the lock.
    Target::new(Some(schema), "books")
        .map_err(|e| e.to_string())?
        .create_table(&mut tx)
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)
}

/// The application's tables (see [`create_schema`]), if they do not exist.
async fn create_tables(pool: &PgPool, schema: &str) -> Result<(), String> {
    let s = Ident::new(schema).map_err(|e| e.to_string())?.quoted();
    let statements = [
        format!("CREATE SCHEMA IF NOT EXISTS {s}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {s}.tenants (
                 id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                 name text NOT NULL)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {s}.authors (
                 tenant_id bigint NOT NULL REFERENCES {s}.tenants (id),
                 author_id bigint GENERATED BY DEFAULT AS IDENTITY,
                 name text NOT NULL,
                 PRIMARY KEY (tenant_id, author_id))"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {s}.books (
                 tenant_id bigint NOT NULL REFERENCES {s}.tenants (id),
                 book_id bigint GENERATED BY DEFAULT AS IDENTITY,
                 author_id bigint NOT NULL,
                 title text NOT NULL,
                 PRIMARY KEY (tenant_id, book_id),
                 FOREIGN KEY (tenant_id, author_id) REFERENCES {s}.authors (tenant_id, author_id))"
        ),
    ];
    // Processes started together would race on CREATE ... IF NOT EXISTS (it is not atomic in
    // PostgreSQL): one transaction-scoped advisory lock lets one of them create, the others wait.
    let fail = |e: sqlx::Error| format!("cannot create the schema: {e}");
    let mut tx = pool.begin().await.map_err(fail)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ddd-faker schema'))")
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
    for sql in statements {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)
}

/// The dataset in the database as a whole (after `--workers`): counts, the tenant rule, and the
/// seed's distribution of books over tenants, by SQL.
pub async fn summary(url: &str, schema: &str) -> Result<String, String> {
    let fail = |e: sqlx::Error| format!("cannot read the dataset back: {e}");
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(fail)?;
    let s = Ident::new(schema).map_err(|e| e.to_string())?.quoted();
    // One statement, one scan of the books (joined to their authors): the counts, the
    // books per tenant and their quartile shares all come from the per-tenant counts.
    let (books, used, foreign, tenants, authors, weights): (i64, i64, i64, i64, i64, Vec<f64>) =
        sqlx::query_as(AssertSqlSafe(format!(
            "WITH per_tenant AS MATERIALIZED (
                 SELECT b.tenant_id, count(*) AS c, count(a.tenant_id) AS own
                 FROM {s}.books b LEFT JOIN {s}.authors a USING (tenant_id, author_id)
                 GROUP BY b.tenant_id),
             tiled AS (SELECT c, ntile(4) OVER (ORDER BY c DESC) AS part FROM per_tenant),
             parts AS (SELECT part, sum(c) AS c FROM tiled GROUP BY part)
             SELECT coalesce((SELECT sum(c) FROM per_tenant), 0)::int8,
                    (SELECT count(*) FROM per_tenant),
                    coalesce((SELECT sum(own) FROM per_tenant), 0)::int8,
                    (SELECT count(*) FROM {s}.tenants),
                    (SELECT count(*) FROM {s}.authors),
                    ARRAY(SELECT c::float8 / (SELECT sum(c) FROM per_tenant)
                          FROM parts ORDER BY part)"
        )))
        .fetch_one(&pool)
        .await
        .map_err(fail)?;
    let weights = weights
        .iter()
        .map(|w| format!("{w:.3}"))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(format!(
        "dataset: {books} books, {tenants} tenants ({used} with books), {authors} authors\n\
         books per tenant: mean {:.2}, quartile weights {weights} (configured 0.70 0.20 0.07 0.03, mean 50)\n\
         books whose author is in their tenant: {foreign} of {books}\n",
        books as f64 / used.max(1) as f64
    ))
}
