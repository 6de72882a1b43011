//! Pipelining: creations that wait for their storage's answer while the Faker goes on.
//!
//! A repository whose storage answers later (an application receiving commands over HTTP or
//! from an in-process handler) can start an insert and hand back a future of the stored
//! aggregate ([`Repository::dispatch`](crate::repository::Repository::dispatch)). Within one
//! [`Faker::create_each`](super::Faker::create_each) (and so `create_many`), the Faker then
//! draws the next aggregates while that answer is on its way, instead of waiting for it, and
//! *finishes* the creation when the answer comes: the repository takes the stored aggregate
//! back ([`Repository::settle`](crate::repository::Repository::settle)), its id enters the
//! pool and its state the mirror, it is written to the feed, counted and handed to the
//! caller. This module keeps the creations in between: the futures, their results, and the
//! order they finish in.
//!
//! What pipelining keeps as a one-at-a-time run has it:
//!
//! * **Dependencies.** A command is built only from finished creations: references draw from
//!   pools, which hold finished creations only, and a reference that creates its target waits
//!   for that target's answer (its id is needed). So the application receives every aggregate
//!   after everything it references, confirmed.
//! * **The draws.** Creations finish in creation order, and a draw that reads the pool or the
//!   stored aggregates of a type with creations waiting (a reference to it, [`Cx::load`],
//!   an id made only of references) first waits for them all: every draw sees what a
//!   one-at-a-time run would show it, and a seed draws the same aggregates.
//! * **The feed.** A waiting creation keeps its place in the feed; what is written after it
//!   waits behind it, so records come in creation order.
//! * **Nothing is left waiting** when a public call of the Faker returns, failed or not: the
//!   answers of every dispatched command are awaited and the successful ones finished (the
//!   application executed them), then the first error in creation order is returned.
//!
//! What differs: commands in flight together reach the application in an order the network
//! decides, so an application that numbers what it receives (an auto-increment) may number
//! them otherwise than a one-at-a-time run would. Aggregates that other commands reference
//! are not pipelined (their answer is waited for before anything else is drawn), so their
//! ids, and every payload holding them, do not depend on it; a rerun still replays every
//! command's idempotency key (see [`crate::command::Command::idempotency_key`]).
//!
//! Only the top-level creations of `create_each` are pipelined, and only those of a type
//! without children (children need their parent's id) whose id is not made only of
//! references (creating one looks its id up in the pool); everything else, including the
//! targets references create, is awaited as without pipelining.

use std::any::Any;
use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::{Context, Poll};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::error::FakerError;
use super::runtime::{Place, Runtime};
use super::view::TypeIndex;
use crate::repository::BoxFuture;

/// How many dispatched commands may be unanswered at once by default (see
/// [`Faker::set_pipeline`](super::Faker::set_pipeline)): the default limit of requests in
/// flight of [`HttpCommands`](crate::command::HttpCommands). Dispatching more than the client
/// sends at once would only queue them at the client, ahead of the commands a reference
/// needs answered now (an author a book waits for), which would wait behind them.
pub(crate) const DEFAULT_DEPTH: usize = 16;

/// Answered creations may queue behind an unanswered one up to this many times the depth:
/// one answer seconds late holds up only its own creation while the others go on (at
/// hundreds of commands a second, a 2 s answer has hundreds finished behind it), and what
/// waits stays bounded.
const BEHIND: usize = 64;

/// A finished top-level aggregate, its type erased on its way to `create_each`.
pub(crate) type Stored = Box<dyn Any + Send>;

/// Finishes one creation once its answer came, the answer captured with its type (see
/// `Runtime::finish_waiting`): `(runtime, feed place, path)`.
pub(crate) type Finish = Box<
    dyn for<'r> FnOnce(Runtime<'r>, Option<Place>, String) -> BoxFuture<'r, Result<(), FakerError>>
        + Send,
>;

type Running = BoxFuture<'static, (u64, Finish)>;

/// A creation whose insert was dispatched.
pub(crate) struct Waiting {
    ty: TypeIndex,
    /// Names the aggregate in errors.
    path: String,
    /// Its place in the feed.
    place: Option<Place>,
    /// How to finish it, once its answer came.
    finish: Option<Finish>,
}

impl Waiting {
    /// Finishes the creation (its answer came: see [`Pipeline::next_answered`]).
    pub(crate) fn finish(self, runtime: Runtime<'_>) -> BoxFuture<'_, Result<(), FakerError>> {
        match self.finish {
            Some(finish) => finish(runtime, self.place, self.path),
            // Not answered yet: `next_answered` hands out answered creations only.
            None => Box::pin(std::future::ready(Ok(()))),
        }
    }
}

/// The creations between their dispatch and their finish; see the [module docs](self).
pub(crate) struct Pipeline {
    /// At most this many creations wait at once; 1 turns pipelining off.
    depth: usize,
    /// Whether the call running now pipelines its top-level creations (`create_each`).
    pub(crate) open: bool,
    /// The dispatched inserts, each with its ticket.
    running: FuturesUnordered<Running>,
    /// Waiting creations in creation order; the first has ticket `first`.
    waiting: VecDeque<Waiting>,
    first: u64,
    /// Finished top-level aggregates, in creation order, for the caller of `create_each`.
    pub(crate) delivered: VecDeque<Stored>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            depth: DEFAULT_DEPTH,
            open: false,
            running: FuturesUnordered::new(),
            waiting: VecDeque::new(),
            first: 0,
            delivered: VecDeque::new(),
        }
    }
}

