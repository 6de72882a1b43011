//! Creating one aggregate: populate, check, store, remember, emit, then its children.
//!
//! [`Runtime`] is the Faker's state borrowed part by part (registry, generator, sequences,
//! feed): what creating an aggregate touches, and what a [`Cx`] holds while it populates one —
//! a reference that must create its target creates it through the same runtime.
//!
//! The order is the guarantee that a failed create leaves nothing behind: the built aggregate
//! is checked against its requirements first, stored second, and only what the store accepted
//! enters the pool, the mirror and the feed. The one exception is a requirement on a key the
//! repository assigns on insert (auto-increment): that key does not exist before the insert,
//! so such a requirement is checked after it; when it fails, the aggregate stays in the
//! repository (repositories have no delete) but is neither pooled, mirrored nor emitted.
//!
//! **Domain refusals.** When the domain's constructor or factory refuses the populated fields
//! (`populate` returns the error of [`Cx::domain_error`] for this aggregate), the aggregate is
//! drawn again with a new context and the same requirements, up to the Faker's bound
//! ([`Faker::set_attempts`](super::Faker::set_attempts), default 100; the reason for that
//! number is in [`super::refusal`]); after the bound the error is
//! [`ErrorKind::Refused`], naming the domain's last message, at the aggregate's provider path.
//! A refusal is only one of *this* aggregate: a target that a reference had to create is
//! redrawn by its own creation, and what reaches its referrer is that creation's final error.
//! A refused attempt was never stored, so nothing of it is pooled, mirrored or emitted, and
//! what its draws spent of the type's own distributors' plans (planned uses of slots, planned
//! nulls, budget draws) is given back, so the refused draws are not counted against their
//! laws. What its draws *created* stays: a tenant created for a refused book is a valid
//! aggregate of its own, stored, pooled and emitted, and the planned slot that made it keeps
//! it, so a later draw of that slot reuses it. Pooled-value positions (`with = |rng,
//! position|`) and sequences are not put back: a refused attempt leaves a gap in them, as a
//! rolled-back transaction leaves one in a database sequence. (An attempt that fails for
//! another reason gives its draws back the same way.)
//!
//! **Ids made only of references.** An aggregate whose every id part is a reference (a
//! `Route { id: RouteId { origin, dest } }`: one route per pair of airports) names a
//! combination of targets, so when the id just built is already in the type's pool, creating
//! returns the stored aggregate instead of inserting a duplicate: it is checked against the
//! requirements, counted by [`Faker::reused`](super::Faker::reused) (not by `created`), and
//! neither emitted nor given children again. Which types qualify is decided on their first
//! aggregate, from the schema's reference fields and the exported id (see
//! [`super::identity`]); their ids are pooled also when streaming. The pool is the only
//! place looked at: an aggregate stored by another generator becomes known when a shared
//! pool catches it up, or through [`Faker::restore`](super::Faker::restore).

use std::collections::VecDeque;
use std::num::NonZeroU32;

use serde_json::Value;

use super::context::Cx;
use super::error::{ErrorKind, FakerError};
use super::filter::{EngineResolver, fields_at};
use super::identity::id_of_references;
use super::pipeline::{Finish, Pipeline};
use super::refusal::refusal;
use super::registry::{Handle, Registry};
use super::requirement::{Requirement, Requirements};
use super::shared::Sequences;
use super::traits::Provider;
use super::view::TypeIndex;
use crate::feed::{FeedError, Record, Sink};
use crate::repository::{BoxFuture, Dispatch, RepositoryError};
use crate::rng::FakerRng;
use crate::spec::Query;

/// Creates the children of one parent: `(runtime, parent id, parent field, path)`.
pub(crate) type CreateChildren =
    for<'r> fn(Runtime<'r>, Value, String, String) -> BoxFuture<'r, Result<(), FakerError>>;

/// Creates one target of a reference, without requirements: `(runtime, path)`, giving the
/// created target's position in its pool.
pub(crate) type CreateTarget =
    for<'r> fn(Runtime<'r>, String) -> BoxFuture<'r, Result<usize, FakerError>>;

