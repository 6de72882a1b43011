//! Plan fidelity on a live server: the same query planned on a skewed column (production) and on
//! copies of it — one with the same skew, one generated uniformly (a deliberately broken copy).
//! The skewed copy gets production's plan; the uniform one another, and the comparison names
//! the node where they part.

use faker_pg::Ident;
use faker_pg::fidelity::{compare, explain::explain};
use sqlx::PgConnection;

use crate::support::*;

/// `orders (id, customer)` with 20 000 rows and an index on `customer`: `skewed` puts half of
/// the orders on customer 1 (the rest spread over 1 000 customers), otherwise every customer
/// has 20.
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

#[tokio::test]
async fn a_uniform_copy_of_a_skewed_column_is_named_at_the_differing_node() {
    in_schemas("fidelity", 3, |mut conn, schemas| async move {
        let (production, faithful, uniform) = (&schemas[0], &schemas[1], &schemas[2]);
        orders(&mut conn, production, true).await;
        orders(&mut conn, faithful, true).await;
        orders(&mut conn, uniform, false).await;
        // The most popular customer's orders: half the table in production.
        let query = |s: &Ident| format!("SELECT count(*) FROM {s}.orders WHERE customer = 1");
        let (on_production, raw) = explain(&mut conn, &query(production)).await.unwrap();
        assert!(raw[0]["Execution Time"].is_number(), "{raw}");
        let (on_faithful, _) = explain(&mut conn, &query(faithful)).await.unwrap();
        let (on_uniform, _) = explain(&mut conn, &query(uniform)).await.unwrap();

        let same = compare(&on_production, &on_faithful, 1.0);
        assert!(same.same_shape(), "{same:?}");
        // Every node's rows within 1% (the same data).
        let worst = same.worst_ratio().unwrap();
        assert!((worst - 1.0).abs() < 0.01, "{same:?}");

        let broken = compare(&on_production, &on_uniform, 1.0);
        let difference = broken.difference.expect("a uniform copy plans otherwise");
        // Production reads half the table sequentially; the uniform copy's 20 rows come
        // through the index on `customer` (a bitmap or index scan, the planner's choice).
        assert_eq!(difference.path, ["Aggregate (Plain)"]);
        let production_node = difference.production.unwrap();
        let generated_node = difference.generated.unwrap();
        assert_eq!(production_node, "Seq Scan on orders");
        assert!(
            generated_node.ends_with("on orders") && !generated_node.starts_with("Seq Scan"),
            "{generated_node}"
        );
    })
    .await;
}

/// The same through a query file: each parameter resolved on its own database, bound as
/// `$n::type`. The most popular customer is half of production's orders (a sequential scan)
/// and a fiftieth of a percent of the uniform copy's (the index); a tail customer is a few rows
/// on both (the index on both: the same shape).
#[tokio::test]
async fn query_file_parameters_are_resolved_on_each_database() {
    use faker_pg::fidelity::explain::explain_with;
    use faker_pg::fidelity::queries::parse;
    use faker_pg::fidelity::resolve::{Resolved, bind, resolve};

    in_schemas("fidelity_file", 2, |mut conn, schemas| async move {
        let (production, uniform) = (&schemas[0], &schemas[1]);
        orders(&mut conn, production, true).await;
        orders(&mut conn, uniform, false).await;
        let file = parse(
            "[top customer]\nSELECT count(*) FROM orders WHERE customer = {{ rank(orders.customer, 1) }}\n\
             [tail customer]\nSELECT count(*) FROM orders WHERE customer = {{ rank(orders.customer, 99%) }}\n\
             [recent]\nSELECT count(*) FROM orders WHERE id > {{ quantile(orders.id, 0.9) }} AND id <> {{ any(orders.id) }}",
        )
        .unwrap();
        let mut plans = Vec::new();
        for schema in [production, uniform] {
            execute(&mut conn, format!("SET search_path TO {schema}")).await;
            let mut on_this = Vec::new();
            for query in &file {
                let bound = bind(&mut conn, query).await.unwrap();
                let values: Vec<String> = bound.values.iter().map(|v| v.text.clone()).collect();
                on_this.push(explain_with(&mut conn, &bound.sql, &values).await.unwrap().0);
            }
            plans.push(on_this);
        }
        execute(&mut conn, "SET search_path TO public".to_owned()).await;
        // Values of the database they were resolved on.
        execute(&mut conn, format!("SET search_path TO {production}")).await;
        let top = resolve(&mut conn, &file[0].parameters().next().unwrap().clone()).await.unwrap();
        assert_eq!(top, Resolved { text: "1".into(), sql_type: "bigint".into() });
        let tenth = resolve(&mut conn, file[2].parameters().next().unwrap()).await.unwrap();
        assert_eq!(tenth.text, "18000");
        let bound = bind(&mut conn, &file[2]).await.unwrap();
        assert!(bound.sql.contains("id > $1::bigint AND id <> $2::bigint"), "{}", bound.sql);

        let top = compare(&plans[0][0], &plans[1][0], 1.0);
        assert!(!top.same_shape(), "{top:?}");
        let tail = compare(&plans[0][1], &plans[1][1], 1.0);
        assert!(tail.same_shape(), "{tail:?}");
        let recent = compare(&plans[0][2], &plans[1][2], 1.0);
        assert!(recent.same_shape(), "{recent:?}");
    })
    .await;
}

/// A combination ranked by popularity: both halves of the most flown route, and of the route
/// at the median, come from the same combination.
#[tokio::test]
async fn a_combination_parameter_resolves_both_halves_of_one_route() {
    use faker_pg::fidelity::queries::parse;
    use faker_pg::fidelity::resolve::bind;

    in_schema("fidelity_pairs", |mut conn, schema| async move {
        // Routes (a, b): 30 flights for (2, 5), 20 for (1, 3), 10 for (5, 2), one each for
        // (i, i + 1) over 100 others.
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {schema}.flights (origin integer, dest integer);
                 INSERT INTO {schema}.flights SELECT 2, 5 FROM generate_series(1, 30);
                 INSERT INTO {schema}.flights SELECT 1, 3 FROM generate_series(1, 20);
                 INSERT INTO {schema}.flights SELECT 5, 2 FROM generate_series(1, 10);
                 INSERT INTO {schema}.flights SELECT i, i + 1 FROM generate_series(10, 109) i;
                 INSERT INTO {schema}.flights VALUES (NULL, 5), (7, NULL);
                 SET search_path TO {schema}"
            ),
        )
        .await;
        let file = parse(
            "[top route]\nSELECT count(*) FROM flights WHERE origin = \
             {{ rank(flights.(origin, dest), 1).origin }} AND dest = {{ rank(flights.(origin, dest), 1).dest }}\n\
             [third route]\nSELECT {{ rank(flights.(origin, dest), 3).dest }}, {{ rank(flights.(origin, dest), 3).origin }}",
        )
        .unwrap();
        let top = bind(&mut conn, &file[0]).await.unwrap();
        let values: Vec<&str> = top.values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(values, ["2", "5"]);
        assert!(top.sql.contains("origin = $1::integer AND dest = $2::integer"), "{}", top.sql);
        let third = bind(&mut conn, &file[1]).await.unwrap();
        let values: Vec<&str> = third.values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(values, ["2", "5"], "dest then origin of (5, 2)");
        execute(&mut conn, "SET search_path TO public".to_owned()).await;
    })
    .await;
}
