//! Writing a query back as DSL JSON: [`Query::to_json`].
//!
//! The output is canonical — object keys sorted, the shortest form the parser reads back to the
//! same normal-form query — so `Query::parse(&q.to_json()) == Ok(q)` for every query in normal
//! form whose field names are plain (no `.`, no leading `$`) and which has no empty
//! `And`/`Or`/`In`/`Nin` (those cannot be written in the DSL).

use serde_json::{Map, Value};

use super::Query;

impl Query {
    /// This query as DSL JSON.
    ///
    /// * `Eq(v)` is the bare `v`; `Fields` is a (nested) object of field names;
    /// * an `And` whose operands each have a different operator key, in sorted key order, is
    ///   written flat (`{"$gt": 1, "$lt": 5}`), any other `And` as `{"$and": [..]}`;
    /// * the operand of `$any`, `$all` and `$rel` is always an object (`{"$eq": 5}` for `Eq`);
    /// * an empty `Fields` (any object) is `{"$eq": {}}`.
    ///
    /// ```
    /// # use faker_core::spec::Query;
    /// # use serde_json::json;
    /// for text in [
    ///     json!({"age": {"$gte": 18, "$lt": 65}, "status": {"$in": ["a", "b"]}}),
    ///     json!({"$and": [{"$gt": 1}, {"$gt": 2}]}),
    ///     json!({"tags": {"$any": {"$eq": "new"}}}),
    /// ] {
    ///     assert_eq!(Query::parse(&text)?.to_json(), text);
    /// }
    /// # Ok::<(), faker_core::spec::SpecError>(())
    /// ```
    pub fn to_json(&self) -> Value {
        match self {
            Query::Eq(value) if !value.is_object() => value.clone(),
            Query::Fields(fields) if !fields.is_empty() => Value::Object(
                fields
                    .iter()
                    .map(|(key, query)| (key.clone(), query.to_json()))
                    .collect(),
            ),
            Query::And(all) if can_flatten(all) => Value::Object(
                all.iter()
                    .map(|query| {
                        let (key, value) = query.operator_entry();
                        (key.to_owned(), value)
                    })
                    .collect(),
            ),
            _ => {
                let (key, value) = self.operator_entry();
                let mut object = Map::new();
                object.insert(key.to_owned(), value);
                Value::Object(object)
            }
        }
    }

    /// This query as a JSON object: [`Query::to_json`], with a bare value wrapped in `$eq`.
    fn to_json_object(&self) -> Value {
        match self.to_json() {
            object @ Value::Object(_) => object,
            value => {
                let mut object = Map::new();
                object.insert("$eq".to_owned(), value);
                Value::Object(object)
            }
        }
    }

    /// The operator key under which this query is written inside an operator object.
    fn operator_key(&self) -> &'static str {
        match self {
            Query::Eq(_) | Query::Fields(_) => "$eq",
            Query::Ne(_) => "$ne",
            Query::Gt(_) => "$gt",
            Query::Gte(_) => "$gte",
            Query::Lt(_) => "$lt",
            Query::Lte(_) => "$lte",
            Query::In(_) => "$in",
            Query::Nin(_) => "$nin",
            Query::IsNull(_) => "$is_null",
            Query::Not(_) => "$not",
            Query::And(_) => "$and",
            Query::Or(_) => "$or",
            Query::Any(_) => "$any",
            Query::All(_) => "$all",
            Query::Len(_) => "$len",
            Query::Rel(_) => "$rel",
        }
    }

    /// This query as one `"$op": operand` entry of an operator object.
    fn operator_entry(&self) -> (&'static str, Value) {
        let operand = match self {
            Query::Eq(value)
            | Query::Ne(value)
            | Query::Gt(value)
            | Query::Gte(value)
            | Query::Lt(value)
            | Query::Lte(value) => value.clone(),
            Query::Fields(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, query)| (key.clone(), query.to_json()))
                    .collect(),
            ),
            Query::In(values) | Query::Nin(values) => Value::Array(values.clone()),
            Query::IsNull(null) => Value::Bool(*null),
            Query::Not(inner) | Query::Len(inner) => inner.to_json(),
            Query::And(all) | Query::Or(all) => {
                Value::Array(all.iter().map(Query::to_json).collect())
            }
            Query::Any(inner) | Query::All(inner) | Query::Rel(inner) => inner.to_json_object(),
        };
        (self.operator_key(), operand)
    }
}

