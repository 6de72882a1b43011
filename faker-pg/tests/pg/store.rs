//! Where a test's Faker writes: a table repository per aggregate type (one transaction per
//! aggregate) or one bulk writer for all of them (`COPY` batches), so that a test runs the
//! same body in both write modes.

use faker_core::provider::{Faker, Provider};
use faker_pg::write::bulk::BulkWriter;
use faker_pg::write::{Mirror, PgRepository, Table};
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

pub(crate) enum Store {
    Rows(PgPool),
    Bulk(BulkWriter),
}

impl Store {
    /// Stores `A` in `table` (and its `mirror`).
    pub(crate) async fn attach<A: Provider + DeserializeOwned>(
        &self,
        faker: &mut Faker,
        table: Table,
        mirror: Mirror,
    ) {
        match self {
            Store::Rows(pool) => faker
                .set_repository::<A>(PgRepository::new(pool.clone(), Some(table), mirror))
                .map(|_| ()),
            Store::Bulk(writer) => faker
                .set_repository::<A>(writer.repository::<A>(table, mirror).await.unwrap())
                .map(|_| ()),
        }
        .unwrap();
    }

    /// Writes what the bulk writer still holds.
    pub(crate) async fn finish(&self) {
        if let Store::Bulk(writer) = self {
            writer.finish().await.unwrap();
        }
    }
}

/// The one number `sql` selects.
pub(crate) async fn count(conn: &mut PgConnection, sql: String) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}
