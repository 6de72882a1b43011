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

/// Without mirrors: the batches copy the application rows only, and the aggregates read back
/// from the application tables themselves (`read_back`): `get` and `find` commit what is
/// buffered first, and `load_all` rebuilds every row in insertion order — a `NULL` pair of
/// columns as `None`, a composite id as its object.
#[tokio::test]
async fn without_mirrors_aggregates_read_back_from_the_application_tables() {
    use faker_core::spec::Query;

    in_schema("nullable_no_mirror", |mut conn, s| async move {
        create_tables(&mut conn, &s).await;
        let (airlines, planes, flights) = tables(&s);
        let pool = pool().await;
        let writer = BulkWriter::new(pool.clone(), BulkOptions::default());
        let mut faker = Faker::new(5);
        let repositories = (
            writer
                .repository::<Airline>(airlines.clone(), None)
                .await
                .unwrap(),
            writer
                .repository::<Plane>(planes.clone(), None)
                .await
                .unwrap(),
            writer
                .repository::<Flight>(flights.clone(), None)
                .await
                .unwrap(),
        );
        faker.set_repository::<Airline>(repositories.0).unwrap();
        faker.set_repository::<Plane>(repositories.1).unwrap();
        faker.set_repository::<Flight>(repositories.2).unwrap();
        let created = faker.create_many::<Flight>(FLIGHTS).await.unwrap();
        // Nothing is committed yet (one batch holds fewer rows than BulkOptions' default)...
        let committed: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {s}.flights")))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(committed, 0);
        // ...so a `get` commits the buffers, then reads the table back.
        let first = faker
            .repository::<Flight>()
            .unwrap()
            .get(&created[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((first.id, first.plane), (created[0].id, created[0].plane));
        check(&mut conn, &s, &faker, &created).await;
        // No mirror was written to.
        let mirrored: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {s}.faker_flights"
        )))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(mirrored, 0);
        let mut more = Vec::new();
        for _ in 0..10 {
            more.push(faker.create::<Flight>().await.unwrap());
        }
        // `load_all` reads what is committed.
        writer.flush().await.unwrap();
        let flights_back: Vec<Flight> = flights.load_all(&pool).await.unwrap();
        assert_eq!(flights_back.len(), created.len() + more.len());
        for (back, made) in flights_back.iter().zip(created.iter().chain(&more)) {
            assert_eq!((back.id, back.plane), (made.id, made.plane));
        }
        let planes_back: Vec<Plane> = planes.load_all(&pool).await.unwrap();
        let mut made_planes: Vec<PlaneId> =
            faker.pool::<Plane>().unwrap().iter().copied().collect();
        let mut read_planes: Vec<PlaneId> = planes_back.iter().map(|p| p.id).collect();
        made_planes.sort_by_key(|p| (p.carrier, p.tailnum));
        read_planes.sort_by_key(|p| (p.carrier, p.tailnum));
        assert_eq!(read_planes, made_planes);
        // `find` over buffered and committed rows: the flights without a plane.
        let repository = faker.repository::<Flight>().unwrap();
        let query = Query::parse(&serde_json::json!({"plane": null})).unwrap();
        let found = repository.find(&query).await.unwrap();
        let expected: Vec<i64> = created
            .iter()
            .chain(&more)
            .filter(|f| f.plane.is_none())
            .map(|f| f.id)
            .collect();
        assert_eq!(found.iter().map(|f| f.id).collect::<Vec<_>>(), expected);
        let one = repository.get(&more[9].id).await.unwrap().unwrap();
        assert_eq!((one.id, one.plane), (more[9].id, more[9].plane));
        assert!(repository.get(&-1).await.unwrap().is_none());
        writer.finish().await.unwrap();
    })
    .await;
}

/// A leg: its id renamed by serde, a nullable reference to a plane (whose id is composite),
/// and a field serde skips.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(table = "legs")]
struct Leg {
    #[provider(id, sequence)]
    #[serde(rename = "leg_no")]
    id: i64,
    #[reference(Plane)]
    #[distributor(mean = 3, null_weight = 0.3)]
    plane: Option<PlaneId>,
    #[serde(skip)]
    #[provider(default)]
    scratch: u32,
}

/// `n` legs (with their planes and airlines) through one bulk writer without mirrors, into
/// `tables`; the legs made.
async fn fill_legs(
    pool: &sqlx::PgPool,
    (airlines, planes, legs): (Table, Table, Table),
    seed: u64,
    n: u64,
) -> Vec<Leg> {
    let writer = BulkWriter::new(pool.clone(), BulkOptions::default());
    let mut faker = Faker::new(seed);
    faker
        .set_repository::<Airline>(writer.repository::<Airline>(airlines, None).await.unwrap())
        .unwrap();
    faker
        .set_repository::<Plane>(writer.repository::<Plane>(planes, None).await.unwrap())
        .unwrap();
    faker
        .set_repository::<Leg>(writer.repository::<Leg>(legs, None).await.unwrap())
        .unwrap();
    let made = faker.create_many::<Leg>(n).await.unwrap();
    writer.finish().await.unwrap();
    made
}

