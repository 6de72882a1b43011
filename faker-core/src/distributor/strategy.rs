//! The read strategy: a law and a mean over a pool, dynamic or planned.

use std::borrow::Cow;
use std::hash::Hash;

use rand::{Rng, RngExt};
use rustc_hash::FxHashMap;

use super::avoid::Avoid;
use super::draw::{Draw, Ticket};
use super::journal::Journal;
use super::plan::{Candidates, Plan, PlannedDraw, SmallPlan};
use super::pool::{Filter, Group, GroupNumber, Pool, SubPoolView};
use super::value_runs::ValueRuns;
use super::{ManyToOne, Plannable};
use crate::error::ParamError;
use crate::law::{PlannedLaw, Top};
use crate::{Law, Mean};

/// Decides reuse or create for each draw: a [`Law`] over the pool and a [`Mean`].
///
/// * **Dynamic** (the default, for open-ended streams): on an empty pool, create; otherwise
///   create with probability `1/mean` and else reuse the value the law picks among the values
///   present now. Known bias — the *age effect*: early values are exposed to more draws, so the
///   achieved distribution is steeper than configured (weights `[0.7, 0.2, 0.07, 0.03]` at
///   mean 50 put about 0.84 of the draws on the top quarter of values, not 0.70).
/// * **Planned** (after [`Plannable::plan`](super::Plannable::plan) with the number of draws): the law is laid over a
///   `draws / mean` slots, each with an exact number of uses spent in random order; see the
///   [`plan`](super::plan) module. The achieved distribution equals the configured one.
///
/// Filtered draws ([`ManyToOne::draw_matching`]) draw from the filter's sub-pool; an empty
/// sub-pool always creates. How depends on the mode:
///
/// * dynamic: create with probability `1/mean`, else pick with the law over the sub-pool;
/// * planned, when the caller knows the share of the draws this sub-pool receives
///   ([`Strategy::draw_matching_planned`]: the books of one tenant are that tenant's share of
///   all books): the sub-pool gets **its own plan** for its expected number of draws, so the
///   law and the mean hold inside every sub-pool and therefore overall (every group's use
///   counts have the same shape around the same mean). A group expected to receive fewer
///   draws than `mean` still gets one value: the achieved mean is then lower;
/// * planned otherwise, with the number of distinct filter keys expected
///   ([`Strategy::expect_filter_keys`], e.g. the number of tenants when the filter is "of this
///   tenant"): a **budget** rule — the plan allows `draws / mean` values in all, every key needs
///   at least one (its first draw), and the rest of the budget is spread over the remaining draws:
///   `p = (budget - created - keys still to come) / (draws left - keys still to come)`.
///   When every key's first value already uses the budget, later draws only reuse; the achieved
///   mean is then `draws / keys` (the minimum of one value per key wins over `mean`).
///
/// Without an expected key count planned filtered draws use the dynamic rule.
///
/// Every draw can be told what to avoid ([`Avoid`]: the values of fields it must differ from,
/// values just created for sibling references); see [`Strategy::draw_avoiding`].
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
    /// One plan per sub-pool, for planned filtered draws with a known share.
    groups: Groups,
    /// What the last draw went through, for [`Strategy::last_share`].
    last: Last,
    /// The mean inside sub-pools large enough for it (see [`Strategy::set_group_mean`]).
    group_mean: Option<f64>,
    /// Draws to give back if their aggregate is refused (see [`Strategy::checkpoint`]).
    journal: Journal<Taken>,
    /// Planned uses spent in order (see [`Strategy::ordered`]).
    ordered: bool,
    /// The shares of the most used values (see [`Strategy::with_top`]).
    top: Option<Top>,
}

/// Sub-pool plans, indexed by the filter's group (or key).
#[derive(Debug, Clone, Default)]
struct Groups {
    index: FxHashMap<Box<str>, u32>,
    /// Integer groups met outside their partition's numbering (see `numbered`).
    integers: FxHashMap<i64, u32>,
    /// For partition groups: the pool partition this strategy draws through, and the plan
    /// index per group number (`NO_PLAN` when the group has none yet) — a vector lookup where
    /// `index` would hash the group's name on every draw.
    numbered: Option<(u32, Vec<u32>)>,
    /// For the integer groups of that partition: plan indexes by value (see
    /// [`Groups::find_by_value`]).
    by_value: ValueRuns,
    /// Per plan index: a plan of one slot, or where the group's full plan is (see
    /// [`SmallPlan`]): 16 bytes per group, drawn at random.
    plans: Vec<SmallPlan>,
    /// The plans of more than one slot (and ordered ones), by [`SmallPlan::full_index`].
    full: Vec<GroupPlan>,
    /// Each group's share of all draws, as the caller gave it (by plan index).
    shares: Vec<f64>,
}

