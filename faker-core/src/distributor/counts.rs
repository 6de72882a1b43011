//! Exact planned counts: how many draws every slot of a plan receives, drawn in random order.

use std::collections::BinaryHeap;

use rand::{Rng, RngExt, SeedableRng};

use super::alias::AliasTable;
use super::prefetch::prefetch;
use crate::rng::FakerRng;

/// The planned uses of every slot — `N · p_i` rounded by largest remainder so that they sum
/// to `N`, at least one each — and the uses not drawn yet, drawn without replacement.
///
/// Drawing without replacement from exact counts makes the achieved figures *equal* the
/// planned ones once the `N` draws are done: exactly `D` distinct values, each with its count,
/// so the shares by rank are the law's, at any mean (independent draws only match them in
/// expectation, and at low means the values never hit take their share with them).
///
/// Two ways to hold the uses left, chosen by size: up to [`SEQUENCE_LIMIT`] draws, every use
/// as one entry of a sequence that is shuffled as it is drawn (a Fisher–Yates step per draw,
/// O(1), 4 bytes per planned draw); beyond, the counts left per slot with an alias table for
/// proposals (see [`Left::Alias`]; O(1) expected, 16 bytes per slot). The limit keeps the
/// sequence within a core's cache: a shuffled draw touches a random entry, and over millions
/// of entries each draw would be a cache miss.
#[derive(Debug, Clone)]
pub(crate) struct Counts {
    /// What a draw reads and updates, first and small: a plan embeds its counts, and the plans
    /// of a partition's groups (one per tenant, say) are drawn in random order, each draw a
    /// likely cache miss on its plan.
    left: Left,
    /// The planned uses, read only for shares: behind a pointer, out of the draws' way.
    planned: Box<Planned>,
}

#[derive(Debug, Clone)]
struct Planned {
    counts: Vec<u32>,
    total: u64,
}

/// Plans of up to this many draws keep one entry per use (256 KiB at the limit).
const SEQUENCE_LIMIT: u64 = 1 << 16;

#[derive(Debug, Clone)]
enum Left {
    /// A single slot: only the number of uses left (every draw is that slot).
    One { left: u64 },
    /// Uses `[drawn..]` are left, in no particular order; `[..drawn]` are spent (at most
    /// [`SEQUENCE_LIMIT`] uses, so `drawn` fits 32 bits).
    Sequence { uses: Box<[u32]>, drawn: u32 },
    /// The uses left per slot, drawn by rejection from an alias table over the uses left at
    /// the last rebuild: propose slot `i` with probability ∝ `base_i`, keep it with
    /// probability `left_i / base_i` — exactly ∝ `left_i`. The table is rebuilt when half the
    /// uses it was built for are spent, so a draw takes at most two proposals on average, each
    /// one random number and two table reads (a Fenwick tree would take a dozen dependent reads
    /// per draw, each a likely cache miss).
    /// Boxed: a plan embeds its counts, and the plans of small groups (thousands of them)
    /// never use this variant; unboxed it would double every plan's counts.
    Alias(Box<Proposals>),
    /// Every use of a slot before any use of the next, slots visited in a fixed order (see
    /// [`Counts::in_order`]). Boxed like `Alias`.
    InOrder(Box<InOrder>),
}

/// The slots' uses spent one slot after the other: the values of an `ordered` field or
/// reference follow the order in which rows are created, as in a table whose rows were
/// inserted in date or key order (`pg_stats.correlation` near 1), which the planner reads to
/// price index scans.
#[derive(Debug, Clone)]
struct InOrder {
    /// Uses left per slot.
    left: Vec<u32>,
    /// The order of visit; with `shuffle`, `order[..fixed]` is decided and the rest is
    /// chosen one slot at a time as the visit reaches it (a Fisher–Yates step each).
    order: Box<[u32]>,
    fixed: u32,
    shuffle: bool,
    /// Index into `order` of the slot being spent.
    at: u32,
    /// Uses given back, drawn again first (a refused aggregate's value comes back at once,
    /// so the order holds).
    returned: Vec<u32>,
}

