//! Coordination: what several generators writing into one database agree on, in tables of the
//! target schema. Nothing here writes an application row; the writers of [`crate::write`] call
//! into it (publishing, claiming the target) inside their own transactions.
//!
//! * [`pools`] — [`PgShare`] (a generator's membership, proven alive by an advisory lock) and
//!   [`PgSharedPool`]: pools shared live through a pool log with dense positions, and plan
//!   slots claimed in the database.
//! * [`log`] — the coordination tables' names and [`Publication`], through which a writer
//!   appends what it stores to a pool log in the same transaction.
//! * [`sequences`] — [`PgSequences`]: sequence numbers shared by every generator, in blocks.
//! * [`target`] — [`Target`]: the dataset's target size, claimed per aggregate or leased in
//!   blocks, so that reruns and cooperating processes stop at exactly the goal.
//! * [`fill`] — [`FillLock`]: whether one process fills a schema alone (no coordination at
//!   all, bulk at `COPY` speed) or processes cooperate; the two never meet on one schema.
//! * `liveness` — the liveness lock and the SQL test of whether a generator is alive (shared
//!   by slot take-over and lease recovery).
//! * [`error`] — [`SharedError`].
//!
//! Imports, all one way: `pools → log, liveness, error`; `sequences → error`;
//! `target → liveness`; `log`, `liveness` and `error` import only [`crate::ident`].

pub mod error;
pub mod fill;
mod liveness;
pub mod log;
pub mod pools;
pub mod sequences;
pub mod target;

pub use error::SharedError;
pub use fill::{FillError, FillLock, FillWay};
pub use log::Publication;
pub use pools::{Flush, PgShare, PgSharedPool};
pub use sequences::PgSequences;
pub use target::Target;