const NO_PLAN: u32 = u32::MAX;

impl Groups {
    /// The plan of the group numbered `number`, or of `key`.
    fn find(&self, number: Option<GroupNumber>, key: &Group<'_>) -> Option<u32> {
        if let (Some(number), Some((partition, plans))) = (number, &self.numbered) {
            if number.partition == *partition {
                return plans
                    .get(number.group as usize)
                    .copied()
                    .filter(|&p| p != NO_PLAN);
            }
        }
        match key {
            Group::Name(name) => self.index.get(name.as_ref()).copied(),
            Group::Integer(value) => self.integers.get(value).copied(),
        }
    }

    /// The plan of the integer group `value` of `partition`, found from the value alone:
    /// groups of ids are mostly planned in the order of their values (a tenant is created by
    /// the draw that first reads it, and its authors' group is planned by the next one), so
    /// runs of values map most groups to their plans exactly ([`ValueRuns`]). A draw then
    /// reads the plan's line and nothing before it — not the pool's numbering of the group (at
    /// 200 000 tenants, 800 KB read at random) nor this strategy's index of plans by number.
    /// `None` for a group filed out of order: the caller asks by number.
    fn find_by_value(&self, partition: u32, value: i64) -> Option<u32> {
        if self.numbered.as_ref()?.0 != partition {
            return None;
        }
        self.by_value.find(value)
    }

    /// Adds `plan` as the plan of the group numbered `number` (or of `key`); returns its index.
    fn insert(
        &mut self,
        number: Option<GroupNumber>,
        key: &Group<'_>,
        plan: Result<SmallPlan, Plan>,
    ) -> Option<u32> {
        let index = u32::try_from(self.plans.len()).ok()?;
        let plan = match plan {
            Ok(small) => small,
            Err(plan) => {
                let at = u32::try_from(self.full.len()).ok()?;
                self.full.push(GroupPlan { plan });
                SmallPlan::full(at)
            }
        };
        if let Some(number) = number {
            let (partition, plans) = self
                .numbered
                .get_or_insert_with(|| (number.partition, Vec::new()));
            if *partition == number.partition {
                let at = number.group as usize;
                if plans.len() <= at {
                    plans.resize(at + 1, NO_PLAN);
                }
                plans[at] = index;
                if let Group::Integer(value) = key {
                    self.by_value.record(*value, index);
                }
                self.plans.push(plan);
                return Some(index);
            }
        }
        self.plans.push(plan);
        match key {
            Group::Name(name) => self.index.insert(name.as_ref().into(), index),
            Group::Integer(value) => self.integers.insert(*value, index),
        };
        Some(index)
    }

    /// One draw of group plan `group`'s, and the slot whose planned use it spent.
    #[inline]
    fn draw<R: Rng + ?Sized>(
        &mut self,
        group: u32,
        law: &PlannedLaw,
        candidates: Candidates<'_>,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> (PlannedDraw, Option<u32>) {
        let small = &mut self.plans[group as usize];
        match small.full_index() {
            None => {
                let draw = small.draw(law, candidates, avoid, rng);
                (draw, small.take_counted())
            }
            Some(at) => {
                let plan = &mut self.full[at as usize].plan;
                let draw = plan.draw(candidates, avoid, rng);
                (draw, plan.take_counted())
            }
        }
    }

    /// The planned share, within its group, of the value group plan `group` drew last.
    fn last_share(&self, group: u32) -> Option<f64> {
        let small = &self.plans[group as usize];
        match small.full_index() {
            // One slot: every planned use.
            None => small.last_slot().map(|_| 1.0),
            Some(at) => {
                let plan = &self.full[at as usize].plan;
                Some(plan.share_of(plan.last_slot()?))
            }
        }
    }

