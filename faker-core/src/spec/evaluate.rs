//! In-memory evaluation: [`Query::matches`], [`Query::matches_with`] and the [`Resolver`] that
//! lets `$rel` look at referenced aggregates.
//!
//! Evaluation never fails and never panics: a comparison between values of different kinds is
//! simply false. It borrows the state and allocates nothing, except the dotted field name handed
//! to a [`Resolver`] and whatever the resolver returns.

use std::cmp::Ordering;

use serde_json::Value;

use super::Query;
use super::path::Loc;
use super::value::{NULL, contains, order};

/// Finds the state of the aggregate a reference points at, for `$rel`.
///
/// `field` is the dotted path of the referencing field inside the current aggregate (`""` for a
/// `$rel` at the root, whose reference is the whole current state — e.g. the value a pool of ids
/// holds); array operators (`$any`, `$all`) add no segment. `reference` is the field's value,
/// usually an id. Return `None` when the field is not a reference or the aggregate does not
/// exist; the `$rel` then does not match.
///
/// ```
/// # use faker_core::spec::{Query, Resolved, Resolver};
/// # use serde_json::{json, Value};
/// struct Companies;
/// impl Resolver for Companies {
///     fn resolve(&self, field: &str, reference: &Value) -> Option<Resolved<'_>> {
///         (field == "company_id" && reference == &json!(1))
///             .then(|| Resolved { state: json!({"name": "Acme"}), resolver: None })
///     }
/// }
/// let q = Query::parse(&json!({"company_id": {"$rel": {"name": "Acme"}}}))?;
/// assert!(q.matches_with(&json!({"company_id": 1}), &Companies));
/// assert!(!q.matches_with(&json!({"company_id": 2}), &Companies));
/// # Ok::<(), faker_core::spec::SpecError>(())
/// ```
pub trait Resolver {
    /// The referenced aggregate's state, or `None` when there is none.
    fn resolve(&self, field: &str, reference: &Value) -> Option<Resolved<'_>>;
}

/// A referenced aggregate's state, as found by a [`Resolver`].
#[derive(Clone)]
pub struct Resolved<'a> {
    /// The referenced aggregate's exported state; the inner query of `$rel` is evaluated on it.
    pub state: Value,
    /// The resolver for the referenced aggregate's own references (for a `$rel` inside a
    /// `$rel`); `None` when it has none, in which case a nested `$rel` evaluates its inner
    /// query on the reference value itself.
    pub resolver: Option<&'a dyn Resolver>,
}

impl std::fmt::Debug for Resolved<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("state", &self.state)
            .field("resolver", &self.resolver.map(|_| ".."))
            .finish()
    }
}

impl Query {
    /// Whether `state` satisfies this query. A `$rel` is evaluated on the reference value
    /// itself (there is nothing to resolve it with); use [`Query::matches_with`] to follow
    /// references.
    pub fn matches(&self, state: &Value) -> bool {
        eval(self, state, None, &Loc::ROOT)
    }

    /// Whether `state` satisfies this query, following each `$rel` through `resolver`.
    pub fn matches_with(&self, state: &Value, resolver: &dyn Resolver) -> bool {
        eval(self, state, Some(resolver), &Loc::ROOT)
    }
}

