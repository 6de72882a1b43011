//! Errors of the provider runtime, each with the provider path it happened at.

use serde_json::Value;
use thiserror::Error;

use crate::error::ParamError;
use crate::repository::error::RepositoryError;
use crate::spec::{MergeConflict, SpecError};

/// An error while generating an aggregate, at a provider path such as
/// `Book.author_id.id.tenant_id`.
///
/// `Display` gives the whole story (`path: what happened: cause`), so `to_string()` is enough
/// for a message; [`std::error::Error::source`] walks the same causes one by one, down to the
/// I/O or database error, for reporters that print chains or callers that inspect them.
#[derive(Debug, Error)]
#[error("{path}: {kind}")]
pub struct FakerError {
    /// Where it happened: the aggregate, then the fields and references followed from it.
    pub path: String,
    /// What happened.
    #[source]
    pub kind: ErrorKind,
}

impl FakerError {
    pub(crate) fn new(path: impl Into<String>, kind: ErrorKind) -> FakerError {
        FakerError {
            path: path.into(),
            kind,
        }
    }

    /// True when the error says the dataset's target size is reached (by this generator or by
    /// cooperating ones) — the normal end of a cooperative run, not a failure. See
    /// [`RepositoryError::TargetReached`] and [`RepositoryError::Refused`].
    pub fn is_target_reached(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Repository(
                RepositoryError::TargetReached { .. } | RepositoryError::Refused { .. }
            )
        )
    }
}

impl ErrorKind {
    /// [`ErrorKind::NotFound`] for the `aggregate` with this id.
    pub(crate) fn not_found(aggregate: &'static str, id: &impl serde::Serialize) -> ErrorKind {
        ErrorKind::NotFound {
            aggregate,
            id: serde_json::to_value(id).unwrap_or(Value::Null),
        }
    }
}

/// What went wrong; see [`FakerError`] for where.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A distributor parameter in the aggregate's schema is invalid.
    #[error(transparent)]
    Param(#[from] ParamError),

    /// A specification could not be parsed.
    #[error(transparent)]
    Spec(#[from] SpecError),

    /// Two requirements that reach the same field contradict each other (a diamond).
    #[error("contradictory requirements from {first} and from {second}: {conflict}")]
    Diamond {
        first: String,
        second: String,
        conflict: MergeConflict,
    },

    /// A field has a requirement its value source could not meet.
    #[error("no value satisfying {requirement} after {attempts} attempts")]
    Unsatisfiable { requirement: String, attempts: u32 },

    /// The finished aggregate does not satisfy what was required of it.
    #[error("the built aggregate {state} does not satisfy {requirement} (required by {origin})")]
    NotSatisfied {
        state: Value,
        requirement: String,
        origin: String,
    },

    /// A required (non-`Option`) field's distributor drew a null.
    #[error(
        "the distributor drew a null for a field that cannot be null; use an Option field or drop null_weight"
    )]
    NullForRequired,

    /// `populate` asked for a reference or distributed value the schema does not declare.
    #[error("`{field}` is not declared in the schema of `{aggregate}`")]
    Undeclared {
        aggregate: &'static str,
        field: String,
    },

    /// A constraint's source field was not populated before the reference that uses it.
    #[error(
        "constraint source `{source_field}` has not been populated yet; populate it before `{field}`"
    )]
    ConstraintSourceMissing { field: String, source_field: String },

    /// A pinned value does not fit the field's type.
    #[error("required value {value} does not fit the field's type: {reason}")]
    Mismatch { value: Value, reason: String },

    /// A value could not be exported to JSON.
    #[error("cannot export to JSON: {0}")]
    Export(#[source] serde_json::Error),

    /// The aggregate was expected in its repository and is not there.
    #[error("no `{aggregate}` with id {id}")]
    NotFound { aggregate: &'static str, id: Value },

    /// [`Faker::share_pool`](super::Faker::share_pool) came after a reference to the type
    /// was planned.
    #[error(
        "the pool of `{aggregate}` is shared after a reference to it was planned: share it first"
    )]
    LateShare { aggregate: &'static str },

    /// The repository failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),

    /// A `differ(..)` or joint law the schema cannot honour.
    #[error(transparent)]
    Relation(#[from] super::relation::RelationError),

    /// The domain's constructor or factory refused the populated fields. Made by
    /// [`Cx::domain_error`](super::Cx::domain_error); the runtime draws the aggregate again
    /// (see [`ErrorKind::Refused`]), so this reaches a caller only from code that calls
    /// `populate` itself.
    #[error("the domain refused the aggregate: {0}")]
    Domain(String),

    /// The domain refused every one of `attempts` draws of the aggregate (the Faker's bound,
    /// see [`Faker::set_attempts`](super::Faker::set_attempts)); `invariant` is the domain's
    /// message for the last one. Refusing that often is a modelling error: a constraint the
    /// schema does not declare, or a value source that cannot meet the invariant.
    #[error(
        "the domain refused `{aggregate}` on all {attempts} attempts (the bound set by Faker::set_attempts), last: {invariant}"
    )]
    Refused {
        aggregate: &'static str,
        attempts: u32,
        invariant: String,
    },

    /// A feed could not be written.
    #[error(transparent)]
    Feed(#[from] crate::feed::FeedError),

    /// `populate` asked for a reference with another target type than the schema declares.
    #[error("`{field}` of `{aggregate}` refers to `{declared}`, not to `{asked}`")]
    WrongTarget {
        aggregate: &'static str,
        field: String,
        declared: &'static str,
        asked: &'static str,
    },

    /// A requirement (a specification, a reference's constraint) reaches into a collection's
    /// elements: they are drawn by the collection's count law and populated field by field,
    /// so a requirement on them cannot be met by construction.
    #[error(
        "the elements of a collection cannot be required ({requirement}, required by {origin}): require fields of the aggregate outside its collections"
    )]
    CollectionRequirement { requirement: String, origin: String },

    /// A repository was registered after the aggregate type was first used.
    #[error("a repository for `{aggregate}` must be set before the type is first used")]
    LateRepository { aggregate: &'static str },
}
