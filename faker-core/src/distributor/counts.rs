//! Exact planned counts: how many draws every slot of a plan receives, drawn in random order.

use std::collections::BinaryHeap;

use rand::{Rng, RngExt};

/// The planned uses of every slot — `N · p_i` rounded by largest remainder so that they sum
/// to `N`, at least one each — and the uses not drawn yet, in a Fenwick tree so that a draw
/// without replacement costs `O(log D)`.
///
/// Drawing without replacement from exact counts makes the achieved figures *equal* the
/// planned ones once the `N` draws are done: exactly `D` distinct values, each with its count,
/// so the shares by rank are the law's, at any mean (independent draws only match them in
/// expectation, and at low means the values never hit take their share with them).
#[derive(Debug, Clone)]
pub(crate) struct Counts {
    planned: Vec<u32>,
    total: u64,
    /// 1-based Fenwick tree over the uses left per slot.
    tree: Vec<u64>,
    left: u64,
    /// The highest power of two not above the slot count (the descent's first step).
    top: usize,
}

impl Counts {
    /// Counts for `draws` draws over slots of the given probabilities (summing to about 1;
    /// `draws >= probabilities.len()`, so that every slot gets one use).
    pub(crate) fn new(probabilities: &[f64], draws: u64) -> Counts {
        let planned = planned_counts(probabilities, draws);
        let d = planned.len();
        let mut tree = vec![0u64; d + 1];
        for (i, &c) in planned.iter().enumerate() {
            tree[i + 1] += u64::from(c);
            let parent = (i + 1) + ((i + 1) & (i + 1).wrapping_neg());
            if parent <= d {
                tree[parent] += tree[i + 1];
            }
        }
        let total = planned.iter().map(|&c| u64::from(c)).sum();
        let top = if d == 0 { 0 } else { 1 << d.ilog2() };
        Counts {
            planned,
            total,
            tree,
            left: total,
            top,
        }
    }

    /// The planned share of `slot`: its count over all planned draws.
    pub(crate) fn share(&self, slot: usize) -> f64 {
        f64::from(self.planned[slot]) / self.total.max(1) as f64
    }

    /// A slot, with probability proportional to its uses left (one of them is used); `None`
    /// once the planned draws are all done.
    pub(crate) fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<usize> {
        if self.left == 0 {
            return None;
        }
        let mut u = rng.random_range(0..self.left);
        // Descend to the last position whose prefix sum is <= u: the slot after it holds u.
        let (mut at, mut step) = (0usize, self.top);
        while step > 0 {
            let next = at + step;
            if next < self.tree.len() && self.tree[next] <= u {
                u -= self.tree[next];
                at = next;
            }
            step >>= 1;
        }
        self.add(at, -1);
        Some(at)
    }

    /// Gives back a use drawn from `slot` that was not spent (a redraw for `differ(..)`).
    pub(crate) fn put_back(&mut self, slot: usize) {
        self.add(slot, 1);
    }

    fn add(&mut self, slot: usize, delta: i64) {
        let mut i = slot + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
        self.left = self.left.wrapping_add_signed(delta);
    }
}

/// `N · p_i` by largest remainder (the counts sum to `N`), then every slot raised to one use,
/// taken one at a time from the largest counts.
fn planned_counts(probabilities: &[f64], draws: u64) -> Vec<u32> {
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
    if zeros > 0 {
        // Among equal counts the later slot gives first, so counts stay non-increasing.
        let mut heap: BinaryHeap<(u64, usize)> = counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 1)
            .map(|(i, &c)| (c, i))
            .collect();
        for _ in 0..zeros {
            let Some((c, i)) = heap.pop() else {
                break; // fewer draws than slots: the caller never asks for that
            };
            counts[i] = c - 1;
            if c - 1 > 1 {
                heap.push((c - 1, i));
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
        let c = planned_counts(&p, 170);
        assert_eq!(c.iter().map(|&c| u64::from(c)).sum::<u64>(), 170);
        assert!(c.iter().all(|&c| c >= 1));
        assert!(c.windows(2).all(|w| w[0] >= w[1]), "{c:?}");
    }

    #[test]
    fn draws_without_replacement_use_every_count_exactly() {
        let p = [0.5, 0.25, 0.125, 0.0625, 0.0625];
        let mut counts = Counts::new(&p, 1_000);
        let mut rng = seeded(3);
        let mut seen = [0u32; 5];
        for _ in 0..1_000 {
            seen[counts.draw(&mut rng).unwrap()] += 1;
        }
        assert_eq!(seen.to_vec(), counts.planned);
        assert_eq!(counts.draw(&mut rng), None);
        counts.put_back(2);
        assert_eq!(counts.draw(&mut rng), Some(2));
    }
}
