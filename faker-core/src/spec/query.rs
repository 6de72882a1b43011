//! The query AST: [`Query`], and the read-only helpers the provider runtime needs.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// A predicate over JSON state, in the MongoDB-like DSL of the [module documentation](super).
///
/// Build one with [`Query::parse`] from JSON, or with the normalising constructors
/// ([`Query::equal`], [`Query::and`], [`Query::fields`], ...). Evaluate it with
/// [`Query::matches`] / [`Query::matches_with`], combine two with [`Query::merge`], write it
/// back with [`Query::to_json`].
///
/// ```
/// use faker_core::spec::Query;
/// use serde_json::json;
///
/// let adults = Query::parse(&json!({"status": "active", "age": {"$gte": 18}}))?;
/// assert!(adults.matches(&json!({"status": "active", "age": 30, "name": "Ann"})));
/// assert!(!adults.matches(&json!({"status": "active", "age": 17})));
/// assert!(!adults.matches(&json!({"age": 30}))); // missing status is null
///
/// // A second requirement on the same aggregate: fields are united, comparisons ANDed.
/// let young = Query::parse(&json!({"age": {"$lt": 30}}))?;
/// let both = adults.clone().merge(young)?;
/// assert_eq!(both.to_json(), json!({"age": {"$gte": 18, "$lt": 30}, "status": "active"}));
/// assert!(both.matches(&json!({"status": "active", "age": 29})));
/// assert!(!both.matches(&json!({"status": "active", "age": 30})));
///
/// // Contradictions are reported with the field and both sides.
/// let err = adults.merge(Query::parse(&json!({"status": "deleted"}))?).unwrap_err();
/// assert_eq!(err.path, "/status");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Values inside `Eq`, `Ne`, the comparisons, `In` and `Nin` are raw JSON (operands are never
/// parsed as queries), except that an object operand of `$eq`/`$ne` means a partial match and
/// is normalised into [`Query::Fields`]. See the module documentation for the normal form.
///
/// `==` on queries is structural (`Eq(1) != Eq(1.0)`, and `And` operand order counts), while
/// evaluation compares numbers numerically; [`Query::key`] is structural in the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// `v` or `{"$eq": v}`: the value equals `v`. Never holds an object in normal form (an
    /// object operand becomes [`Query::Fields`]).
    Eq(Value),
    /// `{"$ne": v}`: the value does not equal `v` (a missing field is null, so it matches).
    Ne(Value),
    /// `{"$gt": v}`: the value is greater than `v` (numbers numerically, strings by code point).
    Gt(Value),
    /// `{"$gte": v}`: greater than or equal.
    Gte(Value),
    /// `{"$lt": v}`: less than.
    Lt(Value),
    /// `{"$lte": v}`: less than or equal.
    Lte(Value),
    /// `{"$in": [..]}`: the value equals one of these.
    In(Vec<Value>),
    /// `{"$nin": [..]}`: the value equals none of these.
    Nin(Vec<Value>),
    /// `{"$is_null": b}`: the value is null or missing (`true`), or is present and not null
    /// (`false`).
    IsNull(bool),
    /// `{"$not": q}`: `q` does not match.
    Not(Box<Query>),
    /// `{"$and": [..]}`, or several operators in one object: every query matches.
    And(Vec<Query>),
    /// `{"$or": [..]}`: at least one query matches.
    Or(Vec<Query>),
    /// `{"$any": q}`: the value is an array and at least one element matches.
    Any(Box<Query>),
    /// `{"$all": q}`: the value is an array and every element matches (true for `[]`).
    All(Box<Query>),
    /// `{"$len": q}`: the value is an array and its length matches `q`.
    Len(Box<Query>),
    /// `{"$rel": q}`: the aggregate the value refers to matches `q` (see
    /// [`Resolver`](super::Resolver)).
    Rel(Box<Query>),
    /// `{"field": q, ..}`: the value is an object and each named field matches its query
    /// (a missing field is null; other fields are ignored).
    Fields(BTreeMap<String, Query>),
}