/// Where every stored aggregate is also written.
#[derive(Default)]
pub(crate) struct Feed {
    sinks: Vec<Box<dyn Sink>>,
    /// Command-log position of the next stored aggregate.
    seq: u64,
    /// Reused buffer for the JSON of the aggregate being written to the sinks.
    json: Vec<u8>,
    /// Records behind a place kept for a creation that waits for its answer, in creation
    /// order (see `super::pipeline`); the first has number `held_from`.
    held: VecDeque<Held>,
    held_from: u64,
}

/// A place in the feed kept for a creation that waits for its answer.
#[derive(Debug)]
pub(crate) struct Place(u64);

/// An entry of [`Feed::held`].
enum Held {
    /// Kept for a waiting creation.
    Kept,
    /// A record to write once every place before it is filled.
    Record {
        aggregate: &'static str,
        table: String,
        json: Vec<u8>,
    },
    /// The creation failed: nothing to write.
    Empty,
}

impl Feed {
    pub(crate) fn add(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    /// Flushes the sinks and publishes their files under their final names.
    pub(crate) fn finish(&mut self) -> Result<(), FakerError> {
        for sink in &mut self.sinks {
            sink.finish()
                .map_err(|e| FakerError::new("<feed>", e.into()))?;
        }
        Ok(())
    }

    /// Number of aggregates written so far (the next command-log `seq`).
    pub(crate) fn recorded(&self) -> u64 {
        self.seq
    }

    /// Keeps the next place in the feed for a creation that waits for its answer (`None`
    /// when there is no sink).
    pub(crate) fn keep_place(&mut self) -> Option<Place> {
        if self.sinks.is_empty() {
            return None;
        }
        self.held.push_back(Held::Kept);
        Some(Place(self.held_from + self.held.len() as u64 - 1))
    }

    /// Writes a record to every sink, or holds it behind a kept place.
    fn write(
        &mut self,
        aggregate: &'static str,
        table: &str,
        place: Option<Place>,
    ) -> Result<(), FeedError> {
        match place {
            None if self.held.is_empty() => {
                let record = Record {
                    seq: self.seq,
                    aggregate,
                    table,
                    json: &self.json,
                };
                for sink in &mut self.sinks {
                    sink.record(&record)?;
                }
                self.seq += 1;
                return Ok(());
            }
            None => self.held.push_back(Held::Record {
                aggregate,
                table: table.to_owned(),
                json: self.json.clone(),
            }),
            Some(Place(at)) => {
                if let Some(held) = at
                    .checked_sub(self.held_from)
                    .and_then(|i| self.held.get_mut(i as usize))
                {
                    *held = Held::Record {
                        aggregate,
                        table: table.to_owned(),
                        json: self.json.clone(),
                    };
                }
            }
        }
        self.release()
    }

    /// Gives up a kept place: its creation failed.
    pub(crate) fn give_up(&mut self, place: Option<Place>) -> Result<(), FeedError> {
        if let Some(Place(at)) = place {
            if let Some(held) = at
                .checked_sub(self.held_from)
                .and_then(|i| self.held.get_mut(i as usize))
            {
                *held = Held::Empty;
            }
        }
        self.release()
    }

    /// Writes the held records that no kept place precedes any more.
    fn release(&mut self) -> Result<(), FeedError> {
        while let Some(front) = self.held.front() {
            if matches!(front, Held::Kept) {
                break;
            }
            self.held_from += 1;
            if let Some(Held::Record {
                aggregate,
                table,
                json,
            }) = self.held.pop_front()
            {
                let record = Record {
                    seq: self.seq,
                    aggregate,
                    table: &table,
                    json: &json,
                };
                for sink in &mut self.sinks {
                    sink.record(&record)?;
                }
                self.seq += 1;
            }
        }
        Ok(())
    }
}

/// The Faker's state, borrowed part by part; see the [module docs](self).
pub(crate) struct Runtime<'a> {
    pub(crate) registry: &'a mut Registry,
    pub(crate) rng: &'a mut FakerRng,
    pub(crate) sequences: &'a mut Sequences,
    pub(crate) feed: &'a mut Feed,
    /// Creations waiting for their storage's answer (see `super::pipeline`).
    pub(crate) pipeline: &'a mut Pipeline,
    /// How many times an aggregate is drawn before a domain refusal is reported.
    pub(crate) attempts: NonZeroU32,
}

