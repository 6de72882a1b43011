//! The pool: values a distributor can hand out again, in creation order.

use std::borrow::Cow;
use std::hash::Hash;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// A predicate that selects part of a pool (a specification, seen from the pool's side).
///
/// Draws through a filter only see the values it matches; the pool keeps one sub-pool per
/// [`Filter::key`], so two filters with the same key must match the same values.
///
/// A filter that is a plain equality on fixed fields ("the author's tenant is 7") should also
/// say so with [`Filter::partition`]: the pool then keeps one index per *set of fields* and
/// files every value under its field values once, instead of one sub-pool per filter that each
/// examines every new value — with thousands of tenants that is the difference between O(1)
/// and O(tenants) work per created value.
pub trait Filter<V> {
    /// A stable identity of the predicate (for example its canonical text). Sub-pools are
    /// looked up by it on every filtered draw, so it should be cheap to return.
    fn key(&self) -> &str;
    /// Whether `value` satisfies the predicate.
    fn matches(&self, value: &V) -> bool;
    /// For an equality filter: the partition it selects (see [`Partition`]).
    fn partition(&self) -> Option<Partition<'_>> {
        None
    }
    /// For an equality filter: the group of `value` in this filter's partition, `None` when
    /// it belongs to none. Only called when [`Filter::partition`] is `Some`.
    fn group_of(&self, value: &V) -> Option<Group<'static>> {
        let _ = value;
        None
    }
}

/// An equality filter seen as one group of a partition of the pool.
#[derive(Debug, Clone)]
pub struct Partition<'a> {
    /// Names the partition (the set of fields compared), e.g. `id.tenant_id`.
    pub by: &'a str,
    /// This filter's group in it (the compared values), e.g. `[7]`.
    pub group: Group<'a>,
}

/// A group of a partition: the compared values, by name, or as one integer when they are one
/// (an equality on an integer id, the common case). A partition's groups of small
/// non-negative integers are found in a vector indexed by the integer — no text to format,
/// hash and compare on each draw, and at 200 000 tenants a 4-byte entry instead of a hash
/// table's bucket. A filter must name each group one way only: `Integer(7)` and
/// `Name("7")` are different groups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Group<'a> {
    /// The group's name, e.g. `[7, "x"]`.
    Name(Cow<'a, str>),
    /// The group of one integer value.
    Integer(i64),
}

impl Group<'_> {
    /// The same group, borrowing its name.
    pub fn borrowed(&self) -> Group<'_> {
        match self {
            Group::Name(name) => Group::Name(Cow::Borrowed(name)),
            Group::Integer(value) => Group::Integer(*value),
        }
    }
}

/// The part of a pool a filter matches: positions into the pool, in creation order.
#[derive(Debug, Clone, Default)]
struct SubPool {
    positions: Vec<usize>,
    /// How many values of the main pool this sub-pool has already examined.
    scanned: usize,
}

/// Values grouped by their fields' values, for one partition. Groups are numbered in the
/// order they are first seen (see [`GroupNumber`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct PartitionIndex {
    numbers: FxHashMap<GroupName, u32>,
    /// Numbers of integer groups by their value, `NO_GROUP` where none; values too large
    /// for the vector when first seen go to `sparse_integers`.
    integers: Vec<u32>,
    sparse_integers: FxHashMap<i64, u32>,
    groups: Vec<Vec<usize>>,
    scanned: usize,
}

const NO_GROUP: u32 = u32::MAX;

impl PartitionIndex {
    /// The number of `group`, numbered now when it is new.
    fn number(&mut self, group: &Group<'_>) -> u32 {
        match group {
            Group::Name(name) => self.number_named(name),
            Group::Integer(value) => self.number_integer(*value),
        }
    }

    fn number_named(&mut self, group: &str) -> u32 {
        if let Some(&number) = self.numbers.get(group.as_bytes()) {
            return number;
        }
        let number = self.new_group();
        self.numbers.insert(GroupName::new(group), number);
        number
    }

