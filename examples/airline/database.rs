//! The airline's tables in PostgreSQL: airlines, airports, planes (key: airline and tail number)
//! and flights with a composite foreign key to their plane that is NULL when no plane is
//! recorded; faker's JSONB mirrors beside them; the repositories that write into them in `COPY`
//! batches or one statement per aggregate.

use ddd_faker::provider::{Faker, FakerError, Provider};
use faker_pg::Ident;
use faker_pg::write::bulk::{BulkError, BulkOptions, BulkWriter};
use faker_pg::write::{Mirror, PgRepository, Table};
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgPool};

use super::domain::{Airline, Airport, Flight, Plane};

/// Drops and creates `schema` with the airline's tables and faker's mirrors.
pub async fn create_schema(pool: &PgPool, schema: &str) -> Result<(), String> {
    let s = Ident::new(schema).map_err(|e| e.to_string())?.quoted();
    let statements = [
        format!("DROP SCHEMA IF EXISTS {s} CASCADE"),
        format!("CREATE SCHEMA {s}"),
        format!("CREATE TABLE {s}.airlines (id bigint PRIMARY KEY, name text NOT NULL)"),
        format!("CREATE TABLE {s}.airports (id bigint PRIMARY KEY, name text NOT NULL)"),
        format!(
            "CREATE TABLE {s}.planes (
                 carrier bigint NOT NULL REFERENCES {s}.airlines (id),
                 tailnum bigint NOT NULL,
                 seats integer NOT NULL,
                 PRIMARY KEY (carrier, tailnum))"
        ),
        format!(
            "CREATE TABLE {s}.flights (
                 id bigint PRIMARY KEY,
                 carrier bigint NOT NULL REFERENCES {s}.airlines (id),
                 tailnum bigint,
                 origin bigint NOT NULL REFERENCES {s}.airports (id),
                 dest bigint NOT NULL REFERENCES {s}.airports (id),
                 departure_minute integer NOT NULL,
                 FOREIGN KEY (carrier, tailnum) REFERENCES {s}.planes (carrier, tailnum))"
        ),
    ];
    let fail = |e: sqlx::Error| format!("cannot create the schema {schema}: {e}");
    let mut tx = pool.begin().await.map_err(fail)?;
    // `DROP SCHEMA ... CASCADE` on a schema that does not exist yet still says NOTICE.
    sqlx::query("SET LOCAL client_min_messages = warning")
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
    for sql in statements {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
    }
    for table in ["airlines", "airports", "planes", "flights"] {
        mirror(schema, table)?
            .create(&mut tx)
            .await
            .map_err(|e| format!("cannot create the mirror of {table}: {e}"))?;
    }
    tx.commit().await.map_err(fail)
}

fn mirror(schema: &str, table: &str) -> Result<Mirror, String> {
    Mirror::new(Some(schema), table).map_err(|e| e.to_string())
}

/// The application table `name` with its columns and the state paths they are filled from.
fn table(schema: &str, name: &str, columns: &[(&str, &str)]) -> Result<Table, String> {
    let mut table = Table::new(Some(schema), name).map_err(|e| e.to_string())?;
    for (column, path) in columns {
        table = table.column(column, path).map_err(|e| e.to_string())?;
    }
    Ok(table)
}

/// How the aggregates reach the tables.
pub enum Writer {
    /// `COPY` batches: call [`Writer::finish`] at the end.
    Bulk(BulkWriter),
    /// One statement per aggregate, committed as it is created.
    PerAggregate,
}

impl Writer {
    /// Writes what is still buffered (bulk mode).
    pub async fn finish(&self) -> Result<(), String> {
        match self {
            Writer::Bulk(writer) => writer
                .finish()
                .await
                .map(|_| ())
                .map_err(|e| format!("the last batch failed: {e}")),
            Writer::PerAggregate => Ok(()),
        }
    }
}

/// Gives every aggregate type its PostgreSQL repository (before any is used).
pub async fn attach(
    faker: &mut Faker,
    pool: &PgPool,
    schema: &str,
    bulk: bool,
) -> Result<Writer, String> {
    let writer = bulk.then(|| BulkWriter::new(pool.clone(), BulkOptions::default()));
    let w = writer.as_ref();
    let simple = [("id", "id"), ("name", "name")];
    register::<Airline>(faker, pool, schema, table(schema, "airlines", &simple)?, w).await?;
    register::<Airport>(faker, pool, schema, table(schema, "airports", &simple)?, w).await?;
    let planes = table(
        schema,
        "planes",
        &[
            ("carrier", "id.carrier"),
            ("tailnum", "id.tailnum"),
            ("seats", "seats"),
        ],
    )?;
    register::<Plane>(faker, pool, schema, planes, w).await?;
    // `tailnum` is an `Option<PlaneId>`: both columns of its key come from it, and a flight
    // without a plane has NULL there (the airline column is the flight's own).
    let flights = table(
        schema,
        "flights",
        &[
            ("id", "id"),
            ("carrier", "carrier"),
            ("tailnum", "tailnum.tailnum"),
            ("origin", "origin"),
            ("dest", "dest"),
            ("departure_minute", "departure_minute"),
        ],
    )?;
    register::<Flight>(faker, pool, schema, flights, w).await?;
    Ok(match writer {
        Some(writer) => Writer::Bulk(writer),
        None => Writer::PerAggregate,
    })
}

async fn register<A>(
    faker: &mut Faker,
    pool: &PgPool,
    schema: &str,
    table: Table,
    bulk: Option<&BulkWriter>,
) -> Result<(), String>
where
    A: Provider + DeserializeOwned,
{
    let mirror = mirror(schema, table.name().name().as_str())?;
    let late = |e: FakerError| e.to_string();
    match bulk {
        Some(writer) => {
            let repository = writer
                .repository::<A>(table, mirror)
                .await
                .map_err(|e: BulkError| e.to_string())?;
            faker.set_repository::<A>(repository).map_err(late)?;
        }
        None => {
            faker
                .set_repository::<A>(PgRepository::new(pool.clone(), Some(table), mirror))
                .map_err(late)?;
        }
    }
    Ok(())
}
