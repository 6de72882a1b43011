//! [`BulkRepository`]: the [`Repository`] of one registered table — registering it
//! ([`BulkWriter::repository`]), buffering an aggregate with its reserved key, and answering
//! `get` and `find` from the buffers and the mirror.

use std::marker::PhantomData;
use std::sync::Arc;

use faker_core::feed::StoreOutcomes;
use faker_core::provider::{JsonValue, Provider};
use faker_core::repository::{BoxFuture, Repository, RepositoryError};
use faker_core::spec::Query;
use serde::de::DeserializeOwned;

use crate::coordination::log::Publication;
use crate::write::bulk::batch::Buffer;
use crate::write::bulk::buffer::{EscapedId, Meta, Rows};
use crate::write::bulk::direct::Scratch;
use crate::write::bulk::error::BulkError;
use crate::write::bulk::writer::BulkWriter;
use crate::write::keys::{ReservedKeys, assign_key};
use crate::write::mirror::Mirror;
use crate::write::table::{Table, export};

impl BulkWriter {
    /// Registers `table` (with its `mirror`, or `None`) as the next table of every batch and
    /// returns the repository that buffers `A`s into it. Register in dependency order
    /// (referenced tables first). Checks the auto-key column: it must be mapped when `A` has an
    /// auto key, and have a sequence that accepts explicit keys.
    ///
    /// Without a mirror a batch copies the application rows only (the mirror's JSONB and its
    /// GIN index cost more to write than the rows themselves); `get` and `find` then commit
    /// what is buffered and read the application table back ([`crate::write::read_back`]).
    /// A shared pool ([`crate::coordination::pools`]) reads values from a mirror: give tables
    /// that other processes reuse one.
    pub async fn repository<A>(
        &self,
        table: Table,
        mirror: impl Into<Option<Mirror>>,
    ) -> Result<BulkRepository<A>, BulkError>
    where
        A: Provider + DeserializeOwned,
    {
        let mut inner = self.inner.lock().await;
        if inner.tables.iter().any(|b| b.name() == table.name()) {
            return Err(BulkError::Registered {
                table: table.name().clone(),
            });
        }
        let keys = match (A::auto_key(), table.auto_column()) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(BulkError::NoAutoColumn {
                    table: table.name().clone(),
                    aggregate: A::NAME,
                });
            }
            (Some(_), Some(_)) => {
                Some(ReservedKeys::resolve(&inner.pool, &table, inner.options.key_block).await?)
            }
        };
        let index = inner.tables.len();
        inner.tables.push(Buffer {
            meta: Arc::new(Meta::new(table, mirror.into(), None)),
            keys,
            rows: Rows::default(),
            scratch: Scratch::default(),
            outcomes: None,
            used: false,
        });
        Ok(BulkRepository {
            writer: self.clone(),
            index,
            _aggregate: PhantomData,
        })
    }
}

/// Buffers aggregates of `A` for a [`BulkWriter`]. See the [module docs](crate::write::bulk).
pub struct BulkRepository<A> {
    writer: BulkWriter,
    index: usize,
    _aggregate: PhantomData<fn() -> A>,
}

