//! The coordination tables of a schema, and [`Publication`]: how a writer appends the aggregates
//! it stores to a shared pool's log, inside its own transaction.
//!
//! Writers (in [`crate::write`]) depend on this module; it depends on nothing but [`crate::ident`].

use sqlx::{AssertSqlSafe, PgConnection};

use crate::ident::{Ident, IdentError, QualifiedName};

/// Names of the shared tables of one schema (see [`crate::coordination::pools`]).
#[derive(Debug, Clone)]
pub(crate) struct SharedTables {
    /// `faker_pool`: the pool log.
    pub(crate) log: QualifiedName,
    /// `faker_pool_size`: the counter row of each pool.
    pub(crate) size: QualifiedName,
    /// `faker_slot`: which value each slot of a shared plan holds.
    pub(crate) slot: QualifiedName,
}

impl SharedTables {
    pub(crate) fn new(schema: Option<&str>) -> Result<SharedTables, IdentError> {
        let schema = schema.map(Ident::new).transpose()?;
        let name = |t: &str| Ident::new(t).map(|t| QualifiedName::new(schema.clone(), t));
        Ok(SharedTables {
            log: name("faker_pool")?,
            size: name("faker_pool_size")?,
            slot: name("faker_slot")?,
        })
    }
}

/// Writes into a pool log: what a repository needs to publish the aggregates it stores.
#[derive(Debug, Clone)]
pub struct Publication {
    tables: SharedTables,
    pool: String,
}

impl Publication {
    pub(crate) fn new(tables: SharedTables, pool: &str) -> Publication {
        Publication {
            tables,
            pool: pool.to_string(),
        }
    }

    /// The pool's name.
    pub fn pool(&self) -> &str {
        &self.pool
    }

    /// Data-modifying CTEs that publish the id `id_expr` (an SQL expression over the CTE
    /// `source`), with the pool name bound as parameter `$param`. They start with a comma, to
    /// follow the caller's own CTEs.
    pub(crate) fn ctes(&self, source: &str, id_expr: &str, param: usize) -> String {
        format!(
            ", pool_position AS (UPDATE {size} SET size = size + 1 WHERE pool = ${param} RETURNING size - 1 AS p),
               pool_log AS (INSERT INTO {log} (pool, position, value_id)
                            SELECT ${param}, pool_position.p, {id_expr} FROM pool_position, {source})",
            size = self.tables.size,
            log = self.tables.log,
        )
    }

    /// Publishes `ids` (JSON texts) in order, inside the caller's transaction. The counter row
    /// stays locked until that transaction ends: call it last, just before the commit.
    pub async fn publish(
        &self,
        conn: &mut PgConnection,
        ids: &[String],
    ) -> Result<(), sqlx::Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "WITH n AS (UPDATE {size} SET size = size + cardinality($2::text[]) WHERE pool = $1
                        RETURNING size - cardinality($2::text[]) AS first)
             INSERT INTO {log} (pool, position, value_id)
             SELECT $1, n.first + u.o - 1, u.v::jsonb FROM n, unnest($2::text[]) WITH ORDINALITY AS u(v, o)",
            size = self.tables.size,
            log = self.tables.log,
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&self.pool)
            .bind(ids)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
