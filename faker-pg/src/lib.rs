//! PostgreSQL support for ddd-faker, built on sqlx.
//!
//! * [`ident`] — [`Ident`], a validated SQL identifier. Names are the only thing `faker-pg`
//!   writes into SQL text, always quoted; values always travel as bind parameters.
//! * [`sql`] — the specification DSL compiled to a `WHERE` clause over JSONB, bind parameters
//!   only, agreeing with the in-memory evaluator (property-tested on a live server).
//! * [`repository`] — [`repository::PgRepository`]: the application's table and faker's JSONB
//!   mirror in one statement per aggregate, optionally written behind ([`write_behind`]);
//!   [`bulk`] — `COPY` batches with keys reserved in blocks.
//! * [`shared`] — pools shared live by every generator writing into one database: a pool log
//!   with dense positions, plan slots claimed in the database, liveness by advisory locks, and
//!   shared sequences.
//! * [`target`] — the dataset's target size, claimed per aggregate or leased in blocks, so that
//!   reruns and cooperating processes stop at exactly the goal.
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

pub mod bulk;
pub mod ident;
pub mod profiler;
pub mod repository;
pub mod shared;
pub mod sql;
pub mod target;
pub mod write_behind;

pub use faker_core::estimate::{Profile, SkewFit};
pub use ident::{Ident, IdentError};
pub use profiler::profile::{ProfileError, profile_column, profile_sql};
pub use profiler::profile::{ValueCount, ValueCounts, profile_columns, value_counts};
pub use sql::{Compiled, Compiler, Relation, RelationResolver, SqlError};

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
