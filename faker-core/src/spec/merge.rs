//! Combining two requirements on the same thing: [`Query::merge`].

use super::Query;
use super::error::MergeConflict;
use super::path::Loc;

impl Query {
    /// Both this query and `other`, as one query in normal form — or a [`MergeConflict`] when
    /// they visibly contradict each other.
    ///
    /// Rules, applied at the root and recursively per shared field:
    ///
    /// | `self` | `other` | result |
    /// |---|---|---|
    /// | `q` | `q` (equal) | `q` |
    /// | `Fields` | `Fields` | the union of the fields; a field in both is merged recursively |
    /// | `Rel(a)` | `Rel(b)` | `Rel(a.merge(b))` |
    /// | pins `v` (`Eq(v)`, or an `And` with `Eq(v)`) | `q` without `$rel` | `self` if `q` matches `v` (a state equal to `v` satisfies both, so `self` implies `q`), else a conflict |
    /// | `q` without `$rel` | pins `v` | the same, mirrored: `other` or a conflict |
    /// | anything else | | `And([self, other])`, nested `And`s flattened |
    ///
    /// So `Eq(5)` + `Eq(6)` is a conflict, `Eq(5)` + `{"$gt": 1}` is `Eq(5)`, `Eq(5)` +
    /// `{"$lt": 1}` is a conflict, `Eq(null)` + a field dict is a conflict (a null reference
    /// cannot have fields), and `{"$gt": 1}` + `{"$lt": 5}` is `{"$gt": 1, "$lt": 5}`. A query
    /// with a `$rel` needs a [`Resolver`](super::Resolver) to be decided, so it is ANDed, never
    /// checked. Other contradictions (`{"$gt": 5}` + `{"$lt": 1}`) are not detected: the result
    /// is a valid query that matches nothing.
    ///
    /// (The Python original raised on any two different operators; ANDing them is the
    /// difference.) Both inputs are normalised first ([`Query::normalized`]).
    pub fn merge(self, other: Query) -> Result<Query, MergeConflict> {
        merge_at(self.normalized(), other.normalized(), &Loc::ROOT)
    }
}

fn merge_at(existing: Query, incoming: Query, at: &Loc<'_>) -> Result<Query, MergeConflict> {
    if existing == incoming {
        return Ok(existing);
    }
    match (existing, incoming) {
        (Query::Fields(mut fields), Query::Fields(more)) => {
            for (name, query) in more {
                let merged = match fields.remove(&name) {
                    Some(old) => merge_at(old, query, &at.key(&name))?,
                    None => query,
                };
                fields.insert(name, merged);
            }
            Ok(Query::Fields(fields))
        }
        (Query::Rel(a), Query::Rel(b)) => {
            Ok(Query::Rel(Box::new(merge_at(*a, *b, &at.key("$rel"))?)))
        }
        (existing, incoming) => {
            if let Some(compatible) = implied(&existing, &incoming) {
                return decide(compatible, existing, incoming, at, true);
            }
            if let Some(compatible) = implied(&incoming, &existing) {
                return decide(compatible, existing, incoming, at, false);
            }
            Ok(Query::and([existing, incoming]))
        }
    }
}

/// When `pinning` pins a value that `other` can be checked on (no `$rel`): whether `other`
/// matches it.
fn implied(pinning: &Query, other: &Query) -> Option<bool> {
    let value = pinning.pinned()?;
    (!other.has_rel()).then(|| other.matches(value))
}

