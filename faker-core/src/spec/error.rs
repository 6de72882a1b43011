//! Typed errors of the query DSL: [`SpecError`] for a document that is not a query, and
//! [`MergeConflict`] for two requirements that cannot both hold.
//!
//! Both carry a `path`: a JSON pointer (RFC 6901) from the root of the query document to the
//! place of the problem, such as `/author_id/$in` or `/$or/1/status`. The root itself is the
//! empty pointer and is shown as `(root)` in messages.

use thiserror::Error;

use super::Query;
use super::path::show;

/// A JSON document that is not a valid query, and where in it the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SpecError {
    /// `{}` where a query is expected (outside `{"$eq": {}}`, which means "any object").
    #[error(
        "at {}: an empty object is not a query; write a value (`5`), an operator \
         (`{{\"$gt\": 1}}`) or a field (`{{\"status\": \"active\"}}`)",
        show(.path)
    )]
    EmptyObject {
        /// Where the empty object is.
        path: String,
    },

    /// One object holding both operators (`$`-keys) and field names.
    #[error(
        "at {}: an object holds either operators or fields, not both: `{operator}` next to \
         `{field}`; wrap the fields in `$and` or nest them",
        show(.path)
    )]
    MixedKeys {
        /// Where the object is.
        path: String,
        /// One of its `$`-keys.
        operator: String,
        /// One of its field keys.
        field: String,
    },

    /// A `$`-key that is not an operator of the DSL.
    #[error(
        "at {}: unknown operator `{operator}`; the operators are $eq $ne $gt $gte $lt $lte $in \
         $nin $is_null $not $and $or $any $all $len $rel",
        show(.path)
    )]
    UnknownOperator {
        /// Where the key is (its last segment is the key).
        path: String,
        /// The key as written.
        operator: String,
    },

    /// `$in`, `$nin`, `$and` or `$or` given something other than an array.
    #[error("at {}: {operator} needs an array, got {found}", show(.path))]
    ExpectedArray {
        /// Where the operand is.
        path: String,
        /// The operator, e.g. `$in`.
        operator: &'static str,
        /// The JSON kind that was given instead, e.g. `a string`.
        found: &'static str,
    },

    /// `$in`, `$nin` or `$and` given `[]`.
    #[error("at {}: {operator} needs a non-empty array", show(.path))]
    EmptyArray {
        /// Where the operand is.
        path: String,
        /// The operator, e.g. `$in`.
        operator: &'static str,
    },

    /// `$or` with fewer than two alternatives.
    #[error(
        "at {}: $or needs at least 2 alternatives, got {count}; a single query needs no $or",
        show(.path)
    )]
    TooFewAlternatives {
        /// Where the operand is.
        path: String,
        /// How many alternatives were given.
        count: usize,
    },

    /// `$is_null` given something other than `true` or `false`.
    #[error("at {}: {operator} needs true or false, got {found}", show(.path))]
    ExpectedBool {
        /// Where the operand is.
        path: String,
        /// The operator (`$is_null`).
        operator: &'static str,
        /// The JSON kind that was given instead.
        found: &'static str,
    },

    /// `$any`, `$all` or `$rel` given something other than an object (a query).
    #[error(
        "at {}: {operator} needs an object (a query such as `{{\"status\": \"active\"}}` or \
         `{{\"$gt\": 1}}`), got {found}",
        show(.path)
    )]
    ExpectedObject {
        /// Where the operand is.
        path: String,
        /// The operator, e.g. `$any`.
        operator: &'static str,
        /// The JSON kind that was given instead.
        found: &'static str,
    },

    /// A field key with an empty dotted segment (`a..b`, `.a`, `a.`, `""`) or a segment that
    /// starts with `$` (`a.$gt`).
    #[error(
        "at {}: `{key}` is not a field name: every `.`-separated segment must be non-empty and \
         must not start with `$`",
        show(.path)
    )]
    BadFieldKey {
        /// Where the key is (its last segment is the key).
        path: String,
        /// The key as written.
        key: String,
    },
}

impl SpecError {
    /// The JSON pointer to the problem (`""` is the root).
    pub fn path(&self) -> &str {
        match self {
            SpecError::EmptyObject { path }
            | SpecError::MixedKeys { path, .. }
            | SpecError::UnknownOperator { path, .. }
            | SpecError::ExpectedArray { path, .. }
            | SpecError::EmptyArray { path, .. }
            | SpecError::TooFewAlternatives { path, .. }
            | SpecError::ExpectedBool { path, .. }
            | SpecError::ExpectedObject { path, .. }
            | SpecError::BadFieldKey { path, .. } => path,
        }
    }
}

/// Two requirements on the same place that no state can satisfy together, e.g. `{"status":
/// "active"}` and `{"status": "deleted"}`.
///
/// `existing` and `incoming` are the two sub-queries at `path` (the receiver and the argument of
/// [`Query::merge`], descended to the conflict). They are boxed to keep the error small: errors
/// that embed this one stay cheap to return.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "conflicting requirements at {}: {existing} and {incoming} cannot both hold",
    show(.path)
)]
pub struct MergeConflict {
    /// JSON pointer of the conflicting field, e.g. `/id/tenant_id` or `/author_id/$rel/name`.
    pub path: String,
    /// The sub-query that was there first.
    pub existing: Box<Query>,
    /// The sub-query that was merged into it.
    pub incoming: Box<Query>,
}

/// The JSON kind of a value, as an article and a noun, for messages.
pub(crate) fn kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_the_place() {
        let e = SpecError::EmptyArray {
            path: "/author_id/$in".into(),
            operator: "$in",
        };
        assert_eq!(
            e.to_string(),
            "at /author_id/$in: $in needs a non-empty array"
        );
        assert_eq!(e.path(), "/author_id/$in");
        let root = SpecError::EmptyObject {
            path: String::new(),
        };
        assert!(root.to_string().starts_with("at (root): "), "{root}");
    }

    #[test]
    fn merge_conflict_shows_both_queries_as_json() {
        let c = MergeConflict {
            path: "/status".into(),
            existing: Box::new(Query::Eq(json!("active"))),
            incoming: Box::new(Query::Eq(json!("deleted"))),
        };
        assert_eq!(
            c.to_string(),
            "conflicting requirements at /status: \"active\" and \"deleted\" cannot both hold"
        );
    }

    #[test]
    fn errors_are_small() {
        assert!(
            size_of::<MergeConflict>() <= 40,
            "{}",
            size_of::<MergeConflict>()
        );
        assert!(size_of::<SpecError>() <= 80, "{}", size_of::<SpecError>());
    }

    #[test]
    fn kinds() {
        assert_eq!(kind(&json!(null)), "null");
        assert_eq!(kind(&json!(true)), "a boolean");
        assert_eq!(kind(&json!(1)), "a number");
        assert_eq!(kind(&json!("s")), "a string");
        assert_eq!(kind(&json!([])), "an array");
        assert_eq!(kind(&json!({})), "an object");
    }
}
