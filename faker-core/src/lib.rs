//! # faker-core
//!
//! The runtime of ddd-faker. This crate holds the parts that decide *how much* and *which*:
//!
//! * [`distributor`] — many-to-one: reuse a value from a [`Pool`], create
//!   one, or give a null; dynamic or *planned* (exact distributions for a known draw count);
//! * [`count`] — one-to-many: how many children a parent gets;
//! * [`law`] — how draws spread over the values of a pool: uniform, [`Skew`] (power law),
//!   [`Weights`] (partitions);
//! * [`Mean`] — how often each value is reused, and [`NullWeight`] — how often a draw is null;
//! * [`estimate`] — the inverse direction: read those parameters back off data, with the same
//!   math as the SQL users run on their production database;
//! * [`rng`] — the seeded generator every draw takes explicitly.
//!
//! Randomness is always passed in (`&mut R where R: rand::Rng`), there is no global state, and
//! every parameter type validates itself in `new(..) -> Result<Self, ParamError>`.

pub mod command;
pub mod count;
pub mod distributor;
pub mod error;
pub mod estimate;
pub mod feed;
pub mod law;
mod mean;
mod null_weight;
pub mod provider;
pub mod repository;
pub mod rng;
pub mod spec;

pub use count::{CountDistribution, PoissonCount, RangeCount, Rescaled, SkewCount, WeightsCount};
pub use distributor::{Distributor, DistributorConfig, Draw, ManyToOne, Plannable, Pool};
pub use error::ParamError;
pub use law::{Law, Skew, Weights};
pub use mean::Mean;
pub use null_weight::NullWeight;
pub use rng::FakerRng;

/// Re-exported so that `dist.sample(&mut rng)` works with only this crate imported.
pub use rand_distr::Distribution;

/// Used by the code `#[derive(Provider)]` generates; not public API.
#[doc(hidden)]
pub mod __private {
    pub use fake;
    pub use serde_json;
}
