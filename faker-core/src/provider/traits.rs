//! The traits a generated type implements: [`Provider`] for an aggregate, [`Component`] for a
//! part of one with fields of its own.

use std::fmt::Debug;
use std::future::Future;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::columns::ColumnPath;
use super::context::Cx;
use super::error::FakerError;
use super::key::KeyError;
use super::schema::Schema;

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

    /// Where each column's value sits in the exported state (see [`ColumnPath`]), for a
    /// storage that maps the type to a table without a hand-written list. `#[derive(Provider)]`
    /// lists every serialized field, composite ids and references expanded to their scalars.
    /// Default: none known.
    fn columns() -> Vec<ColumnPath> {
        Vec::new()
    }

    /// The columns of an id of this type, relative to the id (what a reference to this type
    /// holds): `#[derive(Provider)]` expands a composite id to its fields. Default: the id is
    /// one scalar.
    fn id_columns() -> Vec<ColumnPath> {
        vec![ColumnPath::leaf("")]
    }

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
    label = "used with #[provider(composite)] or as the element of #[provider(collection)]",
    note = "add `#[derive(Provider)]` with `#[provider(value)]` (or `entity`) to `{Self}`, or give the field another value source"
)]
pub trait Component: Sized + Send {
    /// References, pooled values and children inside the component (paths relative to it).
    fn schema() -> Schema {
        Schema::new()
    }

    /// Its columns, relative to it (see [`Provider::columns`]). Default: none known.
    fn columns() -> Vec<ColumnPath> {
        Vec::new()
    }

    /// Populates the component's fields (relative to the current prefix) and builds it.
    fn populate(cx: &mut Cx<'_>) -> impl Future<Output = Result<Self, FakerError>> + Send;

    /// The elements of the collection `field` (a `Vec<Self>` of the struct being populated):
    /// [`Cx::collection`] for this element type, what `#[provider(collection, ..)]` generates.
    fn collection(
        cx: &mut Cx<'_>,
        field: &str,
    ) -> impl Future<Output = Result<Vec<Self>, FakerError>> + Send {
        cx.collection::<Self>(field)
    }

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
