//! Repositories: where generated aggregates go.
//!
//! A [`Repository`] stores aggregates of one type. The embedded default is
//! [`InMemoryRepository`]; PostgreSQL repositories live in `faker-pg`, and an application can
//! plug in its own (calling its real repositories or command handlers) by implementing the
//! trait. Methods return boxed futures so that repositories can be chosen at run time
//! (`Box<dyn Repository<A>>`) and still do asynchronous I/O.

mod memory;
pub mod shared;

pub use memory::InMemoryRepository;
pub use shared::{SharedPool, SharedSequences, SlotClaim};

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use thiserror::Error;

use crate::provider::{KeyError, Provider};
use crate::spec::Query;

/// A boxed, sendable future, as repository methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Storage for aggregates of type `A`.
pub trait Repository<A: Provider>: Send + Sync {
    /// Stores a new aggregate and returns it as stored. When the aggregate has an
    /// auto-assigned key ([`Provider::auto_key`]) and `key_given` is false, the repository
    /// assigns the key (auto-increment, `RETURNING`, a response body, ...) and writes it into
    /// the returned aggregate with [`Provider::assign_key`], so references see the real id.
    fn insert(
        &mut self,
        aggregate: A,
        key_given: bool,
    ) -> BoxFuture<'_, Result<A, RepositoryError>>;

    /// The aggregate with this id, if stored.
    fn get<'a>(&'a self, id: &'a A::Id) -> BoxFuture<'a, Result<Option<A>, RepositoryError>>;

    /// Every stored aggregate whose exported state matches `query`, in insertion order.
    fn find<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Vec<A>, RepositoryError>>;

    /// Downcasting support, so callers can reach a concrete repository they registered.
    fn as_any(&self) -> &dyn std::any::Any;

    /// Mutable downcasting support.
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

/// A repository operation that failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RepositoryError {
    /// An aggregate with this id is already stored.
    #[error("duplicate id {id} in `{aggregate}`")]
    DuplicateId { aggregate: &'static str, id: Value },
    /// The aggregate could not be exported to JSON (for matching or storage).
    #[error("cannot export `{aggregate}` as JSON: {source}")]
    Export {
        aggregate: &'static str,
        source: serde_json::Error,
    },
    /// The assigned key could not be written into the aggregate.
    #[error("cannot assign key {key} to `{aggregate}`: {source}")]
    AssignKey {
        aggregate: &'static str,
        key: Value,
        #[source]
        source: KeyError,
    },
    /// The dataset's target size is reached (by this generator or by cooperating ones): the
    /// repository stores no more aggregates. The normal end of a cooperative run; the
    /// aggregate was not stored.
    #[error("`{table}`: the target size is reached")]
    TargetReached {
        /// The table (or collection) whose target is reached.
        table: String,
    },
    /// A batch guard refused the aggregate: the table accepts no more rows (say, cooperating
    /// processes reached the shared target meanwhile). The aggregate was not stored.
    #[error("`{table}`: the batch guard accepts no more rows (the target is reached)")]
    Refused {
        /// The guarded table.
        table: String,
    },
    /// Anything the storage itself reports (I/O, database, HTTP).
    #[error("{0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}
