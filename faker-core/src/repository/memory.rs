//! The embedded in-memory repository.

use std::any::Any;

use indexmap::IndexMap;
use serde_json::Value;

use super::{BoxFuture, Repository, RepositoryError};
use crate::provider::traits::Provider;
use crate::spec::Query;

/// Keeps aggregates in insertion order, keyed by id, with one auto-increment counter per
/// aggregate type (starting at 1, like a database sequence). This is the repository a
/// [`Faker`](crate::provider::Faker) uses for every aggregate type it was not given another
/// repository for.
#[derive(Debug, Clone)]
pub struct InMemoryRepository<A: Provider> {
    aggregates: IndexMap<A::Id, A>,
    next_key: i64,
    /// The difference between consecutive keys (1, or the number of generators sharing the
    /// key space: see [`InMemoryRepository::keys`]).
    key_step: i64,
    /// False for a keys-only repository: assigns keys, keeps nothing (streaming).
    retain: bool,
    /// Whether `A` has a key the repository assigns: read once, since `Provider::auto_key`
    /// builds its path (a `String`, for a composite id a formatted one) on every call, which
    /// cost more than the rest of an insert.
    assigns_keys: bool,
}

impl<A: Provider> Default for InMemoryRepository<A> {
    fn default() -> Self {
        InMemoryRepository {
            aggregates: IndexMap::new(),
            next_key: 1,
            key_step: 1,
            retain: true,
            assigns_keys: A::auto_key().is_some(),
        }
    }
}

impl<A: Provider> InMemoryRepository<A> {
    /// An empty repository.
    pub fn new() -> Self {
        Self::default()
    }

    /// A repository that assigns keys but keeps nothing: for aggregates that are written to a
    /// feed and never read back (nothing references them), so memory does not grow with them.
    pub fn keys_only() -> Self {
        InMemoryRepository {
            retain: false,
            ..Self::default()
        }
    }

    /// Assigns the keys `first, first + step, first + 2·step, ...` instead of `1, 2, 3, ...`:
    /// generators that fill one dataset in parallel without a database (`K` workers, worker
    /// `w` taking `first = w + 1, step = K`) never assign the same key, and each one's keys
    /// are fixed by its own draws, so the dataset is the same for a given seed and `K`.
    ///
    /// # Panics
    ///
    /// When `first < 1` or `step < 1`: keys are positive, like a database sequence's.
    pub fn keys(mut self, first: i64, step: i64) -> Self {
        assert!(
            first >= 1 && step >= 1,
            "keys start at 1 or more, step at least 1"
        );
        self.next_key = first;
        self.key_step = step;
        self
    }

    /// Starts keeping aggregates (from now on).
    pub fn retain(&mut self) {
        self.retain = true;
    }

    /// Number of stored aggregates.
    pub fn len(&self) -> usize {
        self.aggregates.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.aggregates.is_empty()
    }

    /// Stored aggregates in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &A> {
        self.aggregates.values()
    }

    /// The aggregate with this id.
    pub fn get_now(&self, id: &A::Id) -> Option<&A> {
        self.aggregates.get(id)
    }

    fn store(&mut self, mut aggregate: A, key_given: bool) -> Result<A, RepositoryError> {
        if self.assigns_keys {
            if key_given {
                // Keep the counter ahead of keys chosen by the caller, as a sequence would be
                // after `setval`, so later auto keys do not collide with them.
                if let Some(k) = key_of(&aggregate)
                    && k >= self.next_key
                {
                    // The next key of this repository's own sequence above `k`.
                    let steps = (k - self.next_key) / self.key_step + 1;
                    self.next_key += steps * self.key_step;
                }
            } else {
                super::assign_key(&mut aggregate, Value::from(self.next_key))?;
                self.next_key += self.key_step;
            }
        }
        if !self.retain {
            return Ok(aggregate);
        }
        let id = aggregate.id();
        if self.aggregates.contains_key(&id) {
            return Err(RepositoryError::DuplicateId {
                aggregate: A::NAME,
                id: serde_json::to_value(&id).unwrap_or(Value::Null),
            });
        }
        self.aggregates.insert(id, aggregate.clone());
        Ok(aggregate)
    }
}

/// The integer at the aggregate's auto-key path, if there is one.
fn key_of<A: Provider>(aggregate: &A) -> Option<i64> {
    let path = A::auto_key()?;
    let state = serde_json::to_value(aggregate).ok()?;
    path.split('.')
        .try_fold(&state, |v, k| v.get(k))
        .and_then(Value::as_i64)
}

impl<A: Provider> Repository<A> for InMemoryRepository<A> {
    fn insert(
        &mut self,
        aggregate: A,
        key_given: bool,
    ) -> BoxFuture<'_, Result<A, RepositoryError>> {
        let result = self.store(aggregate, key_given);
        Box::pin(async move { result })
    }

    fn get<'a>(&'a self, id: &'a A::Id) -> BoxFuture<'a, Result<Option<A>, RepositoryError>> {
        let found = self.aggregates.get(id).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn find<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Vec<A>, RepositoryError>> {
        let result = self
            .aggregates
            .values()
            .filter_map(|a| match serde_json::to_value(a) {
                Ok(state) => query.matches(&state).then(|| Ok(a.clone())),
                Err(source) => Some(Err(RepositoryError::Export {
                    aggregate: A::NAME,
                    source,
                })),
            })
            .collect();
        Box::pin(async move { result })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
