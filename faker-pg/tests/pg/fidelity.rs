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