#[derive(Debug, Clone)]
struct Proposals {
    table: AliasTable,
    /// Per slot: (uses left, uses left at the last rebuild), side by side so that a
    /// proposal reads one cache line.
    slots: Vec<(u32, u32)>,
    left: u64,
    /// Uses left when the table was built.
    built_for: u64,
    /// The coming proposals, made on the first draw.
    ahead: Option<Ahead>,
}

/// How soon a slot told to a caller of [`Counts::draw_fetching`] is likely drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coming {
    /// In a few draws: fetch the slot's own state.
    Later,
    /// By the next draw: that state has arrived, fetch what it points at.
    Next,
}

/// How many proposals are drawn ahead: a draw takes a microsecond or more, a fetch from memory
/// a tenth of that, so the entries of the next few draws have long arrived when they are read.
const AHEAD: usize = 4;

/// The random numbers of the coming proposals, drawn ahead so that the table entries they
/// read are fetched from memory while the draws before them run (see `prefetch`): over
/// 200 000 slots the alias entry and the slot's uses are each a cache miss, and without them
/// known ahead every draw waits for both. They come from a stream of the plan's own, seeded
/// from the caller's generator on the first draw, so that the plan's draws stay a function of
/// the seed (the caller's generator is not drawn ahead of its other uses).
#[derive(Debug, Clone)]
struct Ahead {
    rng: FakerRng,
    numbers: [u64; AHEAD],
    at: usize,
}

impl Ahead {
    fn new<R: Rng + ?Sized>(rng: &mut R, table: &AliasTable) -> Ahead {
        let mut own = FakerRng::seed_from_u64(rng.next_u64());
        let numbers: [u64; AHEAD] = std::array::from_fn(|_| own.next_u64());
        for &r in &numbers {
            table.prefetch(r);
        }
        Ahead {
            rng: own,
            numbers,
            at: 0,
        }
    }

    /// The next proposal's random number. A new one joins the queue and its table entry is
    /// fetched; the ones before it have their entries in cache by now, so the slots they
    /// propose are known: `upcoming` hears of the slot half-way along ([`Coming::Later`]) and
    /// of the next one ([`Coming::Next`]), and fetches what their draws will read in two steps
    /// (a slot's state, then what that state points at).
    #[inline]
    fn next(&mut self, table: &AliasTable, upcoming: impl Fn(usize, Coming)) -> u64 {
        let r = self.numbers[self.at];
        let new = self.rng.next_u64();
        self.numbers[self.at] = new;
        table.prefetch(new);
        let later = self.numbers[(self.at + AHEAD / 2) % AHEAD];
        upcoming(table.pick(later), Coming::Later);
        let next = self.numbers[(self.at + 1) % AHEAD];
        upcoming(table.pick(next), Coming::Next);
        self.at = (self.at + 1) % AHEAD;
        r
    }
}

impl Counts {
    /// Counts for `draws` draws over slots of the given probabilities (summing to about 1;
    /// `draws >= probabilities.len()`, so that every slot gets one use).
    pub(crate) fn new(probabilities: &[f64], draws: u64) -> Counts {
        Counts::of(planned_counts(probabilities, draws, true, 0))
    }

    /// Like [`Counts::new`], the uses that lift slots to one taken from the others before the
    /// `kept` first slots (whose shares were given exactly: a law's `top`).
    pub(crate) fn keeping_first(probabilities: &[f64], draws: u64, kept: usize) -> Counts {
        Counts::of(planned_counts(probabilities, draws, true, kept))
    }

    /// Counts for `draws` draws over slots of the given probabilities, `N · p_i` by largest
    /// remainder and nothing more: a slot whose share rounds to no use gets none (a weighted
    /// value list, where a slot is a value that exists whether drawn or not). `draws` may be 0.
    pub(crate) fn exact(probabilities: &[f64], draws: u64) -> Counts {
        Counts::of(planned_counts(probabilities, draws, false, 0))
    }

