//! A collection of entities inside an aggregate (`Invoice { lines: Vec<InvoiceLine> }`) is
//! stored in a child table keyed by the invoice's id — the key the database assigns (per
//! aggregate) or reserves (bulk) — with each line's position, in the invoice's transaction;
//! the mirror keeps the invoice with its lines nested, and reads it back whole.

use ddd_faker::Provider;
use faker_core::provider::Faker;
use faker_pg::Ident;
use faker_pg::write::bulk::{BulkOptions, BulkWriter};
use faker_pg::write::{ElementTable, Mirror, Table};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection};

use crate::store::{Store, count};
use crate::support::*;

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Track {
    #[provider(id, sequence)]
    id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(entity)]
struct InvoiceLine {
    #[reference(Track)]
    #[distributor(skew = 2.0, mean = 10)]
    track: i64,
    #[provider(with = |_, position| (position % 4 + 1) as i32)]
    quantity: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Invoice {
    #[provider(id, auto_key)]
    id: i64,
    #[provider(sequence)]
    number: i64,
    #[provider(collection, range = 0..=6)]
    lines: Vec<InvoiceLine>,
}

const INVOICES: u64 = 600;

async fn create_tables(conn: &mut PgConnection, s: &Ident) {
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {s}.tracks (id bigint PRIMARY KEY);
             CREATE TABLE {s}.invoices (id bigserial PRIMARY KEY, number bigint NOT NULL);
             CREATE TABLE {s}.invoice_lines (
                 invoice_id bigint NOT NULL REFERENCES {s}.invoices (id),
                 line_no int NOT NULL,
                 track_id bigint NOT NULL REFERENCES {s}.tracks (id),
                 quantity int NOT NULL,
                 PRIMARY KEY (invoice_id, line_no))"
        ),
    )
    .await;
    for table in ["tracks", "invoices"] {
        mirror(s, table).create(&mut *conn).await.unwrap();
    }
}

fn mirror(s: &Ident, table: &str) -> Mirror {
    Mirror::new(Some(s.as_str()), table).unwrap()
}

fn tables(s: &Ident) -> (Table, Table) {
    let tracks = Table::new(Some(s.as_str()), "tracks")
        .and_then(|t| t.column("id", "id"))
        .unwrap();
    let lines = ElementTable::new(Some(s.as_str()), "invoice_lines")
        .and_then(|t| t.parent_key("invoice_id", "id"))
        .and_then(|t| t.position("line_no"))
        .and_then(|t| t.column("track_id", "track"))
        .and_then(|t| t.column("quantity", "quantity"))
        .unwrap();
    let invoices = Table::new(Some(s.as_str()), "invoices")
        .and_then(|t| t.column("number", "number"))
        .and_then(|t| t.auto_key("id", "id"))
        .and_then(|t| t.collection("lines", lines))
        .unwrap();
    (tracks, invoices)
}

async fn lines_are_stored_in_their_child_table(conn: &mut PgConnection, s: &Ident, store: Store) {
    let (tracks, invoices) = tables(s);
    let mut faker = Faker::new(17);
    store
        .attach::<Track>(&mut faker, tracks, mirror(s, "tracks"))
        .await;
    store
        .attach::<Invoice>(&mut faker, invoices, mirror(s, "invoices"))
        .await;
    let created = faker.create_many::<Invoice>(INVOICES).await.unwrap();
    store.finish().await;

    // Every line, keyed by its invoice's assigned id, at its position, as generated.
    let rows: Vec<(i64, i32, i64, i32)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT invoice_id, line_no, track_id, quantity FROM {s}.invoice_lines
         ORDER BY invoice_id, line_no"
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut expected: Vec<(i64, i32, i64, i32)> = created
        .iter()
        .flat_map(|i| {
            i.lines
                .iter()
                .enumerate()
                .map(move |(n, l)| (i.id, n as i32, l.track, l.quantity))
        })
        .collect();
    expected.sort();
    // 0..=6 lines, uniform: about 3 per invoice, and some invoices have none.
    assert!(expected.len() > 1_000, "{} lines", expected.len());
    assert!(created.iter().any(|i| i.lines.is_empty()));
    assert_eq!(rows, expected);
    // Assigned keys 1..=n, as in memory.
    let ids: Vec<i64> = created.iter().map(|i| i.id).collect();
    assert_eq!(ids, (1..=INVOICES as i64).collect::<Vec<_>>());
    assert_eq!(
        count(conn, format!("SELECT count(*) FROM {s}.invoices")).await,
        INVOICES as i64
    );
    // The mirror keeps the lines nested: the invoice reads back whole.
    for invoice in created.iter().step_by(50) {
        let back = faker.get::<Invoice>(&invoice.id).await.unwrap().unwrap();
        assert_eq!(&back, invoice);
    }
}

#[tokio::test]
async fn lines_go_to_a_child_table_per_aggregate() {
    in_schema("collections_rows", |mut conn, s| async move {
        create_tables(&mut conn, &s).await;
        lines_are_stored_in_their_child_table(&mut conn, &s, Store::Rows(pool().await)).await;
    })
    .await;
}

