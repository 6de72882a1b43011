//! # ddd-faker
//!
//! Fake data for DDD applications whose *distributions* match production and whose aggregates
//! are valid because the application's own domain code builds them.
//!
//! This facade re-exports [`faker_core`] (distributors, estimators, seeded randomness) and, with
//! the `pg` feature, `faker_pg` as `ddd_faker::pg` (PostgreSQL). Add this one package:
//!
//! ```toml
//! [dependencies]
//! ddd-faker = { version = "0.1", features = ["pg"] }
//! ```
//!
//! Modules of this package: everything of [`faker_core`] at the root (`distributor`, `count`,
//! `law`, `one_of`, `quantiles`, `estimate`, `provider`, `repository`, `spec`, `feed`,
//! `command`, `rng`, `error`; with the `chrono` feature also `chrono`, whose dates and timestamps
//! `#[provider(quantiles = [..])]` draws),
//! [`derive_provider`] (a worked example of the derive), and `pg` (feature `pg`).

pub use faker_core::*;

/// `#[derive(Provider)]`: its attributes are listed on [the derive](macro@Provider), and
/// [`derive_provider`] works through an example. Like `serde::Serialize`,
/// `ddd_faker::Provider` names both the derive and the trait ([`provider::Provider`]), so one
/// `use` brings both.
pub use faker_core::provider::Provider;
pub use faker_derive::Provider;

pub mod derive_provider;

#[cfg(feature = "pg")]
pub use faker_pg as pg;

// Compile and run the README's Rust snippets as doctests, so the README stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
