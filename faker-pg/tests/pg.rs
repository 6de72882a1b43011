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

#[path = "../../examples/bookstore/domain.rs"]
#[allow(dead_code)]
mod domain;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

fn no_server(err: sqlx::Error) -> ! {
    panic!(
        "cannot connect to PostgreSQL at {} ({err}).\n\
         faker-pg's tests need a PostgreSQL 15+ server: start one (scripts/test starts the local \
         cluster) or point DATABASE_URL at one.",
        faker_pg::redacted_url(&database_url())
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

async fn in_schemas<F, Fut>(test: &str, n: usize, body: F)
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

/// `faker_pg::sql`: query DSL → SQL over JSONB, checked against the in-memory evaluator.
mod spec_sql {
    use std::cell::Cell;
    use std::collections::{BTreeMap, BTreeSet};
    use std::time::Instant;

    use faker_core::spec::{Query, Resolved, Resolver};
    use faker_pg::sql::{
        Compiled, Compiler, MAX_PARAM, Param, Relation, RelationResolver, SqlError, compile,
    };
    use proptest::prelude::{Just, any};
    use proptest::sample::select;
    use serde_json::{Value, json};

    use super::*;

    fn q(value: Value) -> Query {
        Query::parse(&value).unwrap_or_else(|err| panic!("{value}: {err}"))
    }

    /// `CREATE TABLE <schema>.<name> (id int, value jsonb NOT NULL)`; returns the qualified name.
    async fn docs_table(conn: &mut PgConnection, schema: &Ident, name: &str) -> String {
        let table = qualified(Some(schema), &ident(name));
        execute(
            &mut *conn,
            format!("CREATE TABLE {table} (id int PRIMARY KEY, value jsonb NOT NULL)"),
        )
        .await;
        table
    }

    /// Inserts `docs[i]` with id `i`, in one statement with bind arrays.
    async fn insert_docs(
        conn: impl Executor<'_, Database = Postgres>,
        table: &str,
        docs: &[Value],
    ) {
        let ids: Vec<i32> = (0..docs.len()).map(|i| i32::try_from(i).unwrap()).collect();
        let sql =
            format!("INSERT INTO {table} (id, value) SELECT * FROM unnest($1::int[], $2::jsonb[])");
        sqlx::query(AssertSqlSafe(sql))
            .bind(ids)
            .bind(docs.to_vec())
            .execute(conn)
            .await
            .expect("insert documents");
    }

    /// Ids of the rows of `table` whose `value` satisfies `compiled`.
    async fn select_ids(
        conn: impl Executor<'_, Database = Postgres>,
        table: &str,
        compiled: Compiled,
    ) -> Result<BTreeSet<i32>, String> {
        let sql = format!("SELECT id FROM {table} WHERE {}", compiled.sql);
        let shown = format!("{sql}\nparams: {:?}", compiled.params);
        compiled
            .bind_scalar(sqlx::query_scalar::<_, i32>(AssertSqlSafe(sql)))
            .fetch_all(conn)
            .await
            .map(|ids| ids.into_iter().collect())
            .map_err(|err| format!("{shown}\nfailed: {err}"))
    }

    /// Ids of `docs` that `matches` accepts.
    fn expected(docs: &[Value], matches: impl Fn(&Value) -> bool) -> BTreeSet<i32> {
        docs.iter()
            .enumerate()
            .filter(|(_, doc)| matches(doc))
            .map(|(i, _)| i32::try_from(i).unwrap())
            .collect()
    }

    /// The server selects exactly the documents the evaluator matches; returns that set.
    async fn agree(
        conn: &mut PgConnection,
        table: &str,
        docs: &[Value],
        query: &Query,
    ) -> BTreeSet<i32> {
        let compiled = compile(query).unwrap();
        let shown = compiled.sql.clone();
        let got = select_ids(&mut *conn, table, compiled)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        let want = expected(docs, |doc| query.matches(doc));
        assert_eq!(
            got, want,
            "query {query:?}\nsql {shown}\nserver matched {got:?}, evaluator {want:?}"
        );
        want
    }

    /// Documents exercising the edge cases: missing keys, nulls, int vs float, strings vs
    /// numbers, arrays in and out of order, nested objects, non-object roots.
    fn edge_docs() -> Vec<Value> {
        vec![
            json!({}),                            // 0
            json!({"a": null}),                   // 1
            json!({"a": 1}),                      // 2
            json!({"a": 1.0}),                    // 3
            json!({"a": 1.5}),                    // 4
            json!({"a": "1"}),                    // 5
            json!({"a": true}),                   // 6
            json!({"a": [1, 2]}),                 // 7
            json!({"a": [2, 1]}),                 // 8
            json!({"a": [1.0, 2.0]}),             // 9
            json!({"a": []}),                     // 10
            json!({"a": {"b": 1}}),               // 11
            json!({"a": {"b": 1, "c": null}}),    // 12
            json!({"a": {"b": [1]}}),             // 13
            json!({"a": [{"b": 1}]}),             // 14
            json!({"a": [{"b": 1, "c": 2}]}),     // 15
            json!({"a": "B"}),                    // 16
            json!({"a": "a"}),                    // 17
            json!({"a": "é"}),                    // 18
            json!({"a": "2024-01-15T12:00:00Z"}), // 19
            json!(null),                          // 20
            json!(5),                             // 21
            json!("x"),                           // 22
            json!([1, 2, 3]),                     // 23
            json!({"a": 9007199254740993_i64}),   // 24
            json!({"a": -0.0}),                   // 25
            json!({"a": {"a": {"a": 1}}}),        // 26
            json!({"a": [[1], [2, 3]]}),          // 27
            json!({"a": false}),                  // 28
            json!({"a": 0}),                      // 29
            json!({"b": 1}),                      // 30
            json!({"a": [null]}),                 // 31
            json!({"a": [1, "1", null, true]}),   // 32
            json!({"a": "10"}),                   // 33
            json!({"a": 10}),                     // 34
            json!({"a": 2}),                      // 35
            json!({"a": {}}),                     // 36
            json!({"a": [1, 2, 2]}),              // 37
            json!({"a": {"b": 1.0, "d": [1]}}),   // 38
            json!({"a": "2024-02-01T00:00:00Z"}), // 39
            json!([]),                            // 40
            json!({"a": [[]]}),                   // 41
        ]
    }

    fn ids(ids: &[i32]) -> BTreeSet<i32> {
        ids.iter().copied().collect()
    }

    #[tokio::test]
    async fn each_operator_agrees_with_the_evaluator_on_edge_cases() {
        in_schema("sqlops", |mut conn, schema| async move {
            let docs = edge_docs();
            let table = docs_table(&mut conn, &schema, "t").await;
            insert_docs(&mut conn, &table, &docs).await;

            // Exact sets for the cases the naive SQL gets wrong.
            let cases: Vec<(Value, Vec<i32>)> = vec![
                // numeric equality across int/float, never with "1" or true
                (json!({"a": 1}), vec![2, 3]),
                (json!({"a": 0}), vec![25, 29]),
                // missing field and JSON null are both null
                (json!({"a": null}), vec![0, 1, 30]),
                (json!({"a": {"$is_null": true}}), vec![0, 1, 30]),
                // arrays equal in order, numerically; containment would also take [2, 1] and [1, 2, 2]
                (json!({"a": [1, 2]}), vec![7, 9]),
                (json!({"a": []}), vec![10]),
                // partial match on objects, but exact inside arrays
                (json!({"a": {"b": 1}}), vec![11, 12, 38]),
                (json!({"a": [{"b": 1}]}), vec![14]),
                (json!({"a": {"b": null}}), vec![26, 36]),
                (json!({"a": {"$eq": {}}}), vec![11, 12, 13, 26, 36, 38]),
                // ordering: numbers numerically, strings by code point, nothing across kinds
                (json!({"a": {"$gt": 1}}), vec![4, 24, 34, 35]),
                (json!({"a": {"$gte": 1, "$lt": 2}}), vec![2, 3, 4]),
                (json!({"a": {"$gt": "B"}}), vec![17, 18]),
                (json!({"a": {"$gt": "1"}}), vec![16, 17, 18, 19, 33, 39]),
                (
                    json!({"a": {"$gte": "2024-01-01T00:00:00Z", "$lt": "2024-02-01T00:00:00Z"}}),
                    vec![19],
                ),
                (json!({"a": {"$gt": null}}), vec![]),
                // $ne on a missing field matches
                (json!({"a": {"$ne": 1}, "b": 1}), vec![30]),
                // arrays
                (json!({"a": {"$any": {"$eq": 1}}}), vec![7, 8, 9, 32, 37]),
                (json!({"a": {"$all": {"$is_null": true}}}), vec![10, 31]),
                (json!({"a": {"$len": 0}}), vec![10]),
                (json!({"$any": {"$gt": 2}}), vec![23]),
                (json!({"$all": {"$gt": 2}}), vec![40]),
            ];
            for (query, want) in cases {
                let query = q(query);
                assert_eq!(
                    agree(&mut conn, &table, &docs, &query).await,
                    ids(&want),
                    "{query}"
                );
            }

            // Everything else: agreement with the evaluator.
            let dsl = [
                json!({"a": 1.0}),
                json!({"a": 1.5}),
                json!({"a": "1"}),
                json!({"a": true}),
                json!({"a": false}),
                json!({"a": [1.0, 2]}),
                json!({"a": [[1], [2, 3]]}),
                json!({"a": [null]}),
                json!({"a": {"b": [1]}}),
                json!({"a": {"b": 1, "c": null}}),
                json!({"a": 9007199254740993_i64}),
                json!({"a": 9007199254740992_i64}),
                json!({"a": 9007199254740992.0}),
                json!(5),
                json!(null),
                json!("x"),
                json!([1, 2, 3]),
                json!({"$eq": {}}),
                json!({"$eq": []}),
                json!({"a": {"$ne": 1}}),
                json!({"a": {"$ne": null}}),
                json!({"$ne": {"a": 1}}),
                json!({"a": {"$ne": [1, 2]}}),
                json!({"a": {"$gte": 1}}),
                json!({"a": {"$lt": 1.5}}),
                json!({"a": {"$lte": 1.5}}),
                json!({"a": {"$lte": "a"}}),
                json!({"a": {"$lt": "é"}}),
                json!({"a": {"$gt": ""}}),
                json!({"a": {"$lt": true}}),
                json!({"a": {"$gt": [1]}}),
                json!({"a": {"$gt": -1e300}}),
                json!({"a": {"$lt": 9007199254740994_i64}}),
                json!({"a": {"$gt": 9007199254740992_i64}}),
                json!({"$gt": 4}),
                json!({"$lte": "x"}),
                json!({"a": {"$in": [1, "1", null]}}),
                json!({"a": {"$in": [[1, 2], {"b": 1}]}}),
                json!({"a": {"$in": [{}]}}),
                json!({"a": {"$nin": [1, null]}}),
                json!({"a": {"$nin": [{"b": 1}, 0]}}),
                json!({"$in": [5, "x", null]}),
                json!({"a": {"$is_null": false}}),
                json!({"$is_null": true}),
                json!({"$is_null": false}),
                json!({"a.b": {"$is_null": true}}),
                json!({"a.b": {"$is_null": false}}),
                json!({"a": {"$not": {"$gt": 1}}}),
                json!({"$not": {"a": 1}}),
                json!({"a": {"$not": {"$any": {"$eq": 1}}}}),
                json!({"a": {"$gt": 0, "$lt": 2}}),
                json!({"$or": [{"a": 1}, {"b": 1}]}),
                json!({"$or": [{"a": {"$is_null": true}}, {"a": {"$len": 2}}]}),
                json!({"$and": [{"a": {"$ne": null}}, {"a": {"$ne": 1}}]}),
                json!({"a": {"$any": {"b": 1}}}),
                json!({"a": {"$any": {"$is_null": true}}}),
                json!({"a": {"$any": {"$eq": []}}}),
                json!({"a": {"$all": {"$gt": 0}}}),
                json!({"a": {"$all": {"$eq": 1}}}),
                json!({"a": {"$all": {"b": {"$gte": 1}}}}),
                json!({"a": {"$len": {"$gte": 2}}}),
                json!({"a": {"$len": {"$in": [0, 2]}}}),
                json!({"a": {"$len": {"$is_null": false}}}),
                json!({"a": {"$len": {"$len": 0}}}),
                json!({"a": {"$any": {"$any": {"$eq": 3}}}}),
                json!({"a": {"$any": {"$len": 2}}}),
                json!({"a": {"$any": {"$all": {"$gt": 0}}}}),
                json!({"$len": 3}),
                json!({"$len": {"$lt": 1}}),
                json!({"a.b": 1}),
                json!({"a.a.a": 1}),
                json!({"a.a.a": {"$gte": 1.0}}),
                json!({"a": {"b": {"$gt": 0}, "d": [1]}}),
                json!({"a.b": {"$gt": 0}}),
                json!({"a": {"b": 1}, "b": {"$is_null": true}}),
                json!({"a": {"a": {"a": 1}, "b": {"$is_null": true}}}),
                json!({"a": {"$rel": {"b": 1}}}),
                json!({"$rel": {"$gt": 4}}),
                json!({"b": 1, "a": {"$is_null": true}}),
            ];
            for query in dsl {
                agree(&mut conn, &table, &docs, &q(query)).await;
            }

            // Hand-built ASTs outside the normal form.
            let raw = [
                Query::Eq(json!({"a": {"b": 1}})),
                Query::Eq(json!({"a": {"b": null}})),
                Query::Eq(json!({"a": {"b": [1]}, "b": null})),
                Query::Eq(json!({})),
                Query::Ne(json!({"a": [1, 2]})),
                Query::Ne(json!({"a": {}})),
                Query::And(vec![]),
                Query::Or(vec![]),
                Query::Fields(BTreeMap::new()),
                Query::Fields([("a".to_owned(), Query::Fields(BTreeMap::new()))].into()),
                Query::Fields([("a".to_owned(), Query::Eq(json!({})))].into()),
                Query::In(vec![json!({"a": 1}), json!(5), json!({"a": [1, 2]})]),
                Query::Nin(vec![json!({"a": 1})]),
                Query::Not(Box::new(Query::Eq(json!(null)))),
                Query::Not(Box::new(Query::Not(Box::new(Query::IsNull(true))))),
                Query::Fields(
                    [(
                        "a".to_owned(),
                        Query::And(vec![Query::Eq(json!(1)), Query::Eq(json!(1.0))]),
                    )]
                    .into(),
                ),
                Query::Fields([("a".to_owned(), Query::In(vec![json!(2), json!(1)]))].into()),
            ];
            for query in raw {
                agree(&mut conn, &table, &docs, &query).await;
            }
        })
        .await;
    }

    #[test]
    fn compiled_text_holds_placeholders_only() {
        let compiled = compile(&q(json!({"status": "active", "age": {"$gt": 18}}))).unwrap();
        assert_eq!(
            compiled.sql,
            "(\"value\" @> $1::jsonb AND (jsonb_typeof(COALESCE(\"value\" -> $2::text, 'null'::jsonb)) = 'number' \
             AND COALESCE(\"value\" -> $2::text, 'null'::jsonb) > $3::jsonb))"
        );
        assert_eq!(
            compiled.params,
            [
                Param::Jsonb(json!({"status": "active"})),
                Param::Text("age".into()),
                Param::Jsonb(json!(18)),
            ]
        );
        // A key read only by a branch that is constant false is not bound.
        let compiled = compile(&q(json!({"a": {"$gt": null}}))).unwrap();
        assert_eq!(
            compiled.sql,
            "(jsonb_typeof(\"value\") = 'object' AND FALSE)"
        );
        assert_eq!(compiled.params, []);
        // A repeated value reuses its placeholder.
        let compiled = compile(&q(json!({"a": {"$in": [1, 2]}, "b": {"$nin": [2, 3]}}))).unwrap();
        assert_eq!(compiled.params.len(), 5, "{:?}", compiled.params);

        // Numbering starts where the statement's own parameters end.
        let compiled = Compiler::new()
            .first_param(4)
            .compile(&q(json!({"a": {"$gt": "x"}})))
            .unwrap();
        assert!(
            compiled.sql.contains("$4::text") && compiled.sql.contains("$5::text"),
            "{}",
            compiled.sql
        );
        assert!(compiled.sql.contains("COLLATE \"C\""), "{}", compiled.sql);
    }

    /// The text grows linearly with the query, also for operators that repeat their operand
    /// (`$len` writes it three times).
    #[test]
    fn text_stays_linear_in_nesting() {
        let mut lens = Query::Eq(json!(1));
        let mut fields = Query::Eq(json!(1));
        let mut mixed = Query::Gt(json!(1));
        for i in 0..60 {
            lens = Query::Len(Box::new(Query::Or(vec![lens, Query::IsNull(false)])));
            fields = Query::Fields([(format!("k{i}"), fields)].into());
            let len = Query::Len(Box::new(Query::Gt(json!(i))));
            mixed = match i % 3 {
                0 => Query::Any(Box::new(Query::And(vec![mixed, len]))),
                1 => Query::All(Box::new(Query::Or(vec![mixed, Query::IsNull(true)]))),
                _ => Query::Fields([("a".to_owned(), Query::And(vec![mixed, len]))].into()),
            };
        }
        for query in [lens, fields, mixed] {
            let sql = compile(&query).unwrap().sql;
            assert!(sql.len() < 100_000, "{} bytes", sql.len());
        }
    }

    #[test]
    fn compile_errors() {
        let query = q(json!({"a": 1}));
        assert_eq!(
            Compiler::new().first_param(0).compile(&query),
            Err(SqlError::FirstParamZero)
        );
        assert_eq!(
            Compiler::new().first_param(usize::MAX).compile(&query),
            Err(SqlError::TooManyParams {
                first: usize::MAX,
                last: usize::MAX
            })
        );
        assert!(
            Compiler::new()
                .first_param(usize::MAX)
                .compile(&q(json!({"$gt": null})))
                .is_ok()
        );
        assert_eq!(
            Compiler::new()
                .first_param(MAX_PARAM)
                .compile(&q(json!({"a": {"$gt": 1}}))),
            Err(SqlError::TooManyParams {
                first: MAX_PARAM,
                last: MAX_PARAM + 1
            })
        );
        assert!(
            Compiler::new()
                .first_param(MAX_PARAM)
                .compile(&query)
                .is_ok()
        );
        let many = Query::one_of((0..70_000).map(Value::from).collect());
        assert_eq!(
            compile(&many),
            Err(SqlError::TooManyParams {
                first: 1,
                last: 70_000
            })
        );
        assert!(matches!(
            compile(&q(json!({"a": "x\u{0}y"}))),
            Err(SqlError::Nul { what: "string", .. })
        ));
        assert!(matches!(
            compile(&q(json!({"a\u{0}": {"$gt": 1}}))),
            Err(SqlError::Nul { what: "key", .. })
        ));
        assert!(matches!(
            compile(&Query::Eq(json!([{"k\u{0}": 1}]))),
            Err(SqlError::Nul { what: "string", .. })
        ));
    }

    /// `@>` with one jsonb parameter on the column itself: a GIN `jsonb_path_ops` index serves
    /// the equality part of a query.
    #[tokio::test]
    async fn containment_uses_a_gin_index() {
        in_schema("sqlgin", |mut conn, schema| async move {
            let table = docs_table(&mut conn, &schema, "people").await;
            let docs: Vec<Value> = (0..2000)
                .map(|i| json!({"status": if i % 100 == 0 { "active" } else { "idle" }, "age": i % 90, "tags": [i % 7]}))
                .collect();
            insert_docs(&mut conn, &table, &docs).await;
            execute(&mut conn, format!("CREATE INDEX people_value ON {table} USING gin (value jsonb_path_ops)")).await;
            execute(&mut conn, format!("ANALYZE {table}")).await;
            execute(&mut conn, "SET enable_seqscan = off".to_owned()).await;

            let query = q(json!({"status": "active", "age": {"$gte": 18}}));
            let compiled = compile(&query).unwrap();
            let sql = format!("EXPLAIN SELECT id FROM {table} WHERE {}", compiled.sql);
            let plan: Vec<String> = compiled
                .clone()
                .bind_scalar(sqlx::query_scalar(AssertSqlSafe(sql)))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let plan = plan.join("\n");
            assert!(plan.contains("Bitmap Index Scan on people_value"), "{plan}");
            agree(&mut conn, &table, &docs, &query).await;
        })
        .await;
    }

    /// Names and values that would break naively built SQL travel as bind parameters.
    #[tokio::test]
    async fn no_injection_through_keys_values_or_names() {
        in_schema("sqlinj", |mut conn, schema| async move {
            let nasty = [
                "'; DROP TABLE canary; --",
                "a'b",
                "\"q\"",
                "$1",
                "\\",
                "?",
                "a.b",
                "') OR TRUE --",
                "{}",
                "*/ OR 1=1 /*",
            ];
            let canary = qualified(Some(&schema), &ident("canary"));
            execute(&mut conn, format!("CREATE TABLE {canary} (x int)")).await;
            let name = ident("t\"; DROP TABLE canary; --");
            let table = qualified(Some(&schema), &name);
            execute(
                &mut conn,
                format!("CREATE TABLE {table} (id int PRIMARY KEY, value jsonb NOT NULL)"),
            )
            .await;

            let mut docs = Vec::new();
            for key in nasty {
                for value in nasty {
                    docs.push(json!({key: value}));
                    docs.push(json!({key: [value], "n": {key: value}}));
                }
            }
            insert_docs(&mut conn, &table, &docs).await;

            for key in nasty {
                for value in nasty {
                    let field = |q: Query| Query::Fields([(key.to_owned(), q)].into());
                    let queries = [
                        field(Query::Eq(json!(value))),
                        field(Query::Ne(json!(value))),
                        field(Query::Gt(json!(value))),
                        field(Query::Lte(json!(value))),
                        field(Query::In(vec![json!(value), json!({value: value})])),
                        field(Query::Any(Box::new(Query::Eq(json!(value))))),
                        Query::Fields([("n".to_owned(), field(Query::Eq(json!(value))))].into()),
                        Query::Fields([("n".to_owned(), field(Query::IsNull(false)))].into()),
                        Query::Eq(json!({key: value})),
                    ];
                    for query in queries {
                        let compiled = compile(&query).unwrap();
                        for text in [key, value] {
                            if text.len() > 2 {
                                assert!(!compiled.sql.contains(text), "{text} in {}", compiled.sql);
                            }
                        }
                        agree(&mut conn, &table, &docs, &query).await;
                    }
                }
            }
            // Every (key, value) pair found itself.
            let one = Query::Fields([(nasty[0].to_owned(), Query::Eq(json!(nasty[0])))].into());
            assert_eq!(agree(&mut conn, &table, &docs, &one).await, ids(&[0]));
            let count: i64 =
                sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {canary}")))
                    .fetch_one(&mut conn)
                    .await
                    .expect("the canary table is still there");
            assert_eq!(count, 0);
        })
        .await;
    }

    /// Under a database collation that is not code point order (ICU `en`: `"a" < "B"`), string
    /// bounds still compare by code point, as in memory; the plain `jsonb` comparison would not.
    #[tokio::test]
    async fn strings_order_by_code_point_under_any_database_collation() {
        let mut admin = connect().await;
        let name = ident(&format!(
            "t_sqlicu_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        execute(
            &mut admin,
            format!(
                "CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en' TEMPLATE template0"
            ),
        )
        .await;
        let options: sqlx::postgres::PgConnectOptions = database_url().parse().unwrap();
        let options = options.database(name.as_str());
        let outcome = tokio::spawn(async move {
            let mut conn = PgConnection::connect_with(&options).await.unwrap();
            execute(
                &mut conn,
                "CREATE TABLE t (id int PRIMARY KEY, value jsonb NOT NULL)".to_owned(),
            )
            .await;
            let docs: Vec<Value> = [
                "a",
                "B",
                "b",
                "é",
                "e",
                "z",
                "Z",
                "ä",
                "10",
                "9",
                "2024-01-02T00:00:00Z",
                "",
            ]
            .into_iter()
            .map(|s| json!({"s": s}))
            .collect();
            insert_docs(&mut conn, "t", &docs).await;
            for query in [
                json!({"s": {"$gt": "B"}}),
                json!({"s": {"$lt": "a"}}),
                json!({"s": {"$gte": "Z"}}),
                json!({"s": {"$lte": "é"}}),
                json!({"s": {"$gt": "9", "$lt": "b"}}),
            ] {
                agree(&mut conn, "t", &docs, &q(query)).await;
            }
            // The collation does matter here: plain jsonb order puts "a" before "B".
            let naive: i64 =
                sqlx::query_scalar("SELECT count(*) FROM t WHERE value -> 's' < '\"B\"'::jsonb")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            let by_code_point = expected(&docs, |doc| q(json!({"s": {"$lt": "B"}})).matches(doc));
            assert_ne!(usize::try_from(naive).unwrap(), by_code_point.len());
            conn.close().await.ok();
        })
        .await;
        execute(&mut admin, format!("DROP DATABASE {name} WITH (FORCE)")).await;
        if let Err(err) = outcome {
            match err.try_into_panic() {
                Ok(panic) => resume_unwind(panic),
                Err(err) => panic!("test task failed: {err}"),
            }
        }
    }

    /// An in-memory copy of a relation table, resolving like the SQL does: the row whose id
    /// equals the reference (numerically, as `jsonb =`).
    struct Table {
        name: Ident,
        schema: Ident,
        rows: Vec<(Value, Value)>,
    }

    impl Table {
        fn find(&self, reference: &Value) -> Option<&Value> {
            self.rows
                .iter()
                .find(|(id, _)| !reference.is_object() && Query::Eq(id.clone()).matches(reference))
                .map(|(_, value)| value)
        }

        fn relation(&self) -> Relation<'_> {
            Relation::new(self.name.clone()).in_schema(self.schema.clone())
        }

        async fn create(&self, conn: &mut PgConnection) {
            let table = qualified(Some(&self.schema), &self.name);
            execute(
                &mut *conn,
                format!("CREATE TABLE {table} (value_id jsonb NOT NULL, value jsonb NOT NULL)"),
            )
            .await;
            let (ids, values): (Vec<Value>, Vec<Value>) = self.rows.iter().cloned().unzip();
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {table} (value_id, value) SELECT * FROM unnest($1::jsonb[], $2::jsonb[])"
            )))
            .bind(ids)
            .bind(values)
            .execute(&mut *conn)
            .await
            .expect("insert relation rows");
        }
    }

    /// Resolves `fields[field]` to a table, with an optional nested resolver, both in memory
    /// (for `matches_with`) and in SQL (for the compiler).
    struct Links<'a> {
        fields: Vec<(&'static str, &'a Table, Option<&'a Links<'a>>)>,
    }

    impl Resolver for Links<'_> {
        fn resolve(&self, field: &str, reference: &Value) -> Option<Resolved<'_>> {
            let (_, table, nested) = self.fields.iter().find(|(name, _, _)| *name == field)?;
            Some(Resolved {
                state: table.find(reference)?.clone(),
                resolver: nested.map(|n| n as &dyn Resolver),
            })
        }
    }

    impl RelationResolver for Links<'_> {
        fn relation(&self, field: &str) -> Option<Relation<'_>> {
            let (_, table, nested) = self.fields.iter().find(|(name, _, _)| *name == field)?;
            let relation = table.relation();
            Some(match nested {
                Some(nested) => relation.nested(*nested),
                None => relation,
            })
        }
    }

    async fn agree_with(
        conn: &mut PgConnection,
        table: &str,
        docs: &[Value],
        query: &Query,
        links: &Links<'_>,
    ) -> Result<BTreeSet<i32>, String> {
        let compiled = Compiler::new()
            .resolver(links)
            .compile(query)
            .map_err(|e| e.to_string())?;
        let shown = compiled.sql.clone();
        let got = select_ids(&mut *conn, table, compiled).await?;
        let want = expected(docs, |doc| query.matches_with(doc, links));
        if got == want {
            Ok(want)
        } else {
            Err(format!(
                "query {query}\nsql {shown}\nserver matched {got:?}, evaluator {want:?}"
            ))
        }
    }

    #[tokio::test]
    async fn rel_follows_references_into_other_tables() {
        in_schema("sqlrel", |mut conn, schema| async move {
            let countries = Table {
                name: ident("countries"),
                schema: schema.clone(),
                rows: vec![(json!("ru"), json!({"name": "Russia"})), (json!("fr"), json!({"name": "France"}))],
            };
            let companies = Table {
                name: ident("companies"),
                schema: schema.clone(),
                rows: vec![
                    (json!(1), json!({"name": "Acme", "country_id": "ru", "size": 10})),
                    (json!(2), json!({"name": "Beta", "country_id": "fr", "size": 500})),
                    (json!(3), json!({"name": "Acme", "country_id": null})),
                ],
            };
            countries.create(&mut conn).await;
            companies.create(&mut conn).await;
            let country_links = Links { fields: vec![("country_id", &countries, None)] };
            let links = Links {
                fields: vec![
                    ("company_id", &companies, Some(&country_links)),
                    ("job.company_id", &companies, Some(&country_links)),
                    ("past_company_ids", &companies, None),
                ],
            };

            let docs = vec![
                json!({"name": "Ann", "company_id": 1, "past_company_ids": [2, 3]}), // 0
                json!({"name": "Bob", "company_id": 2.0, "past_company_ids": []}),   // 1
                json!({"name": "Cid", "company_id": 3}),                             // 2
                json!({"name": "Dan", "company_id": 99}),                            // 3
                json!({"name": "Eve", "company_id": null}),                          // 4
                json!({"name": "Fay"}),                                              // 5
                json!({"name": "Gus", "job": {"company_id": 2}}),                    // 6
                json!({"name": "Hal", "company_id": "1"}),                           // 7
            ];
            let table = docs_table(&mut conn, &schema, "employees").await;
            insert_docs(&mut conn, &table, &docs).await;

            let cases = [
                (json!({"company_id": {"$rel": {"name": "Acme"}}}), vec![0, 2]),
                (json!({"company_id": {"$rel": {"size": {"$gt": 100}}}}), vec![1]),
                (json!({"company_id": {"$rel": {"country_id": {"$rel": {"name": "Russia"}}}}}), vec![0]),
                (json!({"company_id": {"$rel": {"country_id": {"$rel": {"name": {"$ne": "Russia"}}}}}}), vec![1]),
                (json!({"company_id": {"$not": {"$rel": {"name": "Acme"}}}}), vec![1, 3, 4, 5, 6, 7]),
                (json!({"job.company_id": {"$rel": {"name": "Beta"}}}), vec![6]),
                (json!({"past_company_ids": {"$any": {"$rel": {"name": "Acme"}}}}), vec![0]),
                (json!({"past_company_ids": {"$all": {"$rel": {"name": "Acme"}}}}), vec![1]),
                (json!({"$or": [{"company_id": {"$rel": {"size": 10}}}, {"name": "Fay"}]}), vec![0, 5]),
                // not a reference field: no match, as in memory
                (json!({"name": {"$rel": {"name": "Acme"}}}), vec![]),
                (json!({"$rel": {"name": "Ann"}}), vec![]),
            ];
            for (query, want) in cases {
                let query = q(query);
                let got = agree_with(&mut conn, &table, &docs, &query, &links).await.unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(got, ids(&want), "{query}");
            }

            // A $rel at the root: a pool table whose value is the id itself.
            let pool_table = docs_table(&mut conn, &schema, "pool").await;
            let pool_docs = vec![json!(1), json!(2), json!(3), json!(4)];
            insert_docs(&mut conn, &pool_table, &pool_docs).await;
            let root = Links { fields: vec![("", &companies, Some(&country_links))] };
            let query = q(json!({"$rel": {"name": "Acme", "country_id": {"$rel": {"name": "Russia"}}}}));
            let got = agree_with(&mut conn, &pool_table, &pool_docs, &query, &root).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, ids(&[0]));

            // Without a resolver, $rel looks at the value itself.
            let query = q(json!({"company_id": {"$rel": {"$gte": 2}}}));
            assert_eq!(agree(&mut conn, &table, &docs, &query).await, ids(&[1, 2, 3]));
        })
        .await;
    }

    /// A target column named like the compiler's own aliases and derived columns is not
    /// captured by them.
    #[tokio::test]
    async fn target_names_do_not_clash_with_generated_aliases() {
        in_schema("sqlclash", |mut conn, schema| async move {
            let companies = Table {
                name: ident("co"),
                schema: schema.clone(),
                rows: vec![(json!(1), json!({"name": "Acme", "tags": ["x"]}))],
            };
            companies.create(&mut conn).await;
            let links = Links { fields: vec![("c", &companies, None)] };
            let docs = [json!({"c": 1, "l": [1]}), json!({"c": 2, "l": [2]})];
            for (alias, column) in [("r1", "id"), ("a1", "doc"), ("r2", "elem"), ("t", "value")] {
                let table = qualified(Some(&schema), &ident(alias));
                execute(&mut conn, format!("CREATE TABLE {table} (row_no int PRIMARY KEY, {} jsonb NOT NULL)", ident(column))).await;
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO {table} SELECT * FROM unnest($1::int[], $2::jsonb[])"
                )))
                .bind(vec![0_i32, 1])
                .bind(docs.to_vec())
                .execute(&mut conn)
                .await
                .unwrap();
                let query = q(json!({"c": {"$rel": {"name": "Acme", "tags": {"$any": {"$eq": "x"}}}}, "l": {"$any": {"$gt": 0}}}));
                let compiled = [
                    Compiler::new().column(ident(column)),
                    Compiler::new().qualified_column(ident(alias), ident(column)),
                ]
                .map(|compiler| compiler.resolver(&links).compile(&query).unwrap());
                for compiled in compiled {
                    let shown = compiled.sql.clone();
                    let sql = format!("SELECT row_no FROM {table} AS {} WHERE {}", ident(alias), compiled.sql);
                    let got: BTreeSet<i32> = compiled
                        .bind_scalar(sqlx::query_scalar::<_, i32>(AssertSqlSafe(sql)))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap_or_else(|err| panic!("{shown}: {err}"))
                        .into_iter()
                        .collect();
                    assert_eq!(got, ids(&[0]), "{shown}");
                }
            }
        })
        .await;
    }

    // ---- property test -------------------------------------------------------------------

    fn key() -> impl Strategy<Value = String> {
        select(vec!["a", "b", "c"]).prop_map(str::to_owned)
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-3i64..4).prop_map(Value::from),
            select(vec![-1.5, 0.0, 0.5, 1.0, 2.0, 2.5]).prop_map(Value::from),
            select(vec![
                "",
                "a",
                "b",
                "B",
                "é",
                "1",
                "10",
                "2024-01-01T00:00:00Z"
            ])
            .prop_map(Value::from),
        ]
    }

    /// Small JSON values: scalars, short arrays, small objects, two levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(2, 12, 3, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map(key(), inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Documents: mostly objects over the key alphabet, usually with a reference `c` to one of
    /// the four rows of the related table (id 4 is dangling).
    fn document() -> impl Strategy<Value = Value> {
        let object = (
            proptest::collection::btree_map(key(), json_value(), 0..4),
            proptest::option::weighted(0.6, 0_i64..5),
        )
            .prop_map(|(fields, reference)| {
                let mut object: serde_json::Map<String, Value> = fields.into_iter().collect();
                if let Some(id) = reference {
                    object.insert("c".to_owned(), json!(id));
                }
                Value::Object(object)
            });
        prop_oneof![4 => object, 1 => json_value()]
    }

    /// Random query ASTs (also outside the normal form: `Eq` of objects, empty `And`/`Or`, ...).
    fn query() -> impl Strategy<Value = Query> {
        let leaf = prop_oneof![
            3 => json_value().prop_map(Query::Eq),
            1 => json_value().prop_map(Query::Ne),
            1 => scalar().prop_map(Query::Gt),
            1 => scalar().prop_map(Query::Gte),
            1 => scalar().prop_map(Query::Lt),
            1 => scalar().prop_map(Query::Lte),
            1 => vec(json_value(), 1..3).prop_map(Query::In),
            1 => vec(json_value(), 1..3).prop_map(Query::Nin),
            1 => any::<bool>().prop_map(Query::IsNull),
        ];
        let tree = leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                1 => inner.clone().prop_map(|q| Query::Not(Box::new(q))),
                1 => vec(inner.clone(), 0..3).prop_map(Query::And),
                1 => vec(inner.clone(), 0..3).prop_map(Query::Or),
                1 => inner.clone().prop_map(|q| Query::Any(Box::new(q))),
                1 => inner.clone().prop_map(|q| Query::All(Box::new(q))),
                1 => inner.clone().prop_map(|q| Query::Len(Box::new(q))),
                1 => inner.clone().prop_map(|q| Query::Rel(Box::new(q))),
                4 => proptest::collection::btree_map(key(), inner, 0..3).prop_map(Query::Fields),
            ]
        });
        prop_oneof![tree.clone(), tree.prop_map(Query::normalized)]
    }

    const DOCS: usize = 40;
    const QUERIES: usize = 8;

    /// Random documents and queries: the server selects exactly the documents the evaluator
    /// matches, without a resolver and with one (field `c` references table `rel`).
    #[test]
    fn random_queries_select_what_the_evaluator_matches() {
        let started = Instant::now();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut admin = rt.block_on(connect());
        let pool = rt.block_on(pool());
        let schema = rt.block_on(create_schema(&mut admin, "sqlprop"));
        let table = qualified(Some(&schema), &ident("t"));
        let rel_name = ident("rel");
        let rel_table = qualified(Some(&schema), &rel_name);
        rt.block_on(async {
            execute(
                &pool,
                format!("CREATE TABLE {table} (id int PRIMARY KEY, value jsonb NOT NULL)"),
            )
            .await;
            execute(
                &pool,
                format!("CREATE TABLE {rel_table} (value_id jsonb NOT NULL, value jsonb NOT NULL)"),
            )
            .await;
        });

        // PROPTEST_CASES=2000 for a deeper run.
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(160);
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (
            vec(document(), DOCS),
            vec(document(), 4),
            vec(query(), QUERIES),
        );
        // How many queries matched no document, every document, some of them.
        let outcomes = [Cell::new(0_u32), Cell::new(0), Cell::new(0)];
        // How many `{"c": {"$rel": q}}` queries matched some document.
        let rel_hits = Cell::new(0_u32);
        let result = runner.run(&strategy, |(docs, rel_docs, queries)| {
            let related = Table {
                name: rel_name.clone(),
                schema: schema.clone(),
                rows: rel_docs
                    .iter()
                    .enumerate()
                    .map(|(i, d)| (json!(i), d.clone()))
                    .collect(),
            };
            let links = Links {
                fields: vec![("c", &related, None)],
            };
            rt.block_on(async {
                execute(&pool, format!("TRUNCATE {table}, {rel_table}")).await;
                insert_docs(&pool, &table, &docs).await;
                let (ids, values): (Vec<Value>, Vec<Value>) = related.rows.iter().cloned().unzip();
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO {rel_table} SELECT * FROM unnest($1::jsonb[], $2::jsonb[])"
                )))
                .bind(ids)
                .bind(values)
                .execute(&pool)
                .await
                .expect("insert relation rows");
                let mut conn = pool.acquire().await.expect("pool connection");
                for query in &queries {
                    let compiled =
                        compile(query).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let shown = compiled.sql.clone();
                    let got = select_ids(&mut *conn, &table, compiled)
                        .await
                        .map_err(TestCaseError::fail)?;
                    let want = expected(&docs, |doc| query.matches(doc));
                    let kind = match want.len() {
                        0 => 0,
                        n if n == docs.len() => 1,
                        _ => 2,
                    };
                    outcomes[kind].set(outcomes[kind].get() + 1);
                    if got != want {
                        return Err(TestCaseError::fail(format!(
                            "query {query:?}\nsql {shown}\nserver {got:?}\nevaluator {want:?}"
                        )));
                    }
                    agree_with(&mut conn, &table, &docs, query, &links)
                        .await
                        .map_err(TestCaseError::fail)?;
                    let rel = Query::Fields(
                        [("c".to_owned(), Query::Rel(Box::new(query.clone())))].into(),
                    );
                    let matched = agree_with(&mut conn, &table, &docs, &rel, &links)
                        .await
                        .map_err(TestCaseError::fail)?;
                    if !matched.is_empty() {
                        rel_hits.set(rel_hits.get() + 1);
                    }
                }
                Ok(())
            })
        });

        rt.block_on(async {
            pool.close().await;
            drop_schema(&mut admin, &schema).await;
        });
        if let Err(err) = result {
            panic!("{err}");
        }
        let [none, all, some] = outcomes.map(|c| c.get());
        eprintln!(
            "random queries: {none} matched nothing, {all} everything, {some} a proper subset; \
             {} $rel queries matched something; {:?}",
            rel_hits.get(),
            started.elapsed()
        );
        assert!(
            rel_hits.get() * 10 >= none + all + some,
            "{}",
            rel_hits.get()
        );
        // The generators must produce queries that discriminate, or the test proves little.
        assert!(some * 4 >= none + all + some, "{none} {all} {some}");
    }
}

