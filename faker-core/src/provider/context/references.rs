//! References: the id of another aggregate, reused from its pool or created, as the field's
//! distributor decides — through the reference's `same(..)` partition when a constraint pins
//! part of the target's id, through a filter for other requirements, and through the shared
//! store when the draw hits a planned slot of a shared pool.

use std::any::TypeId;

use serde_json::Value;

use super::Cx;
use crate::distributor::{Avoid, Draw, ManyToOne, Ticket};
use crate::provider::error::{ErrorKind, FakerError};
use crate::provider::filter::{Equalities, StateFilter, fields_at, on_target};
use crate::provider::registry::Handle;
use crate::provider::requirement::{Requirement, Requirements, determined};
use crate::provider::shared::SharedSlot;
use crate::provider::traits::Provider;
use crate::provider::view::TypeIndex;
use crate::spec::Query;

impl<'f> Cx<'f> {
    /// The draw of [`Cx::optional_reference`]: for a reference that follows another field
    /// ([`Schema::follows`](crate::provider::Schema::follows)), the value already taken with
    /// the source's value, else a draw (kept for that value).
    pub(super) async fn draw_reference<T: Provider>(
        &mut self,
        field: &str,
    ) -> Result<Option<T::Id>, FakerError> {
        let full = self.full(field);
        let field: &str = &full;
        let (index, target) = self.reference_index::<T>(field)?;
        // The draw reads `T`'s pool: creations of `T` waiting for their answers finish
        // first (see `crate::provider::pipeline`).
        if !self.runtime.pipeline.is_empty() {
            self.runtime.finish_held(target.index()).await?;
        }
        // The source's value as the key of the followed value, when the reference follows
        // one and the source has a value (a null source draws freely).
        let key = match &self.runtime.registry.state(self.ty).references[index]
            .decl
            .follows
        {
            None => None,
            Some(source) => match self.recorded(source) {
                Some(Value::Null) | None => None,
                Some(value) => Some(value.to_string()),
            },
        };
        let Some(key) = key else {
            return self.draw_free_reference::<T>(field, index, target).await;
        };
        // A requirement on the reference wins over the dependency.
        if self
            .requirements
            .at(field, || self.field_path(field))?
            .is_some()
        {
            return self.draw_free_reference::<T>(field, index, target).await;
        }
        let known = self.runtime.registry.state(self.ty).references[index]
            .followed
            .get(&key)
            .cloned();
        if let Some(value) = known {
            if value.is_null() {
                self.record(field, &Value::Null)?;
                return Ok(None);
            }
            let id: T::Id = self.pinned(field, &value)?;
            if let Some(position) = self.runtime.registry.slot(target).pool.position_of(&id) {
                self.note_drawn(index, position);
            }
            self.record(field, &id)?;
            return Ok(Some(id));
        }
        let drawn = self.draw_free_reference::<T>(field, index, target).await?;
        let value =
            serde_json::to_value(&drawn).map_err(|e| self.error(field, ErrorKind::Export(e)))?;
        self.runtime.registry.state_mut(self.ty).references[index]
            .followed
            .insert(key, value);
        Ok(drawn)
    }

