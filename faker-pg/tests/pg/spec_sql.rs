//! `faker_pg::sql`: query DSL → SQL over JSONB, checked against the in-memory evaluator.
//!
//! One unit because every test here asks the same question (does the server select exactly what
//! the evaluator matches?) through the same document-table helpers, from hand-picked edge cases
//! to random queries.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::resume_unwind;
use std::time::Instant;

use faker_core::spec::{Query, Resolved, Resolver};
use faker_pg::Ident;
use faker_pg::ident::qualified;
use faker_pg::sql::{
    Compiled, Compiler, MAX_PARAM, Param, Relation, RelationResolver, SqlError, compile,
};
use proptest::collection::vec;
use proptest::prelude::{Just, Strategy, any, prop_oneof};
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection, Postgres};

use crate::support::*;

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
async fn insert_docs(conn: impl Executor<'_, Database = Postgres>, table: &str, docs: &[Value]) {
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
        format!("CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en' TEMPLATE template0"),
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
                let compiled = compile(query).map_err(|e| TestCaseError::fail(e.to_string()))?;
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
                let rel =
                    Query::Fields([("c".to_owned(), Query::Rel(Box::new(query.clone())))].into());
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
