//! The target schema: the Chinook tables with the same names, columns, primary and foreign keys
//! as the sample `scripts/chinook.py` loads (keys are identity columns here, since the
//! repository lets the database assign them), faker's JSONB mirrors beside them, and the
//! repositories that write the generated aggregates into them — in `COPY` batches or one
//! statement per aggregate.

use ddd_faker::provider::Faker;
use faker_pg::Ident;
use faker_pg::write::bulk::{BulkError, BulkOptions, BulkWriter};
use faker_pg::write::{ElementTable, Mirror, PgRepository, Table};
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgPool};

use super::domain::{Album, Artist, Customer, Employee, Genre, Invoice, MediaType, Track};

/// A table of the target schema: its name and its columns after `id` with their SQL types
/// (`{s}` stands for the schema in a `REFERENCES` clause). The columns are named like the
/// aggregate's fields, so each maps the field of the same name.
pub struct TableDef {
    pub name: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
}

const EMPLOYEE: &[(&str, &str)] = &[
    ("last_name", "text NOT NULL"),
    ("first_name", "text NOT NULL"),
    ("title", "text"),
    ("reports_to", "integer REFERENCES {s}.employee (id)"),
    ("birth_date", "timestamptz"),
    ("hire_date", "timestamptz"),
    ("address", "text"),
    ("city", "text"),
    ("state", "text"),
    ("country", "text"),
    ("postal_code", "text"),
    ("phone", "text"),
    ("fax", "text"),
    ("email", "text"),
];

const CUSTOMER: &[(&str, &str)] = &[
    ("first_name", "text NOT NULL"),
    ("last_name", "text NOT NULL"),
    ("company", "text"),
    ("address", "text"),
    ("city", "text"),
    ("state", "text"),
    ("country", "text"),
    ("postal_code", "text"),
    ("phone", "text"),
    ("fax", "text"),
    ("email", "text NOT NULL"),
    ("support_rep_id", "integer REFERENCES {s}.employee (id)"),
];

/// Every table of the sample, referenced tables first (the order of the DDL and of the bulk
/// writer's batches). `playlist` and `playlist_track` are created but not generated: see
/// `PLAYLISTS_NOT_GENERATED`.
pub const TABLES: &[TableDef] = &[
    TableDef {
        name: "artist",
        columns: &[("name", "text")],
    },
    TableDef {
        name: "genre",
        columns: &[("name", "text")],
    },
    TableDef {
        name: "media_type",
        columns: &[("name", "text")],
    },
    TableDef {
        name: "album",
        columns: &[
            ("title", "text NOT NULL"),
            ("artist_id", "integer NOT NULL REFERENCES {s}.artist (id)"),
        ],
    },
    TableDef {
        name: "employee",
        columns: EMPLOYEE,
    },
    TableDef {
        name: "customer",
        columns: CUSTOMER,
    },
    TableDef {
        name: "invoice",
        columns: &[
            (
                "customer_id",
                "integer NOT NULL REFERENCES {s}.customer (id)",
            ),
            ("invoice_date", "timestamptz NOT NULL"),
            ("billing_address", "text"),
            ("billing_city", "text"),
            ("billing_state", "text"),
            ("billing_country", "text"),
            ("billing_postal_code", "text"),
            ("total", "numeric(10,2) NOT NULL"),
        ],
    },
    TableDef {
        name: "track",
        columns: &[
            ("name", "text NOT NULL"),
            ("album_id", "integer REFERENCES {s}.album (id)"),
            (
                "media_type_id",
                "integer NOT NULL REFERENCES {s}.media_type (id)",
            ),
            ("genre_id", "integer REFERENCES {s}.genre (id)"),
            ("composer", "text"),
            ("milliseconds", "integer NOT NULL"),
            ("bytes", "integer"),
            ("unit_price", "numeric(10,2) NOT NULL"),
        ],
    },
    TableDef {
        name: "invoice_line",
        columns: &[
            ("invoice_id", "integer NOT NULL REFERENCES {s}.invoice (id)"),
            ("track_id", "integer NOT NULL REFERENCES {s}.track (id)"),
            ("unit_price", "numeric(10,2) NOT NULL"),
            ("quantity", "integer NOT NULL"),
        ],
    },
    TableDef {
        name: "playlist",
        columns: &[("name", "text")],
    },
];

/// Why the playlists are not generated (printed by the run, and the reason the comparison
/// leaves `playlist_track` out): the model does not describe them yet. It could: the key
/// `(playlist_id, track_id)` is an id made only of references, which the runtime creates or
/// reuses by id, and a joint law over the pair keeps every pair once; what is missing is the
/// law of the playlists' sizes (one playlist of 3 290 tracks, a few of one) written down.
pub const PLAYLISTS_NOT_GENERATED: &str = "playlist and playlist_track are created empty: \
     the model does not describe playlists yet";

/// The tables this example generates (every table of [`TABLES`] but the playlists).
pub fn generated(table: &str) -> bool {
    !matches!(table, "playlist" | "playlist_track")
}

