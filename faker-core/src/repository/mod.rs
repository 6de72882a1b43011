//! Repositories: where generated aggregates go.
//!
//! A [`Repository`] stores aggregates of one type. The embedded default is
//! [`InMemoryRepository`]; PostgreSQL repositories live in `faker-pg`, and an application can
//! plug in its own (calling its real repositories or command handlers) by implementing the
//! trait. Methods return boxed futures so that repositories can be chosen at run time
//! (`Box<dyn Repository<A>>`) and still do asynchronous I/O.

pub(crate) mod error;
mod memory;
pub mod shared;

pub use error::RepositoryError;
pub use memory::InMemoryRepository;
pub use shared::{SharedPool, SharedSequences, SlotClaim};

use std::future::Future;
use std::pin::Pin;

use crate::provider::traits::Provider;
use crate::spec::Query;

/// A boxed, sendable future, as repository methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What [`Repository::dispatch`] did with an aggregate.
pub enum Dispatch<A> {
    /// Nothing: the repository stores inline. The aggregate comes back, to be given to
    /// [`Repository::insert`].
    Inline(A),
    /// The insert is on its way: the future gives the aggregate as stored (its assigned key
    /// written in) once the storage answered. It borrows nothing, so the caller can go on
    /// using the repository meanwhile; it must hand the result to [`Repository::settle`].
    Started(BoxFuture<'static, Result<A, RepositoryError>>),
}

impl<A> std::fmt::Debug for Dispatch<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Dispatch::Inline(_) => "Dispatch::Inline",
            Dispatch::Started(_) => "Dispatch::Started",
        })
    }
}

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

    /// Starts storing `aggregate` without waiting for the storage's answer, when the storage
    /// can take several inserts at once and answers each later (an application receiving
    /// commands: see [`crate::command`]). The Faker then draws the next aggregates while the
    /// answer is on its way (pipelining, see
    /// [`Faker::set_pipeline`](crate::provider::Faker::set_pipeline)) and calls
    /// [`Repository::settle`] with what the future gives. By default the aggregate comes back
    /// ([`Dispatch::Inline`]) and is stored with [`Repository::insert`].
    fn dispatch(&mut self, aggregate: A, key_given: bool) -> Dispatch<A> {
        let _ = key_given;
        Dispatch::Inline(aggregate)
    }

    /// Takes back an aggregate whose dispatched insert succeeded (see
    /// [`Repository::dispatch`]), e.g. to serve it to `get` and `find`; returns it as kept.
    /// By default it is returned as it is.
    fn settle(&mut self, stored: A) -> BoxFuture<'_, Result<A, RepositoryError>> {
        Box::pin(std::future::ready(Ok(stored)))
    }

    /// Told the seed of the Faker it is given to ([`Faker::set_repository`](crate::provider::Faker::set_repository)
    /// calls it): a repository whose writes must be the same in every run of that seed (the
    /// idempotency keys of commands, see [`crate::command::Command::idempotency_key`]) keeps
    /// it. Does nothing by default.
    fn attach_run(&mut self, seed: u64) {
        let _ = seed;
    }
}

/// Writes a key the storage assigned (an auto-increment, a `RETURNING`, a response body) into
/// `aggregate` with [`Provider::assign_key`], failing with the
/// [`RepositoryError::AssignKey`] every repository reports.
pub fn assign_key<A: Provider>(
    aggregate: &mut A,
    key: serde_json::Value,
) -> Result<(), RepositoryError> {
    aggregate
        .assign_key(key.clone())
        .map_err(|source| RepositoryError::AssignKey {
            aggregate: A::NAME,
            key,
            source,
        })
}
