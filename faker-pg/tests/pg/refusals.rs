//! Domain refusals in PostgreSQL: an order the domain refuses (5% of the draws) is drawn again,
//! and nothing of a refused attempt reaches a table or a mirror, per aggregate and in bulk —
//! the database holds exactly the orders asked for and the shops the Faker created, and the
//! refusals counted are those of the same seed in memory.

use ddd_faker::Provider;
use faker_core::provider::Faker;
use faker_pg::Ident;
use faker_pg::write::bulk::{BulkOptions, BulkWriter};
use faker_pg::write::{Mirror, Table};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::store::{Store, count};
use crate::support::*;

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Shop {
    #[provider(id, sequence)]
    id: i64,
}

/// The domain refuses an order whose `luck` (uniform in 0..100) is below 5.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(factory = Order::new)]
struct Order {
    #[provider(id, sequence)]
    id: i64,
    #[reference(Shop)]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    shop: i64,
    #[provider(with = |rng, _| rng.random_range(0..100i32))]
    luck: i32,
}

impl Order {
    fn new(id: i64, shop: i64, luck: i32) -> Result<Order, &'static str> {
        if luck < 5 {
            return Err("an order needs luck");
        }
        Ok(Order { id, shop, luck })
    }
}

const ORDERS: u64 = 2_000;
const SEED: u64 = 9;

async fn create_tables(conn: &mut PgConnection, s: &Ident) {
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {s}.shops (id bigint PRIMARY KEY);
             CREATE TABLE {s}.orders (
                 id bigint PRIMARY KEY,
                 shop bigint NOT NULL REFERENCES {s}.shops (id),
                 luck integer NOT NULL)"
        ),
    )
    .await;
    for table in ["shops", "orders"] {
        mirror(s, table).create(&mut *conn).await.unwrap();
    }
}

fn mirror(s: &Ident, table: &str) -> Mirror {
    Mirror::new(Some(s.as_str()), table).unwrap()
}

fn tables(s: &Ident) -> (Table, Table) {
    let shops = Table::new(Some(s.as_str()), "shops")
        .and_then(|t| t.column("id", "id"))
        .unwrap();
    let orders = Table::new(Some(s.as_str()), "orders")
        .and_then(|t| t.column("id", "id"))
        .and_then(|t| t.column("shop", "shop"))
        .and_then(|t| t.column("luck", "luck"))
        .unwrap();
    (shops, orders)
}

async fn refused_orders_store_nothing(conn: &mut PgConnection, s: &Ident, store: Store) {
    create_tables(conn, s).await;
    let (shops, orders) = tables(s);
    let mut faker = Faker::new(SEED);
    store
        .attach::<Shop>(&mut faker, shops, mirror(s, "shops"))
        .await;
    store
        .attach::<Order>(&mut faker, orders, mirror(s, "orders"))
        .await;
    faker.create_many::<Order>(ORDERS).await.unwrap();
    store.finish().await;

    // The same seed in memory: the same draws, so the same refusals and shops.
    let mut memory = Faker::new(SEED);
    memory.create_many::<Order>(ORDERS).await.unwrap();
    let refusals = faker.refusals::<Order>();
    eprintln!("{refusals} refusals for {ORDERS} orders");
    assert_eq!(refusals, memory.refusals::<Order>());
    // 5% of the attempts: mean ORDERS·0.05/0.95 = 105, sd sqrt(ORDERS·0.05)/0.95 = 10.5; ±5 sd.
    assert!((53..=158).contains(&refusals), "{refusals}");

    let orders = ORDERS as i64;
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.orders")).await,
        orders
    );
    assert_eq!(
        count(
            conn,
            format!("SELECT count(*) FROM {s}.orders WHERE luck < 5")
        )
        .await,
        0
    );
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.faker_orders")).await,
        orders
    );
    let shops = faker.created::<Shop>() as i64;
    assert_eq!(shops, memory.created::<Shop>() as i64);
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.shops")).await,
        shops
    );
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.faker_shops")).await,
        shops
    );
}

#[tokio::test]
async fn refused_orders_store_nothing_per_aggregate() {
    in_schema("refusals_rows", |mut conn, s| async move {
        refused_orders_store_nothing(&mut conn, &s, Store::Rows(pool().await)).await;
    })
    .await;
}

#[tokio::test]
async fn refused_orders_store_nothing_in_bulk() {
    in_schema("refusals_bulk", |mut conn, s| async move {
        let writer = BulkWriter::new(pool().await, BulkOptions::default());
        refused_orders_store_nothing(&mut conn, &s, Store::Bulk(writer)).await;
    })
    .await;
}
