//! Write-behind for [`PgRepository`](crate::write::repository::PgRepository): stores run in
//! background tasks, a bounded number at a time, so that one generator keeps several
//! transactions in flight (see
//! [`PgRepository::behind`](crate::write::repository::PgRepository::behind)). Auto-assigned keys
//! are reserved ahead ([`crate::write::keys`]), so `insert` returns the aggregate with its key
//! before its store commits.
//!
//! Why: per-aggregate mode commits one transaction per aggregate, and a lone generator waits
//! for each commit's round trip and disk flush before it builds the next aggregate. With `depth`
//! stores in flight on as many connections the generator no longer waits, and PostgreSQL
//! flushes concurrent commits together (group commit). Each aggregate is still written
//! atomically with its mirror row and its target claim.
//!
//! `insert` returns before the store commits, so the `Faker` writes the aggregate to its feeds
//! first; a store may still be refused (the target was reached meanwhile) or fail. With
//! [`WriteBehind::report_to`] every store reports its outcome, numbered in `insert` order, to a
//! [`StoreOutcomes`] log that a [`HoldingSink`](faker_core::feed::HoldingSink) waits on, so
//! feeds hold only what was committed.

use std::future::Future;

use faker_core::feed::StoreOutcomes;
use faker_core::repository::RepositoryError;
use sqlx::PgPool;
use tokio::task::{JoinError, JoinSet};

use crate::coordination::target::Credits;
use crate::write::keys::ReservedKeys;
use crate::write::table::Table;

/// Keys reserved from a sequence at a time.
const KEY_BLOCK: u32 = 1_000;

/// An error of write-behind mode itself (a store's own error is the repository's).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BehindError {
    /// A background store panicked or was cancelled.
    #[error("a background store did not complete: {source}")]
    Background {
        #[source]
        source: JoinError,
    },
    /// What was left of the target's leases could not be given back.
    #[error("cannot give back the target's leases: {source}")]
    Release {
        #[source]
        source: sqlx::Error,
    },
}

impl From<BehindError> for RepositoryError {
    fn from(e: BehindError) -> RepositoryError {
        RepositoryError::Storage(Box::new(e))
    }
}

/// The state of write-behind mode, shared by the repository and its [`WriteBehind`] handle.
pub(crate) struct Behind {
    depth: usize,
    /// The stores in flight, each with its ordinal (see [`Behind::spawn`]).
    tasks: JoinSet<(u64, Result<(), RepositoryError>)>,
    /// Stores started so far: the ordinal of the next one.
    started: u64,
    /// Where each store's outcome is reported, if anywhere.
    outcomes: Option<StoreOutcomes>,
    /// The auto-key column's reserved keys, once its sequence is resolved.
    keys: Option<ReservedKeys>,
    /// Stores completed.
    stored: u64,
    /// Stores refused because the target was reached.
    refused: u64,
    /// Round-robin position over the lease slots.
    turn: usize,
}

fn is_refusal(e: &RepositoryError) -> bool {
    matches!(e, RepositoryError::TargetReached { .. })
}

impl Behind {
    pub(crate) fn new(depth: usize) -> Behind {
        Behind {
            depth: depth.max(1),
            tasks: JoinSet::new(),
            started: 0,
            outcomes: None,
            keys: None,
            stored: 0,
            refused: 0,
            turn: 0,
        }
    }

    /// The lease slot for the next store: one per transaction in flight.
    pub(crate) fn next_slot(&mut self) -> usize {
        self.turn = (self.turn + 1) % self.depth;
        self.turn
    }

    /// Starts a store in the background. Stores are numbered in the order they start, which
    /// is the order of the `insert`s that returned `Ok` (the numbering of [`StoreOutcomes`]).
    pub(crate) fn spawn<F>(&mut self, store: F)
    where
        F: Future<Output = Result<(), RepositoryError>> + Send + 'static,
    {
        let ordinal = self.started;
        self.started += 1;
        self.tasks.spawn(async move { (ordinal, store.await) });
    }

