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
