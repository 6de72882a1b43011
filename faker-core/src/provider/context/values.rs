//! Leaf values: generated, `fake`, constant, sequence numbers, repository-assigned keys and
//! values drawn from a pool.

use std::hash::Hash;

use rand::RngExt;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Cx;
use crate::distributor::{Draw, ManyToOne, Pool};
use crate::provider::error::{ErrorKind, FakerError};
use crate::rng::FakerRng;
use crate::spec::Query;

/// How many candidates a generator may produce for a field with a non-equality requirement
/// (`{"age": {"$gte": 18}}`) before the field is reported unsatisfiable.
const ATTEMPTS: u32 = 64;

impl<'f> Cx<'f> {
    /// The next position (0, 1, 2, ...) of `field` across all aggregates of this type.
    fn next_position(&mut self, field: &str) -> u64 {
        next(
            &mut self.runtime.registry.state_mut(self.ty).positions,
            field,
        )
    }

    /// A leaf value from `generate(rng, position)`, where `position` counts this field's values
    /// (0, 1, 2, ...). A requirement pins it (equality) or is checked on the candidates.
    pub fn value<T, G>(&mut self, field: &str, mut generate: G) -> Result<T, FakerError>
    where
        T: Serialize + DeserializeOwned,
        G: FnMut(&mut FakerRng, u64) -> T,
    {
        let full = self.full(field);
        let field: &str = &full;
        let position = self.next_position(field);
        let requirement = self.requirements.at(field, || self.field_path(field))?;
        let value = match requirement {
            None => generate(self.runtime.rng, position),
            Some(r) => match r.query.pinned() {
                Some(v) => self.pinned(field, v)?,
                None => self.generate_satisfying(field, &r.query, position, &mut generate)?,
            },
        };
        self.record(field, &value)?;
        Ok(value)
    }

    fn generate_satisfying<T, G>(
        &mut self,
        field: &str,
        query: &Query,
        position: u64,
        generate: &mut G,
    ) -> Result<T, FakerError>
    where
        T: Serialize,
        G: FnMut(&mut FakerRng, u64) -> T,
    {
        for _ in 0..ATTEMPTS {
            let candidate = generate(self.runtime.rng, position);
            let json = serde_json::to_value(&candidate)
                .map_err(|e| self.error(field, ErrorKind::Export(e)))?;
            if query.matches(&json) {
                return Ok(candidate);
            }
        }
        Err(self.error(
            field,
            ErrorKind::Unsatisfiable {
                requirement: query.to_string(),
                attempts: ATTEMPTS,
            },
        ))
    }

    /// A leaf value from the `fake` crate: `cx.fake("name", fake::faker::name::en::Name())`.
    pub fn fake<T, F>(&mut self, field: &str, faker: F) -> Result<T, FakerError>
    where
        T: fake::Dummy<F> + Serialize + DeserializeOwned,
    {
        self.value(field, |rng, _| T::dummy_with_rng(&faker, rng))
    }

    /// A constant (still subject to requirements, which it must satisfy).
    pub fn constant<T>(&mut self, field: &str, value: T) -> Result<T, FakerError>
    where
        T: Serialize + DeserializeOwned + Clone,
    {
        self.value(field, |_, _| value.clone())
    }

    /// The next number of a sequence (0, 1, 2, ...) of this field.
    pub async fn sequence(&mut self, field: &str) -> Result<u64, FakerError> {
        self.sequence_in(field, "").await
    }

    /// The next number of the sequence of this field within `scope` (each scope counts from 0).
    /// With [`Faker::share_sequences`](crate::provider::Faker::share_sequences) the numbers come
    /// from the shared sequences, distinct across generators.
    pub async fn sequence_in(&mut self, field: &str, scope: &str) -> Result<u64, FakerError> {
        let full = self.full(field);
        let field: &str = &full;
        if let Some(v) = self.requirements.pinned(field, || self.field_path(field))? {
            return self.pinned(field, &v);
        }
        if self.runtime.sequences.is_shared() {
            let key = format!("{}.{field}/{scope}", self.name());
            let path = self.field_path(field);
            if let Some(n) = self.runtime.sequences.next(&key, &path).await? {
                self.record(field, &n)?;
                return Ok(n);
            }
        }
        let state = self.runtime.registry.state_mut(self.ty);
        let counter = state
            .sequences
            .entry((field.to_string(), scope.to_string()))
            .or_insert(0);
        let n = *counter;
        *counter += 1;
        self.record(field, &n)?;
        Ok(n)
    }