    /// The number of the integer group `value`, if it has one (nothing is numbered).
    fn find_integer(&self, value: i64) -> Option<u32> {
        let dense = usize::try_from(value).ok();
        if let Some(&number) = dense.and_then(|at| self.integers.get(at))
            && number != NO_GROUP
        {
            return Some(number);
        }
        self.sparse_integers.get(&value).copied()
    }

    fn number_integer(&mut self, value: i64) -> u32 {
        if let Some(number) = self.find_integer(value) {
            return number;
        }
        let dense = usize::try_from(value).ok();
        let number = self.new_group();
        // Dense while the vector stays within a few entries per group (ids counted from 1
        // do); a stray large id goes to the map instead of growing the vector to it.
        match dense {
            Some(at) if at < (self.groups.len() * 8).max(1 << 12) => {
                if self.integers.len() <= at {
                    self.integers.resize((at + 1).next_power_of_two(), NO_GROUP);
                }
                self.integers[at] = number;
            }
            _ => {
                self.sparse_integers.insert(value, number);
            }
        }
        number
    }

    /// Files the values appended since the last call under their groups.
    fn catch_up<V, F: Filter<V> + ?Sized>(&mut self, values: &[V], filter: &F) {
        if self.scanned < values.len() {
            for (position, value) in values.iter().enumerate().skip(self.scanned) {
                if let Some(group) = filter.group_of(value) {
                    let number = self.number(&group);
                    self.groups[number as usize].push(position);
                }
            }
            self.scanned = values.len();
        }
    }

    fn new_group(&mut self) -> u32 {
        let number = self.groups.len() as u32;
        self.groups.push(Vec::new());
        number
    }
}

/// A group's name as a map key, its bytes inline when short. Most names are a short list of
/// values such as `[7]`; an inline name is compared where the map stores it, while a boxed
/// one sends every lookup through a pointer — with 10^5 groups, a cache miss per draw.
#[derive(Debug, Clone)]
enum GroupName {
    Inline { len: u8, bytes: [u8; INLINE_NAME] },
    Boxed(Box<[u8]>),
}

/// The longest name kept inline (the enum is then as large as a boxed slice and its tag).
const INLINE_NAME: usize = 22;

impl GroupName {
    fn new(name: &str) -> GroupName {
        let name = name.as_bytes();
        if name.len() <= INLINE_NAME {
            let mut bytes = [0; INLINE_NAME];
            bytes[..name.len()].copy_from_slice(name);
            GroupName::Inline {
                len: name.len() as u8,
                bytes,
            }
        } else {
            GroupName::Boxed(name.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            GroupName::Inline { len, bytes } => &bytes[..usize::from(*len)],
            GroupName::Boxed(name) => name,
        }
    }
}

// Equality and hashing are the bytes', so that a map keyed by names is looked up by `&[u8]`.
impl PartialEq for GroupName {
    fn eq(&self, other: &GroupName) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for GroupName {}

impl Hash for GroupName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl std::borrow::Borrow<[u8]> for GroupName {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// The positions of a sub-pool, read when used. A planned draw inside a group reads them only
/// when it binds a slot (a slot's first hit), so the group's vector — with 10^5 groups, a
/// cache miss — is not touched by the other draws.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SubPoolView<'a> {
    Positions(&'a [usize]),
    /// Group `.1` of a partition's groups.
    Group(&'a [Vec<usize>], u32),
    /// The integer group `.1` of a partition, found when read (no positions when it has no
    /// number yet): a draw whose plan is found by the group's value reads the partition's
    /// numbering only when it binds a slot.
    Integer(&'a PartitionIndex, i64),
}

impl<'a> SubPoolView<'a> {
    /// The positions, in creation order.
    pub(crate) fn positions(self) -> &'a [usize] {
        match self {
            SubPoolView::Positions(positions) => positions,
            SubPoolView::Group(groups, at) => &groups[at as usize],
            SubPoolView::Integer(index, value) => index
                .find_integer(value)
                .map_or(&[], |at| &index.groups[at as usize]),
        }
    }
}

/// A partition group's number in a pool: which partition, which group of it. Stable for the
/// pool's life, so that a strategy keeps per-group state in a vector indexed by it instead of
/// hashing the group's name again on every draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupNumber {
    pub(crate) partition: u32,
    pub(crate) group: u32,
}

/// A pool's values in creation order, and an index from value to position.
///
/// Draws read a value by its position, at random: at 200 000 tenants that is a cache miss per
/// draw, so the values sit alone in their vector — 8 bytes for an integer id — where an
/// `IndexSet` would keep each value's hash beside it (16 bytes). The index holds positions
/// only and hashes a value again when it grows (Fx hashing of an id is a few instructions);
/// it is read when a value is inserted or looked up, not when one is drawn.
#[derive(Debug, Clone)]
struct Values<V> {
    items: Vec<V>,
    index: HashTable<usize>,
}

impl<V> Default for Values<V> {
    fn default() -> Self {
        Values {
            items: Vec::new(),
            index: HashTable::new(),
        }
    }
}

impl<V: Hash + Eq> Values<V> {
    fn hash(value: &V) -> u64 {
        FxBuildHasher.hash_one(value)
    }

