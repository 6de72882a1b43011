//! Providers: build whole aggregates through the domain's own code.
//!
//! An aggregate type implements [`Provider`]: a [`Schema`] declaring its references (with
//! their distributors and constraints), pooled values and child aggregates, and an async
//! [`Provider::populate`] that asks a [`Cx`] for each field and then calls the **domain's own
//! constructor or factory**, so the aggregate keeps its invariants. `#[derive(Provider)]`
//! writes both from attributes; they can also be written by hand.
//!
//! A [`Faker`] (seeded, in memory by default) runs the lifecycle for each aggregate:
//!
//! 1. **populate** — every field: leaf values from generators, `fake` or sequences; references
//!    reuse an existing target (no insert) or create one that satisfies the reference's
//!    requirements; composite ids are just several fields under one path (`id.tenant_id`,
//!    `id.book_id`);
//! 2. **create** — the domain constructor builds the aggregate, its repository inserts it and
//!    writes back any key it assigned (auto-increment), the id enters the type's pool so later
//!    references can reuse it;
//! 3. **children** — child aggregates get the new id.
//!
//! Each `create` call starts from a clean context: nothing carries over from one aggregate to
//! the next except the pools, sequences and distributor state that are meant to.

mod context;
mod error;
mod faker;
mod filter;
pub(crate) mod key;
mod registry;
mod requirement;
mod runtime;
mod schema;
mod shared;
mod view;

pub use context::Cx;
pub use error::{ErrorKind, FakerError};
pub use faker::Faker;
pub use key::KeyError;
pub use schema::{ChildrenDecl, CountConfig, ReferenceDecl, Same, Schema, ValueDecl};

/// JSON values as the runtime exchanges them (exported states, assigned keys).
pub use serde_json::Value as JsonValue;

use std::fmt::Debug;
use std::future::Future;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An aggregate (or any root entity) that ddd-faker can generate.
///
/// The exported state is what `serde` writes: specifications match it, feeds record it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a provider: ddd-faker cannot generate it",
    label = "this type has no `Provider` implementation",
    note = "add `#[derive(Provider)]` to `{Self}` (or implement `ddd_faker::provider::Provider` by hand); a reference must name an aggregate type, not its id type"
)]
pub trait Provider: Serialize + Clone + Send + Sync + Sized + 'static {
    /// The identity, e.g. `TenantId` or a composite `BookId { tenant_id, book_id }`.
    type Id: Clone + Eq + Hash + Debug + Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Name used in provider paths and messages, e.g. `Book`.
    const NAME: &'static str;

    /// The field of the exported state that holds the id.
    const ID_FIELD: &'static str = "id";

    /// The repository's table (or collection) name, when it is not derived from [`Self::NAME`].
    const TABLE: Option<&'static str> = None;

    /// Dotted path, in the exported state, of a key the repository assigns on insert
    /// (auto-increment), e.g. `id.book_id`; `None` when ids are fully generated.
    fn auto_key() -> Option<String> {
        None
    }

    /// The aggregate's identity.
    fn id(&self) -> Self::Id;

    /// References, pooled values and children of this type. Default: none.
    fn schema() -> Schema {
        Schema::new()
    }

    /// Builds one aggregate: ask `cx` for every field, then call the domain constructor.
    fn populate(cx: &mut Cx<'_>) -> impl Future<Output = Result<Self, FakerError>> + Send;

    /// Writes a key assigned by the repository into the aggregate (see [`Self::auto_key`]).
    /// The default refuses: override it when `AUTO_KEY` is set.
    fn assign_key(&mut self, key: Value) -> Result<(), KeyError> {
        let _ = key;
        Err(KeyError::NoAutoKey {
            owner: Self::NAME.to_string(),
        })
    }
}

/// A part of an aggregate with fields of its own: a composite value object (a composite id
/// such as `BookId { tenant_id, book_id }`) or an entity. Its fields are asked for relative to
/// where it sits ([`Cx::enter`]), and its schema's paths are relative too
/// ([`Schema::nested`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a component: ddd-faker cannot populate its fields",
    label = "used with #[provider(composite)]",
    note = "add `#[derive(Provider)]` with `#[provider(value)]` (or `entity`) to `{Self}`, or give the field another value source"
)]
pub trait Component: Sized + Send {
    /// References, pooled values and children inside the component (paths relative to it).
    fn schema() -> Schema {
        Schema::new()
    }

    /// Populates the component's fields (relative to the current prefix) and builds it.
    fn populate(cx: &mut Cx<'_>) -> impl Future<Output = Result<Self, FakerError>> + Send;

    /// Path, relative to the component, of a repository-assigned key inside it.
    fn auto_key() -> Option<String> {
        None
    }

    /// Writes a repository-assigned key into the component.
    fn assign_key(&mut self, key: Value) -> Result<(), KeyError> {
        let _ = key;
        Err(KeyError::NoAutoKey {
            owner: std::any::type_name::<Self>().to_string(),
        })
    }
}