    /// A key the repository assigns on insert (auto-increment): a placeholder
    /// (`T::default()`) until then, unless a requirement pins it, in which case the pinned key
    /// is kept and the repository does not assign one.
    pub fn auto_key<T>(&mut self, field: &str) -> Result<T, FakerError>
    where
        T: Default + Serialize + DeserializeOwned,
    {
        let full = self.full(field);
        let field: &str = &full;
        match self.requirements.pinned(field, || self.field_path(field))? {
            Some(v) => {
                self.key_given = true;
                let key = self.pinned(field, &v)?;
                self.record(field, &key)?;
                Ok(key)
            }
            None => Ok(T::default()),
        }
    }

    /// A leaf value drawn with the distributor the schema declares for `field`
    /// ([`Schema::value`](crate::provider::Schema::value)): an existing value from the field's
    /// pool, a new one from `generate`, or `None` (only with `null_weight`).
    pub fn pooled_value<T, G>(
        &mut self,
        field: &str,
        mut generate: G,
    ) -> Result<Option<T>, FakerError>
    where
        T: Clone + Eq + Hash + Serialize + DeserializeOwned + Send + Sync + 'static,
        G: FnMut(&mut FakerRng, u64) -> T,
    {
        let full = self.full(field);
        let field: &str = &full;
        if let Some(r) = self.requirements.at(field, || self.field_path(field))? {
            // A required value is not drawn: it is the pinned one or a generated one that fits.
            let position = self.next_position(field);
            let value = match r.query.pinned() {
                Some(Value::Null) => None,
                Some(v) => Some(self.pinned(field, v)?),
                None => Some(self.generate_satisfying(field, &r.query, position, &mut generate)?),
            };
            self.record(field, &value)?;
            return Ok(value);
        }
        let name = self.name();
        let rng = &mut *self.runtime.rng;
        let state = self.runtime.registry.state_mut(self.ty);
        let Some(declared) = state.values.iter_mut().find(|v| v.field == field) else {
            return Err(self.error(
                field,
                ErrorKind::Undeclared {
                    aggregate: name,
                    field: field.to_string(),
                },
            ));
        };
        // The field's pool, typed by its first draw (the schema does not know the type).
        let pool = declared
            .pool
            .get_or_insert_with(|| Box::new(Pool::<T>::new()));
        let Some(pool) = pool.downcast_mut::<Pool<T>>() else {
            return Err(self.error(
                field,
                ErrorKind::Mismatch {
                    value: Value::Null,
                    reason: "the field was drawn with another type before".into(),
                },
            ));
        };
        let distributor = &mut declared.distributor;
        let value = match distributor.draw_position(pool, rng) {
            Draw::Reuse(position) => Some(pool[position].clone()),
            Draw::Null => None,
            Draw::Create(ticket) => {
                let position = next(&mut state.positions, field);
                let value = generate(rng, position);
                // Unique values (mean 1) are never reused: do not keep them.
                if !distributor.inner().mean().is_unique() {
                    distributor.fulfil(pool, ticket, value.clone());
                }
                Some(value)
            }
        };
        self.record(field, &value)?;
        Ok(value)
    }
}

