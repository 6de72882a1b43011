//! The normal form, and the constructors that keep a query in it.
//!
//! Every constructor here takes operands already in normal form and returns a query in normal
//! form; [`Query::parse`] builds its result only through them, and [`Query::normalized`] rebuilds
//! a hand-made AST through them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Query;

impl Query {
    /// `{"$eq": value}`: an object becomes a [`Query::Fields`] partial match whose keys are
    /// taken literally (recursively: `{"a": {"b": 1}}` → `a` → `b` → `Eq(1)`); anything else is
    /// [`Query::Eq`]. This is how an exported state or id is turned into a query.
    pub fn equal(value: Value) -> Query {
        match value {
            Value::Object(object) => Query::Fields(
                object
                    .into_iter()
                    .map(|(key, value)| (key, Query::equal(value)))
                    .collect(),
            ),
            other => Query::Eq(other),
        }
    }

    /// `{"$ne": value}`: the negation of [`Query::equal`] — [`Query::Ne`] for a non-object, and
    /// `Not(Fields ..)` for an object.
    pub fn not_equal(value: Value) -> Query {
        Query::negate(Query::equal(value))
    }

    /// `{"$in": values}`, with the values in canonical order (sorted by their compact JSON,
    /// duplicates removed).
    pub fn one_of(values: Vec<Value>) -> Query {
        Query::In(canonical_set(values))
    }

    /// `{"$nin": values}`, with the values in canonical order.
    pub fn none_of(values: Vec<Value>) -> Query {
        Query::Nin(canonical_set(values))
    }

    /// `{"$not": query}`, simplified where an exact equivalent exists: `Not(Not(q))` is `q`,
    /// `Not(Eq v)` is `Ne v` (and back), `Not(In ..)` is `Nin ..` (and back), and
    /// `Not(IsNull b)` is `IsNull(!b)`.
    pub fn negate(query: Query) -> Query {
        match query {
            Query::Not(inner) => *inner,
            Query::Eq(value) if value.is_object() => Query::Not(Box::new(Query::equal(value))),
            Query::Eq(value) => Query::Ne(value),
            Query::Ne(value) => Query::equal(value),
            Query::In(values) => Query::Nin(values),
            Query::Nin(values) => Query::In(values),
            Query::IsNull(null) => Query::IsNull(!null),
            other => Query::Not(Box::new(other)),
        }
    }

    /// All of `queries`: nested [`Query::And`]s are flattened, repeated operands dropped, and a
    /// single operand is returned as itself. `And([])` (no operands) matches everything but
    /// cannot be written in the DSL.
    pub fn and(queries: impl IntoIterator<Item = Query>) -> Query {
        let mut out = Vec::new();
        for query in queries {
            match query {
                Query::And(inner) => inner.into_iter().for_each(|q| push_new(&mut out, q)),
                other => push_new(&mut out, other),
            }
        }
        single_or(out, Query::And)
    }

    /// Any of `queries`: nested [`Query::Or`]s are flattened, repeated operands dropped, and a
    /// single operand is returned as itself. `Or([])` matches nothing and cannot be written in
    /// the DSL.
    pub fn or(queries: impl IntoIterator<Item = Query>) -> Query {
        let mut out = Vec::new();
        for query in queries {
            match query {
                Query::Or(inner) => inner.into_iter().for_each(|q| push_new(&mut out, q)),
                other => push_new(&mut out, other),
            }
        }
        single_or(out, Query::Or)
    }

    /// A field dict, as the DSL reads it: a `.` in a key nests (`"id.tenant_id"` is field
    /// `tenant_id` of field `id`), and two entries for the same field are merged field-wise
    /// (where both constrain the same leaf, both must hold: an [`Query::And`]).
    ///
    /// ```
    /// # use faker_core::spec::Query;
    /// # use serde_json::json;
    /// let q = Query::fields([("id.tenant_id", Query::Eq(json!(5))), ("status", Query::Eq(json!("a")))]);
    /// assert_eq!(q.to_json(), json!({"id": {"tenant_id": 5}, "status": "a"}));
    /// ```
    pub fn fields<K: AsRef<str>>(entries: impl IntoIterator<Item = (K, Query)>) -> Query {
        let mut out = BTreeMap::new();
        for (key, query) in entries {
            insert_dotted(&mut out, key.as_ref(), query);
        }
        Query::Fields(out)
    }

