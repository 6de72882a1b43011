//! The catalog (`faker_pg::catalog`): keys and candidate columns of a schema, planned for
//! profiling.

use faker_pg::catalog::{PlanOptions, Subject, plan_schema};

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
