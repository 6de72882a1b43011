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
//! Fixtures that one test binary alone uses stay in that binary (e.g. faker-core's command
//! aggregates, faker-pg's bulk `Parent`/`Child` with their CSV edge cases).

#[path = "../../examples/bookstore/domain.rs"]
pub mod bookstore;
pub mod by_hand;
