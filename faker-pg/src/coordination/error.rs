//! [`SharedError`], the error of the coordination tables (shared pools and sequences).

use std::time::Duration;

use thiserror::Error;

use crate::ident::{IdentError, LiteralError};

/// An error of the shared pools and sequences.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SharedError {
    /// The database refused.
    #[error("shared pool `{pool}`: {source}")]
    Database {
        pool: String,
        #[source]
        source: sqlx::Error,
    },
    /// The schema name (or a name derived from it) is not a usable identifier.
    #[error("shared pool `{pool}`: {source}")]
    Ident {
        pool: String,
        #[source]
        source: IdentError,
    },
    /// A sequence key cannot be written as the sequence's comment.
    #[error("shared sequence `{key}`: {source}")]
    Comment {
        key: String,
        #[source]
        source: LiteralError,
    },
    /// A stored value does not read back as the aggregate, or an id does not encode.
    #[error("shared pool `{pool}`: stored value does not deserialize: {source}")]
    Decode {
        pool: String,
        #[source]
        source: serde_json::Error,
    },
    /// The pool reads states from the application table, and that table cannot serve it.
    #[error("shared pool `{pool}`: {source}")]
    ReadBack {
        pool: String,
        /// A [`ReadBackError`](crate::write::ReadBackError), boxed: this module imports
        /// nothing of `write`.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Another live generator held a slot without committing its value for too long.
    #[error(
        "shared pool `{pool}`: slot {slot} of `{plan}` is held by generator {owner} for more than {waited:?} without a committed value"
    )]
    SlotTimeout {
        pool: String,
        plan: String,
        slot: u32,
        owner: i64,
        waited: Duration,
    },
    /// A slot this generator owned was taken over (it was believed dead).
    #[error("shared pool `{pool}`: slot {slot} of `{plan}` was taken over by another generator")]
    SlotLost {
        pool: String,
        plan: String,
        slot: u32,
    },
    /// Our own buffering writer (bulk mode) failed while we flushed it before waiting for a
    /// slot.
    #[error("shared pool `{pool}`: {source}")]
    Flush {
        pool: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
