//! # faker-core
//!
//! The runtime of ddd-faker. This crate holds the parts that decide *how much* and *which*:
//!
//! * [`law`] — how draws spread over the values of a pool: uniform, [`Skew`] (power law),
//!   [`Weights`] (partitions);
//! * [`Mean`] — how often each value is reused, and [`NullWeight`] — how often a draw is null;
//! * [`estimate`] — the inverse direction: read those parameters back off data, with the same
//!   math as the SQL users run on their production database;
//! * [`rng`] — the seeded generator every draw takes explicitly.
//!
//! Randomness is always passed in (`&mut R where R: rand::Rng`), there is no global state, and
//! every parameter type validates itself in `new(..) -> Result<Self, ParamError>`.

pub mod count;
pub mod error;
pub mod estimate;
pub mod law;
mod mean;
mod null_weight;
pub mod rng;

pub use error::ParamError;
pub use law::{Law, Skew, Weights};
pub use mean::Mean;
pub use null_weight::NullWeight;
pub use rng::FakerRng;
