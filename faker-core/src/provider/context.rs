//! `Cx`: what `populate` asks for each field.

use std::any::TypeId;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::hash::Hash;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Provider;
use super::error::{ErrorKind, FakerError};
use super::faker::{Faker, Mirror, pool_mut};
use super::requirement::{Requirements, determined};
use crate::distributor::{Draw, Filter, ManyToOne, Partition, Pool, Ticket};
use crate::rng::FakerRng;
use crate::spec::{Query, Resolved, Resolver};

/// How many candidates a generator may produce for a field with a non-equality requirement
/// (`{"age": {"$gte": 18}}`) before the field is reported unsatisfiable.
const ATTEMPTS: u32 = 64;

/// The populate context of one aggregate: every field of the aggregate is asked for here, by
/// its dotted path in the exported state (`title`, `id.tenant_id`, `author_id`).
///
/// Requirements on the aggregate (from `create_matching`, from a reference that must create a
/// matching target, from constraints) reach the fields through it: an equality pins the field,
/// other conditions filter references or are checked against generated candidates.
pub struct Cx<'f> {
    faker: &'f mut Faker,
    ty: TypeId,
    path: String,
    requirements: Requirements,
    recorded: Vec<(String, Value)>,
    key_given: bool,
    /// Dotted path of the component being populated (`id` inside `Book.id`), empty at the
    /// aggregate's top level; field names are relative to it.
    prefix: String,
    prefix_lengths: Vec<usize>,
}

