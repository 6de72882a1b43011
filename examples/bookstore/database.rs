//! `--database-url`: the bookstore in PostgreSQL — the application's own tables (with the
//! primary and foreign keys a real multi-tenant schema has) plus faker's JSONB mirror, written
//! in one transaction per aggregate.

use ddd_faker::provider::Faker;
use faker_pg::Ident;
use faker_pg::bulk::{BulkOptions, BulkWriter};
use faker_pg::repository::{Mirror, PgRepository, Table};
use faker_pg::target::Target;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use crate::domain::{Author, Book, Tenant};

/// How the bookstore writes to PostgreSQL.
pub struct Attached {
    /// Books already stored by earlier runs (or other processes).
    pub done: u64,
    /// The bulk writer, in `--bulk` mode: call [`BulkWriter::finish`] at the end.
    pub bulk: Option<BulkWriter>,
}

/// Creates the schema if needed, registers the PostgreSQL repositories (per aggregate, or
/// buffered `COPY` batches with `bulk`), reloads tenants and authors into the Faker's pools,
/// and sets the target of `books_goal` books.
pub async fn attach(
    faker: &mut Faker,
    url: &str,
    schema: &str,
    books_goal: u64,
    bulk: bool,
) -> Result<Attached, String> {
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    create_schema(&pool, schema).await?;
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
    let err = |e: faker_pg::IdentError| e.to_string();
    let tenants = Table::new(s, "tenants")
        .and_then(|t| t.auto_key("id", "id"))
        .and_then(|t| t.column("name", "name"))
        .map_err(err)?;
    let authors = Table::new(s, "authors")
        .and_then(|t| t.column("tenant_id", "id.tenant_id"))
        .and_then(|t| t.auto_key("author_id", "id.author_id"))
        .and_then(|t| t.column("name", "name"))
        .map_err(err)?;
    let books = Table::new(s, "books")
        .and_then(|t| t.column("tenant_id", "id.tenant_id"))
        .and_then(|t| t.auto_key("book_id", "id.book_id"))
        .and_then(|t| t.column("author_id", "author_id.author_id"))
        .and_then(|t| t.column("title", "title"))
        .map_err(err)?;
    let mirror = |table: &str| Mirror::new(s, table).map_err(err);

    // Resume: what earlier runs stored becomes reusable again.
    let loader = |table: &str| -> Result<PgRepository<Tenant>, String> {
        Ok(PgRepository::<Tenant>::new(
            pool.clone(),
            None,
            mirror(table)?,
        ))
    };
    let stored_tenants = loader("tenants")?
        .load_all()
        .await
        .map_err(|e| e.to_string())?;
    let stored_authors = PgRepository::<Author>::new(pool.clone(), None, mirror("authors")?)
        .load_all()
        .await
        .map_err(|e| e.to_string())?;

    let late = |e: ddd_faker::provider::FakerError| e.to_string();
    let writer = if bulk {
        // Batches in dependency order (tenants, authors, books), keys reserved in blocks from
        // the tables' sequences; the guard claims the target inside each batch's transaction.
        let writer = BulkWriter::new(pool.clone(), BulkOptions::default());
        let bulk_err = |e: faker_pg::bulk::BulkError| e.to_string();
        let t = writer
            .repository::<Tenant>(tenants, mirror("tenants")?)
            .await
            .map_err(bulk_err)?;
        let a = writer
            .repository::<Author>(authors, mirror("authors")?)
            .await
            .map_err(bulk_err)?;
        let b = writer
            .repository::<Book>(books, mirror("books")?)
            .await
            .map_err(bulk_err)?;
        writer
            .set_guard(move |conn: &mut PgConnection, rows: u64| {
                let target = target.clone();
                Box::pin(async move { target.claim(conn, rows).await })
                    as faker_pg::bulk::GuardFuture<'_>
            })
            .await;
        faker.set_repository::<Tenant>(t).map_err(late)?;
        faker.set_repository::<Author>(a).map_err(late)?;
        faker.set_repository::<Book>(b).map_err(late)?;
        Some(writer)
    } else {
        faker
            .set_repository::<Tenant>(PgRepository::new(
                pool.clone(),
                Some(tenants),
                mirror("tenants")?,
            ))
            .map_err(late)?;
        faker
            .set_repository::<Author>(PgRepository::new(
                pool.clone(),
                Some(authors),
                mirror("authors")?,
            ))
            .map_err(late)?;
        faker
            .set_repository::<Book>(
                PgRepository::new(pool.clone(), Some(books), mirror("books")?).with_target(target),
            )
            .map_err(late)?;
        None
    };
    for t in &stored_tenants {
        faker.restore(t).map_err(late)?;
    }
    for a in &stored_authors {
        faker.restore(a).map_err(late)?;
    }
    Ok(Attached { done, bulk: writer })
}

/// The application's schema: tenants; authors keyed (tenant_id, author_id) with a foreign key to
/// tenants; books keyed (tenant_id, book_id) with a foreign key (tenant_id, author_id) to authors,
/// which is the tenant rule enforced by the database itself. Plus faker's mirrors.
async fn create_schema(pool: &PgPool, schema: &str) -> Result<(), String> {
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
    for table in ["tenants", "authors", "books"] {
        Mirror::new(Some(schema), table)
            .map_err(|e| e.to_string())?
            .create(&mut tx)
            .await
            .map_err(|e| format!("cannot create the mirror of {table}: {e}"))?;
    }
    // The target table too, under the same lock.
    Target::new(Some(schema), "books")
        .map_err(|e| e.to_string())?
        .create_table(&mut tx)
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)
}