    fn of(planned: Vec<u32>) -> Counts {
        let total: u64 = planned.iter().map(|&c| u64::from(c)).sum();
        let left = if planned.len() == 1 {
            Left::One { left: total }
        } else if total <= SEQUENCE_LIMIT {
            let mut uses = Vec::with_capacity(total as usize);
            for (slot, &c) in planned.iter().enumerate() {
                uses.extend(std::iter::repeat_n(slot as u32, c as usize));
            }
            Left::Sequence {
                uses: uses.into_boxed_slice(),
                drawn: 0,
            }
        } else {
            Left::Alias(Box::new(Proposals {
                table: alias_of(&planned),
                slots: planned.iter().map(|&c| (c, c)).collect(),
                left: total,
                built_for: total,
                ahead: None,
            }))
        };
        Counts {
            left,
            planned: Box::new(Planned {
                counts: planned,
                total,
            }),
        }
    }

    /// The same planned counts, drawn **in order** instead of at random: all uses of one slot,
    /// then all uses of the next. With `shuffle` the slots are visited in random order (a
    /// reference's slots are ranked by popularity, and the most used value need not be the
    /// first one created), without it in index order (a histogram's buckets, lowest first).
    pub(crate) fn in_order(mut self, shuffle: bool) -> Counts {
        self.visit_in_order(shuffle);
        self
    }

    /// [`Counts::in_order`] in place, from the planned counts (uses spent so far are
    /// forgotten: call it before the first draw).
    pub(crate) fn visit_in_order(&mut self, shuffle: bool) {
        let order = (0..self.planned.counts.len() as u32).collect();
        self.visit(order, shuffle);
    }

    /// [`Counts::visit_in_order`] with the order of visit given: `order` lists every slot
    /// once (the combinations of a joint law grouped by their first member).
    pub(crate) fn visit_in_given_order(&mut self, order: Box<[u32]>) {
        debug_assert_eq!(order.len(), self.planned.counts.len());
        self.visit(order, false);
    }

    /// Spends the planned uses slot after slot in `order` (each slot chosen at random from
    /// the rest as the visit reaches it, with `shuffle`).
    fn visit(&mut self, order: Box<[u32]>, shuffle: bool) {
        self.left = Left::InOrder(Box::new(InOrder {
            left: self.planned.counts.clone(),
            order,
            fixed: 0,
            shuffle,
            at: 0,
            returned: Vec::new(),
        }));
    }

    /// The planned uses of every slot.
    pub(crate) fn planned(&self) -> &[u32] {
        &self.planned.counts
    }

    /// The planned share of `slot`: its count over all planned draws.
    pub(crate) fn share(&self, slot: usize) -> f64 {
        f64::from(self.planned.counts[slot]) / self.planned.total.max(1) as f64
    }

    /// A slot, with probability proportional to its uses left (one of them is used); `None`
    /// once the planned draws are all done.
    #[inline]
    pub(crate) fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<usize> {
        self.draw_fetching(rng, |_, _| {})
    }

