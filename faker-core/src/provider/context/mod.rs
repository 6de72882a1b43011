//! `Cx`: what `populate` asks for each field.
//!
//! This module holds the context itself (paths, components, recorded constraint sources,
//! errors); its methods are split by job: [`values`] for leaf values (generators, `fake`,
//! constants, sequences, auto keys, pooled values, weighted value lists), [`quantiles`] for
//! values drawn from a histogram, [`references`] for reference draws (with their planned and
//! shared slots and `same(..)` partitions), [`collections`] for the elements of a collection.
//! Filters over mirrors are in
//! [`super::filter`].

mod collections;
mod followed;
mod joint;
mod quantiles;
mod references;
mod values;

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ErrorKind, FakerError};
use super::requirement::Requirements;
use super::runtime::Runtime;
use super::traits::Provider;
use super::view::TypeIndex;
use crate::rng::FakerRng;

/// The value of a field some constraint reads (see `TypeState::sources`), with the planned
/// share of the draws that value receives when it came from a planned reference draw (see
/// `Cx::source_share`).
struct Recorded {
    field: String,
    value: Value,
    share: Option<f64>,
}

/// What the relations between references (`differ(..)`, joint laws, siblings to one type) read
/// while one aggregate is populated. Boxed and made on first use: most types have no such
/// relation, and a `Cx` lives inside every populate future, whose size is copied whenever the
/// future is boxed — keeping these vectors inline cost the bookstore measurable time.
#[derive(Default)]
struct Relations {
    /// Pool positions drawn per reference (index) so far, for `differ(..)`.
    drawn: Vec<(usize, usize)>,
    /// Pool positions created by this aggregate's reference draws, per target type.
    fresh: Vec<(TypeIndex, usize)>,
    /// The combination drawn for each joint law of this aggregate (joint index, positions).
    joint_draws: Vec<(usize, crate::distributor::joint::Combination)>,
}

/// The populate context of one aggregate: every field of the aggregate is asked for here, by
/// its dotted path in the exported state (`title`, `id.tenant_id`, `author_id`).
///
/// Requirements on the aggregate (from `create_matching`, from a reference that must create a
/// matching target, from constraints) reach the fields through it: an equality pins the field,
/// other conditions filter references or are checked against generated candidates.
pub struct Cx<'f> {
    runtime: Runtime<'f>,
    /// The aggregate type being populated.
    ty: TypeIndex,
    path: String,
    requirements: Requirements,
    /// Values of the fields some constraint reads (see `TypeState::sources`).
    recorded: Vec<Recorded>,
    /// Made on first use (see [`Relations`]).
    relations: Option<Box<Relations>>,
    key_given: bool,
    /// Dotted path of the component being populated (`id` inside `Book.id`), empty at the
    /// aggregate's top level; field names are relative to it.
    prefix: String,
    prefix_lengths: Vec<usize>,
    /// The collection elements being populated, innermost last (see [`Cx::collection`]).
    elements: Vec<Element>,
}

/// One collection element being populated: how it is shown in paths, and what the aggregate's
/// context held before it (the element's own records are dropped when it is done, so the next
/// element's references read their own sources).
struct Element {
    /// Length of `Cx::prefix` up to and including the collection's path.
    prefix_len: usize,
    /// `lines[2]`: the element's path as errors show it, from the aggregate's top level.
    shown: String,
    recorded: usize,
    drawn: usize,
    joint_draws: usize,
}

