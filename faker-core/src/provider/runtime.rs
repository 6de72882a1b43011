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

use serde_json::Value;

use super::context::Cx;
use super::error::{ErrorKind, FakerError};
use super::filter::{EngineResolver, fields_at};
use super::registry::{Handle, Registry};
use super::requirement::{Requirement, Requirements};
use super::shared::Sequences;
use super::traits::Provider;
use crate::feed::{Record, Sink};
use crate::repository::BoxFuture;
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
}

/// The Faker's state, borrowed part by part; see the [module docs](self).
pub(crate) struct Runtime<'a> {
    pub(crate) registry: &'a mut Registry,
    pub(crate) rng: &'a mut FakerRng,
    pub(crate) sequences: &'a mut Sequences,
    pub(crate) feed: &'a mut Feed,
}

impl Runtime<'_> {
    /// The same borrows, for a nested call.
    pub(crate) fn reborrow(&mut self) -> Runtime<'_> {
        Runtime {
            registry: self.registry,
            rng: self.rng,
            sequences: self.sequences,
            feed: self.feed,
        }
    }

    /// Creates one `A` that satisfies `requirements`; `path` names it in errors.
    pub(crate) fn create_with<A: Provider>(
        &mut self,
        requirements: Requirements,
        path: String,
    ) -> BoxFuture<'_, Result<A, FakerError>> {
        Box::pin(async move {
            let handle = self.registry.register::<A>()?;
            // An id pinned completely by the requirements means "this very aggregate": reuse it
            // when it exists instead of creating a duplicate.
            if let Some(pinned) = requirements.pinned(A::ID_FIELD, || path.clone())? {
                if let Ok(id) = serde_json::from_value::<A::Id>(pinned) {
                    if let Some(existing) = self.registry.get(handle, &id).await? {
                        return Ok(existing);
                    }
                }
            }
            let mut cx = Cx::new(self.reborrow(), handle.index(), path, requirements);
            let built = A::populate(&mut cx).await?;
            let (path, requirements, key_given) = cx.finish();
            // Check first: every requirement but those on a key the repository assigns on
            // insert, which only exists after it (see the module docs).
            let assigned = match key_given || requirements.is_empty() {
                true => None,
                false => A::auto_key(),
            };
            let assigned: Option<Vec<&str>> = assigned.as_deref().map(|k| k.split('.').collect());
            let reads_key = |r: &&Requirement| assigned.as_deref().is_some_and(|k| r.reads(k));
            self.check(
                handle,
                &built,
                requirements.iter().filter(|r| !reads_key(r)),
                &path,
            )?;
            // Store second.
            let stored = self
                .registry
                .slot_mut(handle)
                .repository
                .insert(built, key_given)
                .await
                .map_err(|e| FakerError::new(path.clone(), e.into()))?;
            self.check(
                handle,
                &stored,
                requirements.iter().filter(reads_key),
                &path,
            )?;
            // Only what the store accepted is pooled, mirrored and emitted.
            self.registry.remember(handle, &stored, &path)?;
            self.emit(handle, &stored, &path)?;
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
        })
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
        self.emit(handle, &stored, A::NAME)?;
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

    /// Writes a stored aggregate to every sink (serialised once).
    fn emit<A: Provider>(
        &mut self,
        handle: Handle<A>,
        stored: &A,
        path: &str,
    ) -> Result<(), FakerError> {
        let feed = &mut *self.feed;
        if feed.sinks.is_empty() {
            return Ok(());
        }
        feed.json.clear();
        serde_json::to_writer(&mut feed.json, stored)
            .map_err(|e| FakerError::new(path, ErrorKind::Export(e)))?;
        let record = Record {
            seq: feed.seq,
            aggregate: A::NAME,
            table: &self.registry.state(handle.index()).table,
            json: &feed.json,
        };
        for sink in &mut feed.sinks {
            sink.record(&record)
                .map_err(|e| FakerError::new(path, e.into()))?;
        }
        feed.seq += 1;
        Ok(())
    }
}