    /// [`Counts::draw`], telling `upcoming` of slots that coming draws will likely read, so
    /// that the caller fetches its own state of them (the position a slot holds). Only large
    /// plans, drawn by proposals, know their coming slots.
    #[inline]
    pub(crate) fn draw_fetching<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        upcoming: impl Fn(usize, Coming),
    ) -> Option<usize> {
        match &mut self.left {
            Left::One { left } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                Some(0)
            }
            Left::Sequence { uses, drawn } => {
                let at = *drawn as usize;
                if at >= uses.len() {
                    return None;
                }
                let pick = rng.random_range(at..uses.len());
                uses.swap(at, pick);
                let slot = uses[at];
                *drawn += 1;
                Some(slot as usize)
            }
            Left::Alias(proposals) => {
                let Proposals {
                    table,
                    slots,
                    left,
                    built_for,
                    ahead,
                } = &mut **proposals;
                if *left == 0 {
                    return None;
                }
                if *left * 2 < *built_for {
                    for s in slots.iter_mut() {
                        s.1 = s.0;
                    }
                    let now: Vec<u32> = slots.iter().map(|s| s.0).collect();
                    *table = alias_of(&now);
                    *built_for = *left;
                }
                let ahead = ahead.get_or_insert_with(|| Ahead::new(rng, table));
                // A drawn slot's planned count is read for its share (`Counts::share`).
                let planned = &self.planned.counts;
                loop {
                    let r = ahead.next(table, |slot, coming| {
                        if coming == Coming::Later {
                            prefetch(slots, slot);
                            prefetch(planned, slot);
                        }
                        upcoming(slot, coming);
                    });
                    let slot = table.pick(r);
                    let (have, of) = slots[slot];
                    if have == 0 {
                        continue;
                    }
                    if have == of || ahead.rng.random_range(0..of) < have {
                        slots[slot].0 -= 1;
                        *left -= 1;
                        return Some(slot);
                    }
                }
            }
            Left::InOrder(visit) => visit.next(rng),
        }
    }

    /// Gives back a use drawn from `slot` that was not spent (a redraw for `differ(..)`, an
    /// aggregate the domain refused).
    pub(crate) fn put_back(&mut self, slot: usize) {
        match &mut self.left {
            Left::One { left } => *left += 1,
            Left::Sequence { uses, drawn } => {
                // The spent part's order does not matter: the last spent entry becomes this
                // use, and the uses left are one more.
                if *drawn > 0 {
                    *drawn -= 1;
                    uses[*drawn as usize] = slot as u32;
                }
            }
            Left::Alias(proposals) => {
                let Proposals {
                    slots,
                    left,
                    built_for,
                    ..
                } = &mut **proposals;
                slots[slot].0 += 1;
                *left += 1;
                if slots[slot].0 > slots[slot].1 {
                    // More than the table proposes: rebuild before the next draw.
                    *built_for = u64::MAX;
                }
            }
            Left::InOrder(visit) => visit.returned.push(slot as u32),
        }
    }
}

impl InOrder {
    fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<usize> {
        if let Some(slot) = self.returned.pop() {
            return Some(slot as usize);
        }
        let len = self.order.len() as u32;
        while self.at < len {
            if self.shuffle && self.at == self.fixed {
                let pick = rng.random_range(self.at..len);
                self.order.swap(self.at as usize, pick as usize);
                self.fixed += 1;
            }
            let slot = self.order[self.at as usize] as usize;
            if self.left[slot] > 0 {
                self.left[slot] -= 1;
                return Some(slot);
            }
            self.at += 1;
        }
        None
    }
}

/// The alias table proposing slots in proportion to `counts`.
fn alias_of(counts: &[u32]) -> AliasTable {
    let weights: Vec<f64> = counts.iter().map(|&c| f64::from(c)).collect();
    AliasTable::new(&weights)
}

