//! Pools shared with other generators (threads, processes, machines) through a common store.
//!
//! By default every [`Faker`](crate::provider::Faker) keeps its pools to itself: values it
//! created, plus what it was given with `restore`. Several generators filling one database
//! would then each build their own tenants, and a reference drawn by one generator could never
//! land on a value another one created. A [`SharedPool`] (one per aggregate type, set with
//! [`Faker::share_pool`](crate::provider::Faker::share_pool)) closes that gap in two ways:
//!
//! * **Replication** — before each draw on a shared type the Faker asks the pool for the
//!   values other generators added since last time ([`SharedPool::catch_up`]; the
//!   implementation decides how often it really asks its store) and takes them in like
//!   restored aggregates, so dynamic and filtered draws see the whole dataset.
//! * **Shared plan slots** — a planned reference ([`crate::distributor::plan`]) lays its law
//!   over `D` slots; with a shared pool the *binding* of slot to value lives in the store, so
//!   every generator planning the same number of draws uses one plan. On the first local hit
//!   of a slot the Faker [claims](SharedPool::claim) it: either this generator wins and creates
//!   the value (then [binds](SharedPool::bind) it), or another one did and its value is used.
//!   The slot key includes `D`, so generators with different plans never mix slots.
//!
//! A single generator on an empty store behaves exactly as without sharing (it wins every
//! claim and replicates only its own values), so a seed still gives one dataset.
//!
//! `faker-pg` implements this on PostgreSQL (`faker_pg::coordination`).

use super::{BoxFuture, RepositoryError};
use crate::provider::traits::Provider;

/// What a slot claim decided.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotClaim<A> {
    /// This generator holds the slot: create the value and [bind](SharedPool::bind) it.
    Create,
    /// The slot is bound to this aggregate, stored and visible to every generator: use it.
    Bound(A),
}

/// A pool of `A`s shared with other generators; see the [module docs](self).
pub trait SharedPool<A: Provider>: Send + Sync {
    /// The aggregates other generators added since the previous call (may be none, and may
    /// include this generator's own; the Faker ignores values it already holds). Called before
    /// every draw on the pool, so an implementation should return quickly when it asked its
    /// store only a moment ago.
    fn catch_up(&mut self) -> BoxFuture<'_, Result<Vec<A>, RepositoryError>>;

    /// Claims `slot` of the shared plan `plan`. Returns [`SlotClaim::Bound`] only with an
    /// aggregate every generator can reference (committed); waits while another live
    /// generator is still creating the slot's value.
    fn claim<'a>(
        &'a mut self,
        plan: &'a str,
        slot: u32,
    ) -> BoxFuture<'a, Result<SlotClaim<A>, RepositoryError>>;

    /// Binds `slot` of `plan`, claimed by this generator, to the stored aggregate `id`.
    fn bind<'a>(
        &'a mut self,
        plan: &'a str,
        slot: u32,
        id: &'a A::Id,
    ) -> BoxFuture<'a, Result<(), RepositoryError>>;
}

/// Sequence numbers shared with other generators: every generator drawing from one sequence
/// gets distinct numbers (see [`Faker::share_sequences`](crate::provider::Faker::share_sequences)).
///
/// `faker-pg` implements it with PostgreSQL sequences (`faker_pg::coordination::sequences::PgSequences`).
pub trait SharedSequences: Send + Sync {
    /// Reserves a block of consecutive numbers of sequence `key` (created on first use,
    /// counting from 0) for this generator alone; returns its first number and its length.
    fn reserve<'a>(
        &'a mut self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<(u64, u64), RepositoryError>>;
}
