//! Walker's alias method over a fixed set of slots: one random `u64` and two table reads per
//! draw, whatever the law.
//!
//! Planned mode uses it for laws without a cheap inverse (smooth partition weights, whose
//! inverse needs a `pow` and several random numbers per draw). Thresholds are 32-bit fixed
//! point and the slot index comes from a multiply-shift of 32 random bits; both round the
//! probabilities by at most 2^-32 relative, far below any sampling noise.

use rand::Rng;

use super::prefetch::prefetch;

#[derive(Debug, Clone)]
pub(crate) struct AliasTable {
    /// Per slot: keep it if the low 32 random bits are below `threshold`, else take `alias`.
    entries: Vec<(u32, u32)>,
}

impl AliasTable {
    /// Builds the table for `probabilities` (non-negative, summing to about 1; at most
    /// `u32::MAX` entries).
    pub(crate) fn new(probabilities: &[f64]) -> AliasTable {
        let n = probabilities.len();
        let total: f64 = probabilities.iter().sum();
        // Scaled so that the average is 1 (Vose's formulation).
        let mut scaled: Vec<f64> = probabilities.iter().map(|p| p * n as f64 / total).collect();
        let mut entries = vec![(u32::MAX, 0u32); n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            entries[s] = (to_threshold(scaled[s]), l as u32);
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers hold probability ~1 up to rounding: always keep them.
        for i in small.into_iter().chain(large) {
            entries[i] = (u32::MAX, i as u32);
        }
        AliasTable { entries }
    }

    #[inline]
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        self.pick(rng.next_u64())
    }

    /// The slot the random number `r` picks (what [`AliasTable::sample`] does with it).
    #[inline]
    pub(crate) fn pick(&self, r: u64) -> usize {
        let i = self.entry_of(r);
        let (threshold, alias) = self.entries[i];
        if (r as u32) < threshold {
            i
        } else {
            alias as usize
        }
    }

    /// Asks the processor to fetch the entry `r` will read (see [`prefetch`]).
    #[inline]
    pub(crate) fn prefetch(&self, r: u64) {
        prefetch(&self.entries, self.entry_of(r));
    }

    #[inline]
    fn entry_of(&self, r: u64) -> usize {
        (((r >> 32) * self.entries.len() as u64) >> 32) as usize
    }
}

fn to_threshold(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn frequencies_follow_the_probabilities() {
        let p = [0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0];
        let table = AliasTable::new(&p);
        let mut rng = seeded(5);
        let mut counts = [0u64; 6];
        let n = 400_000;
        for _ in 0..n {
            counts[table.sample(&mut rng)] += 1;
        }
        // sd of a share <= sqrt(0.25 / 4e5) = 0.0008; 0.004 is five sd.
        for (c, want) in counts.iter().zip(p) {
            assert!((*c as f64 / n as f64 - want).abs() < 0.004, "{counts:?}");
        }
        assert_eq!(counts[5], 0, "a zero-probability slot was drawn");
    }
}