fn eval(query: &Query, state: &Value, resolver: Option<&dyn Resolver>, field: &Loc<'_>) -> bool {
    let ordered =
        |bound: &Value, accept: fn(Ordering) -> bool| order(state, bound).is_some_and(accept);
    match query {
        Query::Eq(value) => contains(value, state),
        Query::Ne(value) => !contains(value, state),
        Query::Gt(bound) => ordered(bound, Ordering::is_gt),
        Query::Gte(bound) => ordered(bound, Ordering::is_ge),
        Query::Lt(bound) => ordered(bound, Ordering::is_lt),
        Query::Lte(bound) => ordered(bound, Ordering::is_le),
        Query::In(values) => values.iter().any(|value| contains(value, state)),
        Query::Nin(values) => !values.iter().any(|value| contains(value, state)),
        Query::IsNull(null) => state.is_null() == *null,
        Query::Not(inner) => !eval(inner, state, resolver, field),
        Query::And(all) => all.iter().all(|q| eval(q, state, resolver, field)),
        Query::Or(any) => any.iter().any(|q| eval(q, state, resolver, field)),
        Query::Any(inner) => state
            .as_array()
            .is_some_and(|items| items.iter().any(|item| eval(inner, item, resolver, field))),
        Query::All(inner) => state
            .as_array()
            .is_some_and(|items| items.iter().all(|item| eval(inner, item, resolver, field))),
        Query::Len(inner) => state
            .as_array()
            .is_some_and(|items| eval(inner, &Value::from(items.len()), resolver, field)),
        Query::Fields(fields) => state.as_object().is_some_and(|object| {
            fields.iter().all(|(name, q)| {
                let value = object.get(name).unwrap_or(&NULL);
                eval(q, value, resolver, &field.key(name))
            })
        }),
        Query::Rel(inner) => match resolver {
            None => eval(inner, state, None, field),
            Some(resolver) => match resolver.resolve(&field.dotted(), state) {
                None => false,
                Some(found) => eval(inner, &found.state, found.resolver, &Loc::ROOT),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    fn q(v: Value) -> Query {
        Query::parse(&v).unwrap()
    }

    fn check(query: Value, yes: &[Value], no: &[Value]) {
        let query = q(query);
        for state in yes {
            assert!(query.matches(state), "{query} should match {state}");
        }
        for state in no {
            assert!(!query.matches(state), "{query} should not match {state}");
        }
    }

    #[test]
    fn eq_numbers_strings_null_arrays() {
        check(
            json!(1),
            &[json!(1), json!(1.0)],
            &[json!(true), json!("1"), json!(null), json!(2)],
        );
        check(json!(1.5), &[json!(1.5)], &[json!(1), json!(2)]);
        check(json!("a"), &[json!("a")], &[json!("A"), json!(["a"])]);
        check(
            json!(null),
            &[json!(null)],
            &[json!(0), json!(false), json!("")],
        );
        check(json!(true), &[json!(true)], &[json!(1), json!(false)]);
        check(
            json!([1, 2]),
            &[json!([1, 2.0])],
            &[json!([2, 1]), json!([1]), json!(1)],
        );
        // A missing field is null.
        check(
            json!({"a": null}),
            &[json!({}), json!({"a": null})],
            &[json!({"a": 0})],
        );
    }

    #[test]
    fn ne_is_the_negation_of_eq() {
        check(
            json!({"a": {"$ne": 5}}),
            &[
                json!({}),
                json!({"a": null}),
                json!({"a": "5"}),
                json!({"a": 6}),
            ],
            &[json!({"a": 5}), json!({"a": 5.0})],
        );
        check(
            json!({"$ne": {"a": 1}}),
            &[json!({"a": 2}), json!(1), json!({})],
            &[json!({"a": 1, "b": 2})],
        );
    }

    #[test]
    fn ordering_operators() {
        check(
            json!({"$gt": 5}),
            &[json!(6), json!(5.5)],
            &[json!(5), json!(5.0), json!(4), json!("6"), json!(null)],
        );
        check(
            json!({"$gte": 5}),
            &[json!(5.0), json!(6)],
            &[json!(4.9), json!(true)],
        );
        check(
            json!({"$lt": 5}),
            &[json!(4), json!(-1e9)],
            &[json!(5), json!([1])],
        );
        check(
            json!({"$lte": 5.0}),
            &[json!(5), json!(4)],
            &[json!(5.01), json!({})],
        );
        check(
            json!({"at": {"$gte": "2024-01-01T00:00:00Z", "$lt": "2024-02-01T00:00:00Z"}}),
            &[json!({"at": "2024-01-15T12:00:00Z"})],
            &[
                json!({"at": "2024-02-01T00:00:00Z"}),
                json!({"at": 5}),
                json!({}),
            ],
        );
        // Comparing with null or a missing field is false, never an error.
        check(
            json!({"a": {"$gt": null}}),
            &[],
            &[json!({"a": 1}), json!({})],
        );
        check(
            json!({"a": {"$lt": 5}}),
            &[],
            &[json!({}), json!({"a": null})],
        );
    }

    #[test]
    fn in_and_nin() {
        check(
            json!({"$in": [1, "x", null]}),
            &[json!(1.0), json!("x"), json!(null)],
            &[json!(2), json!("y"), json!(true)],
        );
        check(
            json!({"a": {"$nin": [1, 2]}}),
            &[json!({}), json!({"a": 3}), json!({"a": "1"})],
            &[json!({"a": 1}), json!({"a": 2.0})],
        );
        // Objects in $in are partial matches, like $eq.
        check(
            json!({"$in": [{"k": 1}]}),
            &[json!({"k": 1, "x": 0})],
            &[json!({"k": 2}), json!(1)],
        );
    }

    #[test]
    fn is_null() {
        check(
            json!({"a": {"$is_null": true}}),
            &[json!({}), json!({"a": null})],
            &[json!({"a": 0}), json!({"a": []})],
        );
        check(
            json!({"a": {"$is_null": false}}),
            &[json!({"a": false}), json!({"a": {}})],
            &[json!({}), json!({"a": null})],
        );
    }

    #[test]
    fn logic() {
        check(
            json!({"$not": {"$gt": 5}}),
            &[json!(5), json!("x"), json!(null)],
            &[json!(6)],
        );
        check(
            json!({"$gt": 1, "$lt": 5}),
            &[json!(3)],
            &[json!(1), json!(5)],
        );
        check(
            json!({"$and": [{"$gt": 1}, {"$ne": 3}]}),
            &[json!(2)],
            &[json!(3), json!(0)],
        );
        check(
            json!({"$or": [1, {"$gt": 10}]}),
            &[json!(1), json!(11)],
            &[json!(5)],
        );
    }

    // Reference §10.13 and the array operators.
    #[test]
    fn arrays() {
        check(
            json!({"$any": {"$gt": 2}}),
            &[json!([1, 3])],
            &[json!([1, 2]), json!([]), json!(3), json!(null)],
        );
        check(
            json!({"$all": {"$gt": 2}}),
            &[json!([3, 4]), json!([])],
            &[json!([1, 3]), json!(3), json!({})],
        );
        check(
            json!({"$len": 2}),
            &[json!([0, 0])],
            &[json!([0]), json!("ab"), json!({"a": 1, "b": 2})],
        );
        check(
            json!({"$len": {"$gte": 1}}),
            &[json!([0])],
            &[json!([]), json!(null)],
        );
        check(
            json!({"items": {"$any": {"status": "shipped"}}}),
            &[json!({"items": [{"status": "new"}, {"status": "shipped", "n": 1}]})],
            &[
                json!({"items": [{"status": "new"}]}),
                json!({"items": []}),
                json!({}),
            ],
        );
    }

    #[test]
    fn fields_are_a_partial_match() {
        check(
            json!({"a": 1, "b": {"c": 2}}),
            &[json!({"a": 1, "b": {"c": 2, "d": 3}, "e": 4})],
            &[
                json!({"a": 1}),
                json!({"a": 1, "b": 2}),
                json!([1]),
                json!(null),
                json!("a"),
            ],
        );
        check(
            json!({"$eq": {}}),
            &[json!({}), json!({"a": 1})],
            &[json!([]), json!(null)],
        );
        // $is_null on a missing field: true (reference §10.13).
        check(json!({"x": {"$is_null": true}}), &[json!({"y": 1})], &[]);
    }

    #[test]
    fn rel_without_resolver_looks_at_the_value_itself() {
        check(
            json!({"$rel": {"name": "x"}}),
            &[json!({"name": "x"})],
            &[json!(1)],
        );
        check(
            json!({"a": {"$rel": {"$gt": 1}}}),
            &[json!({"a": 2})],
            &[json!({"a": 1})],
        );
    }

    /// Tenants and authors; an author refers to a tenant through `tenant_id`.
    struct Db {
        tenants: HashMap<i64, Value>,
        authors: HashMap<i64, Value>,
        tenant_resolver: Option<Box<Db>>,
    }

    impl Resolver for Db {
        fn resolve(&self, field: &str, reference: &Value) -> Option<Resolved<'_>> {
            let id = reference.as_i64()?;
            let state = match field {
                // A root $rel: the state is an author id (e.g. a pool of author ids).
                "" | "author_id" | "book.author_id" => self.authors.get(&id)?,
                "tenant_id" => self.tenants.get(&id)?,
                _ => return None,
            };
            Some(Resolved {
                state: state.clone(),
                resolver: self.tenant_resolver.as_deref().map(|r| r as &dyn Resolver),
            })
        }
    }

    fn db() -> Db {
        let tenants: HashMap<i64, Value> =
            [(1, json!({"name": "Acme"})), (2, json!({"name": "Other"}))].into();
        let authors: HashMap<i64, Value> = [
            (10, json!({"name": "Ann", "tenant_id": 1})),
            (11, json!({"name": "Bob", "tenant_id": 2})),
        ]
        .into();
        Db {
            tenants: tenants.clone(),
            authors: authors.clone(),
            tenant_resolver: Some(Box::new(Db {
                tenants,
                authors: HashMap::new(),
                tenant_resolver: None,
            })),
        }
    }

    #[test]
    fn rel_on_a_field() {
        let db = db();
        let q = q(json!({"author_id": {"$rel": {"name": "Ann"}}}));
        assert!(q.matches_with(&json!({"author_id": 10}), &db));
        assert!(!q.matches_with(&json!({"author_id": 11}), &db));
        // Not found, and a missing reference (null): false.
        assert!(!q.matches_with(&json!({"author_id": 99}), &db));
        assert!(!q.matches_with(&json!({}), &db));
        // Under $not, a failed lookup is simply a non-match.
        let not = Query::negate(q.clone());
        assert!(not.matches_with(&json!({"author_id": 99}), &db));
    }

    #[test]
    fn rel_at_the_root() {
        let db = db();
        let q = q(json!({"$rel": {"name": "Bob"}}));
        assert!(q.matches_with(&json!(11), &db));
        assert!(!q.matches_with(&json!(10), &db));
        assert!(!q.matches_with(&json!(12), &db));
    }

    #[test]
    fn rel_field_path_is_dotted_and_nested_resolver_is_used() {
        let db = db();
        let q = q(json!({"book.author_id": {"$rel": {"tenant_id": {"$rel": {"name": "Acme"}}}}}));
        assert!(q.matches_with(&json!({"book": {"author_id": 10}}), &db));
        assert!(!q.matches_with(&json!({"book": {"author_id": 11}}), &db));
        // The nested resolver only knows tenants: "tenant_id" relative to the author resolves.
        let flat = q_inner_rel_chain();
        assert!(flat.matches_with(&json!({"author_id": 10}), &db));
    }

    fn q_inner_rel_chain() -> Query {
        q(
            json!({"author_id": {"$rel": {"name": "Ann", "tenant_id": {"$rel": {"name": {"$in": ["Acme"]}}}}}}),
        )
    }

    #[test]
    fn nested_rel_without_nested_resolver_looks_at_the_value() {
        struct NoNested;
        impl Resolver for NoNested {
            fn resolve(&self, _field: &str, _reference: &Value) -> Option<Resolved<'_>> {
                Some(Resolved {
                    state: json!({"tenant_id": 7}),
                    resolver: None,
                })
            }
        }
        let q = q(json!({"a": {"$rel": {"tenant_id": {"$rel": {"$gt": 5}}}}}));
        assert!(q.matches_with(&json!({"a": 1}), &NoNested));
        let q2 = q_inner_rel_chain();
        assert!(!q2.matches_with(&json!({"author_id": 1}), &NoNested));
    }

    #[test]
    fn rel_inside_arrays_and_or() {
        let db = db();
        let either = q(
            json!({"author_id": {"$or": [{"$rel": {"name": "Zed"}}, {"$rel": {"name": "Ann"}}]}}),
        );
        assert!(either.matches_with(&json!({"author_id": 10}), &db));
        struct Recorder(std::cell::RefCell<Vec<String>>);
        impl Resolver for Recorder {
            fn resolve(&self, field: &str, _reference: &Value) -> Option<Resolved<'_>> {
                self.0.borrow_mut().push(field.to_owned());
                None
            }
        }
        let recorder = Recorder(Default::default());
        let deep = q(json!({"order": {"items": {"$any": {"product_id": {"$rel": {"a": 1}}}}}}));
        assert!(!deep.matches_with(&json!({"order": {"items": [{"product_id": 1}]}}), &recorder));
        assert_eq!(
            *recorder.0.borrow(),
            vec!["order.items.product_id".to_owned()]
        );
    }

    #[test]
    fn resolved_debug() {
        let r = Resolved {
            state: json!(1),
            resolver: None,
        };
        assert_eq!(
            format!("{r:?}"),
            "Resolved { state: Number(1), resolver: None }"
        );
    }
}
