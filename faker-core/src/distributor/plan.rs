//! Planned mode: exact distributions when the number of draws is known.
//!
//! Dynamic creation ("create with probability 1/mean, otherwise pick from the pool as it is")
//! has an *age effect*: values created early sit in the pool longer and collect more draws, so
//! the achieved distribution is steeper than the configured one. When the number of draws `N`
//! is known, the plan removes it:
//!
//! 1. the law becomes `D = N / mean` *slots* (slot `i` gets `p_i = F((i+1)/D) - F(i/D)` where
//!    `F` is the law's cumulative function, non-increasing in `i`, so ranking values by use
//!    count gives back the law);
//! 2. every slot gets an exact number of uses, `N · p_i` rounded by largest remainder and at
//!    least one (see the `counts` module), and the draws take them **without
//!    replacement**, in random order: after `N` draws there are exactly `D` values, each used
//!    its planned number of times — the configured mean and shares at any size, not only in
//!    expectation (independent draws lose the slots they never hit, which at low means is a
//!    large part of the law);
//! 3. the first draw of a slot binds it to a value: a value already in the pool that no slot
//!    of this plan holds yet (created directly or by another strategy sharing the pool), or
//!    else a newly created one.
//!
//! Draws beyond `N` pick slots by the law's probabilities, so the shape stays and the mean
//! grows.

use std::sync::Arc;

use rand::{Rng, RngExt};
use rustc_hash::FxHashSet;

use super::alias::AliasTable;
use super::avoid::Avoid;
use super::counts::{Coming, Counts};
use super::draw::Ticket;
use super::pool::SubPoolView;
use super::prefetch::prefetch;
use crate::error::ParamError;
use crate::law::{PlannedLaw, Top};
use crate::{Law, Mean};

/// Upper bound on slots (4 to 12 bytes each): a mean very close to 1 over many draws would need
/// more, and is better served by unique values or dynamic mode.
const MAX_SLOTS: usize = 1 << 26;
const EMPTY: u32 = u32::MAX;

/// A plan's last draw in one word: its slot (`None` when the draw fell outside the plan), and
/// whether the planned use it spent is still to be taken (see [`Plan::take_counted`]). Slots
/// stay below [`MAX_SLOTS`], so the top bit holds the flag.
#[derive(Debug, Clone, Copy)]
struct LastDraw(u32);

impl LastDraw {
    const COUNTED: u32 = 1 << 31;
    const NONE: LastDraw = LastDraw(EMPTY);

    fn at(slot: usize, counted: bool) -> LastDraw {
        LastDraw(slot as u32 | if counted { Self::COUNTED } else { 0 })
    }

    fn slot(self) -> Option<usize> {
        (self.0 != EMPTY).then_some((self.0 & !Self::COUNTED) as usize)
    }

    fn take_counted(&mut self) -> Option<u32> {
        if self.0 == EMPTY || self.0 & Self::COUNTED == 0 {
            return None;
        }
        self.0 &= !Self::COUNTED;
        Some(self.0)
    }
}
/// Slot draws that may land on a value the draw must avoid before it gives up and takes, as
/// one use outside the plan, another value the plan holds (or creates one when it holds none). Redrawing the slot is exact conditioning (the law restricted to the
/// other slots); it only runs out when the avoided values hold almost all the mass
/// (`p^32` < 1e-6 needs `p` > 0.65 of the law on avoided slots).
const AVOID_TRIES: u32 = 32;

/// Where a planned draw landed.
pub(crate) enum PlannedDraw {
    /// A slot bound to this pool position.
    Bound(usize),
    /// An empty slot and no free pool value: create one.
    Create(Ticket),
}

/// The pool positions an empty slot may take: the whole pool (`0..len`), or a sub-pool's
/// positions (a group plan, see [`Plan::for_group`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Candidates<'a> {
    All(usize),
    Only(SubPoolView<'a>),
}