/// The tables of an aggregate type, with faker's mirror: the generated ones but
/// `invoice_line`, whose rows are the lines of the invoices (stored with them).
fn aggregate_table(table: &str) -> bool {
    generated(table) && table != "invoice_line"
}

/// Drops and creates `schema` with the Chinook tables and faker's mirrors.
pub async fn create_schema(pool: &PgPool, schema: &str) -> Result<(), String> {
    let s = Ident::new(schema).map_err(|e| e.to_string())?.quoted();
    let mut statements = vec![
        format!("DROP SCHEMA IF EXISTS {s} CASCADE"),
        format!("CREATE SCHEMA {s}"),
    ];
    for table in TABLES {
        let mut parts = vec!["id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY".to_owned()];
        parts.extend(
            table
                .columns
                .iter()
                .map(|(column, ty)| format!("{column} {}", ty.replace("{s}", &s))),
        );
        statements.push(format!(
            "CREATE TABLE {s}.{} ({})",
            table.name,
            parts.join(", ")
        ));
    }
    // The sample's only table without an `id`: its key is the pair.
    statements.push(format!(
        "CREATE TABLE {s}.playlist_track (
             playlist_id integer NOT NULL REFERENCES {s}.playlist (id),
             track_id integer NOT NULL REFERENCES {s}.track (id),
             PRIMARY KEY (playlist_id, track_id))"
    ));
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
    for table in TABLES.iter().filter(|t| aggregate_table(t.name)) {
        mirror(schema, table.name)?
            .create(&mut tx)
            .await
            .map_err(|e| format!("cannot create the mirror of {}: {e}", table.name))?;
    }
    tx.commit().await.map_err(fail)
}

fn mirror(schema: &str, table: &str) -> Result<Mirror, String> {
    Mirror::new(Some(schema), table).map_err(|e| e.to_string())
}

/// The application table `name`: `id` assigned by the database, every other column filled from
/// the field of the same name.
fn table(schema: &str, name: &str) -> Result<Table, String> {
    let def = TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| format!("no table {name} in the Chinook schema"))?;
    let mut table = Table::new(Some(schema), name)
        .and_then(|t| t.auto_key("id", "id"))
        .map_err(|e| e.to_string())?;
    for (column, _) in def.columns {
        table = table.column(column, column).map_err(|e| e.to_string())?;
    }
    Ok(table)
}

/// How the aggregates reach the tables.
pub enum Writer {
    /// `COPY` batches: call [`BulkWriter::finish`] at the end.
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

/// Gives every aggregate type its PostgreSQL repository (before any is used), in dependency
/// order.
pub async fn attach(
    faker: &mut Faker,
    pool: &PgPool,
    schema: &str,
    bulk: bool,
) -> Result<Writer, String> {
    let writer = bulk.then(|| BulkWriter::new(pool.clone(), BulkOptions::default()));
    register::<Artist>(faker, pool, schema, "artist", writer.as_ref()).await?;
    register::<Genre>(faker, pool, schema, "genre", writer.as_ref()).await?;
    register::<MediaType>(faker, pool, schema, "media_type", writer.as_ref()).await?;
    register::<Album>(faker, pool, schema, "album", writer.as_ref()).await?;
    register::<Employee>(faker, pool, schema, "employee", writer.as_ref()).await?;
    register::<Customer>(faker, pool, schema, "customer", writer.as_ref()).await?;
    register::<Track>(faker, pool, schema, "track", writer.as_ref()).await?;
    register::<Invoice>(faker, pool, schema, "invoice", writer.as_ref()).await?;
    Ok(match writer {
        Some(writer) => Writer::Bulk(writer),
        None => Writer::PerAggregate,
    })
}

async fn register<A>(
    faker: &mut Faker,
    pool: &PgPool,
    schema: &str,
    name: &str,
    bulk: Option<&BulkWriter>,
) -> Result<(), String>
where
    A: ddd_faker::provider::Provider + DeserializeOwned,
{
    let (mut table, mirror) = (table(schema, name)?, mirror(schema, name)?);
    if name == "invoice" {
        table = table
            .collection("lines", lines(schema)?)
            .map_err(|e| e.to_string())?;
    }
    let late = |e: ddd_faker::provider::FakerError| e.to_string();
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

/// The invoice's lines: one row of `invoice_line` per element of `lines`, with the key the
/// database assigned to the invoice (per aggregate) or reserved for it (bulk) in `invoice_id`;
/// the line's own `id` is the table's identity.
fn lines(schema: &str) -> Result<ElementTable, String> {
    let def = TABLES
        .iter()
        .find(|t| t.name == "invoice_line")
        .ok_or("no table invoice_line in the Chinook schema")?;
    let mut lines = ElementTable::new(Some(schema), "invoice_line")
        .and_then(|t| t.parent_key("invoice_id", "id"))
        .map_err(|e| e.to_string())?;
    for (column, _) in def.columns.iter().filter(|(c, _)| *c != "invoice_id") {
        lines = lines.column(column, column).map_err(|e| e.to_string())?;
    }
    Ok(lines)
}
