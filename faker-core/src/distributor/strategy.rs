//! The read strategy: a law and a mean over a pool, dynamic or planned.

use std::hash::Hash;

use rand::{Rng, RngExt};

use super::draw::{Draw, Ticket};
use super::plan::{Plan, PlannedDraw};
use super::pool::{Filter, Pool};
use super::{ManyToOne, Plannable};
use crate::error::ParamError;
use crate::{Law, Mean};

/// Decides reuse or create for each draw: a [`Law`] over the pool and a [`Mean`].
///
/// * **Dynamic** (the default, for open-ended streams): on an empty pool, create; otherwise
///   create with probability `1/mean` and else reuse the value the law picks among the values
///   present now. Known bias — the *age effect*: early values are exposed to more draws, so the
///   achieved distribution is steeper than configured (weights `[0.7, 0.2, 0.07, 0.03]` at
///   mean 50 put about 0.84 of the draws on the top quarter of values, not 0.70).
/// * **Planned** (after [`Plannable::plan`](super::Plannable::plan) with the number of draws): the law is laid over a
///   fixed number of slots sized so that the expected number of distinct values is
///   `draws / mean`; see the [`plan`](super::plan) module. The achieved distribution equals the
///   configured one.
///
/// Filtered draws ([`ManyToOne::draw_matching`]) always use the dynamic rule over the filter's
/// sub-pool, whose draw count is not known in advance.
///
/// ```
/// use faker_core::distributor::{Draw, ManyToOne, Plannable, Pool, Strategy};
/// use faker_core::{rng::seeded, Mean, Skew};
///
/// let mut rng = seeded(7);
/// let mut pool = Pool::new();
/// let mut tenants = Strategy::new(Skew::new(2.0).unwrap(), Mean::new(10.0).unwrap());
/// tenants.plan(1_000).unwrap();
/// let mut next_id = 0u64;
/// for _ in 0..1_000 {
///     match tenants.draw(&pool, &mut rng) {
///         Draw::Reuse(_id) => {}
///         Draw::Create(ticket) => {
///             next_id += 1; // build and store the tenant here
///             tenants.fulfil(&mut pool, ticket, next_id);
///         }
///         Draw::Null => unreachable!("no null_weight"),
///     }
/// }
/// assert!((80..=120).contains(&pool.len())); // about 1000 / 10 distinct tenants
/// ```
#[derive(Debug, Clone)]
pub struct Strategy {
    law: Law,
    mean: Mean,
    plan: Option<Plan>,
}

impl Strategy {
    /// A dynamic strategy.
    pub fn new(law: impl Into<Law>, mean: Mean) -> Strategy {
        Strategy {
            law: law.into(),
            mean,
            plan: None,
        }
    }

    /// Unique values: every draw creates.
    pub fn unique() -> Strategy {
        Strategy::new(Law::Uniform, Mean::UNIQUE)
    }

    /// The law.
    pub fn law(&self) -> &Law {
        &self.law
    }

    /// The mean.
    pub fn mean(&self) -> Mean {
        self.mean
    }

    /// Number of planned slots, when planned.
    pub fn planned_slots(&self) -> Option<usize> {
        self.plan.as_ref().map(Plan::slots)
    }

    #[inline]
    fn creates<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> bool {
        n == 0 || self.mean.is_unique() || rng.random::<f64>() < self.mean.create_probability()
    }
}

impl Plannable for Strategy {
    fn plan(&mut self, draws: u64) -> Result<(), ParamError> {
        self.plan = if self.mean.is_unique() {
            None // every draw creates anyway
        } else {
            Some(Plan::new(&self.law, self.mean, draws)?)
        };
        Ok(())
    }

    fn is_planned(&self) -> bool {
        self.plan.is_some()
    }
}

impl<V: Hash + Eq> ManyToOne<V> for Strategy {
    #[inline]
    fn draw_position<R: Rng + ?Sized>(&mut self, pool: &Pool<V>, rng: &mut R) -> Draw<usize> {
        if let Some(plan) = &mut self.plan {
            return match plan.draw(pool.len(), rng) {
                PlannedDraw::Bound(position) => Draw::Reuse(position),
                PlannedDraw::Create(ticket) => Draw::Create(ticket),
            };
        }
        let n = pool.len();
        if self.creates(n, rng) {
            Draw::Create(Ticket::unplanned())
        } else {
            Draw::Reuse(self.law.pick(n, rng))
        }
    }

    fn draw_matching_position<F, R>(
        &mut self,
        pool: &mut Pool<V>,
        filter: &F,
        rng: &mut R,
    ) -> Draw<usize>
    where
        F: Filter<V> + ?Sized,
        R: Rng + ?Sized,
    {
        let sub = pool.catch_up(filter);
        let n = sub.len();
        if self.creates(n, rng) {
            Draw::Create(Ticket::unplanned())
        } else {
            Draw::Reuse(sub.position(self.law.pick(n, rng)))
        }
    }

    fn fulfil(&mut self, pool: &mut Pool<V>, ticket: Ticket, value: V) -> usize {
        let (position, _new) = pool.insert(value);
        if let Some(plan) = &mut self.plan {
            plan.fulfil(ticket, position);
        }
        position
    }
}
