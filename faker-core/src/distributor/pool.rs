//! The pool: values a distributor can hand out again, in creation order.

use std::hash::Hash;

use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// A predicate that selects part of a pool (a specification, seen from the pool's side).
///
/// Draws through a filter only see the values it matches; the pool keeps one sub-pool per
/// [`Filter::key`], so two filters with the same key must match the same values.
pub trait Filter<V> {
    /// A stable identity of the predicate (for example its canonical text). Sub-pools are
    /// looked up by it on every filtered draw, so it should be cheap to return.
    fn key(&self) -> &str;
    /// Whether `value` satisfies the predicate.
    fn matches(&self, value: &V) -> bool;
}

/// The part of a pool a filter matches: positions into the pool, in creation order.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubPool {
    positions: Vec<usize>,
    /// How many values of the main pool this sub-pool has already examined.
    scanned: usize,
}

impl SubPool {
    pub(crate) fn len(&self) -> usize {
        self.positions.len()
    }

    pub(crate) fn position(&self, i: usize) -> usize {
        self.positions[i]
    }
}

/// Values in creation order, de-duplicated by value, with lazily maintained sub-pools.
///
/// A pool is a plain value: the strategies that draw from it take it by reference on every
/// draw, so one pool can be shared by several strategies (say, a skewed reference and a
/// uniform one to the same aggregate type) and they see each other's values.
///
/// Sub-pools (one per [`Filter`] key) catch up incrementally: a filtered draw examines only the
/// values appended since that filter's previous draw, so a filter costs O(new values), not
/// O(pool), per draw.
///
/// ```
/// use faker_core::distributor::Pool;
/// let mut pool = Pool::new();
/// assert_eq!(pool.insert("a"), (0, true));
/// assert_eq!(pool.insert("b"), (1, true));
/// assert_eq!(pool.insert("a"), (0, false)); // already there
/// assert_eq!(pool.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Pool<V> {
    // Fx hashing: pools hash every created value and every filter key on every filtered draw;
    // the values are ours, not an attacker's, so a DoS-resistant hasher buys nothing here.
    values: IndexSet<V, FxBuildHasher>,
    subpools: FxHashMap<Box<str>, SubPool>,
}

impl<V> Default for Pool<V> {
    fn default() -> Self {
        Pool {
            values: IndexSet::default(),
            subpools: FxHashMap::default(),
        }
    }
}

impl<V: Hash + Eq> Pool<V> {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no value was added yet.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value at `position` (creation order).
    pub fn get(&self, position: usize) -> Option<&V> {
        self.values.get_index(position)
    }

    /// The position of `value`, if it is in the pool.
    pub fn position_of(&self, value: &V) -> Option<usize> {
        self.values.get_index_of(value)
    }

    /// Values in creation order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &V> {
        self.values.iter()
    }

    /// Appends `value` unless an equal value is present; returns its position and whether it
    /// was new. Values created elsewhere (directly, not through a draw) enter the pool this way.
    pub fn insert(&mut self, value: V) -> (usize, bool) {
        self.values.insert_full(value)
    }

    /// Number of values `filter` matches (catching its sub-pool up first).
    pub fn count_matching<F: Filter<V> + ?Sized>(&mut self, filter: &F) -> usize {
        self.catch_up(filter).len()
    }

    /// Brings the sub-pool of `filter` up to date and returns it.
    pub(crate) fn catch_up<F: Filter<V> + ?Sized>(&mut self, filter: &F) -> &SubPool {
        let values = &self.values;
        if !self.subpools.contains_key(filter.key()) {
            // Only the first draw of a filter allocates its key.
            self.subpools
                .insert(filter.key().into(), SubPool::default());
        }
        let Some(sub) = self.subpools.get_mut(filter.key()) else {
            unreachable!("inserted above")
        };
        if sub.scanned < values.len() {
            for (position, value) in values.iter().enumerate().skip(sub.scanned) {
                if filter.matches(value) {
                    sub.positions.push(position);
                }
            }
            sub.scanned = values.len();
        }
        sub
    }
}

impl<V> std::ops::Index<usize> for Pool<V> {
    type Output = V;

    /// The value at `position`; panics when out of bounds, like a slice.
    fn index(&self, position: usize) -> &V {
        &self.values[position]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tenant(&'static str);
    impl Filter<(&'static str, u32)> for Tenant {
        fn key(&self) -> &str {
            self.0
        }
        fn matches(&self, v: &(&'static str, u32)) -> bool {
            v.0 == self.0
        }
    }

    #[test]
    fn subpools_catch_up_incrementally() {
        let mut pool = Pool::new();
        pool.insert(("A", 1));
        pool.insert(("B", 2));
        assert_eq!(pool.count_matching(&Tenant("A")), 1);
        pool.insert(("A", 3));
        pool.insert(("A", 1)); // duplicate: not added again
        pool.insert(("B", 4));
        let sub = pool.catch_up(&Tenant("A"));
        assert_eq!(sub.positions, vec![0, 2]);
        assert_eq!(sub.scanned, 4);
        assert_eq!(pool.count_matching(&Tenant("B")), 2);
        assert_eq!(pool.count_matching(&Tenant("C")), 0);
    }
}
