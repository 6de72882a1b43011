//! Where a group's plan is, found from the group's integer value.
//!
//! Groups of ids are mostly planned in the order their values were assigned (a tenant is
//! created by the draw that first reads it, and its authors' group is planned by the next
//! one), so the plan index of a group follows from its value through a few arithmetic runs:
//! one run `value, value + stride, ...` for keys counted one by one (stride 1) or every K-th
//! (stride K: a worker of K in memory assigns w + 1, w + 1 + K, ...), and a new run wherever
//! the keys jump (blocks of keys reserved from a database sequence by cooperating
//! generators). Finding a plan this way reads a short sorted array instead of the pool's
//! numbering of the group and the strategy's index of plans by number — at 200 000 tenants,
//! two reads at random in 800 KB per draw.

/// Runs at most; beyond them a group is not recorded and its draws ask by number. 4 096 runs
/// of 24 bytes stay within L2, where a binary search over them costs a dozen hits.
const MAX_RUNS: usize = 4096;

/// Plan indexes of integer groups as arithmetic runs of their values, sorted by value.
#[derive(Debug, Clone, Default)]
pub(super) struct ValueRuns {
    runs: Vec<Run>,
}

/// `len` groups: value `first + k * stride` has plan index `index + k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    first: i64,
    stride: i64,
    index: u32,
    len: u32,
}

impl Run {
    fn last(&self) -> i64 {
        self.first + self.stride * (i64::from(self.len) - 1)
    }
}

impl ValueRuns {
    /// Files group `value` as plan `index`. Values below the last one filed are not recorded
    /// (the runs stay sorted): their draws ask by number.
    pub(super) fn record(&mut self, value: i64, index: u32) {
        if let Some(run) = self.runs.last_mut() {
            let last = run.last();
            if value <= last {
                return;
            }
            if u64::from(run.index) + u64::from(run.len) == u64::from(index) {
                // The second group of a run fixes its stride; later ones must keep it.
                let rise = value.checked_sub(last);
                if let (1, Some(rise)) = (run.len, rise) {
                    run.stride = rise;
                    run.len = 2;
                    return;
                }
                if rise == Some(run.stride) {
                    run.len += 1;
                    return;
                }
            }
        }
        if self.runs.len() < MAX_RUNS {
            self.runs.push(Run {
                first: value,
                stride: 1,
                index,
                len: 1,
            });
        }
    }

    /// The plan index filed for `value`, if any.
    pub(super) fn find(&self, value: i64) -> Option<u32> {
        // The last run starting at or below `value`; runs do not overlap.
        let at = self.runs.partition_point(|run| run.first <= value);
        let run = self.runs.get(at.checked_sub(1)?)?;
        let offset = value.checked_sub(run.first)?;
        let k = if run.stride == 1 {
            offset
        } else if offset % run.stride == 0 {
            offset / run.stride
        } else {
            return None;
        };
        let k = u32::try_from(k).ok().filter(|&k| k < run.len)?;
        Some(run.index + k)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    #[cfg(test)]
    fn runs(&self) -> Vec<(i64, i64, u32, u32)> {
        self.runs
            .iter()
            .map(|r| (r.first, r.stride, r.index, r.len))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn filed(values: &[i64]) -> ValueRuns {
        let mut runs = ValueRuns::default();
        for (index, &value) in values.iter().enumerate() {
            runs.record(value, index as u32);
        }
        runs
    }

    #[test]
    fn keys_counted_one_by_one_make_one_run() {
        let runs = filed(&[1, 2, 3, 4]);
        assert_eq!(runs.runs(), [(1, 1, 0, 4)]);
        assert_eq!(runs.find(3), Some(2));
        assert_eq!(runs.find(5), None);
        assert_eq!(runs.find(0), None);
    }

    #[test]
    fn every_kth_key_makes_one_run_of_stride_k() {
        let runs = filed(&[3, 6, 9, 12]);
        assert_eq!(runs.runs(), [(3, 3, 0, 4)]);
        assert_eq!(runs.find(9), Some(2));
        assert_eq!(runs.find(7), None, "off the run");
        assert_eq!(runs.find(15), None, "past its end");
    }

    #[test]
    fn blocks_of_keys_make_a_run_each() {
        // Blocks of 3 keys from a sequence shared with another generator.
        let runs = filed(&[1, 2, 3, 7, 8, 9, 13]);
        assert_eq!(runs.runs(), [(1, 1, 0, 3), (7, 1, 3, 3), (13, 1, 6, 1)]);
        assert_eq!(runs.find(8), Some(4));
        assert_eq!(runs.find(5), None);
        assert_eq!(runs.find(13), Some(6));
    }

    #[test]
    fn values_out_of_order_are_not_recorded() {
        let runs = filed(&[10, 4, 11, 12]);
        assert_eq!(runs.find(10), Some(0));
        assert_eq!(runs.find(4), None);
        assert_eq!(runs.find(11), Some(2));
        assert_eq!(runs.find(12), Some(3));
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let runs = filed(&[i64::MIN, -1, i64::MAX]);
        assert_eq!(runs.find(i64::MIN), Some(0));
        assert_eq!(runs.find(-1), Some(1));
        assert_eq!(runs.find(i64::MAX), Some(2));
        assert_eq!(runs.find(0), None);
    }

    proptest! {
        /// Whatever the values and the order they are filed in, a value found is one filed,
        /// with its own index; and when each value is above the ones before (ids assigned in
        /// order), every value filed is found.
        #[test]
        fn a_value_found_is_the_one_filed(
            steps in proptest::collection::vec(-50i64..400, 1..300),
            probes in proptest::collection::vec(-100i64..30_000, 0..200),
        ) {
            let mut value = 0i64;
            let values: Vec<i64> = steps.iter().map(|s| { value += s; value }).collect();
            let runs = filed(&values);
            let increasing = values.windows(2).all(|w| w[0] < w[1]);
            for (index, &v) in values.iter().enumerate() {
                match runs.find(v) {
                    Some(found) => prop_assert_eq!(values[found as usize], v),
                    None => prop_assert!(!increasing, "{} not found", v),
                }
                if increasing {
                    prop_assert_eq!(runs.find(v), Some(index as u32));
                }
            }
            for probe in probes {
                if let Some(found) = runs.find(probe) {
                    prop_assert_eq!(values[found as usize], probe);
                }
            }
        }
    }
}
