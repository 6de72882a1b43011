//! The write side: how generated aggregates reach PostgreSQL — the application's own tables and,
//! where asked for, faker's JSONB mirrors — one aggregate per transaction or in `COPY` batches.
//!
//! * [`table`] — [`Table`]: an application table, its columns filled from paths of the
//!   exported state, and the SQL that writes a row into it; [`ElementTable`]: the child table
//!   of a collection inside the aggregate.
//! * [`mirror`] — [`Mirror`]: faker's record of the aggregates of one type, and the one path
//!   that reads it back (`get`, `find`, reload, count) for both repositories.
//! * [`ddl`] — `CREATE TABLE` from a [`Table`] and sample aggregates (no schema yet).
//! * [`read_back`] — aggregates read back from the application table itself (no mirror):
//!   reloading pools on a resumed run, the rare `get`/`find` of a repository without a mirror,
//!   and the values a shared pool reuses (`PgShare::pool_from_table`).
//! * [`keys`] — auto-assigned keys reserved in blocks from the key column's sequence (bulk mode
//!   and write-behind), and the one place a database-assigned key is written into an aggregate.
//! * [`repository`] — [`PgRepository`]: one statement (or one transaction, with a custom
//!   [`PgWriter`]) per aggregate: application row, mirror row (unless
//!   [`PgRepository::without_mirror`]), target claim, publication.
//! * [`write_behind`] — [`PgRepository::behind`]: those stores in background tasks, several in
//!   flight.
//! * [`bulk`] — [`BulkWriter`](bulk::BulkWriter): `COPY` batches, one transaction per batch.
//!
//! Imports, one way: `repository → write_behind → keys → table`; `repository, bulk → mirror,
//! keys, table`; `mirror → sql`; and into [`crate::coordination`] (publication, target) only
//! from `repository`, `write_behind` and `bulk` — coordination imports nothing from here.

pub mod bulk;
pub mod ddl;
pub mod keys;
pub mod mirror;
pub mod read_back;
pub mod repository;
pub mod table;
pub mod write_behind;

pub use ddl::ForeignKeyError;
pub use keys::SequenceError;
pub use mirror::{Mirror, MirrorError};
pub use read_back::ReadBackError;
pub use repository::{PgRepository, PgRepositoryError, PgWriter};
pub use table::{ElementTable, MissingField, Table, TableOfError};
pub use write_behind::{BehindError, BehindTotals, WriteBehind};
