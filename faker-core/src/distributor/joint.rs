//! Joint laws: one law over the *combinations* of several references (a flight's
//! `(origin, dest)` route), while each reference keeps its own law over its own values.
//!
//! Two things must hold at once in planned mode:
//!
//! * the combinations follow the joint law: `draws / mean` distinct combinations, shares by the
//!   law's skew or weights. The combinations are the values of an ordinary [`Strategy`] over a
//!   [`Pool`] of combinations, so this is the planned mode of every other distributor;
//! * every member follows its own law (its *marginal*): the draws that land on origin `a` are
//!   the sum of the draws of the routes that start at `a`, and must be `a`'s share of the
//!   origin law.
//!
//! The second is an assignment problem. When a combination slot is hit for the first time its
//! expected share `r` of the draws is known (the slot's probability), and so is every member
//! slot's share `p` (its own plan). Each member gets the slot with the largest **deficit**
//! (`p` minus the shares of the combinations already assigned to it), skipping slots that would
//! repeat an existing combination or give two members that must differ the same value. Heavy
//! combinations come first (a slot's first hit happens early when its share is large), so this
//! is the "largest remaining capacity first" rule of bin packing: the marginals end up within a
//! fraction of the smallest combination share of the law.
//!
//! Without a plan (an open-ended stream) a new combination draws each member from its own
//! distributor; the combination law then carries the age effect of dynamic mode.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::Rng;

use super::draw::{Draw, Ticket};
use super::plan::Plan;
use super::pool::Pool;
use super::{ManyToOne, Plannable, Strategy};
use crate::error::ParamError;

/// A combination: one pool position per member, in the member order of the declaration.
pub(crate) type Combination = Box<[u32]>;

/// Candidates of the last member tried for one new combination before giving up on
/// uniqueness (see [`JointLaw::choose`]): with fewer free partners than this the member law
/// is nearly exhausted for this first member anyway.
const LAST_MEMBER_TRIES: usize = 64;
/// First-member candidates tried when none of the last member's fits.
const FIRST_MEMBER_TRIES: usize = 8;

/// The joint law of one `#[joint(..)]` declaration.
#[derive(Debug, Clone)]
pub(crate) struct JointLaw {
    /// The law over combinations.
    strategy: Strategy,
    combinations: Pool<Combination>,
    /// Per member, in planned mode: what its slots still miss.
    deficits: Vec<Deficits>,
    /// Draws planned (0 when not planned).
    draws: f64,
}

/// A member's slots by remaining deficit.
#[derive(Debug, Clone)]
struct Deficits {
    deficit: Vec<f64>,
    /// Max-heap of (deficit, slot); entries whose deficit is no longer current are stale and
    /// skipped (lazy deletion: a slot's deficit only decreases, and the fresh entry is pushed).
    heap: BinaryHeap<Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    deficit: f64,
    slot: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Larger deficit first; among equals the earlier slot (the more popular one).
        self.deficit
            .total_cmp(&other.deficit)
            .then_with(|| other.slot.cmp(&self.slot))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Deficits {
    fn new(plan: &Plan) -> Deficits {
        let deficit: Vec<f64> = (0..plan.slots()).map(|s| plan.share_of(s)).collect();
        let heap = deficit
            .iter()
            .enumerate()
            .map(|(slot, &deficit)| Entry {
                deficit,
                slot: slot as u32,
            })
            .collect();
        Deficits { deficit, heap }
    }

    /// Pops the current entries in deficit order until `accept` takes one (at most `tries`),
    /// then puts the rejected ones back.
    fn find(&mut self, tries: usize, mut accept: impl FnMut(usize) -> bool) -> Option<usize> {
        let mut rejected = Vec::new();
        let mut found = None;
        while rejected.len() < tries {
            let Some(entry) = self.heap.pop() else { break };
            if entry.deficit != self.deficit[entry.slot as usize] {
                continue; // stale
            }
            if accept(entry.slot as usize) {
                found = Some(entry);
                break;
            }
            rejected.push(entry);
        }
        self.heap.extend(rejected);
        if let Some(entry) = found {
            self.heap.push(entry); // still current until `charge`
        }
        found.map(|e| e.slot as usize)
    }

    /// The `n` current top slots, without removing them.
    fn top(&mut self, n: usize) -> Vec<usize> {
        let mut taken = Vec::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let Some(entry) = self.heap.pop() else { break };
            if entry.deficit != self.deficit[entry.slot as usize] {
                continue;
            }
            out.push(entry.slot as usize);
            taken.push(entry);
        }
        self.heap.extend(taken);
        out
    }

