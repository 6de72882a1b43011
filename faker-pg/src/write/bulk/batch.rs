//! Batches: the writer's state behind its lock, the registered tables in dependency order, and
//! one batch as one transaction — every table's `COPY` in order, the guard just before the last
//! table, the publications just before the commit; in the foreground or in a spawned task (at
//! most one in flight).

use std::sync::Arc;

use faker_core::feed::StoreOutcomes;
use faker_core::repository::BoxFuture;
use sqlx::{PgConnection, PgPool};
use tokio::task::JoinHandle;

use crate::ident::QualifiedName;
use crate::write::bulk::buffer::{Meta, Rows};
use crate::write::bulk::direct::Scratch;
use crate::write::bulk::error::BulkError;
use crate::write::keys::ReservedKeys;

/// Sizes and mode of a [`BulkWriter`](crate::write::bulk::BulkWriter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOptions {
    /// Buffered application rows (all tables together) that start a batch. Default 100 000
    /// (about 25 MB of CSV for bookstore-sized rows; two batches' worth with `background`).
    pub batch_rows: usize,
    /// Keys reserved from a sequence at a time. Default 1 000.
    pub key_block: u32,
    /// Write automatic batches in a spawned task while generation goes on (at most one in
    /// flight). Default true. When false, the insert that fills a batch writes it.
    pub background: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            batch_rows: 100_000,
            key_block: 1_000,
            background: true,
        }
    }
}

/// Rows written by a batch, or by the whole run
/// ([`BulkWriter::totals`](crate::write::bulk::BulkWriter::totals)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Batches committed.
    pub batches: u64,
    /// Application rows written per table (each has as many mirror rows), in registration
    /// order.
    pub rows: Vec<(QualifiedName, u64)>,
    /// Rows of the last table that a guard refused.
    pub dropped: u64,
}

impl Written {
    /// Rows written into the table `name` (as [`Table::name`](crate::write::table::Table::name)).
    pub fn rows_of(&self, name: &QualifiedName) -> u64 {
        self.rows
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, r)| *r)
    }

    pub(crate) fn add(&mut self, other: &Written) {
        self.batches += other.batches;
        self.dropped += other.dropped;
        for (name, rows) in &other.rows {
            match self.rows.iter_mut().find(|(n, _)| n == name) {
                Some((_, r)) => *r += rows,
                None => self.rows.push((name.clone(), *rows)),
            }
        }
    }
}

/// The future a guard returns.
pub type GuardFuture<'c> = BoxFuture<'c, Result<u64, sqlx::Error>>;

