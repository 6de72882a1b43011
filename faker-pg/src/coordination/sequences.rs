//! [`PgSequences`]: sequence numbers shared by every generator on a schema (the PostgreSQL side
//! of [`SharedSequences`]).

use std::collections::HashMap;

use faker_core::repository::{BoxFuture, RepositoryError, SharedSequences};
use sqlx::{AssertSqlSafe, PgPool};

use crate::coordination::error::SharedError;
use crate::ident::{Ident, IdentError, QualifiedName, string_literal};

/// Sequence numbers shared by every generator on a schema: one PostgreSQL sequence per
/// sequence key (`Book.id/` — type, field, scope), created on first use as
/// `<schema>.faker_seq_<hash of the key>` with the key as its comment. The sequence's increment
/// is the block size: one `nextval` reserves a whole block for one generator, so numbers are
/// distinct across processes and a block costs one round trip. Give it to
/// [`Faker::share_sequences`](faker_core::provider::Faker::share_sequences).
pub struct PgSequences {
    pool: PgPool,
    schema: Option<Ident>,
    block: u64,
    /// Resolved sequences and their increments, per key.
    known: HashMap<String, (QualifiedName, u64)>,
}

impl PgSequences {
    /// Sequences in `schema`, reserved `block` numbers at a time (a sequence keeps the block
    /// size it was created with).
    pub fn new(pool: PgPool, schema: Option<&str>, block: u64) -> Result<PgSequences, IdentError> {
        Ok(PgSequences {
            pool,
            schema: schema.map(Ident::new).transpose()?,
            block: block.max(1),
            known: HashMap::new(),
        })
    }

    /// The sequence of `key`, created if needed, and its increment.
    async fn sequence(&mut self, key: &str) -> Result<(QualifiedName, u64), SharedError> {
        if let Some(known) = self.known.get(key) {
            return Ok(known.clone());
        }
        let db = |source| SharedError::Database {
            pool: key.to_string(),
            source,
        };
        let bare = Ident::new(format!("faker_seq_{:016x}", fnv1a(key))).map_err(|source| {
            SharedError::Ident {
                pool: key.to_string(),
                source,
            }
        })?;
        let name = QualifiedName::new(self.schema.clone(), bare);
        // COMMENT takes no bind parameters: the key is written as an escaped literal.
        let comment = string_literal(key).map_err(|source| SharedError::Comment {
            key: key.to_string(),
            source,
        })?;
        let increment = i64::try_from(self.block).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await.map_err(db)?;
        // CREATE SEQUENCE IF NOT EXISTS races between sessions: serialise on the name.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(name.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 0 START 0 INCREMENT {increment}"
        )))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // The key as the sequence's comment, for whoever lists the schema.
        sqlx::query(AssertSqlSafe(format!(
            "COMMENT ON SEQUENCE {name} IS {comment}"
        )))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // The increment it was created with (an earlier run may have chosen another block).
        let actual: i64 = sqlx::query_scalar(
            "SELECT seqincrement FROM pg_sequence WHERE seqrelid = $1::regclass",
        )
        .bind(name.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let found = (name, u64::try_from(actual).unwrap_or(1).max(1));
        self.known.insert(key.to_string(), found.clone());
        Ok(found)
    }
}

/// FNV-1a, 64 bits: a stable name for a sequence key (identifiers are limited to 63 bytes).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SharedSequences for PgSequences {
    fn reserve<'a>(
        &'a mut self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<(u64, u64), RepositoryError>> {
        Box::pin(async move {
            let storage = |e| RepositoryError::Storage(Box::new(e));
            let (name, block) = self.sequence(key).await.map_err(storage)?;
            let first: i64 = sqlx::query_scalar("SELECT nextval($1::regclass)")
                .bind(name.to_string())
                .fetch_one(&self.pool)
                .await
                .map_err(|source| {
                    storage(SharedError::Database {
                        pool: key.to_string(),
                        source,
                    })
                })?;
            Ok((u64::try_from(first).unwrap_or(0), block))
        })
    }
}
