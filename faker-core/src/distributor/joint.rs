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
//! The second is an assignment problem, solved once when the law is planned: every combination
//! slot has its exact planned count (see the `counts` module), and so has every member
//! slot. Taking the combinations from the heaviest down, each gets, for every member, the slot
//! with the largest **deficit** (its planned count minus the counts of the combinations already
//! given to it), skipping choices that would repeat a combination of slots or give two members
//! that must differ the same slot. That is the "largest remaining capacity first" rule of bin
//! packing: every member's counts end up within about one combination's count of its plan.
//!
//! Members that refer to the same type (`origin`, `dest`) share their slot numbering: slot `i`
//! of either is the same value (the runtime binds them together), so "must differ" is "a
//! different slot", decided here, and a busy origin is a busy destination too — the hubs of a
//! route network.
//!
//! Without a plan (an open-ended stream) a new combination draws each member from its own
//! distributor; the combination law then carries the age effect of dynamic mode.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::{Rng, RngExt};

use rustc_hash::FxHashSet;

use super::avoid::Avoid;
use super::draw::{Draw, Ticket};
use super::journal::Journal;
use super::plan::{Candidates, Plan, PlannedDraw};
use super::pool::Pool;
use super::{ManyToOne, Strategy};
use crate::error::ParamError;

/// A combination: one pool position per member, in the member order of the declaration.
pub(crate) type Combination = Box<[u32]>;

/// Candidates of the last member tried for one new combination before giving up on
/// uniqueness (see [`JointLaw::choose`]): with fewer free partners than this the member law
/// is nearly exhausted for this first member anyway.
const LAST_MEMBER_TRIES: usize = 64;
/// For the first member with the largest deficit, candidates of the last member tried before
/// the combination goes to another first member: a first member holding most of the law (a
/// playlist with 3 290 of 3 503 tracks) finds its last fresh partners deep in the deficit
/// order, and giving its combinations to others would take its share away.
const WIDE_TRIES: usize = 4_096;
/// First-member candidates tried when none of the last member's fits.
const FIRST_MEMBER_TRIES: usize = 8;

/// The joint law of one `#[joint(..)]` declaration.
#[derive(Debug, Clone)]
pub(crate) struct JointLaw {
    /// The law over combinations (dynamic mode; planned mode uses `plan`).
    strategy: Strategy,
    /// Planned mode: the combinations' slots and, per slot, its members' slots.
    plan: Option<(Plan, Vec<u32>)>,
    combinations: Pool<Combination>,
    members: usize,
    /// Planned uses of combination slots to give back if their aggregate is refused (see
    /// [`JointLaw::checkpoint`]).
    journal: Journal<u32>,
    /// An `ordered` law whose combinations the first draw still has to put in order (it
    /// needs the random number generator; see [`JointLaw::order`]).
    order_pending: bool,
}

/// A member's slots by remaining deficit.
#[derive(Debug, Clone)]
struct Deficits {
    /// Slots no combination holds yet, most popular on top, popped lazily; with their count.
    /// A plan makes every slot a value: when as many combinations are left as slots uncovered,
    /// each must take a new one (see [`Deficits::forced`]).
    uncovered: Vec<u32>,
    uncovered_left: usize,
    covered: Vec<bool>,
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
        let slots = deficit.len();
        Deficits {
            uncovered: (0..slots as u32).rev().collect(),
            uncovered_left: slots,
            covered: vec![false; slots],
            deficit,
            heap,
        }
    }

    /// An uncovered slot `accept` takes, when the `left` combinations still to assign are no
    /// more than the slots uncovered: then only covering one each keeps every slot a value
    /// (the deficit rule would give the last combinations to popular slots and leave values
    /// of the plan without any draw).
    fn forced(&mut self, left: usize, mut accept: impl FnMut(usize) -> bool) -> Option<usize> {
        if self.uncovered_left < left || self.uncovered_left == 0 {
            return None;
        }
        let mut skipped = Vec::new();
        let mut found = None;
        while let Some(slot) = self.uncovered.pop() {
            if self.covered[slot as usize] {
                continue;
            }
            if accept(slot as usize) {
                found = Some(slot as usize);
                self.uncovered.push(slot); // still uncovered until `charge`
                break;
            }
            skipped.push(slot);
        }
        self.uncovered.extend(skipped.into_iter().rev());
        found
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
        if !self.covered[slot] {
            self.covered[slot] = true;
            self.uncovered_left -= 1;
        }
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
    /// A new combination: make it, then [`JointLaw::fulfil`] the ticket. `slots` are its
    /// members' planned slots (`None` in dynamic mode: each member draws on its own).
    Create(Ticket, Option<Vec<usize>>),
}