/// `Table::of` maps the derive's types with no hand-listed column: the serde name of the id,
/// a composite id as its fields, a nullable composite reference as the target's id columns,
/// nothing for the skipped field. Written in bulk and read back, every leg is whole.
#[tokio::test]
async fn tables_from_the_derive_map_renames_composites_and_skips() {
    in_schema("table_of", |mut conn, s| async move {
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {s}.airline (id bigint PRIMARY KEY);
                 CREATE TABLE {s}.plane (
                     carrier bigint NOT NULL REFERENCES {s}.airline (id),
                     tailnum bigint NOT NULL,
                     PRIMARY KEY (carrier, tailnum));
                 CREATE TABLE {s}.legs (
                     leg_no bigint PRIMARY KEY,
                     carrier bigint,
                     tailnum bigint,
                     FOREIGN KEY (carrier, tailnum) REFERENCES {s}.plane (carrier, tailnum))"
            ),
        )
        .await;
        let schema = Some(s.as_str());
        let airlines = Table::of::<Airline>(schema).unwrap();
        let planes = Table::of::<Plane>(schema).unwrap();
        let legs = Table::of::<Leg>(schema).unwrap();
        assert_eq!(airlines.column_list(), ["id"]);
        assert_eq!(planes.column_list(), ["carrier", "tailnum"]);
        assert_eq!(legs.column_list(), ["leg_no", "carrier", "tailnum"]);
        assert_eq!(legs.name().to_string(), format!("{s}.\"legs\""));

        let pool = pool().await;
        let made = fill_legs(&pool, (airlines, planes, legs.clone()), 9, 600).await;
        let back: Vec<Leg> = legs.load_all(&pool).await.unwrap();
        assert_eq!(back.len(), made.len());
        for (b, m) in back.iter().zip(&made) {
            assert_eq!((b.id, b.plane, b.scratch), (m.id, m.plane, 0));
        }
        // Both kinds of legs occur (null_weight 0.3 over 600: about 180 without a plane).
        let without = back.iter().filter(|l| l.plane.is_none()).count();
        assert!((100..=260).contains(&without), "{without}");
    })
    .await;
}

/// `#[provider(column = "..")]` names a field's column; on a reference to a composite id it
/// would name every column of it alike, which `Table::of` refuses with both paths.
#[test]
fn a_named_column_maps_its_field_and_a_doubled_name_is_refused() {
    #[derive(Debug, Clone, Serialize, Deserialize, Provider)]
    struct Gate {
        #[provider(id, sequence, column = "gate_no")]
        id: i64,
        #[provider(with = |_, position| format!("G{position}"), column = "gate_label")]
        label: String,
        #[reference(Airline)]
        #[distributor(mean = 4)]
        airline: i64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize, Provider)]
    struct Stand {
        #[provider(id, sequence)]
        id: i64,
        #[reference(Plane)]
        #[distributor(mean = 2)]
        #[provider(column = "plane")]
        plane: PlaneId,
    }

    let gates = Table::of::<Gate>(Some("air")).unwrap();
    assert_eq!(gates.column_list(), ["gate_no", "gate_label", "airline"]);
    let err = Table::of::<Stand>(Some("air")).unwrap_err();
    assert!(
        matches!(&err, faker_pg::write::TableOfError::ColumnTwice { column, .. } if column == "plane"),
        "{err}"
    );
    assert!(err.to_string().contains("plane.carrier"), "{err}");
}

/// No schema yet: the tables' DDL from the derive's columns and sample aggregates generated in
/// memory, then a bulk fill into them.
#[tokio::test]
async fn tables_created_from_samples_take_the_generated_rows() {
    in_schema("table_ddl", |mut conn, s| async move {
        let schema = Some(s.as_str());
        let mut samples = Faker::new(4);
        samples.create_many::<Leg>(200).await.unwrap();
        let legs_made: Vec<Leg> = samples.in_memory::<Leg>().unwrap().iter().cloned().collect();
        let planes_made: Vec<Plane> = samples
            .in_memory::<Plane>()
            .unwrap()
            .iter()
            .cloned()
            .collect();
        let airlines_made: Vec<Airline> = samples
            .in_memory::<Airline>()
            .unwrap()
            .iter()
            .cloned()
            .collect();
        let airlines = Table::of::<Airline>(schema).unwrap();
        let planes = Table::of::<Plane>(schema).unwrap();
        let legs = Table::of::<Leg>(schema).unwrap();
        let ddl = [
            airlines.create_sql(&airlines_made).unwrap(),
            planes.create_sql(&planes_made).unwrap(),
            legs.create_sql(&legs_made).unwrap(),
        ];
        assert_eq!(
            ddl[1],
            format!(
                "CREATE TABLE IF NOT EXISTS {s}.\"plane\" (\"carrier\" bigint, \"tailnum\" bigint, PRIMARY KEY (\"carrier\", \"tailnum\"))"
            )
        );
        assert!(ddl[2].contains("\"leg_no\" bigint"), "{}", ddl[2]);
        for sql in ddl {
            execute(&mut conn, sql).await;
        }
        // The references as foreign keys: a plane's airline, a leg's (nullable, composite) plane.
        let keys = [
            planes
                .foreign_key_sql::<Plane, Airline>("id.carrier", &airlines)
                .unwrap(),
            legs.foreign_key_sql::<Leg, Plane>("plane", &planes).unwrap(),
        ];
        assert_eq!(
            keys[1],
            format!(
                "ALTER TABLE {s}.\"legs\" ADD FOREIGN KEY (\"carrier\", \"tailnum\") REFERENCES {s}.\"plane\" (\"carrier\", \"tailnum\")"
            )
        );
        for sql in keys {
            execute(&mut conn, sql).await;
        }
        let foreign: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname = $1 AND c.contype = 'f'",
        )
        .bind(s.as_str())
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(foreign, 2);
        let pool = pool().await;
        let made = fill_legs(&pool, (airlines, planes, legs.clone()), 4, 200).await;
        let back: Vec<Leg> = legs.load_all(&pool).await.unwrap();
        assert_eq!(back.len(), made.len());
    })
    .await;
}
