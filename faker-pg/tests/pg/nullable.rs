//! A nullable composite reference (`Option<PlaneId>` where `PlaneId { carrier, tailnum }`) is
//! stored as `NULL` in every column it maps, per aggregate and in bulk, and reads back as `None`.

use ddd_faker::Provider;
use faker_core::provider::Faker;
use faker_pg::Ident;
use faker_pg::write::bulk::{BulkOptions, BulkWriter};
use faker_pg::write::{Mirror, PgRepository, Table};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection};

use crate::support::*;

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Airline {
    #[provider(id, sequence)]
    id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
struct PlaneId {
    #[reference(Airline)]
    #[distributor(mean = 5)]
    carrier: i64,
    #[provider(sequence)]
    tailnum: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Plane {
    #[provider(id, composite)]
    id: PlaneId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Flight {
    #[provider(id, sequence)]
    id: i64,
    #[reference(Plane)]
    #[distributor(mean = 4, null_weight = 0.3)]
    plane: Option<PlaneId>,
}

const FLIGHTS: u64 = 2_000;

async fn create_tables(conn: &mut PgConnection, s: &Ident) {
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {s}.airlines (id bigint PRIMARY KEY);
             CREATE TABLE {s}.planes (
                 carrier bigint NOT NULL REFERENCES {s}.airlines (id),
                 tailnum bigint NOT NULL,
                 PRIMARY KEY (carrier, tailnum));
             CREATE TABLE {s}.flights (
                 id bigint PRIMARY KEY,
                 carrier bigint,
                 tailnum bigint,
                 FOREIGN KEY (carrier, tailnum) REFERENCES {s}.planes (carrier, tailnum))"
        ),
    )
    .await;
    for table in ["airlines", "planes", "flights"] {
        mirror(s, table).create(&mut *conn).await.unwrap();
    }
}

fn mirror(s: &Ident, table: &str) -> Mirror {
    Mirror::new(Some(s.as_str()), table).unwrap()
}

fn tables(s: &Ident) -> (Table, Table, Table) {
    let airlines = Table::new(Some(s.as_str()), "airlines")
        .and_then(|t| t.column("id", "id"))
        .unwrap();
    let planes = Table::new(Some(s.as_str()), "planes")
        .and_then(|t| t.column("carrier", "id.carrier"))
        .and_then(|t| t.column("tailnum", "id.tailnum"))
        .unwrap();
    let flights = Table::new(Some(s.as_str()), "flights")
        .and_then(|t| t.column("id", "id"))
        .and_then(|t| t.column("carrier", "plane.carrier"))
        .and_then(|t| t.column("tailnum", "plane.tailnum"))
        .unwrap();
    (airlines, planes, flights)
}

/// Every flight's row holds its plane's two columns, or two `NULL`s for no plane, and the
/// flight reads back from its repository with the same `Option`.
async fn check(conn: &mut PgConnection, s: &Ident, faker: &Faker, flights: &[Flight]) {
    let nulls = flights.iter().filter(|f| f.plane.is_none()).count();
    // null_weight 0.3 over 2 000 draws: sd = sqrt(2000·0.3·0.7) ≈ 20.5; ±5 sd keeps the test
    // about the storage, not the law, and still proves both kinds of rows occur.
    assert!(
        (500..=700).contains(&nulls),
        "{nulls} flights without a plane"
    );
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, carrier, tailnum FROM {s}.flights ORDER BY id"
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let expected: Vec<(i64, Option<i64>, Option<i64>)> = flights
        .iter()
        .map(|f| (f.id, f.plane.map(|p| p.carrier), f.plane.map(|p| p.tailnum)))
        .collect();
    assert_eq!(rows, expected);
    for flight in flights.iter().filter(|f| f.plane.is_none()).take(20) {
        let back = faker.get::<Flight>(&flight.id).await.unwrap().unwrap();
        assert_eq!(back.plane, None, "flight {}", flight.id);
    }
}

#[tokio::test]
async fn a_nullable_composite_reference_is_null_in_every_column_per_aggregate() {
    in_schema("nullable_rows", |mut conn, s| async move {
        create_tables(&mut conn, &s).await;
        let (airlines, planes, flights) = tables(&s);
        let pool = pool().await;
        let mut faker = Faker::new(5);
        faker
            .set_repository::<Airline>(PgRepository::new(
                pool.clone(),
                Some(airlines),
                mirror(&s, "airlines"),
            ))
            .unwrap();
        faker
            .set_repository::<Plane>(PgRepository::new(
                pool.clone(),
                Some(planes),
                mirror(&s, "planes"),
            ))
            .unwrap();
        faker
            .set_repository::<Flight>(PgRepository::new(
                pool.clone(),
                Some(flights),
                mirror(&s, "flights"),
            ))
            .unwrap();
        let created = faker.create_many::<Flight>(FLIGHTS).await.unwrap();
        check(&mut conn, &s, &faker, &created).await;
    })
    .await;
}

#[tokio::test]
async fn a_nullable_composite_reference_is_null_in_every_column_in_bulk() {
    in_schema("nullable_bulk", |mut conn, s| async move {
        create_tables(&mut conn, &s).await;
        let (airlines, planes, flights) = tables(&s);
        let writer = BulkWriter::new(pool().await, BulkOptions::default());
        let mut faker = Faker::new(5);
        faker
            .set_repository::<Airline>(
                writer
                    .repository::<Airline>(airlines, mirror(&s, "airlines"))
                    .await
                    .unwrap(),
            )
            .unwrap();
        faker
            .set_repository::<Plane>(
                writer
                    .repository::<Plane>(planes, mirror(&s, "planes"))
                    .await
                    .unwrap(),
            )
            .unwrap();
        faker
            .set_repository::<Flight>(
                writer
                    .repository::<Flight>(flights, mirror(&s, "flights"))
                    .await
                    .unwrap(),
            )
            .unwrap();
        let created = faker.create_many::<Flight>(FLIGHTS).await.unwrap();
        writer.finish().await.unwrap();
        check(&mut conn, &s, &faker, &created).await;
    })
    .await;
}