    /// This query rebuilt in normal form, with the same meaning:
    ///
    /// * no `Eq` or `Ne` of an object (they become `Fields` and `Not(Fields)`);
    /// * `In`/`Nin` values sorted by their compact JSON and without duplicates;
    /// * no `And` directly inside an `And`, no `Or` directly inside an `Or`, no repeated
    ///   operands, no single-operand `And`/`Or`;
    /// * no `Not` of a `Not`, `Eq`, `Ne`, `In`, `Nin` or `IsNull` (see [`Query::negate`]).
    ///
    /// Field names are kept as they are (a hand-built `Fields` with a dotted name is not split).
    pub fn normalized(self) -> Query {
        match self {
            Query::Eq(value) => Query::equal(value),
            Query::Ne(value) => Query::not_equal(value),
            Query::In(values) => Query::one_of(values),
            Query::Nin(values) => Query::none_of(values),
            Query::Not(inner) => Query::negate(inner.normalized()),
            Query::And(all) => Query::and(all.into_iter().map(Query::normalized)),
            Query::Or(any) => Query::or(any.into_iter().map(Query::normalized)),
            Query::Any(inner) => Query::Any(Box::new(inner.normalized())),
            Query::All(inner) => Query::All(Box::new(inner.normalized())),
            Query::Len(inner) => Query::Len(Box::new(inner.normalized())),
            Query::Rel(inner) => Query::Rel(Box::new(inner.normalized())),
            Query::Fields(fields) => Query::Fields(
                fields
                    .into_iter()
                    .map(|(key, query)| (key, query.normalized()))
                    .collect(),
            ),
            other @ (Query::Gt(_)
            | Query::Gte(_)
            | Query::Lt(_)
            | Query::Lte(_)
            | Query::IsNull(_)) => other,
        }
    }
}

fn push_new(out: &mut Vec<Query>, query: Query) {
    if !out.contains(&query) {
        out.push(query);
    }
}

fn single_or(out: Vec<Query>, many: fn(Vec<Query>) -> Query) -> Query {
    match <[Query; 1]>::try_from(out) {
        Ok([single]) => single,
        Err(out) => many(out),
    }
}

fn canonical_set(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_cached_key(Value::to_string);
    values.dedup();
    values
}

/// Inserts `query` under the dotted `key` (`a.b` → `a` → `b`), combining with what is there.
pub(crate) fn insert_dotted(out: &mut BTreeMap<String, Query>, key: &str, query: Query) {
    match key.split_once('.') {
        None => insert_field(out, key.to_owned(), query),
        Some((head, rest)) => {
            let mut inner = BTreeMap::new();
            insert_dotted(&mut inner, rest, query);
            insert_field(out, head.to_owned(), Query::Fields(inner));
        }
    }
}

/// Inserts `query` as the field `key`, combining with a query already there.
fn insert_field(out: &mut BTreeMap<String, Query>, key: String, query: Query) {
    let query = match out.remove(&key) {
        Some(old) => combine(old, query),
        None => query,
    };
    out.insert(key, query);
}

