//! The `Faker`: a seeded generator of aggregates, and its public API.

use std::any::TypeId;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::error::{ErrorKind, FakerError};
use super::filter::StateFilter;
use super::pipeline::Pipeline;
use super::plan_warning::{self, PlanWarning};
use super::registry::{Registry, TypeState, expected_draws};
use super::relation::RelationError;
use super::requirement::Requirements;
use super::runtime::{Feed, Runtime};
use super::shared::Sequences;
use super::traits::Provider;
use crate::distributor::{Distributor, Draw, ManyToOne, Plannable, Pool};
use crate::feed::Sink;
use crate::repository::{InMemoryRepository, Repository, SharedPool, SharedSequences};
use crate::rng::{FakerRng, seeded};
use crate::spec::Query;

/// Creates aggregates. One seed, one dataset: all randomness comes from the `Faker`'s own
/// seeded generator, and the same program with the same seed makes the same aggregates.
///
/// Every aggregate type gets an [`InMemoryRepository`] unless another repository is set with
/// [`Faker::set_repository`] before the type is first used. Every created aggregate's id
/// enters the pool of its type, from which references reuse targets.
pub struct Faker {
    rng: FakerRng,
    /// The seed `rng` started from (given to repositories, see [`Repository::attach_run`]).
    seed: u64,
    /// Everything kept per aggregate type.
    registry: Registry,
    sequences: Sequences,
    feed: Feed,
    /// Creations waiting for their storage's answer ([`Faker::set_pipeline`]). In a mutex
    /// only so that the Faker stays `Sync` (the futures in flight are `Send`, not `Sync`);
    /// it is only ever reached through `&mut self` ([`Mutex::get_mut`]), which never locks.
    pipeline: Mutex<Pipeline>,
    /// Draws of an aggregate before a domain refusal is reported ([`Faker::set_attempts`]).
    attempts: NonZeroU32,
    /// What planning found it cannot honour (see [`Faker::plan_warnings`]).
    warnings: Vec<PlanWarning>,
}

impl Faker {
    /// A generator for `seed`, storing aggregates in memory.
    pub fn new(seed: u64) -> Faker {
        Faker::with(seed, false)
    }

    /// A generator that keeps only what references need: aggregate types that nothing
    /// references or matches (say, books) get a keys-only repository and no pool, so memory
    /// grows with the referenced aggregates (tenants, authors), not with the number created.
    /// Pair it with a feed ([`Faker::add_sink`]) to keep the data. Must be chosen before any
    /// type is used.
    pub fn streaming(seed: u64) -> Faker {
        Faker::with(seed, true)
    }

    fn with(seed: u64, streaming: bool) -> Faker {
        Faker {
            rng: seeded(seed),
            seed,
            registry: Registry::new(streaming),
            sequences: Sequences::default(),
            feed: Feed::default(),
            pipeline: Mutex::new(Pipeline::default()),
            attempts: Faker::DEFAULT_ATTEMPTS,
            warnings: Vec::new(),
        }
    }

    /// The default bound on draws of one aggregate whose domain refuses it: 100. Attempts are
    /// independent, so a domain refusing half of the draws fails after the bound with
    /// probability `2^-100`; one that refuses nearly every draw has a modelling error, better
    /// reported with its invariant than spun on. See [`Faker::set_attempts`].
    pub const DEFAULT_ATTEMPTS: NonZeroU32 = match NonZeroU32::new(100) {
        Some(attempts) => attempts,
        None => unreachable!(),
    };

    /// How many times an aggregate is drawn while its domain refuses it (its constructor or
    /// factory returns an error, [`Cx::domain_error`](super::Cx::domain_error)) before the
    /// refusal ends the run as [`ErrorKind::Refused`] with the domain's last message and the
    /// aggregate's provider path. Default: [`Faker::DEFAULT_ATTEMPTS`].
    ///
    /// A refused attempt is not stored, pooled, mirrored or written to a sink, and the draws
    /// of its references and pooled values are not counted against their laws; targets its
    /// references created on the way are aggregates of their own and stay (see
    /// [`Faker::refusals`]).
    pub fn set_attempts(&mut self, attempts: NonZeroU32) -> &mut Self {
        self.attempts = attempts;
        self
    }

    /// The bound set by [`Faker::set_attempts`].
    pub fn attempts(&self) -> NonZeroU32 {
        self.attempts
    }