/// Bulk mode (`faker_pg::bulk`): `COPY` batches, keys reserved from the sequences.
mod bulk {
    use faker_core::distributor::DistributorConfig;
    use faker_core::provider::{Cx, Faker, FakerError, KeyError, Provider, Schema};
    use faker_core::repository::{Repository, RepositoryError};
    use faker_core::spec::Query;
    use faker_pg::bulk::{BulkError, BulkOptions, BulkRepository, BulkWriter, Written};
    use faker_pg::repository::{Mirror, Table};
    use rand::RngExt;
    use serde::{Deserialize, Serialize};
    use serde_json::{Value, json};

    use super::*;

    // ------------------------------------------------------------ two hand-written providers

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Parent {
        id: i64,
        name: String,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Child {
        id: i64,
        parent_id: i64,
        label: Option<String>,
        score: f64,
        flag: bool,
        tags: Value,
    }

    fn key(k: &Value) -> Result<i64, KeyError> {
        KeyError::decode("id", k.clone())
    }

    /// Strings CSV must keep apart: empty vs NULL, quotes, delimiters, newlines, the `\.`
    /// end-of-data marker, spaces, non-ASCII.
    const LABELS: [&str; 8] = [
        "plain",
        "",
        "comma, and \"quotes\"",
        "new\nline\r\n",
        "\\.",
        "  spaced  ",
        "é ü ✓ 漢",
        "NULL",
    ];

    impl Provider for Parent {
        type Id = i64;
        const NAME: &'static str = "Parent";
        fn auto_key() -> Option<String> {
            Some("id".into())
        }
        fn id(&self) -> i64 {
            self.id
        }
        async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
            let id = cx.auto_key::<i64>("id")?;
            let name = cx.value("name", |_, position| {
                format!(
                    "Parent {position}, \"the\" {}",
                    LABELS[position as usize % 8]
                )
            })?;
            Ok(Parent { id, name })
        }
        fn assign_key(&mut self, k: Value) -> Result<(), KeyError> {
            self.id = key(&k)?;
            Ok(())
        }
    }

