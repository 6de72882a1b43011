//! Domain refusals: when the domain's constructor or factory refuses an aggregate (its
//! `populate` returns the error of [`Cx::domain_error`](super::Cx::domain_error)), the runtime
//! draws the aggregate again, up to a bound.
//!
//! The bound ([`Faker::DEFAULT_ATTEMPTS`](super::Faker::DEFAULT_ATTEMPTS) = 100, set per Faker
//! with [`Faker::set_attempts`](super::Faker::set_attempts)) separates a domain that refuses
//! *some* draws from a model that cannot work. Attempts are independent draws, so a domain
//! that refuses a fraction `r` of them fails after the bound with probability `r^100`: for
//! `r = 0.5` that is `2^-100`, never in practice, and even `r = 0.9` fails once in 38 000
//! aggregates. A domain that refuses nearly every draw (a `same(..)` missing, a value source
//! that cannot meet an invariant) is a modelling error, better reported with its invariant
//! ([`ErrorKind::Refused`]) than spun on: 100 attempts cost a
//! hundred populates, not a stalled run.
//!
//! Before each attempt the draw counters of the aggregate type's own reference and
//! pooled-value distributors are saved ([`Counters`]); after a refusal they are put back, so
//! the draws made for a refused aggregate are not counted against their law, while the values
//! they created (which exist, and are reused) are (see
//! [`Strategy::restore`](crate::distributor::Strategy::restore)). Only the budget rule of
//! filtered draws counts draws; a plan (over the whole pool, a `same(..)` sub-pool, or a joint
//! law's combinations) only binds slots, and a slot bound during a refused attempt keeps its
//! value, which exists.

use super::error::{ErrorKind, FakerError};
use super::registry::TypeState;
use crate::distributor::Checkpoint;

/// The distributors' draw counters of one aggregate type, saved before an attempt. Kept in the
/// type's state between attempts (and taken out during one), so saving allocates nothing once
/// the vectors have grown.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    references: Vec<Checkpoint>,
    values: Vec<Checkpoint>,
}

impl Counters {
    /// Saves the draw counters of `state`'s reference and pooled-value distributors.
    pub(crate) fn save(&mut self, state: &TypeState) {
        self.references.clear();
        self.references
            .extend(state.references.iter().map(|r| r.distributor.checkpoint()));
        self.values.clear();
        self.values
            .extend(state.values.iter().map(|v| v.distributor.checkpoint()));
    }

    /// Puts the saved counters back into `state`'s distributors.
    pub(crate) fn restore(&self, state: &mut TypeState) {
        for (r, saved) in state.references.iter_mut().zip(&self.references) {
            r.distributor.restore(*saved);
        }
        for (v, saved) in state.values.iter_mut().zip(&self.values) {
            v.distributor.restore(*saved);
        }
    }
}

/// The invariant the domain named, when `error` is a refusal of the aggregate populated at
/// `path` itself (made by its `Cx::domain_error`). An error from a nested target's creation
/// is not: that target was redrawn at its own level, and what reaches here is its final
/// [`ErrorKind::Refused`] (or another failure), which ends this aggregate too.
pub(crate) fn refusal<'e>(error: &'e FakerError, path: &str) -> Option<&'e str> {
    match &error.kind {
        ErrorKind::Domain(invariant) if error.path == path => Some(invariant),
        _ => None,
    }
}
