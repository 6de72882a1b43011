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

mod choice;
mod columns;
mod context;
mod error;
mod faker;
mod filter;
mod identity;
pub(crate) mod key;
mod pipeline;
mod plan_warning;
mod refusal;
mod registry;
mod relation;
mod requirement;
mod runtime;
mod schema;
mod shared;
#[cfg(test)]
mod tests;
pub(crate) mod traits;
mod view;

pub use columns::ColumnPath;
pub use context::Cx;
pub use error::{ErrorKind, FakerError};
pub use faker::Faker;
pub use key::KeyError;
pub use plan_warning::PlanWarning;
pub use relation::RelationError;
pub use schema::{
    ChildrenDecl, CountConfig, JointDecl, OneOfDecl, ReferenceDecl, Same, Schema, ValueDecl,
    ValueFollows,
};
pub use traits::{Component, Provider};

/// JSON values as the runtime exchanges them (exported states, assigned keys).
pub use serde_json::Value as JsonValue;