    /// The Faker's state, borrowed part by part, for creating aggregates.
    fn runtime(&mut self) -> Runtime<'_> {
        Runtime {
            registry: &mut self.registry,
            rng: &mut self.rng,
            sequences: &mut self.sequences,
            feed: &mut self.feed,
            pipeline: self
                .pipeline
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
            attempts: self.attempts,
        }
    }

    /// Also writes every stored aggregate to `sink`, in execution order.
    pub fn add_sink(&mut self, sink: impl Sink + 'static) -> &mut Self {
        self.feed.add(Box::new(sink));
        self
    }

    /// Flushes the sinks and publishes their files under their final names. Call it once at the
    /// end of a run: until then feeds sit under temporary names.
    pub fn finish(&mut self) -> Result<(), FakerError> {
        self.feed.finish()
    }

    /// Number of aggregates handed to the sinks so far (the next command-log `seq` the Faker
    /// gives). A [`HoldingSink`](crate::feed::HoldingSink) may still drop some of them when
    /// their store is refused; it renumbers what it writes and counts the dropped ones
    /// ([`HoldingSink::refused`](crate::feed::HoldingSink::refused)).
    pub fn recorded(&self) -> u64 {
        self.feed.recorded()
    }

    /// Stores aggregates of type `A` in `repository` instead of memory. Must be called before
    /// `A` is first used.
    pub fn set_repository<A: Provider>(
        &mut self,
        mut repository: impl Repository<A> + 'static,
    ) -> Result<&mut Self, FakerError> {
        repository.attach_run(self.seed);
        if !self.registry.set_repository::<A>(Box::new(repository)) {
            return Err(FakerError::new(
                A::NAME,
                ErrorKind::LateRepository { aggregate: A::NAME },
            ));
        }
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
        self.registry.share_pool::<A>(Box::new(shared))?;
        Ok(self)
    }

    /// Takes sequence numbers (`Cx::sequence`) from `sequences`, shared with other
    /// generators, instead of counting locally: numbers stay distinct across processes (each
    /// reserves blocks), though not in creation order across them.
    pub fn share_sequences(&mut self, sequences: impl SharedSequences + 'static) -> &mut Self {
        self.sequences.share(Box::new(sequences));
        self
    }

    /// The generator, for code that needs randomness next to the Faker (same stream).
    pub fn rng(&mut self) -> &mut FakerRng {
        &mut self.rng
    }

    /// Creates one `A` (and whatever it references that has to be created).
    pub async fn create<A: Provider>(&mut self) -> Result<A, FakerError> {
        self.runtime()
            .create_one::<A>(Requirements::none(), A::NAME.to_string())
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
        self.pipeline_mut().open = true;
        let created = self.create_pipelined::<A>(n, &mut sink).await;
        self.pipeline_mut().open = false;
        // Nothing is left waiting, whatever happened: the answers of every dispatched
        // command are awaited, and what the application executed is finished.
        let finished = self.runtime().finish_answered(true).await;
        self.deliver(&mut sink);
        created.and(finished)
    }

    /// The loop of [`Faker::create_each`]: creations are dispatched when `A`'s repository
    /// can have several in flight (see [`Faker::set_pipeline`]), finished as their answers
    /// come, and handed to `sink` in creation order.
    async fn create_pipelined<A: Provider>(
        &mut self,
        n: u64,
        sink: &mut (impl FnMut(A) + Send),
    ) -> Result<(), FakerError> {
        for _ in 0..n {
            match self.runtime().create_top::<A>().await? {
                Some(a) => {
                    // Created inline: whatever waits before it goes to `sink` first.
                    self.runtime().finish_answered(true).await?;
                    self.deliver(sink);
                    sink(a);
                }
                None => {
                    if !self.pipeline_mut().has_room() {
                        self.pipeline_mut().room().await;
                    }
                    self.runtime().finish_answered(false).await?;
                    self.deliver(sink);
                }
            }
        }
        Ok(())
    }

    /// Hands the finished top-level creations to `sink`, in creation order.
    fn deliver<A: Provider>(&mut self, sink: &mut impl FnMut(A)) {
        while let Some(stored) = self.pipeline_mut().delivered.pop_front() {
            // Only `create_each::<A>` dispatches, and only `A`s: every item is one.
            if let Ok(a) = stored.downcast::<A>() {
                sink(*a);
            }
        }
    }

    /// How many commands one [`Faker::create_each`] (or `create_many`) may have sent and
    /// not yet answered (default 16, the default limit of requests in flight of
    /// [`HttpCommands`](crate::command::HttpCommands); give both the same number); 1 waits
    /// for each answer before drawing the next aggregate.
    ///
    /// Only repositories whose storage answers later pipeline: the command sinks
    /// ([`HttpRepository`](crate::command::HttpRepository), a
    /// [`CommandRepository`](crate::command::CommandRepository) of a
    /// [`handler_fn`](crate::command::handler_fn)), through [`Repository::dispatch`]. Their
    /// commands then go out while the Faker draws the next aggregates, and one late answer
    /// holds up only its own creation: those answered after it wait behind it (up to 64
    /// times this depth) and finish in creation order. A command is still built only from
    /// aggregates the application confirmed, the draws and the feed are those of a
    /// one-at-a-time run, and no call returns with a command in flight. What can differ is
    /// how an application that numbers what it receives numbers commands in flight together;
    /// see the "Pipelining" section of the [`crate::command`] docs.
    pub fn set_pipeline(&mut self, depth: usize) -> &mut Self {
        self.pipeline_mut().set_depth(depth);
        self
    }

    /// The pipeline, reached without locking (see the field's comment).
    fn pipeline_mut(&mut self) -> &mut Pipeline {
        // Never poisoned: it is never locked.
        self.pipeline
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Plans the distributors of `A`'s references, pooled values and weighted value lists for
    /// `n` aggregates.
    ///
    /// A declaration inside an enum variant drawn with probability `share` is planned for
    /// `round(n · share)` draws (see [`Schema::variant`](super::Schema::variant)).
    /// A reference or pooled value inside the elements of a collection
    /// ([`Schema::collection`](super::Schema::collection)) is drawn once per element, and how
    /// many elements there will be is only known once they are drawn: it is planned for the
    /// expected number, `n` times the count law's mean (times the mean of every collection it
    /// sits in), rounded. The actual number differs by the count law's spread (about
    /// `sqrt(n · variance)`): fewer draws leave part of the exact counts unspent, a random part
    /// of every slot's, so the shares stay the law's; more draws pick slots by the law's
    /// probabilities (see [`crate::distributor::plan`]).
    pub fn plan<A: Provider>(&mut self, n: u64) -> Result<(), FakerError> {
        let at = self.registry.register::<A>()?.index();
        let state = self.registry.state_mut(at);
        for r in &mut state.references {
            r.distributor
                .plan(expected_draws(n, r.per_aggregate))
                .map_err(|e| FakerError::new(format!("{}.{}", A::NAME, r.decl.field), e.into()))?;
        }
        // A reference that follows another reference of this type is drawn once per value
        // of its source (the others take that value): planned for that many draws, so that
        // its law holds over the source's values.
        let follow_draws: Vec<(usize, u64)> = state
            .references
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let values = planned_values_of(&state.references, r.decl.follows.as_ref()?)?;
                Some((i, values.round().max(1.0) as u64))
            })
            .collect();
        for (i, draws) in follow_draws {
            let r = &mut state.references[i];
            r.distributor
                .plan(draws)
                .map_err(|e| FakerError::new(format!("{}.{}", A::NAME, r.decl.field), e.into()))?;
        }
        self.registry.share_planned_slots(at);
        let state = self.registry.state_mut(at);
        for v in &mut state.values {
            v.distributor
                .plan(expected_draws(n, v.per_aggregate))
                .map_err(|e| FakerError::new(format!("{}.{}", A::NAME, v.field), e.into()))?;
        }
        // A value list or histogram that follows a planned reference is generated once per
        // value of that reference: planned for that many draws (as a followed reference is).
        let follow_draws = |field: &str| {
            let f = state
                .followed_values
                .iter()
                .find(|f| f.decl.field == field)?;
            let values = planned_values_of(&state.references, &f.decl.source)?;
            Some(values.round().max(1.0) as u64)
        };
        let one_of_draws: Vec<(u64, bool)> = state
            .one_ofs
            .iter()
            .map(|o| match follow_draws(&o.field) {
                Some(draws) => (draws, true),
                None => (expected_draws(n, o.per_aggregate), false),
            })
            .collect();
        for (o, (draws, owned)) in state.one_ofs.iter_mut().zip(one_of_draws) {
            if owned {
                o.plan_for_owners(draws);
            } else {
                o.plan(draws);
            }
        }
        for (_, sizes) in state
            .collections
            .iter_mut()
            .filter_map(|c| c.sizes.as_mut())
        {
            sizes.plan(expected_draws(n, sizes.per_aggregate));
        }
        // A reference filtered by a constraint whose source is another planned reference of
        // this type (the tenant rule) sees one filter key per distinct source value: tell it
        // how many to expect, so it can spread its value budget (see `Strategy`).
        let expected: Vec<(usize, f64)> = state
            .references
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let keys = planned_values_of(&state.references, &r.decl.same.first()?.source)?;
                Some((i, keys))
            })
            .collect();
        for (i, keys) in expected {
            state.references[i]
                .distributor
                .inner_mut()
                .expect_filter_keys(keys);
        }
        // References drawn inside their owner's groups: the group mean that keeps the
        // configured overall mean (see `plan_warning::ownership`).
        for owned in plan_warning::ownership(&self.registry, at, n) {
            self.registry.state_mut(at).references[owned.owned]
                .distributor
                .inner_mut()
                .set_group_mean(owned.group_mean);
        }
        // Joint laws last: they assign combinations to their members' planned slots.
        let shared: Vec<bool> = self
            .registry
            .state(at)
            .references
            .iter()
            .map(|r| {
                self.registry
                    .views()
                    .of(r.decl.target_type)
                    .is_some_and(|view| view.shared)
            })
            .collect();
        let TypeState {
            references, joints, ..
        } = self.registry.state_mut(at);
        for joint in joints.iter_mut() {
            let path = || format!("{}.joint({})", A::NAME, joint.decl.fields.join(", "));
            if let Some(&r) = joint.members.iter().find(|&&r| shared[r]) {
                return Err(FakerError::new(
                    path(),
                    RelationError::JointShared {
                        field: references[r].decl.field.clone(),
                    }
                    .into(),
                ));
            }
            let plans: Vec<_> = joint
                .members
                .iter()
                .map(|&r| references[r].distributor.inner().slot_plan())
                .collect();
            // Members share one collection scope (checked at registration).
            let per = joint
                .members
                .first()
                .map_or(1.0, |&r| references[r].per_aggregate);
            joint
                .law
                .plan(expected_draws(n, per), &plans, &joint.differ)
                .map_err(|e| FakerError::new(path(), e.into()))?;
        }
        for warning in plan_warning::warnings(&self.registry, at, n) {
            if !self.warnings.contains(&warning) {
                self.warnings.push(warning);
            }
        }
        Ok(())
    }

    /// Parameters that planning found cannot all hold together, each with what the run will
    /// achieve instead (e.g. ten authors per tenant asked for by `Author`, while books drawn
    /// inside each tenant at fifty per author give about one). Filled by [`Faker::plan`] (and
    /// so by [`Faker::create_many`]); nothing is printed, show them where your run reports.
    pub fn plan_warnings(&self) -> &[PlanWarning] {
        &self.warnings
    }

    /// Returns an `A` matching `spec` (a query in the specification DSL, e.g.
    /// `{"city": "Moscow", "status": "active"}`): an existing one, if the type's matching
    /// distributor says reuse (see [`Schema::matching`](super::Schema::matching)), or a new one
    /// created with the specification as its requirement (equality fields are pinned).
    pub async fn create_matching<A: Provider>(&mut self, spec: Value) -> Result<A, FakerError> {
        let query = Query::parse(&spec).map_err(|e| FakerError::new(A::NAME, e.into()))?;
        let handle = self.registry.register::<A>()?;
        self.registry.mirror(handle)?;
        let draw = {
            let parts = self.registry.draw_parts(handle.index(), handle);
            let filter = StateFilter::new(&query, TypeId::of::<A>(), parts.views);
            parts.state.matching.draw_matching_position(
                &mut parts.slot.pool,
                &filter,
                &mut self.rng,
            )
        };
        match draw {
            Draw::Reuse(position) => {
                let id = self.registry.slot(handle).pool[position].clone();
                let found = self.registry.get(handle, &id).await?;
                found.ok_or_else(|| FakerError::new(A::NAME, ErrorKind::not_found(A::NAME, &id)))
            }
            Draw::Null => Err(FakerError::new(A::NAME, ErrorKind::NullForRequired)),
            Draw::Create(ticket) => {
                let origin = format!("create_matching({spec})");
                let a = self
                    .runtime()
                    .create_with::<A>(Requirements::one(query, origin), A::NAME.to_string())
                    .await?;
                let parts = self.registry.draw_parts(handle.index(), handle);
                parts
                    .state
                    .matching
                    .fulfil(&mut parts.slot.pool, ticket, a.id());
                Ok(a)
            }
        }
    }

    /// Stores an aggregate made outside the Faker (fixtures, data that already exists) so that
    /// references can reuse it.
    pub async fn insert<A: Provider>(&mut self, aggregate: A) -> Result<A, FakerError> {
        self.runtime().insert(aggregate).await
    }

    /// Takes back an aggregate that is already stored (say, reloaded from a database mirror
    /// when a run resumes): its id enters the pool and its state the mirror, but it is neither
    /// inserted again nor written to the sinks.
    pub fn restore<A: Provider>(&mut self, aggregate: &A) -> Result<(), FakerError> {
        let handle = self.registry.register::<A>()?;
        self.registry.remember(handle, aggregate, A::NAME)
    }

    /// The stored `A` with this id.
    pub async fn get<A: Provider>(&self, id: &A::Id) -> Result<Option<A>, FakerError> {
        match self.registry.handle::<A>() {
            Some(handle) => self.registry.get(handle, id).await,
            None => Ok(None),
        }
    }

    /// The repository of `A`, once `A` has been used.
    pub fn repository<A: Provider>(&self) -> Option<&dyn Repository<A>> {
        let handle = self.registry.handle::<A>()?;
        Some(self.registry.slot(handle).repository.as_ref())
    }

    /// The in-memory repository of `A`, when `A` uses the default one.
    pub fn in_memory<A: Provider>(&self) -> Option<&InMemoryRepository<A>> {
        self.repository::<A>()?
            .as_any()
            .downcast_ref::<InMemoryRepository<A>>()
    }

    /// The ids of `A` references can reuse, in creation order.
    pub fn pool<A: Provider>(&self) -> Option<&Pool<A::Id>> {
        let handle = self.registry.handle::<A>()?;
        Some(&self.registry.slot(handle).pool)
    }

    /// How many `A` this Faker created (not counting reuses or [`Faker::insert`]).
    pub fn created<A: Provider>(&self) -> u64 {
        self.registry
            .handle::<A>()
            .map_or(0, |handle| self.registry.state(handle.index()).created)
    }

    /// How many attempts to create an `A` its domain refused (each one drawn again, the last
    /// one reported when it reaches the bound of [`Faker::set_attempts`]). Refusals of a
    /// target created for a reference count for the target's type.
    pub fn refusals<A: Provider>(&self) -> u64 {
        self.registry
            .handle::<A>()
            .map_or(0, |handle| self.registry.state(handle.index()).refusals)
    }

    /// The refusals of every aggregate type used so far (see [`Faker::refusals`]), as
    /// `(Provider::NAME, refusals)` in the order the types were first used: for reports.
    pub fn refusals_by_type(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.registry
            .named_states()
            .map(|(name, state)| (name, state.refusals))
    }

    /// How many times creating an `A` returned a stored one: its id is made only of
    /// references (say, a `Route` whose id is `{origin, dest}`) and an `A` with that id was
    /// stored already. Such a creation is neither counted by [`Faker::created`] nor written
    /// to the sinks.
    pub fn reused<A: Provider>(&self) -> u64 {
        self.registry
            .handle::<A>()
            .map_or(0, |handle| self.registry.state(handle.index()).reused)
    }

    /// The distributor of `A`'s reference `field`, to inspect its configuration or plan.
    pub fn reference_distributor<A: Provider>(&self, field: &str) -> Option<&Distributor> {
        let handle = self.registry.handle::<A>()?;
        self.registry
            .state(handle.index())
            .references
            .iter()
            .find(|r| r.decl.field == field)
            .map(|r| &r.distributor)
    }

    /// How many exported states of `A` are mirrored.
    #[cfg(test)]
    pub(crate) fn mirrored<A: Provider>(&self) -> usize {
        self.registry
            .handle::<A>()
            .and_then(|handle| self.registry.view(handle.index()).mirror.as_ref())
            .map_or(0, |mirror| mirror.len())
    }
}

/// The distinct values the reference `field` of a type is planned to draw (`None` when there
/// is no such reference, or it is not planned): how many groups a reference filtered by it,
/// or following it, will see.
fn planned_values_of(references: &[super::registry::ReferenceState], field: &str) -> Option<f64> {
    references
        .iter()
        .find(|r| r.decl.field == field)?
        .distributor
        .inner()
        .planned_values()
}
