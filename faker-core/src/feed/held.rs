//! Feeds that hold only what the store accepted, when the store decides later.
//!
//! The `Faker` writes an aggregate to its sinks as soon as its repository's `insert` returns.
//! Most repositories have stored it by then, but a *deferring* one only promised to: a bulk
//! writer buffers rows for a later `COPY` batch whose guard may drop the tail of the batch (the
//! shared target was reached meanwhile), and write-behind commits in background tasks that may
//! be refused the same way. A feed written straight away would then hold aggregates the
//! database never got, and a load test replaying it would fail on them.
//!
//! A [`HoldingSink`] sits between the `Faker` and the real sinks. Records of the aggregate
//! types it [defers](HoldingSink::defer) wait, in order, until their repository reports the
//! outcome of their store through a [`StoreOutcomes`] handle; accepted ones are then written,
//! refused ones dropped. Records of other types are written at once unless a held record
//! precedes them: the sinks see the execution order with the refused records taken out.
//!
//! **Matching a record to its store**: the `Faker` writes exactly one record per `insert` that
//! returned `Ok`, right after it, so the `k`-th record of a deferred type belongs to the `k`-th
//! store its repository accepted provisionally (its *ordinal*, counted from 0). Repositories
//! report outcomes by ordinal ([`StoreOutcomes::settle`], for stores that end in any order) or
//! in order ([`StoreOutcomes::settle_next`], for batches).
//!
//! **The command log stays dense**: a held record gets its `seq` only when it is written, as
//! the number of records written before it, so dropping a refused record leaves no hole, and
//! `seq` is the position among the records actually written. Without refusals every `seq` is
//! the one the `Faker` gave.
//!
//! [`HoldingSink::finish`] fails when a record's outcome is still unknown (finish the
//! repository first) or when outcomes were reported for stores that never produced a record
//! (the handle was given to the wrong repository, or something else inserted into it): in both
//! cases the feed could not be trusted, so its files are not published.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{FeedError, Record, Sink};
use crate::provider::Provider;

/// The outcomes of the provisional stores of one repository, shared between the repository
/// (which reports them) and a [`HoldingSink`] (which takes them). A cheap handle: clones share
/// one log. See the [module docs](self) for how stores are numbered.
#[derive(Clone, Default)]
pub struct StoreOutcomes {
    log: Arc<Mutex<Log>>,
}

#[derive(Default)]
struct Log {
    /// Ordinal of `decided[0]`: the outcomes before it were taken.
    base: u64,
    /// The outcome of each store from `base` on: `Some(true)` stored, `Some(false)` refused,
    /// `None` not known yet.
    decided: VecDeque<Option<bool>>,
    /// The ordinal [`StoreOutcomes::settle_next`] reports next.
    next: u64,
}

impl StoreOutcomes {
    /// An empty log.
    pub fn new() -> StoreOutcomes {
        StoreOutcomes::default()
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        // A panic elsewhere while holding the lock leaves the log consistent (every change is
        // a single push or assignment), so a poisoned lock is still usable.
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reports that store `ordinal` was committed (`stored`) or not (refused, failed): for
    /// repositories whose stores end in any order.
    pub fn settle(&self, ordinal: u64, stored: bool) {
        let mut log = self.lock();
        let Some(index) = ordinal.checked_sub(log.base) else {
            return; // already taken: reported twice
        };
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        if log.decided.len() <= index {
            log.decided.resize(index + 1, None);
        }
        log.decided[index] = Some(stored);
    }

    /// Reports that the next `stored` stores, in insertion order, were committed and the
    /// `refused` ones after them were not: for repositories whose stores end in order, like
    /// bulk batches (whose guard refuses the tail). Do not mix with [`StoreOutcomes::settle`]
    /// on one handle.
    pub fn settle_next(&self, stored: u64, refused: u64) {
        let mut log = self.lock();
        let first = log.next;
        log.next += stored + refused;
        let start = usize::try_from(first.saturating_sub(log.base)).unwrap_or(usize::MAX);
        let end = usize::try_from(log.next.saturating_sub(log.base)).unwrap_or(usize::MAX);
        if log.decided.len() < end {
            log.decided.resize(end, None);
        }
        let split = start + usize::try_from(stored).unwrap_or(usize::MAX);
        for (i, slot) in log.decided.range_mut(start..end).enumerate() {
            *slot = Some(start + i < split);
        }
    }

    /// The outcome of store `ordinal`, taken out of the log when known. Ordinals are taken in
    /// order, each once.
    fn take(&self, ordinal: u64) -> Option<bool> {
        let mut log = self.lock();
        if ordinal != log.base {
            return None;
        }
        let outcome = (*log.decided.front()?)?;
        log.decided.pop_front();
        log.base += 1;
        Some(outcome)
    }

    /// Outcomes reported and not taken: stores that produced no record (after every record
    /// was taken).
    fn unclaimed(&self) -> usize {
        self.lock().decided.iter().filter(|d| d.is_some()).count()
    }
}

impl std::fmt::Debug for StoreOutcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let log = self.lock();
        f.debug_struct("StoreOutcomes")
            .field("taken", &log.base)
            .field("pending", &log.decided.len())
            .finish()
    }
}