impl<'f> Cx<'f> {
    /// The value of a weighted value list declared with
    /// [`Schema::one_of`](crate::provider::Schema::one_of): `value(i)` for the index `i` the
    /// field's law draws (planned exact counts once [`Faker::plan`](crate::provider::Faker::plan)
    /// knows the number of aggregates, sampled otherwise). `value` makes the value of an index
    /// in `0..len` (only the drawn one is made, so the list costs nothing per draw).
    ///
    /// A requirement on the field chooses among the values that satisfy it, with their
    /// weights (a pinned value is taken as it is, if the list has it): such a draw spends
    /// nothing of the plan. An empty `field` is the path of the component being populated.
    pub fn one_of<T, F>(&mut self, field: &str, mut value: F) -> Result<T, FakerError>
    where
        T: Serialize,
        F: FnMut(usize) -> T,
    {
        let full = self.full(field);
        let field: &str = &full;
        let Some(at) = self
            .runtime
            .registry
            .state(self.ty)
            .one_ofs
            .iter()
            .position(|o| o.field == field)
        else {
            return Err(self.error(
                field,
                ErrorKind::Undeclared {
                    aggregate: self.name(),
                    field: field.to_string(),
                },
            ));
        };
        let made = match self.requirements.at(field, || self.field_path(field))? {
            None => {
                // Only a list that follows a reference reads the owner's share (a lookup by
                // name, kept off every other draw).
                let share = if self.runtime.registry.state(self.ty).one_ofs[at].fits_owners() {
                    self.owner_share(field)
                } else {
                    None
                };
                let rng = &mut *self.runtime.rng;
                let index =
                    self.runtime.registry.state_mut(self.ty).one_ofs[at].draw_for_owner(share, rng);
                value(index)
            }
            Some(r) => self.one_of_satisfying(field, at, &r.query, &mut value)?,
        };
        self.record(field, &made)?;
        Ok(made)
    }

    /// A value of the list at `at` that satisfies `query`, drawn with the weights of the values
    /// that do (uniformly among them when they all weigh zero).
    fn one_of_satisfying<T, F>(
        &mut self,
        field: &str,
        at: usize,
        query: &Query,
        value: &mut F,
    ) -> Result<T, FakerError>
    where
        T: Serialize,
        F: FnMut(usize) -> T,
    {
        let state = &self.runtime.registry.state(self.ty).one_ofs[at];
        let (len, weights) = (state.len(), state.law().weights().to_vec());
        let mut matching: Vec<(usize, T)> = Vec::new();
        for index in 0..len {
            let candidate = value(index);
            let json = serde_json::to_value(&candidate)
                .map_err(|e| self.error(field, ErrorKind::Export(e)))?;
            if query.matches(&json) {
                matching.push((index, candidate));
            }
        }
        let total: f64 = matching.iter().map(|(i, _)| weights[*i]).sum();
        let rng = &mut *self.runtime.rng;
        let chosen = if matching.is_empty() {
            None
        } else if total > 0.0 {
            let mut u = rng.random::<f64>() * total;
            let last = matching.len() - 1;
            matching
                .iter()
                .position(|(i, _)| {
                    u -= weights[*i];
                    u < 0.0
                })
                .or(Some(last))
        } else {
            Some(rng.random_range(0..matching.len()))
        };
        match chosen {
            Some(k) => Ok(matching.swap_remove(k).1),
            None => Err(self.error(
                field,
                ErrorKind::Unsatisfiable {
                    requirement: query.to_string(),
                    attempts: u32::try_from(len).unwrap_or(u32::MAX),
                },
            )),
        }
    }

    /// The variant of a data-carrying enum declared with
    /// [`Schema::one_of`](crate::provider::Schema::one_of) (one value per variant): its index,
    /// drawn like [`Cx::one_of`]. A requirement on the enum's own path does not choose the
    /// variant (requirements reach the fields of the variant drawn).
    pub fn variant(&mut self, field: &str) -> Result<usize, FakerError> {
        let full = self.full(field);
        let field: &str = &full;
        let rng = &mut *self.runtime.rng;
        let name = self.runtime.registry.view(self.ty).name;
        let state = self.runtime.registry.state_mut(self.ty);
        match state.one_ofs.iter_mut().find(|o| o.field == field) {
            Some(choice) => Ok(choice.draw(rng)),
            None => Err(self.error(
                field,
                ErrorKind::Undeclared {
                    aggregate: name,
                    field: field.to_string(),
                },
            )),
        }
    }
}

/// Counts positions per field: returns the next one (0, 1, 2, ...).
fn next(positions: &mut HashMap<String, u64>, field: &str) -> u64 {
    if let Some(counter) = positions.get_mut(field) {
        *counter += 1;
        *counter - 1
    } else {
        positions.insert(field.to_string(), 1);
        0
    }
}
