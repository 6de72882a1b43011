//! The `Faker`: a seeded generator of aggregates.

use rustc_hash::FxHashMap as HashMap;
use std::any::{Any, TypeId};

use serde_json::Value;

use super::Provider;
use super::context::{Cx, StateFilter, canonical, fields_at};
use super::error::{ErrorKind, FakerError};
use super::requirement::Requirements;
use super::schema::{ChildCount, CountFn, ReferenceDecl, Schema};
use crate::distributor::{Distributor, DistributorConfig, Draw, ManyToOne, Plannable, Pool};
use crate::feed::{Record, Sink, table_name};
use crate::repository::{
    BoxFuture, InMemoryRepository, Repository, SharedPool, SharedSequences, SlotClaim,
};
use crate::rng::{FakerRng, seeded};
use crate::spec::Query;

/// Creates aggregates. One seed, one dataset: all randomness comes from the `Faker`'s own
/// seeded generator, and the same program with the same seed makes the same aggregates.
///
/// Every aggregate type gets an [`InMemoryRepository`] unless another repository is set with
/// [`Faker::set_repository`] before the type is first used. Every created aggregate's id
/// enters the pool of its type, from which references reuse targets.
pub struct Faker {
    pub(crate) rng: FakerRng,
    pub(crate) types: HashMap<TypeId, TypeState>,
    /// `Pool<A::Id>` per aggregate type.
    pub(crate) pools: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    /// Exported states by canonical id JSON, per aggregate type: what filters match.
    pub(crate) mirrors: HashMap<TypeId, Mirror>,
    /// Reference fields per aggregate type, for resolving `$rel`.
    pub(crate) links: HashMap<TypeId, Vec<(String, TypeId)>>,
    /// `Box<dyn Repository<A>>` per aggregate type.
    repositories: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    /// `Pool<T>` per pooled value field.
    pub(crate) value_pools: HashMap<(TypeId, String), Box<dyn Any + Send + Sync>>,
    /// `Box<dyn SharedPool<A>>` per aggregate type whose pool is shared.
    pub(crate) shares: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    /// Where sequence numbers come from when they are shared, and this generator's reserved
    /// blocks (next, end) per sequence key.
    pub(crate) sequences: Option<(Box<dyn SharedSequences>, SequenceBlocks)>,
    /// Where every stored aggregate is also written.
    sinks: Vec<Box<dyn Sink>>,
    /// Command-log position of the next stored aggregate.
    seq: u64,
    /// Reused buffer for the JSON of the aggregate being written to the sinks.
    json: Vec<u8>,
    /// Keep only what references need (see [`Faker::streaming`]).
    streaming: bool,
}

pub(crate) type Mirror = HashMap<String, Value>;

/// Reserved blocks of shared sequences: `(next, end)` per sequence key.
pub(crate) type SequenceBlocks = HashMap<String, (u64, u64)>;

pub(crate) type CreateChildren =
    for<'a> fn(&'a mut Faker, Value, String, String) -> BoxFuture<'a, Result<(), FakerError>>;

/// Children of a registered type, with their count validated.
#[derive(Clone)]
pub(crate) struct Children {
    child: &'static str,
    parent_field: String,
    count: CountFn,
    create: CreateChildren,
}

pub(crate) struct TypeState {
    pub(crate) name: &'static str,
    pub(crate) references: Vec<ReferenceState>,
    pub(crate) values: Vec<(String, Distributor)>,
    pub(crate) children: Vec<Children>,
    pub(crate) matching: Distributor,
    /// Fields some constraint reads: their values are recorded while populating.
    pub(crate) sources: Vec<String>,
    pub(crate) positions: HashMap<String, u64>,
    pub(crate) sequences: HashMap<(String, String), u64>,
    pub(crate) created: u64,
    /// File stem of the type in feeds (`books`).
    pub(crate) table: String,
    /// Whether exported states are kept (for filters and `$rel`): only for types that are
    /// referenced or matched, so unreferenced aggregates (say, millions of books) cost no
    /// state memory.
    pub(crate) mirrored: bool,
}