impl JointLaw {
    pub(crate) fn new(strategy: Strategy, members: usize) -> JointLaw {
        JointLaw {
            strategy,
            plan: None,
            combinations: Pool::new(),
            members,
            journal: Journal::default(),
            order_pending: false,
        }
    }

    /// Plans `draws` draws and assigns every combination slot its members' slots (see the
    /// module docs). `members` are the members' own plans — all of them, or the joint stays
    /// dynamic; `differ` pairs of member indices must get different slots.
    pub(crate) fn plan(
        &mut self,
        draws: u64,
        members: &[Option<&Plan>],
        differ: &[(usize, usize)],
    ) -> Result<(), ParamError> {
        self.plan = None;
        let Some(plans) = members.iter().copied().collect::<Option<Vec<&Plan>>>() else {
            return Ok(());
        };
        let plan = Plan::new(self.strategy.law(), self.strategy.mean(), draws)?;
        let assignment = assign(&plan, &plans, differ);
        self.order_pending = self.strategy.is_ordered();
        self.plan = Some((plan, assignment));
        Ok(())
    }

    /// An `ordered` joint law (see [`Strategy::ordered`]) spends its combinations grouped by
    /// their first member's slot — every combination of one first member, each all its uses,
    /// before the next member's — the first members' slots in random order. Each first member
    /// slot is bound on its first use to the next free value of its pool, so the rows take
    /// the first member in the order its values were created: a track table filled album by
    /// album while the (album, genre) pairs keep their joint law.
    fn order<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        self.order_pending = false;
        let Some((plan, assignment)) = &mut self.plan else {
            return;
        };
        // Each combination slot's first member slot.
        let firsts: Vec<u32> = assignment.iter().step_by(self.members).copied().collect();
        let groups = firsts.iter().map(|&s| s as usize + 1).max().unwrap_or(0);
        let mut rank: Vec<u32> = (0..groups as u32).collect();
        for i in (1..groups).rev() {
            rank.swap(i, rng.random_range(0..=i));
        }
        let mut order: Vec<u32> = (0..firsts.len() as u32).collect();
        order.sort_by_key(|&c| (rank[firsts[c as usize] as usize], c));
        plan.in_order_of(order.into_boxed_slice());
    }

    /// The number of distinct combinations the plan aims at, when planned.
    pub(crate) fn planned_combinations(&self) -> Option<f64> {
        self.plan.as_ref().map(|(plan, _)| plan.slots() as f64)
    }

    pub(crate) fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> JointDraw {
        let members = self.members;
        if self.order_pending {
            self.order(rng);
        }
        if let Some((plan, assignment)) = &mut self.plan {
            let candidates = Candidates::All(self.combinations.len());
            let draw = plan.draw(candidates, Avoid::NONE, rng);
            if let Some(slot) = plan.take_counted() {
                self.journal.record(slot);
            }
            return match draw {
                PlannedDraw::Bound(position) => {
                    JointDraw::Reuse(self.combinations[position].clone())
                }
                PlannedDraw::Create(ticket) => {
                    let slots = ticket.slot().map(|slot| {
                        let at = slot as usize * members;
                        assignment[at..at + members]
                            .iter()
                            .map(|&s| s as usize)
                            .collect()
                    });
                    JointDraw::Create(ticket, slots)
                }
            };
        }
        match self.strategy.draw_position(&self.combinations, rng) {
            Draw::Reuse(position) => JointDraw::Reuse(self.combinations[position].clone()),
            Draw::Create(ticket) => JointDraw::Create(ticket, None),
            // A strategy without null_weight never draws a null.
            Draw::Null => JointDraw::Create(Ticket::unplanned(), None),
        }
    }

    /// Adds the combination made for `ticket`.
    pub(crate) fn fulfil(&mut self, ticket: Ticket, combination: Combination) {
        let (position, _) = self.combinations.insert(combination);
        match &mut self.plan {
            Some((plan, _)) => plan.fulfil(ticket, position),
            None => self.strategy.bind(ticket, position),
        }
    }

    /// Like [`Strategy::checkpoint`], for the law over combinations: starts recording the
    /// planned uses of combination slots. A combination made for a refused aggregate stays
    /// (its members exist and its slot keeps it); only the planned uses are given back.
    pub(crate) fn checkpoint(&mut self) -> super::Checkpoint {
        let mut checkpoint = self.strategy.checkpoint();
        checkpoint.nulls = self.journal.open();
        checkpoint
    }

    /// Like [`Strategy::restore`]: gives back the planned uses spent since `checkpoint`.
    pub(crate) fn restore(&mut self, checkpoint: super::Checkpoint) {
        self.strategy.restore(checkpoint);
        for slot in self.journal.take_back(checkpoint.nulls) {
            if let Some((plan, _)) = &mut self.plan {
                plan.give_back(slot);
            }
        }
    }

    /// Like [`Strategy::commit`]: keeps the draws made since `checkpoint`.
    pub(crate) fn commit(&mut self, checkpoint: super::Checkpoint) {
        self.strategy.commit(checkpoint);
        self.journal.commit(checkpoint.nulls);
    }
}