    fn position_of(&self, value: &V) -> Option<usize> {
        let items = &self.items;
        self.index
            .find(Self::hash(value), |&at| items[at] == *value)
            .copied()
    }

    /// Appends `value` unless an equal value is present: its position, and whether it is new.
    fn insert(&mut self, value: V) -> (usize, bool) {
        let items = &self.items;
        let entry = self.index.entry(
            Self::hash(&value),
            |&at| items[at] == value,
            |&at| Self::hash(&items[at]),
        );
        match entry {
            Entry::Occupied(at) => (*at.get(), false),
            Entry::Vacant(slot) => {
                let at = self.items.len();
                slot.insert(at);
                self.items.push(value);
                (at, true)
            }
        }
    }
}

/// Values in creation order, de-duplicated by value, with lazily maintained sub-pools.
///
/// A pool is a plain value: the strategies that draw from it take it by reference on every
/// draw, so one pool can be shared by several strategies (say, a skewed reference and a
/// uniform one to the same aggregate type) and they see each other's values.
///
/// Sub-pools (one per [`Filter`] key, or one per group of a [`Partition`]) catch up
/// incrementally: a filtered draw examines only the values appended since that filter's (or
/// partition's) previous draw.
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
    values: Values<V>,
    subpools: FxHashMap<Box<str>, SubPool>,
    partition_numbers: FxHashMap<Box<str>, u32>,
    partitions: Vec<PartitionIndex>,
}

impl<V> Default for Pool<V> {
    fn default() -> Self {
        Pool {
            values: Values::default(),
            subpools: FxHashMap::default(),
            partition_numbers: FxHashMap::default(),
            partitions: Vec::new(),
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
        self.values.items.len()
    }

    /// True when no value was added yet.
    pub fn is_empty(&self) -> bool {
        self.values.items.is_empty()
    }

    /// The value at `position` (creation order).
    pub fn get(&self, position: usize) -> Option<&V> {
        self.values.items.get(position)
    }

    /// Asks the processor to fetch the value at `position`, which a coming draw will likely
    /// read (see `prefetch`).
    #[inline]
    pub(crate) fn prefetch(&self, position: usize) {
        super::prefetch::prefetch(&self.values.items, position);
    }

    /// The position of `value`, if it is in the pool.
    pub fn position_of(&self, value: &V) -> Option<usize> {
        self.values.position_of(value)
    }

    /// Values in creation order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &V> {
        self.values.items.iter()
    }

    /// Appends `value` unless an equal value is present; returns its position and whether it
    /// was new. Values created elsewhere (directly, not through a draw) enter the pool this way.
    pub fn insert(&mut self, value: V) -> (usize, bool) {
        self.values.insert(value)
    }

