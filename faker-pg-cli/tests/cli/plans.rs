//! `faker-pg plans`: a query file planned on production and on two copies — one with
//! production's skew, one generated uniformly — exit codes, the differing node and the statistic
//! behind it in text and JSON, and one-line errors for a bad query file.

use faker_pg::Ident;
use serde_json::Value;
use sqlx::PgConnection;

use crate::binary::faker_pg;
use crate::support::*;

/// `orders` as in faker-pg's fidelity test: half the orders on customer 1 when `skewed`.
async fn orders(conn: &mut PgConnection, schema: &Ident, skewed: bool) {
    let customer = if skewed {
        "CASE WHEN i % 2 = 0 THEN 1 ELSE 2 + i % 999 END"
    } else {
        "1 + i % 1000"
    };
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {schema}.orders (id bigint PRIMARY KEY, customer bigint NOT NULL);
             INSERT INTO {schema}.orders SELECT i, {customer} FROM generate_series(1, 20000) i;
             CREATE INDEX orders_customer ON {schema}.orders (customer);
             ANALYZE {schema}.orders"
        ),
    )
    .await;
}

const QUERIES: &str = "\
# orders of a customer by popularity, and a range of ids
[top customer]
SELECT count(*) FROM orders WHERE customer = {{ rank(orders.customer, 1) }}
[tail customer]
SELECT count(*) FROM orders WHERE customer = {{ rank(orders.customer, 99%) }}
[last tenth]
SELECT count(*) FROM orders WHERE id > {{ quantile(orders.id, 0.9) }}
";

#[tokio::test]
async fn plans_name_the_query_whose_shape_differs() {
    in_schemas("cli_plans", 3, |mut conn, schemas| async move {
        let (production, faithful, uniform) = (&schemas[0], &schemas[1], &schemas[2]);
        orders(&mut conn, production, true).await;
        orders(&mut conn, faithful, true).await;
        orders(&mut conn, uniform, false).await;
        let file = std::env::temp_dir().join(format!("faker-pg-plans-{}.sql", std::process::id()));
        std::fs::write(&file, QUERIES).unwrap();
        let url = database_url();
        let run = |target: &Ident, extra: &[&str]| {
            let mut args = vec![
                "plans",
                "--source",
                &url,
                "--target",
                &url,
                "--schema",
                production.as_str(),
                "--target-schema",
                target.as_str(),
                "--queries",
                file.to_str().unwrap(),
                "-q",
            ];
            args.extend_from_slice(extra);
            faker_pg(&args)
        };

        // The faithful copy, without its index: --copy-indexes creates it from production's
        // definition first; then every query gets production's shape.
        execute(&mut conn, format!("DROP INDEX {faithful}.orders_customer")).await;
        let same = run(faithful, &["--copy-indexes"]).ok();
        let indexed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = 'orders_customer'",
        )
        .bind(faithful.as_str())
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(indexed, 1);
        assert!(same.stdout.contains("3 of 3 queries"), "{}", same.stdout);
        assert_eq!(
            same.stdout.matches("same    ").count(),
            3,
            "{}",
            same.stdout
        );

        // The uniform copy: the top customer's plan differs, and that is below --min-same.
        let broken = run(uniform, &[]);
        assert_eq!(broken.code, Some(1), "{}\n{}", broken.stdout, broken.stderr);
        let line = broken
            .stdout
            .lines()
            .find(|l| l.starts_with("DIFFERS top customer"))
            .unwrap_or_else(|| panic!("{}", broken.stdout));
        assert!(line.contains("production has Seq Scan on orders"), "{line}");
        // ... and the statistic that made the planner choose otherwise.
        assert!(
            broken.stdout.contains(
                "statistics differ: orders.customer: most common value's share 0.500 in production, 0.001 generated"
            ),
            "{}",
            broken.stdout
        );
        assert!(
            broken.stdout.contains("2 of 3 queries"),
            "{}",
            broken.stdout
        );
        // Two of three is enough with --min-same 0.6.
        assert_eq!(run(uniform, &["--min-same", "0.6"]).code, Some(0));

        // JSON: one object per query, then the summary.
        let json = run(uniform, &["--json", "--min-same", "0.6"]).ok();
        let objects: Vec<Value> = json
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(objects.len(), 4);
        assert_eq!(objects[0]["query"], "top customer");
        assert_eq!(objects[0]["outcome"]["same_shape"], false);
        assert_eq!(
            objects[0]["outcome"]["difference"]["production"],
            "Seq Scan on orders"
        );
        assert_eq!(objects[0]["production_values"][0], "1");
        let statistic = &objects[0]["outcome"]["statistics"][0];
        assert_eq!(statistic["column"], "customer");
        assert_eq!(statistic["statistic"], "most common value's share");
        assert_eq!(objects[3]["summary"]["same_shape"], 2);

        // A query file that does not read: one line, exit code 2.
        std::fs::write(&file, "[a]\nSELECT {{ median(orders.customer) }}").unwrap();
        run(faithful, &[]).one_line_error("unknown parameter `median`");
        let _ = std::fs::remove_file(&file);
    })
    .await;
}
