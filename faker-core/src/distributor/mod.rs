//! Many-to-one distributors: for each draw, *reuse* a value from a pool, *create* a new one,
//! or give a *null*.
//!
//! The parts compose like `rand_distr` distributions — small values, randomness passed in:
//!
//! * [`Pool`] — the values, in creation order, de-duplicated, with per-[`Filter`] sub-pools;
//!   one pool can serve several strategies;
//! * [`Strategy`] — a [`Law`](crate::Law) and a [`Mean`](crate::Mean), dynamic or planned;
//! * [`Nullable`] — the `null_weight` wrapper;
//! * [`Distributor`] — `Nullable<Strategy>`, what `#[distributor(..)]` builds, made from a
//!   [`DistributorConfig`].
//!
//! ```
//! use faker_core::distributor::{DistributorConfig, Draw, ManyToOne, Plannable, Pool};
//! use faker_core::rng::seeded;
//!
//! // #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50, null_weight = 0.1)]
//! let mut authors = DistributorConfig {
//!     weights: Some(vec![0.7, 0.2, 0.07, 0.03]),
//!     mean: Some(50.0),
//!     null_weight: Some(0.1),
//!     ..Default::default()
//! }
//! .build()
//! .unwrap();
//! authors.plan(10_000).unwrap(); // planned mode: 10 000 books will be drawn
//!
//! let (mut rng, mut pool, mut next_id) = (seeded(1), Pool::new(), 0u32);
//! let mut nulls = 0;
//! for _ in 0..10_000 {
//!     match authors.draw(&pool, &mut rng) {
//!         Draw::Reuse(_author) => {}
//!         Draw::Create(ticket) => {
//!             next_id += 1;
//!             authors.fulfil(&mut pool, ticket, next_id);
//!         }
//!         Draw::Null => nulls += 1,
//!     }
//! }
//! assert!((900..1100).contains(&nulls));
//! assert!((170..190).contains(&pool.len())); // 9 000 non-null draws / 50
//! ```

mod alias;
mod avoid;
mod config;
mod counts;
mod draw;
pub(crate) mod joint;
mod journal;
mod nullable;
pub mod plan;
mod pool;
mod prefetch;
mod strategy;
mod value_runs;

pub(crate) use alias::AliasTable;
pub use avoid::Avoid;
pub use config::{Distributor, DistributorConfig};
pub(crate) use counts::Counts;
pub use draw::{Draw, Ticket};
pub(crate) use journal::Journal;
pub use nullable::Nullable;
pub use pool::{Filter, Group, Partition, Pool};
pub use strategy::{Checkpoint, Strategy};

use std::hash::Hash;

use rand::Rng;

use crate::error::ParamError;

/// Switching a distributor to planned mode (independent of the value type).
pub trait Plannable {
    /// Switches to planned mode for `draws` upcoming draws (see [`plan`]).
    fn plan(&mut self, draws: u64) -> Result<(), ParamError>;

    /// True in planned mode.
    fn is_planned(&self) -> bool;
}

/// A many-to-one distributor over a [`Pool`] of `V`.
///
/// The pool is passed to every call instead of being owned, so several distributors can share
/// one pool and the caller decides how it is stored (owned, behind a lock, ...).
pub trait ManyToOne<V: Hash + Eq>: Plannable {
    /// One draw over the whole pool, as a pool position. O(1) amortised, no allocation.
    fn draw_position<R: Rng + ?Sized>(&mut self, pool: &Pool<V>, rng: &mut R) -> Draw<usize>;

    /// One draw over the values `filter` matches, as a pool position.
    fn draw_matching_position<F, R>(
        &mut self,
        pool: &mut Pool<V>,
        filter: &F,
        rng: &mut R,
    ) -> Draw<usize>
    where
        F: Filter<V> + ?Sized,
        R: Rng + ?Sized;

    /// Adds the value created for `ticket` to the pool; returns its position.
    fn fulfil(&mut self, pool: &mut Pool<V>, ticket: Ticket, value: V) -> usize;

    /// One draw over the whole pool.
    #[inline]
    fn draw<'p, R: Rng + ?Sized>(&mut self, pool: &'p Pool<V>, rng: &mut R) -> Draw<&'p V> {
        self.draw_position(pool, rng).map(|i| &pool[i])
    }

    /// One draw over the values `filter` matches.
    fn draw_matching<'p, F, R>(
        &mut self,
        pool: &'p mut Pool<V>,
        filter: &F,
        rng: &mut R,
    ) -> Draw<&'p V>
    where
        F: Filter<V> + ?Sized,
        R: Rng + ?Sized,
    {
        let draw = self.draw_matching_position(pool, filter, rng);
        let pool: &'p Pool<V> = pool;
        draw.map(|i| &pool[i])
    }
}
