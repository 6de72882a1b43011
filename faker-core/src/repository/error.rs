//! [`RepositoryError`]: what a repository operation reports.
//!
//! Kept apart from the [`Repository`](super::Repository) trait so that the provider runtime's
//! errors can wrap it without depending on the trait (which names `Provider`).

use serde_json::Value;
use thiserror::Error;

use crate::provider::key::KeyError;

/// A repository operation that failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RepositoryError {
    /// An aggregate with this id is already stored.
    #[error("duplicate id {id} in `{aggregate}`")]
    DuplicateId { aggregate: &'static str, id: Value },
    /// The aggregate could not be exported to JSON (for matching or storage).
    #[error("cannot export `{aggregate}` as JSON: {source}")]
    Export {
        aggregate: &'static str,
        source: serde_json::Error,
    },
    /// The assigned key could not be written into the aggregate.
    #[error("cannot assign key {key} to `{aggregate}`: {source}")]
    AssignKey {
        aggregate: &'static str,
        key: Value,
        #[source]
        source: KeyError,
    },
    /// The dataset's target size is reached (by this generator or by cooperating ones): the
    /// repository stores no more aggregates. The normal end of a cooperative run; the
    /// aggregate was not stored.
    #[error("`{table}`: the target size is reached")]
    TargetReached {
        /// The table (or collection) whose target is reached.
        table: String,
    },
    /// A batch guard refused the aggregate: the table accepts no more rows (say, cooperating
    /// processes reached the shared target meanwhile). The aggregate was not stored.
    #[error("`{table}`: the batch guard accepts no more rows (the target is reached)")]
    Refused {
        /// The guarded table.
        table: String,
    },
    /// Anything the storage itself reports (I/O, database, HTTP).
    #[error("{0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}
