//! The registry: one entry per aggregate type the Faker has met, holding everything the runtime
//! keeps about it.
//!
//! An entry has two halves, stored side by side under one index ([`TypeIndex`]):
//!
//! * its [`TypeView`] (name, reference links, mirror of exported states, whether its pool is
//!   shared) in [`Views`] — what filters and the `$rel` resolver read by `TypeId`, without
//!   knowing the static type;
//! * its [`TypeState`] (declared references and values with their distributors, children,
//!   counters) and its typed [`Slot<A>`] (pool, repository, shared pool) — what draws and
//!   inserts mutate.
//!
//! Keeping the halves apart lets a filtered draw read every type's view while it mutates one
//! type's distributor and another type's pool. A type gets both halves in one step
//! ([`Registry::register`]), which returns a [`Handle<A>`]: the proof that the slot exists and
//! is a `Slot<A>`. The slots are stored type-erased (`Box<dyn Any>`), and the one downcast is
//! [`typed_ref`] / [`typed_mut`] below.

use std::any::{Any, TypeId};
use std::marker::PhantomData;

use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;

use super::choice::ChoiceState;
use super::error::{ErrorKind, FakerError};
use super::relation::{self, JointState, RelationError};
use super::schema::{CollectionDecl, CountFn, ReferenceDecl, SUPER, Schema};
use super::traits::Provider;
use super::view::{Mirror, TypeIndex, TypeView, Views, canonical};
use crate::distributor::{Distributor, DistributorConfig, Pool};
use crate::feed::table_name;
use crate::one_of::OneOf;
use crate::repository::{InMemoryRepository, Repository, SharedPool};
use crate::rng::FakerRng;

/// What the registry keeps about each aggregate type.
#[derive(Default)]
pub(crate) struct Registry {
    views: Views,
    /// The other half of every registered type, at the same index as its view.
    entries: Vec<Entry>,
    /// Repositories and shared pools given for types not registered yet (`Pending<A>`); taken
    /// into the type's slot when it is registered.
    pending: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    /// Keep only what references need (see [`Faker::streaming`](super::Faker::streaming)).
    streaming: bool,
}

struct Entry {
    state: TypeState,
    /// The type's `Slot<A>`.
    slot: Box<dyn Any + Send + Sync>,
}

/// The typed part of a registered aggregate type `A`.
pub(crate) struct Slot<A: Provider> {
    /// The ids references can reuse, in creation order.
    pub(crate) pool: Pool<A::Id>,
    pub(crate) repository: Box<dyn Repository<A>>,
    /// Set by [`Faker::share_pool`](super::Faker::share_pool).
    pub(crate) share: Option<Box<dyn SharedPool<A>>>,
}

/// What was configured for `A` before it was registered.
struct Pending<A: Provider> {
    repository: Option<Box<dyn Repository<A>>>,
    share: Option<Box<dyn SharedPool<A>>>,
}

/// A registered aggregate type `A`: where its entry sits. Only [`Registry::register`] and
/// [`Registry::handle`] make one, so its slot exists and is a `Slot<A>`.
pub(crate) struct Handle<A> {
    at: TypeIndex,
    _type: PhantomData<fn() -> A>,
}

impl<A> Clone for Handle<A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A> Copy for Handle<A> {}

impl<A> Handle<A> {
    pub(crate) fn index(self) -> TypeIndex {
        self.at
    }
}

