//! Integration tests against a live PostgreSQL.
//!
//! The server is `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Without a
//! reachable server these tests fail; they never skip. `scripts/test` starts a local cluster when
//! it can.
//!
//! Every test works in its own schema (`t_<test>_<pid>_<random>`), dropped at the end even when
//! the test fails, so tests run in parallel and leave nothing behind.

use std::future::Future;
use std::panic::resume_unwind;

use faker_pg::ident::qualified;
use faker_pg::{Ident, Profile, ProfileError, profile_column};
use proptest::collection::vec;
use proptest::prelude::{Strategy, prop_oneof};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::postgres::{PgHasArrayType, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Encode, Executor, PgConnection, PgPool, Postgres, Type};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if scheme + 3 < at => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn no_server(err: sqlx::Error) -> ! {
    panic!(
        "cannot connect to PostgreSQL at {} ({err}).\n\
         faker-pg's tests need a PostgreSQL 15+ server: start one (scripts/test starts the local \
         cluster) or point DATABASE_URL at one.",
        redacted(&database_url())
    )
}

async fn connect() -> PgConnection {
    PgConnection::connect(&database_url())
        .await
        .unwrap_or_else(|err| no_server(err))
}

async fn pool() -> PgPool {
    // A pool retries a refused connection until its acquire timeout; a plain connection fails at
    // once, with the server's own message.
    connect().await.close().await.ok();
    PgPoolOptions::new()
        .max_connections(2)
        .connect(&database_url())
        .await
        .unwrap_or_else(|err| no_server(err))
}

fn ident(name: &str) -> Ident {
    Ident::new(name).unwrap()
}

async fn execute(conn: impl Executor<'_, Database = Postgres>, sql: String) {
    conn.execute(AssertSqlSafe(sql.as_str()))
        .await
        .unwrap_or_else(|err| panic!("{sql}\nfailed: {err}"));
}