impl Candidates<'_> {
    fn len(&self) -> usize {
        match self {
            Candidates::All(n) => *n,
            Candidates::Only(sub) => sub.positions().len(),
        }
    }

    fn at(&self, i: usize) -> usize {
        match self {
            Candidates::All(_) => i,
            Candidates::Only(sub) => sub.positions()[i],
        }
    }
}

/// How a planned draw finds its slot.
#[derive(Debug, Clone)]
enum SlotSampler {
    /// Inverse transform of a law with a cheap closed form (uniform, skew).
    Inverse,
    /// An alias table over the slots' exact probabilities (smooth weights).
    Alias(AliasTable),
}

/// Which pool positions some slot of the plan holds.
#[derive(Debug, Clone)]
enum BoundSet {
    /// A bitset over pool positions: the plan of a whole pool binds a large share of it.
    Bits(Vec<u64>),
    /// A hash set: a group plan binds a few positions scattered over a large pool, where a
    /// bitset per group would cost the pool's size for every group.
    Set(Box<FxHashSet<u32>>),
    /// The plan's own slots, scanned: a group plan of at most [`SCANNED_SLOTS`] slots (most
    /// groups have one to a few), which then allocates nothing beside its slots.
    InSlots,
}

/// Group plans of up to this many slots find their bound positions by scanning the slots.
const SCANNED_SLOTS: usize = 32;

/// The pool position held by each slot of a plan. Most group plans (the authors of one tenant)
/// have a single slot: it sits in the plan itself, so that a draw of such a group reads the
/// plan's cache line and not a heap block besides. (Two variants, so that the slice pointer's
/// niche holds the tag: 16 bytes.)
#[derive(Debug, Clone)]
enum Positions {
    One(u32),
    Many(Box<[u32]>),
}