    /// Number of values `filter` matches (catching its sub-pool up first).
    pub fn count_matching<F: Filter<V> + ?Sized>(&mut self, filter: &F) -> usize {
        self.catch_up(filter).len()
    }

    /// Brings the sub-pool of `filter` up to date and returns its positions, in creation order.
    pub(crate) fn catch_up<F: Filter<V> + ?Sized>(&mut self, filter: &F) -> &[usize] {
        self.catch_up_numbered(filter).1.positions()
    }

    /// Like [`Pool::catch_up`], with the group's number when `filter` selects a partition
    /// group, and the positions not read yet (see [`SubPoolView`]).
    pub(crate) fn catch_up_numbered<F: Filter<V> + ?Sized>(
        &mut self,
        filter: &F,
    ) -> (Option<GroupNumber>, SubPoolView<'_>) {
        if let Some(partition) = filter.partition() {
            let (number, positions) = self.catch_up_partition(partition, filter);
            return (Some(number), positions);
        }
        let values = &self.values.items;
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
        (None, SubPoolView::Positions(&sub.positions))
    }

    /// Brings the partition `filter` selects up to date without numbering its group; the
    /// partition's number, and the group's positions read when used. `None` when `filter`
    /// selects no integer group of a partition.
    pub(crate) fn catch_up_integer_group<F: Filter<V> + ?Sized>(
        &mut self,
        filter: &F,
    ) -> Option<(u32, i64, SubPoolView<'_>)> {
        let partition = filter.partition()?;
        let Group::Integer(value) = partition.group else {
            return None;
        };
        let at = self.partition_number(partition.by);
        let index = &mut self.partitions[at as usize];
        index.catch_up(&self.values.items, filter);
        Some((at, value, SubPoolView::Integer(index, value)))
    }

    /// The number of the partition named `by`, made when new.
    fn partition_number(&mut self, by: &str) -> u32 {
        match self.partition_numbers.get(by) {
            Some(&at) => at,
            None => {
                let at = self.partitions.len() as u32;
                self.partitions.push(PartitionIndex::default());
                self.partition_numbers.insert(by.into(), at);
                at
            }
        }
    }

    fn catch_up_partition<F: Filter<V> + ?Sized>(
        &mut self,
        partition: Partition<'_>,
        filter: &F,
    ) -> (GroupNumber, SubPoolView<'_>) {
        let at = self.partition_number(partition.by);
        let index = &mut self.partitions[at as usize];
        index.catch_up(&self.values.items, filter);
        let group = index.number(&partition.group);
        let number = GroupNumber {
            partition: at,
            group,
        };
        (number, SubPoolView::Group(&index.groups, group))
    }
}

impl<V> std::ops::Index<usize> for Pool<V> {
    type Output = V;

