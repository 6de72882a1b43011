//! [`BulkError`], naming the table concerned.

use faker_core::repository::RepositoryError;
use thiserror::Error;
use tokio::task::JoinError;

use crate::ident::QualifiedName;
use crate::write::keys::SequenceError;
use crate::write::table::MissingField;

/// A bulk-mode error, naming the table concerned. (Reads — `get`, `find` — fail with a
/// [`MirrorError`](crate::write::mirror::MirrorError).)
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BulkError {
    /// The database refused a `COPY` into `table` (an application table or a mirror), or the
    /// publication of its ids.
    #[error("`{table}`: {source}")]
    Database {
        table: QualifiedName,
        #[source]
        source: sqlx::Error,
    },
    /// The batch's transaction could not begin or commit.
    #[error("{}: {source}", list(.tables))]
    Transaction {
        /// The batch's tables.
        tables: Vec<QualifiedName>,
        #[source]
        source: sqlx::Error,
    },
    /// A column maps a path that the exported state does not have.
    #[error(transparent)]
    MissingField(#[from] MissingField),
    /// A state or id could not be encoded.
    #[error("`{table}`: cannot encode a row: {source}")]
    Encode {
        table: QualifiedName,
        #[source]
        source: serde_json::Error,
    },
    /// The aggregate has a repository-assigned key but the table maps no auto-key column.
    #[error(
        "`{table}`: `{aggregate}` has an auto-assigned key but the table maps no `auto_key` column"
    )]
    NoAutoColumn {
        table: QualifiedName,
        aggregate: &'static str,
    },
    /// The auto-key column's sequence cannot give keys (none, `GENERATED ALWAYS`, refused).
    #[error(transparent)]
    Sequence(#[from] SequenceError),
    /// The same table was registered twice.
    #[error("`{table}` is already registered with this writer")]
    Registered { table: QualifiedName },
    /// [`publish_to`](crate::write::bulk::BulkRepository::publish_to) after the table's first
    /// insert: the rows stored before it would be missing from the pool's log.
    #[error("`{table}`: a publication must be set before the first insert")]
    PublishedLate { table: QualifiedName },
    /// The batch guard failed (the batch is rolled back).
    #[error("`{table}`: the batch guard failed: {source}")]
    Guard {
        table: QualifiedName,
        #[source]
        source: sqlx::Error,
    },
    /// The task writing a batch in the background panicked or was cancelled.
    #[error("{}: the background batch did not complete: {source}", list(.tables))]
    Background {
        /// The batch's tables.
        tables: Vec<QualifiedName>,
        #[source]
        source: JoinError,
    },
    /// An earlier batch failed: the writer accepts nothing more. `reason` is that failure's
    /// message: the error itself went to the operation that met it (a `sqlx::Error` cannot be
    /// cloned to every later caller).
    #[error("an earlier batch failed, the writer accepts nothing more: {reason}")]
    Failed { reason: String },
}

/// `"a"."t", "a"."u"`, for messages.
fn list(tables: &[QualifiedName]) -> String {
    tables
        .iter()
        .map(QualifiedName::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<BulkError> for RepositoryError {
    fn from(e: BulkError) -> RepositoryError {
        RepositoryError::Storage(Box::new(e))
    }
}