/// A populated aggregate, with what its context gives back.
struct Attempt<A> {
    built: A,
    path: String,
    requirements: Requirements,
    key_given: bool,
}

/// How to finish a dispatched creation of `A` once `answer` came (see `super::pipeline`).
fn finisher<A: Provider>(answer: Result<A, RepositoryError>) -> Finish {
    Box::new(move |mut runtime: Runtime<'_>, place, path| {
        Box::pin(async move { runtime.finish_waiting::<A>(answer, place, path).await })
    })
}

/// What [`Runtime::build`] found: the stored aggregate the requirements ask for, or a new
/// one, populated and checked.
enum Built<A: Provider> {
    Existing(A),
    New(Handle<A>, Attempt<A>),
}

/// Whether a requirement reads the key the repository assigns on insert (checked after the
/// insert, since it does not exist before): only when that key was not given, and only for
/// requirements (none: nothing to check after).
fn key_reader<A: Provider>(
    requirements: &Requirements,
    key_given: bool,
) -> impl Fn(&&Requirement) -> bool + use<A> {
    let assigned: Option<Vec<String>> = match key_given || requirements.is_empty() {
        true => None,
        false => A::auto_key().map(|k| k.split('.').map(str::to_owned).collect()),
    };
    move |r: &&Requirement| {
        assigned.as_deref().is_some_and(|k| {
            let k: Vec<&str> = k.iter().map(String::as_str).collect();
            r.reads(&k)
        })
    }
}