#[tokio::test]
async fn lines_go_to_a_child_table_in_bulk() {
    in_schema("collections_bulk", |mut conn, s| async move {
        create_tables(&mut conn, &s).await;
        // Small batches: several of them, each with its invoices' lines.
        let options = BulkOptions {
            batch_rows: 100,
            ..BulkOptions::default()
        };
        let writer = BulkWriter::new(pool().await, options);
        lines_are_stored_in_their_child_table(&mut conn, &s, Store::Bulk(writer)).await;
    })
    .await;
}

// ------------------------------------------------ enums: a variant's field, and enum elements

/// A payment with data in one variant only: `insurer` is in the state of `Insurance` and
/// absent from `Cash`'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Payment {
    #[weight(0.6)]
    Insurance {
        #[provider(one_of = ["AOK", "TK"], weights = [0.5, 0.5])]
        insurer: String,
    },
    #[weight(0.4)]
    Cash,
}

/// A unit enum as the elements of a collection: each element's state is its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Provider)]
#[serde(rename_all = "snake_case")]
enum Flag {
    Urgent,
    Followup,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Visit {
    #[provider(id, auto_key)]
    id: i64,
    #[provider(composite)]
    payment: Payment,
    #[provider(collection, range = 0..=2)]
    flags: Vec<Flag>,
}

const VISITS: u64 = 500;

async fn create_visit_tables(conn: &mut PgConnection, s: &Ident) {
    execute(
        &mut *conn,
        format!(
            "CREATE TABLE {s}.visits (id bigserial PRIMARY KEY, kind text NOT NULL, insurer text);
             CREATE TABLE {s}.visit_flags (
                 visit_id bigint NOT NULL REFERENCES {s}.visits (id),
                 pos int NOT NULL,
                 flag text NOT NULL,
                 PRIMARY KEY (visit_id, pos))"
        ),
    )
    .await;
    mirror(s, "visits").create(&mut *conn).await.unwrap();
}

/// An optional column is `NULL` where the variant has no such field (a plain `column` would
/// report the path missing); a unit-enum element is stored by its name (an empty path is the
/// element itself).
async fn variant_fields_and_enum_elements_are_stored(
    conn: &mut PgConnection,
    s: &Ident,
    store: Store,
) {
    let flags = ElementTable::new(Some(s.as_str()), "visit_flags")
        .and_then(|t| t.parent_key("visit_id", "id"))
        .and_then(|t| t.position("pos"))
        .and_then(|t| t.column("flag", ""))
        .unwrap();
    let visits = Table::new(Some(s.as_str()), "visits")
        .and_then(|t| t.auto_key("id", "id"))
        .and_then(|t| t.column("kind", "payment.kind"))
        .and_then(|t| t.optional_column("insurer", "payment.insurer"))
        .and_then(|t| t.collection("flags", flags))
        .unwrap();
    let mut faker = Faker::new(5);
    store
        .attach::<Visit>(&mut faker, visits, mirror(s, "visits"))
        .await;
    let created = faker.create_many::<Visit>(VISITS).await.unwrap();
    store.finish().await;

    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, kind, insurer FROM {s}.visits ORDER BY id"
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let expected: Vec<(i64, String, Option<String>)> = created
        .iter()
        .map(|v| match &v.payment {
            Payment::Insurance { insurer } => (v.id, "insurance".into(), Some(insurer.clone())),
            Payment::Cash => (v.id, "cash".into(), None),
        })
        .collect();
    assert_eq!(rows, expected);
    // Planned variant shares: exactly 300 insured and 200 cash visits.
    assert_eq!(rows.iter().filter(|r| r.2.is_none()).count(), 200);

    let stored: Vec<(i64, i32, String)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT visit_id, pos, flag FROM {s}.visit_flags ORDER BY visit_id, pos"
    )))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let expected: Vec<(i64, i32, String)> = created
        .iter()
        .flat_map(|v| {
            v.flags.iter().enumerate().map(move |(n, f)| {
                let name = match f {
                    Flag::Urgent => "urgent",
                    Flag::Followup => "followup",
                };
                (v.id, n as i32, name.to_owned())
            })
        })
        .collect();
    assert!(expected.len() > 300, "{} flags", expected.len());
    assert_eq!(stored, expected);
    for visit in created.iter().step_by(37) {
        let back = faker.get::<Visit>(&visit.id).await.unwrap().unwrap();
        assert_eq!(&back, visit);
    }
}

#[tokio::test]
async fn variant_fields_and_enum_elements_per_aggregate() {
    in_schema("collections_enum_rows", |mut conn, s| async move {
        create_visit_tables(&mut conn, &s).await;
        variant_fields_and_enum_elements_are_stored(&mut conn, &s, Store::Rows(pool().await)).await;
    })
    .await;
}

#[tokio::test]
async fn variant_fields_and_enum_elements_in_bulk() {
    in_schema("collections_enum_bulk", |mut conn, s| async move {
        create_visit_tables(&mut conn, &s).await;
        let options = BulkOptions {
            batch_rows: 64,
            ..BulkOptions::default()
        };
        let writer = BulkWriter::new(pool().await, options);
        variant_fields_and_enum_elements_are_stored(&mut conn, &s, Store::Bulk(writer)).await;
    })
    .await;
}