/// The guard of a batch: receives the batch's transaction and the number of buffered rows of
/// the last registered table; returns how many of them may be written (see the
/// [module docs](crate::write::bulk)).
pub type Guard<'g> = dyn for<'c> FnMut(&'c mut PgConnection, u64) -> GuardFuture<'c> + Send + 'g;

/// One registered table: its description, its key reservations, its buffered rows.
pub(crate) struct Buffer {
    pub(crate) meta: Arc<Meta>,
    /// The auto-key column's reserved keys (`None` when the aggregate has no auto key).
    pub(crate) keys: Option<ReservedKeys>,
    pub(crate) rows: Rows,
    /// The direct row encoder's buffers (see `direct`).
    pub(crate) scratch: Scratch,
    /// Where the outcome of this table's rows is reported, if anywhere.
    pub(crate) outcomes: Option<StoreOutcomes>,
    /// Whether a row was ever stored (a publication must come before: see
    /// [`BulkRepository::publish_to`](crate::write::bulk::BulkRepository::publish_to)).
    pub(crate) used: bool,
}

impl Buffer {
    pub(crate) fn name(&self) -> &QualifiedName {
        self.meta.table.name()
    }
}

/// The writer's state, behind its lock.
pub(crate) struct Inner {
    pub(crate) pool: PgPool,
    pub(crate) options: BulkOptions,
    /// Registered tables, in registration (dependency) order.
    pub(crate) tables: Vec<Buffer>,
    /// Application rows buffered in all tables.
    pub(crate) buffered: usize,
    /// The writer's guard (inside the background task while a batch is in flight).
    pub(crate) guard: Option<Box<Guard<'static>>>,
    pub(crate) totals: Written,
    /// Why the writer stopped, after a failed batch.
    failed: Option<String>,
    /// A guard refused rows: the guarded (last) table takes no more.
    pub(crate) refused: bool,
    /// The batch being written in the background.
    pub(crate) in_flight: Option<JoinHandle<Flight>>,
    /// Emptied buffers of the last batch, per table, to be reused.
    spare: Vec<Rows>,
}

/// What a background batch gives back.
pub(crate) struct Flight {
    result: Result<Written, BulkError>,
    guard: Option<Box<Guard<'static>>>,
    rows: Vec<Rows>,
}

impl Inner {
    pub(crate) fn new(pool: PgPool, options: BulkOptions) -> Inner {
        Inner {
            pool,
            options: BulkOptions {
                batch_rows: options.batch_rows.max(1),
                key_block: options.key_block.max(1),
                background: options.background,
            },
            tables: Vec::new(),
            buffered: 0,
            guard: None,
            totals: Written::default(),
            failed: None,
            refused: false,
            in_flight: None,
            spare: Vec::new(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), BulkError> {
        match &self.failed {
            Some(reason) => Err(BulkError::Failed {
                reason: reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Records the outcome of a batch.
    fn settled(&mut self, result: Result<Written, BulkError>) -> Result<Written, BulkError> {
        match result {
            Ok(written) => {
                self.totals.add(&written);
                self.refused |= written.dropped > 0;
                self.report(&written);
                Ok(written)
            }
            Err(e) => {
                self.failed = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// Reports a committed batch to the tables' outcome logs: each table's rows were written
    /// in insertion order, and the guard dropped the tail of the last table's.
    fn report(&self, written: &Written) {
        let last = self.tables.len().saturating_sub(1);
        for (i, buffer) in self.tables.iter().enumerate() {
            if let Some(outcomes) = &buffer.outcomes {
                let dropped = if i == last { written.dropped } else { 0 };
                outcomes.settle_next(written.rows_of(buffer.name()), dropped);
            }
        }
    }

    /// Waits for the batch in flight, if any, and reports it.
    pub(crate) async fn settle(&mut self) -> Result<Written, BulkError> {
        self.check()?;
        let Some(handle) = self.in_flight.take() else {
            return Ok(Written::default());
        };
        match handle.await {
            Ok(flight) => {
                if self.guard.is_none() {
                    self.guard = flight.guard;
                }
                self.spare = flight.rows;
                self.settled(flight.result)
            }
            Err(source) => {
                let e = BulkError::Background {
                    tables: names(self.tables.iter().map(|b| &b.meta)),
                    source,
                };
                self.settled(Err(e))
            }
        }
    }

    /// Takes the buffered rows out as a batch, leaving (reused) empty buffers.
    fn take_batch(&mut self) -> Vec<(Arc<Meta>, Rows)> {
        self.buffered = 0;
        let spare = &mut self.spare;
        self.tables
            .iter_mut()
            .enumerate()
            .map(|(i, buffer)| {
                let fresh = spare.get_mut(i).map(std::mem::take).unwrap_or_default();
                (
                    buffer.meta.clone(),
                    std::mem::replace(&mut buffer.rows, fresh),
                )
            })
            .collect()
    }

    /// Starts writing the buffered rows in the background (after the batch in flight).
    pub(crate) async fn start(&mut self) -> Result<Written, BulkError> {
        let settled = self.settle().await?;
        if self.buffered == 0 {
            return Ok(settled);
        }
        let mut batch = self.take_batch();
        let mut guard = self.guard.take();
        let pool = self.pool.clone();
        self.in_flight = Some(tokio::spawn(async move {
            let result = write_batch(&pool, &mut batch, guard.as_deref_mut()).await;
            Flight {
                result,
                guard,
                rows: recycle(batch),
            }
        }));
        Ok(settled)
    }

    /// Waits for the batch in flight, then writes the buffered rows as one batch (gated by
    /// `guard`, else by the writer's guard). A failure stops the writer.
    pub(crate) async fn flush(
        &mut self,
        guard: Option<&mut Guard<'_>>,
    ) -> Result<Written, BulkError> {
        let mut written = self.settle().await?;
        if self.buffered == 0 {
            return Ok(written);
        }
        let mut batch = self.take_batch();
        let result = match guard {
            Some(guard) => write_batch(&self.pool, &mut batch, Some(guard)).await,
            None => write_batch(&self.pool, &mut batch, self.guard.as_deref_mut()).await,
        };
        self.spare = recycle(batch);
        written.add(&self.settled(result)?);
        Ok(written)
    }
}

/// The emptied buffers of a batch.
fn recycle(batch: Vec<(Arc<Meta>, Rows)>) -> Vec<Rows> {
    batch
        .into_iter()
        .map(|(_, mut rows)| {
            rows.clear();
            rows
        })
        .collect()
}

/// The tables of a batch, for errors about its transaction.
fn names<'m>(metas: impl Iterator<Item = &'m Arc<Meta>>) -> Vec<QualifiedName> {
    metas.map(|m| m.table.name().clone()).collect()
}

/// One transaction: every table in order, the guard just before the last one.
async fn write_batch(
    pool: &PgPool,
    batch: &mut [(Arc<Meta>, Rows)],
    mut guard: Option<&mut Guard<'_>>,
) -> Result<Written, BulkError> {
    let transaction = |batch: &[(Arc<Meta>, Rows)], source| BulkError::Transaction {
        tables: names(batch.iter().map(|(m, _)| m)),
        source,
    };
    let mut tx = pool.begin().await.map_err(|e| transaction(batch, e))?;
    let mut written = Written {
        batches: 1,
        rows: Vec::with_capacity(batch.len()),
        dropped: 0,
    };
    let last = batch.len().saturating_sub(1);
    for (i, (meta, rows)) in batch.iter_mut().enumerate() {
        if i == last && !rows.is_empty() {
            if let Some(guard) = guard.as_deref_mut() {
                let buffered = rows.len() as u64;
                let allowed =
                    guard(&mut tx, buffered)
                        .await
                        .map_err(|source| BulkError::Guard {
                            table: meta.table.name().clone(),
                            source,
                        })?;
                if allowed < buffered {
                    // `allowed < buffered`, which is a `usize`
                    rows.truncate(usize::try_from(allowed).unwrap_or(0));
                    written.dropped = buffered - allowed;
                }
            }
        }
        meta.copy(&mut tx, rows).await?;
        written
            .rows
            .push((meta.table.name().clone(), rows.len() as u64));
    }
    // Last, so that the pool counters stay locked only until the commit right after.
    for (meta, rows) in batch.iter() {
        if let Some(publication) = &meta.publication {
            publication
                .publish(&mut tx, &rows.ids())
                .await
                .map_err(|source| BulkError::Database {
                    table: meta.table.name().clone(),
                    source,
                })?;
        }
    }
    tx.commit().await.map_err(|e| transaction(batch, e))?;
    Ok(written)
}