    impl Provider for Child {
        type Id = i64;
        const NAME: &'static str = "Child";
        fn auto_key() -> Option<String> {
            Some("id".into())
        }
        fn id(&self) -> i64 {
            self.id
        }
        fn schema() -> Schema {
            Schema::new().reference::<Parent>(
                "parent_id",
                DistributorConfig {
                    skew: Some(2.0),
                    mean: Some(5.0),
                    ..Default::default()
                },
            )
        }
        async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
            let id = cx.auto_key::<i64>("id")?;
            let parent_id = cx.reference::<Parent>("parent_id").await?;
            let label = cx.value("label", |rng, _| {
                let i = rng.random_range(0..LABELS.len() + 1);
                LABELS.get(i).map(|s| s.to_string())
            })?;
            let score = cx.value("score", |rng, _| rng.random::<f64>() * 1e3 - 500.0)?;
            let flag = cx.value("flag", |rng, _| rng.random::<bool>())?;
            let tags = cx.value("tags", |rng, position| {
                json!({"n": position, "list": [1, "two", null, rng.random::<u8>()], "s": "a\"b,c"})
            })?;
            Ok(Child {
                id,
                parent_id,
                label,
                score,
                flag,
                tags,
            })
        }
        fn assign_key(&mut self, k: Value) -> Result<(), KeyError> {
            self.id = key(&k)?;
            Ok(())
        }
    }

    // ------------------------------------------------------------ schema

    /// `parents` (identity key), `children` (bigserial key, FK to parents), their mirrors.
    async fn create_tables(conn: &mut PgConnection, schema: &Ident) {
        execute(
            &mut *conn,
            format!(
                "CREATE TABLE {schema}.parents (
                     id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                     name text NOT NULL)"
            ),
        )
        .await;
        execute(
            &mut *conn,
            format!(
                "CREATE TABLE {schema}.children (
                     id bigserial PRIMARY KEY,
                     parent_id bigint NOT NULL REFERENCES {schema}.parents (id),
                     label text,
                     score double precision NOT NULL,
                     flag boolean NOT NULL,
                     tags jsonb NOT NULL)"
            ),
        )
        .await;
        for table in ["parents", "children"] {
            mirror(schema, table).create(&mut *conn).await.unwrap();
        }
    }

    fn mirror(schema: &Ident, table: &str) -> Mirror {
        Mirror::new(Some(schema.as_str()), table).unwrap()
    }

    fn parents_table(schema: &Ident) -> Table {
        Table::new(Some(schema.as_str()), "parents")
            .and_then(|t| t.auto_key("id", "id"))
            .and_then(|t| t.column("name", "name"))
            .unwrap()
    }

    fn children_table(schema: &Ident) -> Table {
        Table::new(Some(schema.as_str()), "children")
            .and_then(|t| t.auto_key("id", "id"))
            .and_then(|t| t.column("parent_id", "parent_id"))
            .and_then(|t| t.column("label", "label"))
            .and_then(|t| t.column("score", "score"))
            .and_then(|t| t.column("flag", "flag"))
            .and_then(|t| t.column("tags", "tags"))
            .unwrap()
    }

    async fn writer(
        schema: &Ident,
        options: BulkOptions,
    ) -> (BulkWriter, BulkRepository<Parent>, BulkRepository<Child>) {
        let writer = BulkWriter::new(pool().await, options);
        let parents = writer
            .repository::<Parent>(parents_table(schema), mirror(schema, "parents"))
            .await
            .unwrap();
        let children = writer
            .repository::<Child>(children_table(schema), mirror(schema, "children"))
            .await
            .unwrap();
        (writer, parents, children)
    }

    async fn json_rows(conn: &mut PgConnection, sql: String) -> Vec<Value> {
        sqlx::query_scalar::<_, sqlx::types::Json<Value>>(AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.0)
            .collect()
    }

    async fn count(conn: &mut PgConnection, sql: String) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    }

    fn states<T: Serialize>(items: &[T]) -> Vec<Value> {
        items
            .iter()
            .map(|t| serde_json::to_value(t).unwrap())
            .collect()
    }

    fn bulk_error(e: &RepositoryError) -> &BulkError {
        match e {
            RepositoryError::Storage(inner) => inner
                .downcast_ref::<BulkError>()
                .unwrap_or_else(|| panic!("not a bulk error: {e}")),
            other => panic!("not a storage error: {other}"),
        }
    }

    const SEED: u64 = 42;
    const CHILDREN: u64 = 3_000;

    #[tokio::test]
    async fn rows_keys_and_mirrors_equal_the_in_memory_run() {
        same_as_in_memory("bulk_same", true).await;
    }

    #[tokio::test]
    async fn rows_keys_and_mirrors_equal_the_in_memory_run_in_the_foreground() {
        same_as_in_memory("bulk_same_fg", false).await;
    }

    async fn same_as_in_memory(test: &str, background: bool) {
        // The in-memory run of the same seed.
        let mut memory = Faker::new(SEED);
        memory.create_many::<Child>(CHILDREN).await.unwrap();
        let want_parents: Vec<Parent> = memory
            .in_memory::<Parent>()
            .unwrap()
            .iter()
            .cloned()
            .collect();
        let want_children: Vec<Child> = memory
            .in_memory::<Child>()
            .unwrap()
            .iter()
            .cloned()
            .collect();
        assert!(want_parents.len() > 100, "{}", want_parents.len());

        in_schema(test, move |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            // Small batches and key blocks: many batches, many reservations, batches that end
            // between a parent and the child that references it.
            let options = BulkOptions {
                batch_rows: 701,
                key_block: 97,
                background,
            };
            let (writer, parents, children) = writer(&schema, options).await;
            let mut faker = Faker::new(SEED);
            faker.set_repository::<Parent>(parents).unwrap();
            faker.set_repository::<Child>(children).unwrap();
            let made = faker.create_many::<Child>(CHILDREN).await.unwrap();
            assert_eq!(
                made, want_children,
                "the returned aggregates carry the keys"
            );
            let totals = writer.finish().await.unwrap();
            let p = parents_table(&schema).name().to_string();
            let c = children_table(&schema).name().to_string();
            assert_eq!(totals.rows_of(&p), want_parents.len() as u64);
            assert_eq!(totals.rows_of(&c), CHILDREN);
            assert_eq!(totals.dropped, 0);
            let total_rows = want_parents.len() as u64 + CHILDREN;
            assert_eq!(totals.batches, total_rows.div_ceil(701), "{totals:?}");
            assert_eq!(writer.buffered().await, 0);

            // Application rows: exactly the in-memory aggregates, keys included.
            let got = json_rows(
                &mut conn,
                format!("SELECT to_jsonb(t) FROM {schema}.parents t ORDER BY id"),
            )
            .await;
            assert_eq!(got, states(&want_parents));
            // Floats compared as binary `float8`: serde_json's default float parser may be one
            // ulp off, so `score` does not go through JSON on the way back.
            let got = json_rows(
                &mut conn,
                format!("SELECT to_jsonb(t) - 'score' FROM {schema}.children t ORDER BY id"),
            )
            .await;
            let scores: Vec<f64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT score FROM {schema}.children ORDER BY id"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(got.len(), want_children.len());
            for ((got, score), want) in got.iter().zip(&scores).zip(&want_children) {
                let mut want_state = serde_json::to_value(want).unwrap();
                want_state.as_object_mut().unwrap().remove("score");
                assert_eq!(got, &want_state);
                assert_eq!(score.to_bits(), want.score.to_bits(), "{want:?}");
            }
            // NULL and the empty string stay apart.
            let nulls = count(
                &mut conn,
                format!("SELECT count(*) FROM {schema}.children WHERE label IS NULL"),
            )
            .await;
            let empty = count(
                &mut conn,
                format!("SELECT count(*) FROM {schema}.children WHERE label = ''"),
            )
            .await;
            let want_nulls = want_children.iter().filter(|c| c.label.is_none()).count();
            let want_empty = want_children
                .iter()
                .filter(|c| c.label.as_deref() == Some(""))
                .count();
            assert!(want_nulls > 0 && want_empty > 0);
            assert_eq!((nulls, empty), (want_nulls as i64, want_empty as i64));

            // Mirrors: ids and states, in insertion order.
            for (table, want) in [
                ("parents", states(&want_parents)),
                ("children", states(&want_children)),
            ] {
                let m = mirror(&schema, table);
                let values = json_rows(
                    &mut conn,
                    format!("SELECT value - 'score' FROM {} ORDER BY position", m.name()),
                )
                .await;
                let without_score = |mut state: Value| {
                    state.as_object_mut().unwrap().remove("score");
                    state
                };
                let want_values: Vec<Value> = want.iter().cloned().map(without_score).collect();
                assert_eq!(values, want_values, "{table}");
                let scores: Vec<Option<f64>> = sqlx::query_scalar(AssertSqlSafe(format!(
                    "SELECT (value->>'score')::float8 FROM {} ORDER BY position",
                    m.name()
                )))
                .fetch_all(&mut conn)
                .await
                .unwrap();
                let want_scores: Vec<Option<f64>> = match table {
                    "children" => want_children.iter().map(|c| Some(c.score)).collect(),
                    _ => vec![None; want.len()],
                };
                assert_eq!(scores, want_scores, "{table}");
                let ids = json_rows(
                    &mut conn,
                    format!("SELECT value_id FROM {} ORDER BY position", m.name()),
                )
                .await;
                let want_ids: Vec<Value> = want.iter().map(|s| s["id"].clone()).collect();
                assert_eq!(ids, want_ids, "{table}");
            }

            // Foreign keys hold (the constraint is there; check the join anyway).
            let orphans = count(
                &mut conn,
                format!(
                    "SELECT count(*) FROM {schema}.children c
                     LEFT JOIN {schema}.parents p ON p.id = c.parent_id WHERE p.id IS NULL"
                ),
            )
            .await;
            assert_eq!(orphans, 0);
        })
        .await;
    }

    fn parent(name: &str) -> Parent {
        Parent {
            id: 0,
            name: name.to_string(),
        }
    }

    fn child(parent_id: i64) -> Child {
        Child {
            id: 0,
            parent_id,
            label: Some("x".into()),
            score: 1.5,
            flag: true,
            tags: json!({}),
        }
    }

    async fn counts(conn: &mut PgConnection, schema: &Ident) -> [i64; 4] {
        let mut out = [0; 4];
        for (i, table) in ["parents", "children", "faker_parents", "faker_children"]
            .into_iter()
            .enumerate()
        {
            out[i] = count(&mut *conn, format!("SELECT count(*) FROM {schema}.{table}")).await;
        }
        out
    }

    #[tokio::test]
    async fn a_failing_batch_rolls_back_entirely_and_stops_the_writer() {
        in_schema("bulk_rollback", |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            let options = BulkOptions {
                batch_rows: 1_000,
                key_block: 10,
                ..BulkOptions::default()
            };
            let (writer, mut parents, mut children) = writer(&schema, options).await;
            for i in 0..3 {
                let p = parents
                    .insert(parent(&format!("p{i}")), false)
                    .await
                    .unwrap();
                assert_eq!(p.id, i + 1);
                children.insert(child(p.id), false).await.unwrap();
            }
            let written = writer.flush().await.unwrap();
            assert_eq!(written.batches, 1);
            assert_eq!(counts(&mut conn, &schema).await, [3, 3, 3, 3]);

            // Second batch: good parents and children, and one child whose parent does not
            // exist (an FK violation in the second table of the batch).
            for i in 3..6 {
                let p = parents
                    .insert(parent(&format!("p{i}")), false)
                    .await
                    .unwrap();
                children.insert(child(p.id), false).await.unwrap();
            }
            children.insert(child(999), false).await.unwrap();
            let err = writer.flush().await.unwrap_err();
            match &err {
                BulkError::Database { table, source } => {
                    assert_eq!(table, children_table(&schema).name());
                    let code = source
                        .as_database_error()
                        .and_then(|e| e.code())
                        .map(|c| c.into_owned());
                    assert_eq!(code.as_deref(), Some("23503"), "{source}");
                }
                other => panic!("unexpected error: {other}"),
            }
            // Nothing of the batch: not the parents copied before the failing table either.
            assert_eq!(counts(&mut conn, &schema).await, [3, 3, 3, 3]);
            assert_eq!(writer.totals().await.batches, 1);

            // The writer refuses everything afterwards.
            assert!(matches!(
                writer.flush().await,
                Err(BulkError::Failed { .. })
            ));
            assert!(matches!(
                writer.finish().await,
                Err(BulkError::Failed { .. })
            ));
            let err = parents.insert(parent("late"), false).await.unwrap_err();
            assert!(
                matches!(bulk_error(&err), BulkError::Failed { .. }),
                "{err}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_failing_background_batch_is_reported_by_the_next_operation() {
        in_schema("bulk_background", |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            let options = BulkOptions {
                batch_rows: 4,
                key_block: 10,
                background: true,
            };
            let (writer, mut parents, mut children) = writer(&schema, options).await;
            // Batch 1 (4 rows) commits in the background.
            for i in 0..2 {
                let p = parents
                    .insert(parent(&format!("p{i}")), false)
                    .await
                    .unwrap();
                children.insert(child(p.id), false).await.unwrap();
            }
            // Batch 2: the 4th row fills it and starts it; the insert itself succeeds.
            let p = parents.insert(parent("p2"), false).await.unwrap();
            children.insert(child(p.id), false).await.unwrap();
            children.insert(child(999), false).await.unwrap();
            children.insert(child(p.id), false).await.unwrap();
            // The failure comes with the next operation that waits for the batch.
            let err = writer.finish().await.unwrap_err();
            match &err {
                BulkError::Database { table, .. } => {
                    assert_eq!(table, children_table(&schema).name())
                }
                other => panic!("unexpected error: {other}"),
            }
            assert_eq!(counts(&mut conn, &schema).await, [2, 2, 2, 2]);
            let totals = writer.totals().await;
            assert_eq!(totals.batches, 1);
            assert!(matches!(
                writer.finish().await,
                Err(BulkError::Failed { .. })
            ));
            let err = parents.get(&1).await.unwrap_err();
            assert!(
                matches!(bulk_error(&err), BulkError::Failed { .. }),
                "{err}"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn write_behind_keeps_transactions_in_flight_and_stops_at_the_target() {
        in_schema("write_behind", |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            let s = Some(schema.as_str());
            let target = faker_pg::target::Target::new(s, "parents").unwrap();
            target.ensure(&mut conn, 50).await.unwrap();
            let share = faker_pg::shared::PgShare::join(pool().await, s)
                .await
                .unwrap();
            let mut repo: faker_pg::repository::PgRepository<Parent> =
                faker_pg::repository::PgRepository::new(
                    pool().await,
                    Some(parents_table(&schema)),
                    mirror(&schema, "parents"),
                )
                .with_target(target.clone(), share.token())
                .behind(3);
            let behind = repo.write_behind().unwrap();
            // Keys are reserved before the insert returns: the returned parents carry them.
            let mut returned = Vec::new();
            let stop = loop {
                match repo.insert(parent("p"), false).await {
                    Ok(p) => returned.push(p.id),
                    Err(e) => break e,
                }
                assert!(returned.len() <= 50, "the target stops the writer");
            };
            assert!(
                stop.to_string().contains("target size is reached"),
                "{stop}"
            );
            let totals = behind.finish().await.unwrap();
            assert_eq!(totals.stored, 50);
            assert_eq!(returned.len() as u64, totals.stored + totals.refused);
            let mut stored: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM {schema}.parents ORDER BY id"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let mut mirrored: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT (value->>'id')::bigint FROM {schema}.faker_parents ORDER BY 1"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            stored.sort_unstable();
            mirrored.sort_unstable();
            assert_eq!(stored, mirrored, "every row with its mirror row");
            assert_eq!(stored.len(), 50);
            assert!(stored.iter().all(|id| returned.contains(id)));
            // Done is exact and nothing stays leased.
            assert_eq!(target.ensure(&mut conn, 50).await.unwrap(), 50);
            let leased: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT coalesce(sum(rows), 0)::bigint FROM {schema}.faker_target_lease"
            )))
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(leased, 0);
        })
        .await;
    }

    #[tokio::test]
    async fn the_guard_limits_the_rows_of_the_last_table_inside_the_transaction() {
        in_schema("bulk_guard", |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            let options = BulkOptions {
                batch_rows: 8,
                key_block: 1_000,
                ..BulkOptions::default()
            };
            let (writer, mut parents, mut children) = writer(&schema, options).await;
            let p1 = parents.insert(parent("a"), false).await.unwrap();
            let p2 = parents.insert(parent("b"), false).await.unwrap();
            for i in 0..5 {
                children
                    .insert(child(if i % 2 == 0 { p1.id } else { p2.id }), false)
                    .await
                    .unwrap();
            }
            let parents_sql = format!("SELECT count(*) FROM {schema}.parents");
            let written = writer
                .flush_with(|conn, buffered| {
                    let sql = parents_sql.clone();
                    Box::pin(async move {
                        assert_eq!(buffered, 5);
                        // Inside the batch's transaction: the parents are already copied.
                        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                            .fetch_one(&mut *conn)
                            .await?;
                        assert_eq!(n, 2);
                        Ok(3)
                    })
                })
                .await
                .unwrap();
            let p = parents_table(&schema).name().to_string();
            let c = children_table(&schema).name().to_string();
            assert_eq!(
                written,
                Written {
                    batches: 1,
                    rows: vec![(p.clone(), 2), (c.clone(), 3)],
                    dropped: 2,
                }
            );
            assert_eq!(counts(&mut conn, &schema).await, [2, 3, 2, 3]);
            let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM {schema}.children ORDER BY id"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(ids, [1, 2, 3], "the first rows are kept");
            // Refused once: the last table takes no more rows (the target is reached), the
            // others still do.
            let err = children.insert(child(p1.id), false).await.unwrap_err();
            assert!(matches!(err, RepositoryError::Refused { .. }), "{err}");
            writer.finish().await.unwrap();

            // A guard set on the writer gates automatic batches and `finish`; a batch without
            // rows of the last table does not call it.
            let (writer, mut parents, mut children) = crate::bulk::writer(&schema, options).await;
            let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let seen = calls.clone();
            writer
                .set_guard(move |_conn, buffered| {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Box::pin(async move { Ok(buffered.min(1)) })
                })
                .await;
            for _ in 0..8 {
                children.insert(child(p1.id), false).await.unwrap(); // 8 = batch_rows: flush
            }
            assert_eq!(writer.buffered().await, 0);
            parents.insert(parent("c"), false).await.unwrap();
            let totals = writer.finish().await.unwrap();
            assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
            assert_eq!(totals.batches, 2);
            assert_eq!(totals.rows_of(&p), 1);
            assert_eq!(totals.rows_of(&c), 1);
            assert_eq!(totals.dropped, 7);
            assert_eq!(counts(&mut conn, &schema).await, [3, 4, 3, 4]);
            // Refused rows leave gaps in the keys (4 and 5 reserved and not written; the new
            // writer reserved its own block).
            let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM {schema}.children ORDER BY id"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(ids, [1, 2, 3, 1001]);
        })
        .await;
    }

    #[tokio::test]
    async fn get_and_find_see_buffered_and_committed_rows_and_given_keys_are_kept() {
        in_schema("bulk_get", |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            let (writer, mut parents, _children) = writer(&schema, BulkOptions::default()).await;
            let a = parents.insert(parent("a \"q\""), false).await.unwrap();
            let given = Parent {
                id: 500,
                name: "given".into(),
            };
            let b = parents.insert(given.clone(), true).await.unwrap();
            assert_eq!((a.id, b.id), (1, 500));
            // Buffered.
            assert_eq!(parents.get(&1).await.unwrap(), Some(a.clone()));
            assert_eq!(parents.get(&500).await.unwrap(), Some(given.clone()));
            assert_eq!(parents.get(&7).await.unwrap(), None);
            writer.flush().await.unwrap();
            // Committed.
            assert_eq!(parents.get(&1).await.unwrap(), Some(a.clone()));
            let c = parents.insert(parent("c"), false).await.unwrap();
            assert_eq!(c.id, 2);
            let all = Query::parse(&json!({"id": {"$gte": 1}})).unwrap();
            assert_eq!(
                parents.find(&all).await.unwrap(),
                vec![a.clone(), given.clone(), c.clone()]
            );
            let named = Query::parse(&json!({"name": "c"})).unwrap();
            assert_eq!(parents.find(&named).await.unwrap(), vec![c.clone()]);
            writer.finish().await.unwrap();
            let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM {schema}.parents ORDER BY id"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(ids, [1, 2, 500]);
        })
        .await;
    }

    #[tokio::test]
    async fn registration_checks_the_auto_key_column() {
        in_schema("bulk_register", |mut conn, schema| async move {
            create_tables(&mut conn, &schema).await;
            execute(
                &mut conn,
                format!("CREATE TABLE {schema}.plain (id bigint PRIMARY KEY, name text)"),
            )
            .await;
            execute(
                &mut conn,
                format!(
                    "CREATE TABLE {schema}.always (
                         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text)"
                ),
            )
            .await;
            let writer = BulkWriter::new(pool().await, BulkOptions::default());
            let table = |name: &str| {
                Table::new(Some(schema.as_str()), name)
                    .and_then(|t| t.auto_key("id", "id"))
                    .and_then(|t| t.column("name", "name"))
                    .unwrap()
            };
            let register = |t: Table, m: &str| writer.repository::<Parent>(t, mirror(&schema, m));
            match register(table("plain"), "plain").await {
                Err(BulkError::NoSequence { column, .. }) => assert_eq!(column, "id"),
                other => panic!("{:?}", other.err()),
            }
            match register(table("always"), "always").await {
                Err(BulkError::AlwaysIdentity { column, .. }) => assert_eq!(column, "id"),
                other => panic!("{:?}", other.err()),
            }
            let no_auto = Table::new(Some(schema.as_str()), "parents")
                .and_then(|t| t.column("name", "name"))
                .unwrap();
            assert!(matches!(
                register(no_auto, "parents").await,
                Err(BulkError::NoAutoColumn {
                    aggregate: "Parent",
                    ..
                })
            ));
            assert!(matches!(
                register(table("missing"), "missing").await,
                Err(BulkError::Database { .. })
            ));
            register(table("parents"), "parents").await.unwrap();
            assert!(matches!(
                register(table("parents"), "parents").await,
                Err(BulkError::Registered { .. })
            ));
        })
        .await;
    }
}

