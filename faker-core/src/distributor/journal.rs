//! The draws a distributor may have to take back: while a checkpoint is open, every draw that
//! spends part of a plan (a slot's planned use, a planned null, a budget draw) is recorded, so
//! that the draws of an aggregate the domain refused can be given back to the plan.
//!
//! Checkpoints nest, last opened first closed, as the creations that open them do (a
//! self-reference creates an aggregate of the same type while one is being populated).
//! Closing one either keeps its draws ([`Journal::commit`]: they are dropped from the journal,
//! so a refusal of an enclosing attempt does not take back draws of an aggregate that was
//! stored) or hands them back ([`Journal::take_back`]). With no checkpoint open nothing is
//! recorded, so a distributor used on its own never grows a journal.

/// Recorded draws, see the [module docs](self).
#[derive(Debug, Clone)]
pub(crate) struct Journal<T> {
    /// Checkpoints open.
    open: u32,
    entries: Vec<T>,
}

impl<T> Default for Journal<T> {
    fn default() -> Self {
        Journal {
            open: 0,
            entries: Vec::new(),
        }
    }
}

impl<T> Journal<T> {
    /// Opens a checkpoint; returns its mark.
    pub(crate) fn open(&mut self) -> usize {
        self.open += 1;
        self.entries.len()
    }

    /// Records a draw when a checkpoint is open.
    #[inline]
    pub(crate) fn record(&mut self, entry: T) {
        if self.open > 0 {
            self.entries.push(entry);
        }
    }

    /// Closes the checkpoint at `mark`, keeping its draws.
    pub(crate) fn commit(&mut self, mark: usize) {
        self.open = self.open.saturating_sub(1);
        self.entries.truncate(mark);
    }

    /// Closes the checkpoint at `mark` and returns its draws, to be given back.
    pub(crate) fn take_back(&mut self, mark: usize) -> std::vec::Drain<'_, T> {
        self.open = self.open.saturating_sub(1);
        let mark = mark.min(self.entries.len());
        self.entries.drain(mark..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_recorded_without_a_checkpoint() {
        let mut journal = Journal::default();
        journal.record(1);
        let mark = journal.open();
        journal.record(2);
        assert_eq!(journal.take_back(mark).collect::<Vec<_>>(), [2]);
        journal.record(3);
        assert!(journal.entries.is_empty());
    }

    #[test]
    fn a_committed_inner_checkpoint_is_not_taken_back_by_the_outer_one() {
        let mut journal = Journal::default();
        let outer = journal.open();
        journal.record("outer 1");
        let inner = journal.open();
        journal.record("inner");
        journal.commit(inner);
        journal.record("outer 2");
        assert_eq!(
            journal.take_back(outer).collect::<Vec<_>>(),
            ["outer 1", "outer 2"]
        );
        assert_eq!(journal.open, 0);
    }
}
