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
/// Filtered draws ([`ManyToOne::draw_matching`]) pick with the law over the filter's sub-pool;
/// an empty sub-pool always creates. Whether a non-empty one creates depends on the mode:
///
/// * dynamic: with probability `1/mean`;
/// * planned, with the number of distinct filter keys expected
///   ([`Strategy::expect_filter_keys`], e.g. the number of tenants when the filter is "of this
///   tenant"): a **budget** rule — the plan allows `draws / mean` values in all, every key needs
///   at least one (its first draw), and the rest of the budget is spread over the remaining draws:
///   `p = (budget - created - keys still to come) / (draws left - keys still to come)`.
///   When every key's first value already uses the budget, later draws only reuse; the achieved
///   mean is then `draws / keys` (the minimum of one value per key wins over `mean`).
///
/// Without an expected key count planned filtered draws use the dynamic rule.
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
    budget: Option<Budget>,
}

/// State of the planned rule for filtered draws (see [`Strategy`]).
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// Draws the plan was made for.
    draws: f64,
    /// Values the plan allows: `draws / mean`.
    values: f64,
    /// Distinct filter keys expected, when known.
    keys: Option<f64>,
    /// Filtered draws so far.
    drawn: f64,
    /// Values created by filtered draws so far.
    created: f64,
    /// Filtered draws that found their sub-pool empty.
    first_draws: f64,
}

impl Budget {
    /// Probability that a draw on a non-empty sub-pool creates.
    fn create_probability(&self, mean: Mean) -> f64 {
        let Some(keys) = self.keys else {
            return mean.create_probability();
        };
        let keys_to_come = (keys - self.first_draws).max(0.0);
        let spare = self.values - self.created - keys_to_come;
        let draws_left = self.draws - self.drawn - keys_to_come;
        if spare <= 0.0 {
            0.0
        } else if draws_left <= 1.0 {
            1.0
        } else {
            (spare / draws_left).min(1.0)
        }
    }
}

impl Strategy {
    /// A dynamic strategy.
    pub fn new(law: impl Into<Law>, mean: Mean) -> Strategy {
        Strategy {
            law: law.into(),
            mean,
            plan: None,
            budget: None,
        }
    }

    /// Tells a planned strategy how many distinct filter keys its filtered draws will see (for
    /// the budget rule above). Ignored in dynamic mode.
    pub fn expect_filter_keys(&mut self, keys: f64) {
        if let Some(budget) = &mut self.budget {
            budget.keys = Some(keys.max(0.0));
        }
    }

    /// Shares the plan's slots with other generators: an empty slot is never bound to a value
    /// already in the pool, every first hit of a slot becomes a [`Draw::Create`] whose
    /// [`Ticket::slot`] the caller resolves against the shared slot table. The Faker's shared
    /// pools are its only caller (`provider::shared`, see [`crate::repository::SharedPool`]).
    /// Call it after [`Plannable::plan`]; a no-op in dynamic mode.
    pub(crate) fn share_slots(&mut self) {
        if let Some(plan) = &mut self.plan {
            plan.without_absorbing();
        }
    }

    /// The number of distinct values a planned strategy aims at (`draws / mean`).
    pub fn planned_values(&self) -> Option<f64> {
        self.budget.map(|b| b.values)
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

    /// Saves the draw counter of the planned rule for filtered draws, so that draws made for
    /// an aggregate the domain then refused can be taken back with [`Strategy::restore`].
    /// Nothing else needs saving: dynamic mode keeps no counters, and what a draw created
    /// stays (see `restore`).
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.budget.map(|b| b.drawn))
    }

    /// Takes back the draws made since [`Strategy::checkpoint`]: they are not counted against
    /// the law. What they created is kept, and counted: a value created since stays in the
    /// pool (a target created for a refused aggregate is stored), later draws reuse it, so it
    /// uses the plan's budget of values, and the key whose first draw made it has its first
    /// value. Planned slots bound since stay bound for the same reason. A checkpoint of
    /// another plan (or of dynamic mode) restores nothing.
    pub fn restore(&mut self, checkpoint: Checkpoint) {
        if let (Some(budget), Checkpoint(Some(drawn))) = (&mut self.budget, checkpoint) {
            budget.drawn = drawn;
        }
    }
}

impl Plannable for Strategy {
    fn plan(&mut self, draws: u64) -> Result<(), ParamError> {
        self.plan = if self.mean.is_unique() {
            None // every draw creates anyway
        } else {
            Some(Plan::new(&self.law, self.mean, draws)?)
        };
        self.budget = (!self.mean.is_unique()).then(|| Budget {
            draws: draws as f64,
            values: draws as f64 / self.mean.get(),
            keys: None,
            drawn: 0.0,
            created: 0.0,
            first_draws: 0.0,
        });
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
        let creates = match &mut self.budget {
            Some(budget) => {
                budget.drawn += 1.0;
                let creates = if n == 0 {
                    budget.first_draws += 1.0;
                    true
                } else {
                    rng.random::<f64>() < budget.create_probability(self.mean)
                };
                if creates {
                    budget.created += 1.0;
                }
                creates
            }
            None => self.creates(n, rng),
        };
        if creates {
            Draw::Create(Ticket::unplanned())
        } else {
            Draw::Reuse(sub[self.law.pick(n, rng)])
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

/// The draw counter of a [`Strategy`] saved by [`Strategy::checkpoint`]: the filtered draws of
/// the planned rule so far (`None` when there is no such rule).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Checkpoint(Option<f64>);