    /// Binds the slot `ticket` (of group plan `group`) was issued for to pool `position`.
    fn fulfil(&mut self, group: u32, ticket: Ticket, position: usize) {
        let Some(small) = self.plans.get_mut(group as usize) else {
            return;
        };
        match small.full_index() {
            None => small.fulfil(ticket, position),
            Some(at) => self.full[at as usize].plan.fulfil(ticket, position),
        }
    }

    /// Gives back a planned use of `slot` of group plan `group`.
    fn give_back(&mut self, group: u32, slot: u32) {
        let Some(small) = self.plans.get_mut(group as usize) else {
            return;
        };
        match small.full_index() {
            None => small.give_back(),
            Some(at) => self.full[at as usize].plan.give_back(slot),
        }
    }
}

/// A group's plan, on a cache line of its own (see [`Plan`]): groups are drawn in random
/// order, so each draw of one reads one line.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct GroupPlan {
    plan: Plan,
}

#[derive(Debug, Clone, Copy)]
enum Last {
    Unplanned,
    Whole,
    Group(u32),
}

/// Dynamic picks that may land on an avoided value before the draw creates instead: a redraw
/// is the law conditioned on differing; it only runs out when avoided values hold nearly all
/// of the law's mass.
const AVOID_TRIES: u32 = 32;

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
            groups: Groups::default(),
            last: Last::Unplanned,
            group_mean: None,
            journal: Journal::default(),
            ordered: false,
            top: None,
        }
    }

    /// Gives the most used values the shares of `top` (see [`Top`]), the law keeping the
    /// rest: planned draws give the first slots exactly those shares, dynamic draws pick them
    /// with those probabilities. What `#[distributor(top = [..], ..)]` sets. Group plans (a
    /// sub-pool's own, see the type docs) follow the law alone: the shares are of all draws.
    ///
    /// ```
    /// use faker_core::distributor::{Draw, ManyToOne, Plannable, Pool, Strategy};
    /// use faker_core::law::Top;
    /// use faker_core::rng::seeded;
    /// use faker_core::{Mean, Skew};
    ///
    /// let mut pool: Pool<u32> = Pool::new();
    /// let mut artists = Strategy::new(Skew::new(1.2).unwrap(), Mean::new(2.0).unwrap())
    ///     .with_top(Some(Top::new([0.25]).unwrap()));
    /// artists.plan(400).unwrap();
    /// let (mut rng, mut uses) = (seeded(3), vec![0u32; 200]);
    /// for _ in 0..400 {
    ///     let position = match artists.draw_position(&pool, &mut rng) {
    ///         Draw::Reuse(p) => p,
    ///         Draw::Create(ticket) => {
    ///             let id = pool.len() as u32;
    ///             artists.fulfil(&mut pool, ticket, id)
    ///         }
    ///         Draw::Null => unreachable!(),
    ///     };
    ///     uses[position] += 1;
    /// }
    /// assert_eq!(*uses.iter().max().unwrap(), 100); // a quarter of 400, exactly
    /// ```
    pub fn with_top(mut self, top: Option<Top>) -> Strategy {
        self.top = top;
        self
    }

    /// The shares of the most used values, if given.
    pub fn top(&self) -> Option<&Top> {
        self.top.as_ref()
    }

    /// Spends the planned draws **in order of creation**: all uses of one value, then all
    /// uses of the next, values taken in the pool's order (the order they were created in),
    /// the number of uses per value still the law's. A child table filled so gets its foreign
    /// key in the order of the parents' keys, as a production table whose rows were inserted
    /// parent by parent: `pg_stats.correlation` near 1, which the planner reads to price an
    /// index scan. What `#[distributor(.., ordered)]` sets. Only planned draws are ordered (a
    /// dynamic strategy, or a draw beyond the plan, picks as usual).
    ///
    /// ```
    /// use faker_core::distributor::{Draw, ManyToOne, Plannable, Pool, Strategy};
    /// use faker_core::rng::seeded;
    /// use faker_core::{Mean, Skew};
    ///
    /// let mut pool: Pool<u32> = Pool::new();
    /// for id in 0..10 {
    ///     pool.insert(id);
    /// }
    /// let mut lines = Strategy::new(Skew::new(2.0).unwrap(), Mean::new(10.0).unwrap()).ordered(true);
    /// lines.plan(100).unwrap();
    /// let mut rng = seeded(1);
    /// let mut drawn = Vec::new();
    /// for _ in 0..100 {
    ///     match lines.draw(&pool, &mut rng) {
    ///         Draw::Reuse(&id) => drawn.push(id),
    ///         _ => unreachable!("ten values exist for ten slots"),
    ///     }
    /// }
    /// assert!(drawn.windows(2).all(|w| w[0] <= w[1]), "{drawn:?}");
    /// ```
    pub fn ordered(mut self, ordered: bool) -> Strategy {
        self.ordered = ordered;
        self
    }

    /// Whether planned draws are spent in order (see [`Strategy::ordered`]).
    pub fn is_ordered(&self) -> bool {
        self.ordered
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

    /// The probability, under the plan, that a draw gives the value the last draw gave: the
    /// share of its slot (times the group's share, for a draw inside a sub-pool). `None` after
    /// a dynamic draw or a draw outside the plan. A reference filtered by this one's value
    /// (`same(..)`) uses it to size the plan of that value's sub-pool.
    pub fn last_share(&self) -> Option<f64> {
        match self.last {
            Last::Unplanned => None,
            Last::Whole => {
                let plan = self.plan.as_ref()?;
                Some(plan.share_of(plan.last_slot()?))
            }
            Last::Group(g) => Some(self.groups.shares[g as usize] * self.groups.last_share(g)?),
        }
    }

    /// Sets the mean of the sub-pool plans: groups expected to receive fewer draws than
    /// `mean` get one value each, which the other groups make up for with a larger mean so
    /// that the overall mean stays the configured one (the Faker computes it when planning;
    /// infinite: one value per group). Default: the configured mean.
    pub fn set_group_mean(&mut self, mean: f64) {
        self.group_mean = Some(mean);
    }

    /// The number of non-null draws a planned strategy was planned for.
    pub fn planned_draws(&self) -> Option<f64> {
        self.budget.map(|b| b.draws)
    }

    /// The plan over the whole pool (joint laws choose a member's slot themselves).
    pub(crate) fn slot_plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// [`Strategy::slot_plan`], mutably.
    pub(crate) fn slot_plan_mut(&mut self) -> Option<&mut Plan> {
        self.plan.as_mut()
    }

    /// Binds the slot `ticket` was issued for to the value at pool `position` (a value that is
    /// in the pool already: [`ManyToOne::fulfil`] inserts it first).
    pub(crate) fn bind(&mut self, ticket: Ticket, position: usize) {
        match ticket.group_slot() {
            Some((group, _)) => self.groups.fulfil(group, ticket, position),
            None => {
                if let Some(plan) = &mut self.plan {
                    plan.fulfil(ticket, position);
                }
            }
        }
    }

    /// One draw over the whole pool that stays away from what `avoid` names.
    pub fn draw_avoiding<V: Hash + Eq, R: Rng + ?Sized>(
        &mut self,
        pool: &Pool<V>,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize> {
        self.draw_among_fetching(pool.len(), avoid, rng, |position| pool.prefetch(position))
    }

    /// [`Strategy::draw_avoiding`] over a pool of `len` values (all a draw over the whole pool
    /// needs to know of it).
    #[inline]
    pub(crate) fn draw_among<R: Rng + ?Sized>(
        &mut self,
        len: usize,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize> {
        self.draw_among_fetching(len, avoid, rng, |_| {})
    }

    /// [`Strategy::draw_among`], telling `fetch` of the pool positions coming draws will
    /// likely give (see [`Plan::draw_fetching`]).
    #[inline]
    fn draw_among_fetching<R: Rng + ?Sized>(
        &mut self,
        len: usize,
        avoid: Avoid<'_>,
        rng: &mut R,
        fetch: impl Fn(usize),
    ) -> Draw<usize> {
        if let Some(plan) = &mut self.plan {
            self.last = Last::Whole;
            let draw = plan.draw_fetching(Candidates::All(len), avoid, rng, fetch);
            if let Some(slot) = plan.take_counted() {
                self.journal.record(Taken::Whole(slot));
            }
            return match draw {
                PlannedDraw::Bound(position) => Draw::Reuse(position),
                PlannedDraw::Create(ticket) => Draw::Create(ticket),
            };
        }
        self.last = Last::Unplanned;
        if self.creates(len, rng) {
            return Draw::Create(Ticket::unplanned());
        }
        self.pick_avoiding(len, |i| i, avoid, rng)
    }

    /// A dynamic pick among `n` values (`at` maps an index to its pool position), redrawn
    /// while it lands on an avoided value.
    #[inline]
    fn pick_avoiding<R: Rng + ?Sized>(
        &self,
        n: usize,
        at: impl Fn(usize) -> usize,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize> {
        for _ in 0..AVOID_TRIES {
            let index = match &self.top {
                Some(top) => top.pick(&self.law, n, rng),
                None => self.law.pick(n, rng),
            };
            let position = at(index);
            if !avoid.forbids(position) {
                return Draw::Reuse(position);
            }
        }
        Draw::Create(Ticket::unplanned())
    }

    /// One draw over the values `filter` matches, staying away from what `avoid` names. With
    /// `share` — the share of all draws this filter's group is expected to receive (see the
    /// type docs) — a planned strategy draws through the group's own plan.
    pub fn draw_matching_planned<V, F, R>(
        &mut self,
        pool: &mut Pool<V>,
        filter: &F,
        share: Option<f64>,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize>
    where
        V: Hash + Eq,
        F: Filter<V> + ?Sized,
        R: Rng + ?Sized,
    {
        // A group's plan found by its value: the group's number is not needed (see
        // `Groups::find_by_value`). Group plans serve draws with a share (see `group`).
        if !self.groups.by_value.is_empty()
            && share.is_some()
            && self.budget.is_some()
            && let Some((partition, value, sub)) = pool.catch_up_integer_group(filter)
            && let Some(group) = self.groups.find_by_value(partition, value)
        {
            return self.draw_group(group, sub, avoid, rng);
        }
        let (number, sub) = pool.catch_up_numbered(filter);
        if let Some(group) = self.group(filter, number, share) {
            return self.draw_group(group, sub, avoid, rng);
        }
        self.last = Last::Unplanned;
        let sub = sub.positions();
        let n = sub.len();
        let creates = match &mut self.budget {
            Some(budget) => {
                budget.drawn += 1.0;
                self.journal.record(Taken::Budget);
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
            self.pick_avoiding(n, |i| sub[i], avoid, rng)
        }
    }

    /// A draw of group plan `group` over the group's sub-pool `sub`.
    fn draw_group<R: Rng + ?Sized>(
        &mut self,
        group: u32,
        sub: SubPoolView<'_>,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize> {
        self.last = Last::Group(group);
        let Some(law) = self.plan.as_ref().map(Plan::law) else {
            unreachable!("group plans are made under the whole plan")
        };
        let (draw, counted) = self
            .groups
            .draw(group, law, Candidates::Only(sub), avoid, rng);
        if let Some(slot) = counted {
            self.journal.record(Taken::Group(group, slot));
        }
        match draw {
            PlannedDraw::Bound(position) => Draw::Reuse(position),
            PlannedDraw::Create(ticket) => Draw::Create(ticket.in_group(group)),
        }
    }

    /// The index of `filter`'s group plan, made on the group's first draw, when this strategy
    /// is planned and the group's share is known. Group plans are this generator's own: with a pool shared between processes, each plans its groups for the whole target (the same approximation the budget rule makes).
    fn group<V, F: Filter<V> + ?Sized>(
        &mut self,
        filter: &F,
        number: Option<GroupNumber>,
        share: Option<f64>,
    ) -> Option<u32> {
        let (share, budget) = (share?, self.budget?);
        let law = self.plan.as_ref()?.law();
        // One reference filters by one constraint, so the group alone names the sub-pool.
        let key = filter
            .partition()
            .map_or(Group::Name(Cow::Borrowed(filter.key())), |p| p.group);
        if let Some(group) = self.groups.find(number, &key) {
            return Some(group);
        }
        let draws = (budget.draws * share).round().max(1.0) as u64;
        let mean = match self.group_mean {
            None => self.mean,
            // At least the group's draws: one value.
            Some(m) => Mean::new(m.min(draws as f64).max(self.mean.get())).ok()?,
        };
        // A group receives fewer draws than the whole plan, which was feasible; should the
        // slot count still be out of bounds, the budget rule serves the group.
        // An ordered plan keeps its full form: its visit draws differently.
        let plan = match SmallPlan::for_group(mean, draws).filter(|_| !self.ordered) {
            Some(small) => Ok(small),
            None => {
                let mut plan = Plan::for_group(law, mean, draws).ok()?;
                if self.ordered {
                    plan.in_order();
                }
                Err(plan)
            }
        };
        let group = self.groups.insert(number, &key, plan)?;
        self.groups.shares.push(share);
        Some(group)
    }

    /// Starts recording the draws that spend part of the plan — a slot's planned use (over
    /// the whole pool or a sub-pool), a draw counted by the budget rule — so that the draws of
    /// an aggregate the domain then refused can be given back with [`Strategy::restore`], or
    /// kept with [`Strategy::commit`]. Checkpoints nest (last opened, first closed); nothing
    /// is recorded while none is open. Dynamic mode spends nothing.
    pub fn checkpoint(&mut self) -> Checkpoint {
        Checkpoint {
            taken: self.journal.open(),
            nulls: 0,
        }
    }

    /// Gives back the draws made since `checkpoint` (except those of checkpoints opened and
    /// committed since: their aggregates were kept): their planned uses return to their slots
    /// and the budget rule uncounts them, so later draws spend them. What they created or
    /// bound stays: a value created since is in the pool (a target created for a refused
    /// aggregate is stored) and its slot keeps it, so a later draw of that slot reuses it.
    pub fn restore(&mut self, checkpoint: Checkpoint) {
        for taken in self.journal.take_back(checkpoint.taken) {
            match taken {
                Taken::Budget => {
                    if let Some(budget) = &mut self.budget {
                        budget.drawn -= 1.0;
                    }
                }
                Taken::Whole(slot) => {
                    if let Some(plan) = &mut self.plan {
                        plan.give_back(slot);
                    }
                }
                Taken::Group(group, slot) => self.groups.give_back(group, slot),
            }
        }
    }

    /// Keeps the draws made since `checkpoint` and closes it.
    pub fn commit(&mut self, checkpoint: Checkpoint) {
        self.journal.commit(checkpoint.taken);
    }

    /// The filtered draws the budget rule has counted so far (planned mode, see the type
    /// docs): for reports and tests.
    pub fn budget_draws(&self) -> Option<f64> {
        self.budget.map(|b| b.drawn)
    }
}

impl Plannable for Strategy {
    fn plan(&mut self, draws: u64) -> Result<(), ParamError> {
        self.plan = if self.mean.is_unique() {
            None // every draw creates anyway
        } else {
            let mut plan = Plan::with_top(&self.law, self.top.as_ref(), self.mean, draws)?;
            if self.ordered {
                plan.in_order();
            }
            Some(plan)
        };
        self.groups = Groups::default();
        self.group_mean = None;
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
        self.draw_avoiding(pool, Avoid::NONE, rng)
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
        self.draw_matching_planned(pool, filter, None, Avoid::NONE, rng)
    }

    fn fulfil(&mut self, pool: &mut Pool<V>, ticket: Ticket, value: V) -> usize {
        let (position, _new) = pool.insert(value);
        self.bind(ticket, position);
        position
    }
}

/// An open checkpoint of a [`Strategy`] (or a [`Nullable`](super::Nullable) one): where its
/// recorded draws begin. Close it once, with `restore` or `commit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Mark in the strategy's journal.
    taken: usize,
    /// Mark in the journal of the wrapper: planned nulls (`Nullable`), planned combination
    /// uses (a joint law).
    pub(super) nulls: usize,
}

/// A draw that spent part of a plan.
#[derive(Debug, Clone, Copy)]
enum Taken {
    /// A filtered draw counted by the budget rule.
    Budget,
    /// A planned use of a slot of the plan over the whole pool.
    Whole(u32),
    /// A planned use of a slot of a sub-pool plan: (group, slot).
    Group(u32, u32),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributor::pool::tests::ByNumber;

    /// Plans a strategy with a group per tenant, draws `draws_each` times in each group
    /// (tenants in the given order, round after round), and checks that each group's draws
    /// stay inside it and spend exactly its plan.
    fn draw_in_groups(tenants: &[i64], mean: f64) -> Strategy {
        use crate::rng::seeded;
        use crate::{Mean, Weights};
        let draws_each = 60u64;
        let mut strategy = Strategy::new(
            Weights::new([0.7, 0.2, 0.07, 0.03]).unwrap(),
            Mean::new(mean).unwrap(),
        );
        strategy.plan(draws_each * tenants.len() as u64).unwrap();
        let share = 1.0 / tenants.len() as f64;
        let mut pool: Pool<(i64, u32)> = Pool::new();
        let mut rng = seeded(8);
        let mut uses: std::collections::HashMap<(i64, u32), u64> = Default::default();
        let mut next = 0u32;
        for round in 0..draws_each {
            for &tenant in tenants {
                let filter = ByNumber(tenant);
                let position = match strategy.draw_matching_planned(
                    &mut pool,
                    &filter,
                    Some(share),
                    Avoid::NONE,
                    &mut rng,
                ) {
                    Draw::Reuse(p) => p,
                    Draw::Create(ticket) => {
                        next += 1;
                        strategy.fulfil(&mut pool, ticket, (tenant, next))
                    }
                    Draw::Null => unreachable!(),
                };
                let value = pool[position];
                assert_eq!(value.0, tenant, "round {round}");
                *uses.entry(value).or_default() += 1;
            }
        }
        // Each group: draws_each / mean values, and every draw counted once.
        for &tenant in tenants {
            let values = uses.keys().filter(|v| v.0 == tenant).count();
            assert_eq!(values, (draws_each as f64 / mean) as usize, "{tenant}");
        }
        assert_eq!(
            uses.values().sum::<u64>(),
            draws_each * tenants.len() as u64
        );
        strategy
    }

    /// Group plans are found by their group's value when they were planned in value order,
    /// and by number when not (values out of order, negative, beyond 32 bits): either way
    /// each group's draws stay inside it and spend exactly its plan.
    #[test]
    fn group_plans_are_found_whatever_the_order_of_their_values() {
        // Planned in this order: 1, 2, 3 and 40 rise; the rest do not.
        let tenants: [i64; 7] = [1, 2, 3, 40, -5, 1 << 40, 7];
        // Three values per group (full plans) and one (small plans).
        for mean in [20.0, 60.0] {
            let strategy = draw_in_groups(&tenants, mean);
            assert_eq!(strategy.groups.find_by_value(0, 3), Some(2));
            assert_eq!(strategy.groups.find_by_value(0, 40), Some(3));
            assert_eq!(strategy.groups.find_by_value(0, 7), None, "asked by number");
        }
    }

    /// Keys assigned every K-th (a worker of K in memory) make a run of stride K: its groups
    /// are found by value, not only the first.
    #[test]
    fn group_plans_of_every_kth_key_are_found_by_value() {
        // Worker 2 of 3: keys 3, 6, 9, ...; then one out of order, one off the line.
        let tenants: [i64; 6] = [3, 6, 9, 12, 4, 15];
        for mean in [20.0, 60.0] {
            let strategy = draw_in_groups(&tenants, mean);
            assert_eq!(strategy.groups.find_by_value(0, 9), Some(2));
            assert_eq!(strategy.groups.find_by_value(0, 12), Some(3));
            // Out of order: asked by number.
            assert_eq!(strategy.groups.find_by_value(0, 4), None);
            assert_eq!(strategy.groups.find_by_value(0, 15), Some(5));
            assert_eq!(strategy.groups.find_by_value(0, 7), None, "never filed");
        }
    }

    /// Keys reserved in blocks (cooperating generators on one sequence) make a run per block.
    #[test]
    fn group_plans_of_blocks_of_keys_are_found_by_value() {
        let tenants: [i64; 7] = [1, 2, 3, 11, 12, 13, 21];
        let strategy = draw_in_groups(&tenants, 20.0);
        for (index, tenant) in tenants.into_iter().enumerate() {
            assert_eq!(strategy.groups.find_by_value(0, tenant), Some(index as u32));
        }
    }

    /// A group plan and the number that finds it share one cache line (see [`Groups::find`]).
    #[test]
    fn a_group_plan_fits_a_cache_line() {
        assert_eq!(std::mem::size_of::<GroupPlan>(), 64);
        assert_eq!(std::mem::size_of::<SmallPlan>(), 16);
    }
}
