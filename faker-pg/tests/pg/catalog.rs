//! The catalog (`faker_pg::profiler::catalog`): keys and candidate columns of a schema, planned for
//! profiling, and the foreign key of a column named by hand.

use faker_pg::profiler::catalog::{PlanOptions, Subject, foreign_key_of, plan_schema};

use crate::support::*;

#[tokio::test]
async fn catalog_lists_keys_and_candidate_columns() {
    in_schema("catalog", |mut conn, schema| async move {
        bookstore_schema(&mut conn, &schema).await;
        let exact = PlanOptions {
            max_values: 100,
            use_statistics: false,
            ..PlanOptions::default()
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

/// `schema.table(columns)` of the key `subject` forms, if any.
async fn references(conn: &mut sqlx::PgConnection, subject: Subject) -> Option<String> {
    foreign_key_of(conn, &subject)
        .await
        .unwrap()
        .map(|key| key.references())
}

/// The key a subject's columns form, in its schema or, without one, in the current schema: a
/// composite key only for all its columns in key order.
#[tokio::test]
async fn foreign_key_of_a_subject_named_by_hand() {
    in_schema("catalog_fk", |mut conn, schema| async move {
        bookstore_schema(&mut conn, &schema).await;
        let s = schema.as_str();
        let books = |names: &[&str]| {
            let columns = names.iter().map(|n| ident(n)).collect();
            Subject::new(Some(schema.clone()), ident("books"), columns)
        };
        assert_eq!(
            references(&mut conn, books(&["tenant_id", "author_id"])).await,
            Some(format!("{s}.authors(tenant_id, id)"))
        );
        assert_eq!(
            references(&mut conn, books(&["tenant_id"])).await,
            Some(format!("{s}.tenants(id)"))
        );
        assert_eq!(
            references(&mut conn, books(&["author_id", "tenant_id"])).await,
            None
        );
        assert_eq!(references(&mut conn, books(&["author_id"])).await, None);

        // no schema: the current one
        let unqualified = Subject {
            schema: None,
            ..books(&["tenant_id"])
        };
        assert_eq!(references(&mut conn, unqualified.clone()).await, None);
        execute(&mut conn, format!("SET search_path = {schema}")).await;
        assert_eq!(
            references(&mut conn, unqualified).await,
            Some(format!("{s}.tenants(id)"))
        );
    })
    .await;
}

/// (subject, referenced column, (contained, dangling) for a key found in the data).
type FoundKey = (String, String, Option<(u64, u64)>);

/// References found in the data: a text column whose values are all airport codes, one whose
/// values are 98% tail numbers (2% dangling), an integer column named after its table; not a
/// small integer that any identity column contains (a rating), nor a constant.
#[tokio::test]
async fn references_are_found_in_the_data() {
    in_schema("inferred", |mut conn, schema| async move {
        let s = schema.as_str();
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {s}.airports (faa text PRIMARY KEY);
                 INSERT INTO {s}.airports SELECT 'A' || i FROM generate_series(1, 60) i;
                 CREATE TABLE {s}.planes (tailnum varchar(8) PRIMARY KEY);
                 INSERT INTO {s}.planes SELECT 'N' || i FROM generate_series(1, 300) i;
                 CREATE TABLE {s}.carriers (id serial PRIMARY KEY);
                 INSERT INTO {s}.carriers SELECT FROM generate_series(1, 12);
                 CREATE TABLE {s}.flights (
                     id serial PRIMARY KEY,
                     origin text REFERENCES {s}.airports,
                     dest text, tailnum text, carrier_id bigint, rating int, year int);
                 INSERT INTO {s}.flights (origin, dest, tailnum, carrier_id, rating, year)
                 SELECT 'A' || (1 + i % 20), 'A' || (1 + (i * 7) % 60),
                        CASE WHEN i % 50 = 0 THEN 'X' || i ELSE 'N' || (1 + (i * 13) % 300) END,
                        1 + i % 12, 1 + i % 5, 2013
                 FROM generate_series(1, 5000) i;"
            ),
        )
        .await;
        let plan = plan_schema(&mut conn, &schema, PlanOptions::default())
            .await
            .unwrap();
        let keys: Vec<FoundKey> = plan
            .subjects
            .iter()
            .filter_map(|subject| {
                let key = subject.foreign_key.as_ref()?;
                Some((
                    subject.label(),
                    key.references(),
                    key.inferred.map(|i| (i.contained, i.dangling())),
                ))
            })
            .collect();
        let want = [
            (
                format!("{s}.flights.origin"),
                format!("{s}.airports(faa)"),
                None,
            ),
            (
                format!("{s}.flights.dest"),
                format!("{s}.airports(faa)"),
                Some((5000, 0)),
            ),
            (
                format!("{s}.flights.tailnum"),
                format!("{s}.planes(tailnum)"),
                Some((4900, 100)),
            ),
            (
                format!("{s}.flights.carrier_id"),
                format!("{s}.carriers(id)"),
                Some((5000, 0)),
            ),
        ];
        let mut got = keys.clone();
        got.sort();
        let mut want = want.to_vec();
        want.sort();
        assert_eq!(got, want);
        // The rating (1 to 5, in every identity column) and the year are value columns.
        for column in ["rating", "year"] {
            let label = format!("{s}.flights.{column}");
            let subject = plan.subjects.iter().find(|x| x.label() == label).unwrap();
            assert!(subject.foreign_key.is_none(), "{label}");
        }
        // Declared keys only, when asked.
        let declared = PlanOptions {
            min_inclusion: None,
            ..PlanOptions::default()
        };
        let plan = plan_schema(&mut conn, &schema, declared).await.unwrap();
        let keys = plan
            .subjects
            .iter()
            .filter(|x| x.foreign_key.is_some())
            .count();
        assert_eq!(keys, 1);
    })
    .await;
}

/// Relations between a table's references: a tail number that determines its airline (20 of
/// the 200 planes have one flight that breaks the rule), an origin and a destination that are never the same airport
/// (60 routes, each destination reached from several origins), and two references that
/// nothing ties.
#[tokio::test]
async fn relations_between_references_are_measured() {
    use faker_pg::profiler::relations::{self, Suggestion};
    in_schema("relations", |mut conn, schema| async move {
        let s = schema.as_str();
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {s}.airports (faa text PRIMARY KEY);
                 INSERT INTO {s}.airports SELECT 'A' || i FROM generate_series(1, 30) i;
                 CREATE TABLE {s}.carriers (code text PRIMARY KEY);
                 INSERT INTO {s}.carriers SELECT 'C' || i FROM generate_series(1, 10) i;
                 CREATE TABLE {s}.planes (tailnum text PRIMARY KEY);
                 INSERT INTO {s}.planes SELECT 'N' || i FROM generate_series(1, 200) i;
                 CREATE TABLE {s}.flights (
                     id serial PRIMARY KEY,
                     origin text REFERENCES {s}.airports,
                     dest text REFERENCES {s}.airports,
                     carrier text REFERENCES {s}.carriers,
                     tailnum text REFERENCES {s}.planes);
                 INSERT INTO {s}.flights (origin, dest, carrier, tailnum)
                 SELECT 'A' || (1 + r % 10), 'A' || (11 + (r / 10 + r) % 20),
                        'C' || (1 + CASE WHEN p < 20 AND i <= 200 THEN p + 1 ELSE p END % 10),
                        'N' || (1 + p)
                 FROM (SELECT i, i % 60 AS r, (i * 7) % 200 AS p
                       FROM generate_series(1, 10000) i) AS g;"
            ),
        )
        .await;
        let plan = plan_schema(&mut conn, &schema, PlanOptions::default())
            .await
            .unwrap();
        let keys: Vec<_> = plan
            .subjects
            .iter()
            .filter(|x| x.table.as_str() == "flights")
            .filter_map(|x| Some((&x.table, x.foreign_key.as_ref()?)))
            .collect();
        let mut found = Vec::new();
        for (table, a, b) in relations::pairs(&keys) {
            let r = relations::measure(
                &mut conn,
                Some(&schema),
                table,
                a,
                relations::Member::Reference(b),
            )
            .await
            .unwrap();
            found.push(r);
        }
        let get = |x: &str, y: &str| {
            found
                .iter()
                .find(|r| {
                    (r.a.as_str(), r.b.as_str()) == (x, y) || (r.a.as_str(), r.b.as_str()) == (y, x)
                })
                .unwrap_or_else(|| panic!("no relation of {x} and {y}"))
        };
        let planes = get("carrier", "tailnum");
        assert_eq!(planes.rows, 10_000);
        let degree = if planes.a.as_str() == "tailnum" {
            planes.degree_ab
        } else {
            planes.degree_ba
        };
        // Each plane has 50 flights; 20 planes have one flight with another carrier, so
        // their 1 000 rows do not hold the dependency: degree 9 000 / 10 000.
        assert!((degree - 0.9).abs() < 1e-9, "{planes:?}");
        assert_eq!(planes.distinct_pairs, 220);
        let routes = get("origin", "dest");
        assert_eq!((routes.distinct_pairs, routes.equal_rows), (60, 0));
        assert!(routes.same_target);
        assert!(
            matches!(routes.suggestion(), Suggestion::Differ { .. }),
            "{routes:?}"
        );
        assert_eq!(found.len(), 6);
    })
    .await;
}