impl Query {
    /// The sub-query that constrains the nested field `path` (one name per level), looking
    /// through [`Query::Fields`] and through the operands of an [`Query::And`]; for an `And`
    /// the first operand that constrains the field wins. `at(&[])` is the query itself.
    ///
    /// ```
    /// # use faker_core::spec::Query;
    /// # use serde_json::json;
    /// let q = Query::parse(&json!({"id.tenant_id": 5, "status": "active"}))?;
    /// assert_eq!(q.at(&["id", "tenant_id"]), Some(&Query::Eq(json!(5))));
    /// assert_eq!(q.at(&["id", "book_id"]), None);
    /// # Ok::<(), faker_core::spec::SpecError>(())
    /// ```
    pub fn at(&self, path: &[&str]) -> Option<&Query> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Query::Fields(fields) => fields.get(*first)?.at(rest),
            Query::And(all) => all.iter().find_map(|q| q.at(path)),
            _ => None,
        }
    }

    /// The value this query pins, when it is an [`Query::Eq`] or an [`Query::And`] with an
    /// `Eq` operand: every matching state equals it. (A [`Query::Fields`] pins field by field;
    /// use [`Query::at`] for those.)
    pub fn pinned(&self) -> Option<&Value> {
        match self {
            Query::Eq(value) if !value.is_object() => Some(value),
            Query::And(all) => all.iter().find_map(Query::pinned),
            _ => None,
        }
    }

    /// Whether a [`Query::Rel`] occurs anywhere in this query (such a query cannot be decided
    /// without a [`Resolver`](super::Resolver)).
    pub fn has_rel(&self) -> bool {
        match self {
            Query::Rel(_) => true,
            Query::Not(q) | Query::Any(q) | Query::All(q) | Query::Len(q) => q.has_rel(),
            Query::And(all) | Query::Or(all) => all.iter().any(Query::has_rel),
            Query::Fields(fields) => fields.values().any(Query::has_rel),
            Query::Eq(_)
            | Query::Ne(_)
            | Query::Gt(_)
            | Query::Gte(_)
            | Query::Lt(_)
            | Query::Lte(_)
            | Query::In(_)
            | Query::Nin(_)
            | Query::IsNull(_) => false,
        }
    }

    /// The canonical text of this query: its [`Query::to_json`] as compact JSON, object keys
    /// sorted. Two queries with the same key are the same query; use it to identify the
    /// sub-pool a query selects.
    pub fn key(&self) -> String {
        self.to_json().to_string()
    }
}

/// Compact JSON of [`Query::to_json`], the same text as [`Query::key`].
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Query {
        Query::parse(&v).unwrap()
    }

    #[test]
    fn at_looks_through_fields_and_and() {
        let q = parse(json!({"$and": [{"a": {"b": 1}}, {"c": {"$gt": 2}}]}));
        assert_eq!(q.at(&["a", "b"]), Some(&Query::Eq(json!(1))));
        assert_eq!(q.at(&["c"]), Some(&Query::Gt(json!(2))));
        assert_eq!(q.at(&["d"]), None);
        assert_eq!(q.at(&["a", "b", "x"]), None);
        assert_eq!(q.at(&[]), Some(&q));
        assert_eq!(Query::Eq(json!(1)).at(&["a"]), None);
    }

    #[test]
    fn pinned_value() {
        assert_eq!(Query::Eq(json!(5)).pinned(), Some(&json!(5)));
        assert_eq!(parse(json!({"$eq": 5, "$gt": 1})).pinned(), Some(&json!(5)));
        assert_eq!(Query::Eq(json!(null)).pinned(), Some(&json!(null)));
        assert_eq!(Query::Gt(json!(5)).pinned(), None);
        assert_eq!(parse(json!({"a": 1})).pinned(), None);
        assert_eq!(Query::Eq(json!({"a": 1})).pinned(), None);
    }

    #[test]
    fn has_rel_anywhere() {
        assert!(parse(json!({"a": {"$not": {"$rel": {"b": 1}}}})).has_rel());
        assert!(parse(json!({"$or": [1, {"$rel": {"b": 1}}]})).has_rel());
        assert!(!parse(json!({"a": {"$any": {"b": 1}}})).has_rel());
    }

    #[test]
    fn display_and_key_are_compact_sorted_json() {
        let q = parse(json!({"b": 1, "a": {"$in": ["y", "x"]}}));
        assert_eq!(q.key(), r#"{"a":{"$in":["x","y"]},"b":1}"#);
        assert_eq!(q.to_string(), q.key());
    }
}
