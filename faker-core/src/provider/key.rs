//! [`KeyError`]: why a repository-assigned key could not be written into an aggregate.
//!
//! A module of its own, with no dependency inside the crate, so that repositories (which
//! report it) and the provider traits (which return it) both use it without importing each
//! other's errors.

use serde_json::Value;
use thiserror::Error;

/// Why a key the repository assigned could not be written into an aggregate
/// ([`Provider::assign_key`](super::Provider::assign_key)).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The type (or component) has no auto-assigned key.
    #[error("`{owner}` has no auto-assigned key")]
    NoAutoKey {
        /// The aggregate or component, as the user wrote it.
        owner: String,
    },
    /// The storage returned no key where one is needed.
    #[error("{from} returned no key")]
    Missing {
        /// What should have returned it (a command, a statement).
        from: String,
    },
    /// The key does not deserialise into the field that holds it.
    #[error("the key does not fit `{field}`: {source}")]
    Mismatch {
        /// The field (path in the exported state) that holds the key.
        field: String,
        /// Why it does not fit.
        #[source]
        source: serde_json::Error,
    },
}

impl KeyError {
    /// Reads `key` as the type of `field` — what a hand-written
    /// [`Provider::assign_key`](super::Provider::assign_key) usually does.
    pub fn decode<T: serde::de::DeserializeOwned>(field: &str, key: Value) -> Result<T, KeyError> {
        serde_json::from_value(key).map_err(|source| KeyError::Mismatch {
            field: field.to_string(),
            source,
        })
    }
}