impl Positions {
    /// `slots` empty slots.
    fn new(slots: usize) -> Positions {
        match slots {
            1 => Positions::One(EMPTY),
            _ => Positions::Many(vec![EMPTY; slots].into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for Positions {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        match self {
            Positions::One(at) => std::slice::from_ref(at),
            Positions::Many(at) => at,
        }
    }
}

impl std::ops::DerefMut for Positions {
    fn deref_mut(&mut self) -> &mut [u32] {
        match self {
            Positions::One(at) => std::slice::from_mut(at),
            Positions::Many(at) => at,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The planned uses left per slot (drawn first).
    counts: Counts,
    /// Pool position per slot, `EMPTY` until first hit.
    slots: Positions,
    last: LastDraw,
    /// What only a slot's first hit or a draw beyond the plan reads. A partition's group plans
    /// (one per tenant, say) are drawn in random order, each draw a likely cache miss on its
    /// plan: what every draw touches is kept in the plan's first bytes, the rest behind this
    /// pointer.
    cold: Box<Cold>,
}

#[derive(Debug, Clone)]
struct Cold {
    /// Shared by a strategy's whole-pool plan and its group plans, which would otherwise each
    /// hold a copy of the law's tables.
    law: Arc<PlannedLaw>,
    /// Slots by probability, once the planned uses are spent.
    sampler: SlotSampler,
    bound: BoundSet,
    /// No candidate below this index is free (unbound).
    next_free: usize,
    /// Whether an empty slot may take a pool value no slot holds yet. Off when the slots are
    /// shared with other generators: a value unbound *here* may be bound to a slot elsewhere.
    absorb: bool,
}

impl Plan {
    /// Plans `draws` non-null draws of `law` with `mean` uses per value over a whole pool.
    pub(crate) fn new(law: &Law, mean: Mean, draws: u64) -> Result<Plan, ParamError> {
        Plan::build(Arc::new(law.planned()), None, mean, draws, false)
    }

    /// Like [`Plan::new`], the first slots taking the shares of `top` (see [`Top`]) and the
    /// law the rest.
    pub(crate) fn with_top(
        law: &Law,
        top: Option<&Top>,
        mean: Mean,
        draws: u64,
    ) -> Result<Plan, ParamError> {
        Plan::build(Arc::new(law.planned()), top, mean, draws, false)
    }

    /// Plans the draws of one group of a partitioned pool (the authors of one tenant): its
    /// slots bind positions of the group's sub-pool only.
    /// `law` is the whole-pool plan's (see [`Plan::law`]).
    pub(crate) fn for_group(
        law: &Arc<PlannedLaw>,
        mean: Mean,
        draws: u64,
    ) -> Result<Plan, ParamError> {
        Plan::build(Arc::clone(law), None, mean, draws, true)
    }

    fn build(
        law: Arc<PlannedLaw>,
        top: Option<&Top>,
        mean: Mean,
        draws: u64,
        group: bool,
    ) -> Result<Plan, ParamError> {
        let slots = slot_count(mean, draws)?;
        let bound = match (group, slots <= SCANNED_SLOTS) {
            (false, _) => BoundSet::Bits(Vec::new()),
            (true, true) => BoundSet::InSlots,
            (true, false) => BoundSet::Set(Box::default()),
        };
        let probabilities = match top {
            Some(top) => top.slot_probabilities(slots, |m| slot_probabilities(&law, m)),
            None => slot_probabilities(&law, slots),
        };
        let draws_planned = draws.max(slots as u64);
        let counts = match top {
            Some(top) => Counts::keeping_first(&probabilities, draws_planned, top.len()),
            None => Counts::new(&probabilities, draws_planned),
        };
        let sampler = match (&*law, top) {
            (PlannedLaw::Smooth(_), _) | (_, Some(_)) => {
                SlotSampler::Alias(AliasTable::new(&probabilities))
            }
            _ => SlotSampler::Inverse,
        };
        Ok(Plan {
            counts,
            slots: Positions::new(slots),
            last: LastDraw::NONE,
            cold: Box::new(Cold {
                law,
                sampler,
                bound,
                next_free: 0,
                absorb: true,
            }),
        })
    }

    /// Spends the planned uses **in order**: every use of one slot before the next slot's,
    /// slots in random order, each bound on its first use to the next free value of the pool.
    /// Over a pool filled beforehand in key order, the draws then go up the keys, as the
    /// foreign key of a child table whose rows were inserted parent by parent
    /// (`pg_stats.correlation` near 1). Call it before the first draw.
    pub(crate) fn in_order(&mut self) {
        self.counts.visit_in_order(true);
    }

    /// Like [`Plan::in_order`], visiting the slots in the order given (each slot once).
    pub(crate) fn in_order_of(&mut self, order: Box<[u32]>) {
        self.counts.visit_in_given_order(order);
    }

    /// Never binds an empty slot to an existing value: every first hit of a slot asks for
    /// creation (the caller resolves it against the shared slot table).
    pub(crate) fn without_absorbing(&mut self) {
        self.cold.absorb = false;
    }

    /// The planned law, for the plans of groups drawn under it.
    pub(crate) fn law(&self) -> &Arc<PlannedLaw> {
        &self.cold.law
    }

    /// Number of slots `D`.
    pub(crate) fn slots(&self) -> usize {
        self.slots.len()
    }

    /// The planned share of the draws `slot` receives (its count over all planned draws).
    pub(crate) fn share_of(&self, slot: usize) -> f64 {
        self.counts.share(slot)
    }

    /// The slot of the last draw, `None` when it fell outside the plan.
    pub(crate) fn last_slot(&self) -> Option<usize> {
        self.last.slot()
    }

    /// The pool position `slot` holds, when bound (`None` too for a slot beyond the plan).
    pub(crate) fn held(&self, slot: usize) -> Option<usize> {
        let held = *self.slots.get(slot)?;
        (held != EMPTY).then_some(held as usize)
    }

    /// A slot, and whether it spent one of its planned uses (`false` beyond the plan).
    /// `fetch` hears of the pool positions coming draws will likely give.
    #[inline]
    fn sample_slot<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        fetch: &impl Fn(usize),
    ) -> (usize, bool) {
        // A coming slot's pool position is fetched with its uses; by the draw before its own
        // it has arrived, and the caller fetches the value at that position.
        let positions = &self.slots;
        let upcoming = |slot: usize, coming: Coming| match coming {
            Coming::Later => prefetch(positions, slot),
            Coming::Next => {
                if let Some(&held) = positions.get(slot)
                    && held != EMPTY
                {
                    fetch(held as usize);
                }
            }
        };
        if let Some(slot) = self.counts.draw_fetching(rng, upcoming) {
            return (slot, true);
        }
        let d = self.slots.len();
        let slot = match &self.cold.sampler {
            SlotSampler::Inverse => ((self.cold.law.sample(rng) * d as f64) as usize).min(d - 1),
            SlotSampler::Alias(table) => table.sample(rng),
        };
        (slot, false)
    }

    /// One draw: a slot under the law, redrawn while it holds a value `avoid` forbids; its
    /// value, or on its first hit a free candidate (see [`Plan::take`]).
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(
        &mut self,
        candidates: Candidates<'_>,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> PlannedDraw {
        self.draw_fetching(candidates, avoid, rng, |_| {})
    }

    /// [`Plan::draw`], telling `fetch` of pool positions that coming draws will likely give,
    /// so that the caller fetches their values from memory ahead of them.
    #[inline]
    pub(crate) fn draw_fetching<R: Rng + ?Sized>(
        &mut self,
        candidates: Candidates<'_>,
        avoid: Avoid<'_>,
        rng: &mut R,
        fetch: impl Fn(usize),
    ) -> PlannedDraw {
        for _ in 0..AVOID_TRIES {
            let (slot, counted) = self.sample_slot(rng, &fetch);
            let held = self.slots[slot];
            if held != EMPTY && avoid.forbids(held as usize) {
                // Not spent: the planned use stays for another draw.
                if counted {
                    self.counts.put_back(slot);
                }
                continue;
            }
            let draw = self.take(slot, candidates, avoid);
            self.last = LastDraw::at(slot, counted);
            return draw;
        }
        // Every try hit an avoided value (near the end of a plan, its last uses may all be
        // of one avoided value). Rather than grow the pool with a value outside the plan —
        // a row more than configured when the pool was filled beforehand — take a value the
        // plan holds and `avoid` allows, as one use outside the plan; create only when there
        // is none.
        let slots = self.slots.len();
        if slots > 0 {
            let start = rng.random_range(0..slots);
            for i in 0..slots {
                let slot = (start + i) % slots;
                let held = self.slots[slot];
                if held != EMPTY && !avoid.forbids(held as usize) {
                    self.last = LastDraw::at(slot, false);
                    return PlannedDraw::Bound(held as usize);
                }
            }
        }
        self.last = LastDraw::NONE;
        PlannedDraw::Create(Ticket::unplanned())
    }

    /// The value of `slot`: the position it holds, or on its first hit a candidate that no slot
    /// holds yet and `avoid` allows (a value created directly or by another strategy sharing
    /// the pool), or else a ticket to create one.
    pub(crate) fn take(
        &mut self,
        slot: usize,
        candidates: Candidates<'_>,
        avoid: Avoid<'_>,
    ) -> PlannedDraw {
        self.last = LastDraw::at(slot, false);
        let held = self.slots[slot];
        if held != EMPTY {
            return PlannedDraw::Bound(held as usize);
        }
        if !self.cold.absorb {
            return PlannedDraw::Create(Ticket::for_slot(slot as u32));
        }
        match self.free(candidates, avoid) {
            Some(position) => {
                self.bind(slot, position);
                PlannedDraw::Bound(position)
            }
            None => PlannedDraw::Create(Ticket::for_slot(slot as u32)),
        }
    }

    /// The first candidate no slot holds and `avoid` allows. Avoided candidates are skipped,
    /// not passed: a later draw may take them.
    fn free(&mut self, candidates: Candidates<'_>, avoid: Avoid<'_>) -> Option<usize> {
        let len = candidates.len();
        while self.cold.next_free < len && self.is_bound(candidates.at(self.cold.next_free)) {
            self.cold.next_free += 1;
        }
        (self.cold.next_free..len)
            .map(|i| candidates.at(i))
            .find(|&p| !self.is_bound(p) && !avoid.blocks_binding(p))
    }

    /// Records that `ticket`'s value now sits at pool `position`.
    pub(crate) fn fulfil(&mut self, ticket: Ticket, position: usize) {
        match ticket.plan_slot() {
            Some(slot) if self.slots.get(slot as usize) == Some(&EMPTY) => {
                self.bind(slot as usize, position)
            }
            // The slot was bound meanwhile (two tickets for one slot), or the ticket came
            // from dynamic mode: the value simply joins the pool.
            _ => {}
        }
    }

    /// Binds `slot` to the value at pool `position` (which no slot of this plan holds).
    pub(crate) fn bind(&mut self, slot: usize, position: usize) {
        // Positions beyond u32 cannot occur: MAX_SLOTS bounds the bound values.
        self.slots[slot] = position as u32;
        match &mut self.cold.bound {
            BoundSet::Bits(bits) => {
                let (word, bit) = (position / 64, position % 64);
                if bits.len() <= word {
                    bits.resize(word + 1, 0);
                }
                bits[word] |= 1 << bit;
            }
            BoundSet::Set(set) => {
                set.insert(position as u32);
            }
            BoundSet::InSlots => {}
        }
    }

    /// Whether some slot of this plan holds the value at pool `position`.
    pub(crate) fn is_bound(&self, position: usize) -> bool {
        match &self.cold.bound {
            BoundSet::Bits(bits) => bits
                .get(position / 64)
                .is_some_and(|w| w & (1 << (position % 64)) != 0),
            BoundSet::Set(set) => set.contains(&(position as u32)),
            BoundSet::InSlots => self.slots.contains(&(position as u32)),
        }
    }

    /// The slot whose planned use the last [`Plan::draw`] spent, once (`None` when it spent
    /// none: a draw beyond the planned ones, or one that fell outside the plan). The strategy
    /// records it, to give the use back when the draw is taken back.
    pub(crate) fn take_counted(&mut self) -> Option<u32> {
        self.last.take_counted()
    }

    /// Gives back a planned use of `slot` spent by a draw that was taken back (an aggregate
    /// the domain refused): a later draw spends it again. The slot stays bound to its value.
    pub(crate) fn give_back(&mut self, slot: u32) {
        self.counts.put_back(slot as usize);
    }
}

/// A group's plan in 16 bytes: the whole state of a plan of one slot, or where the group's
/// full [`Plan`] is.
///
/// A partition's groups are drawn in random order, each draw a likely cache miss on its
/// group's plan; at 200 000 tenants a 64-byte [`Plan`] per group (and its boxes beside) makes
/// the groups' plans the largest table drawn at random, pushing every other table out of the
/// cache. Most groups have one slot (a tenant's authors when the mean per tenant is small), and
/// such a plan needs only its planned uses left, the value its slot holds and its last draw.
/// It draws exactly as a [`Plan`] of one slot does, random numbers included, so that a dataset
/// does not depend on which form a group's plan takes.
#[derive(Debug, Clone, Copy)]
#[repr(align(16))]
pub(crate) struct SmallPlan {
    /// Planned uses left; for a full plan, its index (see [`SmallPlan::full`]).
    left: u32,
    /// Pool position of the slot's value, `EMPTY` until bound, `FULL` for a full plan.
    held: u32,
    /// Slot 0, or none (outside the plan), as a [`Plan`]'s.
    last: LastDraw,
}

/// [`SmallPlan::held`] of an entry that points at a full plan.
const FULL: u32 = u32::MAX - 1;

impl SmallPlan {
    /// The plan of `draws` draws of a group with `mean` uses per value, when it has one slot
    /// and its uses fit 32 bits (`None`: make a [`Plan`] with [`Plan::for_group`]).
    pub(crate) fn for_group(mean: Mean, draws: u64) -> Option<SmallPlan> {
        if slot_count(mean, draws).ok()? != 1 {
            return None;
        }
        // As `Plan::build`: one slot gets every planned draw, at least one.
        let left = u32::try_from(draws.max(1)).ok()?;
        Some(SmallPlan {
            left,
            held: EMPTY,
            last: LastDraw::NONE,
        })
    }

    /// An entry that stands for the full plan at `index` of its owner's.
    pub(crate) fn full(index: u32) -> SmallPlan {
        SmallPlan {
            left: index,
            held: FULL,
            last: LastDraw::NONE,
        }
    }

    /// The index of the full plan this entry stands for, if it does.
    #[inline]
    pub(crate) fn full_index(&self) -> Option<u32> {
        (self.held == FULL).then_some(self.left)
    }

    /// One draw, as [`Plan::draw`] of a one-slot plan over `law` (a group plan's: whole-pool
    /// law, no top) makes it.
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(
        &mut self,
        law: &PlannedLaw,
        candidates: Candidates<'_>,
        avoid: Avoid<'_>,
        rng: &mut R,
    ) -> PlannedDraw {
        debug_assert!(self.full_index().is_none());
        for _ in 0..AVOID_TRIES {
            let counted = self.left > 0;
            if counted {
                self.left -= 1;
            } else {
                // Beyond the plan a one-slot plan's sampler still draws (an alias table of one
                // entry for smooth weights, the law's inverse otherwise): the same numbers.
                match law {
                    PlannedLaw::Smooth(_) => {
                        rng.next_u64();
                    }
                    _ => {
                        law.sample(rng);
                    }
                }
            }
            if self.held != EMPTY && avoid.forbids(self.held as usize) {
                if counted {
                    self.left += 1;
                }
                continue;
            }
            self.last = LastDraw::at(0, counted);
            if self.held != EMPTY {
                return PlannedDraw::Bound(self.held as usize);
            }
            // A one-slot plan binds nothing else, so no candidate is bound yet: the first
            // one `avoid` allows is free (see `Plan::free`).
            let len = candidates.len();
            return match (0..len)
                .map(|i| candidates.at(i))
                .find(|&p| !avoid.blocks_binding(p))
            {
                Some(position) => {
                    self.held = position as u32;
                    PlannedDraw::Bound(position)
                }
                None => PlannedDraw::Create(Ticket::for_slot(0)),
            };
        }
        // As `Plan::draw` when every try hit an avoided value.
        let _start: usize = rng.random_range(0..1);
        if self.held != EMPTY && !avoid.forbids(self.held as usize) {
            self.last = LastDraw::at(0, false);
            return PlannedDraw::Bound(self.held as usize);
        }
        self.last = LastDraw::NONE;
        PlannedDraw::Create(Ticket::unplanned())
    }

    /// As [`Plan::take_counted`].
    pub(crate) fn take_counted(&mut self) -> Option<u32> {
        self.last.take_counted()
    }

    /// As [`Plan::last_slot`].
    pub(crate) fn last_slot(&self) -> Option<usize> {
        self.last.slot()
    }

    /// As [`Plan::fulfil`].
    pub(crate) fn fulfil(&mut self, ticket: Ticket, position: usize) {
        if ticket.plan_slot() == Some(0) && self.held == EMPTY {
            self.held = position as u32;
        }
    }

    /// As [`Plan::give_back`] (a one-slot plan's only slot).
    pub(crate) fn give_back(&mut self) {
        self.left += 1;
    }
}

/// `p_i = F((i+1)/d) - F(i/d)` for every slot.
fn slot_probabilities(law: &PlannedLaw, d: usize) -> Vec<f64> {
    let mut previous = 0.0;
    (1..=d)
        .map(|i| {
            let current = law.cdf(i as f64 / d as f64);
            let p = (current - previous).max(0.0);
            previous = current;
            p
        })
        .collect()
}

/// `D = N / mean` slots, at least one and at most one per draw.
pub(crate) fn slot_count(mean: Mean, draws: u64) -> Result<usize, ParamError> {
    let slots = (draws as f64 / mean.get())
        .round()
        .clamp(1.0, draws.max(1) as f64);
    if slots > MAX_SLOTS as f64 {
        return Err(ParamError::PlanTooLarge {
            draws,
            mean: mean.get(),
        });
    }
    Ok(slots as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a draw touches fits one cache line (see `Plan::cold`): a group plan per tenant is
    /// drawn in random order, and a second line per draw is a second cache miss.
    #[test]
    fn a_plan_fits_a_cache_line() {
        assert!(
            std::mem::size_of::<Plan>() <= 64,
            "{}",
            std::mem::size_of::<Plan>()
        );
    }
    use crate::rng::seeded;
    use crate::{Skew, Weights};

    /// After the planned draws, exactly `N / mean` values, each used its planned count.
    #[test]
    fn planned_draws_give_the_exact_counts() {
        let laws = [
            Law::Uniform,
            Law::Skew(Skew::new(2.0).unwrap()),
            Law::Weights(Weights::new([0.7, 0.2, 0.07, 0.03]).unwrap()),
        ];
        for law in &laws {
            for (mean, draws) in [(50.0, 100_000u64), (1.7, 10_000), (1.0, 500)] {
                let mut plan = Plan::new(law, Mean::new(mean).unwrap(), draws).unwrap();
                let mut rng = seeded(1);
                let mut uses = vec![0u64; plan.slots()];
                let mut pool = 0usize;
                for _ in 0..draws {
                    let position = match plan.draw(Candidates::All(pool), Avoid::NONE, &mut rng) {
                        PlannedDraw::Bound(p) => p,
                        PlannedDraw::Create(t) => {
                            pool += 1;
                            plan.fulfil(t, pool - 1);
                            pool - 1
                        }
                    };
                    uses[position] += 1;
                }
                let d = (draws as f64 / mean).round() as usize;
                assert_eq!(pool, d, "{law:?} mean {mean}");
                // Values are numbered by first use, slots by rank: compare the sorted counts.
                let mut planned: Vec<u64> = (0..plan.slots())
                    .map(|slot| (plan.share_of(slot) * draws as f64).round() as u64)
                    .collect();
                planned.sort_unstable();
                uses.sort_unstable();
                assert_eq!(uses, planned, "{law:?} mean {mean}");
                let total: u64 = uses.iter().sum();
                assert_eq!(total, draws);
            }
        }
    }

    /// When every planned use left is of an avoided value (a route's destination that may not
    /// be its origin, at the end of the plan), the draw takes another value the plan holds
    /// instead of creating one: a plan over a pool filled beforehand never grows it.
    #[test]
    fn an_avoided_tail_takes_a_held_value_rather_than_a_new_one() {
        let law = Law::Weights(Weights::new([0.9, 0.1]).unwrap());
        let draws = 200u64;
        let mut plan = Plan::new(&law, Mean::new(100.0).unwrap(), draws).unwrap();
        let mut rng = seeded(3);
        let pool = 2usize;
        let (mut created, mut made) = (0, 0u64);
        // Avoid position 0 on every draw after half of them: its planned uses are left over.
        for i in 0..draws {
            let avoided = [0usize];
            let avoid = if i >= draws / 2 {
                Avoid {
                    values: &avoided,
                    fresh: &[],
                }
            } else {
                Avoid::NONE
            };
            match plan.draw(Candidates::All(pool), avoid, &mut rng) {
                PlannedDraw::Bound(p) => {
                    assert!(p < pool);
                    if i >= draws / 2 {
                        assert_ne!(p, 0, "draw {i} gave the avoided value");
                    }
                }
                PlannedDraw::Create(t) => {
                    created += 1;
                    plan.fulfil(t, pool + created - 1);
                }
            }
            made += 1;
        }
        assert_eq!(made, draws);
        assert_eq!(created, 0, "the pool grew");
    }

    /// A small plan draws as a one-slot `Plan` does, random numbers included: within the
    /// plan, beyond it, with avoided values, given-back uses and values created on a first
    /// hit. A dataset must not depend on which form a group's plan takes.
    #[test]
    fn a_small_plan_draws_as_a_one_slot_plan() {
        use rand::Rng;
        let laws = [
            Law::Uniform,
            Law::Skew(Skew::new(2.0).unwrap()),
            Law::Weights(Weights::new([0.7, 0.2, 0.07, 0.03]).unwrap()),
        ];
        for law in &laws {
            let planned = Arc::new(law.planned());
            for (mean, draws) in [(50.0, 1u64), (50.0, 40), (10.0, 12), (3.0, 4)] {
                let mean = Mean::new(mean).unwrap();
                let mut full = Plan::for_group(&planned, mean, draws).unwrap();
                assert_eq!(full.slots(), 1);
                let mut small = SmallPlan::for_group(mean, draws).unwrap();
                let (mut rng_full, mut rng_small) = (seeded(9), seeded(9));
                let mut chooser = seeded(4);
                // Pool positions of the group's sub-pool, grown by creations.
                let (mut pool_full, mut pool_small) = (vec![3usize], vec![3usize]);
                for i in 0..(3 * draws + 20) {
                    let avoided = [3usize, 7];
                    let avoid = match chooser.random_range(0..4) {
                        0 => Avoid {
                            values: &avoided[..1],
                            fresh: &[],
                        },
                        1 => Avoid {
                            values: &[],
                            fresh: &avoided[..1],
                        },
                        _ => Avoid::NONE,
                    };
                    let a = full.draw(
                        Candidates::Only(SubPoolView::Positions(&pool_full)),
                        avoid,
                        &mut rng_full,
                    );
                    let b = small.draw(
                        &planned,
                        Candidates::Only(SubPoolView::Positions(&pool_small)),
                        avoid,
                        &mut rng_small,
                    );
                    let a = outcome(a, &mut pool_full, |t, p| full.fulfil(t, p));
                    let b = outcome(b, &mut pool_small, |t, p| small.fulfil(t, p));
                    assert_eq!(a, b, "{law:?} draws {draws}, draw {i}");
                    assert_eq!(full.take_counted(), small.take_counted());
                    assert_eq!(full.last_slot(), small.last_slot());
                    // Every fifth use is given back, as for a refused aggregate.
                    if i % 5 == 4 && full.last_slot().is_some() {
                        full.give_back(0);
                        small.give_back();
                    }
                    assert_eq!(rng_full.next_u64(), rng_small.next_u64(), "draw {i}");
                }
            }
        }

        /// What a draw gave: whether it created, the position, the ticket's slot. A value
        /// created joins the group's sub-pool and is handed to the plan.
        fn outcome(
            draw: PlannedDraw,
            pool: &mut Vec<usize>,
            fulfil: impl FnOnce(Ticket, usize),
        ) -> (bool, usize, Option<u32>) {
            match draw {
                PlannedDraw::Bound(p) => (false, p, None),
                PlannedDraw::Create(t) => {
                    let p = 100 + pool.len();
                    pool.push(p);
                    fulfil(t, p);
                    (true, p, t.slot())
                }
            }
        }
    }

    #[test]
    fn tiny_targets_use_one_slot() {
        assert_eq!(slot_count(Mean::new(50.0).unwrap(), 10).unwrap(), 1);
        assert_eq!(slot_count(Mean::new(50.0).unwrap(), 0).unwrap(), 1);
    }

    #[test]
    fn a_mean_too_close_to_one_is_a_typed_error() {
        let err = slot_count(Mean::new(1.000_001).unwrap(), 100_000_000).unwrap_err();
        assert!(matches!(err, ParamError::PlanTooLarge { .. }), "{err}");
    }
}
