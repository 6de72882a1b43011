//! The runtime state of a weighted value list ([`Schema::one_of`](super::Schema::one_of)): its
//! law, its plan once the number of aggregates is known, and the planned draws an attempt the
//! domain may still refuse has spent (see [`super::refusal`]).

use rand::Rng;
use rand_distr::Distribution;

use crate::distributor::Journal;
use crate::error::ParamError;
use crate::one_of::{OneOf, PlannedOneOf};

use super::schema::OneOfDecl;

pub(crate) struct ChoiceState {
    /// Dotted path of the field (a component's own value: the path of the field holding it).
    pub(crate) field: String,
    /// Expected draws per aggregate: the share of the type's aggregates that draw it (below 1
    /// inside an enum variant) times the mean counts of the collections it sits in.
    pub(crate) per_aggregate: f64,
    law: OneOf,
    plan: Option<PlannedOneOf>,
    /// Planned draws spent in index order (an ordered histogram's buckets).
    ordered: bool,
    /// For a list that follows a planned reference: each value's share of the aggregates not
    /// yet given to an owner (see [`ChoiceState::draw_for_owner`]).
    deficits: Option<Vec<f64>>,
    /// Planned draws to give back if their aggregate is refused.
    journal: Journal<u32>,
}

impl ChoiceState {
    /// Validates the declaration (weights, one per value), drawn `per_aggregate` times per
    /// aggregate on average.
    pub(crate) fn new(decl: OneOfDecl, per_aggregate: f64) -> Result<ChoiceState, ParamError> {
        let law = OneOf::for_values(decl.values, decl.weights.as_deref())?;
        let mut state = ChoiceState::with_law(decl.field, law, per_aggregate);
        state.ordered = decl.ordered;
        Ok(state)
    }

    /// A choice among the indices of `law` (a collection's sizes, see
    /// `registry::CollectionState`), drawn `per_aggregate` times per aggregate on average.
    pub(crate) fn with_law(field: String, law: OneOf, per_aggregate: f64) -> ChoiceState {
        ChoiceState {
            law,
            field,
            per_aggregate,
            plan: None,
            ordered: false,
            deficits: None,
            journal: Journal::default(),
        }
    }

    /// The number of values.
    pub(crate) fn len(&self) -> usize {
        self.law.len()
    }

    /// The law.
    pub(crate) fn law(&self) -> &OneOf {
        &self.law
    }

    /// Plans exact counts for `draws` upcoming draws (replacing an earlier plan).
    pub(crate) fn plan(&mut self, draws: u64) {
        let plan = self.law.plan(draws);
        self.plan = Some(if self.ordered { plan.in_order() } else { plan });
    }

    /// Plans the list as the value of an owner (it follows a planned reference): `draws` is
    /// the number of owners, and [`ChoiceState::draw_for_owner`] fits the values to the
    /// owners' sizes.
    pub(crate) fn plan_for_owners(&mut self, draws: u64) {
        self.plan(draws);
        self.deficits = Some(self.law.weights().to_vec());
    }

    /// Whether [`ChoiceState::draw_for_owner`] reads an owner's share (a list planned for
    /// owners): the caller looks the share up only then.
    pub(crate) fn fits_owners(&self) -> bool {
        self.deficits.is_some()
    }

    /// The value for a new owner that receives `share` of the aggregates (its planned
    /// share): the value with the largest share of aggregates still to give among those
    /// the owner fits in, else the one with the largest share left.
    ///
    /// Why: the list's weights are shares of the *aggregates* (3.5 of 58 tracks cost 1.99),
    /// while the draw is once per owner (a genre's tracks all cost the same). Drawing per
    /// owner with those weights gives a value to owners at random, and a large owner drawing a
    /// rare value takes far more than its share (the Chinook sample's price of 1.99 on 6% of
    /// the tracks became 1.6% to 11% by seed). Fitting each owner to the value it fits in
    /// keeps the aggregates' shares, and as in production gives rare values to small owners.
    /// Without a known share (a dynamic draw), the plan decides as for any list.
    pub(crate) fn draw_for_owner<R: Rng + ?Sized>(
        &mut self,
        share: Option<f64>,
        rng: &mut R,
    ) -> usize {
        let (Some(deficits), Some(share)) = (&mut self.deficits, share) else {
            return self.draw(rng);
        };
        let largest = |fits: &dyn Fn(f64) -> bool| {
            deficits
                .iter()
                .enumerate()
                .filter(|(_, d)| fits(**d))
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i)
        };
        let index = largest(&|d| d >= share)
            .or_else(|| largest(&|_| true))
            .unwrap_or(0);
        deficits[index] -= share;
        index
    }

    /// An index: the plan's next one while it lasts, then sampled.
    pub(crate) fn draw<R: Rng + ?Sized>(&mut self, rng: &mut R) -> usize {
        if let Some(plan) = &mut self.plan
            && let Some(index) = plan.draw(rng)
        {
            self.journal.record(index as u32);
            return index;
        }
        self.law.sample(rng)
    }

    pub(crate) fn checkpoint(&mut self) -> usize {
        self.journal.open()
    }

    /// Gives back the planned draws made since `mark`.
    pub(crate) fn restore(&mut self, mark: usize) {
        let taken: Vec<u32> = self.journal.take_back(mark).collect();
        if let Some(plan) = &mut self.plan {
            for index in taken {
                plan.put_back(index as usize);
            }
        }
    }

    /// Keeps the planned draws made since `mark`.
    pub(crate) fn commit(&mut self, mark: usize) {
        self.journal.commit(mark);
    }
}