impl<'f> Cx<'f> {
    pub(crate) fn new(
        faker: &'f mut Faker,
        ty: TypeId,
        path: String,
        requirements: Requirements,
    ) -> Cx<'f> {
        Cx {
            faker,
            ty,
            path,
            requirements,
            recorded: Vec::new(),
            key_given: false,
            prefix: String::new(),
            prefix_lengths: Vec::new(),
        }
    }

    /// Enters the component at `field` (e.g. a composite id): until [`Cx::leave`], field names
    /// are relative to it.
    pub fn enter(&mut self, field: &str) {
        self.prefix_lengths.push(self.prefix.len());
        if !self.prefix.is_empty() {
            self.prefix.push('.');
        }
        self.prefix.push_str(field);
    }

    /// Leaves the component entered last.
    pub fn leave(&mut self) {
        let length = self.prefix_lengths.pop().unwrap_or(0);
        self.prefix.truncate(length);
    }

    /// `field` as a path from the aggregate's top level.
    fn full<'a>(&self, field: &'a str) -> Cow<'a, str> {
        if self.prefix.is_empty() {
            Cow::Borrowed(field)
        } else {
            Cow::Owned(format!("{}.{field}", self.prefix))
        }
    }

    pub(crate) fn finish(self) -> (String, Requirements, bool) {
        (self.path, self.requirements, self.key_given)
    }

    /// The provider path of this aggregate, e.g. `Book.author_id`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The seeded generator (the Faker's single stream).
    pub fn rng(&mut self) -> &mut FakerRng {
        &mut self.faker.rng
    }

    fn field_path(&self, field: &str) -> String {
        format!("{}.{field}", self.path)
    }

    fn error(&self, field: &str, kind: ErrorKind) -> FakerError {
        FakerError::new(self.field_path(field), kind)
    }

    /// The next position (0, 1, 2, ...) of `field` across all aggregates of this type.
    fn next_position(&mut self, field: &str) -> u64 {
        next(&mut self.faker.type_state_mut(self.ty).positions, field)
    }

    fn record<T: Serialize>(&mut self, field: &str, value: &T) -> Result<(), FakerError> {
        if self
            .faker
            .type_state_mut(self.ty)
            .sources
            .iter()
            .any(|s| s == field)
        {
            let json =
                serde_json::to_value(value).map_err(|e| self.error(field, ErrorKind::Export(e)))?;
            self.recorded.push((field.to_string(), json));
        }
        Ok(())
    }

    fn pinned<T: DeserializeOwned>(&self, field: &str, value: &Value) -> Result<T, FakerError> {
        serde_json::from_value(value.clone()).map_err(|e| {
            self.error(
                field,
                ErrorKind::Mismatch {
                    value: value.clone(),
                    reason: e.to_string(),
                },
            )
        })
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
            None => generate(&mut self.faker.rng, position),
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
            let candidate = generate(&mut self.faker.rng, position);
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
    /// With [`Faker::share_sequences`](super::Faker::share_sequences) the numbers come from the
    /// shared sequences, distinct across generators.
    pub async fn sequence_in(&mut self, field: &str, scope: &str) -> Result<u64, FakerError> {
        let full = self.full(field);
        let field: &str = &full;
        if let Some(v) = self.requirements.pinned(field, || self.field_path(field))? {
            return self.pinned(field, &v);
        }
        if self.faker.sequences.is_some() {
            let key = format!(
                "{}.{field}/{scope}",
                self.faker.type_state_mut(self.ty).name
            );
            let path = self.field_path(field);
            if let Some(n) = self.faker.next_shared(&key, &path).await? {
                self.record(field, &n)?;
                return Ok(n);
            }
        }
        let state = self.faker.type_state_mut(self.ty);
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
    /// ([`Schema::value`](super::Schema::value)): an existing value from the field's pool, a
    /// new one from `generate`, or `None` (only with `null_weight`).
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
        let ty = self.ty;
        let faker = &mut *self.faker;
        let Some(state) = faker.types.get_mut(&ty) else {
            unreachable!("types are registered before use")
        };
        let Some((_, distributor)) = state.values.iter_mut().find(|(f, _)| f == field) else {
            let aggregate = state.name;
            return Err(self.error(
                field,
                ErrorKind::Undeclared {
                    aggregate,
                    field: field.to_string(),
                },
            ));
        };
        let pool = faker
            .value_pools
            .entry((ty, field.to_string()))
            .or_insert_with(|| Box::new(Pool::<T>::new()));
        let Some(pool) = pool.downcast_mut::<Pool<T>>() else {
            return Err(FakerError::new(
                format!("{}.{field}", self.path),
                ErrorKind::Mismatch {
                    value: Value::Null,
                    reason: "the field was drawn with another type before".into(),
                },
            ));
        };
        let value = match distributor.draw_position(pool, &mut faker.rng) {
            Draw::Reuse(position) => Some(pool[position].clone()),
            Draw::Null => None,
            Draw::Create(ticket) => {
                let position = next(&mut state.positions, field);
                let value = generate(&mut faker.rng, position);
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

    /// The id of a `T` for the reference `field` declared in the schema: reused from `T`'s pool
    /// or created (satisfying the reference's requirements and constraints), as the field's
    /// distributor decides. A null draw is an error here; see [`Cx::optional_reference`].
    pub async fn reference<T: Provider>(&mut self, field: &str) -> Result<T::Id, FakerError> {
        match self.optional_reference::<T>(field).await? {
            Some(id) => Ok(id),
            None => Err(self.error(field, ErrorKind::NullForRequired)),
        }
    }

    /// Like [`Cx::reference`], for an optional reference: `None` when the distributor draws a
    /// null (`null_weight`) or a requirement says `null`.
    pub async fn optional_reference<T: Provider>(
        &mut self,
        field: &str,
    ) -> Result<Option<T::Id>, FakerError> {
        let full = self.full(field);
        let field: &str = &full;
        let index = self.reference_index(field)?;
        // What the reference value (the target's id) must satisfy: the caller's requirement at
        // this field, then the declared constraints. Origins are only spelled out when needed
        // (a diamond, or a target to create), not on every draw.
        let user = self.requirements.at(field, || self.field_path(field))?;
        let constraints = self.faker.type_state_mut(self.ty).references[index]
            .decl
            .same
            .len();
        if user.is_none() && constraints == 1 {
            // The common case (the tenant rule): one equality on a part of the target's id.
            // Draw through its partition directly, without building a query per draw.
            if let Some(id) = self.single_equality::<T>(field, index).await? {
                return Ok(id);
            }
        }
        let mut requirement = user.as_ref().map(|r| r.query.clone());
        for c in 0..constraints {
            let Some(state) = self.faker.types.get(&self.ty) else {
                unreachable!("types are registered before use")
            };
            let same = &state.references[index].decl.same[c];
            let Some((_, value)) = self.recorded.iter().find(|(f, _)| *f == same.source) else {
                return Err(self.error(
                    field,
                    ErrorKind::ConstraintSourceMissing {
                        field: field.to_string(),
                        source_field: same.source.to_string(),
                    },
                ));
            };
            let query = fields_at(&same.in_reference, Query::Eq(value.clone()));
            requirement = Some(match requirement {
                None => query,
                Some(previous) => previous.merge(query).map_err(|conflict| {
                    self.error(
                        field,
                        ErrorKind::Diamond {
                            first: self.origin(user.as_ref(), index, c, field),
                            second: self.constraint_origin(index, c, field),
                            conflict,
                        },
                    )
                })?,
            });
        }
        // The requirements may name one target (a whole id, or null): use it without a draw
        // (an id that is not stored yet is created below, with that id required). Constraints
        // on a part of the id alone never do, so skip the check for them.
        let whole = user.is_some()
            || self.faker.type_state_mut(self.ty).references[index]
                .decl
                .same
                .iter()
                .any(|s| s.in_reference.is_empty());
        if let (true, Some(query)) = (whole, &requirement) {
            match determined(query) {
                Some(Value::Null) => {
                    self.record(field, &Value::Null)?;
                    return Ok(None);
                }
                Some(value) => {
                    if let Ok(id) = serde_json::from_value::<T::Id>(value) {
                        if pool_mut::<T>(&mut self.faker.pools)
                            .position_of(&id)
                            .is_some()
                        {
                            self.record(field, &id)?;
                            return Ok(Some(id));
                        }
                    }
                }
                None => {}
            }
        }
        let requirement = requirement.map(|q| {
            let origin = self.origin(user.as_ref(), index, constraints, field);
            (q, origin)
        });

        let target = TypeId::of::<T>();
        let shared = self.catch_up::<T>(field).await?;
        let draw = {
            let faker = &mut *self.faker;
            let Some(state) = faker.types.get_mut(&self.ty) else {
                unreachable!("types are registered before use")
            };
            let distributor = &mut state.references[index].distributor;
            let pool = pool_mut::<T>(&mut faker.pools);
            match &requirement {
                None => distributor.draw_position(pool, &mut faker.rng),
                Some((query, _)) => {
                    let on_target = on_target(query, T::ID_FIELD);
                    let filter =
                        StateFilter::<T::Id>::new(&on_target, target, &faker.mirrors, &faker.links);
                    distributor.draw_matching_position(pool, &filter, &mut faker.rng)
                }
            }
        };
        let id = match draw {
            Draw::Reuse(position) => pool_mut::<T>(&mut self.faker.pools)[position].clone(),
            Draw::Null => {
                self.record(field, &Value::Null)?;
                return Ok(None);
            }
            Draw::Create(ticket) => {
                let path = self.field_path(field);
                // A planned slot of a shared pool: another generator may hold its value.
                let shared_slot = match ticket.slot() {
                    Some(slot) if shared => Some((self.plan_key(index, field), slot)),
                    _ => None,
                };
                if let Some((plan, slot)) = &shared_slot {
                    if let Some(id) = self.faker.claim_slot::<T>(plan, *slot, &path).await? {
                        self.fulfil::<T>(index, ticket, id.clone());
                        self.record(field, &id)?;
                        return Ok(Some(id));
                    }
                }
                let requirements = match requirement {
                    Some((query, origin)) => {
                        Requirements::one(on_target(&query, T::ID_FIELD), origin)
                    }
                    None => Requirements::none(),
                };
                let created: T = self
                    .faker
                    .create_with::<T>(requirements, path.clone())
                    .await?;
                let id = created.id();
                self.fulfil::<T>(index, ticket, id.clone());
                if let Some((plan, slot)) = &shared_slot {
                    self.faker.bind_slot::<T>(plan, *slot, &id, &path).await?;
                }
                id
            }
        };
        self.record(field, &id)?;
        Ok(Some(id))
    }

    /// Before a draw on `T`'s pool: takes in what other generators added, when the pool is
    /// shared. Returns whether it is.
    async fn catch_up<T: Provider>(&mut self, field: &str) -> Result<bool, FakerError> {
        if !self.faker.shares.contains_key(&TypeId::of::<T>()) {
            return Ok(false);
        }
        let path = self.field_path(field);
        self.faker.catch_up::<T>(&path).await?;
        Ok(true)
    }

    /// A draw for a reference whose only requirement is one `same(..)` constraint on a part of
    /// the target's id with a scalar value: the partition group is computed directly. Returns
    /// `None` when the constraint does not have that shape (the general path handles it), or
    /// when the draw says create (the general path builds the requirement and creates; the
    /// draw was made with the same filter, so the outcome is the same as without this path).
    async fn single_equality<T: Provider>(
        &mut self,
        field: &str,
        index: usize,
    ) -> Result<Option<Option<T::Id>>, FakerError> {
        let Some(state) = self.faker.types.get(&self.ty) else {
            unreachable!("types are registered before use")
        };
        let same = &state.references[index].decl.same[0];
        if same.in_reference.is_empty() {
            return Ok(None); // the whole id: the general path reuses it without a draw
        }
        let Some((_, value)) = self.recorded.iter().find(|(f, _)| *f == same.source) else {
            return Ok(None); // the general path reports the missing source
        };
        if value.is_object() || value.is_array() || value.as_number().is_some_and(|n| n.is_f64()) {
            return Ok(None);
        }
        let by = format!("{}.{}", T::ID_FIELD, same.in_reference);
        let group = Value::Array(vec![value.clone()]).to_string();
        let paths = vec![by.split('.').map(str::to_string).collect()];
        let target = TypeId::of::<T>();
        self.catch_up::<T>(field).await?;
        let draw = {
            let faker = &mut *self.faker;
            let Some(state) = faker.types.get_mut(&self.ty) else {
                unreachable!("types are registered before use")
            };
            let filter = StateFilter::<T::Id>::equal(
                Equalities { paths, by, group },
                faker.mirrors.get(&target),
            );
            state.references[index].distributor.draw_matching_position(
                pool_mut::<T>(&mut faker.pools),
                &filter,
                &mut faker.rng,
            )
        };
        match draw {
            Draw::Reuse(position) => {
                let id = pool_mut::<T>(&mut self.faker.pools)[position].clone();
                self.record(field, &id)?;
                Ok(Some(Some(id)))
            }
            Draw::Null => {
                self.record(field, &Value::Null)?;
                Ok(Some(None))
            }
            Draw::Create(ticket) => {
                let id = self.create_for::<T>(field, index, ticket).await?;
                self.record(field, &id)?;
                Ok(Some(Some(id)))
            }
        }
    }

    /// Creates the target of a single-equality draw (see [`Cx::single_equality`]) with the
    /// constraint as its requirement, and fulfils the draw's ticket with it.
    async fn create_for<T: Provider>(
        &mut self,
        field: &str,
        index: usize,
        ticket: Ticket,
    ) -> Result<T::Id, FakerError> {
        let Some(state) = self.faker.types.get(&self.ty) else {
            unreachable!("types are registered before use")
        };
        let same = &state.references[index].decl.same[0];
        let value = self
            .recorded
            .iter()
            .find(|(f, _)| *f == same.source)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null);
        let query = fields_at(&same.in_reference, Query::Eq(value));
        let origin = self.origin(None, index, 1, field);
        let path = self.field_path(field);
        let created: T = self
            .faker
            .create_with::<T>(
                Requirements::one(on_target(&query, T::ID_FIELD), origin),
                path,
            )
            .await?;
        let id = created.id();
        self.fulfil::<T>(index, ticket, id.clone());
        Ok(id)
    }

    /// Hands the value made or found for `ticket` back to reference `index`'s distributor.
    fn fulfil<T: Provider>(&mut self, index: usize, ticket: Ticket, id: T::Id) {
        let faker = &mut *self.faker;
        let Some(state) = faker.types.get_mut(&self.ty) else {
            unreachable!("types are registered before use")
        };
        state.references[index]
            .distributor
            .fulfil(pool_mut::<T>(&mut faker.pools), ticket, id);
    }

    /// The key of a planned reference's slots in a shared store: the referencing type, the
    /// field and the number of slots, so that only generators with the same plan share them.
    fn plan_key(&self, index: usize, field: &str) -> String {
        let Some(state) = self.faker.types.get(&self.ty) else {
            unreachable!("types are registered before use")
        };
        let slots = state.references[index]
            .distributor
            .inner()
            .planned_slots()
            .unwrap_or(0);
        format!("{}.{field}/{slots}", state.name)
    }

    /// Where the constraint `c` of reference `index` comes from, for messages.
    fn constraint_origin(&self, index: usize, c: usize, field: &str) -> String {
        let Some(state) = self.faker.types.get(&self.ty) else {
            unreachable!("types are registered before use")
        };
        let same = &state.references[index].decl.same[c];
        format!(
            "constraint same({} = {}) on {}",
            same.in_reference,
            same.source,
            self.field_path(field)
        )
    }

    /// The origins of the caller's requirement and of the first `constraints` constraints.
    fn origin(
        &self,
        user: Option<&super::requirement::Requirement>,
        index: usize,
        constraints: usize,
        field: &str,
    ) -> String {
        let parts: Vec<String> = user
            .map(|r| r.origin.clone())
            .into_iter()
            .chain((0..constraints).map(|c| self.constraint_origin(index, c, field)))
            .collect();
        parts.join(" and ")
    }

    fn reference_index(&self, field: &str) -> Result<usize, FakerError> {
        let Some(state) = self.faker.types.get(&self.ty) else {
            unreachable!("types are registered before use")
        };
        state
            .references
            .iter()
            .position(|r| r.decl.field == field)
            .ok_or_else(|| {
                self.error(
                    field,
                    ErrorKind::Undeclared {
                        aggregate: state.name,
                        field: field.to_string(),
                    },
                )
            })
    }

    /// Wraps an error of the domain's constructor or factory (an invariant it refused) with
    /// this aggregate's path.
    pub fn domain_error(&self, error: impl std::fmt::Display) -> FakerError {
        FakerError::new(self.path.clone(), ErrorKind::Domain(error.to_string()))
    }

    /// Loads a stored aggregate (e.g. when the domain constructor needs the referenced object,
    /// not only its id).
    pub async fn load<T: Provider>(&self, id: &T::Id) -> Result<T, FakerError> {
        match self.faker.get::<T>(id).await? {
            Some(found) => Ok(found),
            None => Err(FakerError::new(
                self.path.clone(),
                ErrorKind::NotFound {
                    aggregate: T::NAME,
                    id: serde_json::to_value(id).unwrap_or(Value::Null),
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

/// A requirement on a reference value, as a query on the referenced aggregate's state:
/// conditions on the id go under the id field (`{"id": ...}`), `$rel` conditions apply to the
/// target's state directly.
fn on_target(query: &Query, id_field: &str) -> Query {
    match query {
        Query::Rel(inner) => (**inner).clone(),
        Query::And(items) if items.iter().any(|q| matches!(q, Query::Rel(_))) => {
            Query::And(items.iter().map(|q| on_target(q, id_field)).collect())
        }
        other => fields_at(id_field, other.clone()),
    }
}

/// `{"a": {"b": query}}` for the dotted path `a.b`.
pub(crate) fn fields_at(path: &str, query: Query) -> Query {
    path.rsplit('.').fold(query, |inner, key| {
        Query::Fields(BTreeMap::from([(key.to_string(), inner)]))
    })
}

/// The canonical JSON text of an id (object keys sorted), the key of the mirror.
pub(crate) fn canonical<I: Serialize>(id: &I) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_value(id)?.to_string())
}

/// A pool filter that matches a target's exported state (from the mirror) against a query.
pub(crate) struct StateFilter<'a, I> {
    key: String,
    /// `None` for a filter made from its equalities alone (see [`StateFilter::equal`]).
    query: Option<&'a Query>,
    mirror: Option<&'a Mirror>,
    resolver: Option<EngineResolver<'a>>,
    /// For a query made only of equalities on fields: the fields, and the partition it selects.
    equalities: Option<Equalities>,
    _id: PhantomData<fn(&I)>,
}

struct Equalities {
    paths: Vec<Vec<String>>,
    by: String,
    group: String,
}

impl Equalities {
    /// The equalities of a query that is nothing else (`{"id": {"tenant_id": 7}}`). Floats are
    /// left out: `1.0` equals `1` but would not be grouped with it by its text.
    fn of(query: &Query) -> Option<Equalities> {
        fn walk(q: &Query, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) -> bool {
            match q {
                Query::Fields(fields) if !fields.is_empty() => fields.iter().all(|(k, inner)| {
                    path.push(k.clone());
                    let ok = walk(inner, path, out);
                    path.pop();
                    ok
                }),
                Query::Eq(v) if !v.is_object() && !v.as_number().is_some_and(|n| n.is_f64()) => {
                    out.push((path.clone(), v.clone()));
                    true
                }
                _ => false,
            }
        }
        let mut leaves = Vec::new();
        if !walk(query, &mut Vec::new(), &mut leaves) {
            return None;
        }
        let by = leaves
            .iter()
            .map(|(p, _)| p.join("."))
            .collect::<Vec<_>>()
            .join(",");
        let group = Value::Array(leaves.iter().map(|(_, v)| v.clone()).collect()).to_string();
        Some(Equalities {
            paths: leaves.into_iter().map(|(p, _)| p).collect(),
            by,
            group,
        })
    }

    /// The group of a state: its values at the paths (a missing field is null, as in `$eq`).
    fn group_of(&self, state: &Value) -> String {
        let values = self
            .paths
            .iter()
            .map(|p| {
                p.iter()
                    .try_fold(state, |v, k| v.get(k))
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect();
        Value::Array(values).to_string()
    }
}

impl<'a, I> StateFilter<'a, I> {
    pub(crate) fn new(
        query: &'a Query,
        ty: TypeId,
        mirrors: &'a HashMap<TypeId, Mirror>,
        links: &'a HashMap<TypeId, Vec<(String, TypeId)>>,
    ) -> Self {
        let equalities = Equalities::of(query);
        StateFilter {
            // An equality filter is identified by its partition group; only other filters need
            // the canonical text of the query as their sub-pool key.
            key: match &equalities {
                Some(_) => String::new(),
                None => query.key(),
            },
            query: Some(query),
            mirror: mirrors.get(&ty),
            // Only `$rel` needs a resolver.
            resolver: query
                .has_rel()
                .then(|| EngineResolver::new(ty, mirrors, links)),
            equalities,
            _id: PhantomData,
        }
    }
}

impl<'a, I> StateFilter<'a, I> {
    /// The filter of one set of equalities, without a query (the same partition and groups as
    /// the filter of the equivalent query).
    fn equal(equalities: Equalities, mirror: Option<&'a Mirror>) -> Self {
        StateFilter {
            key: String::new(),
            query: None,
            mirror,
            resolver: None,
            equalities: Some(equalities),
            _id: PhantomData,
        }
    }
}

impl<I: Serialize> Filter<I> for StateFilter<'_, I> {
    fn key(&self) -> &str {
        &self.key
    }

    fn matches(&self, id: &I) -> bool {
        let Some(query) = self.query else {
            return match &self.equalities {
                Some(e) => Filter::<I>::group_of(self, id).is_some_and(|g| g == e.group),
                None => false,
            };
        };
        self.state(id).is_some_and(|state| match &self.resolver {
            Some(resolver) => query.matches_with(state, resolver),
            None => query.matches(state),
        })
    }

    fn partition(&self) -> Option<Partition<'_>> {
        self.equalities.as_ref().map(|e| Partition {
            by: &e.by,
            group: &e.group,
        })
    }

    fn group_of(&self, id: &I) -> Option<String> {
        let equalities = self.equalities.as_ref()?;
        Some(equalities.group_of(self.state(id)?))
    }
}

impl<I: Serialize> StateFilter<'_, I> {
    fn state(&self, id: &I) -> Option<&Value> {
        let key = canonical(id).ok()?;
        self.mirror?.get(&key)
    }
}

/// Resolves `$rel` through the Faker's mirrors: a reference field's value (an id) to the
/// referenced aggregate's state, with a resolver for that aggregate's own references.
pub(crate) struct EngineResolver<'a> {
    ty: TypeId,
    mirrors: &'a HashMap<TypeId, Mirror>,
    links: &'a HashMap<TypeId, Vec<(String, TypeId)>>,
    /// Resolvers of the referenced types, made on first use (one per reference field).
    nested: Vec<OnceCell<Box<EngineResolver<'a>>>>,
}

impl<'a> EngineResolver<'a> {
    pub(crate) fn new(
        ty: TypeId,
        mirrors: &'a HashMap<TypeId, Mirror>,
        links: &'a HashMap<TypeId, Vec<(String, TypeId)>>,
    ) -> Self {
        let n = links.get(&ty).map_or(0, Vec::len);
        EngineResolver {
            ty,
            mirrors,
            links,
            nested: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }
}

impl Resolver for EngineResolver<'_> {
    fn resolve(&self, field: &str, reference: &Value) -> Option<Resolved<'_>> {
        if field.is_empty() {
            // A root `$rel` on a state: the state itself.
            return Some(Resolved {
                state: reference.clone(),
                resolver: Some(self),
            });
        }
        let links = self.links.get(&self.ty)?;
        let index = links.iter().position(|(f, _)| *f == field)?;
        let target = links[index].1;
        let state = self
            .mirrors
            .get(&target)?
            .get(&reference.to_string())?
            .clone();
        let nested = self.nested[index]
            .get_or_init(|| Box::new(EngineResolver::new(target, self.mirrors, self.links)));
        Some(Resolved {
            state,
            resolver: Some(&**nested),
        })
    }
}
