//! # faker-core
//!
//! The runtime of ddd-faker. This crate holds the parts that decide *how much* and *which*,
//! and the runtime that builds aggregates with them.
//!
//! ## Modules
//!
//! * [`distributor`] — many-to-one: reuse a value from a [`Pool`], create
//!   one, or give a null; dynamic or *planned* (exact distributions for a known draw count);
//! * [`count`] — one-to-many: how many children a parent gets;
//! * [`law`] — how draws spread over the values of a pool: uniform, [`Skew`] (power law),
//!   [`Weights`] (partitions);
//! * [`one_of`] — a weighted choice among a fixed list of values ([`OneOf`]), sampled or
//!   with exact planned counts ([`PlannedOneOf`]);
//! * [`quantiles`] — values drawn from a production histogram ([`Quantiles`]: numbers and,
//!   with the `chrono` feature, dates and timestamps);
//! * `mean` ([`Mean`]) — how often each value is reused, and `null_weight` ([`NullWeight`]) —
//!   how often a draw is null;
//! * [`estimate`] — the inverse direction: read those parameters back off data, with the same
//!   math as the SQL users run on their production database;
//! * [`rng`] — the seeded generator every draw takes explicitly;
//! * [`error`] — [`ParamError`], the typed error of every parameter constructor;
//! * [`spec`] — specifications: the query DSL over exported states (parse, evaluate, merge);
//! * [`provider`] — the `Provider` and `Component` traits, the `Faker` that generates
//!   aggregates, and the populate context `Cx`;
//! * [`repository`] — where aggregates are stored (the `Repository` trait, the in-memory one,
//!   pools and sequences shared with other generators);
//! * [`feed`] — sinks that write every stored aggregate (JSONL command log, CSV);
//! * [`command`] — repositories that hand every creation to the application as a command (in
//!   process, or over HTTP with the `http` feature).
//!
//! Randomness is always passed in (`&mut R where R: rand::Rng`), there is no global state, and
//! every parameter type validates itself in `new(..) -> Result<Self, ParamError>`.
//!
//! ## Domain refusals
//!
//! Aggregates are built by the domain's own constructor or factory, which may refuse a draw
//! (an invariant the declared distributions do not encode). The Faker then draws the aggregate
//! again, up to [`Faker::set_attempts`](provider::Faker::set_attempts) times, default
//! [`Faker::DEFAULT_ATTEMPTS`](provider::Faker::DEFAULT_ATTEMPTS) = 100: attempts are
//! independent, so a domain refusing half of the draws reaches that bound with probability
//! `2^-100`, while one refusing nearly every draw has a modelling error that is better
//! reported ([`ErrorKind::Refused`](provider::ErrorKind::Refused), with the domain's message
//! and the provider path) than spun on. Nothing of a refused attempt is stored or emitted,
//! its draws are not counted against their laws, and refusals are counted per type
//! ([`Faker::refusals`](provider::Faker::refusals)).
//!
//! ## Inside `provider`
//!
//! `provider/mod.rs` only declares and re-exports; the modules, by job:
//!
//! * `traits` — `Provider` and `Component`;
//! * `schema` — `Schema` and its declarations (references, pooled values, children);
//! * `faker` — the public `Faker`;
//! * `registry` — one entry per aggregate type: its typed slot (pool, repository, shared pool)
//!   and its state (distributors, children, counters), behind `Handle<A>` and one downcast;
//! * `view` — the type-erased half of each entry (name, reference links, mirror) that filters
//!   read by `TypeId`;
//! * `runtime` — creating one aggregate: populate (drawn again while the domain refuses it),
//!   check, store, remember, emit, children;
//! * `refusal` — the bound on attempts and the distributor counters put back after a refusal;
//! * `identity` — whether a type's id is made only of references (created once, then reused);
//! * `context` — `Cx`, split into `context::values` (leaf values) and `context::references`
//!   (reference draws, planned slots, `same(..)` partitions);
//! * `filter` — filters over mirrors, canonical equality partitions and the `$rel` resolver;
//! * `shared` — everything the Faker does for pools and sequences shared with other generators
//!   (catch-up, slot claims and binds, when a pool may still be shared);
//! * `requirement` — requirements on an aggregate being built, with their origins;
//! * `error` — `FakerError` and `ErrorKind`; `key` — `KeyError`.
//!
//! `view`, `filter`, `requirement`, `error` and `key` import nothing that imports them back
//! (and `repository::error` only `key`). One import loop remains, and it is the one a trait
//! and its implementor need: `Provider::populate` takes a `Cx` and `Provider::schema` returns
//! a `Schema`, while both are generic over `Provider` (a reference names its target type).
//! Everything a `Cx` reaches is therefore on the loop `traits → context → runtime → registry →
//! repository → traits`: the runtime populates an aggregate through a `Cx`, and a `Cx`
//! creates the targets of its references through the runtime (`context ↔ runtime`); a
//! reference or children declaration carries the function that registers its target or
//! creates its children, and the registry reads the declarations (`schema ↔ registry`,
//! `schema → runtime`); `shared` works on registry slots and is called from both sides; and
//! the repositories are generic over `Provider` while the registry stores them.

pub mod command;
pub mod count;
pub mod distributor;
pub mod error;
pub mod estimate;
pub mod feed;
pub mod law;
mod mean;
mod null_weight;
pub mod one_of;
pub mod provider;
pub mod quantiles;
pub mod repository;
pub mod rng;
pub mod spec;

pub use count::{CountDistribution, PoissonCount, RangeCount, Rescaled, SkewCount, WeightsCount};
pub use distributor::{Distributor, DistributorConfig, Draw, ManyToOne, Plannable, Pool};
pub use error::ParamError;
pub use law::{Law, Skew, Weights};
pub use mean::Mean;
pub use null_weight::NullWeight;
pub use one_of::{OneOf, PlannedOneOf};
pub use quantiles::Quantiles;
pub use rng::FakerRng;

/// The `chrono` crate (feature `chrono`), whose `NaiveDate`, `NaiveDateTime` and
/// `DateTime<Utc>` [`Quantiles`] draws.
#[cfg(feature = "chrono")]
pub use chrono;

/// Re-exported so that `dist.sample(&mut rng)` works with only this crate imported.
pub use rand_distr::Distribution;

/// The `fake` crate that `#[provider(fake = ..)]` draws with, so that a crate naming its
/// fakers (`ddd_faker::fake::faker::name::en::Name()`) needs no dependency of its own, in a
/// version that always matches the `Dummy` trait the derive calls.
pub use fake;

/// The `rand` crate [`FakerRng`] comes from: `use ddd_faker::rand::RngExt` in a
/// `with = |rng, position| ..` closure draws with the provider's seeded generator.
pub use rand;

/// Used by the code `#[derive(Provider)]` generates; not public API.
#[doc(hidden)]
pub mod __private {
    pub use fake;
    pub use serde_json;
}