    fn charge(&mut self, slot: usize, share: f64) {
        let deficit = self.deficit[slot] - share;
        self.deficit[slot] = deficit;
        self.heap.push(Entry {
            deficit,
            slot: slot as u32,
        });
    }
}

/// What a joint draw decided.
pub(crate) enum JointDraw {
    /// An existing combination.
    Reuse(Combination),
    /// A new combination: make it, then [`JointLaw::fulfil`] the ticket. `share` is its
    /// planned share of the draws (`None` in dynamic mode).
    Create(Ticket, Option<f64>),
}

impl JointLaw {
    pub(crate) fn new(strategy: Strategy) -> JointLaw {
        JointLaw {
            strategy,
            combinations: Pool::new(),
            deficits: Vec::new(),
            draws: 0.0,
        }
    }

    /// Plans `draws` draws; `members` are the members' own plans (all of them, or the joint
    /// stays dynamic for member assignment).
    pub(crate) fn plan(&mut self, draws: u64, members: &[Option<&Plan>]) -> Result<(), ParamError> {
        self.strategy.plan(draws)?;
        self.draws = draws as f64;
        self.deficits = match members.iter().copied().collect::<Option<Vec<&Plan>>>() {
            Some(plans) => plans.into_iter().map(Deficits::new).collect(),
            None => Vec::new(),
        };
        Ok(())
    }

    /// True when new combinations choose member slots by deficit.
    pub(crate) fn assigns_slots(&self) -> bool {
        !self.deficits.is_empty()
    }

    /// The number of distinct combinations the plan aims at, when planned.
    pub(crate) fn planned_combinations(&self) -> Option<f64> {
        if self.draws <= 0.0 {
            return None;
        }
        Some(
            self.strategy
                .planned_values()
                .unwrap_or(self.draws),
        )
    }

    pub(crate) fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> JointDraw {
        match self.strategy.draw_position(&self.combinations, rng) {
            Draw::Reuse(position) => JointDraw::Reuse(self.combinations[position].clone()),
            Draw::Create(ticket) => {
                let share = if !self.assigns_slots() {
                    None
                } else if let Some(slot) = ticket.slot() {
                    self.strategy.slot_plan().map(|plan| plan.share_of(slot as usize))
                } else {
                    // Unique combinations (mean 1): every draw is its own combination.
                    Some(1.0 / self.draws.max(1.0))
                };
                JointDraw::Create(ticket, share)
            }
            // A strategy without null_weight never draws a null.
            Draw::Null => JointDraw::Create(Ticket::unplanned(), None),
        }
    }

