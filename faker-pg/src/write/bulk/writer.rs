//! [`BulkWriter`]: the cloneable handle on a writer's buffers — its guard, flushing, finishing,
//! totals. Tables are registered with [`BulkWriter::repository`] (in
//! [`crate::write::bulk::repository`]).

use std::sync::Arc;

use faker_core::repository::BoxFuture;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Mutex;

use crate::coordination::pools::Flush;
use crate::write::bulk::batch::{BulkOptions, GuardFuture, Inner, Written};
use crate::write::bulk::error::BulkError;

/// Shared buffers of bulk mode (a cloneable handle). See the [module docs](crate::write::bulk).
#[derive(Clone)]
pub struct BulkWriter {
    pub(crate) inner: Arc<Mutex<Inner>>,
}

impl BulkWriter {
    /// A writer using connections of `pool`: one for each batch, one for key reservations and
    /// reads (give the pool two connections so they do not wait for each other).
    pub fn new(pool: PgPool, options: BulkOptions) -> BulkWriter {
        BulkWriter {
            inner: Arc::new(Mutex::new(Inner::new(pool, options))),
        }
    }

    /// Sets the guard of every later batch (automatic ones, [`BulkWriter::flush`] and
    /// [`BulkWriter::finish`]).
    pub async fn set_guard<G>(&self, guard: G)
    where
        G: for<'c> FnMut(&'c mut PgConnection, u64) -> GuardFuture<'c> + Send + 'static,
    {
        self.inner.lock().await.guard = Some(Box::new(guard));
    }

    /// Waits for the batch in flight, then writes the buffered rows as one batch (with the
    /// guard set by [`BulkWriter::set_guard`], if any). Returns what both committed.
    pub async fn flush(&self) -> Result<Written, BulkError> {
        self.inner.lock().await.flush(None).await
    }

    /// Like [`BulkWriter::flush`], but the buffered rows are gated by `guard` instead of the
    /// writer's own guard.
    pub async fn flush_with<G>(&self, mut guard: G) -> Result<Written, BulkError>
    where
        G: for<'c> FnMut(&'c mut PgConnection, u64) -> GuardFuture<'c> + Send,
    {
        self.inner.lock().await.flush(Some(&mut guard)).await
    }

    /// Waits for the batch in flight, writes what is still buffered and returns the totals of
    /// the run. Call it once at the end.
    pub async fn finish(&self) -> Result<Written, BulkError> {
        let mut inner = self.inner.lock().await;
        inner.flush(None).await?;
        Ok(inner.totals.clone())
    }

    /// What the committed batches wrote so far (a batch still in flight is not counted).
    pub async fn totals(&self) -> Written {
        self.inner.lock().await.totals.clone()
    }

    /// Application rows buffered for the next batch (all tables; not the batch in flight).
    pub async fn buffered(&self) -> usize {
        self.inner.lock().await.buffered
    }
}

/// A shared pool flushes the writer when another generator waits for a value it buffers.
impl Flush for BulkWriter {
    fn flush(&self) -> BoxFuture<'_, Result<(), Box<dyn std::error::Error + Send + Sync>>> {
        Box::pin(async move {
            BulkWriter::flush(self).await?;
            Ok(())
        })
    }
}