/// The declared, untyped state of a registered type: distributors, children and counters.
pub(crate) struct TypeState {
    pub(crate) references: Vec<ReferenceState>,
    pub(crate) joints: Vec<JointState>,
    pub(crate) values: Vec<ValueState>,
    /// Weighted value lists (`one_of`, enum variants).
    pub(crate) one_ofs: Vec<super::choice::ChoiceState>,
    /// Generated values that another field decides, with the value kept for each value of
    /// that field (see [`Schema::value_follows`](super::Schema::value_follows)).
    pub(crate) followed_values: Vec<FollowedValue>,
    pub(crate) children: Vec<Children>,
    /// The collections of components inside the aggregate (see
    /// [`Schema::collection`](super::Schema::collection)).
    pub(crate) collections: Vec<CollectionState>,
    /// The distributor of [`Faker::create_matching`](super::Faker::create_matching).
    pub(crate) matching: Distributor,
    /// Fields some constraint reads: their values are recorded while populating.
    pub(crate) sources: Vec<String>,
    /// Positions (0, 1, 2, ...) handed out per leaf field.
    pub(crate) positions: HashMap<String, u64>,
    /// Local sequence counters per (field, scope).
    pub(crate) sequences: HashMap<(String, String), u64>,
    /// Aggregates created (not counting reuses or inserts).
    pub(crate) created: u64,
    /// Attempts the domain refused (each one redrawn, or reported after the bound; see
    /// [`super::refusal`]).
    pub(crate) refusals: u64,
    /// Creations that found their id, made only of references, already stored and returned
    /// that aggregate (see [`super::identity`]).
    pub(crate) reused: u64,
    /// Whether the id is made only of references, decided on the first aggregate built or
    /// stored (`None` until then).
    pub(crate) id_of_references: Option<bool>,
    /// The checkpoints of the distributors during an attempt, kept here between attempts so
    /// that opening them allocates nothing (see [`super::refusal::Counters`]).
    pub(crate) counters: super::refusal::Counters,
    /// File stem of the type in feeds (`books`).
    pub(crate) table: String,
    /// The field of the exported state that holds the id ([`Provider::ID_FIELD`]).
    pub(crate) id_field: &'static str,
    /// Whether populating keeps the pool positions its references draw and create (for
    /// `differ(..)`, joint laws and sibling references to one type).
    pub(crate) tracks_positions: bool,
}

pub(crate) struct FollowedValue {
    pub(crate) decl: super::schema::ValueFollows,
    /// The value generated for each value of the source (its JSON text as the key).
    pub(crate) kept: HashMap<String, Value>,
}

pub(crate) struct ReferenceState {
    pub(crate) decl: ReferenceDecl,
    pub(crate) distributor: Distributor,
    /// The references (indices, declared before) whose values this one never takes.
    pub(crate) differ: Vec<usize>,
    /// The joint law this reference is a member of, and its member index there.
    pub(crate) joint: Option<(usize, usize)>,
    /// The reference whose value is this one's single `same(..)` source.
    pub(crate) share_source: Option<usize>,
    /// Whether some reference's single `same(..)` reads this one (its planned share is kept).
    pub(crate) is_source: bool,
    /// For a single `same(..)` on a part of the target's id: the partition it selects in the
    /// target's pool (`id.tenant_id`) and its path, made once instead of on every draw.
    pub(crate) partition: Option<(String, Vec<Vec<String>>)>,
    /// With [`Schema::follows`](super::Schema::follows): the value taken for each value of
    /// the source field (its JSON text), so that later aggregates with that value take it too.
    pub(crate) followed: HashMap<String, Value>,
    /// Expected draws per aggregate: 1, or for a reference inside collection elements the
    /// product of the collections' mean counts, times the share of the aggregates that reach
    /// it inside an enum variant (planning draws `n` times this many).
    pub(crate) per_aggregate: f64,
    /// For a joint member: the planned share of its draws that the value of the combination
    /// just made receives (its slot's share), `None` after a combination reused. What a value
    /// that follows this reference is fitted to (see `ChoiceState::draw_for_owner`).
    pub(crate) joint_share: Option<f64>,
}

/// A leaf value drawn from a pool (see [`Schema::value`](super::Schema::value)).
pub(crate) struct ValueState {
    pub(crate) field: String,
    pub(crate) distributor: Distributor,
    /// The field's `Pool<T>`, made by its first draw: the value type is only known to
    /// `Cx::pooled_value`, which downcasts it (and reports a type that changed).
    pub(crate) pool: Option<Box<dyn Any + Send + Sync>>,
    /// Expected draws per aggregate (see [`ReferenceState::per_aggregate`]).
    pub(crate) per_aggregate: f64,
}