/// `N · p_i` by largest remainder (the counts sum to `N`), then, with `at_least_one`, every
/// slot raised to one use, taken one at a time from the largest counts — from the `kept`
/// first slots only once no other slot has a use to spare.
fn planned_counts(probabilities: &[f64], draws: u64, at_least_one: bool, kept: usize) -> Vec<u32> {
    let d = probabilities.len();
    let sum: f64 = probabilities.iter().sum();
    let n = draws as f64;
    let exact: Vec<f64> = probabilities
        .iter()
        .map(|p| if sum > 0.0 { p / sum * n } else { n / d as f64 })
        .collect();
    let mut counts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let assigned: u64 = counts.iter().sum();
    let mut order: Vec<usize> = (0..d).collect();
    // Largest fractional part first; ties to the earlier (more popular) slot.
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &i in order.iter().take(draws.saturating_sub(assigned) as usize) {
        counts[i] += 1;
    }
    let zeros = counts.iter().filter(|&&c| c == 0).count();
    if at_least_one && zeros > 0 {
        // Among equal counts the later slot gives first, so counts stay non-increasing.
        // Kept slots rank below every other slot: `(false, ..)` < `(true, ..)`.
        let mut heap: BinaryHeap<(bool, u64, usize)> = counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 1)
            .map(|(i, &c)| (i >= kept, c, i))
            .collect();
        for _ in 0..zeros {
            let Some((free, c, i)) = heap.pop() else {
                break; // fewer draws than slots: the caller never asks for that
            };
            counts[i] = c - 1;
            if c - 1 > 1 {
                heap.push((free, c - 1, i));
            }
        }
        for c in counts.iter_mut().filter(|c| **c == 0) {
            *c = 1;
        }
    }
    counts
        .into_iter()
        .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn counts_sum_to_the_draws_with_one_use_at_least() {
        let p: Vec<f64> = (1..=100).map(|i| 1.0 / f64::from(i)).collect();
        let c = planned_counts(&p, 170, true, 0);
        assert_eq!(c.iter().map(|&c| u64::from(c)).sum::<u64>(), 170);
        assert!(c.iter().all(|&c| c >= 1));
        assert!(c.windows(2).all(|w| w[0] >= w[1]), "{c:?}");
    }

    /// Both ways of holding the uses left spend every planned count exactly, and a use given
    /// back is drawn again.
    #[test]
    fn draws_without_replacement_use_every_count_exactly() {
        let p = [0.5, 0.25, 0.125, 0.0625, 0.0625];
        let planned = planned_counts(&p, 1_000, true, 0);
        let alias = |counts: &Counts| Counts {
            left: Left::Alias(Box::new(Proposals {
                table: alias_of(counts.planned()),
                slots: counts.planned().iter().map(|&c| (c, c)).collect(),
                left: 1_000,
                built_for: 1_000,
                ahead: None,
            })),
            ..counts.clone()
        };
        let sequence = Counts::new(&p, 1_000);
        assert!(matches!(sequence.left, Left::Sequence { .. }));
        for mut counts in [alias(&sequence), sequence] {
            let mut rng = seeded(3);
            let mut seen = [0u32; 5];
            for _ in 0..1_000 {
                seen[counts.draw(&mut rng).unwrap()] += 1;
            }
            assert_eq!(seen.to_vec(), planned);
            assert_eq!(counts.draw(&mut rng), None);
            counts.put_back(2);
            assert_eq!(counts.draw(&mut rng), Some(2));
            assert_eq!(counts.draw(&mut rng), None);
        }
    }

    /// In order: the same counts, each slot's uses all together, slots in index order or in
    /// a random order that visits every slot once.
    #[test]
    fn draws_in_order_spend_one_slot_after_the_other() {
        let p = [0.5, 0.25, 0.125, 0.0625, 0.0625];
        for shuffle in [false, true] {
            let mut counts = Counts::new(&p, 1_000).in_order(shuffle);
            let mut rng = seeded(5);
            let drawn: Vec<usize> = (0..1_000).map(|_| counts.draw(&mut rng).unwrap()).collect();
            assert_eq!(counts.draw(&mut rng), None);
            let mut runs: Vec<(usize, u32)> = Vec::new();
            for &slot in &drawn {
                match runs.last_mut() {
                    Some((s, n)) if *s == slot => *n += 1,
                    _ => runs.push((slot, 1)),
                }
            }
            // One run per slot, of its planned count.
            assert_eq!(runs.len(), 5, "{runs:?}");
            let mut by_slot = runs.clone();
            by_slot.sort_unstable();
            let planned = planned_counts(&p, 1_000, true, 0);
            assert_eq!(by_slot.iter().map(|r| r.1).collect::<Vec<_>>(), planned);
            if !shuffle {
                assert_eq!(runs, by_slot, "index order");
            }
            // A use given back comes back at once, from within the run.
            let mut counts = Counts::new(&p, 1_000).in_order(shuffle);
            let first = counts.draw(&mut rng).unwrap();
            counts.put_back(first);
            assert_eq!(counts.draw(&mut rng), Some(first));
        }
        // Shuffled visits differ between seeds (the most used slot is not always first).
        let firsts: std::collections::BTreeSet<usize> = (0..20)
            .map(|seed| {
                Counts::new(&p, 1_000)
                    .in_order(true)
                    .draw(&mut seeded(seed))
                    .unwrap()
            })
            .collect();
        assert!(firsts.len() > 1, "{firsts:?}");
    }
}