async fn create_schema(conn: &mut PgConnection, test: &str) -> Ident {
    let schema = ident(&format!(
        "t_{test}_{}_{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    execute(&mut *conn, format!("CREATE SCHEMA {schema}")).await;
    schema
}

async fn drop_schema(conn: &mut PgConnection, schema: &Ident) {
    execute(&mut *conn, format!("DROP SCHEMA {schema} CASCADE")).await;
}

/// Runs `body` with its own connection and a fresh schema, then drops the schema, also when the
/// body panics (the panic is re-raised afterwards).
async fn in_schema<F, Fut>(test: &str, body: F)
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

/// Inserts `counts[i]` rows holding `values[i]` (turned into the column's value by `value_sql`,
/// an expression over `u.v`), then `nulls` rows holding NULL, into `column` of `table`. All data
/// travels in bind arrays.
#[allow(clippy::too_many_arguments)]
async fn insert_counts<T>(
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
fn scrambled_ids(n: usize) -> Vec<i64> {
    (0..n as i64).map(|i| (i * 7919 + 13) % 1_000_003).collect()
}

/// `count(rank) = round(top * rank^-alpha)`: a Zipf law with `skew = 1 / (1 - alpha)`.
fn power_law(values: usize, top: f64, alpha: f64) -> Vec<u64> {
    (1..=values)
        .map(|rank| (top * (rank as f64).powf(-alpha)).round() as u64)
        .collect()
}

/// `values` split into equal partitions; partition `p` holds `weights[p]` of `rows` uses.
fn weights_law(values: usize, rows: u64, weights: &[f64]) -> Vec<u64> {
    let per_part = values / weights.len();
    (0..values)
        .map(|i| (rows as f64 * weights[i / per_part] / per_part as f64).round() as u64)
        .collect()
}

fn close(what: &str, sql: f64, rust: f64) -> Result<(), String> {
    if sql == rust || (sql - rust).abs() <= 1e-9 * sql.abs().max(rust.abs()) {
        Ok(())
    } else {
        Err(format!("{what}: SQL gives {sql:e}, Rust gives {rust:e}"))
    }
}

/// Integers exactly, floats within 1e-9 relative.
fn compare(sql: &Profile, rust: &Profile) -> Result<(), String> {
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

fn assert_matches_rust(sql: &Profile, counts: &[u64], nulls: u64) {
    let rust = Profile::from_counts(counts, nulls);
    if let Err(diff) = compare(sql, &rust) {
        panic!("{diff}\nSQL:  {sql:?}\nRust: {rust:?}");
    }
}

#[tokio::test]
async fn power_law_bigint_column_matches_rust() {
    in_schema("power", |mut conn, schema| async move {
        let (table, column) = (ident("books"), ident("author_id"));
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, {column} bigint)"),
        )
        .await;
        let mut counts = power_law(300, 400.0, 0.6);
        // values never used do not show up in a GROUP BY, and are ignored by from_counts
        counts.extend([0, 0, 0]);
        let nulls = 137;
        let ids = scrambled_ids(counts.len());
        insert_counts(
            &mut conn, &target, &column, "bigint[]", "u.v", ids, &counts, nulls,
        )
        .await;

        let sql = profile_column(&mut conn, Some(&schema), &table, &column)
            .await
            .unwrap();
        assert!(sql.rows > 5_000, "{sql:?}");
        assert_eq!((sql.distinct, sql.nulls), (300, 137));
        assert_matches_rust(&sql, &counts, nulls);
        // and the numbers mean what they should: alpha 0.6 is skew 2.5
        let fit = sql.skew.unwrap();
        assert_eq!(fit.points, 270);
        assert!((fit.skew - 2.5).abs() < 0.05 && fit.r2 > 0.999, "{fit:?}");
    })
    .await;
}

#[tokio::test]
async fn weights_law_bigint_column_matches_rust() {
    in_schema("weights", |mut conn, schema| async move {
        let (table, column) = (ident("employees"), ident("company_id"));
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!("CREATE TABLE {target} (id serial PRIMARY KEY, {column} bigint)"),
        )
        .await;
        let weights = [0.7, 0.2, 0.07, 0.03];
        let counts = weights_law(200, 6_000, &weights);
        let nulls = 600;
        let ids = scrambled_ids(counts.len());
        insert_counts(
            &mut conn, &target, &column, "bigint[]", "u.v", ids, &counts, nulls,
        )
        .await;

        let sql = profile_column(&mut conn, Some(&schema), &table, &column)
            .await
            .unwrap();
        assert_matches_rust(&sql, &counts, nulls);
        for (share, weight) in sql.quartile_shares.iter().zip(weights) {
            assert!((share - weight).abs() < 0.005, "{sql:?}");
        }
        assert!((sql.mean_uses - 30.0).abs() < 0.1, "{sql:?}");
        assert!((sql.null_share - 600.0 / 6_600.0).abs() < 0.001, "{sql:?}");
    })
    .await;
}

#[tokio::test]
async fn text_column_with_odd_names_matches_rust() {
    in_schema("text", |mut conn, schema| async move {
        // names that only work quoted: mixed case, a space, an embedded quote, a keyword
        let (table, column) = (ident(r#"Company "Staff""#), ident("select"));
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, {column} text)"),
        )
        .await;
        let mut counts = power_law(150, 120.0, 0.4);
        counts.extend(weights_law(40, 2_000, &[0.5, 0.3, 0.15, 0.05]));
        let values: Vec<String> = (0..counts.len())
            .map(|i| match i % 3 {
                0 => format!("company {i}"),
                1 => format!("Компания «{i}»"),
                _ => format!("o'reilly \"{i}\"; --"),
            })
            .collect();
        let nulls = 42;
        insert_counts(
            &mut conn, &target, &column, "text[]", "u.v", values, &counts, nulls,
        )
        .await;

        let sql = profile_column(&mut conn, Some(&schema), &table, &column)
            .await
            .unwrap();
        assert_eq!(sql.distinct, 190);
        assert_matches_rust(&sql, &counts, nulls);
    })
    .await;
}

#[tokio::test]
async fn uuid_column_matches_rust() {
    in_schema("uuid", |mut conn, schema| async move {
        let (table, column) = (ident("orders"), ident("customer_id"));
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, {column} uuid)"),
        )
        .await;
        let counts = power_law(120, 80.0, 0.8);
        let ids = scrambled_ids(counts.len());
        let uuid_of = "md5(u.v::text)::uuid";
        insert_counts(
            &mut conn, &target, &column, "bigint[]", uuid_of, ids, &counts, 0,
        )
        .await;

        let sql = profile_column(&mut conn, Some(&schema), &table, &column)
            .await
            .unwrap();
        assert_eq!((sql.distinct, sql.nulls, sql.null_share), (120, 0, 0.0));
        assert_matches_rust(&sql, &counts, 0);
    })
    .await;
}

