//! An aggregate whose id is made only of references (`Route { id: RouteId { origin, dest } }`)
//! is stored once per pair of airports: creating a route whose pair is stored already returns
//! the stored one, per aggregate and in bulk, so the primary key `(origin, dest)` never sees a
//! duplicate and the table holds exactly the routes the Faker created.

use ddd_faker::Provider;
use faker_core::provider::Faker;
use faker_pg::Ident;
use faker_pg::write::bulk::{BulkOptions, BulkWriter};
use faker_pg::write::{Mirror, Table};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::store::{Store, count};
use crate::support::*;

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Airport {
    #[provider(id, sequence)]
    id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
struct RouteId {
    #[reference(Airport)]
    #[distributor(mean = 40)]
    origin: i64,
    #[reference(Airport)]
    #[distributor(mean = 40)]
    dest: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Route {
    #[provider(id, composite)]
    id: RouteId,
    #[provider(sequence)]
    opened: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Flight {
    #[provider(id, sequence)]
    id: i64,
    #[reference(Route)]
    #[distributor(mean = 3)]
    route: RouteId,
}

const FLIGHTS: u64 = 1_500;
const SEED: u64 = 21;

async fn create_tables(conn: &mut PgConnection, s: &Ident) {
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {s}.airports (id bigint PRIMARY KEY);
             CREATE TABLE {s}.routes (
                 origin bigint NOT NULL REFERENCES {s}.airports (id),
                 dest bigint NOT NULL REFERENCES {s}.airports (id),
                 opened bigint NOT NULL,
                 PRIMARY KEY (origin, dest));
             CREATE TABLE {s}.flights (
                 id bigint PRIMARY KEY,
                 origin bigint NOT NULL,
                 dest bigint NOT NULL,
                 FOREIGN KEY (origin, dest) REFERENCES {s}.routes (origin, dest))"
        ),
    )
    .await;
    for table in ["airports", "routes", "flights"] {
        mirror(s, table).create(&mut *conn).await.unwrap();
    }
}

fn mirror(s: &Ident, table: &str) -> Mirror {
    Mirror::new(Some(s.as_str()), table).unwrap()
}

async fn routes_are_stored_once(conn: &mut PgConnection, s: &Ident, store: Store) {
    create_tables(conn, s).await;
    let schema = Some(s.as_str());
    let airports = Table::new(schema, "airports")
        .and_then(|t| t.column("id", "id"))
        .unwrap();
    let routes = Table::new(schema, "routes")
        .and_then(|t| t.column("origin", "id.origin"))
        .and_then(|t| t.column("dest", "id.dest"))
        .and_then(|t| t.column("opened", "opened"))
        .unwrap();
    let flights = Table::new(schema, "flights")
        .and_then(|t| t.column("id", "id"))
        .and_then(|t| t.column("origin", "route.origin"))
        .and_then(|t| t.column("dest", "route.dest"))
        .unwrap();
    let mut faker = Faker::new(SEED);
    store
        .attach::<Airport>(&mut faker, airports, mirror(s, "airports"))
        .await;
    store
        .attach::<Route>(&mut faker, routes, mirror(s, "routes"))
        .await;
    store
        .attach::<Flight>(&mut faker, flights, mirror(s, "flights"))
        .await;
    faker.create_many::<Flight>(FLIGHTS).await.unwrap();
    store.finish().await;

    // The same seed in memory makes the same draws, so the same routes and reuses.
    let mut memory = Faker::new(SEED);
    memory.create_many::<Flight>(FLIGHTS).await.unwrap();
    let (created, reused) = (faker.created::<Route>(), faker.reused::<Route>());
    eprintln!("{created} routes created, {reused} creations reused a stored route");
    assert_eq!(
        (created, reused),
        (memory.created::<Route>(), memory.reused::<Route>())
    );
    // About 500 route creations (1 500 flights, mean 3), each side drawing its airport with
    // mean 40, so a few dozen airports: many creations meet a stored pair (226 with this
    // seed).
    assert!(reused > 50, "{reused}");

    let created = created as i64;
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.routes")).await,
        created
    );
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.faker_routes")).await,
        created
    );
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.flights")).await,
        FLIGHTS as i64
    );
}

#[tokio::test]
async fn routes_are_stored_once_per_aggregate() {
    in_schema("route_ids_rows", |mut conn, s| async move {
        routes_are_stored_once(&mut conn, &s, Store::Rows(pool().await)).await;
    })
    .await;
}

#[tokio::test]
async fn routes_are_stored_once_in_bulk() {
    in_schema("route_ids_bulk", |mut conn, s| async move {
        let writer = BulkWriter::new(pool().await, BulkOptions::default());
        routes_are_stored_once(&mut conn, &s, Store::Bulk(writer)).await;
    })
    .await;
}
