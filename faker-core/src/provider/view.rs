//! The type-erased view of the registered aggregate types: what filters and the `$rel`
//! resolver read without knowing a static type — each type's name, its reference links and
//! the mirror of its exported states.
//!
//! It is one half of the [`Registry`](super::registry::Registry) (the other half holds what
//! draws mutate), kept separate so that a filter can read every type's view while a draw
//! mutates one type's distributor and another type's pool. It depends on nothing else in the
//! crate's provider runtime.

use std::any::TypeId;

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use serde_json::Value;

/// Exported states by canonical id JSON (see [`canonical`]): what filters match.
///
/// A state is kept as its compact JSON text and parsed when a filter reads it. As a
/// `serde_json::Value` an aggregate costs a map allocation per nested object (about 600 bytes
/// for the bookstore's author, 40 % of the peak memory at 10^7 books); as text, its length.
/// Filters read a state once per sub-pool that indexes it (partitions and sub-pools catch up
/// incrementally), so the parse is paid a few times per aggregate, not per draw.
#[derive(Default)]
pub(crate) struct Mirror {
    states: HashMap<Box<str>, Box<str>>,
}

impl Mirror {
    /// Keeps `state` (serialised now) as the state of the aggregate whose canonical id is
    /// `key`, replacing an earlier one.
    pub(crate) fn insert<S: Serialize + ?Sized>(
        &mut self,
        key: String,
        state: &S,
    ) -> Result<(), serde_json::Error> {
        let text = serde_json::to_string(state)?;
        self.states
            .insert(key.into_boxed_str(), text.into_boxed_str());
        Ok(())
    }

    /// The state of the aggregate whose canonical id is `key`.
    pub(crate) fn get(&self, key: &str) -> Option<Value> {
        // The text was written by `serde_json` from a value, so it reads back.
        serde_json::from_str(self.states.get(key)?).ok()
    }

    /// How many states are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.states.len()
    }
}

/// The position of a registered type in the registry (index into [`Views`] and into the
/// registry's entries, which grow together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TypeIndex(usize);

impl TypeIndex {
    pub(crate) fn get(self) -> usize {
        self.0
    }

    /// The first registered type's index, for tests of what only carries indexes.
    #[cfg(test)]
    pub(crate) fn first() -> TypeIndex {
        TypeIndex(0)
    }
}

/// What is known about one registered type without its static type.
pub(crate) struct TypeView {
    /// `Provider::NAME`.
    pub(crate) name: &'static str,
    /// Reference fields and the type each one refers to, for resolving `$rel`.
    pub(crate) links: Vec<(String, TypeId)>,
    /// Exported states, kept only for types that are referenced or matched (`None`
    /// otherwise), so unreferenced aggregates (say, millions of books) cost no state memory.
    pub(crate) mirror: Option<Mirror>,
    /// Whether the type's pool is shared with other generators.
    pub(crate) shared: bool,
}

/// The views of every registered type, and the index from `TypeId` to their position.
#[derive(Default)]
pub(crate) struct Views {
    index: HashMap<TypeId, TypeIndex>,
    views: Vec<TypeView>,
}

impl Views {
    /// The position of `ty`, when it is registered.
    pub(crate) fn index_of(&self, ty: TypeId) -> Option<TypeIndex> {
        self.index.get(&ty).copied()
    }

    /// Appends the view of a newly registered type and returns its position.
    pub(crate) fn push(&mut self, ty: TypeId, view: TypeView) -> TypeIndex {
        let at = TypeIndex(self.views.len());
        self.views.push(view);
        self.index.insert(ty, at);
        at
    }

    /// The view at `at` (positions are only made by [`Views::push`], so it exists).
    pub(crate) fn at(&self, at: TypeIndex) -> &TypeView {
        &self.views[at.0]
    }

    pub(crate) fn at_mut(&mut self, at: TypeIndex) -> &mut TypeView {
        &mut self.views[at.0]
    }

    /// Every view, in registration order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &TypeView> {
        self.views.iter()
    }

    /// The view of `ty`, when it is registered.
    pub(crate) fn of(&self, ty: TypeId) -> Option<&TypeView> {
        self.index_of(ty).map(|at| self.at(at))
    }
}

/// The canonical JSON text of an id (object keys sorted), the key of the mirror.
pub(crate) fn canonical<I: Serialize>(id: &I) -> Result<String, serde_json::Error> {
    Ok(serde_json::to_value(id)?.to_string())
}