impl<A> BulkRepository<A>
where
    A: Provider + DeserializeOwned,
{
    /// Also publishes this table's aggregates in a shared pool's log, inside each batch's
    /// transaction (see [`crate::coordination::pools`]). Call it before the first insert:
    /// rows stored before it would be missing from the log, so it is then refused
    /// ([`BulkError::PublishedLate`]).
    pub async fn publish_to(self, publication: Publication) -> Result<Self, BulkError> {
        {
            let mut inner = self.writer.inner.lock().await;
            if let Some(buffer) = inner.tables.get_mut(self.index) {
                if buffer.used {
                    return Err(BulkError::PublishedLate {
                        table: buffer.name().clone(),
                    });
                }
                let meta = &buffer.meta;
                buffer.meta = Arc::new(Meta::new(
                    meta.table.clone(),
                    meta.mirror.clone(),
                    Some(publication),
                ));
            }
        }
        Ok(self)
    }

    /// Reports the outcome of every row of this table to `outcomes`, batch by batch (rows
    /// written, then rows the guard dropped), for a
    /// [`HoldingSink`](faker_core::feed::HoldingSink) that holds the feed's records until then.
    /// Call it before the first insert. A failed batch reports nothing: its records stay held,
    /// and the holding sink refuses to finish.
    pub async fn report_to(self, outcomes: StoreOutcomes) -> Self {
        if let Some(buffer) = self.writer.inner.lock().await.tables.get_mut(self.index) {
            buffer.outcomes = Some(outcomes);
        }
        self
    }

    /// The writer this repository buffers into.
    pub fn writer(&self) -> &BulkWriter {
        &self.writer
    }

    /// The awaits that touch the database (a key block, a batch) are rare and their futures
    /// large: they are boxed where they happen, so that the future of every store, which is
    /// moved into its box, stays small (copying it was 3% of bulk mode's client time).
    async fn store(&self, mut aggregate: A, key_given: bool) -> Result<A, RepositoryError> {
        let mut inner = self.writer.inner.lock().await;
        inner.check()?;
        // Report a finished background batch (above all a failed one) as soon as possible.
        if inner.in_flight.as_ref().is_some_and(|h| h.is_finished()) {
            Box::pin(inner.settle()).await?;
        }
        if inner.refused && self.index + 1 == inner.tables.len() {
            return Err(RepositoryError::Refused {
                table: inner.tables[self.index].name().to_string(),
            });
        }
        let inner = &mut *inner;
        let buffer = &mut inner.tables[self.index];
        buffer.used = true;
        // `keys` is there exactly when `A` has an auto key (checked when the repository was
        // made): cheaper than asking `A::auto_key()`, which builds its path on every call.
        if let (false, Some(keys)) = (key_given, buffer.keys.as_mut()) {
            let key = match keys.take() {
                Some(key) => key,
                None => Box::pin(keys.next(&inner.pool)).await?,
            };
            assign_key(&mut aggregate, JsonValue::from(key))?;
        }
        let id = aggregate.id();
        if !buffer
            .meta
            .push_direct(&mut buffer.rows, &mut buffer.scratch, &aggregate, &id)?
        {
            let state = export::<A>(&aggregate)?;
            buffer.meta.push(&mut buffer.rows, &state, &id)?;
        }
        inner.buffered += 1;
        if inner.buffered >= inner.options.batch_rows {
            if inner.options.background {
                Box::pin(inner.start()).await?;
            } else {
                Box::pin(inner.flush(None)).await?;
            }
        }
        Ok(aggregate)
    }
}

impl<A> Repository<A> for BulkRepository<A>
where
    A: Provider + DeserializeOwned,
{
    fn insert(
        &mut self,
        aggregate: A,
        key_given: bool,
    ) -> BoxFuture<'_, Result<A, RepositoryError>> {
        Box::pin(self.store(aggregate, key_given))
    }

    /// From the buffered rows, else from the mirror (after the batch in flight). Without a
    /// mirror: what is buffered is committed first, then the table is read back.
    fn get<'a>(&'a self, id: &'a A::Id) -> BoxFuture<'a, Result<Option<A>, RepositoryError>> {
        Box::pin(async move {
            let probe = EscapedId::new(id).map_err(|source| RepositoryError::Export {
                aggregate: A::NAME,
                source,
            })?;
            let mut inner = self.writer.inner.lock().await;
            inner.settle().await?;
            let meta = inner.tables[self.index].meta.clone();
            let Some(mirror) = &meta.mirror else {
                inner.flush(None).await?;
                return Ok(meta.table.get_stored(&inner.pool, id).await?);
            };
            if let Some(state) = inner.tables[self.index].rows.pending(&probe) {
                let state = serde_json::from_slice(&state).map_err(|e| mirror.decode_error(e))?;
                return Ok(Some(state));
            }
            Ok(mirror.get(&inner.pool, id).await?)
        })
    }

    /// The mirror's matches (committed batches, after the batch in flight), then the buffered
    /// ones: insertion order. Without a mirror: what is buffered is committed first, then the
    /// table is read back and the query evaluated on it.
    fn find<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Vec<A>, RepositoryError>> {
        Box::pin(async move {
            let mut inner = self.writer.inner.lock().await;
            inner.settle().await?;
            let meta = inner.tables[self.index].meta.clone();
            let Some(mirror) = &meta.mirror else {
                inner.flush(None).await?;
                return Ok(meta.table.find_stored(&inner.pool, query).await?);
            };
            let mut found: Vec<A> = mirror.find(&inner.pool, query).await?;
            for bytes in inner.tables[self.index].rows.pending_states() {
                let state: JsonValue =
                    serde_json::from_slice(&bytes).map_err(|e| mirror.decode_error(e))?;
                if query.matches(&state) {
                    found.push(mirror.decode(state)?);
                }
            }
            Ok(found)
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}