impl Runtime<'_> {
    /// The same borrows, for a nested call.
    pub(crate) fn reborrow(&mut self) -> Runtime<'_> {
        Runtime {
            registry: self.registry,
            rng: self.rng,
            sequences: self.sequences,
            feed: self.feed,
            pipeline: self.pipeline,
            attempts: self.attempts,
        }
    }

    /// Creates one `A` that satisfies `requirements`; `path` names it in errors. Boxed: an
    /// aggregate's references create their targets through it, and a recursive future needs
    /// a box somewhere (see [`Runtime::create_one`] for the caller that needs none).
    pub(crate) fn create_with<A: Provider>(
        &mut self,
        requirements: Requirements,
        path: String,
    ) -> BoxFuture<'_, Result<A, FakerError>> {
        Box::pin(self.create_one(requirements, path))
    }

    /// [`Runtime::create_with`] unboxed, for a caller outside the recursion (`Faker::create`):
    /// the future of a whole creation is about 2 KB, and allocating it per aggregate, above
    /// glibc's small-chunk sizes, made every creation sweep the allocator's free lists.
    pub(crate) async fn create_one<A: Provider>(
        &mut self,
        requirements: Requirements,
        path: String,
    ) -> Result<A, FakerError> {
        let (handle, attempt) = match self.build::<A>(requirements, path).await? {
            Built::Existing(existing) => return Ok(existing),
            Built::New(handle, attempt) => (handle, attempt),
        };
        let stored = self
            .store(handle, attempt.built, attempt.key_given, &attempt.path)
            .await?;
        self.finish_created(
            handle,
            stored,
            attempt.requirements,
            attempt.key_given,
            attempt.path,
            None,
        )
        .await
    }

    /// Creates one `A` without requirements for `create_each`: dispatched when the pipeline
    /// is open and `A`'s repository dispatches (see `super::pipeline`), `None` then (the
    /// creation finishes when its answer comes); created as by `create_with` otherwise.
    pub(crate) async fn create_top<A: Provider>(&mut self) -> Result<Option<A>, FakerError> {
        let (handle, attempt) = match self
            .build::<A>(Requirements::none(), A::NAME.to_string())
            .await?
        {
            Built::Existing(existing) => return Ok(Some(existing)),
            Built::New(handle, attempt) => (handle, attempt),
        };
        let Attempt {
            built,
            path,
            requirements,
            key_given,
        } = attempt;
        // Children need their parent's id, and a requirement may read the assigned key:
        // those wait for the answer.
        let pipelined = self.pipeline.accepts()
            && requirements.is_empty()
            && self.registry.state(handle.index()).children.is_empty();
        let built = match pipelined {
            false => built,
            true => match self
                .registry
                .slot_mut(handle)
                .repository
                .dispatch(built, key_given)
            {
                Dispatch::Inline(built) => built,
                Dispatch::Started(insert) => {
                    let place = self.feed.keep_place();
                    let answered = Box::pin(async move { finisher::<A>(insert.await) });
                    self.pipeline.push(handle.index(), path, place, answered);
                    return Ok(None);
                }
            },
        };
        let stored = self.store(handle, built, key_given, &path).await?;
        let stored = self
            .finish_created(handle, stored, requirements, key_given, path, None)
            .await?;
        Ok(Some(stored))
    }

    /// Populates an `A` for `requirements` and checks it, or finds the stored `A` they ask
    /// for.
    async fn build<A: Provider>(
        &mut self,
        requirements: Requirements,
        path: String,
    ) -> Result<Built<A>, FakerError> {
        let handle = self.registry.register::<A>()?;
        // An id pinned completely by the requirements means "this very aggregate": reuse it
        // when it exists instead of creating a duplicate.
        if let Some(pinned) = requirements.pinned(A::ID_FIELD, || path.clone())? {
            if let Ok(id) = serde_json::from_value::<A::Id>(pinned) {
                self.finish_held(handle.index()).await?;
                if let Some(existing) = self.registry.get(handle, &id).await? {
                    return Ok(Built::Existing(existing));
                }
            }
        }
        let attempt = self.populate::<A>(handle, requirements, path).await?;
        // An id made only of references names one combination of targets: when it is
        // stored already, that aggregate is the one asked for (see the module docs).
        let state = self.registry.state_mut(handle.index());
        if id_of_references(state, &attempt.built, &attempt.path)? {
            self.finish_held(handle.index()).await?;
            if let Some(existing) = self.stored_with_id(handle, &attempt.built).await? {
                self.check(
                    handle,
                    &existing,
                    attempt.requirements.iter(),
                    &attempt.path,
                )?;
                self.registry.state_mut(handle.index()).reused += 1;
                return Ok(Built::Existing(existing));
            }
        }
        // Check first: every requirement but those on a key the repository assigns on
        // insert, which only exists after it (see the module docs).
        let reads_key = key_reader::<A>(&attempt.requirements, attempt.key_given);
        self.check(
            handle,
            &attempt.built,
            attempt.requirements.iter().filter(|r| !reads_key(r)),
            &attempt.path,
        )?;
        Ok(Built::New(handle, attempt))
    }

    /// Stores a built `A` (second, after the checks), while dispatched inserts progress.
    async fn store<A: Provider>(
        &mut self,
        handle: Handle<A>,
        built: A,
        key_given: bool,
        path: &str,
    ) -> Result<A, FakerError> {
        let insert = self
            .registry
            .slot_mut(handle)
            .repository
            .insert(built, key_given);
        self.pipeline
            .drive(insert)
            .await
            .map_err(|e| FakerError::new(path, e.into()))
    }

    /// What follows a successful store: the requirements on the assigned key, then the
    /// pool, the mirror, the feed (at `place` when one was kept), the count, the children.
    async fn finish_created<A: Provider>(
        &mut self,
        handle: Handle<A>,
        stored: A,
        requirements: Requirements,
        key_given: bool,
        path: String,
        place: Option<Place>,
    ) -> Result<A, FakerError> {
        let reads_key = key_reader::<A>(&requirements, key_given);
        if let Err(e) = self.check(
            handle,
            &stored,
            requirements.iter().filter(reads_key),
            &path,
        ) {
            self.feed
                .give_up(place)
                .map_err(|f| FakerError::new(path.clone(), f.into()))?;
            return Err(e);
        }
        // Only what the store accepted is pooled, mirrored and emitted.
        self.registry.remember(handle, &stored, &path)?;
        self.emit(handle, &stored, &path, place)?;
        let state = self.registry.state_mut(handle.index());
        state.created += 1;
        if !state.children.is_empty() {
            let children = state.children.clone();
            let parent_id = serde_json::to_value(stored.id())
                .map_err(|e| FakerError::new(path.clone(), ErrorKind::Export(e)))?;
            for decl in children {
                let count = (decl.count)(self.rng);
                for _ in 0..count {
                    (decl.create)(
                        self.reborrow(),
                        parent_id.clone(),
                        decl.parent_field.clone(),
                        format!("{path}.<{}>", decl.child),
                    )
                    .await?;
                }
            }
        }
        Ok(stored)
    }

    /// Finishes a dispatched creation whose answer came: settled in the repository and
    /// finished as an inline one, then delivered to `create_each`; a failed one gives its feed
    /// place up.
    async fn finish_waiting<A: Provider>(
        &mut self,
        answer: Result<A, RepositoryError>,
        place: Option<Place>,
        path: String,
    ) -> Result<(), FakerError> {
        let handle = self.registry.register::<A>()?;
        let stored = match answer {
            Ok(stored) => stored,
            Err(e) => {
                self.feed
                    .give_up(place)
                    .map_err(|f| FakerError::new(path.clone(), f.into()))?;
                return Err(FakerError::new(path, e.into()));
            }
        };
        let stored = self
            .registry
            .slot_mut(handle)
            .repository
            .settle(stored)
            .await
            .map_err(|e| FakerError::new(path.clone(), e.into()))?;
        let stored = self
            .finish_created(handle, stored, Requirements::none(), false, path, place)
            .await?;
        self.pipeline.delivered.push_back(Box::new(stored));
        Ok(())
    }

    /// Finishes the waiting creations whose answers came, in creation order; with `all`,
    /// waits for every one. Every answered creation is finished even after one failed (the
    /// application executed it); the first error is returned.
    pub(crate) async fn finish_answered(&mut self, all: bool) -> Result<(), FakerError> {
        let mut first_error = None;
        while let Some(waiting) = self.pipeline.next_answered(all).await {
            if let Err(e) = waiting.finish(self.reborrow()).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Before a read of type `ty`'s pool or stored aggregates: finishes every waiting
    /// creation when one of them is of that type, so the read sees what a one-at-a-time run
    /// would show it (see `super::pipeline`).
    pub(crate) async fn finish_held(&mut self, ty: TypeIndex) -> Result<(), FakerError> {
        if self.pipeline.is_empty() || !self.pipeline.holds(ty) {
            return Ok(());
        }
        self.finish_answered(true).await
    }

    /// Populates an `A`, drawing it again while the domain refuses it, up to the Faker's
    /// bound on attempts (see [`super::refusal`]). A refused attempt leaves nothing of itself
    /// but what its draws created on the way (see the module docs); what its draws spent of
    /// `A`'s distributors' plans is given back.
    async fn populate<A: Provider>(
        &mut self,
        handle: Handle<A>,
        mut requirements: Requirements,
        mut path: String,
    ) -> Result<Attempt<A>, FakerError> {
        let at = handle.index();
        // Taken out of the state for the attempts: populating may create another `A` (a
        // self-reference), which then keeps its own checkpoints in vectors of its own.
        let mut counters = std::mem::take(&mut self.registry.state_mut(at).counters);
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            counters.open(self.registry.state_mut(at));
            let mut cx = Cx::new(self.reborrow(), at, path, requirements);
            let result = A::populate(&mut cx).await;
            let key_given;
            (path, requirements, key_given) = cx.finish();
            let state = self.registry.state_mut(at);
            let error = match result {
                Ok(built) => {
                    counters.keep(state);
                    break Ok(Attempt {
                        built,
                        path,
                        requirements,
                        key_given,
                    });
                }
                Err(error) => error,
            };
            // Not stored, whatever the reason: its draws are given back.
            counters.take_back(state);
            let Some(invariant) = refusal(&error, &path) else {
                break Err(error);
            };
            state.refusals += 1;
            if attempts >= self.attempts.get() {
                let kind = ErrorKind::Refused {
                    aggregate: A::NAME,
                    attempts,
                    invariant: invariant.to_string(),
                };
                break Err(FakerError::new(path, kind));
            }
        };
        self.registry.state_mut(at).counters = counters;
        outcome
    }

    /// The stored `A` with `built`'s id (an id made only of references), when that id is in
    /// `A`'s pool. A repository that keeps no states (keys only, when streaming) cannot give it
    /// back: `built` stands for it then, having the same id.
    async fn stored_with_id<A: Provider>(
        &mut self,
        handle: Handle<A>,
        built: &A,
    ) -> Result<Option<A>, FakerError> {
        let id = built.id();
        if self.registry.slot(handle).pool.position_of(&id).is_none() {
            return Ok(None);
        }
        let stored = self.registry.get(handle, &id).await?;
        Ok(Some(stored.unwrap_or_else(|| built.clone())))
    }

    /// The [`CreateChildren`] of child type `C`.
    pub(crate) fn create_children<C: Provider>(
        mut runtime: Runtime<'_>,
        parent_id: Value,
        parent_field: String,
        path: String,
    ) -> BoxFuture<'_, Result<(), FakerError>> {
        Box::pin(async move {
            let query = fields_at(&parent_field, Query::Eq(parent_id));
            let origin = format!("{path} (child of its parent)");
            runtime
                .create_with::<C>(Requirements::one(query, origin), path)
                .await?;
            Ok(())
        })
    }

    /// The [`CreateTarget`] of target type `T`.
    pub(crate) fn create_target<T: Provider>(
        mut runtime: Runtime<'_>,
        path: String,
    ) -> BoxFuture<'_, Result<usize, FakerError>> {
        Box::pin(async move {
            let created: T = runtime
                .create_with::<T>(Requirements::none(), path.clone())
                .await?;
            let id = created.id();
            let handle = runtime.registry.register::<T>()?;
            // `create_with` pooled it (targets of references are always pooled); insert
            // returns its position either way.
            let (position, _) = runtime.registry.slot_mut(handle).pool.insert(id);
            Ok(position)
        })
    }

    /// Stores an aggregate made outside the Faker, pools, mirrors and emits it.
    pub(crate) async fn insert<A: Provider>(&mut self, aggregate: A) -> Result<A, FakerError> {
        let handle = self.registry.register::<A>()?;
        let stored = self
            .registry
            .slot_mut(handle)
            .repository
            .insert(aggregate, true)
            .await
            .map_err(|e| FakerError::new(A::NAME, e.into()))?;
        self.registry.remember(handle, &stored, A::NAME)?;
        self.emit(handle, &stored, A::NAME, None)?;
        Ok(stored)
    }

    /// Fails with the first of `requirements` that `aggregate` does not satisfy.
    fn check<'q, A: Provider>(
        &self,
        handle: Handle<A>,
        aggregate: &A,
        mut requirements: impl Iterator<Item = &'q Requirement>,
        path: &str,
    ) -> Result<(), FakerError> {
        let Some(first) = requirements.next() else {
            return Ok(());
        };
        let state = serde_json::to_value(aggregate)
            .map_err(|e| FakerError::new(path, ErrorKind::Export(e)))?;
        let views = self.registry.views();
        let resolver = EngineResolver::new(Some(self.registry.view(handle.index())), views);
        match std::iter::once(first)
            .chain(requirements)
            .find(|r| !r.query.matches_with(&state, &resolver))
        {
            None => Ok(()),
            Some(r) => Err(FakerError::new(
                path,
                ErrorKind::NotSatisfied {
                    state,
                    requirement: r.query.to_string(),
                    origin: r.origin.clone(),
                },
            )),
        }
    }

    /// Writes a stored aggregate to every sink (serialised once), at its kept `place` when
    /// it has one.
    fn emit<A: Provider>(
        &mut self,
        handle: Handle<A>,
        stored: &A,
        path: &str,
        place: Option<Place>,
    ) -> Result<(), FakerError> {
        let feed = &mut *self.feed;
        if feed.sinks.is_empty() {
            return Ok(());
        }
        feed.json.clear();
        serde_json::to_writer(&mut feed.json, stored)
            .map_err(|e| FakerError::new(path, ErrorKind::Export(e)))?;
        feed.write(A::NAME, &self.registry.state(handle.index()).table, place)
            .map_err(|e| FakerError::new(path, e.into()))
    }
}