/// A collection of components of a registered type, with its count law built.
pub(crate) struct CollectionState {
    /// Dotted path of the collection field.
    pub(crate) field: String,
    pub(crate) count: CountFn,
    /// The count law's mean.
    pub(crate) mean: f64,
    /// For a law with a finite support (a weighted range): the smallest size and the choice
    /// among the sizes (index `i` is size `min + i`), planned with exact counts once the
    /// number of aggregates is known, so that `N` aggregates hold `round(N · p)` collections
    /// of each size instead of a sample of them (412 invoices of the Chinook sample with 1, 2,
    /// 4, 6, 9 or 14 lines: sampled sizes put the mean 4% off, one standard deviation).
    pub(crate) sizes: Option<(u64, ChoiceState)>,
}

impl CollectionState {
    /// The number of elements of the next collection: the plan's next size while it lasts,
    /// then sampled from the law.
    pub(crate) fn draw(&mut self, rng: &mut FakerRng) -> u64 {
        match &mut self.sizes {
            Some((min, sizes)) => *min + sizes.draw(rng) as u64,
            None => (self.count)(rng),
        }
    }
}

/// Sets each planned collection's expected number per aggregate: its share (inside an enum
/// variant) times the mean counts of the collections it sits in (not its own).
fn collections_per_aggregate(collections: &mut [CollectionState]) {
    let means: Vec<(String, f64)> = collections
        .iter()
        .map(|c| (c.field.clone(), c.mean))
        .collect();
    for c in collections.iter_mut() {
        if let Some((_, sizes)) = &mut c.sizes {
            let outer: f64 = means
                .iter()
                .filter(|(f, _)| *f != c.field && inside(&c.field, f))
                .map(|(_, m)| m)
                .product();
            sizes.per_aggregate *= outer;
        }
    }
}

/// The innermost collection the declaration at `field` sits in (the longest prefix).
fn innermost<'c>(collections: &'c [CollectionState], field: &str) -> Option<&'c str> {
    collections
        .iter()
        .map(|c| c.field.as_str())
        .filter(|c| inside(field, c))
        .max_by_key(|c| c.len())
}

/// Expected draws per aggregate of the declaration at `field`, drawn by `share` of the
/// aggregates (below 1 inside an enum variant, see [`Schema::variant`]): `share` times the
/// product of the mean counts of the collections it sits in (1 outside any).
fn per_aggregate(collections: &[CollectionState], field: &str, share: f64) -> f64 {
    share
        * collections
            .iter()
            .filter(|c| inside(field, &c.field))
            .map(|c| c.mean)
            .product::<f64>()
}

/// The draws `n` aggregates are expected to make of a declaration drawn `per_aggregate` times
/// per aggregate on average (1 outside collections and enum variants; see
/// `ReferenceState::per_aggregate`), rounded to the nearest whole draw.
pub(crate) fn expected_draws(n: u64, per_aggregate: f64) -> u64 {
    if per_aggregate == 1.0 {
        return n;
    }
    let expected = (n as f64 * per_aggregate).round();
    // A count law's mean is finite and >= 0 (validated); `as` saturates beyond u64.
    expected.max(0.0) as u64
}

/// Whether the declaration at `field` is drawn once per element of the collection at
/// `collection`: it sits inside the element (`lines.track`), or is the element's own value
/// (`lines`, a weighted value list of an enum element).
fn inside(field: &str, collection: &str) -> bool {
    field
        .strip_prefix(collection)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Children of a registered type, with their count validated.
#[derive(Clone)]
pub(crate) struct Children {
    pub(crate) child: &'static str,
    pub(crate) parent_field: String,
    pub(crate) count: CountFn,
    pub(crate) create: super::runtime::CreateChildren,
}

/// What a draw of one type's reference to `T` works on: the referencing type's state, `T`'s
/// slot, and every type's view (for filters).
pub(crate) struct DrawParts<'r, T: Provider> {
    pub(crate) state: &'r mut TypeState,
    pub(crate) slot: &'r mut Slot<T>,
    pub(crate) views: &'r Views,
}