/// Every combination slot's member slots, `members` per combination slot (see the module
/// docs): heaviest combination first, each member's slot with the largest deficit, no
/// combination of slots twice, different slots for the `differ` pairs. When no fresh choice
/// is found within the tries, the differ rule still holds and the combination may repeat.
fn assign(combinations: &Plan, plans: &[&Plan], differ: &[(usize, usize)]) -> Vec<u32> {
    let k = plans.len();
    let mut deficits: Vec<Deficits> = plans.iter().map(|p| Deficits::new(p)).collect();
    let mut used: FxHashSet<Box<[u32]>> = FxHashSet::default();
    let mut out = Vec::with_capacity(combinations.slots() * k);
    let clash = |chosen: &[usize], member: usize, slot: usize| {
        differ.iter().any(|&(a, b)| {
            let other = match (a == member, b == member) {
                (true, _) => b,
                (_, true) => a,
                _ => return false,
            };
            other < chosen.len() && chosen[other] == slot
        })
    };
    let key = |chosen: &[usize]| -> Box<[u32]> { chosen.iter().map(|&s| s as u32).collect() };
    for j in 0..combinations.slots() {
        let share = combinations.share_of(j);
        let mut picked: Option<Vec<usize>> = None;
        let mut fallback: Option<Vec<usize>> = None;
        let left = combinations.slots() - j;
        let firsts = match deficits[0].forced(left, |_| true) {
            Some(slot) => vec![slot],
            None => deficits[0].top(FIRST_MEMBER_TRIES),
        };
        for (attempt, first) in firsts.into_iter().enumerate() {
            let tries = if attempt == 0 {
                WIDE_TRIES
            } else {
                LAST_MEMBER_TRIES
            };
            let mut chosen = vec![first];
            for (m, member) in deficits.iter_mut().enumerate().take(k - 1).skip(1) {
                let slot = member
                    .forced(left, |s| !clash(&chosen, m, s))
                    .or_else(|| member.find(LAST_MEMBER_TRIES, |s| !clash(&chosen, m, s)));
                match slot {
                    Some(s) => chosen.push(s),
                    None => break,
                }
            }
            if chosen.len() < k - 1 {
                continue;
            }
            let last = k - 1;
            // An uncovered slot makes a fresh combination by itself.
            let forced = deficits[last].forced(left, |s| !clash(&chosen, last, s));
            let fresh = forced.or_else(|| {
                deficits[last].find(tries, |s| {
                    if clash(&chosen, last, s) {
                        return false;
                    }
                    chosen.push(s);
                    let new = !used.contains(&key(&chosen));
                    chosen.pop();
                    new
                })
            });
            if let Some(s) = fresh {
                chosen.push(s);
                picked = Some(chosen);
                break;
            }
            if fallback.is_none()
                && let Some(s) =
                    deficits[last].find(LAST_MEMBER_TRIES, |s| !clash(&chosen, last, s))
            {
                chosen.push(s);
                fallback = Some(chosen);
            }
        }
        let chosen = picked.or(fallback).unwrap_or_else(|| {
            (0..k)
                .map(|m| deficits[m].top(1).first().copied().unwrap_or(0))
                .collect()
        });
        for (m, &slot) in chosen.iter().enumerate() {
            deficits[m].charge(slot, share);
        }
        used.insert(key(&chosen));
        out.extend(chosen.iter().map(|&s| s as u32));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributor::Plannable;
    use crate::{Mean, Skew};

    /// The plan-time assignment: two members over one slot numbering that must differ, a
    /// skewed pair law. Every member slot's assigned counts add up to about its planned count
    /// (the marginal), no combination of slots repeats, no pair holds one slot twice.
    #[test]
    fn assignment_keeps_pairs_marginals_and_differ() {
        let draws = 200_000u64;
        let member = || {
            let mut s = Strategy::new(Skew::new(2.0).unwrap(), Mean::new(2_000.0).unwrap());
            s.plan(draws).unwrap();
            s
        };
        let (origin, dest) = (member(), member());
        let pairs = Plan::new(
            &crate::Law::Skew(Skew::new(1.5).unwrap()),
            Mean::new(500.0).unwrap(),
            draws,
        )
        .unwrap();
        let plans = [origin.slot_plan().unwrap(), dest.slot_plan().unwrap()];
        let assignment = assign(&pairs, &plans, &[(0, 1)]);
        assert_eq!(assignment.len(), pairs.slots() * 2);
        let mut seen = FxHashSet::default();
        let mut origin_counts = vec![0.0; plans[0].slots()];
        for (j, pair) in assignment.chunks(2).enumerate() {
            assert_ne!(pair[0], pair[1], "pair {j} holds one slot twice");
            assert!(seen.insert(pair.to_vec()), "pair {j} repeats");
            origin_counts[pair[0] as usize] += pairs.share_of(j) * draws as f64;
        }
        // Each origin slot within one heaviest pair's count (~1 700 of 200 000) of its plan.
        let heaviest = pairs.share_of(0) * draws as f64;
        for (slot, &got) in origin_counts.iter().enumerate() {
            let want = plans[0].share_of(slot) * draws as f64;
            assert!(
                (got - want).abs() <= heaviest,
                "slot {slot}: {got} for {want}"
            );
        }
    }

    /// The Chinook sample's tracks: 3 503 tracks, (album, genre) pairs at 9.73 tracks each
    /// (360 pairs) over albums at 10.1 tracks each (347 albums). Only 13 albums can have two
    /// pairs; the deficit rule alone gave popular albums several and left 5 albums without any
    /// (so 342 albums drawn of the 347 planned). Every member slot gets a combination.
    #[test]
    fn every_member_slot_gets_a_combination() {
        let draws = 3_503u64;
        let member = |law: crate::Law, mean: f64| {
            let mut s = Strategy::new(law, Mean::new(mean).unwrap());
            s.plan(draws).unwrap();
            s
        };
        let weights = |w: [f64; 4]| crate::Law::Weights(crate::Weights::new(w).unwrap());
        let albums = member(weights([0.354, 0.313, 0.207, 0.0257]), 10.1);
        let genres = member(weights([0.5, 0.3, 0.15, 0.05]), 140.0);
        let pairs = Plan::new(
            &weights([0.445, 0.321, 0.207, 0.0274]),
            Mean::new(9.73).unwrap(),
            draws,
        )
        .unwrap();
        let plans = [albums.slot_plan().unwrap(), genres.slot_plan().unwrap()];
        let assignment = assign(&pairs, &plans, &[]);
        let mut covered = vec![false; plans[0].slots()];
        for pair in assignment.chunks(2) {
            covered[pair[0] as usize] = true;
        }
        assert_eq!(plans[0].slots(), 347);
        assert!(
            covered.iter().all(|&c| c),
            "{} albums without a pair",
            covered.iter().filter(|c| !**c).count()
        );
        let distinct: FxHashSet<&[u32]> = assignment.chunks(2).collect();
        assert_eq!(distinct.len(), pairs.slots(), "a pair twice");
    }
}