fn decide(
    compatible: bool,
    existing: Query,
    incoming: Query,
    at: &Loc<'_>,
    keep_existing: bool,
) -> Result<Query, MergeConflict> {
    match (compatible, keep_existing) {
        (true, true) => Ok(existing),
        (true, false) => Ok(incoming),
        (false, _) => Err(MergeConflict {
            path: at.pointer(),
            existing: Box::new(existing),
            incoming: Box::new(incoming),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn q(v: Value) -> Query {
        Query::parse(&v).unwrap()
    }

    fn merged(a: Value, b: Value) -> Result<Query, MergeConflict> {
        q(a).merge(q(b))
    }

    #[test]
    fn fields_union_recursively() {
        assert_eq!(
            merged(
                json!({"id": {"tenant_id": 1}, "a": 1}),
                json!({"id": {"book_id": 2}, "b": 2})
            )
            .unwrap(),
            q(json!({"id": {"tenant_id": 1, "book_id": 2}, "a": 1, "b": 2}))
        );
    }

    #[test]
    fn equal_queries_merge_to_one() {
        assert_eq!(
            merged(json!({"a": 1}), json!({"a": 1})).unwrap(),
            q(json!({"a": 1}))
        );
        assert_eq!(
            merged(json!({"$gt": 1}), json!({"$gt": 1})).unwrap(),
            q(json!({"$gt": 1}))
        );
        // Numerically equal pins keep the first.
        assert_eq!(merged(json!(1), json!(1.0)).unwrap(), q(json!(1)));
    }

    #[test]
    fn eq_eq_conflict_names_the_field() {
        let err = merged(
            json!({"id": {"tenant_id": 1}}),
            json!({"id": {"tenant_id": 2}}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            MergeConflict {
                path: "/id/tenant_id".into(),
                existing: Box::new(Query::Eq(json!(1))),
                incoming: Box::new(Query::Eq(json!(2))),
            }
        );
        assert_eq!(
            err.to_string(),
            "conflicting requirements at /id/tenant_id: 1 and 2 cannot both hold"
        );
        let root = merged(json!("a"), json!("b")).unwrap_err();
        assert_eq!(root.path, "");
        assert!(
            root.to_string()
                .starts_with("conflicting requirements at (root): ")
        );
    }

    #[test]
    fn eq_absorbs_a_compatible_query() {
        assert_eq!(
            merged(json!({"a": 5}), json!({"a": {"$gt": 1}})).unwrap(),
            q(json!({"a": 5}))
        );
        assert_eq!(
            merged(json!({"a": {"$gt": 1}}), json!({"a": 5})).unwrap(),
            q(json!({"a": 5}))
        );
        assert_eq!(
            merged(
                json!({"a": {"$eq": 5, "$lt": 9}}),
                json!({"a": {"$in": [4, 5]}})
            )
            .unwrap(),
            q(json!({"a": {"$eq": 5, "$lt": 9}}))
        );
        assert_eq!(
            merged(json!(null), json!({"$is_null": true})).unwrap(),
            Query::Eq(json!(null))
        );
    }

    #[test]
    fn eq_with_an_incompatible_query_conflicts() {
        let err = merged(json!({"a": 5}), json!({"a": {"$lt": 1}})).unwrap_err();
        assert_eq!(err.path, "/a");
        assert_eq!(*err.existing, Query::Eq(json!(5)));
        assert_eq!(*err.incoming, Query::Lt(json!(1)));
        let err = merged(json!({"a": {"$lt": 1}}), json!({"a": 5})).unwrap_err();
        assert_eq!(
            (*err.existing, *err.incoming),
            (Query::Lt(json!(1)), Query::Eq(json!(5)))
        );
        // A null reference cannot have fields (ADR-0004's case, typed instead of a TypeError).
        let err = merged(json!({"author": null}), json!({"author": {"name": "x"}})).unwrap_err();
        assert_eq!(err.path, "/author");
        // A pin inside an And is a pin too.
        assert!(merged(json!({"$eq": 3, "$gt": 1}), json!({"$gt": 5})).is_err());
    }

    #[test]
    fn two_comparisons_are_anded() {
        assert_eq!(
            merged(json!({"a": {"$gt": 1}}), json!({"a": {"$lt": 5}})).unwrap(),
            q(json!({"a": {"$gt": 1, "$lt": 5}}))
        );
        assert_eq!(
            merged(json!({"$gt": 1, "$lt": 9}), json!({"$ne": 5})).unwrap(),
            Query::And(vec![
                Query::Gt(json!(1)),
                Query::Lt(json!(9)),
                Query::Ne(json!(5))
            ])
        );
        // Undetected contradiction: a valid query that matches nothing.
        let never = merged(json!({"$gt": 5}), json!({"$lt": 1})).unwrap();
        assert!(!never.matches(&json!(3)));
        // Different kinds of node (a field dict and an Or) are ANDed too.
        assert_eq!(
            merged(json!({"a": 1}), json!({"$or": [{"b": 1}, {"c": 1}]})).unwrap(),
            Query::And(vec![
                q(json!({"a": 1})),
                q(json!({"$or": [{"b": 1}, {"c": 1}]}))
            ])
        );
    }

    #[test]
    fn rel_and_rel_merge_inside() {
        assert_eq!(
            merged(json!({"$rel": {"a": 1}}), json!({"$rel": {"b": 2}})).unwrap(),
            q(json!({"$rel": {"a": 1, "b": 2}}))
        );
        let err = merged(
            json!({"author_id": {"$rel": {"name": "a"}}}),
            json!({"author_id": {"$rel": {"name": "b"}}}),
        )
        .unwrap_err();
        assert_eq!(err.path, "/author_id/$rel/name");
    }

    #[test]
    fn eq_and_rel_are_anded_unchecked() {
        // Pinning a reference and constraining what it refers to is not a contradiction.
        assert_eq!(
            merged(
                json!({"author_id": 7}),
                json!({"author_id": {"$rel": {"name": "a"}}})
            )
            .unwrap(),
            q(json!({"author_id": {"$and": [7, {"$rel": {"name": "a"}}]}}))
        );
    }

    #[test]
    fn inputs_are_normalised() {
        let raw = Query::Eq(json!({"a": 1}));
        assert_eq!(
            raw.merge(q(json!({"b": 2}))).unwrap(),
            q(json!({"a": 1, "b": 2}))
        );
    }
}