/// The one downcast of the registry: an entry's `Slot<A>`, or a `Pending<A>` kept for a type
/// not registered yet. Sound because both are only stored under their own type — a slot at
/// the index a [`Handle<A>`] holds (see [`Registry::register`]), a pending configuration under
/// `TypeId::of::<A>()` — so a failure is a bug in this module, not a user error.
fn typed_ref<T: Any>(erased: &(dyn Any + Send + Sync)) -> &T {
    match erased.downcast_ref::<T>() {
        Some(typed) => typed,
        None => unreachable!("the registry stores every typed part under its own type"),
    }
}

/// [`typed_ref`], mutably.
fn typed_mut<T: Any>(erased: &mut (dyn Any + Send + Sync)) -> &mut T {
    match erased.downcast_mut::<T>() {
        Some(typed) => typed,
        None => unreachable!("the registry stores every typed part under its own type"),
    }
}

impl Registry {
    pub(crate) fn new(streaming: bool) -> Registry {
        Registry {
            streaming,
            ..Registry::default()
        }
    }

    /// `A`'s handle, once `A` is registered.
    pub(crate) fn handle<A: Provider>(&self) -> Option<Handle<A>> {
        let at = self.views.index_of(TypeId::of::<A>())?;
        Some(Handle {
            at,
            _type: PhantomData,
        })
    }

    pub(crate) fn is_registered(&self, ty: TypeId) -> bool {
        self.views.index_of(ty).is_some()
    }

    pub(crate) fn slot<A: Provider>(&self, handle: Handle<A>) -> &Slot<A> {
        typed_ref(&*self.entries[handle.at.get()].slot)
    }

    pub(crate) fn slot_mut<A: Provider>(&mut self, handle: Handle<A>) -> &mut Slot<A> {
        typed_mut(&mut *self.entries[handle.at.get()].slot)
    }

    pub(crate) fn state(&self, at: TypeIndex) -> &TypeState {
        &self.entries[at.get()].state
    }

    pub(crate) fn state_mut(&mut self, at: TypeIndex) -> &mut TypeState {
        &mut self.entries[at.get()].state
    }

    pub(crate) fn view(&self, at: TypeIndex) -> &TypeView {
        self.views.at(at)
    }

    pub(crate) fn view_mut(&mut self, at: TypeIndex) -> &mut TypeView {
        self.views.at_mut(at)
    }

    pub(crate) fn views(&self) -> &Views {
        &self.views
    }

    /// Every registered type's state, in registration order.
    pub(crate) fn states(&self) -> impl Iterator<Item = &TypeState> {
        self.entries.iter().map(|e| &e.state)
    }

    /// Every registered type's name and state, in registration order.
    pub(crate) fn named_states(&self) -> impl Iterator<Item = (&'static str, &TypeState)> {
        self.views
            .iter()
            .map(|v| v.name)
            .zip(self.entries.iter().map(|e| &e.state))
    }