pub(crate) struct ReferenceState {
    pub(crate) decl: ReferenceDecl,
    pub(crate) distributor: Distributor,
}

impl Faker {
    /// A generator for `seed`, storing aggregates in memory.
    pub fn new(seed: u64) -> Faker {
        Faker {
            rng: seeded(seed),
            types: HashMap::default(),
            pools: HashMap::default(),
            mirrors: HashMap::default(),
            links: HashMap::default(),
            repositories: HashMap::default(),
            value_pools: HashMap::default(),
            shares: HashMap::default(),
            sequences: None,
            sinks: Vec::new(),
            seq: 0,
            json: Vec::new(),
            streaming: false,
        }
    }

    /// A generator that keeps only what references need: aggregate types that nothing
    /// references or matches (say, books) get a keys-only repository and no pool, so memory
    /// grows with the referenced aggregates (tenants, authors), not with the number created.
    /// Pair it with a feed ([`Faker::add_sink`]) to keep the data. Must be chosen before any
    /// type is used.
    pub fn streaming(seed: u64) -> Faker {
        Faker {
            streaming: true,
            ..Faker::new(seed)
        }
    }

    /// Also writes every stored aggregate to `sink`, in execution order.
    pub fn add_sink(&mut self, sink: impl Sink + 'static) -> &mut Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Flushes the sinks and publishes their files under their final names. Call it once at the
    /// end of a run: until then feeds sit under temporary names.
    pub fn finish(&mut self) -> Result<(), FakerError> {
        for sink in &mut self.sinks {
            sink.finish()
                .map_err(|e| FakerError::new("<feed>", e.into()))?;
        }
        Ok(())
    }

    /// Number of aggregates written to the sinks so far (the next command-log `seq`).
    pub fn recorded(&self) -> u64 {
        self.seq
    }

    /// Stores aggregates of type `A` in `repository` instead of memory. Must be called before
    /// `A` is first used.
    pub fn set_repository<A: Provider>(
        &mut self,
        repository: impl Repository<A> + 'static,
    ) -> Result<&mut Self, FakerError> {
        if self.types.contains_key(&TypeId::of::<A>()) {
            return Err(FakerError::new(
                A::NAME,
                ErrorKind::LateRepository { aggregate: A::NAME },
            ));
        }
        let boxed: Box<dyn Repository<A>> = Box::new(repository);
        self.repositories.insert(TypeId::of::<A>(), Box::new(boxed));
        Ok(self)
    }

    /// Shares the pool of `A` with other generators through `shared` (see
    /// [`crate::repository::SharedPool`]): values they add become reusable here, and planned
    /// references to `A` bind their slots in the shared store. Call it before planning, and
    /// before restoring or creating anything that references `A`.
    pub fn share_pool<A: Provider>(
        &mut self,
        shared: impl SharedPool<A> + 'static,
    ) -> Result<&mut Self, FakerError> {
        let planned = self.types.values().any(|t| {
            t.references
                .iter()
                .any(|r| r.decl.target_type == TypeId::of::<A>() && r.distributor.is_planned())
        });
        if planned {
            return Err(FakerError::new(
                A::NAME,
                ErrorKind::LateShare { aggregate: A::NAME },
            ));
        }
        let boxed: Box<dyn SharedPool<A>> = Box::new(shared);
        self.shares.insert(TypeId::of::<A>(), Box::new(boxed));
        Ok(self)
    }

    /// Takes sequence numbers (`Cx::sequence`) from `sequences`, shared with other
    /// generators, instead of counting locally: numbers stay distinct across processes (each
    /// reserves blocks), though not in creation order across them.
    pub fn share_sequences(&mut self, sequences: impl SharedSequences + 'static) -> &mut Self {
        self.sequences = Some((Box::new(sequences), HashMap::default()));
        self
    }

    /// The next number of the shared sequence `key`, reserving a block when needed.
    pub(crate) async fn next_shared(
        &mut self,
        key: &str,
        path: &str,
    ) -> Result<Option<u64>, FakerError> {
        let Some((source, blocks)) = &mut self.sequences else {
            return Ok(None);
        };
        if let Some((next, end)) = blocks.get_mut(key) {
            if *next < *end {
                *next += 1;
                return Ok(Some(*next - 1));
            }
        }
        let (first, len) = source
            .reserve(key)
            .await
            .map_err(|e| FakerError::new(path, e.into()))?;
        blocks.insert(key.to_string(), (first + 1, first + len.max(1)));
        Ok(Some(first))
    }

    fn shared_mut<A: Provider>(&mut self) -> Option<&mut Box<dyn SharedPool<A>>> {
        self.shares
            .get_mut(&TypeId::of::<A>())
            .and_then(|s| s.downcast_mut::<Box<dyn SharedPool<A>>>())
    }

    /// Takes in what other generators added to `A`'s shared pool (nothing when it is not
    /// shared).
    pub(crate) async fn catch_up<A: Provider>(&mut self, path: &str) -> Result<(), FakerError> {
        let Some(shared) = self.shared_mut::<A>() else {
            return Ok(());
        };
        let added = shared
            .catch_up()
            .await
            .map_err(|e| FakerError::new(path, e.into()))?;
        for aggregate in &added {
            self.remember(aggregate, path)?;
        }
        Ok(())
    }

    /// Claims `slot` of the shared plan `plan` of `A` (see [`SharedPool::claim`]); a bound
    /// aggregate is taken in like a restored one.
    pub(crate) async fn claim_slot<A: Provider>(
        &mut self,
        plan: &str,
        slot: u32,
        path: &str,
    ) -> Result<Option<A::Id>, FakerError> {
        let Some(shared) = self.shared_mut::<A>() else {
            return Ok(None);
        };
        match shared
            .claim(plan, slot)
            .await
            .map_err(|e| FakerError::new(path, e.into()))?
        {
            SlotClaim::Create => Ok(None),
            SlotClaim::Bound(aggregate) => {
                self.remember(&aggregate, path)?;
                Ok(Some(aggregate.id()))
            }
        }
    }

    /// Binds a slot this generator claimed to the aggregate it created.
    pub(crate) async fn bind_slot<A: Provider>(
        &mut self,
        plan: &str,
        slot: u32,
        id: &A::Id,
        path: &str,
    ) -> Result<(), FakerError> {
        if let Some(shared) = self.shared_mut::<A>() {
            shared
                .bind(plan, slot, id)
                .await
                .map_err(|e| FakerError::new(path, e.into()))?;
        }
        Ok(())
    }

    /// The generator, for code that needs randomness next to the Faker (same stream).
    pub fn rng(&mut self) -> &mut FakerRng {
        &mut self.rng
    }

    /// Creates one `A` (and whatever it references that has to be created).
    pub async fn create<A: Provider>(&mut self) -> Result<A, FakerError> {
        self.create_with::<A>(Requirements::none(), A::NAME.to_string())
            .await
    }

    /// Creates `n` aggregates `A`. Knowing `n`, the distributors of `A`'s own references and
    /// pooled values switch to planned mode, so their achieved distributions equal the
    /// configured ones (see [`crate::distributor::plan`]).
    pub async fn create_many<A: Provider>(&mut self, n: u64) -> Result<Vec<A>, FakerError> {
        let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        self.create_each::<A>(n, |a| out.push(a)).await?;
        Ok(out)
    }

    /// Like [`Faker::create_many`], but hands each aggregate to `sink` instead of collecting
    /// them, so memory does not grow with `n`.
    pub async fn create_each<A: Provider>(
        &mut self,
        n: u64,
        mut sink: impl FnMut(A) + Send,
    ) -> Result<(), FakerError> {
        self.plan::<A>(n)?;
        for _ in 0..n {
            let a = self.create::<A>().await?;
            sink(a);
        }
        Ok(())
    }

    /// Plans the distributors of `A`'s references and pooled values for `n` aggregates.
    pub fn plan<A: Provider>(&mut self, n: u64) -> Result<(), FakerError> {
        self.register::<A>()?;
        let shares = &self.shares;
        let Some(state) = self.types.get_mut(&TypeId::of::<A>()) else {
            unreachable!("registered above")
        };
        for r in &mut state.references {
            r.distributor
                .plan(n)
                .map_err(|e| FakerError::new(format!("{}.{}", A::NAME, r.decl.field), e.into()))?;
            if shares.contains_key(&r.decl.target_type) {
                r.distributor.inner_mut().share_slots();
            }
        }
        for (field, d) in &mut state.values {
            d.plan(n)
                .map_err(|e| FakerError::new(format!("{}.{field}", A::NAME), e.into()))?;
        }
        // A reference filtered by a constraint whose source is another planned reference of
        // this type (the tenant rule) sees one filter key per distinct source value: tell it
        // how many to expect, so it can spread its value budget (see `Strategy`).
        let expected: Vec<(usize, f64)> = state
            .references
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let source = &r.decl.same.first()?.source;
                let keys = state
                    .references
                    .iter()
                    .find(|s| &s.decl.field == source)?
                    .distributor
                    .inner()
                    .planned_values()?;
                Some((i, keys))
            })
            .collect();
        for (i, keys) in expected {
            state.references[i]
                .distributor
                .inner_mut()
                .expect_filter_keys(keys);
        }
        Ok(())
    }

    /// Returns an `A` matching `spec` (a query in the specification DSL, e.g.
    /// `{"city": "Moscow", "status": "active"}`): an existing one, if the type's matching
    /// distributor says reuse (see [`Schema::matching`]), or a new one created with the
    /// specification as its requirement (equality fields are pinned).
    pub async fn create_matching<A: Provider>(&mut self, spec: Value) -> Result<A, FakerError> {
        let query = Query::parse(&spec).map_err(|e| FakerError::new(A::NAME, e.into()))?;
        self.register::<A>()?;
        self.mirror::<A>()?;
        let ty = TypeId::of::<A>();
        let draw = {
            let filter = StateFilter::new(&query, ty, &self.mirrors, &self.links);
            let Some(state) = self.types.get_mut(&ty) else {
                unreachable!("registered above")
            };
            let pool = pool_mut::<A>(&mut self.pools);
            state
                .matching
                .draw_matching_position(pool, &filter, &mut self.rng)
        };
        match draw {
            Draw::Reuse(position) => {
                let id = pool_mut::<A>(&mut self.pools)[position].clone();
                self.get::<A>(&id).await?.ok_or_else(|| {
                    FakerError::new(
                        A::NAME,
                        ErrorKind::NotFound {
                            aggregate: A::NAME,
                            id: serde_json::to_value(&id).unwrap_or(Value::Null),
                        },
                    )
                })
            }
            Draw::Null => Err(FakerError::new(A::NAME, ErrorKind::NullForRequired)),
            Draw::Create(ticket) => {
                let origin = format!("create_matching({spec})");
                let a = self
                    .create_with::<A>(Requirements::one(query, origin), A::NAME.to_string())
                    .await?;
                let Some(state) = self.types.get_mut(&ty) else {
                    unreachable!("registered above")
                };
                state
                    .matching
                    .fulfil(pool_mut::<A>(&mut self.pools), ticket, a.id());
                Ok(a)
            }
        }
    }

    /// Stores an aggregate made outside the Faker (fixtures, data that already exists) so that
    /// references can reuse it.
    pub async fn insert<A: Provider>(&mut self, aggregate: A) -> Result<A, FakerError> {
        self.register::<A>()?;
        let stored = self
            .repository_mut::<A>()
            .insert(aggregate, true)
            .await
            .map_err(|e| FakerError::new(A::NAME, e.into()))?;
        self.remember(&stored, A::NAME)?;
        self.emit(&stored, A::NAME)?;
        Ok(stored)
    }

    /// Takes back an aggregate that is already stored (say, reloaded from a database mirror
    /// when a run resumes): its id enters the pool and its state the mirror, but it is neither
    /// inserted again nor written to the sinks.
    pub fn restore<A: Provider>(&mut self, aggregate: &A) -> Result<(), FakerError> {
        self.register::<A>()?;
        self.remember(aggregate, A::NAME)
    }

    /// The stored `A` with this id.
    pub async fn get<A: Provider>(&self, id: &A::Id) -> Result<Option<A>, FakerError> {
        match self.repository::<A>() {
            Some(repo) => repo
                .get(id)
                .await
                .map_err(|e| FakerError::new(A::NAME, e.into())),
            None => Ok(None),
        }
    }

    /// The repository of `A`, once `A` has been used.
    pub fn repository<A: Provider>(&self) -> Option<&dyn Repository<A>> {
        self.repositories
            .get(&TypeId::of::<A>())
            .and_then(|r| r.downcast_ref::<Box<dyn Repository<A>>>())
            .map(|r| r.as_ref())
    }

    /// The in-memory repository of `A`, when `A` uses the default one.
    pub fn in_memory<A: Provider>(&self) -> Option<&InMemoryRepository<A>> {
        self.repository::<A>()?
            .as_any()
            .downcast_ref::<InMemoryRepository<A>>()
    }

    /// The ids of `A` references can reuse, in creation order.
    pub fn pool<A: Provider>(&self) -> Option<&Pool<A::Id>> {
        self.pools
            .get(&TypeId::of::<A>())
            .and_then(|p| p.downcast_ref::<Pool<A::Id>>())
    }

    /// How many `A` this Faker created (not counting reuses or [`Faker::insert`]).
    pub fn created<A: Provider>(&self) -> u64 {
        self.types.get(&TypeId::of::<A>()).map_or(0, |t| t.created)
    }

    /// The distributor of `A`'s reference `field`, to inspect its configuration or plan.
    pub fn reference_distributor<A: Provider>(&self, field: &str) -> Option<&Distributor> {
        self.types
            .get(&TypeId::of::<A>())?
            .references
            .iter()
            .find(|r| r.decl.field == field)
            .map(|r| &r.distributor)
    }

    /// Registers `A` as the target of a reference: its states are mirrored from now on.
    pub(crate) fn register_target<A: Provider>(faker: &mut Faker) -> Result<(), FakerError> {
        faker.register::<A>()?;
        faker.mirror::<A>()
    }

    /// Starts keeping `A`'s exported states; states of aggregates created before are taken from
    /// the in-memory repository (a custom repository's earlier aggregates are not matched by
    /// filters, only reused by unfiltered draws).
    fn mirror<A: Provider>(&mut self) -> Result<(), FakerError> {
        let ty = TypeId::of::<A>();
        if self.type_state_mut(ty).mirrored {
            return Ok(());
        }
        self.type_state_mut(ty).mirrored = true;
        if let Some(repo) = self
            .repositories
            .get_mut(&ty)
            .and_then(|r| r.downcast_mut::<Box<dyn Repository<A>>>())
            .and_then(|r| r.as_any_mut().downcast_mut::<InMemoryRepository<A>>())
        {
            repo.retain();
        }
        let mut backfill = Vec::new();
        if let Some(repo) = self.in_memory::<A>() {
            for a in repo.iter() {
                let export = |e| FakerError::new(A::NAME, ErrorKind::Export(e));
                backfill.push((
                    canonical(&a.id()).map_err(export)?,
                    serde_json::to_value(a).map_err(export)?,
                ));
            }
        }
        if let Some(mirror) = self.mirrors.get_mut(&ty) {
            mirror.extend(backfill);
        }
        Ok(())
    }

    /// Validates `A`'s schema and sets up its state, pool, mirror and repository, then does the
    /// same for every type `A` references.
    pub(crate) fn register<A: Provider>(&mut self) -> Result<(), FakerError> {
        let ty = TypeId::of::<A>();
        if self.types.contains_key(&ty) {
            return Ok(());
        }
        let Schema {
            references,
            values,
            children,
            matching,
        } = A::schema();
        let build = |field: &str, config: &DistributorConfig| {
            config
                .build()
                .map_err(|e| FakerError::new(format!("{}.{field}", A::NAME), e.into()))
        };
        let mut refs = Vec::with_capacity(references.len());
        let mut sources = Vec::new();
        for decl in references {
            let distributor = build(&decl.field, &decl.config)?;
            sources.extend(decl.same.iter().map(|s| s.source.clone()));
            refs.push(ReferenceState { decl, distributor });
        }
        let children = children
            .into_iter()
            .map(|c| {
                let count = match c.count {
                    ChildCount::Ready(count) => count,
                    ChildCount::Config(config) => config.build().map_err(|e| {
                        FakerError::new(format!("{}.<{}>", A::NAME, c.child), e.into())
                    })?,
                };
                Ok(Children {
                    child: c.child,
                    parent_field: c.parent_field,
                    count,
                    create: c.create,
                })
            })
            .collect::<Result<Vec<_>, FakerError>>()?;
        let values = values
            .iter()
            .map(|v| Ok((v.field.clone(), build(&v.field, &v.config)?)))
            .collect::<Result<Vec<_>, FakerError>>()?;
        let matching = build(
            "<create_matching>",
            &matching.unwrap_or(DistributorConfig {
                mean: Some(DistributorConfig::DEFAULT_MEAN),
                ..Default::default()
            }),
        )?;
        self.links.insert(
            ty,
            refs.iter()
                .map(|r| (r.decl.field.clone(), r.decl.target_type))
                .collect(),
        );
        let registers: Vec<_> = refs.iter().map(|r| r.decl.register).collect();
        self.types.insert(
            ty,
            TypeState {
                name: A::NAME,
                references: refs,
                values,
                children,
                matching,
                sources,
                positions: HashMap::default(),
                sequences: HashMap::default(),
                created: 0,
                table: table_name(A::NAME, A::TABLE),
                mirrored: false,
            },
        );
        self.pools.insert(ty, Box::new(Pool::<A::Id>::new()));
        self.mirrors.insert(ty, Mirror::default());
        let streaming = self.streaming;
        self.repositories.entry(ty).or_insert_with(|| {
            let repo: Box<dyn Repository<A>> = Box::new(if streaming {
                InMemoryRepository::<A>::keys_only()
            } else {
                InMemoryRepository::<A>::new()
            });
            Box::new(repo)
        });
        // Targets last: a self-reference finds this type already registered.
        for register in registers {
            register(self)?;
        }
        Ok(())
    }

    pub(crate) fn type_state_mut(&mut self, ty: TypeId) -> &mut TypeState {
        match self.types.get_mut(&ty) {
            Some(state) => state,
            None => unreachable!("types are registered before use"),
        }
    }

    fn repository_mut<A: Provider>(&mut self) -> &mut dyn Repository<A> {
        match self
            .repositories
            .get_mut(&TypeId::of::<A>())
            .and_then(|r| r.downcast_mut::<Box<dyn Repository<A>>>())
        {
            Some(repo) => repo.as_mut(),
            None => unreachable!("types are registered before use"),
        }
    }

    /// Creates one `A` that satisfies `requirements`; `path` names it in errors.
    pub(crate) fn create_with<A: Provider>(
        &mut self,
        requirements: Requirements,
        path: String,
    ) -> BoxFuture<'_, Result<A, FakerError>> {
        Box::pin(async move {
            self.register::<A>()?;
            // An id pinned completely by the requirements means "this very aggregate": reuse it
            // when it exists instead of creating a duplicate.
            if let Some(pinned) = requirements.pinned(A::ID_FIELD, || path.clone())? {
                if let Ok(id) = serde_json::from_value::<A::Id>(pinned) {
                    if let Some(existing) = self.get::<A>(&id).await? {
                        return Ok(existing);
                    }
                }
            }
            let ty = TypeId::of::<A>();
            let mut cx = Cx::new(self, ty, path, requirements);
            let built = A::populate(&mut cx).await?;
            let (path, requirements, key_given) = cx.finish();
            let stored = self
                .repository_mut::<A>()
                .insert(built, key_given)
                .await
                .map_err(|e| FakerError::new(path.clone(), e.into()))?;
            self.remember(&stored, &path)?;
            self.emit(&stored, &path)?;
            if !requirements.is_empty() {
                let state = serde_json::to_value(&stored)
                    .map_err(|e| FakerError::new(path.clone(), ErrorKind::Export(e)))?;
                let resolver = super::context::EngineResolver::new(ty, &self.mirrors, &self.links);
                if let Some(r) = requirements
                    .iter()
                    .find(|r| !r.query.matches_with(&state, &resolver))
                {
                    return Err(FakerError::new(
                        path,
                        ErrorKind::NotSatisfied {
                            state,
                            requirement: r.query.to_string(),
                            origin: r.origin.clone(),
                        },
                    ));
                }
            }
            self.type_state_mut(ty).created += 1;
            let children = self.type_state_mut(ty).children.clone();
            if !children.is_empty() {
                let parent_id = serde_json::to_value(stored.id())
                    .map_err(|e| FakerError::new(path.clone(), ErrorKind::Export(e)))?;
                for decl in children {
                    let count = (decl.count)(&mut self.rng);
                    for _ in 0..count {
                        (decl.create)(
                            self,
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

    pub(crate) fn create_children<C: Provider>(
        &mut self,
        parent_id: Value,
        parent_field: String,
        path: String,
    ) -> BoxFuture<'_, Result<(), FakerError>> {
        Box::pin(async move {
            let query = fields_at(&parent_field, Query::Eq(parent_id));
            let origin = format!("{path} (child of its parent)");
            self.create_with::<C>(Requirements::one(query, origin), path)
                .await?;
            Ok(())
        })
    }

    /// Puts a stored aggregate's id into its pool and, for mirrored types, its state into the
    /// mirror.
    fn remember<A: Provider>(&mut self, stored: &A, path: &str) -> Result<(), FakerError> {
        let ty = TypeId::of::<A>();
        let mirrored = self.type_state_mut(ty).mirrored;
        if self.streaming && !mirrored {
            return Ok(()); // nothing references this type: keep nothing
        }
        if mirrored {
            let export = |e| FakerError::new(path, ErrorKind::Export(e));
            let state = serde_json::to_value(stored).map_err(export)?;
            let key = canonical(&stored.id()).map_err(export)?;
            if let Some(mirror) = self.mirrors.get_mut(&ty) {
                mirror.insert(key, state);
            }
        }
        pool_mut::<A>(&mut self.pools).insert(stored.id());
        Ok(())
    }
}

impl Faker {
    /// Writes a stored aggregate to every sink (serialised once).
    fn emit<A: Provider>(&mut self, stored: &A, path: &str) -> Result<(), FakerError> {
        if self.sinks.is_empty() {
            return Ok(());
        }
        self.json.clear();
        serde_json::to_writer(&mut self.json, stored)
            .map_err(|e| FakerError::new(path, ErrorKind::Export(e)))?;
        let Some(state) = self.types.get(&TypeId::of::<A>()) else {
            unreachable!("types are registered before use")
        };
        let record = Record {
            seq: self.seq,
            aggregate: A::NAME,
            table: &state.table,
            json: &self.json,
        };
        for sink in &mut self.sinks {
            sink.record(&record)
                .map_err(|e| FakerError::new(path, e.into()))?;
        }
        self.seq += 1;
        Ok(())
    }
}

pub(crate) fn pool_mut<A: Provider>(
    pools: &mut HashMap<TypeId, Box<dyn Any + Send + Sync>>,
) -> &mut Pool<A::Id> {
    match pools
        .get_mut(&TypeId::of::<A>())
        .and_then(|p| p.downcast_mut::<Pool<A::Id>>())
    {
        Some(pool) => pool,
        None => unreachable!("types are registered before use"),
    }
}
