//! Helpers shared by the modules of this test binary: the server connection, one fresh schema
//! per test (dropped also when the test panics), statements that panic with their SQL, the known
//! distributions (power law, partitions) with the comparison of a server profile against the Rust
//! one, and the profiled bookstore schema.
//!
//! The `faker-pg` command line tool's tests (package `faker-pg-cli`, which builds the binary they
//! run) include this file too, so that both test binaries set up the database the same way.

use std::future::Future;
use std::panic::resume_unwind;

use faker_pg::{Ident, Profile};
use sqlx::postgres::{PgHasArrayType, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Encode, Executor, PgConnection, PgPool, Postgres, Type};

// ---------------------------------------------------------------- server and schemas

pub(crate) const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub(crate) fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

pub(crate) fn no_server(err: sqlx::Error) -> ! {
    panic!(
        "cannot connect to PostgreSQL at {} ({err}).\n\
         faker-pg's tests need a PostgreSQL 15+ server: start one (scripts/test starts the local \
         cluster) or point DATABASE_URL at one.",
        faker_pg::redacted_url(&database_url())
    )
}

pub(crate) async fn connect() -> PgConnection {
    PgConnection::connect(&database_url())
        .await
        .unwrap_or_else(|err| no_server(err))
}

pub(crate) async fn pool() -> PgPool {
    // A pool retries a refused connection until its acquire timeout; a plain connection fails at
    // once, with the server's own message.
    connect().await.close().await.ok();
    PgPoolOptions::new()
        .max_connections(2)
        .connect(&database_url())
        .await
        .unwrap_or_else(|err| no_server(err))
}

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name).unwrap()
}

pub(crate) async fn execute(conn: impl Executor<'_, Database = Postgres>, sql: String) {
    conn.execute(AssertSqlSafe(sql.as_str()))
        .await
        .unwrap_or_else(|err| panic!("{sql}\nfailed: {err}"));
}

pub(crate) async fn create_schema(conn: &mut PgConnection, test: &str) -> Ident {
    let schema = ident(&format!(
        "t_{test}_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    execute(&mut *conn, format!("CREATE SCHEMA {schema}")).await;
    schema
}

pub(crate) async fn drop_schema(conn: &mut PgConnection, schema: &Ident) {
    execute(&mut *conn, format!("DROP SCHEMA {schema} CASCADE")).await;
}

/// Runs `body` with its own connection and a fresh schema, then drops the schema, also when the
/// body panics (the panic is re-raised afterwards).
pub(crate) async fn in_schema<F, Fut>(test: &str, body: F)
where
    F: FnOnce(PgConnection, Ident) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut admin = connect().await;
    let schema = create_schema(&mut admin, test).await;
    let outcome = tokio::spawn(body(connect().await, schema.clone())).await;
    drop_schema(&mut admin, &schema).await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => resume_unwind(panic),
            Err(err) => panic!("test task failed: {err}"),
        }
    }
}

/// Runs `body` with `n` fresh schemas, dropped afterwards even when it panics.
pub(crate) async fn in_schemas<F, Fut>(test: &str, n: usize, body: F)
where
    F: FnOnce(PgConnection, Vec<Ident>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut admin = connect().await;
    let mut schemas = Vec::new();
    for i in 0..n {
        schemas.push(create_schema(&mut admin, &format!("{test}{i}")).await);
    }
    let outcome = tokio::spawn(body(connect().await, schemas.clone())).await;
    for schema in &schemas {
        drop_schema(&mut admin, schema).await;
    }
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => resume_unwind(panic),
            Err(err) => panic!("test task failed: {err}"),
        }
    }
}

// ---------------------------------------------------------------- known distributions

