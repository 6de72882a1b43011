//! The read side of faker-pg: distributions read off a live database, turned into
//! `#[distributor(..)]` suggestions, and a generated database checked against production. It
//! only reads (the `faker-pg` command line tool, crate `faker-pg-cli`, runs it on read-only
//! sessions) and imports nothing from the write side: it only needs [`crate::ident`] to put
//! names into SQL.
//!
//! * [`profile`] — one column, or a tuple of columns, profiled on the server:
//!   [`profile_column`](profile::profile_column) gives the same [`Profile`](crate::Profile) that
//!   [`faker_core::estimate`] computes from per-value counts, and
//!   [`value_counts`](profile::value_counts) the value list of a low-cardinality column.
//! * [`catalog`] — what to profile in a schema, read from the system catalog: its foreign keys
//!   (single and composite) and the columns that may be low-cardinality.
//! * [`suggest`] — from a measured profile to a ready-to-paste `#[distributor(..)]` attribute
//!   (`skew` when the power-law fit reproduces the quartiles, quartile `weights` otherwise, one
//!   weight per value for few values), or for few values of a column that is no foreign key a
//!   `#[provider(one_of = [..], weights = [..])]` value list.
//! * [`histogram`] — a numeric, date or timestamp column's exact quantiles, the
//!   `#[provider(quantiles = [..])]` attribute that draws from them, and the share of a column's
//!   values in each bucket.
//! * [`report`] — one subject profiled and reported: the server work
//!   ([`profile_subject`](report::profile_subject)) and the text or JSON block
//!   `faker-pg profile` prints.
//! * [`sample`] — a large table's profile estimated from `TABLESAMPLE SYSTEM` (distinct values
//!   by PostgreSQL's own estimator).
//! * [`order`] — how a column follows the physical order of the rows (`pg_stats.correlation`,
//!   measured), which the scaffold turns into `ordered` laws.
//! * [`compare`] — the same subject's reports from two databases checked figure by figure, each
//!   within a [`Tolerances`](compare::Tolerances) entry.
//!
//! Who imports whom (each module only imports modules below it in this list, so there is no
//! cycle):
//!
//! ```text
//! compare   ──> report, histogram, profile
//! report    ──> catalog, histogram, profile, sample, suggest
//! sample    ──> profile
//! catalog   ──> histogram, profile
//! histogram ──> profile
//! order     ──> sample
//! suggest   ──> (none)
//! profile   ──> (none)
//! ```
//!
//! `compare`'s unit tests also use `catalog` and `suggest` to build reports, which follows the
//! same order. Outside the profiler, the modules only import [`crate::ident`].

pub mod catalog;
pub mod compare;
pub mod histogram;
pub mod inferred;
pub mod order;
pub mod profile;
pub mod relations;
pub mod report;
pub mod sample;
pub mod suggest;