    /// Chooses one slot per member for a new combination of planned `share` (see the module
    /// docs): the largest deficit first, skipping choices where two members that must differ
    /// (`differ`, pairs of member indices) would hold one value, or where every member's slot
    /// is bound and the combination of their values exists already. When no choice within
    /// the tries satisfies both, the differ rule still holds and the combination may repeat.
    pub(crate) fn choose(
        &mut self,
        share: f64,
        plans: &[&Plan],
        differ: &[(usize, usize)],
    ) -> Vec<usize> {
        let k = self.deficits.len();
        debug_assert_eq!(k, plans.len());
        let held = |member: usize, slot: usize| plans[member].held(slot);
        let clash = |chosen: &[usize], member: usize, slot: usize| {
            let Some(value) = held(member, slot) else {
                return false; // an empty slot gets a value that avoids its partners
            };
            differ.iter().any(|&(a, b)| {
                let other = match (a == member, b == member) {
                    (true, _) => b,
                    (_, true) => a,
                    _ => return false,
                };
                other < chosen.len() && held(other, chosen[other]) == Some(value)
            })
        };
        let exists = |chosen: &[usize], combinations: &Pool<Combination>| {
            let values: Option<Combination> = chosen
                .iter()
                .enumerate()
                .map(|(m, &s)| held(m, s).map(|p| p as u32))
                .collect();
            values.is_some_and(|v| combinations.position_of(&v).is_some())
        };
        let firsts = self.deficits[0].top(FIRST_MEMBER_TRIES);
        let mut fallback: Option<Vec<usize>> = None;
        for first in firsts {
            let mut chosen = vec![first];
            // Middle members: the best slot that does not clash.
            for m in 1..k.saturating_sub(1) {
                let slot = self.deficits[m].find(LAST_MEMBER_TRIES, |s| !clash(&chosen, m, s));
                match slot {
                    Some(s) => chosen.push(s),
                    None => break,
                }
            }
            if chosen.len() < k - 1 {
                continue;
            }
            let combinations = &self.combinations;
            let last = k - 1;
            let found = self.deficits[last].find(LAST_MEMBER_TRIES, |s| {
                if clash(&chosen, last, s) {
                    return false;
                }
                chosen.push(s);
                let new = !exists(&chosen, combinations);
                chosen.pop();
                new
            });
            if let Some(s) = found {
                chosen.push(s);
                return self.charge(chosen, share);
            }
            if fallback.is_none() {
                let any = self.deficits[last].find(LAST_MEMBER_TRIES, |s| !clash(&chosen, last, s));
                if let Some(s) = any {
                    chosen.push(s);
                    fallback = Some(chosen);
                }
            }
        }
        // No new combination within the tries: repeat one (still honouring differ), or,
        // should even that fail, take the top slots.
        let chosen = fallback.unwrap_or_else(|| {
            (0..k)
                .map(|m| self.deficits[m].top(1).first().copied().unwrap_or(0))
                .collect()
        });
        self.charge(chosen, share)
    }

    fn charge(&mut self, chosen: Vec<usize>, share: f64) -> Vec<usize> {
        for (m, &slot) in chosen.iter().enumerate() {
            self.deficits[m].charge(slot, share);
        }
        chosen
    }

    /// Adds the combination made for `ticket`.
    pub(crate) fn fulfil(&mut self, ticket: Ticket, combination: Combination) {
        self.strategy
            .fulfil(&mut self.combinations, ticket, combination);
    }

    /// [`Strategy::checkpoint`] of the law over combinations (a combination made for a refused
    /// aggregate stays, with the deficits it charged: its members exist and its slot keeps
    /// it; only the planned uses of its slot are given back).
    pub(crate) fn checkpoint(&mut self) -> super::Checkpoint {
        self.strategy.checkpoint()
    }

    /// [`Strategy::restore`] of the law over combinations.
    pub(crate) fn restore(&mut self, checkpoint: super::Checkpoint) {
        self.strategy.restore(checkpoint);
    }