/// A sink in front of other sinks that holds the records of deferred aggregate types until
/// their store's outcome is known; see the [module docs](self).
#[derive(Default)]
pub struct HoldingSink {
    sinks: Vec<Box<dyn Sink>>,
    deferred: Vec<Deferred>,
    /// `(aggregate, table)` of the records ever held, indexed by [`Held::kind`].
    kinds: Vec<(String, String)>,
    held: VecDeque<Held>,
    /// The JSON of the held records, back to back; the first one starts at `start`.
    bytes: Vec<u8>,
    start: usize,
    /// `seq` of the next record written.
    seq: u64,
    refused: u64,
}

struct Deferred {
    aggregate: &'static str,
    outcomes: StoreOutcomes,
    /// Records of this type received so far: the ordinal of the next one.
    records: u64,
}

struct Held {
    kind: usize,
    /// `(index in deferred, ordinal)`; `None` for a record that only waits for its turn.
    store: Option<(usize, u64)>,
    len: usize,
}

/// Below this many released bytes the buffer is not compacted (amortises the move).
const COMPACT_MIN: usize = 1 << 20;

impl HoldingSink {
    /// A holding sink writing to no sink yet.
    pub fn new() -> HoldingSink {
        HoldingSink::default()
    }

    /// Also writes to `sink` (sinks receive the records in the order they were added).
    pub fn add(&mut self, sink: impl Sink + 'static) -> &mut Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Holds the records of `A` until `outcomes` (reported by `A`'s repository) says whether
    /// their store was committed. Call it before the first record of `A`.
    pub fn defer<A: Provider>(&mut self, outcomes: StoreOutcomes) -> &mut Self {
        self.deferred.push(Deferred {
            aggregate: A::NAME,
            outcomes,
            records: 0,
        });
        self
    }

    /// Records dropped so far because their store was refused.
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Records waiting for an outcome (or behind one that does).
    pub fn held(&self) -> usize {
        self.held.len()
    }

    fn kind(&mut self, aggregate: &str, table: &str) -> usize {
        match self
            .kinds
            .iter()
            .position(|(a, t)| a == aggregate && t == table)
        {
            Some(kind) => kind,
            None => {
                self.kinds.push((aggregate.to_string(), table.to_string()));
                self.kinds.len() - 1
            }
        }
    }

    /// Writes the held records whose outcome is known, in order, up to the first unknown one.
    fn release(&mut self) -> Result<(), FeedError> {
        while let Some(front) = self.held.front() {
            let stored = match front.store {
                None => true,
                Some((d, ordinal)) => match self.deferred[d].outcomes.take(ordinal) {
                    Some(stored) => stored,
                    None => break,
                },
            };
            let end = self.start + front.len;
            if stored {
                let (aggregate, table) = &self.kinds[front.kind];
                write(
                    &mut self.sinks,
                    &mut self.seq,
                    aggregate,
                    table,
                    &self.bytes[self.start..end],
                )?;
            } else {
                self.refused += 1;
            }
            self.start = end;
            self.held.pop_front();
        }
        if self.held.is_empty() {
            self.bytes.clear();
            self.start = 0;
        } else if self.start >= COMPACT_MIN && self.start * 2 >= self.bytes.len() {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
        Ok(())
    }
}

/// Writes one record to every sink with the next `seq`.
fn write(
    sinks: &mut [Box<dyn Sink>],
    seq: &mut u64,
    aggregate: &str,
    table: &str,
    json: &[u8],
) -> Result<(), FeedError> {
    let record = Record {
        seq: *seq,
        aggregate,
        table,
        json,
    };
    for sink in sinks {
        sink.record(&record)?;
    }
    *seq += 1;
    Ok(())
}

impl Sink for HoldingSink {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        let deferred = self
            .deferred
            .iter()
            .position(|d| d.aggregate == record.aggregate);
        if deferred.is_none() && self.held.is_empty() {
            return write(
                &mut self.sinks,
                &mut self.seq,
                record.aggregate,
                record.table,
                record.json,
            );
        }
        let store = deferred.map(|d| {
            let ordinal = self.deferred[d].records;
            self.deferred[d].records += 1;
            (d, ordinal)
        });
        let kind = self.kind(record.aggregate, record.table);
        self.bytes.extend_from_slice(record.json);
        self.held.push_back(Held {
            kind,
            store,
            len: record.json.len(),
        });
        self.release()
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        self.release()?;
        if let Some(front) = self.held.front() {
            let aggregate = self.kinds[front.kind].0.clone();
            return Err(FeedError::Unsettled {
                aggregate,
                records: self.held.len() as u64,
            });
        }
        for d in &self.deferred {
            let stores = d.outcomes.unclaimed();
            if stores > 0 {
                return Err(FeedError::Unrecorded {
                    aggregate: d.aggregate.to_string(),
                    stores: stores as u64,
                });
            }
        }
        for sink in &mut self.sinks {
            sink.finish()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Cx, FakerError, Provider};
    use serde::{Deserialize, Serialize};

    /// What a sink received: `(seq, aggregate, json)`.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<(u64, String, String)>>>, Arc<Mutex<bool>>);