/// `faker-pg profile` and `compare`: composite keys, value lists, the catalog, the suggestion
/// rule, and the command line tool, run as the built binary against known distributions.
mod profiler {
    use std::process::Command;

    use faker_core::distributor::{DistributorConfig, Draw, ManyToOne, Plannable, Pool};
    use faker_core::rng::seeded;
    use faker_pg::catalog::{PlanOptions, Subject, plan_schema};
    use faker_pg::profile::{profile_columns_sql, values_sql};
    use faker_pg::{profile_columns, profile_sql, value_counts};
    use rand::RngExt;
    use serde_json::Value;

    use super::*;

    const BIN: &str = env!("CARGO_BIN_EXE_faker-pg");

    struct Run {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    }

    /// Runs the built `faker-pg` binary (without `DATABASE_URL` in its environment).
    fn faker_pg(args: &[&str]) -> Run {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run faker-pg");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    impl Run {
        fn ok(self) -> Run {
            assert_eq!(
                self.code,
                Some(0),
                "faker-pg failed\nstdout:\n{}\nstderr:\n{}",
                self.stdout,
                self.stderr
            );
            self
        }

        /// Exit code 2, nothing on stdout, exactly one line on stderr, which mentions `needle`.
        fn one_line_error(&self, needle: &str) {
            assert_eq!(
                self.code,
                Some(2),
                "stdout {}\nstderr {}",
                self.stdout,
                self.stderr
            );
            assert_eq!(self.stdout, "", "stderr {}", self.stderr);
            let lines: Vec<&str> = self.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{}", self.stderr);
            assert!(lines[0].starts_with("faker-pg: error: "), "{}", self.stderr);
            assert!(lines[0].contains(needle), "{:?} lacks {needle:?}", lines[0]);
        }
    }

