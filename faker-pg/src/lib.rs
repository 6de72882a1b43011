//! PostgreSQL support for ddd-faker, built on sqlx.
//!
//! * [`ident`] — [`Ident`], a validated SQL identifier. Names are the only thing `faker-pg`
//!   writes into SQL text, always quoted; values always travel as bind parameters.
//! * [`sql`] — the specification DSL compiled to a `WHERE` clause over JSONB, bind parameters
//!   only, agreeing with the in-memory evaluator (property-tested on a live server).
//! * [`write`](mod@write) — the write side: [`write::Table`] and [`write::Mirror`] (the
//!   application's table and faker's optional JSONB mirror, and the paths that read either
//!   back: [`write::read_back`] and the mirror's own),
//!   keys reserved from sequences ([`write::keys`]), [`write::PgRepository`] (one statement per
//!   aggregate, optionally written behind, [`write::write_behind`]) and [`write::bulk`] (`COPY`
//!   batches).
//! * [`coordination`] — what cooperating generators share in the database: pools with a dense
//!   log and plan slots ([`coordination::pools`]), publication into that log
//!   ([`coordination::log`]), shared sequences ([`coordination::sequences`]), the dataset's
//!   target size ([`coordination::target`]) and liveness by advisory locks.
//! * [`fidelity`] — plan fidelity (in progress): `EXPLAIN` plans read into typed trees and
//!   compared between production and generated data, node by node.
//! * [`profiler`] — the read side: [`profile_column`] reads a column's distribution (`mean`,
//!   `null_weight`, quartile `weights`, `skew`) off a live database with server-side
//!   aggregation, giving the same [`Profile`] that [`faker_core::estimate`] computes from
//!   per-value counts. Point it at production to choose distributor parameters, and at generated
//!   data to check them. Its modules [`profiler::profile`], [`profiler::catalog`] (which columns
//!   of a schema to profile: foreign keys, low-cardinality columns), [`profiler::suggest`] (the
//!   `#[distributor(..)]` to use), [`profiler::report`] (a column's report) and
//!   [`profiler::compare`] (a generated database checked against production figure by figure)
//!   are what the `faker-pg` command line tool runs; the tool itself is the binary-only crate
//!   `faker-pg-cli`, so that this library does not depend on clap.
//!
//! # Imports between the modules
//!
//! One way, no loop (each arrow: "imports from"):
//!
//! ```text
//! write::bulk::repository → write::bulk::{writer, batch, buffer, error}, write::{keys, mirror,
//!                            table}, coordination::log
//! write::bulk::writer     → write::bulk::{batch, error}, coordination::pools (the Flush trait)
//! write::bulk::batch      → write::bulk::{buffer, error}, write::keys
//! write::bulk::buffer     → write::bulk::error, write::{table, mirror}, coordination::log
//! write::bulk::error      → write::{keys, table}
//! write::repository       → write::{write_behind, keys, mirror, table}, coordination::{log, target}
//! write::write_behind     → write::{keys, table}, coordination::target
//! write::keys             → write::table
//! write::mirror           → sql
//! write::read_back        → write::table, coordination::pools (`PgShare::pool_from_table`)
//! coordination::pools     → coordination::{log, liveness, error}
//! coordination::sequences → coordination::error
//! coordination::target    → coordination::liveness
//! sql                     → ident
//! profiler::compare       → profiler::{report, profile}
//! profiler::report        → profiler::{catalog, profile, suggest}
//! profiler::catalog       → profiler::profile, ident
//! fidelity::shape         → fidelity::explain
//! ```
//!
//! with [`ident`] a leaf that any of them may import. Nothing in [`coordination`] imports from
//! [`write`](mod@write): a shared pool flushes a bulk writer through the
//! [`Flush`](coordination::Flush) trait, reads mirrors by their [`QualifiedName`], and reads
//! application tables through SQL that [`write::read_back`] gives it.

pub mod coordination;
pub mod fidelity;
pub mod ident;
pub mod profiler;
pub mod scaffold;
pub mod sql;
pub mod write;

pub use faker_core::estimate::{Profile, SkewFit};

pub use ident::{Ident, IdentError, QualifiedName};
pub use profiler::profile::{Literal, ValueCount, ValueCounts, profile_columns, value_counts};
pub use profiler::profile::{ProfileError, profile_column, profile_sql};
pub use sql::{Compiled, Compiler, Relation, RelationResolver, SqlError};
/// The `sqlx` this crate is built with, so that an application connects
/// (`faker_pg::sqlx::postgres::PgPoolOptions`) without a `sqlx` dependency of its own whose
/// version and features must match.
pub use sqlx;

/// A connection URL without its password (`postgres://user:***@host/db`), for messages (the
/// `faker-pg` tool's, the tests').
pub fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if scheme + 3 < at => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
