//! Column and tuple profiles computed by the server (`profile_column`, `profile_columns`,
//! `value_counts`) equal faker-core's Rust estimators on known distributions.
//!
//! One file over 600 lines: every test checks the same claim (the server's figures equal the Rust
//! estimators') on another shape of data: single columns of several types, tuples, value lists and
//! random counts.

use faker_pg::ident::qualified;
use faker_pg::profiler::profile::{profile_columns_sql, values_sql};
use faker_pg::{Profile, ProfileError, profile_column, profile_columns, profile_sql, value_counts};
use proptest::collection::vec;
use proptest::prelude::{Strategy, prop_oneof};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::support::*;

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