    /// [`Strategy::commit`] of the law over combinations.
    pub(crate) fn commit(&mut self, checkpoint: super::Checkpoint) {
        self.strategy.commit(checkpoint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributor::Avoid;
    use crate::distributor::plan::{Candidates, PlannedDraw};
    use crate::rng::seeded;
    use crate::{Mean, Skew};

    /// Two members over one pool of values that must differ, a skewed pair law: the pair
    /// figures follow the joint law and each member its own marginal law, with no pair
    /// holding one value twice.
    #[test]
    fn pairs_and_marginals_both_follow_their_laws() {
        let draws = 200_000u64;
        let member = || {
            let mut s = Strategy::new(Skew::new(2.0).unwrap(), Mean::new(2_000.0).unwrap());
            s.plan(draws).unwrap();
            s
        };
        let (mut origin, mut dest) = (member(), member());
        let mut joint = JointLaw::new(Strategy::new(
            Skew::new(1.5).unwrap(),
            Mean::new(500.0).unwrap(),
        ));
        joint
            .plan(draws, &[origin.slot_plan(), dest.slot_plan()])
            .unwrap();
        let mut rng = seeded(11);
        let mut pool_len = 0usize; // one pool of "airports": positions 0..pool_len
        let mut pair_uses = rustc_hash::FxHashMap::<Combination, u64>::default();
        let mut origin_uses = vec![0u64; 0];
        for _ in 0..draws {
            let combination = match joint.draw(&mut rng) {
                JointDraw::Reuse(c) => c,
                JointDraw::Create(ticket, share) => {
                    let share = share.expect("planned");
                    let slots = joint.choose(
                        share,
                        &[origin.slot_plan().unwrap(), dest.slot_plan().unwrap()],
                        &[(0, 1)],
                    );
                    // What each member resolves to: held slots first, so that an empty
                    // slot avoids the values its partner already holds.
                    let mut values: Vec<Option<usize>> = vec![
                        origin.slot_plan().unwrap().held(slots[0]),
                        dest.slot_plan().unwrap().held(slots[1]),
                    ];
                    for (m, plan) in [origin.slot_plan_mut(), dest.slot_plan_mut()]
                        .into_iter()
                        .enumerate()
                    {
                        let plan = plan.unwrap();
                        let avoid: Vec<usize> = values
                            .iter()
                            .enumerate()
                            .filter(|&(o, _)| o != m)
                            .filter_map(|(_, v)| *v)
                            .collect();
                        let avoid = Avoid {
                            values: &avoid,
                            fresh: &[],
                        };
                        let position = match plan.take(slots[m], Candidates::All(pool_len), avoid) {
                            PlannedDraw::Bound(p) => p,
                            PlannedDraw::Create(t) => {
                                pool_len += 1;
                                plan.fulfil(t, pool_len - 1);
                                pool_len - 1
                            }
                        };
                        values[m] = Some(position);
                    }
                    let values: Vec<u32> = values.into_iter().map(|v| v.unwrap() as u32).collect();
                    let c: Combination = values.into();
                    joint.fulfil(ticket, c.clone());
                    c
                }
            };
            assert_ne!(combination[0], combination[1], "a pair holds one value twice");
            *pair_uses.entry(combination.clone()).or_default() += 1;
            let o = combination[0] as usize;
            if origin_uses.len() <= o {
                origin_uses.resize(o + 1, 0);
            }
            origin_uses[o] += 1;
        }
        // Distinct pairs: planned draws / mean = 400, sampling noise a few percent.
        let pairs = pair_uses.len() as f64;
        assert!((pairs / 400.0 - 1.0).abs() < 0.05, "{pairs} pairs");
        // Top quartile shares: skew s puts (1/4)^(1/s) of the draws on the first quarter.
        let top_quarter = |uses: Vec<u64>| {
            let mut uses: Vec<u64> = uses.into_iter().filter(|&u| u > 0).collect();
            uses.sort_unstable_by(|a, b| b.cmp(a));
            let q = uses.len().div_ceil(4);
            uses[..q].iter().sum::<u64>() as f64 / uses.iter().sum::<u64>() as f64
        };
        let pair_top = top_quarter(pair_uses.values().copied().collect());
        assert!((pair_top - 0.25f64.powf(1.0 / 1.5)).abs() < 0.03, "pairs {pair_top}");
        let origin_top = top_quarter(origin_uses);
        assert!((origin_top - 0.5).abs() < 0.03, "origins {origin_top}");
    }
}