impl Pipeline {
    pub(crate) fn set_depth(&mut self, depth: usize) {
        self.depth = depth.max(1);
    }

    /// Whether a top-level creation may be dispatched now.
    pub(crate) fn accepts(&self) -> bool {
        self.open && self.depth > 1
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Whether another creation may be dispatched: fewer than `depth` unanswered, and room
    /// behind the oldest.
    pub(crate) fn has_room(&self) -> bool {
        self.running.len() < self.depth && self.waiting.len() < self.depth * BEHIND
    }

    /// Waits until [`Pipeline::has_room`], or until the oldest waiting creation is answered
    /// (the caller then finishes it, which makes room).
    ///
    /// The second case is what ends a full queue behind a late answer: once the oldest's
    /// answer comes, nothing is running and no answer will make room, so waiting for room
    /// alone would wait forever (seen with a 5 s outage among 2 000 pipelined commands).
    pub(crate) async fn room(&mut self) {
        poll_fn(|cx| {
            self.poll_running(cx);
            let oldest_answered = self.waiting.front().is_some_and(|w| w.finish.is_some());
            match self.has_room() || oldest_answered {
                true => Poll::Ready(()),
                false => Poll::Pending,
            }
        })
        .await
    }

    /// Whether a creation of type `ty` waits.
    pub(crate) fn holds(&self, ty: TypeIndex) -> bool {
        self.waiting.iter().any(|w| w.ty == ty)
    }

    /// Queues a dispatched insert: `answered` is its future, giving how to finish it.
    pub(crate) fn push(
        &mut self,
        ty: TypeIndex,
        path: String,
        place: Option<Place>,
        answered: BoxFuture<'static, Finish>,
    ) {
        let ticket = self.first + self.waiting.len() as u64;
        self.running
            .push(Box::pin(async move { (ticket, answered.await) }));
        self.waiting.push_back(Waiting {
            ty,
            path,
            place,
            finish: None,
        });
    }

    /// Takes the results of the inserts that have answered (and lets the others progress).
    fn poll_running(&mut self, cx: &mut Context<'_>) {
        while let Poll::Ready(Some((ticket, finish))) = self.running.poll_next_unpin(cx) {
            // Tickets of the queue only: an answer comes once, before its creation leaves.
            if let Some(waiting) = ticket
                .checked_sub(self.first)
                .and_then(|i| self.waiting.get_mut(i as usize))
            {
                waiting.finish = Some(finish);
            }
        }
    }

    /// Runs `future` while the dispatched inserts progress too (an insert awaited inline —
    /// the target of a reference — must not hold up the answers already on their way).
    pub(crate) async fn drive<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            if !self.running.is_empty() {
                self.poll_running(cx);
            }
            future.as_mut().poll(cx)
        })
        .await
    }

    /// The first waiting creation, once its answer came (without waiting when `wait` is false).
    pub(crate) async fn next_answered(&mut self, wait: bool) -> Option<Waiting> {
        if self.waiting.is_empty() {
            return None;
        }
        let answered = poll_fn(|cx| {
            self.poll_running(cx);
            match self.waiting.front() {
                Some(w) if w.finish.is_some() => Poll::Ready(true),
                _ if !wait => Poll::Ready(false),
                _ => Poll::Pending,
            }
        })
        .await;
        if !answered {
            return None;
        }
        self.first += 1;
        self.waiting.pop_front()
    }
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("depth", &self.depth)
            .field("waiting", &self.waiting.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finish() -> Finish {
        Box::new(|_, _, _| Box::pin(std::future::ready(Ok(()))))
    }

    /// A queue full behind a late answer: every creation behind the oldest answered, then
    /// the oldest. `room` returns once the oldest's answer came (its caller finishes it),
    /// instead of waiting for room that no answer can make.
    #[tokio::test]
    async fn a_full_queue_behind_a_late_answer_ends() {
        let mut pipeline = Pipeline::default();
        pipeline.set_depth(2);
        let (late_tx, late_rx) = tokio::sync::oneshot::channel::<()>();
        let mut late_rx = Some(late_rx);
        for i in 0..2 * BEHIND {
            let answered: BoxFuture<'static, Finish> = match late_rx.take() {
                Some(rx) => Box::pin(async move {
                    let _ = rx.await;
                    finish()
                }),
                None => Box::pin(std::future::ready(finish())),
            };
            pipeline.push(TypeIndex::first(), format!("item {i}"), None, answered);
        }
        assert!(!pipeline.has_room(), "the queue is full");
        late_tx.send(()).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(10), pipeline.room())
            .await
            .expect("room() returns once the oldest is answered");
        let mut finished = 0;
        while pipeline.next_answered(false).await.is_some() {
            finished += 1;
        }
        assert_eq!(finished, 2 * BEHIND);
        assert!(pipeline.has_room());
    }
}
