//! The `null_weight` wrapper.

use std::hash::Hash;

use rand::{Rng, RngExt};

use super::draw::{Draw, Ticket};
use super::journal::Journal;
use super::pool::{Filter, Pool};
use super::strategy::{Checkpoint, Strategy};
use super::{ManyToOne, Plannable};
use crate::NullWeight;
use crate::error::ParamError;

/// Wraps a distributor so that a draw is [`Draw::Null`] with probability `null_weight`, before
/// the inner distributor is consulted; the other draws are the inner distributor's.
///
/// Planning passes the number of non-null draws, `round(draws * (1 - null_weight))`, to the
/// inner distributor, so `mean` stays the number of uses per value among non-null draws (which
/// is what the `mean` SQL measures: it filters `IS NOT NULL`), and spends exactly the other
/// draws as nulls, in random order (the null share is exact, not only in expectation).
#[derive(Debug, Clone)]
pub struct Nullable<D> {
    inner: D,
    null_weight: NullWeight,
    /// Planned mode: the nulls and the draws left of the plan, so that the null share is
    /// exact (`round(N · null_weight)` nulls in `N` draws, in random order).
    planned: Option<(u64, u64)>,
    /// Planned draws to give back if their aggregate is refused: whether each was a null
    /// (see [`Nullable::checkpoint`]).
    journal: Journal<bool>,
}

impl<D> Nullable<D> {
    /// Wraps `inner`.
    pub fn new(inner: D, null_weight: NullWeight) -> Self {
        Nullable {
            inner,
            null_weight,
            planned: None,
            journal: Journal::default(),
        }
    }

    /// The probability of a null.
    pub fn null_weight(&self) -> NullWeight {
        self.null_weight
    }

    /// The wrapped distributor.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// The wrapped distributor, mutably (e.g. to tune a planned strategy).
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    /// Counts a null that the caller decided without a draw (a requirement pinned the
    /// reference to null) against the plan, so that the planned share stays exact: without
    /// it, the plan would still hand out every planned null and the column would end with one
    /// null too many per pinned one. Outside a plan, or once the planned nulls are spent, it
    /// does nothing (the pinned null is then simply extra).
    pub fn spend_null(&mut self) {
        if let Some((nulls, draws)) = &mut self.planned
            && *nulls > 0
            && *draws > 0
        {
            *nulls -= 1;
            *draws -= 1;
            self.journal.record(true);
        }
    }

    #[inline]
    fn is_null<R: Rng + ?Sized>(&mut self, rng: &mut R) -> bool {
        if let Some((nulls, draws)) = &mut self.planned
            && *draws > 0
        {
            let null = *nulls > 0 && rng.random_range(0..*draws) < *nulls;
            *draws -= 1;
            if null {
                *nulls -= 1;
            }
            self.journal.record(null);
            return null;
        }
        !self.null_weight.is_never() && rng.random::<f64>() < self.null_weight.get()
    }
}

impl Nullable<super::Strategy> {
    /// [`Strategy::draw_avoiding`](super::Strategy::draw_avoiding), or a null.
    pub fn draw_avoiding<V: Hash + Eq, R: Rng + ?Sized>(
        &mut self,
        pool: &Pool<V>,
        avoid: super::Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize> {
        if self.is_null(rng) {
            Draw::Null
        } else {
            self.inner.draw_avoiding(pool, avoid, rng)
        }
    }

    /// [`Strategy::draw_matching_planned`](super::Strategy::draw_matching_planned), or a null.
    pub fn draw_matching_planned<V, F, R>(
        &mut self,
        pool: &mut Pool<V>,
        filter: &F,
        share: Option<f64>,
        avoid: super::Avoid<'_>,
        rng: &mut R,
    ) -> Draw<usize>
    where
        V: Hash + Eq,
        F: Filter<V> + ?Sized,
        R: Rng + ?Sized,
    {
        if self.is_null(rng) {
            Draw::Null
        } else {
            self.inner
                .draw_matching_planned(pool, filter, share, avoid, rng)
        }
    }

    /// The probability, per draw (nulls included), of the value the last non-null draw gave;
    /// see [`Strategy::last_share`](super::Strategy::last_share).
    pub fn last_share(&self) -> Option<f64> {
        Some(self.inner.last_share()? * (1.0 - self.null_weight.get()))
    }
}

impl<D: Plannable> Plannable for Nullable<D> {
    fn plan(&mut self, draws: u64) -> Result<(), ParamError> {
        let non_null = (draws as f64 * (1.0 - self.null_weight.get())).round() as u64;
        self.planned =
            (!self.null_weight.is_never()).then_some((draws - non_null.min(draws), draws));
        self.inner.plan(non_null)
    }

    fn is_planned(&self) -> bool {
        self.inner.is_planned()
    }
}

impl<V: Hash + Eq, D: ManyToOne<V>> ManyToOne<V> for Nullable<D> {
    #[inline]
    fn draw_position<R: Rng + ?Sized>(&mut self, pool: &Pool<V>, rng: &mut R) -> Draw<usize> {
        if self.is_null(rng) {
            Draw::Null
        } else {
            self.inner.draw_position(pool, rng)
        }
    }

    fn draw_matching_position<F, R>(
        &mut self,
        pool: &mut Pool<V>,
        filter: &F,
        rng: &mut R,
    ) -> Draw<usize>
    where
        F: Filter<V> + ?Sized,
        R: Rng + ?Sized,
    {
        if self.is_null(rng) {
            Draw::Null
        } else {
            self.inner.draw_matching_position(pool, filter, rng)
        }
    }

    fn fulfil(&mut self, pool: &mut Pool<V>, ticket: Ticket, value: V) -> usize {
        self.inner.fulfil(pool, ticket, value)
    }
}

impl Nullable<Strategy> {
    /// [`Strategy::checkpoint`], also recording the planned nulls (a planned `null_weight`
    /// spends an exact number of them).
    pub fn checkpoint(&mut self) -> Checkpoint {
        let mut checkpoint = self.inner.checkpoint();
        checkpoint.nulls = self.journal.open();
        checkpoint
    }

    /// [`Strategy::restore`], also giving back the planned draws, nulls or not, made since.
    pub fn restore(&mut self, checkpoint: Checkpoint) {
        self.inner.restore(checkpoint);
        for null in self.journal.take_back(checkpoint.nulls) {
            if let Some((nulls, draws)) = &mut self.planned {
                *draws += 1;
                if null {
                    *nulls += 1;
                }
            }
        }
    }

    /// [`Strategy::commit`], for the planned nulls too.
    pub fn commit(&mut self, checkpoint: Checkpoint) {
        self.inner.commit(checkpoint);
        self.journal.commit(checkpoint.nulls);
    }
}