/// Two queries on one field written in two places of a field dict: field dicts are united
/// (recursively), equal queries kept once, anything else ANDed. Purely syntactic: unlike
/// [`Query::merge`] it never evaluates and never fails.
fn combine(a: Query, b: Query) -> Query {
    match (a, b) {
        (Query::Fields(mut left), Query::Fields(right)) => {
            for (key, query) in right {
                insert_field(&mut left, key, query);
            }
            Query::Fields(left)
        }
        (a, b) if a == b => a,
        (a, b) => Query::and([a, b]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(entries: &[(&str, Query)]) -> Query {
        Query::Fields(
            entries
                .iter()
                .map(|(k, q)| ((*k).to_owned(), q.clone()))
                .collect(),
        )
    }

    #[test]
    fn equal_of_an_object_is_a_field_dict() {
        assert_eq!(
            Query::equal(json!({"a": 1, "b": {"c": null}})),
            fields(&[
                ("a", Query::Eq(json!(1))),
                ("b", fields(&[("c", Query::Eq(json!(null)))])),
            ])
        );
        assert_eq!(
            Query::equal(json!([{"a": 1}])),
            Query::Eq(json!([{"a": 1}]))
        );
        assert_eq!(Query::equal(json!({})), Query::Fields(BTreeMap::new()));
    }

    #[test]
    fn not_equal_and_negate() {
        assert_eq!(Query::not_equal(json!(5)), Query::Ne(json!(5)));
        assert_eq!(
            Query::not_equal(json!({"a": 1})),
            Query::Not(Box::new(fields(&[("a", Query::Eq(json!(1)))])))
        );
        assert_eq!(Query::negate(Query::Ne(json!(5))), Query::Eq(json!(5)));
        assert_eq!(
            Query::negate(Query::In(vec![json!(1)])),
            Query::Nin(vec![json!(1)])
        );
        assert_eq!(
            Query::negate(Query::Nin(vec![json!(1)])),
            Query::In(vec![json!(1)])
        );
        assert_eq!(Query::negate(Query::IsNull(true)), Query::IsNull(false));
        let gt = Query::Gt(json!(1));
        assert_eq!(
            Query::negate(Query::negate(gt.clone())),
            gt,
            "double negation"
        );
        assert_eq!(
            Query::negate(Query::Eq(json!({"a": 1}))),
            Query::Not(Box::new(fields(&[("a", Query::Eq(json!(1)))])))
        );
        assert_eq!(
            Query::negate(Query::Ne(json!({"a": 1}))),
            fields(&[("a", Query::Eq(json!(1)))])
        );
    }

    #[test]
    fn in_values_are_a_canonical_set() {
        assert_eq!(
            Query::one_of(vec![json!("b"), json!("a"), json!("b")]),
            Query::In(vec![json!("a"), json!("b")])
        );
        assert_eq!(
            Query::none_of(vec![json!(2), json!(1)]),
            Query::Nin(vec![json!(1), json!(2)])
        );
    }

    #[test]
    fn and_or_flatten_dedupe_unwrap() {
        let (a, b, c) = (
            Query::Gt(json!(1)),
            Query::Lt(json!(9)),
            Query::Ne(json!(5)),
        );
        assert_eq!(
            Query::and([a.clone(), Query::And(vec![b.clone(), a.clone()]), c.clone()]),
            Query::And(vec![a.clone(), b.clone(), c.clone()])
        );
        assert_eq!(Query::and([a.clone(), a.clone()]), a);
        assert_eq!(Query::and([]), Query::And(vec![]));
        assert_eq!(
            Query::or([Query::Or(vec![a.clone(), b.clone()]), c.clone(), b.clone()]),
            Query::Or(vec![a.clone(), b.clone(), c])
        );
        assert_eq!(Query::or([b.clone()]), b);
        // An Or inside an And is not flattened (nor the reverse).
        let or = Query::Or(vec![a.clone(), b.clone()]);
        assert_eq!(Query::and([or.clone(), a.clone()]), Query::And(vec![or, a]));
    }

    #[test]
    fn fields_split_dots_and_combine() {
        let q = Query::fields([
            ("id", Query::equal(json!({"book_id": 3}))),
            ("id.tenant_id", Query::Eq(json!(5))),
            ("x.y", Query::Gt(json!(1))),
            ("x.y", Query::Lt(json!(5))),
            ("x.y", Query::Lt(json!(5))),
        ]);
        assert_eq!(
            q,
            fields(&[
                (
                    "id",
                    fields(&[
                        ("book_id", Query::Eq(json!(3))),
                        ("tenant_id", Query::Eq(json!(5))),
                    ])
                ),
                (
                    "x",
                    fields(&[(
                        "y",
                        Query::And(vec![Query::Gt(json!(1)), Query::Lt(json!(5))])
                    )])
                ),
            ])
        );
    }

    #[test]
    fn normalized_rebuilds_everything() {
        let raw = Query::And(vec![
            Query::And(vec![Query::Eq(json!({"a": 1}))]),
            Query::Not(Box::new(Query::Not(Box::new(Query::In(vec![
                json!(2),
                json!(1),
            ]))))),
            Query::Or(vec![Query::Ne(json!({"b": 2}))]),
            Query::Any(Box::new(Query::Eq(json!({"c": 3})))),
            Query::All(Box::new(Query::Nin(vec![json!(1), json!(1)]))),
            Query::Len(Box::new(Query::Not(Box::new(Query::Eq(json!(0)))))),
            Query::Rel(Box::new(Query::Fields(
                [("d".to_owned(), Query::Eq(json!({"e": 1})))].into(),
            ))),
        ]);
        let a1 = fields(&[("a", Query::Eq(json!(1)))]);
        assert_eq!(
            raw.normalized(),
            Query::And(vec![
                a1,
                Query::In(vec![json!(1), json!(2)]),
                Query::Not(Box::new(fields(&[("b", Query::Eq(json!(2)))]))),
                Query::Any(Box::new(fields(&[("c", Query::Eq(json!(3)))]))),
                Query::All(Box::new(Query::Nin(vec![json!(1)]))),
                Query::Len(Box::new(Query::Ne(json!(0)))),
                Query::Rel(Box::new(fields(&[(
                    "d",
                    fields(&[("e", Query::Eq(json!(1)))])
                )]))),
            ])
        );
    }
}