    /// The value at `position`; panics when out of bounds, like a slice.
    fn index(&self, position: usize) -> &V {
        &self.values.items[position]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The index finds every value by its position through growth (rehashing recomputes the
    /// hashes from the values), and a value inserted again keeps its first position.
    #[test]
    fn values_are_found_through_growth_and_stay_unique() {
        let mut pool = Pool::new();
        for i in 0..10_000u64 {
            assert_eq!(pool.insert(i * 7919 % 10_007), (i as usize, true));
        }
        for i in (0..10_000u64).rev() {
            let value = i * 7919 % 10_007;
            assert_eq!(pool.insert(value), (i as usize, false));
            assert_eq!(pool.position_of(&value), Some(i as usize));
            assert_eq!(pool[i as usize], value);
        }
        assert_eq!(pool.position_of(&10_008), None);
        assert_eq!(pool.len(), 10_000);
    }

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
        assert_eq!(pool.catch_up(&Tenant("A")), &[0, 2]);
        assert_eq!(pool.count_matching(&Tenant("B")), 2);
        assert_eq!(pool.count_matching(&Tenant("C")), 0);
    }

    struct TenantGroup(&'static str);
    impl Filter<(&'static str, u32)> for TenantGroup {
        fn key(&self) -> &str {
            self.0
        }
        fn matches(&self, v: &(&'static str, u32)) -> bool {
            v.0 == self.0
        }
        fn partition(&self) -> Option<Partition<'_>> {
            Some(Partition {
                by: "tenant",
                group: Group::Name(Cow::Borrowed(self.0)),
            })
        }
        fn group_of(&self, v: &(&'static str, u32)) -> Option<Group<'static>> {
            Some(Group::Name(Cow::Borrowed(v.0)))
        }
    }

    /// Group names are kept inline up to 22 bytes and boxed beyond: names at and past that
    /// length, and names alike in their first 22 bytes, stay apart.
    #[test]
    fn partitions_give_the_same_sub_pools_as_scanning() {
        const TENANTS: [&str; 5] = [
            "A",
            "exactly 22 bytes long.",
            "exactly 23 bytes long..",
            "a name longer than 22 bytes, one",
            "a name longer than 22 bytes, two",
        ];
        let mut pool = Pool::new();
        for i in 0..100u32 {
            pool.insert((TENANTS[(i * 7 % 5) as usize], i));
            if i % 10 == 0 {
                for t in TENANTS
                    .into_iter()
                    .chain(["D", "a name longer than 22 bytes"])
                {
                    let scanned = pool.catch_up(&Tenant(t)).to_vec();
                    assert_eq!(pool.catch_up(&TenantGroup(t)), scanned.as_slice());
                }
            }
        }
        assert_eq!(pool.count_matching(&TenantGroup("D")), 0);
        assert_eq!(pool.partitions.len(), 1);
    }

    /// The values of one integer group, by partition (the tenant rule on an integer id).
    pub(crate) struct ByNumber(pub(crate) i64);
    impl Filter<(i64, u32)> for ByNumber {
        fn key(&self) -> &str {
            "unused: partitioned"
        }
        fn matches(&self, v: &(i64, u32)) -> bool {
            v.0 == self.0
        }
        fn partition(&self) -> Option<Partition<'_>> {
            Some(Partition {
                by: "n",
                group: Group::Integer(self.0),
            })
        }
        fn group_of(&self, v: &(i64, u32)) -> Option<Group<'static>> {
            Some(Group::Integer(v.0))
        }
    }

    /// Integer groups are found by index while their values stay near the groups' count and
    /// by map beyond (negative, huge, or seen before the vector reached them): a value is one
    /// group whichever way it was first filed, and every sub-pool equals a scan's.
    #[test]
    fn integer_groups_give_the_same_sub_pools_wherever_they_are_filed() {
        // 5 000 first: beyond the vector when seen (4 096 entries for few groups), inside it
        // once 1 000 groups exist.
        let values: Vec<i64> = [5_000, -3, i64::MAX, 0, 7]
            .into_iter()
            .chain(1..1_200)
            .collect();
        let mut pool = Pool::new();
        for (i, &v) in values.iter().enumerate() {
            pool.insert((v, i as u32));
            if i % 97 == 0 || i < 6 {
                for &probe in &[5_000, -3, i64::MAX, 0, 7, 42, 6_000, 1_199] {
                    let scanned = pool
                        .values
                        .items
                        .iter()
                        .enumerate()
                        .filter(|(_, x)| x.0 == probe)
                        .map(|(p, _)| p)
                        .collect::<Vec<_>>();
                    assert_eq!(
                        pool.catch_up(&ByNumber(probe)),
                        scanned.as_slice(),
                        "{probe}"
                    );
                }
            }
        }
        pool.catch_up(&ByNumber(1)); // files the values added since the last probe
        let index = &pool.partitions[0];
        // Each distinct value is one group; 6 000 was asked for and has an empty one.
        let distinct: std::collections::HashSet<i64> = values.iter().copied().collect();
        assert_eq!(index.groups.len(), distinct.len() + 1);
        assert!(index.sparse_integers.contains_key(&5_000));
        assert!(index.sparse_integers.contains_key(&-3));
        assert!(index.integers.len() < 1 << 14);
    }
}