impl<'f> Cx<'f> {
    pub(crate) fn new(
        runtime: Runtime<'f>,
        ty: TypeIndex,
        path: String,
        requirements: Requirements,
    ) -> Cx<'f> {
        Cx {
            runtime,
            ty,
            path,
            requirements,
            recorded: Vec::new(),
            relations: None,
            key_given: false,
            prefix: String::new(),
            prefix_lengths: Vec::new(),
            elements: Vec::new(),
        }
    }

    /// Enters the component at `field` (e.g. a composite id): until [`Cx::leave`], field names
    /// are relative to it, and the empty name is the component itself (an enum's variant).
    /// Entering the empty `field` keeps the prefix (the fields of an internally tagged enum's
    /// variant sit in the enum's own object).
    pub fn enter(&mut self, field: &str) {
        self.prefix_lengths.push(self.prefix.len());
        if field.is_empty() {
            // A variant whose fields sit in the enum's own state: the prefix stays.
            return;
        }
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
        } else if field.is_empty() {
            // The component's own value (an enum's variant).
            Cow::Owned(self.prefix.clone())
        } else {
            // Pushed, not `format!`ed: this runs for every field of every component (a
            // composite id's), and the formatting machinery cost five times the copy.
            let mut full = String::with_capacity(self.prefix.len() + 1 + field.len());
            full.push_str(&self.prefix);
            full.push('.');
            full.push_str(field);
            Cow::Owned(full)
        }
    }

    /// The path, the requirements (to check on the built aggregate) and whether a requirement
    /// gave the repository-assigned key.
    pub(crate) fn finish(self) -> (String, Requirements, bool) {
        (self.path, self.requirements, self.key_given)
    }

    /// The provider path of this aggregate, e.g. `Book.author_id`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The seeded generator (the Faker's single stream).
    pub fn rng(&mut self) -> &mut FakerRng {
        self.runtime.rng
    }

    /// The provider path of `field` (a path from the aggregate's top level) for messages, with
    /// the element it sits in: `Invoice.lines[2].track`.
    fn field_path(&self, field: &str) -> String {
        if let Some(element) = self.elements.last()
            && let Some(rest) = field.strip_prefix(&self.prefix[..element.prefix_len])
            && (rest.is_empty() || rest.starts_with('.'))
        {
            return format!("{}.{}{rest}", self.path, element.shown);
        }
        format!("{}.{field}", self.path)
    }

    fn error(&self, field: &str, kind: ErrorKind) -> FakerError {
        FakerError::new(self.field_path(field), kind)
    }

    /// The name of the aggregate type being populated.
    fn name(&self) -> &'static str {
        self.runtime.registry.view(self.ty).name
    }

    /// Keeps the value of `field` when a constraint reads it.
    fn record<T: Serialize>(&mut self, field: &str, value: &T) -> Result<(), FakerError> {
        self.record_drawn(field, value, None)
    }

    /// Like [`Cx::record`], with the planned share of the draws `value` receives (see
    /// [`Cx::drawn_share`]).
    fn record_drawn<T: Serialize>(
        &mut self,
        field: &str,
        value: &T,
        share: Option<f64>,
    ) -> Result<(), FakerError> {
        let state = self.runtime.registry.state(self.ty);
        if state.sources.iter().any(|s| s == field) {
            let json =
                serde_json::to_value(value).map_err(|e| self.error(field, ErrorKind::Export(e)))?;
            self.recorded.push(Recorded {
                field: field.to_string(),
                value: json,
                share,
            });
        }
        Ok(())
    }

    /// Right after reference `index` drew: the planned share of its value when a constraint
    /// reads it (only then is the share computed), to record with the value.
    fn drawn_share(&self, index: usize) -> Option<f64> {
        let reference = &self.runtime.registry.state(self.ty).references[index];
        if !reference.is_source {
            return None;
        }
        reference.distributor.last_share()
    }

    /// The relations' state, made on first use.
    fn relations_mut(&mut self) -> &mut Relations {
        self.relations.get_or_insert_with(Box::default)
    }

    /// The pool positions of `target`'s values created by this aggregate's reference draws so
    /// far (see [`Avoid`](crate::distributor::Avoid)).
    fn fresh_for(&self, target: TypeIndex) -> Vec<usize> {
        self.relations
            .iter()
            .flat_map(|r| &r.fresh)
            .filter(|(t, _)| *t == target)
            .map(|&(_, p)| p)
            .collect()
    }

    /// Notes the pool position reference `index` drew, when a relation may read it.
    fn note_drawn(&mut self, index: usize, position: usize) {
        if self.runtime.registry.state(self.ty).tracks_positions {
            self.relations_mut().drawn.push((index, position));
        }
    }

    /// The value a constraint's `source` field was given, once populated.
    fn recorded(&self, source: &str) -> Option<&Value> {
        self.recorded
            .iter()
            .find(|r| r.field == source)
            .map(|r| &r.value)
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

    // The entry points of references stay next to the type, so that a compiler error on a
    // reference to a type that is no provider names `Cx::reference`; the draw itself is in
    // `references`.

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
        self.draw_reference::<T>(field).await
    }

    /// Wraps an error of the domain's constructor or factory (an invariant it refused) with
    /// this aggregate's path.
    pub fn domain_error(&self, error: impl std::fmt::Display) -> FakerError {
        FakerError::new(self.path.clone(), ErrorKind::Domain(error.to_string()))
    }

    /// Loads a stored aggregate (e.g. when the domain constructor needs the referenced object,
    /// not only its id).
    pub async fn load<T: Provider>(&mut self, id: &T::Id) -> Result<T, FakerError> {
        if let Some(handle) = self.runtime.registry.handle::<T>() {
            // Creations of `T` waiting for their answers finish first (see
            // `crate::provider::pipeline`).
            self.runtime.finish_held(handle.index()).await?;
        }
        let registry = &*self.runtime.registry;
        let found = match registry.handle::<T>() {
            Some(handle) => registry.get(handle, id).await?,
            None => None,
        };
        found.ok_or_else(|| FakerError::new(self.path.clone(), ErrorKind::not_found(T::NAME, id)))
    }
}