    /// The parts a draw of `own`'s reference to `T` needs, borrowed together (`own` may be `T`
    /// itself: a self-reference).
    pub(crate) fn draw_parts<T: Provider>(
        &mut self,
        own: TypeIndex,
        target: Handle<T>,
    ) -> DrawParts<'_, T> {
        let (own, target) = (own.get(), target.at.get());
        let (state, slot) = if own == target {
            let entry = &mut self.entries[own];
            (&mut entry.state, &mut *entry.slot)
        } else if own < target {
            let (low, high) = self.entries.split_at_mut(target);
            (&mut low[own].state, &mut *high[0].slot)
        } else {
            let (low, high) = self.entries.split_at_mut(own);
            (&mut high[0].state, &mut *low[target].slot)
        };
        DrawParts {
            state,
            slot: typed_mut(slot),
            views: &self.views,
        }
    }

    /// Stores `A` in `repository` once it is registered. `false` when `A` is registered
    /// already (too late).
    pub(crate) fn set_repository<A: Provider>(
        &mut self,
        repository: Box<dyn Repository<A>>,
    ) -> bool {
        if self.is_registered(TypeId::of::<A>()) {
            return false;
        }
        self.pending_mut::<A>().repository = Some(repository);
        true
    }

    /// Shares `A`'s pool through `share` (see [`super::shared`] for when that is allowed).
    pub(crate) fn set_share<A: Provider>(&mut self, share: Box<dyn SharedPool<A>>) {
        match self.handle::<A>() {
            Some(handle) => {
                self.slot_mut(handle).share = Some(share);
                self.view_mut(handle.at).shared = true;
            }
            None => self.pending_mut::<A>().share = Some(share),
        }
    }

    fn pending_mut<A: Provider>(&mut self) -> &mut Pending<A> {
        let pending = self.pending.entry(TypeId::of::<A>()).or_insert_with(|| {
            Box::new(Pending::<A> {
                repository: None,
                share: None,
            })
        });
        typed_mut(&mut **pending)
    }

    /// Validates `A`'s schema and sets up its entry (view, state and slot), then does the same
    /// for every type `A` references. Registering a type again returns its handle.
    pub(crate) fn register<A: Provider>(&mut self) -> Result<Handle<A>, FakerError> {
        if let Some(handle) = self.handle::<A>() {
            return Ok(handle);
        }
        let Schema {
            references,
            values,
            children,
            matching,
            joints,
            one_ofs,
            collections,
            value_follows,
        } = A::schema();
        let build = |field: &str, config: &DistributorConfig| {
            config
                .build()
                .map_err(|e| FakerError::new(format!("{}.{field}", A::NAME), e.into()))
        };
        let collections = collections
            .into_iter()
            .map(
                |CollectionDecl {
                     field,
                     count,
                     share,
                 }| {
                    let fail = |e: crate::ParamError| {
                        FakerError::new(format!("{}.{field}", A::NAME), e.into())
                    };
                    let count = count.build().map_err(fail)?;
                    let sizes = match count.sizes {
                        Some(sizes) => {
                            let law = OneOf::new(&sizes.probabilities).map_err(fail)?;
                            // `per_aggregate` is set below, once every collection's mean is known.
                            Some((sizes.min, ChoiceState::with_law(field.clone(), law, share)))
                        }
                        None => None,
                    };
                    Ok(CollectionState {
                        field,
                        count: count.sample,
                        mean: count.mean,
                        sizes,
                    })
                },
            )
            .collect::<Result<Vec<_>, FakerError>>()?;
        let mut collections = collections;
        collections_per_aggregate(&mut collections);
        let mut refs = Vec::with_capacity(references.len());
        let mut sources = Vec::new();
        for decl in references {
            let distributor = build(&decl.field, &decl.config)?;
            // A `super.` source left at the top: a component says it is held by a struct
            // that has the field, and the aggregate is no such struct.
            if let Some(same) = decl.same.iter().find(|s| s.source.starts_with(SUPER)) {
                let error = RelationError::SuperWithoutHolder {
                    field: decl.field.clone(),
                    source_field: same.source.clone(),
                };
                return Err(FakerError::new(
                    format!("{}.{}", A::NAME, decl.field),
                    error.into(),
                ));
            }
            sources.extend(decl.same.iter().map(|s| s.source.clone()));
            sources.extend(decl.follows.iter().cloned());
            refs.push(ReferenceState {
                followed: HashMap::default(),
                distributor,
                differ: Vec::new(),
                joint: None,
                share_source: None,
                is_source: false,
                partition: None,
                per_aggregate: per_aggregate(&collections, &decl.field, decl.share),
                joint_share: None,
                decl,
            });
        }
        for r in &mut refs {
            if let [same] = r.decl.same.as_slice()
                && !same.in_reference.is_empty()
            {
                let by = format!("{}.{}", r.decl.target_id_field, same.in_reference);
                let path = by.split('.').map(str::to_string).collect();
                r.partition = Some((by, vec![path]));
            }
        }
        for i in 0..refs.len() {
            if let [same] = refs[i].decl.same.as_slice()
                && let Some(j) = refs.iter().position(|r| r.decl.field == same.source)
            {
                refs[i].share_source = Some(j);
                refs[j].is_source = true;
            }
        }
        // Positions drawn and created are only kept when a relation reads them.
        let tracks_positions = !joints.is_empty()
            || refs.iter().any(|r| !r.decl.differ.is_empty())
            || refs.iter().enumerate().any(|(i, r)| {
                refs[..i]
                    .iter()
                    .any(|o| o.decl.target_type == r.decl.target_type)
            });
        for joint in &joints {
            let scope = |field: &str| innermost(&collections, field);
            if let Some(first) = joint.fields.first()
                && joint.fields.iter().any(|f| scope(f) != scope(first))
            {
                let error = RelationError::JointAcrossCollections {
                    fields: joint.fields.clone(),
                };
                return Err(FakerError::new(A::NAME, error.into()));
            }
        }
        let joints =
            relation::resolve(&mut refs, joints).map_err(|e| FakerError::new(A::NAME, e.into()))?;
        let children = children
            .into_iter()
            .map(|c| {
                let count = c
                    .count
                    .build()
                    .map_err(|e| FakerError::new(format!("{}.<{}>", A::NAME, c.child), e.into()))?;
                Ok(Children {
                    child: c.child,
                    parent_field: c.parent_field,
                    count: count.sample,
                    create: c.create,
                })
            })
            .collect::<Result<Vec<_>, FakerError>>()?;
        let values = values
            .iter()
            .map(|v| {
                Ok(ValueState {
                    field: v.field.clone(),
                    distributor: build(&v.field, &v.config)?,
                    pool: None,
                    per_aggregate: per_aggregate(&collections, &v.field, v.share),
                })
            })
            .collect::<Result<Vec<_>, FakerError>>()?;
        sources.extend(value_follows.iter().map(|f| f.source.clone()));
        let followed_values = value_follows
            .into_iter()
            .map(|decl| FollowedValue {
                decl,
                kept: HashMap::default(),
            })
            .collect();
        let one_ofs = one_ofs
            .into_iter()
            .map(|o| {
                let path = format!("{}.{}", A::NAME, o.field);
                let per = per_aggregate(&collections, &o.field, o.share);
                super::choice::ChoiceState::new(o, per).map_err(|e| FakerError::new(path, e.into()))
            })
            .collect::<Result<Vec<_>, FakerError>>()?;
        let matching = build(
            "<create_matching>",
            &matching.unwrap_or(DistributorConfig {
                mean: Some(DistributorConfig::DEFAULT_MEAN),
                ..Default::default()
            }),
        )?;
        let ty = TypeId::of::<A>();
        let (repository, share) = match self.pending.remove(&ty) {
            Some(mut pending) => {
                let pending = typed_mut::<Pending<A>>(&mut *pending);
                (pending.repository.take(), pending.share.take())
            }
            None => (None, None),
        };
        let streaming = self.streaming;
        let repository = repository.unwrap_or_else(|| {
            Box::new(if streaming {
                InMemoryRepository::<A>::keys_only()
            } else {
                InMemoryRepository::<A>::new()
            })
        });
        let links = refs
            .iter()
            .map(|r| (r.decl.field.clone(), r.decl.target_type))
            .collect();
        let registers: Vec<_> = refs.iter().map(|r| r.decl.register).collect();
        let at = self.views.push(
            ty,
            TypeView {
                name: A::NAME,
                links,
                mirror: None,
                shared: share.is_some(),
            },
        );
        self.entries.push(Entry {
            state: TypeState {
                references: refs,
                joints,
                values,
                one_ofs,
                followed_values,
                children,
                collections,
                matching,
                sources,
                positions: HashMap::default(),
                sequences: HashMap::default(),
                created: 0,
                refusals: 0,
                reused: 0,
                id_of_references: None,
                counters: super::refusal::Counters::default(),
                table: table_name(A::NAME, A::TABLE),
                id_field: A::ID_FIELD,
                tracks_positions,
            },
            slot: Box::new(Slot::<A> {
                pool: Pool::new(),
                repository,
                share,
            }),
        });
        // Targets last: a self-reference finds this type already registered.
        for register in registers {
            register(self)?;
        }
        Ok(Handle {
            at,
            _type: PhantomData,
        })
    }

    /// Registers `A` as the target of a reference: its states are mirrored from now on.
    pub(crate) fn register_target<A: Provider>(&mut self) -> Result<(), FakerError> {
        let handle = self.register::<A>()?;
        self.mirror(handle)
    }

    /// Starts keeping `A`'s exported states; states of aggregates created before are taken from
    /// the in-memory repository (a custom repository's earlier aggregates are not matched by
    /// filters, only reused by unfiltered draws).
    pub(crate) fn mirror<A: Provider>(&mut self, handle: Handle<A>) -> Result<(), FakerError> {
        if self.view(handle.at).mirror.is_some() {
            return Ok(());
        }
        let repository = self.slot_mut(handle).repository.as_any_mut();
        let mut mirror = Mirror::default();
        if let Some(memory) = repository.downcast_mut::<InMemoryRepository<A>>() {
            memory.retain();
            let export = |e| FakerError::new(A::NAME, ErrorKind::Export(e));
            for a in memory.iter() {
                mirror
                    .insert(canonical(&a.id()).map_err(export)?, a)
                    .map_err(export)?;
            }
        }
        self.view_mut(handle.at).mirror = Some(mirror);
        Ok(())
    }

    /// Puts a stored aggregate's id into its pool and, for mirrored types, its state into the
    /// mirror.
    pub(crate) fn remember<A: Provider>(
        &mut self,
        handle: Handle<A>,
        stored: &A,
        path: &str,
    ) -> Result<(), FakerError> {
        // A type whose id is made only of references keeps its ids even when streaming: the
        // pool is where creating one finds that its id is already stored (see
        // `super::identity`), and it holds one id per combination of targets.
        let keep_nothing = self.streaming
            && !super::identity::id_of_references(self.state_mut(handle.at), stored, path)?;
        let view = self.view_mut(handle.at);
        match &mut view.mirror {
            // Nothing references this type: keep nothing.
            None if keep_nothing => return Ok(()),
            None => {}
            Some(mirror) => {
                let export = |e| FakerError::new(path, ErrorKind::Export(e));
                let key = canonical(&stored.id()).map_err(export)?;
                mirror.insert(key, stored).map_err(export)?;
            }
        }
        self.slot_mut(handle).pool.insert(stored.id());
        Ok(())
    }

    /// The number of values in `A`'s pool (0 before `A` is registered).
    pub(crate) fn pool_len<A: Provider>(&self) -> usize {
        self.handle::<A>()
            .map_or(0, |handle| self.slot(handle).pool.len())
    }

    /// The stored `A` with this id.
    pub(crate) async fn get<A: Provider>(
        &self,
        handle: Handle<A>,
        id: &A::Id,
    ) -> Result<Option<A>, FakerError> {
        self.slot(handle)
            .repository
            .get(id)
            .await
            .map_err(|e| FakerError::new(A::NAME, e.into()))
    }
}