    /// The objects of `--json` output, one per line.
    fn json_lines(stdout: &str) -> Vec<Value> {
        stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
            .collect()
    }

    fn find<'a>(reports: &'a [Value], table: &str, column: &str) -> &'a Value {
        reports
            .iter()
            .find(|r| r["table"] == table && r["column"] == column)
            .unwrap_or_else(|| panic!("no report for {table}.{column} in {reports:#?}"))
    }

    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
    }

    /// The JSON report's figures equal `expected` (integers exactly, floats to 1e-9 relative).
    fn assert_json_profile(report: &Value, expected: &Profile) {
        for key in faker_pg::report::JSON_KEYS {
            assert!(report.get(key).is_some(), "key {key} missing in {report}");
        }
        let got = Profile {
            rows: report["rows"].as_u64().unwrap(),
            nulls: report["nulls"].as_u64().unwrap(),
            distinct: report["distinct"].as_u64().unwrap(),
            mean_uses: num(&report["mean"]),
            null_share: num(&report["null_share"]),
            quartile_shares: [0, 1, 2, 3].map(|i| num(&report["weights"][i])),
            skew: expected.skew.map(|_| faker_pg::SkewFit {
                skew: report["skew"].as_f64().unwrap_or(f64::INFINITY),
                alpha: num(&report["alpha"]),
                slope: -num(&report["alpha"]),
                r2: num(&report["r2"]),
                points: report["fit_points"].as_u64().unwrap() as usize,
            }),
        };
        if expected.skew.is_none() {
            assert!(
                report["r2"].is_null() && report["skew"].is_null(),
                "{report}"
            );
        }
        if let Err(diff) = compare(&got, expected) {
            panic!("{diff}\nCLI:  {got:?}\nRust: {expected:?}");
        }
    }

    async fn insert_tuples(
        conn: &mut PgConnection,
        table: &str,
        tuples: &[(Option<i32>, Option<i64>)],
        counts: &[u64],
    ) {
        let tenants: Vec<Option<i32>> = tuples.iter().map(|t| t.0).collect();
        let authors: Vec<Option<i64>> = tuples.iter().map(|t| t.1).collect();
        let counts: Vec<i64> = counts.iter().map(|&c| c as i64).collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (tenant_id, author_id)
             SELECT u.t, u.a
             FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS u(t, a, c),
                  generate_series(1, u.c)"
        )))
        .bind(tenants)
        .bind(authors)
        .bind(counts)
        .execute(&mut *conn)
        .await
        .expect("insert tuples");
    }

    #[test]
    fn one_column_is_the_single_column_statement() {
        let (s, t, c) = (ident("s"), ident("t"), ident("c"));
        assert_eq!(
            profile_columns_sql(Some(&s), &t, std::slice::from_ref(&c)),
            profile_sql(Some(&s), &t, &c)
        );
        let tuple = profile_columns_sql(Some(&s), &t, &[ident("a"), ident("b\"")]);
        assert!(tuple.contains(r#"GROUP BY "a", "b""""#), "{tuple}");
        assert!(
            tuple.contains(r#"count(*) FILTER (WHERE "a" IS NOT NULL AND "b""" IS NOT NULL)"#),
            "{tuple}"
        );
        assert!(values_sql(None, &t, &[ident("a"), ident("b")]).contains(r#"ROW("a", "b")::text"#));
    }

    /// A composite key is profiled as tuples: the same author number under two tenants is two
    /// values, and a row is null when any part of the key is null.
    #[tokio::test]
    async fn composite_key_profiles_like_rust() {
        in_schema("tuple", |mut conn, schema| async move {
            let table = ident("books");
            let target = qualified(Some(&schema), &table);
            execute(
                &mut conn,
                format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, tenant_id int, author_id bigint)"),
            )
            .await;
            // 300 tuples: tenants 1..=3 x authors 0..100, in power-law counts
            let mut tuples: Vec<(Option<i32>, Option<i64>)> =
                (0..300).map(|i| (Some(1 + i % 3), Some(i64::from(i / 3)))).collect();
            let mut counts = power_law(300, 200.0, 0.5);
            // null patterns: only the author, only the tenant, both
            tuples.extend([(Some(1), None), (None, Some(5)), (None, None)]);
            let nulls = [7, 4, 9];
            let mut all_counts = counts.clone();
            all_counts.extend(nulls);
            insert_tuples(&mut conn, &target, &tuples, &all_counts).await;

            let columns = [ident("tenant_id"), ident("author_id")];
            let sql = profile_columns(&mut conn, Some(&schema), &table, &columns)
                .await
                .unwrap();
            assert_eq!((sql.distinct, sql.nulls), (300, 20));
            assert_matches_rust(&sql, &counts, 20);
            let fit = sql.skew.unwrap();
            assert!((fit.skew - 2.0).abs() < 0.05 && fit.r2 > 0.995, "{fit:?}");

            // author_id alone: 100 values; its null rows are those 7 + 9
            let single = profile_column(&mut conn, Some(&schema), &table, &columns[1])
                .await
                .unwrap();
            assert_eq!((single.distinct, single.nulls), (100, 16));
            let one = profile_columns(&mut conn, Some(&schema), &table, &columns[1..])
                .await
                .unwrap();
            assert_eq!(one, single);

            // the most used tuples, as row text, with exact shares of the non-null rows
            let listed = value_counts(&mut conn, Some(&schema), &table, &columns, 3)
                .await
                .unwrap();
            let used: u64 = counts.iter().sum();
            assert_eq!((listed.rows, listed.nulls, listed.distinct), (used + 20, 20, 300));
            assert!(!listed.is_complete() && listed.profile().is_none());
            let texts: Vec<&str> = listed.values.iter().map(|v| v.value.as_str()).collect();
            assert_eq!(texts, ["(1,0)", "(2,0)", "(3,0)"]);
            for v in &listed.values {
                assert_eq!(v.share, v.count as f64 / used as f64);
            }
            assert_eq!(listed.values[0].count, counts[0]);

            // every tuple listed: the same profile, computed in Rust from the counts
            let whole = value_counts(&mut conn, Some(&schema), &table, &columns, 1000)
                .await
                .unwrap();
            assert!(whole.is_complete());
            if let Err(diff) = compare(&whole.profile().unwrap(), &sql) {
                panic!("{diff}");
            }
            counts.sort_unstable_by(|a, b| b.cmp(a));
            let listed: Vec<u64> = whole.values.iter().map(|v| v.count).collect();
            assert_eq!(listed, counts);

            let err = profile_columns(&mut conn, Some(&schema), &table, &[])
                .await
                .unwrap_err();
            assert!(matches!(err, ProfileError::NoColumns { .. }), "{err:?}");
            let err = profile_columns(
                &mut conn,
                Some(&schema),
                &table,
                &[ident("tenant_id"), ident("nope")],
            )
            .await
            .unwrap_err();
            assert!(
                matches!(&err, ProfileError::ColumnNotFound { column, .. } if column.as_str() == "nope"),
                "{err:?}"
            );
        })
        .await;
    }

    /// The README's "fixed range" list: values most used first, shares of the non-null rows.
    #[tokio::test]
    async fn low_cardinality_values_with_exact_shares() {
        in_schema("values", |mut conn, schema| async move {
            let (table, column) = (ident("employees"), ident("status"));
            let target = qualified(Some(&schema), &table);
            execute(&mut conn, format!("CREATE TABLE {target} ({column} text)")).await;

            let listed = value_counts(
                &mut conn,
                Some(&schema),
                &table,
                std::slice::from_ref(&column),
                100,
            )
            .await
            .unwrap();
            assert_eq!(
                (listed.rows, listed.distinct, listed.values.len()),
                (0, 0, 0)
            );
            assert_eq!(listed.profile(), Some(Profile::from_counts(&[], 0)));

            let values = vec![
                "blocked".to_owned(),
                "active".to_owned(),
                "o'dd \"x\"; --".to_owned(),
                "deleted".to_owned(),
            ];
            let counts = [300, 500, 150, 50];
            insert_counts(
                &mut conn, &target, &column, "text[]", "u.v", values, &counts, 25,
            )
            .await;
            let listed = value_counts(
                &mut conn,
                Some(&schema),
                &table,
                std::slice::from_ref(&column),
                100,
            )
            .await
            .unwrap();
            assert_eq!((listed.rows, listed.nulls, listed.distinct), (1025, 25, 4));
            let got: Vec<(&str, u64, f64)> = listed
                .values
                .iter()
                .map(|v| (v.value.as_str(), v.count, v.share))
                .collect();
            assert_eq!(
                got,
                [
                    ("active", 500, 0.5),
                    ("blocked", 300, 0.3),
                    ("o'dd \"x\"; --", 150, 0.15),
                    ("deleted", 50, 0.05),
                ]
            );
            let sql = profile_column(&mut conn, Some(&schema), &table, &column)
                .await
                .unwrap();
            assert_matches_rust(&sql, &counts, 25);
            if let Err(diff) = compare(&listed.profile().unwrap(), &sql) {
                panic!("{diff}");
            }

            let top = value_counts(
                &mut conn,
                Some(&schema),
                &table,
                std::slice::from_ref(&column),
                2,
            )
            .await
            .unwrap();
            assert_eq!(top.values.len(), 2);
            assert_eq!((top.distinct, top.values[1].share), (4, 0.3));
            assert_eq!(top.profile(), None);
        })
        .await;
    }

    /// Random tuple counts and null patterns: the tuple profile equals the Rust one, and the
    /// value list holds exactly the counts.
    #[test]
    fn random_tuples_profile_like_rust() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut admin = rt.block_on(connect());
        let pool = rt.block_on(pool());
        let schema = rt.block_on(create_schema(&mut admin, "tuples"));
        let table = ident("t");
        let target = qualified(Some(&schema), &table);
        rt.block_on(execute(
            &pool,
            format!("CREATE TABLE {target} (tenant_id int, author_id bigint)"),
        ));
        let columns = [ident("tenant_id"), ident("author_id")];

        let mut runner = TestRunner::new(Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        });
        let strategy = (counts_strategy(), 1i32..4, [0u64..5, 0u64..5, 0u64..5]);
        let result = runner.run(&strategy, |(counts, tenants, nulls)| {
            let mut tuples: Vec<(Option<i32>, Option<i64>)> = (0..counts.len() as i64)
                .map(|i| (Some(1 + (i as i32) % tenants), Some(i / i64::from(tenants))))
                .collect();
            tuples.extend([(Some(1), None), (None, Some(1)), (None, None)]);
            let mut all = counts.clone();
            all.extend(nulls);
            let null_rows: u64 = nulls.iter().sum();
            let (sql, listed) = rt.block_on(async {
                let mut conn = pool.acquire().await.expect("pool connection");
                execute(&mut *conn, format!("TRUNCATE {target}")).await;
                insert_tuples(&mut conn, &target, &tuples, &all).await;
                let sql = profile_columns(&mut conn, Some(&schema), &table, &columns).await;
                let listed = value_counts(&mut conn, Some(&schema), &table, &columns, 1_000).await;
                (sql, listed)
            });
            let sql = sql.map_err(|err| TestCaseError::fail(err.to_string()))?;
            let listed = listed.map_err(|err| TestCaseError::fail(err.to_string()))?;
            let rust = Profile::from_counts(&counts, null_rows);
            compare(&sql, &rust).map_err(TestCaseError::fail)?;
            let from_list = listed
                .profile()
                .ok_or_else(|| TestCaseError::fail("list incomplete"))?;
            if from_list != rust {
                return Err(TestCaseError::fail(format!("{from_list:?} != {rust:?}")));
            }
            Ok(())
        });

        rt.block_on(async {
            pool.close().await;
            drop_schema(&mut admin, &schema).await;
        });
        if let Err(err) = result {
            panic!("{err}");
        }
    }

    /// tenants ← authors (tenant_id) ← books ((tenant_id, author_id) and (tenant_id)).
    async fn bookstore_schema(conn: &mut PgConnection, schema: &Ident) {
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
    async fn fill_bookstore(conn: &mut PgConnection, schema: &Ident) {
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

    #[tokio::test]
    async fn catalog_lists_keys_and_candidate_columns() {
        in_schema("catalog", |mut conn, schema| async move {
            bookstore_schema(&mut conn, &schema).await;
            let exact = PlanOptions {
                max_values: 100,
                use_statistics: false,
            };
            let plan = plan_schema(&mut conn, &schema, exact).await.unwrap();
            let listed: Vec<(String, bool)> = plan
                .subjects
                .iter()
                .map(|s: &Subject| (s.label(), s.foreign_key.is_some()))
                .collect();
            let s = schema.as_str();
            let want: Vec<(String, bool)> = [
                ("authors.tenant_id", true),
                ("authors.id", false),
                ("books.(tenant_id, author_id)", true),
                ("books.tenant_id", true),
                ("books.author_id", false),
                ("books.status", false),
                ("books.title", false),
                ("tenants.region", false),
            ]
            .iter()
            .map(|(l, k)| (format!("{s}.{l}"), *k))
            .collect();
            assert_eq!(listed, want);
            let composite = plan.subjects[2].foreign_key.as_ref().unwrap();
            assert_eq!(
                composite.references(),
                format!("{s}.authors(tenant_id, id)")
            );
            let skipped: Vec<&str> = plan.skipped.iter().map(|k| k.label.as_str()).collect();
            assert_eq!(
                skipped,
                [
                    format!("{s}.authors.email"),
                    format!("{s}.books.id"),
                    format!("{s}.tenants.id")
                ]
            );

            // with planner statistics, a column far above the limit is left out unscanned
            fill_bookstore(&mut conn, &schema).await;
            execute(&mut conn, format!("ANALYZE {schema}.books")).await;
            let plan = plan_schema(&mut conn, &schema, PlanOptions::default())
                .await
                .unwrap();
            let title = format!("{s}.books.title");
            let left = plan.skipped.iter().find(|k| k.label == title).unwrap();
            assert!(left.reason.contains("planner statistics"), "{left:?}");
            assert!(
                plan.subjects
                    .iter()
                    .any(|k| k.label() == format!("{s}.books.status"))
            );
            let plan = plan_schema(&mut conn, &schema, exact).await.unwrap();
            assert!(plan.subjects.iter().any(|k| k.label() == title));
        })
        .await;
    }

    /// `profile --json` gives every figure of the Rust estimators, and the rule picks `skew` for
    /// a power law, quartile `weights` for partitions, one weight per value for few values.
    #[tokio::test]
    async fn cli_profile_figures_and_suggestions() {
        in_schema("cli_profile", |mut conn, schema| async move {
            let url = database_url();
            let s = schema.as_str().to_owned();
            let column = ident("ref_id");
            let table = |name: &str| {
                let target = qualified(Some(&schema), &ident(name));
                (
                    format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, {column} bigint)"),
                    target,
                )
            };
            let (power_ddl, power) = table("power");
            let (parts_ddl, parts) = table("parts");
            let (few_ddl, few) = table("few");
            execute(&mut conn, format!("{power_ddl}; {parts_ddl}; {few_ddl}")).await;

            let power_counts = power_law(1000, 300.0, 0.5);
            let ids = scrambled_ids(1000);
            insert_counts(
                &mut conn,
                &power,
                &column,
                "bigint[]",
                "u.v",
                ids,
                &power_counts,
                123,
            )
            .await;
            let weights = [0.6, 0.25, 0.1, 0.05];
            let parts_counts = weights_law(400, 40_000, &weights);
            let ids = scrambled_ids(400);
            insert_counts(
                &mut conn,
                &parts,
                &column,
                "bigint[]",
                "u.v",
                ids,
                &parts_counts,
                0,
            )
            .await;
            let few_counts = [70, 20, 10];
            insert_counts(
                &mut conn,
                &few,
                &column,
                "bigint[]",
                "u.v",
                vec![7i64, 8, 9],
                &few_counts,
                0,
            )
            .await;

            let run = |table: &str, json: bool| {
                let mut args = vec![
                    "profile",
                    "--database-url",
                    &url,
                    "--schema",
                    &s,
                    "--table",
                    table,
                    "--column",
                    "ref_id",
                ];
                if json {
                    args.push("--json");
                }
                faker_pg(&args).ok()
            };

            // a power law: skew
            let out = run("power", true);
            let reports = json_lines(&out.stdout);
            assert_eq!(reports.len(), 1);
            let r = &reports[0];
            assert_eq!(
                (r["schema"].as_str(), r["table"].as_str()),
                (Some(s.as_str()), Some("power"))
            );
            assert_eq!(r["column"], "ref_id");
            assert!(
                r.get("values").is_none(),
                "1000 values are not low-cardinality"
            );
            let expected = Profile::from_counts(&power_counts, 123);
            assert_json_profile(r, &expected);
            let fit = expected.skew.unwrap();
            assert!((fit.skew - 2.0).abs() < 0.02, "{fit:?}");
            let suggestion = &r["suggestion"];
            assert_eq!(suggestion["law"], "skew");
            close("suggested skew", num(&suggestion["skew"]), fit.skew).unwrap();
            assert!(suggestion["weights"].is_null());
            let attribute = suggestion["attribute"].as_str().unwrap();
            let want = format!(
                "#[distributor(skew = {}, mean = {}, null_weight = {})]",
                faker_pg::suggest::decimals(fit.skew, 2),
                faker_pg::suggest::decimals(expected.mean_uses, 2),
                faker_pg::suggest::significant(expected.null_share, 3),
            );
            assert_eq!(attribute, want);
            assert!(
                attribute.starts_with("#[distributor(skew = 2"),
                "{attribute}"
            );
            // the predicted quartiles are the closed form at the measured distinct count
            let predicted = faker_pg::suggest::predicted_quartile_shares(
                faker_core::Skew::new(fit.skew).unwrap(),
                1000,
            );
            for (i, p) in predicted.iter().enumerate() {
                close("predicted", num(&suggestion["predicted_weights"][i]), *p).unwrap();
                assert!((p - expected.quartile_shares[i]).abs() <= 0.03);
            }
            let text = run("power", false).stdout;
            assert!(text.contains("suggestion: skew: power law, r² "), "{text}");
            assert!(text.contains(&want), "{text}");
            assert!(text.contains(&format!("{s}.power.ref_id")), "{text}");

            // partitions: quartile weights, as given
            let r = &json_lines(&run("parts", true).stdout)[0];
            let expected = Profile::from_counts(&parts_counts, 0);
            assert_json_profile(r, &expected);
            assert_eq!(r["suggestion"]["law"], "weights");
            for (i, w) in weights.iter().enumerate() {
                assert!(
                    (num(&r["suggestion"]["weights"][i]) - w).abs() < 0.005,
                    "{r}"
                );
            }
            let attribute = r["suggestion"]["attribute"].as_str().unwrap();
            assert_eq!(
                attribute,
                "#[distributor(weights = [0.6, 0.25, 0.1, 0.05], mean = 100)]"
            );
            let reason = r["suggestion"]["reason"].as_str().unwrap();
            assert!(reason.starts_with("weights: "), "{reason}");

            // three values: the list, and one weight per value
            let r = &json_lines(&run("few", true).stdout)[0];
            assert_json_profile(r, &Profile::from_counts(&few_counts, 0));
            let values: Vec<(String, u64, f64)> = r["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        v["value"].as_str().unwrap().to_owned(),
                        v["count"].as_u64().unwrap(),
                        num(&v["share"]),
                    )
                })
                .collect();
            assert_eq!(
                values,
                [
                    ("7".to_owned(), 70, 0.7),
                    ("8".to_owned(), 20, 0.2),
                    ("9".to_owned(), 10, 0.1)
                ]
            );
            assert_eq!(
                r["suggestion"]["attribute"],
                "#[distributor(weights = [0.7, 0.2, 0.1], mean = 33.33)]"
            );
            // a lower limit makes the same column high-cardinality: no list, quartile rule
            let out = faker_pg(&[
                "profile",
                "--database-url",
                &url,
                "--schema",
                &s,
                "--table",
                "few",
                "--column",
                "ref_id",
                "--json",
                "--max-values",
                "2",
            ])
            .ok();
            let r = &json_lines(&out.stdout)[0];
            assert!(r.get("values").is_none());
            assert_ne!(
                r["suggestion"]["reason"]
                    .as_str()
                    .unwrap()
                    .find("low cardinality"),
                Some(0)
            );
        })
        .await;
    }

    /// `--all` reports every foreign key (the composite one as a tuple) and every
    /// low-cardinality column, with progress on stderr.
    #[tokio::test]
    async fn cli_profile_all() {
        in_schema("cli_all", |mut conn, schema| async move {
            bookstore_schema(&mut conn, &schema).await;
            fill_bookstore(&mut conn, &schema).await;
            let (url, s) = (database_url(), schema.as_str().to_owned());
            let out = faker_pg(&[
                "profile",
                "--database-url",
                &url,
                "--schema",
                &s,
                "--all",
                "--json",
            ])
            .ok();
            let reports = json_lines(&out.stdout);
            let got: Vec<(String, String)> = reports
                .iter()
                .map(|r| {
                    (
                        r["table"].as_str().unwrap().to_owned(),
                        r["column"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let want = [
                ("authors", "tenant_id"),
                ("books", "(tenant_id, author_id)"),
                ("books", "tenant_id"),
                ("books", "status"),
                ("tenants", "region"),
            ]
            .map(|(t, c)| (t.to_owned(), c.to_owned()));
            assert_eq!(got, want, "stderr: {}", out.stderr);

            let composite = find(&reports, "books", "(tenant_id, author_id)");
            assert_eq!(
                composite["columns"],
                serde_json::json!(["tenant_id", "author_id"])
            );
            assert_eq!(
                composite["foreign_key"]["references"],
                format!("{s}.authors(tenant_id, id)")
            );
            let columns = [ident("tenant_id"), ident("author_id")];
            let sql = profile_columns(&mut conn, Some(&schema), &ident("books"), &columns)
                .await
                .unwrap();
            assert_json_profile(composite, &sql);
            assert_eq!((sql.rows, sql.nulls), (20_000, 400));
            assert!(composite.get("values").is_none());

            let status = find(&reports, "books", "status");
            assert!(status["foreign_key"].is_null());
            let shares: Vec<(&str, f64)> = status["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (v["value"].as_str().unwrap(), num(&v["share"])))
                .collect();
            assert_eq!(shares, [("active", 0.6), ("draft", 0.3), ("retired", 0.1)]);
            assert_eq!(
                status["suggestion"]["attribute"],
                "#[distributor(weights = [0.6, 0.3, 0.1], mean = 6666.67)]"
            );
            let status_sql =
                profile_column(&mut conn, Some(&schema), &ident("books"), &ident("status"))
                    .await
                    .unwrap();
            assert_json_profile(status, &status_sql);

            assert!(
                out.stderr.contains(&format!(
                    "[1/8] {s}.authors.tenant_id: 600 rows, 3 distinct"
                )),
                "{}",
                out.stderr
            );
            assert!(out.stderr.contains("not low-cardinality"), "{}", out.stderr);
            assert!(
                out.stderr.contains("done: 5 columns reported, 0 errors"),
                "{}",
                out.stderr
            );

            // one table; text; quiet
            let out = faker_pg(&[
                "profile",
                "--database-url",
                &url,
                "--schema",
                &s,
                "--all",
                "--table",
                "tenants",
                "-q",
            ])
            .ok();
            assert_eq!(out.stderr, "");
            assert!(
                out.stdout.starts_with(&format!("{s}.tenants.region\n")),
                "{}",
                out.stdout
            );
            assert!(
                out.stdout
                    .contains("#[distributor(weights = [0.667, 0.333], mean = 1.5)]"),
                "{}",
                out.stdout
            );
        })
        .await;
    }

    /// A role without any privilege, dropped afterwards even when `body` panics. `body` gets a
    /// URL logging in as that role.
    async fn with_role<F, Fut>(schema: &Ident, body: F)
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut admin = connect().await;
        let role = ident(&format!("{}_reader", schema.as_str()));
        let password = format!("pw{:08x}", rand::random::<u32>());
        execute(
            &mut admin,
            format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT USAGE ON SCHEMA {schema} TO {role}"),
        )
        .await;
        // the same server and database, logged in as the role
        let url = database_url();
        let scheme = url.find("://").map_or(0, |i| i + 3);
        let host = url.rfind('@').map_or(scheme, |at| at + 1);
        let as_role = format!(
            "{}{}:{password}@{}",
            &url[..scheme],
            role.as_str(),
            &url[host..]
        );
        let outcome = tokio::spawn(body(as_role)).await;
        execute(
            &mut admin,
            format!("DROP OWNED BY {role}; DROP ROLE {role}"),
        )
        .await;
        if let Err(err) = outcome {
            match err.try_into_panic() {
                Ok(panic) => resume_unwind(panic),
                Err(err) => panic!("test task failed: {err}"),
            }
        }
    }

    #[tokio::test]
    async fn cli_errors_are_one_line_and_non_zero() {
        in_schema("cli_errors", |mut conn, schema| async move {
            let (url, s) = (database_url(), schema.as_str().to_owned());
            execute(
                &mut conn,
                format!(
                    "CREATE TABLE {schema}.books (author_id bigint);
                     CREATE TABLE {schema}.empty (author_id bigint);
                     INSERT INTO {schema}.books SELECT g % 7 FROM generate_series(1, 100) g"
                ),
            )
            .await;
            let profile = |url: &str, table: &str, column: &str| {
                faker_pg(&[
                    "profile",
                    "--database-url",
                    url,
                    "--schema",
                    &s,
                    "--table",
                    table,
                    "--column",
                    column,
                ])
            };
            profile(&url, "books", "author_id").ok();
            profile(&url, "nope", "author_id")
                .one_line_error(&format!("table \"{s}\".\"nope\" not found"));
            profile(&url, "books", "title").one_line_error(&format!(
                "column \"title\" not found in table \"{s}\".\"books\""
            ));
            profile(&url, "empty", "author_id")
                .one_line_error(&format!("table {s}.empty is empty: nothing to profile"));
            faker_pg(&[
                "profile",
                "--database-url",
                &url,
                "--schema",
                &format!("{s}_none"),
                "--all",
            ])
            .one_line_error(&format!("schema {s}_none not found"));
            // nothing listens on port 1; the password is not shown
            let refused = profile(
                "postgres://someone:secret@127.0.0.1:1/test",
                "books",
                "author_id",
            );
            refused.one_line_error("cannot connect to postgres://someone:***@127.0.0.1:1/test");
            assert!(!refused.stderr.contains("secret"));
            faker_pg(&[
                "compare",
                "--source",
                &url,
                "--target",
                &url,
                "--schema",
                &s,
                "--tolerance",
                "weight=0.1",
            ])
            .one_line_error("`weight` is not a tolerance");
            faker_pg(&[
                "compare",
                "--source",
                &url,
                "--target",
                &url,
                "--schema",
                &s,
                "--target-schema",
                &format!("{s}_none"),
            ])
            .one_line_error(&format!("target: schema {s}_none not found"));
            // a usage error is clap's, also exit code 2
            let usage = faker_pg(&["profile", "--database-url", &url, "--table", "books"]);
            assert_eq!(usage.code, Some(2), "{}", usage.stderr);
            assert!(usage.stderr.contains("--column"), "{}", usage.stderr);

            let s2 = s.clone();
            with_role(&schema, |as_role| async move {
                let run = faker_pg(&[
                    "profile",
                    "--database-url",
                    &as_role,
                    "--schema",
                    &s2,
                    "--table",
                    "books",
                    "--column",
                    "author_id",
                ]);
                run.one_line_error(&format!(
                    "{s2}.books.author_id: permission denied for table books"
                ));
                // --all: one line per unreadable table, the rest of its columns left out
                let run = faker_pg(&[
                    "profile",
                    "--database-url",
                    &as_role,
                    "--schema",
                    &s2,
                    "--all",
                    "-q",
                ]);
                assert_eq!(run.code, Some(2));
                let errors: Vec<&str> = run.stderr.lines().collect();
                assert_eq!(errors.len(), 2, "{}", run.stderr);
                assert!(
                    errors
                        .iter()
                        .all(|l| l.starts_with("faker-pg: error: ")
                            && l.contains("permission denied")),
                    "{}",
                    run.stderr
                );
            })
            .await;
        })
        .await;
    }

    /// Draws `rows` references with faker-core's distributor (planned, as when generating a
    /// known number of rows); `None` is a null.
    fn generate(config: &DistributorConfig, rows: u64, seed: u64) -> Vec<Option<i64>> {
        let mut distributor = config.build().unwrap();
        distributor.plan(rows).unwrap();
        let (mut rng, mut pool, mut next) = (seeded(seed), Pool::new(), 0i64);
        (0..rows)
            .map(|_| match distributor.draw(&pool, &mut rng) {
                Draw::Reuse(&id) => Some(id),
                Draw::Create(ticket) => {
                    next += 1;
                    distributor.fulfil(&mut pool, ticket, next);
                    Some(next)
                }
                Draw::Null => None,
            })
            .collect()
    }

    /// `authors(id)` and `books(author_id → authors, status)`, filled with `refs` and a status
    /// per book drawn with `status_weights` over active/draft/retired.
    async fn store(
        conn: &mut PgConnection,
        schema: &Ident,
        refs: Vec<Option<i64>>,
        status_weights: [f64; 3],
        seed: u64,
    ) {
        let authors = refs.iter().flatten().copied().max().unwrap_or(0);
        let mut rng = seeded(seed ^ 0x5eed);
        let statuses: Vec<String> = refs
            .iter()
            .map(|_| {
                let u: f64 = rng.random();
                let name = if u < status_weights[0] {
                    "active"
                } else if u < status_weights[0] + status_weights[1] {
                    "draft"
                } else {
                    "retired"
                };
                name.to_owned()
            })
            .collect();
        execute(
            &mut *conn,
            format!(
                "CREATE TABLE {schema}.authors (id bigint PRIMARY KEY);
                 CREATE TABLE {schema}.books (
                     id bigserial PRIMARY KEY,
                     author_id bigint REFERENCES {schema}.authors,
                     status text NOT NULL);
                 INSERT INTO {schema}.authors SELECT generate_series(1, {authors})"
            ),
        )
        .await;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {schema}.books (author_id, status) SELECT * FROM unnest($1::bigint[], $2::text[])"
        )))
        .bind(refs)
        .bind(statuses)
        .execute(&mut *conn)
        .await
        .expect("insert books");
    }

    /// Runs `body` with `n` fresh schemas, dropped afterwards even when it panics.

    #[tokio::test]
    async fn cli_compare_same_parameters_pass_different_fail() {
        in_schemas("cmp", 3, |mut conn, schemas| async move {
            let rows = 30_000;
            let same = DistributorConfig {
                skew: Some(2.0),
                mean: Some(25.0),
                null_weight: Some(0.05),
                ..Default::default()
            };
            let other = DistributorConfig {
                skew: Some(1.3),
                mean: Some(12.0),
                null_weight: Some(0.1),
                ..Default::default()
            };
            store(
                &mut conn,
                &schemas[0],
                generate(&same, rows, 1),
                [0.6, 0.3, 0.1],
                1,
            )
            .await;
            store(
                &mut conn,
                &schemas[1],
                generate(&same, rows, 2),
                [0.6, 0.3, 0.1],
                2,
            )
            .await;
            store(
                &mut conn,
                &schemas[2],
                generate(&other, rows, 3),
                [0.4, 0.4, 0.2],
                3,
            )
            .await;

            let url = database_url();
            let compare_to = |target: &Ident, extra: &[&str]| {
                let mut args = vec![
                    "compare",
                    "--source",
                    &url,
                    "--target",
                    &url,
                    "--schema",
                    schemas[0].as_str(),
                    "--target-schema",
                    target.as_str(),
                ];
                args.extend_from_slice(extra);
                faker_pg(&args)
            };

            let pass = compare_to(&schemas[1], &[]).ok();
            assert!(!pass.stdout.contains("FAIL"), "{}", pass.stdout);
            assert!(
                pass.stdout
                    .contains("2 columns compared: 2 within tolerance, 0 out of tolerance"),
                "{}",
                pass.stdout
            );
            for figure in [
                "weights[1]",
                "weights[4]",
                "mean",
                "null share",
                "skew",
                "share \"active\"",
                "share \"retired\"",
            ] {
                let line = pass
                    .stdout
                    .lines()
                    .find(|l| l.trim_start().starts_with(figure))
                    .unwrap_or_else(|| panic!("no {figure} in {}", pass.stdout));
                assert!(line.ends_with(" ok"), "{line}");
            }

            let fail = compare_to(&schemas[2], &[]);
            assert_eq!(fail.code, Some(1), "{}\n{}", fail.stdout, fail.stderr);
            for figure in [
                "weights[1]",
                "mean",
                "null share",
                "skew",
                "share \"active\"",
                "share \"draft\"",
            ] {
                let line = fail
                    .stdout
                    .lines()
                    .find(|l| l.trim_start().starts_with(figure))
                    .unwrap_or_else(|| panic!("no {figure} in {}", fail.stdout));
                assert!(line.ends_with(" FAIL"), "{line}");
            }
            assert!(
                fail.stdout.contains("2 out of tolerance"),
                "{}",
                fail.stdout
            );

            // JSON: a verdict per figure
            let json = compare_to(&schemas[2], &["--json", "-q"]);
            assert_eq!(json.code, Some(1));
            let reports = json_lines(&json.stdout);
            assert_eq!(reports.len(), 2);
            let author = find(&reports, "books", "author_id");
            assert_eq!(author["pass"], false);
            let mean = author["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["figure"] == "mean")
                .unwrap();
            assert_eq!(
                (mean["verdict"].as_str(), mean["relative"].as_bool()),
                (Some("fail"), Some(true))
            );
            assert!((num(&mean["source"]) - 25.0).abs() < 1.0, "{mean}");

            // loose enough tolerances accept the difference
            compare_to(
                &schemas[2],
                &[
                    "--tolerance",
                    "weights=1,mean=1000%",
                    "--tolerance",
                    "null=1,skew=10,values=1",
                ],
            )
            .ok();
            // and one column alone
            let one = compare_to(&schemas[2], &["--table", "books", "--column", "status"]);
            assert_eq!(one.code, Some(1));
            assert!(one.stdout.contains("1 columns compared"), "{}", one.stdout);
        })
        .await;
    }

    /// The round trip: profile "production", generate with the suggested parameters, compare.
    #[tokio::test]
    async fn suggested_parameters_generate_data_that_compares_equal() {
        in_schemas("trip", 4, |mut conn, schemas| async move {
            let url = database_url();
            // production: an exact power law (skew 2) and exact partitions, with nulls
            // (mean about 50 uses per value: ranking values by *sampled* counts steepens the
            // generated profile, by ~0.03 on the top quartile and ~9% on skew at a mean of 25,
            // beyond the default tolerances at a mean of 4)
            let power = power_law(1000, 800.0, 0.5);
            let parts = weights_law(1200, 40_000, &[0.55, 0.25, 0.15, 0.05]);
            for (schema, counts, nulls) in [(&schemas[0], &power, 900u64), (&schemas[2], &parts, 0)]
            {
                let mut refs: Vec<Option<i64>> = Vec::new();
                for (i, &c) in counts.iter().enumerate() {
                    refs.extend(std::iter::repeat_n(Some(i as i64 + 1), c as usize));
                }
                refs.extend(std::iter::repeat_n(None, nulls as usize));
                store(&mut conn, schema, refs, [0.5, 0.3, 0.2], 7).await;
            }
            for (production, generated) in [(&schemas[0], &schemas[1]), (&schemas[2], &schemas[3])]
            {
                let out = faker_pg(&[
                    "profile",
                    "--database-url",
                    &url,
                    "--schema",
                    production.as_str(),
                    "--table",
                    "books",
                    "--column",
                    "author_id",
                    "--json",
                ])
                .ok();
                let report = &json_lines(&out.stdout)[0];
                let s = &report["suggestion"];
                let config = DistributorConfig {
                    skew: s["skew"].as_f64(),
                    weights: s["weights"].as_array().map(|w| w.iter().map(num).collect()),
                    mean: Some(num(&s["mean"])),
                    null_weight: Some(num(&s["null_weight"])),
                };
                let rows = report["rows"].as_u64().unwrap();
                store(
                    &mut conn,
                    generated,
                    generate(&config, rows, 11),
                    [0.5, 0.3, 0.2],
                    8,
                )
                .await;
                let cmp = faker_pg(&[
                    "compare",
                    "--source",
                    &url,
                    "--target",
                    &url,
                    "--schema",
                    production.as_str(),
                    "--target-schema",
                    generated.as_str(),
                    "--table",
                    "books",
                    "--column",
                    "author_id",
                ]);
                assert_eq!(
                    cmp.code,
                    Some(0),
                    "suggested {config:?}\n{}\n{}",
                    cmp.stdout,
                    cmp.stderr
                );
                let law = if production == &schemas[0] {
                    "skew"
                } else {
                    "weights"
                };
                assert_eq!(s["law"], law, "{report}");
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------- shared pools and leases

mod shared {
    use std::collections::HashSet;
    use std::time::Duration;

    use faker_core::provider::{Faker, Provider};
    use faker_core::repository::{SharedPool, SlotClaim};
    use faker_pg::repository::{Mirror, PgRepository, Table};
    use faker_pg::shared::{PgShare, SharedError};
    use faker_pg::target::Target;

    use super::domain::{Author, Book, Tenant, TenantId};
    use super::*;

    /// The bookstore's tables (with their foreign keys) and mirrors in `schema`.
    async fn bookstore_tables(conn: &mut PgConnection, schema: &Ident) {
        for sql in [
            format!("CREATE TABLE {schema}.tenants (id bigserial PRIMARY KEY, name text NOT NULL)"),
            format!(
                "CREATE TABLE {schema}.authors (tenant_id bigint NOT NULL REFERENCES {schema}.tenants,
                 author_id bigserial, name text NOT NULL, PRIMARY KEY (tenant_id, author_id))"
            ),
            format!(
                "CREATE TABLE {schema}.books (tenant_id bigint NOT NULL, book_id bigserial,
                 author_id bigint NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, book_id),
                 FOREIGN KEY (tenant_id, author_id) REFERENCES {schema}.authors)"
            ),
        ] {
            execute(&mut *conn, sql).await;
        }
        for t in ["tenants", "authors", "books"] {
            mirror(schema, t).create(&mut *conn).await.unwrap();
        }
    }

    fn mirror(schema: &Ident, table: &str) -> Mirror {
        Mirror::new(Some(schema.as_str()), table).unwrap()
    }

    /// A bookstore generator writing into `schema`, its tenant and author pools shared, planned
    /// for `goal` books. Catch-up every 2 ms, so that interleaved generators see each other.
    async fn generator(schema: &Ident, seed: u64, goal: u64) -> (Faker, PgShare) {
        let s = Some(schema.as_str());
        // Asynchronous commit: the test is about who sees what, not about durability.
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(
                database_url()
                    .parse::<sqlx::postgres::PgConnectOptions>()
                    .unwrap()
                    .options([("synchronous_commit", "off")]),
            )
            .await
            .unwrap_or_else(|err| no_server(err));
        let share = PgShare::join(pool.clone(), s).await.unwrap();
        let mut faker = Faker::new(seed);
        let tenants = Table::new(s, "tenants")
            .and_then(|t| t.auto_key("id", "id"))
            .and_then(|t| t.column("name", "name"))
            .unwrap();
        let authors = Table::new(s, "authors")
            .and_then(|t| t.column("tenant_id", "id.tenant_id"))
            .and_then(|t| t.auto_key("author_id", "id.author_id"))
            .and_then(|t| t.column("name", "name"))
            .unwrap();
        let books = Table::new(s, "books")
            .and_then(|t| t.column("tenant_id", "id.tenant_id"))
            .and_then(|t| t.auto_key("book_id", "id.book_id"))
            .and_then(|t| t.column("author_id", "author_id.author_id"))
            .and_then(|t| t.column("title", "title"))
            .unwrap();
        faker
            .set_repository::<Tenant>(
                PgRepository::new(pool.clone(), Some(tenants), mirror(schema, "tenants"))
                    .publish_to(share.publication("tenants").await.unwrap()),
            )
            .unwrap();
        faker
            .set_repository::<Author>(
                PgRepository::new(pool.clone(), Some(authors), mirror(schema, "authors"))
                    .publish_to(share.publication("authors").await.unwrap()),
            )
            .unwrap();
        faker
            .set_repository::<Book>(PgRepository::new(
                pool.clone(),
                Some(books),
                mirror(schema, "books"),
            ))
            .unwrap();
        let tenants = share
            .pool::<Tenant>("tenants", &mirror(schema, "tenants"))
            .await
            .unwrap()
            .catch_up_every(Duration::from_millis(2));
        let authors = share
            .pool::<Author>("authors", &mirror(schema, "authors"))
            .await
            .unwrap()
            .catch_up_every(Duration::from_millis(2));
        faker.share_pool::<Tenant>(tenants).unwrap();
        faker.share_pool::<Author>(authors).unwrap();
        faker.plan::<Book>(goal).unwrap();
        (faker, share)
    }

    async fn scalar(conn: &mut PgConnection, sql: String) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    }

    /// Shares of the books held by each quarter of the tenants ranked by books (the seed's SQL).
    async fn quartile_weights(conn: &mut PgConnection, schema: &Ident) -> Vec<f64> {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "WITH per_tenant AS (SELECT tenant_id, count(*) AS c FROM {schema}.books GROUP BY tenant_id),
                  tiled AS (SELECT c, ntile(4) OVER (ORDER BY c DESC) AS part FROM per_tenant)
             SELECT sum(c)::float8 / (SELECT sum(c) FROM per_tenant) FROM tiled GROUP BY part ORDER BY part"
        )))
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn two_generators_follow_one_plan_over_one_pool() {
        const GOAL: u64 = 6_000;
        in_schemas("shared_plan", 2, |mut conn, schemas| async move {
            let (together, alone) = (&schemas[0], &schemas[1]);
            bookstore_tables(&mut conn, together).await;
            bookstore_tables(&mut conn, alone).await;
            // One generator alone: the reference for the number of tenants the plan makes.
            let (mut single, _share) = generator(alone, 1, GOAL).await;
            for _ in 0..GOAL {
                single.create::<Book>().await.unwrap();
            }
            // Two generators, interleaved in chunks, each making half of the books.
            let (mut a, share_a) = generator(together, 1, GOAL).await;
            let (mut b, share_b) = generator(together, 2, GOAL).await;
            let mut tenants_of_a_books = HashSet::new();
            for _ in 0..GOAL / 200 {
                for _ in 0..100 {
                    tenants_of_a_books.insert(a.create::<Book>().await.unwrap().id().tenant_id);
                }
                for _ in 0..100 {
                    b.create::<Book>().await.unwrap();
                }
            }
            let tenants = |s: &Ident| format!("SELECT count(*) FROM {s}.tenants");
            let alone_tenants = scalar(&mut conn, tenants(alone)).await;
            let shared_tenants = scalar(&mut conn, tenants(together)).await;
            // Without sharing each generator would plan its own ~N/mean tenants (twice as many);
            // with one shared plan the count is the single generator's, up to the few slots that
            // one of two different random streams hits and the other does not (< 10%).
            assert!(
                (shared_tenants - alone_tenants).abs() * 10 <= alone_tenants,
                "{shared_tenants} tenants shared vs {alone_tenants} alone"
            );
            // Every slot holds one value, in the log, and A's books use tenants B created.
            let slots = scalar(
                &mut conn,
                format!("SELECT count(*) FROM {together}.faker_slot WHERE value_id IS NOT NULL"),
            )
            .await;
            assert_eq!(slots, shared_tenants, "one tenant per hit slot, no orphan");
            let of_b: Vec<sqlx::types::Json<TenantId>> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT value_id FROM {together}.faker_slot WHERE owner = $1"
            )))
            .bind(share_b.token())
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let reused = of_b
                .iter()
                .filter(|t| tenants_of_a_books.contains(&t.0))
                .count();
            assert!(reused > of_b.len() / 2, "{reused} of {}", of_b.len());
            assert!(share_a.token() != share_b.token());
            // The seed's weights hold for the dataset as a whole: 6 000 books over ~120
            // tenants, so each quarter has ~30 tenants and sampling noise of a quarter's share
            // stays under 0.03 (seen: 0.01); ±0.05 leaves room for the few late slots.
            let weights = quartile_weights(&mut conn, together).await;
            for (got, want) in weights.iter().zip([0.7, 0.2, 0.07, 0.03]) {
                assert!((got - want).abs() <= 0.05, "{weights:?}");
            }
            // Every book's author belongs to the book's tenant (the foreign key says so too).
            let books = scalar(
                &mut conn,
                format!(
                    "SELECT count(*) FROM {together}.books b JOIN {together}.authors USING (tenant_id, author_id)"
                ),
            )
            .await;
            assert_eq!(books, GOAL as i64);
        })
        .await;
    }

    #[tokio::test]
    async fn the_pool_log_is_dense_and_replicated_in_order() {
        super::in_schema("shared_log", |mut conn, schema| async move {
            bookstore_tables(&mut conn, &schema).await;
            // Two generators creating tenants concurrently, each publishing in its own
            // transactions.
            let make = |seed| {
                let schema = schema.clone();
                async move {
                    let (mut faker, share) = generator(&schema, seed, 1).await;
                    for _ in 0..150 {
                        faker.create::<Tenant>().await.unwrap();
                    }
                    (faker, share)
                }
            };
            let (one, two) = tokio::join!(tokio::spawn(make(3)), tokio::spawn(make(4)));
            let (_one, _share_one) = one.unwrap();
            let (_two, share_two) = two.unwrap();
            let positions: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT position FROM {schema}.faker_pool WHERE pool = 'tenants' ORDER BY position"
            )))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            assert_eq!(positions, (0..300).collect::<Vec<i64>>(), "dense");
            let mut reader = share_two
                .pool::<Tenant>("tenants", &mirror(&schema, "tenants"))
                .await
                .unwrap();
            assert_eq!(reader.size().await.unwrap(), 300);
            // A draw by position is one lookup; catch-up replays the log in order.
            let first = reader.value_at(0).await.unwrap().unwrap();
            assert!(reader.value_at(300).await.unwrap().is_none());
            let all = reader.catch_up().await.unwrap();
            assert_eq!(all.len(), 300);
            assert_eq!(serde_json::to_value(all[0].id()).unwrap(), first);
            let ids: HashSet<i64> = all.iter().map(|t| t.id().0).collect();
            assert_eq!(ids.len(), 300, "no value twice");
            // Nothing new: the next catch-up is empty.
            assert!(reader.catch_up().await.unwrap().is_empty());
        })
        .await;
    }

    #[tokio::test]
    async fn slots_of_dead_owners_are_taken_over_and_live_ones_waited_for() {
        super::in_schema("shared_slots", |mut conn, schema| async move {
            bookstore_tables(&mut conn, &schema).await;
            let s = Some(schema.as_str());
            let share = PgShare::join(pool().await, s).await.unwrap();
            let mut tenants = share
                .pool::<Tenant>("tenants", &mirror(&schema, "tenants"))
                .await
                .unwrap()
                .wait_at_most(Duration::from_millis(300));
            // A slot claimed by a generator that died before binding it (no session holds its
            // liveness lock): taken over.
            execute(
                &mut conn,
                format!("INSERT INTO {schema}.faker_slot (plan, slot, owner) VALUES ('p', 1, 42)"),
            )
            .await;
            assert_eq!(tenants.claim("p", 1).await.unwrap(), SlotClaim::Create);
            let owner = scalar(
                &mut conn,
                format!("SELECT owner FROM {schema}.faker_slot WHERE plan = 'p' AND slot = 1"),
            )
            .await;
            assert_eq!(owner, share.token());
            // A slot held by a live generator that has not committed its value: waited for,
            // then a clear error (and a flag asking the owner to commit).
            let other = PgShare::join(pool().await, s).await.unwrap();
            execute(
                &mut conn,
                format!(
                    "INSERT INTO {schema}.faker_slot (plan, slot, owner) VALUES ('p', 2, {})",
                    other.token()
                ),
            )
            .await;
            let err = tenants.claim("p", 2).await.unwrap_err();
            let shared = match &err {
                faker_core::repository::RepositoryError::Storage(e) => {
                    e.downcast_ref::<SharedError>().unwrap()
                }
                other => panic!("{other}"),
            };
            assert!(
                matches!(shared, SharedError::SlotTimeout { slot: 2, .. }),
                "{err}"
            );
            let wanted = scalar(
                &mut conn,
                format!(
                    "SELECT count(*) FROM {schema}.faker_slot WHERE plan = 'p' AND slot = 2 AND wanted"
                ),
            )
            .await;
            assert_eq!(wanted, 1);
            // Once the owner is gone, the slot is ours.
            drop(other);
            let started = std::time::Instant::now();
            loop {
                match tenants.claim("p", 2).await {
                    Ok(claim) => {
                        assert_eq!(claim, SlotClaim::Create);
                        break;
                    }
                    // the closed session's lock goes away asynchronously
                    Err(_) if started.elapsed() < Duration::from_secs(10) => {}
                    Err(e) => panic!("{e}"),
                }
            }
            // A bound slot whose value is committed and published: reused as is.
            let mut faker = Faker::new(1);
            faker
                .set_repository::<Tenant>(
                    PgRepository::new(
                        pool().await,
                        Some(
                            Table::new(s, "tenants")
                                .and_then(|t| t.auto_key("id", "id"))
                                .and_then(|t| t.column("name", "name"))
                                .unwrap(),
                        ),
                        mirror(&schema, "tenants"),
                    )
                    .publish_to(share.publication("tenants").await.unwrap()),
                )
                .unwrap();
            let tenant = faker.create::<Tenant>().await.unwrap();
            tenants.bind("p", 2, &tenant.id()).await.unwrap();
            assert_eq!(
                tenants.claim("p", 2).await.unwrap(),
                SlotClaim::Bound(tenant)
            );
        })
        .await;
    }

    #[tokio::test]
    async fn leases_never_exceed_the_goal_and_die_with_their_owner() {
        super::in_schema("shared_lease", |mut conn, schema| async move {
            let s = Some(schema.as_str());
            let target = Target::new(s, "books").unwrap();
            assert_eq!(target.ensure(&mut conn, 100).await.unwrap(), 0);
            let a = PgShare::join(pool().await, s).await.unwrap();
            let b = PgShare::join(pool().await, s).await.unwrap();
            assert_eq!(target.lease(&mut conn, a.token(), 0, 60).await.unwrap(), 60);
            assert_eq!(target.lease(&mut conn, b.token(), 0, 60).await.unwrap(), 40);
            assert_eq!(target.lease(&mut conn, b.token(), 0, 60).await.unwrap(), 0);
            // Committing against a lease moves it to `done`.
            let mut tx = conn.begin().await.unwrap();
            assert_eq!(
                target
                    .claim_leased(&mut tx, b.token(), 0, 30)
                    .await
                    .unwrap(),
                30
            );
            tx.commit().await.unwrap();
            assert_eq!(target.lease(&mut conn, b.token(), 0, 60).await.unwrap(), 0);
            // A dies with 60 leased and nothing committed: its lease is free again.
            drop(a);
            let started = std::time::Instant::now();
            let granted = loop {
                let granted = target.lease(&mut conn, b.token(), 0, 100).await.unwrap();
                if granted > 0 || started.elapsed() > Duration::from_secs(10) {
                    break granted;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            assert_eq!(granted, 60);
            target.release(&mut conn, b.token()).await.unwrap();
            assert_eq!(
                target.lease(&mut conn, b.token(), 0, 1_000).await.unwrap(),
                70
            );
        })
        .await;
    }

    /// A ticket numbered by a sequence.
    #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
    struct Numbered {
        id: u64,
    }

    impl Provider for Numbered {
        type Id = u64;
        const NAME: &'static str = "Numbered";
        fn id(&self) -> u64 {
            self.id
        }
        async fn populate(
            cx: &mut faker_core::provider::Cx<'_>,
        ) -> Result<Self, faker_core::provider::FakerError> {
            Ok(Numbered {
                id: cx.sequence("id").await?,
            })
        }
    }

    #[tokio::test]
    async fn sequences_are_distinct_across_generators() {
        super::in_schema("shared_seq", |mut conn, schema| async move {
            let s = Some(schema.as_str());
            let mut a = Faker::new(1);
            a.share_sequences(faker_pg::shared::PgSequences::new(pool().await, s, 10).unwrap());
            let mut b = Faker::new(2);
            b.share_sequences(faker_pg::shared::PgSequences::new(pool().await, s, 10).unwrap());
            let mut numbers = Vec::new();
            for _ in 0..5 {
                for _ in 0..7 {
                    numbers.push(a.create::<Numbered>().await.unwrap().id);
                }
                for _ in 0..7 {
                    numbers.push(b.create::<Numbered>().await.unwrap().id);
                }
            }
            // Blocks of 10: A holds 0..10, B 10..20, and so on; never a number twice.
            assert_eq!(&numbers[..7], &[0, 1, 2, 3, 4, 5, 6]);
            assert_eq!(&numbers[7..14], &[10, 11, 12, 13, 14, 15, 16]);
            let distinct: HashSet<u64> = numbers.iter().copied().collect();
            assert_eq!(distinct.len(), numbers.len());
            // One sequence, named by the key's hash, with the key as its comment.
            let comment: String = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT obj_description(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = '{}' AND c.relkind = 'S'",
                schema.as_str()
            )))
            .fetch_one(&mut conn)
            .await
            .unwrap();
            assert_eq!(comment, "Numbered.id/");
        })
        .await;
    }
}