    /// Accounts for one finished store; its error, if any, is the caller's.
    fn settle(
        &mut self,
        result: Result<(u64, Result<(), RepositoryError>), JoinError>,
    ) -> Result<(), RepositoryError> {
        // A task that panicked or was cancelled carries no ordinal: its record stays held, and
        // the holding sink refuses to finish (the store's error is returned anyway).
        let result = result.map(|(ordinal, result)| {
            if let Some(outcomes) = &self.outcomes {
                outcomes.settle(ordinal, result.is_ok());
            }
            result
        });
        match result {
            Ok(Ok(())) => {
                self.stored += 1;
                Ok(())
            }
            Ok(Err(e)) => {
                if is_refusal(&e) {
                    self.refused += 1;
                }
                Err(e)
            }
            Err(source) => Err(BehindError::Background { source }.into()),
        }
    }

    /// Reports the stores that finished meanwhile (the first error).
    pub(crate) fn settle_finished(&mut self) -> Result<(), RepositoryError> {
        while let Some(result) = self.tasks.try_join_next() {
            self.settle(result)?;
        }
        Ok(())
    }

    /// Waits until fewer than `depth` stores are in flight.
    pub(crate) async fn make_room(&mut self) -> Result<(), RepositoryError> {
        while self.tasks.len() >= self.depth {
            if let Some(result) = self.tasks.join_next().await {
                self.settle(result)?;
            }
        }
        Ok(())
    }

    /// The next reserved key of `table`'s auto-key column (its sequence resolved on first use).
    pub(crate) async fn next_key(
        &mut self,
        pool: &PgPool,
        table: &Table,
    ) -> Result<i64, RepositoryError> {
        let keys = match self.keys.take() {
            Some(keys) => keys,
            None => ReservedKeys::resolve(pool, table, KEY_BLOCK).await?,
        };
        Ok(self.keys.insert(keys).next(pool).await?)
    }
}

/// What write-behind mode stored, once finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BehindTotals {
    /// Aggregates stored.
    pub stored: u64,
    /// Aggregates handed to `insert` but refused because the target was reached (other
    /// processes filled it meanwhile): they are not in the database.
    pub refused: u64,
}

/// A handle on a write-behind repository: [`WriteBehind::finish`] waits for the stores in
/// flight.
#[derive(Clone)]
pub struct WriteBehind {
    pub(crate) inner: std::sync::Arc<tokio::sync::Mutex<Behind>>,
    /// The repository's leases of its target, given back by `finish`.
    pub(crate) leases: Option<(PgPool, std::sync::Arc<tokio::sync::Mutex<Credits>>)>,
}

impl WriteBehind {
    /// Reports the outcome of every store to `outcomes` (committed, or refused or failed),
    /// numbered in `insert` order, for a [`HoldingSink`](faker_core::feed::HoldingSink) that
    /// holds the feed's records until then. Call it before the first insert.
    pub async fn report_to(&self, outcomes: StoreOutcomes) {
        self.inner.lock().await.outcomes = Some(outcomes);
    }

    /// Waits for every store in flight and gives back what is left of the leases of the
    /// target. Refusals because the target was reached are counted, not errors; any other
    /// failure is returned (after all stores have ended).
    pub async fn finish(&self) -> Result<BehindTotals, RepositoryError> {
        let mut behind = self.inner.lock().await;
        let mut first_error = None;
        while let Some(result) = behind.tasks.join_next().await {
            if let Err(e) = behind.settle(result) {
                if !is_refusal(&e) && first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
        if let (None, Some((pool, credits))) = (&first_error, &self.leases) {
            credits
                .lock()
                .await
                .release(pool)
                .await
                .map_err(|source| BehindError::Release { source })?;
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(BehindTotals {
                stored: behind.stored,
                refused: behind.refused,
            }),
        }
    }
}