/// Inserts `counts[i]` rows holding `values[i]` (turned into the column's value by `value_sql`,
/// an expression over `u.v`), then `nulls` rows holding NULL, into `column` of `table`. All data
/// travels in bind arrays.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_counts<T>(
    conn: impl Executor<'_, Database = Postgres>,
    table: &str,
    column: &Ident,
    array_type: &str,
    value_sql: &str,
    values: Vec<T>,
    counts: &[u64],
    nulls: u64,
) where
    T: PgHasArrayType + for<'q> Encode<'q, Postgres> + Type<Postgres> + Send + 'static,
{
    assert_eq!(values.len(), counts.len());
    let counts: Vec<i64> = counts.iter().map(|&c| i64::try_from(c).unwrap()).collect();
    let sql = format!(
        "INSERT INTO {table} ({column})
         SELECT {value_sql}
         FROM unnest($1::{array_type}, $2::bigint[]) AS u(v, c), generate_series(1, u.c)
         UNION ALL
         SELECT NULL FROM generate_series(1, $3::bigint)"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(values)
        .bind(counts)
        .bind(i64::try_from(nulls).unwrap())
        .execute(conn)
        .await
        .expect("insert test rows");
}

/// Value ids that are not in count order, so nothing depends on insertion order.
pub(crate) fn scrambled_ids(n: usize) -> Vec<i64> {
    (0..n as i64).map(|i| (i * 7919 + 13) % 1_000_003).collect()
}

/// `count(rank) = round(top * rank^-alpha)`: a Zipf law with `skew = 1 / (1 - alpha)`.
pub(crate) fn power_law(values: usize, top: f64, alpha: f64) -> Vec<u64> {
    (1..=values)
        .map(|rank| (top * (rank as f64).powf(-alpha)).round() as u64)
        .collect()
}

/// `values` split into equal partitions; partition `p` holds `weights[p]` of `rows` uses.
pub(crate) fn weights_law(values: usize, rows: u64, weights: &[f64]) -> Vec<u64> {
    let per_part = values / weights.len();
    (0..values)
        .map(|i| (rows as f64 * weights[i / per_part] / per_part as f64).round() as u64)
        .collect()
}

pub(crate) fn close(what: &str, sql: f64, rust: f64) -> Result<(), String> {
    if sql == rust || (sql - rust).abs() <= 1e-9 * sql.abs().max(rust.abs()) {
        Ok(())
    } else {
        Err(format!("{what}: SQL gives {sql:e}, Rust gives {rust:e}"))
    }
}

/// Integers exactly, floats within 1e-9 relative.
pub(crate) fn compare(sql: &Profile, rust: &Profile) -> Result<(), String> {
    let ints = |p: &Profile| (p.rows, p.nulls, p.distinct);
    if ints(sql) != ints(rust) {
        return Err(format!(
            "(rows, nulls, distinct): SQL gives {:?}, Rust gives {:?}",
            ints(sql),
            ints(rust)
        ));
    }
    close("mean_uses", sql.mean_uses, rust.mean_uses)?;
    close("null_share", sql.null_share, rust.null_share)?;
    for (tile, (&s, &r)) in sql
        .quartile_shares
        .iter()
        .zip(&rust.quartile_shares)
        .enumerate()
    {
        close(&format!("quartile_shares[{tile}]"), s, r)?;
    }
    match (sql.skew, rust.skew) {
        (None, None) => Ok(()),
        (Some(s), Some(r)) => {
            if s.points != r.points {
                return Err(format!("points: SQL {} vs Rust {}", s.points, r.points));
            }
            close("slope", s.slope, r.slope)?;
            close("alpha", s.alpha, r.alpha)?;
            close("skew", s.skew, r.skew)?;
            close("r2", s.r2, r.r2)
        }
        (s, r) => Err(format!("skew fit: SQL gives {s:?}, Rust gives {r:?}")),
    }
}

pub(crate) fn assert_matches_rust(sql: &Profile, counts: &[u64], nulls: u64) {
    let rust = Profile::from_counts(counts, nulls);
    if let Err(diff) = compare(sql, &rust) {
        panic!("{diff}\nSQL:  {sql:?}\nRust: {rust:?}");
    }
}

// ---------------------------------------------------------------- the profiled bookstore

/// tenants ← authors (tenant_id) ← books ((tenant_id, author_id) and (tenant_id)).
pub(crate) async fn bookstore_schema(conn: &mut PgConnection, schema: &Ident) {
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {schema}.tenants (id int PRIMARY KEY, region text);
             CREATE TABLE {schema}.authors (
                 tenant_id int REFERENCES {schema}.tenants,
                 id bigint,
                 email text UNIQUE,
                 PRIMARY KEY (tenant_id, id));
             CREATE TABLE {schema}.books (
                 id bigserial PRIMARY KEY,
                 tenant_id int NOT NULL REFERENCES {schema}.tenants,
                 author_id bigint,
                 status text,
                 title text,
                 FOREIGN KEY (tenant_id, author_id) REFERENCES {schema}.authors (tenant_id, id))"
        ),
    )
    .await;
}

/// 3 tenants, 600 authors (200 per tenant), 20 000 books: authors by a power law, 2% without
/// an author, statuses 60/30/10%, unique titles.
pub(crate) async fn fill_bookstore(conn: &mut PgConnection, schema: &Ident) {
    execute(
        &mut *conn,
        format!(
            "INSERT INTO {schema}.tenants SELECT g, CASE WHEN g = 1 THEN 'eu' ELSE 'us' END
             FROM generate_series(1, 3) g;
             INSERT INTO {schema}.authors SELECT 1 + g % 3, g, 'a' || g || '@x'
             FROM generate_series(0, 599) g;
             INSERT INTO {schema}.books (tenant_id, author_id, status, title)
             SELECT 1 + a % 3, CASE WHEN g % 50 = 0 THEN NULL ELSE a END,
                    CASE WHEN g % 10 < 6 THEN 'active' WHEN g % 10 < 9 THEN 'draft'
                         ELSE 'retired' END,
                    'title ' || g
             FROM (SELECT g, floor(600 * power((g * 7919 % 20000) / 20000.0, 2))::bigint AS a
                   FROM generate_series(1, 20000) g) AS s"
        ),
    )
    .await;
}
