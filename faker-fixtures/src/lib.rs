//! Providers shared by the workspace's tests, benches and examples, so that each fixture is
//! written once (dev-only: `publish = false`, used as a dev-dependency).
//!
//! Modules:
//!
//! - [`bookstore`]: the seed's multi-tenant bookstore with `#[derive(Provider)]`. Its source is
//!   the bookstore example's own domain (`examples/bookstore/domain.rs`), included here so that
//!   the example stays self-contained for its readers and the tests use exactly what it runs.
//! - [`by_hand`]: the same bookstore with providers written by hand, the reference the derive
//!   must agree with (the root's `tests/bookstore.rs` checks both give the same dataset).
//!
//! - [`airline`]: flights of airlines between airports, the worked example of relations between
//!   references (differ, joint law, ownership, a nullable composite reference, refusals); its
//!   source is `examples/airline/domain.rs`.
//!
//! - [`integer_auto_key!`]: the `Provider` items every hand-written aggregate with an `id: i64`
//!   assigned by its repository repeats (`auto_key`, `id`, `assign_key`).
//!
//! Fixtures that one test binary alone uses stay in that binary (e.g. faker-core's command
//! aggregates, faker-pg's bulk `Parent`/`Child` with their CSV edge cases); they take their key
//! handling from [`integer_auto_key!`].

#[path = "../../examples/airline/domain.rs"]
pub mod airline;
#[path = "../../examples/bookstore/domain.rs"]
pub mod bookstore;
pub mod by_hand;

/// Inside `impl Provider for T` (with `type Id = i64`): the key is the field `id: i64`, which the
/// repository assigns on insert (`auto_key() = "id"`, `id()`, `assign_key`).
#[macro_export]
macro_rules! integer_auto_key {
    () => {
        fn auto_key() -> ::core::option::Option<::std::string::String> {
            ::core::option::Option::Some("id".into())
        }
        fn id(&self) -> i64 {
            self.id
        }
        fn assign_key(
            &mut self,
            key: $crate::__private::JsonValue,
        ) -> ::core::result::Result<(), $crate::__private::KeyError> {
            self.id = $crate::__private::KeyError::decode("id", key)?;
            ::core::result::Result::Ok(())
        }
    };
}

#[doc(hidden)]
pub mod __private {
    pub use ddd_faker::provider::{JsonValue, KeyError};
}