#[tokio::test]
async fn uniform_counts_give_skew_one_and_r2_one() {
    in_schema("uniform", |mut conn, schema| async move {
        let (table, column) = (ident("tickets"), ident("event_id"));
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, {column} integer)"),
        )
        .await;
        let counts = vec![25; 120];
        let ids: Vec<i32> = (1..=120).collect();
        insert_counts(
            &mut conn,
            &target,
            &column,
            "integer[]",
            "u.v",
            ids,
            &counts,
            10,
        )
        .await;
        drop(conn);

        // through a pool connection this time
        let pool = pool().await;
        let mut pooled = pool.acquire().await.unwrap();
        let sql = profile_column(&mut pooled, Some(&schema), &table, &column)
            .await
            .unwrap();
        drop(pooled);
        assert_matches_rust(&sql, &counts, 10);
        let fit = sql.skew.unwrap();
        assert_eq!(
            (fit.slope, fit.skew, fit.r2, fit.points),
            (0.0, 1.0, 1.0, 108)
        );
        assert_eq!(sql.quartile_shares, [0.25; 4]);
        assert_eq!(sql.mean_uses, 25.0);
        pool.close().await;
    })
    .await;
}

#[tokio::test]
async fn empty_and_all_null_columns_give_zero_profiles() {
    in_schema("empty", |mut conn, schema| async move {
        let (table, column) = (ident("t"), ident("ref_id"));
        execute(
            &mut conn,
            format!("CREATE TABLE {schema}.{table} ({column} bigint)"),
        )
        .await;
        // no schema given: the name resolves through the search_path, as in psql
        execute(&mut conn, format!("SET search_path TO {schema}")).await;

        // in a transaction this time
        let mut tx = conn.begin().await.unwrap();
        let empty = profile_column(&mut tx, None, &table, &column)
            .await
            .unwrap();
        assert_eq!(empty, Profile::from_counts(&[], 0));
        assert_eq!(
            (empty.rows, empty.mean_uses, empty.null_share, empty.skew),
            (0, 0.0, 0.0, None)
        );
        assert_eq!(empty.quartile_shares, [0.0; 4]);

        insert_counts(
            &mut *tx,
            "t",
            &column,
            "bigint[]",
            "u.v",
            Vec::<i64>::new(),
            &[],
            5,
        )
        .await;
        let nulls = profile_column(&mut tx, None, &table, &column)
            .await
            .unwrap();
        assert_eq!(nulls, Profile::from_counts(&[], 5));
        assert_eq!((nulls.rows, nulls.nulls, nulls.null_share), (5, 5, 1.0));
        tx.rollback().await.unwrap();

        // one and two values: too few ranks for a fit, as in Rust
        for counts in [vec![3], vec![3, 2]] {
            execute(&mut conn, format!("TRUNCATE {table}")).await;
            let ids = scrambled_ids(counts.len());
            insert_counts(&mut conn, "t", &column, "bigint[]", "u.v", ids, &counts, 1).await;
            let sql = profile_column(&mut conn, None, &table, &column)
                .await
                .unwrap();
            assert_eq!(sql.skew, None);
            assert_matches_rust(&sql, &counts, 1);
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_table_or_column_is_a_typed_error() {
    in_schema("unknown", |mut conn, schema| async move {
        let (table, column) = (ident("books"), ident("author_id"));
        execute(
            &mut conn,
            format!("CREATE TABLE {schema}.{table} ({column} bigint)"),
        )
        .await;

        let err = profile_column(&mut conn, Some(&schema), &ident("nope"), &column)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ProfileError::TableNotFound { table, .. } if table.as_str() == "nope"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("table {schema}.\"nope\" not found")
        );

        let no_schema = ident(&format!("{}_missing", schema.as_str()));
        let err = profile_column(&mut conn, Some(&no_schema), &table, &column)
            .await
            .unwrap_err();
        assert!(matches!(err, ProfileError::TableNotFound { .. }), "{err:?}");

        // not on the search_path without its schema
        let err = profile_column(&mut conn, None, &table, &column)
            .await
            .unwrap_err();
        assert!(matches!(err, ProfileError::TableNotFound { .. }), "{err:?}");

        // case matters once quoted, and an injection attempt is just an odd name
        for name in ["Books", r#"books" WHERE false; --"#, "books; DROP TABLE books"] {
            let err = profile_column(&mut conn, Some(&schema), &ident(name), &column)
                .await
                .unwrap_err();
            assert!(matches!(err, ProfileError::TableNotFound { .. }), "{name}: {err:?}");
        }

        let err = profile_column(&mut conn, Some(&schema), &table, &ident("title"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ProfileError::ColumnNotFound { column, .. } if column.as_str() == "title"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("column \"title\" not found in table {schema}.\"books\"")
        );
        // system columns are not profiled
        let err = profile_column(&mut conn, Some(&schema), &table, &ident("ctid"))
            .await
            .unwrap_err();
        assert!(matches!(err, ProfileError::ColumnNotFound { .. }), "{err:?}");

        // the table is still there and still profiles
        let ok = profile_column(&mut conn, Some(&schema), &table, &column).await;
        assert_eq!(ok.unwrap(), Profile::from_counts(&[], 0));
    })
    .await;
}

/// Per-value counts: mostly arbitrary, but often with ties and flat heads, where the fit's exact
/// cases (equal counts, too few ranks) live.
fn counts_strategy() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        vec(0u64..60, 0..120),
        vec(1u64..4, 0..40),
        // a plateau of equal counts, then a lower tail
        (1u64..50, 0usize..60, vec(0u64..50, 0..8)).prop_map(|(top, n, tail)| {
            let mut counts = vec![top + 50; n];
            counts.extend(tail);
            counts
        }),
    ]
}

/// Random per-value counts: the server's profile equals the Rust one.
#[test]
fn random_counts_profile_like_rust() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut admin = rt.block_on(connect());
    let pool = rt.block_on(pool());
    let schema = rt.block_on(create_schema(&mut admin, "prop"));
    let column = ident("ref_id");
    let target = qualified(Some(&schema), &ident("t"));
    rt.block_on(execute(
        &pool,
        format!("CREATE TABLE {target} ({column} bigint)"),
    ));

    let mut runner = TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(counts_strategy(), 0u64..30), |(counts, nulls)| {
        let sql = rt.block_on(async {
            execute(&pool, format!("TRUNCATE {target}")).await;
            let ids = scrambled_ids(counts.len());
            insert_counts(
                &pool, &target, &column, "bigint[]", "u.v", ids, &counts, nulls,
            )
            .await;
            let mut conn = pool.acquire().await.expect("pool connection");
            profile_column(&mut conn, Some(&schema), &ident("t"), &column).await
        });
        let sql = sql.map_err(|err| TestCaseError::fail(err.to_string()))?;
        compare(&sql, &Profile::from_counts(&counts, nulls)).map_err(TestCaseError::fail)
    });

    rt.block_on(async {
        pool.close().await;
        drop_schema(&mut admin, &schema).await;
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}