    /// A reference drawn by its law, requirements and constraints: `field` is the full path,
    /// `index` the reference's declaration and `target` its type.
    async fn draw_free_reference<T: Provider>(
        &mut self,
        field: &str,
        index: usize,
        target: Handle<T>,
    ) -> Result<Option<T::Id>, FakerError> {
        // What the reference value (the target's id) must satisfy: the caller's requirement at
        // this field, then the declared constraints. Origins are only spelled out when needed
        // (a diamond, or a target to create), not on every draw.
        let user = self.requirements.at(field, || self.field_path(field))?;
        if let (Some((joint, member)), None) = (
            self.runtime.registry.state(self.ty).references[index].joint,
            &user,
        ) {
            // Boxed: the joint path's future is large and rare, and kept inline it would
            // make every reference draw's future (copied on each boxing) that much larger.
            return Box::pin(self.joint_member(field, index, target, joint, member)).await;
        }
        let constraints = self.runtime.registry.state(self.ty).references[index]
            .decl
            .same
            .len();
        if user.is_none() && constraints == 1 {
            // The common case (the tenant rule): one equality on a part of the target's id.
            // Draw through its partition directly, without building a query per draw.
            if let Some(id) = self.single_equality::<T>(field, index, target).await? {
                return Ok(id);
            }
        }
        let mut requirement = user.as_ref().map(|r| r.query.clone());
        for c in 0..constraints {
            let same = &self.runtime.registry.state(self.ty).references[index]
                .decl
                .same[c];
            let Some(value) = self.recorded(&same.source) else {
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
            || self.runtime.registry.state(self.ty).references[index]
                .decl
                .same
                .iter()
                .any(|s| s.in_reference.is_empty());
        if let (true, Some(query)) = (whole, &requirement) {
            match determined(query) {
                Some(Value::Null) => {
                    if user.is_some() {
                        // A caller pinned the null: it is one of the planned nulls.
                        self.runtime.registry.state_mut(self.ty).references[index]
                            .distributor
                            .spend_null();
                    }
                    self.record(field, &Value::Null)?;
                    return Ok(None);
                }
                Some(value) => {
                    if let Ok(id) = serde_json::from_value::<T::Id>(value) {
                        let pool = &self.runtime.registry.slot(target).pool;
                        if let Some(position) = pool.position_of(&id) {
                            self.note_drawn(index, position);
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

        let shared = self.catch_up(target, field).await?;
        // The group share only applies to a plain `same(..)` (no caller requirement): the
        // sub-pool is then the source value's group.
        let group_share = match user {
            None => self.source_share(index),
            Some(_) => None,
        };
        let draw = {
            // Dropped before any await: kept alive across one, they would sit in the future.
            let (taken, fresh) = self.avoided(index, target.index());
            let avoid = Avoid {
                values: &taken,
                fresh: &fresh,
            };
            let parts = self.runtime.registry.draw_parts(self.ty, target);
            let distributor = &mut parts.state.references[index].distributor;
            match &requirement {
                None => distributor.draw_avoiding(&parts.slot.pool, avoid, self.runtime.rng),
                Some((query, _)) => {
                    let on_target = on_target(query, T::ID_FIELD);
                    let filter =
                        StateFilter::<T::Id>::new(&on_target, TypeId::of::<T>(), parts.views);
                    distributor.draw_matching_planned(
                        &mut parts.slot.pool,
                        &filter,
                        group_share,
                        avoid,
                        self.runtime.rng,
                    )
                }
            }
        };
        let share = self.drawn_share(index);
        let id = match draw {
            Draw::Reuse(position) => {
                self.note_drawn(index, position);
                self.runtime.registry.slot(target).pool[position].clone()
            }
            Draw::Null => {
                self.record(field, &Value::Null)?;
                return Ok(None);
            }
            Draw::Create(ticket) => {
                let path = self.field_path(field);
                let registry = &mut *self.runtime.registry;
                let shared_slot = SharedSlot::of(ticket, shared, registry, self.ty, index, field);
                if let Some(slot) = &shared_slot {
                    if let Some(id) = slot.claim(registry, target, &path).await? {
                        let position = self.fulfil(target, index, ticket, id.clone());
                        self.note_drawn(index, position);
                        self.record_drawn(field, &id, share)?;
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
                    .runtime
                    .create_with::<T>(requirements, path.clone())
                    .await?;
                let id = created.id();
                let position = self.fulfil(target, index, ticket, id.clone());
                self.created_at(index, target.index(), position);
                if let Some(slot) = &shared_slot {
                    slot.bind(self.runtime.registry, target, &id, &path).await?;
                }
                id
            }
        };
        self.record_drawn(field, &id, share)?;
        Ok(Some(id))
    }

    /// Before a draw on `T`'s pool: takes in what other generators added, when the pool is
    /// shared. Returns whether it is.
    async fn catch_up<T: Provider>(
        &mut self,
        target: Handle<T>,
        field: &str,
    ) -> Result<bool, FakerError> {
        if self.runtime.registry.slot(target).share.is_none() {
            return Ok(false);
        }
        // Boxed: only shared pools get here, and the future kept inline would make every
        // reference draw's future larger (see `Relations`).
        let path = &self.path;
        Box::pin(
            self.runtime
                .registry
                .catch_up(target, || format!("{path}.{field}")),
        )
        .await
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
        target: Handle<T>,
    ) -> Result<Option<Option<T::Id>>, FakerError> {
        let same = &self.runtime.registry.state(self.ty).references[index]
            .decl
            .same[0];
        if same.in_reference.is_empty() {
            return Ok(None); // the whole id: the general path reuses it without a draw
        }
        let Some(value) = self.recorded(&same.source) else {
            return Ok(None); // the general path reports the missing source
        };
        let value = value.clone();
        if self.runtime.registry.state(self.ty).references[index]
            .partition
            .is_none()
        {
            return Ok(None);
        }
        self.catch_up(target, field).await?;
        let group_share = self.source_share(index);
        let draw = {
            let (taken, fresh) = self.avoided(index, target.index());
            let avoid = Avoid {
                values: &taken,
                fresh: &fresh,
            };
            let parts = self.runtime.registry.draw_parts(self.ty, target);
            let mirror = parts.views.at(target.index()).mirror.as_ref();
            let reference = &mut parts.state.references[index];
            let (by, paths) = match &reference.partition {
                Some((by, paths)) => (by.as_str(), paths.as_slice()),
                None => return Ok(None),
            };
            let Some(equalities) = Equalities::single(by, paths, &value) else {
                return Ok(None);
            };
            let filter = StateFilter::<T::Id>::equal(equalities, mirror);
            let distributor = &mut reference.distributor;
            distributor.draw_matching_planned(
                &mut parts.slot.pool,
                &filter,
                group_share,
                avoid,
                self.runtime.rng,
            )
        };
        let share = self.drawn_share(index);
        match draw {
            Draw::Reuse(position) => {
                self.note_drawn(index, position);
                let id = self.runtime.registry.slot(target).pool[position].clone();
                self.record_drawn(field, &id, share)?;
                Ok(Some(Some(id)))
            }
            Draw::Null => {
                self.record(field, &Value::Null)?;
                Ok(Some(None))
            }
            Draw::Create(ticket) => {
                // Boxed: creating is rare next to reusing (one draw in `mean`), and its
                // future inline would enlarge every draw's.
                let id = Box::pin(self.create_for(field, index, target, ticket)).await?;
                self.record_drawn(field, &id, share)?;
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
        target: Handle<T>,
        ticket: Ticket,
    ) -> Result<T::Id, FakerError> {
        let same = &self.runtime.registry.state(self.ty).references[index]
            .decl
            .same[0];
        let value = self.recorded(&same.source).cloned().unwrap_or(Value::Null);
        let query = fields_at(&same.in_reference, Query::Eq(value));
        let origin = self.origin(None, index, 1, field);
        let path = self.field_path(field);
        let requirements = Requirements::one(on_target(&query, T::ID_FIELD), origin);
        let created: T = self.runtime.create_with::<T>(requirements, path).await?;
        let id = created.id();
        let position = self.fulfil(target, index, ticket, id.clone());
        self.created_at(index, target.index(), position);
        Ok(id)
    }

    /// Hands the value made or found for `ticket` back to reference `index`'s distributor;
    /// returns its pool position.
    fn fulfil<T: Provider>(
        &mut self,
        target: Handle<T>,
        index: usize,
        ticket: Ticket,
        id: T::Id,
    ) -> usize {
        let parts = self.runtime.registry.draw_parts(self.ty, target);
        parts.state.references[index]
            .distributor
            .fulfil(&mut parts.slot.pool, ticket, id)
    }

    /// Notes that reference `index` created the value at `position` of `target`'s pool.
    fn created_at(&mut self, index: usize, target: TypeIndex, position: usize) {
        if self.runtime.registry.state(self.ty).tracks_positions {
            let relations = self.relations_mut();
            relations.drawn.push((index, position));
            relations.fresh.push((target, position));
        }
    }

    /// What a draw of reference `index` (to the type at `target`) must avoid: the positions
    /// drawn for the references it must differ from, and the values created in this aggregate
    /// for sibling references to the same type (see [`Avoid`]). Empty vectors do not
    /// allocate, so references without relations pay nothing.
    fn avoided(&self, index: usize, target: TypeIndex) -> (Vec<usize>, Vec<usize>) {
        let state = self.runtime.registry.state(self.ty);
        if !state.tracks_positions {
            return (Vec::new(), Vec::new());
        }
        let Some(relations) = self.relations.as_deref() else {
            return (Vec::new(), Vec::new());
        };
        let differ = &state.references[index].differ;
        let taken = if differ.is_empty() {
            Vec::new()
        } else {
            relations
                .drawn
                .iter()
                .filter(|(r, _)| differ.contains(r))
                .map(|&(_, p)| p)
                .collect()
        };
        (taken, self.fresh_for(target))
    }

    /// The planned share of the draws that the value of reference `index`'s `same(..)` source
    /// receives (see [`Strategy::draw_matching_planned`](crate::distributor::Strategy::draw_matching_planned)),
    /// when it has one constraint and its source was drawn through a plan.
    fn source_share(&self, index: usize) -> Option<f64> {
        let references = &self.runtime.registry.state(self.ty).references;
        let source = &references[references[index].share_source?].decl.field;
        self.recorded.iter().find(|r| r.field == *source)?.share
    }

    /// Where the constraint `c` of reference `index` comes from, for messages.
    fn constraint_origin(&self, index: usize, c: usize, field: &str) -> String {
        let same = &self.runtime.registry.state(self.ty).references[index]
            .decl
            .same[c];
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
        user: Option<&Requirement>,
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

    /// The position of reference `field` in the schema, and the handle of its target, which
    /// must be `T`.
    fn reference_index<T: Provider>(&self, field: &str) -> Result<(usize, Handle<T>), FakerError> {
        let registry = &*self.runtime.registry;
        let state = registry.state(self.ty);
        let Some(index) = state.references.iter().position(|r| r.decl.field == field) else {
            return Err(self.error(
                field,
                ErrorKind::Undeclared {
                    aggregate: self.name(),
                    field: field.to_string(),
                },
            ));
        };
        let decl = &state.references[index].decl;
        // The schema registered the declared target with this type: `T` has a handle when
        // it is that target.
        match registry.handle::<T>() {
            Some(target) if decl.target_type == TypeId::of::<T>() => Ok((index, target)),
            _ => Err(self.error(
                field,
                ErrorKind::WrongTarget {
                    aggregate: self.name(),
                    field: field.to_string(),
                    declared: decl.target,
                    asked: T::NAME,
                },
            )),
        }
    }
}
