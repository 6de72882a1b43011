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
//! Before each attempt a checkpoint is opened on every distributor of the aggregate type (its
//! references, joint laws and pooled values, see [`Counters`]); a refusal gives back what the
//! attempt's draws spent of their plans — a slot's planned use, a planned null, a draw the
//! budget rule counted — so that the draws of a refused aggregate are not counted against
//! their law: a later draw spends them. What the draws created or bound stays (see
//! [`Strategy::restore`](crate::distributor::Strategy::restore)): a target created for a
//! refused aggregate is stored, and the slot that made it keeps it. An accepted attempt keeps
//! its draws, also when an enclosing attempt of the same type (a self-reference) is refused
//! later.

use super::choice::ChoiceState;
use super::error::{ErrorKind, FakerError};
use super::registry::TypeState;
use crate::distributor::Checkpoint;

/// The checkpoints of one aggregate type's distributors during an attempt. Kept in the
/// type's state between attempts (and taken out during one), so opening them allocates
/// nothing once the vectors have grown.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    references: Vec<Checkpoint>,
    joints: Vec<Checkpoint>,
    values: Vec<Checkpoint>,
    one_ofs: Vec<usize>,
    /// The planned sizes of the collections (only those with a plan, in order).
    sizes: Vec<usize>,
}

impl Counters {
    /// Opens a checkpoint on each of `state`'s distributors.
    pub(crate) fn open(&mut self, state: &mut TypeState) {
        self.references.clear();
        self.references.extend(
            state
                .references
                .iter_mut()
                .map(|r| r.distributor.checkpoint()),
        );
        self.joints.clear();
        self.joints
            .extend(state.joints.iter_mut().map(|j| j.law.checkpoint()));
        self.values.clear();
        self.values
            .extend(state.values.iter_mut().map(|v| v.distributor.checkpoint()));
        self.one_ofs.clear();
        self.one_ofs
            .extend(state.one_ofs.iter_mut().map(|o| o.checkpoint()));
        self.sizes.clear();
        self.sizes
            .extend(planned_sizes(state).map(|sizes| sizes.checkpoint()));
    }

    /// Closes the checkpoints, giving back what the attempt's draws spent.
    pub(crate) fn take_back(&self, state: &mut TypeState) {
        for (r, &c) in state.references.iter_mut().zip(&self.references) {
            r.distributor.restore(c);
        }
        for (j, &c) in state.joints.iter_mut().zip(&self.joints) {
            j.law.restore(c);
        }
        for (v, &c) in state.values.iter_mut().zip(&self.values) {
            v.distributor.restore(c);
        }
        for (o, &c) in state.one_ofs.iter_mut().zip(&self.one_ofs) {
            o.restore(c);
        }
        for (sizes, &c) in planned_sizes(state).zip(&self.sizes) {
            sizes.restore(c);
        }
    }

    /// Closes the checkpoints, keeping the attempt's draws.
    pub(crate) fn keep(&self, state: &mut TypeState) {
        for (r, &c) in state.references.iter_mut().zip(&self.references) {
            r.distributor.commit(c);
        }
        for (j, &c) in state.joints.iter_mut().zip(&self.joints) {
            j.law.commit(c);
        }
        for (v, &c) in state.values.iter_mut().zip(&self.values) {
            v.distributor.commit(c);
        }
        for (o, &c) in state.one_ofs.iter_mut().zip(&self.one_ofs) {
            o.commit(c);
        }
        for (sizes, &c) in planned_sizes(state).zip(&self.sizes) {
            sizes.commit(c);
        }
    }
}

/// The choices among the sizes of `state`'s collections that have them (a weighted range).
fn planned_sizes(state: &mut TypeState) -> impl Iterator<Item = &mut ChoiceState> {
    state
        .collections
        .iter_mut()
        .filter_map(|c| c.sizes.as_mut().map(|(_, sizes)| sizes))
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