/// Whether an `And` can be written as one operator object and read back unchanged: at least two
/// operands, none of them an `And`, with strictly increasing operator keys (the parser reads the
/// keys of an operator object in sorted order).
fn can_flatten(all: &[Query]) -> bool {
    all.len() >= 2
        && all.iter().all(|q| !matches!(q, Query::And(_)))
        && all
            .windows(2)
            .all(|pair| pair[0].operator_key() < pair[1].operator_key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(text: Value) {
        let q = Query::parse(&text).unwrap();
        assert_eq!(q.to_json(), text, "{q:?}");
        assert_eq!(Query::parse(&q.to_json()).unwrap(), q);
    }

    #[test]
    fn canonical_forms_read_back() {
        for text in [
            json!(5),
            json!(null),
            json!([1, {"a": 2}]),
            json!({"a": 1, "b": {"c": "x"}}),
            json!({"$ne": 5}),
            json!({"$gt": 1, "$lt": 5}),
            json!({"$eq": 3, "$gt": 1}),
            json!({"$eq": {"a": 1}, "$gt": 1}),
            json!({"$and": [{"$gt": 1}, {"$gt": 2}]}),
            json!({"$and": [{"a": 1}, {"b": 2}]}),
            json!({"$and": [{"$lt": 5}, {"$gt": 1}]}),
            json!({"$in": [1, 2], "$nin": [3]}),
            json!({"$is_null": false}),
            json!({"$not": {"$gt": 1}}),
            json!({"$not": {"a": 1}}),
            json!({"$or": [1, {"$gt": 5}]}),
            json!({"$any": {"$eq": 5}}),
            json!({"$all": {"a": {"$gte": 1}}}),
            json!({"$len": 3}),
            json!({"$len": {"$gt": 2}}),
            json!({"$rel": {"name": "Acme"}}),
            json!({"a": {"$rel": {"$eq": 7}}}),
            json!({"$eq": {}}),
            json!({"a": {"$eq": {}}}),
            json!({"a": {"$and": [5, {"b": 1}]}}),
        ] {
            round_trip(text);
        }
    }

    #[test]
    fn collisions_and_order_use_the_list_form() {
        let q = Query::And(vec![Query::Lt(json!(5)), Query::Gt(json!(1))]);
        assert_eq!(q.to_json(), json!({"$and": [{"$lt": 5}, {"$gt": 1}]}));
        let q = Query::And(vec![
            Query::Eq(json!(1)),
            Query::Fields([("a".into(), Query::Eq(json!(1)))].into()),
        ]);
        assert_eq!(q.to_json(), json!({"$and": [1, {"a": 1}]}));
    }

    #[test]
    fn operands_of_array_and_rel_operators_are_objects() {
        let q = Query::Any(Box::new(Query::Eq(json!("x"))));
        assert_eq!(q.to_json(), json!({"$any": {"$eq": "x"}}));
        let q = Query::Rel(Box::new(Query::And(vec![
            Query::Gt(json!(1)),
            Query::Lt(json!(2)),
        ])));
        assert_eq!(q.to_json(), json!({"$rel": {"$gt": 1, "$lt": 2}}));
    }

    #[test]
    fn empty_nodes_are_written_but_not_readable() {
        assert_eq!(Query::And(vec![]).to_json(), json!({"$and": []}));
        assert_eq!(Query::Or(vec![]).to_json(), json!({"$or": []}));
        assert_eq!(Query::In(vec![]).to_json(), json!({"$in": []}));
        assert!(Query::parse(&Query::And(vec![]).to_json()).is_err());
    }
}