    impl Sink for Capture {
        fn record(&mut self, r: &Record<'_>) -> Result<(), FeedError> {
            let json = String::from_utf8_lossy(r.json).into_owned();
            self.0
                .lock()
                .unwrap()
                .push((r.seq, r.aggregate.to_string(), json));
            Ok(())
        }
        fn finish(&mut self) -> Result<(), FeedError> {
            *self.1.lock().unwrap() = true;
            Ok(())
        }
    }

    impl Capture {
        fn got(&self) -> Vec<(u64, String, String)> {
            self.0.lock().unwrap().clone()
        }
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Book;

    impl Provider for Book {
        type Id = u64;
        const NAME: &'static str = "Book";
        fn id(&self) -> u64 {
            0
        }
        async fn populate(_: &mut Cx<'_>) -> Result<Self, FakerError> {
            Ok(Book)
        }
    }

    fn rec<'a>(seq: u64, aggregate: &'a str, json: &'a str) -> Record<'a> {
        Record {
            seq,
            aggregate,
            table: "t",
            json: json.as_bytes(),
        }
    }

    fn sink_with(outcomes: &StoreOutcomes) -> (HoldingSink, Capture) {
        let capture = Capture::default();
        let mut sink = HoldingSink::new();
        sink.add(capture.clone()).defer::<Book>(outcomes.clone());
        (sink, capture)
    }

    #[test]
    fn refused_records_are_dropped_and_seq_stays_dense_and_in_order() {
        let outcomes = StoreOutcomes::new();
        let (mut sink, capture) = sink_with(&outcomes);
        sink.record(&rec(0, "Author", "a0")).unwrap();
        sink.record(&rec(1, "Book", "b0")).unwrap();
        sink.record(&rec(2, "Author", "a1")).unwrap(); // waits behind b0
        sink.record(&rec(3, "Book", "b1")).unwrap();
        sink.record(&rec(4, "Book", "b2")).unwrap();
        assert_eq!(
            capture.got().len(),
            1,
            "only what precedes the first held book"
        );
        // stores end out of order: b2 refused first, then b0 stored, b1 refused
        outcomes.settle(2, false);
        outcomes.settle(0, true);
        outcomes.settle(1, false);
        sink.finish().unwrap();
        let got: Vec<(u64, String, String)> = capture.got();
        let want = [(0, "Author", "a0"), (1, "Book", "b0"), (2, "Author", "a1")];
        assert_eq!(got, want.map(|(s, a, j)| (s, a.to_string(), j.to_string())));
        assert_eq!(sink.refused(), 2);
        assert!(*capture.1.lock().unwrap(), "the inner sink is finished");
    }

    #[test]
    fn batch_outcomes_refuse_the_tail() {
        let outcomes = StoreOutcomes::new();
        let (mut sink, capture) = sink_with(&outcomes);
        for (i, json) in ["b0", "b1", "b2", "b3", "b4"].iter().enumerate() {
            sink.record(&rec(i as u64, "Book", json)).unwrap();
        }
        outcomes.settle_next(2, 1); // first batch: b0 b1 stored, b2 refused
        outcomes.settle_next(1, 1); // second batch: b3 stored, b4 refused
        sink.finish().unwrap();
        let got: Vec<(u64, String)> = capture.got().into_iter().map(|(s, _, j)| (s, j)).collect();
        assert_eq!(
            got,
            [(0, "b0"), (1, "b1"), (2, "b3")].map(|(s, j)| (s, j.to_string()))
        );
    }

    #[test]
    fn outcomes_reported_before_their_record_are_kept() {
        let outcomes = StoreOutcomes::new();
        let (mut sink, capture) = sink_with(&outcomes);
        outcomes.settle_next(1, 0);
        sink.record(&rec(0, "Book", "b0")).unwrap();
        assert_eq!(capture.got().len(), 1, "written at once");
        sink.finish().unwrap();
    }

    #[test]
    fn unknown_outcomes_and_outcomes_without_records_fail_the_finish() {
        let outcomes = StoreOutcomes::new();
        let (mut sink, capture) = sink_with(&outcomes);
        sink.record(&rec(0, "Book", "b0")).unwrap();
        let e = sink.finish().unwrap_err();
        assert!(matches!(e, FeedError::Unsettled { records: 1, .. }), "{e}");
        assert!(!*capture.1.lock().unwrap(), "nothing published");

        let outcomes = StoreOutcomes::new();
        let (mut sink, capture) = sink_with(&outcomes);
        outcomes.settle(0, true);
        let e = sink.finish().unwrap_err();
        assert!(matches!(e, FeedError::Unrecorded { stores: 1, .. }), "{e}");
        assert!(!*capture.1.lock().unwrap(), "nothing published");
    }

    #[test]
    fn undeferred_records_pass_straight_through() {
        let (mut sink, capture) = sink_with(&StoreOutcomes::new());
        for i in 0..3 {
            sink.record(&rec(i, "Author", "a")).unwrap();
        }
        assert_eq!(sink.held(), 0);
        assert_eq!(
            capture.got().iter().map(|g| g.0).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }
}
