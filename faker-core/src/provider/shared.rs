//! Sharing with other generators, on the Faker's side: shared pools and shared sequences.
//!
//! The traits and the protocol are described in [`crate::repository::shared`]; the
//! distributor's part is one switch ([`Strategy::share_slots`](crate::distributor::Strategy::share_slots):
//! every first hit of a planned slot asks for creation, with the slot on its
//! [`Ticket`]). Everything else the Faker does for sharing is here:
//!
//! * [`Registry::share_pool`] — when a pool may still be shared (before any reference to it is
//!   planned), and [`Registry::share_planned_slots`], which switches the planned references to
//!   a shared pool to shared slots;
//! * [`Registry::catch_up`] — before a draw on a shared pool, take in what others added;
//! * [`SharedSlot`] — a planned slot hit for the first time: claim it in the shared store, use
//!   the value another generator bound, or create one and bind it;
//! * [`Sequences`] — sequence numbers reserved in blocks from shared sequences.

use std::any::TypeId;

use rustc_hash::FxHashMap as HashMap;

use super::error::{ErrorKind, FakerError};
use super::registry::{Handle, Registry};
use super::traits::Provider;
use super::view::TypeIndex;
use crate::distributor::{Plannable, Ticket};
use crate::repository::{SharedPool, SharedSequences, SlotClaim};

impl Registry {
    /// Shares the pool of `A` through `shared` — refused once a reference to `A` is planned,
    /// since its plan would not use the shared slots.
    pub(crate) fn share_pool<A: Provider>(
        &mut self,
        shared: Box<dyn SharedPool<A>>,
    ) -> Result<(), FakerError> {
        let planned = self.states().any(|t| {
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
        self.set_share(shared);
        Ok(())
    }

    /// After the references of the type at `at` are planned: those to a shared pool bind their
    /// slots in the shared store.
    pub(crate) fn share_planned_slots(&mut self, at: TypeIndex) {
        let shared: Vec<bool> = self
            .state(at)
            .references
            .iter()
            .map(|r| {
                self.views()
                    .of(r.decl.target_type)
                    .is_some_and(|view| view.shared)
            })
            .collect();
        for (r, shared) in self.state_mut(at).references.iter_mut().zip(shared) {
            if shared {
                r.distributor.inner_mut().share_slots();
            }
        }
    }

    /// Before a draw on `A`'s pool: takes in what other generators added, when the pool is
    /// shared. Returns whether it is; `path` (made only then) names the draw in errors.
    pub(crate) async fn catch_up<A: Provider>(
        &mut self,
        handle: Handle<A>,
        path: impl FnOnce() -> String,
    ) -> Result<bool, FakerError> {
        let Some(shared) = &mut self.slot_mut(handle).share else {
            return Ok(false);
        };
        let path = path();
        let added = shared
            .catch_up()
            .await
            .map_err(|e| FakerError::new(path.clone(), e.into()))?;
        for aggregate in &added {
            self.remember(handle, aggregate, &path)?;
        }
        Ok(true)
    }
}

/// A planned slot of a shared pool, hit for the first time by this generator: another one may
/// hold its value.
pub(crate) struct SharedSlot {
    /// The key of the plan's slots in the shared store: the referencing type, the field and
    /// the number of slots, so that only generators with the same plan share them.
    plan: String,
    slot: u32,
}

impl SharedSlot {
    /// The shared slot of a creating draw of reference `index` of the type at `own`, when the
    /// draw landed on a planned slot and the target's pool is `shared`.
    pub(crate) fn of(
        ticket: Ticket,
        shared: bool,
        registry: &Registry,
        own: TypeIndex,
        index: usize,
        field: &str,
    ) -> Option<SharedSlot> {
        let slot = ticket.slot().filter(|_| shared)?;
        let slots = registry.state(own).references[index]
            .distributor
            .inner()
            .planned_slots()
            .unwrap_or(0);
        Some(SharedSlot {
            plan: format!("{}.{field}/{slots}", registry.view(own).name),
            slot,
        })
    }

    /// Claims the slot (see [`SharedPool::claim`]): the id another generator bound to it (taken
    /// in like a restored aggregate), or `None` when this generator is to create it.
    pub(crate) async fn claim<T: Provider>(
        &self,
        registry: &mut Registry,
        handle: Handle<T>,
        path: &str,
    ) -> Result<Option<T::Id>, FakerError> {
        let Some(shared) = &mut registry.slot_mut(handle).share else {
            return Ok(None);
        };
        match shared
            .claim(&self.plan, self.slot)
            .await
            .map_err(|e| FakerError::new(path, e.into()))?
        {
            SlotClaim::Create => Ok(None),
            SlotClaim::Bound(aggregate) => {
                registry.remember(handle, &aggregate, path)?;
                Ok(Some(aggregate.id()))
            }
        }
    }

    /// Binds the slot, claimed by this generator, to the aggregate it created.
    pub(crate) async fn bind<T: Provider>(
        &self,
        registry: &mut Registry,
        handle: Handle<T>,
        id: &T::Id,
        path: &str,
    ) -> Result<(), FakerError> {
        if let Some(shared) = &mut registry.slot_mut(handle).share {
            shared
                .bind(&self.plan, self.slot, id)
                .await
                .map_err(|e| FakerError::new(path, e.into()))?;
        }
        Ok(())
    }
}

/// Where sequence numbers come from when they are shared
/// ([`Faker::share_sequences`](super::Faker::share_sequences)), with this generator's reserved
/// blocks `(next, end)` per sequence key.
#[derive(Default)]
pub(crate) struct Sequences {
    shared: Option<(Box<dyn SharedSequences>, Blocks)>,
}

/// Reserved blocks of shared sequences: `(next, end)` per sequence key.
type Blocks = HashMap<String, (u64, u64)>;

impl Sequences {
    pub(crate) fn share(&mut self, sequences: Box<dyn SharedSequences>) {
        self.shared = Some((sequences, HashMap::default()));
    }

    pub(crate) fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The next number of the shared sequence `key`, reserving a block when needed; `None`
    /// when sequences are not shared (they count locally).
    pub(crate) async fn next(&mut self, key: &str, path: &str) -> Result<Option<u64>, FakerError> {
        let Some((source, blocks)) = &mut self.shared else {
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
}
