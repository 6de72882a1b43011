//! Specifications: a MongoDB-like query DSL over exported aggregate state.
//!
//! A reference with a specification draws only from the part of its pool whose aggregates
//! match, and pins the equality fields of the aggregate it creates. The DSL is plain JSON, so
//! the same query can be written in attributes, configuration files and code:
//!
//! ```
//! use faker_core::spec::Query;
//! use serde_json::json;
//!
//! let q = Query::parse(&json!({
//!     "status": {"$in": ["active", "trial"]},
//!     "address.city": "Moscow",
//!     "employees": {"$len": {"$gte": 10}},
//! }))?;
//! assert!(q.matches(&json!({
//!     "status": "trial",
//!     "address": {"city": "Moscow", "street": "Tverskaya"},
//!     "employees": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
//! })));
//! assert_eq!(q.at(&["address", "city"]).and_then(Query::pinned), Some(&json!("Moscow")));
//! # Ok::<(), faker_core::spec::SpecError>(())
//! ```
//!
//! # Operators
//!
//! "The value" is the state at the query's place: the whole state at the root, a field's value
//! inside a field dict (a missing field is `null`), an element inside `$any`/`$all`.
//!
//! | Syntax | Node | Matches when |
//! |---|---|---|
//! | `5`, `"x"`, `true`, `null`, `[1, 2]` | [`Query::Eq`] | the value equals it |
//! | `{"$eq": v}` | `Eq` | the same; an object `v` is read as a query, so `{"$eq": {"a": 1}}` is the field dict `{"a": 1}` (a partial match, not exact object equality), and `{"$eq": {}}` is any object |
//! | `{"$ne": v}` | [`Query::Ne`] | `{"$eq": v}` does not match; a missing field is null, so `{"$ne": 5}` matches it |
//! | `{"$gt": v}`, `$gte`, `$lt`, `$lte` | [`Query::Gt`], ... | the value is greater than (or equal to, less than, ...) `v`: numbers numerically, strings by Unicode code point (ISO-8601 timestamps in one format order in time); any other pair (number and string, anything and null, booleans, arrays, objects) is simply false |
//! | `{"$in": [..]}` | [`Query::In`] | the value equals (as `$eq`) one of the items; the array must not be empty |
//! | `{"$nin": [..]}` | [`Query::Nin`] | the value equals none of the items; the array must not be empty |
//! | `{"$is_null": b}` | [`Query::IsNull`] | the value is null or missing (`true`), or is present and not null (`false`) |
//! | `{"$not": q}` | [`Query::Not`] | `q` does not match (`q` may be a bare value: `{"$not": 5}`) |
//! | `{"$and": [q, ..]}` | [`Query::And`] | every `q` matches (at least one item) |
//! | `{"$gt": 1, "$lt": 5}` | `And` | several operators in one object: all of them |
//! | `{"$or": [q, q, ..]}` | [`Query::Or`] | at least one `q` matches (at least two items) |
//! | `{"$any": {..}}` | [`Query::Any`] | the value is an array and some element matches; `[]` → false |
//! | `{"$all": {..}}` | [`Query::All`] | the value is an array and every element matches; `[]` → true |
//! | `{"$len": q}` | [`Query::Len`] | the value is an array and its length matches `q` |
//! | `{"$rel": {..}}` | [`Query::Rel`] | the aggregate the value refers to matches; see [`Resolver`] (without one, the inner query is evaluated on the value itself) |
//! | `{"field": q, ..}` | [`Query::Fields`] | the value is an object and each named field matches its `q` (missing = null, other fields ignored) |
//! | `{"a.b": q}` | `Fields` | the same as `{"a": {"b": q}}` |
//!
//! Equality is JSON equality with numbers compared numerically: `1 == 1.0` (integers compared
//! exactly, never through a lossy `f64`), but `1 != true`, `0 != null` and `"1" != 1`. Arrays
//! are equal element-wise and in order. An *object* as an `$eq`/`$in`/`$ne` operand is a partial
//! match: the value must be an object having those fields with matching values.
//!
//! # Syntax rules
//!
//! * A non-object (scalar, array, null) is `$eq` of itself; operands of `$ne`, `$gt`, `$gte`,
//!   `$lt`, `$lte`, `$in`, `$nin` are values, not queries.
//! * An object holds either operators (every key starts with `$`) or fields (no key does);
//!   mixing them, `{}`, and unknown operators are errors. `$any`, `$all` and `$rel` need an
//!   object, `$is_null` a boolean, `$in`/`$nin`/`$and` a non-empty array, `$or` at least two
//!   alternatives.
//! * A field key may be dotted; every segment must be non-empty and must not start with `$`.
//!   A dotted key and a nested object on the same prefix are merged field-wise: `{"id":
//!   {"book_id": 3}, "id.tenant_id": 5}` is `{"id": {"book_id": 3, "tenant_id": 5}}`. Where two
//!   entries constrain the same leaf, both must hold (they are ANDed; a contradiction is not a
//!   parse error, it just matches nothing).
//! * Keys are read in sorted order, so the result never depends on the order of a JSON object.
//!
//! Errors are [`SpecError`]s naming the place as a JSON pointer:
//! `at /author_id/$in: $in needs a non-empty array`.
//!
//! # Normal form and identity
//!
//! [`Query::parse`] returns a query in normal form (see [`Query::normalized`]): no `Eq`/`Ne` of
//! an object, `$in`/`$nin` values sorted and unique, `And`s and `Or`s flattened and without
//! repeats, double negations removed, `Not(Eq)` written as `Ne`. [`Query::to_json`] writes the
//! canonical DSL text back, and `Query::parse(&q.to_json()) == Ok(q)` for every such query;
//! [`Query::key`] (and `Display`) is that text as compact JSON, used as the identity of the
//! sub-pool a query selects.
//!
//! # Merging
//!
//! [`Query::merge`] combines two requirements (for example two `require` calls on one
//! reference): field dicts are united, a pinned value absorbs what it implies, contradictions
//! of a pinned value are a [`MergeConflict`], and anything else is ANDed.
//!
//! # Differences from the Python original
//!
//! `$nin`, `$and`, dotted keys and `{"$eq": {}}` are additions. Merging two different operators
//! ANDs them instead of raising. `$rel` takes any query, not only a field dict. Comparing
//! values of different kinds (or with null) is false instead of raising, and `true` is not `1`.
//! `$ne` and `$in` with an object operand use the same partial match as `$eq` (the original
//! compared such objects exactly in memory, but by containment in SQL).

mod error;
mod evaluate;
mod json;
mod merge;
mod normalize;
mod parse;
mod path;
mod query;
mod value;

#[cfg(test)]
mod proptests;

pub use error::{MergeConflict, SpecError};
pub use evaluate::{Resolved, Resolver};
pub use query::Query;
