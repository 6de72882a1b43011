//! Reading DSL JSON into a [`Query`] in normal form: [`Query::parse`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Query;
use super::error::{SpecError, kind};
use super::normalize::insert_dotted;
use super::path::Loc;

impl Query {
    /// Parses a DSL document (see the [module documentation](super) for the syntax) into a
    /// query in normal form.
    ///
    /// An error names the place of the problem as a JSON pointer:
    ///
    /// ```
    /// # use faker_core::spec::{Query, SpecError};
    /// # use serde_json::json;
    /// let err = Query::parse(&json!({"author_id": {"$in": []}})).unwrap_err();
    /// assert_eq!(err.to_string(), "at /author_id/$in: $in needs a non-empty array");
    /// assert!(matches!(err, SpecError::EmptyArray { operator: "$in", .. }));
    /// ```
    pub fn parse(value: &Value) -> Result<Query, SpecError> {
        parse_value(value, &Loc::ROOT)
    }
}

/// Any JSON value: an object is a query, anything else is `$eq` of itself.
fn parse_value(value: &Value, at: &Loc<'_>) -> Result<Query, SpecError> {
    match value {
        Value::Object(object) => parse_object(object, at),
        other => Ok(Query::equal(other.clone())),
    }
}

/// An object: either operators (all keys start with `$`) or fields (none does).
fn parse_object(object: &Map<String, Value>, at: &Loc<'_>) -> Result<Query, SpecError> {
    // Sorted, so that the result never depends on the map's iteration order.
    let mut entries: Vec<(&String, &Value)> = object.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let is_operator = |key: &str| key.starts_with('$');
    let operator = entries.iter().find(|(key, _)| is_operator(key));
    let field = entries.iter().find(|(key, _)| !is_operator(key));
    match (operator, field) {
        (None, None) => Err(SpecError::EmptyObject { path: at.pointer() }),
        (Some((operator, _)), Some((field, _))) => Err(SpecError::MixedKeys {
            path: at.pointer(),
            operator: (*operator).clone(),
            field: (*field).clone(),
        }),
        (Some(_), None) => {
            let operators = entries
                .iter()
                .map(|(key, operand)| parse_operator(key, operand, &at.key(key)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Query::and(operators))
        }
        (None, Some(_)) => {
            let mut fields = BTreeMap::new();
            for (key, value) in entries {
                let here = at.key(key);
                if key
                    .split('.')
                    .any(|segment| segment.is_empty() || is_operator(segment))
                {
                    return Err(SpecError::BadFieldKey {
                        path: here.pointer(),
                        key: key.clone(),
                    });
                }
                insert_dotted(&mut fields, key, parse_value(value, &here)?);
            }
            Ok(Query::Fields(fields))
        }
    }
}

/// The operand of `$eq` (and of `$ne`): an object is parsed as a query, `{}` means any object.
fn parse_eq_operand(operand: &Value, at: &Loc<'_>) -> Result<Query, SpecError> {
    match operand {
        Value::Object(object) if object.is_empty() => Ok(Query::Fields(BTreeMap::new())),
        other => parse_value(other, at),
    }
}

/// One `"$op": operand` entry; `at` already points at the operator key.
fn parse_operator(operator: &str, operand: &Value, at: &Loc<'_>) -> Result<Query, SpecError> {
    match operator {
        "$eq" => parse_eq_operand(operand, at),
        "$ne" => Ok(Query::negate(parse_eq_operand(operand, at)?)),
        "$gt" => Ok(Query::Gt(operand.clone())),
        "$gte" => Ok(Query::Gte(operand.clone())),
        "$lt" => Ok(Query::Lt(operand.clone())),
        "$lte" => Ok(Query::Lte(operand.clone())),
        "$in" => Ok(Query::one_of(non_empty_array("$in", operand, at)?.to_vec())),
        "$nin" => Ok(Query::none_of(
            non_empty_array("$nin", operand, at)?.to_vec(),
        )),
        "$is_null" => match operand {
            Value::Bool(null) => Ok(Query::IsNull(*null)),
            other => Err(SpecError::ExpectedBool {
                path: at.pointer(),
                operator: "$is_null",
                found: kind(other),
            }),
        },
        "$not" => Ok(Query::negate(parse_value(operand, at)?)),
        "$and" => {
            let all = non_empty_array("$and", operand, at)?;
            Ok(Query::and(parse_items(all, at)?))
        }
        "$or" => {
            let any = array("$or", operand, at)?;
            if any.len() < 2 {
                return Err(SpecError::TooFewAlternatives {
                    path: at.pointer(),
                    count: any.len(),
                });
            }
            Ok(Query::or(parse_items(any, at)?))
        }
        "$any" => Ok(Query::Any(Box::new(query_object("$any", operand, at)?))),
        "$all" => Ok(Query::All(Box::new(query_object("$all", operand, at)?))),
        "$len" => Ok(Query::Len(Box::new(parse_value(operand, at)?))),
        "$rel" => Ok(Query::Rel(Box::new(query_object("$rel", operand, at)?))),
        unknown => Err(SpecError::UnknownOperator {
            path: at.pointer(),
            operator: unknown.to_owned(),
        }),
    }
}

fn parse_items(items: &[Value], at: &Loc<'_>) -> Result<Vec<Query>, SpecError> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| parse_value(item, &at.index(index)))
        .collect()
}

fn array<'v>(
    operator: &'static str,
    operand: &'v Value,
    at: &Loc<'_>,
) -> Result<&'v [Value], SpecError> {
    match operand {
        Value::Array(items) => Ok(items),
        other => Err(SpecError::ExpectedArray {
            path: at.pointer(),
            operator,
            found: kind(other),
        }),
    }
}

fn non_empty_array<'v>(
    operator: &'static str,
    operand: &'v Value,
    at: &Loc<'_>,
) -> Result<&'v [Value], SpecError> {
    let items = array(operator, operand, at)?;
    if items.is_empty() {
        return Err(SpecError::EmptyArray {
            path: at.pointer(),
            operator,
        });
    }
    Ok(items)
}

/// The operand of `$any`, `$all`, `$rel`: an object, parsed as a query.
fn query_object(operator: &'static str, operand: &Value, at: &Loc<'_>) -> Result<Query, SpecError> {
    match operand {
        Value::Object(object) => parse_object(object, at),
        other => Err(SpecError::ExpectedObject {
            path: at.pointer(),
            operator,
            found: kind(other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Query {
        Query::parse(&v).unwrap()
    }

    fn err(v: Value) -> SpecError {
        Query::parse(&v).unwrap_err()
    }

    fn fields(entries: &[(&str, Query)]) -> Query {
        Query::Fields(
            entries
                .iter()
                .map(|(k, q)| ((*k).to_owned(), q.clone()))
                .collect(),
        )
    }

    fn eq(v: Value) -> Query {
        Query::Eq(v)
    }

    // Reference §10.12.
    #[test]
    fn reference_normalisation_cases() {
        assert_eq!(parse(json!(5)), eq(json!(5)));
        assert_eq!(
            parse(json!({"$gt": 5, "$lt": 10})),
            Query::And(vec![Query::Gt(json!(5)), Query::Lt(json!(10))])
        );
        assert_eq!(
            parse(json!({"$eq": {"a": 1}})),
            fields(&[("a", eq(json!(1)))])
        );
        assert_eq!(
            parse(json!({"$rel": {"x": 1}})),
            Query::Rel(Box::new(fields(&[("x", eq(json!(1)))])))
        );
    }

    #[test]
    fn scalars_arrays_null_are_eq() {
        assert_eq!(parse(json!("s")), eq(json!("s")));
        assert_eq!(parse(json!(null)), eq(json!(null)));
        assert_eq!(parse(json!(true)), eq(json!(true)));
        assert_eq!(parse(json!(1.5)), eq(json!(1.5)));
        // Arrays are raw values, objects inside them too.
        assert_eq!(parse(json!([1, {"$gt": 2}])), eq(json!([1, {"$gt": 2}])));
    }

    #[test]
    fn every_operator() {
        assert_eq!(parse(json!({"$eq": 5})), eq(json!(5)));
        assert_eq!(parse(json!({"$eq": [5]})), eq(json!([5])));
        assert_eq!(parse(json!({"$eq": {"$gt": 5}})), Query::Gt(json!(5)));
        assert_eq!(parse(json!({"$eq": {}})), Query::Fields(BTreeMap::new()));
        assert_eq!(parse(json!({"$ne": 5})), Query::Ne(json!(5)));
        assert_eq!(
            parse(json!({"$ne": {"a": 1}})),
            Query::Not(Box::new(fields(&[("a", eq(json!(1)))])))
        );
        assert_eq!(parse(json!({"$gt": "x"})), Query::Gt(json!("x")));
        assert_eq!(parse(json!({"$gte": 1})), Query::Gte(json!(1)));
        assert_eq!(parse(json!({"$lt": 1})), Query::Lt(json!(1)));
        // Comparison operands are raw, never parsed.
        assert_eq!(
            parse(json!({"$lte": {"a": 1}})),
            Query::Lte(json!({"a": 1}))
        );
        assert_eq!(
            parse(json!({"$in": [3, 1, 3]})),
            Query::In(vec![json!(1), json!(3)])
        );
        assert_eq!(
            parse(json!({"$nin": [null]})),
            Query::Nin(vec![json!(null)])
        );
        assert_eq!(parse(json!({"$is_null": true})), Query::IsNull(true));
        assert_eq!(parse(json!({"$not": 5})), Query::Ne(json!(5)));
        assert_eq!(
            parse(json!({"$not": {"$gt": 5}})),
            Query::Not(Box::new(Query::Gt(json!(5))))
        );
        assert_eq!(
            parse(json!({"$not": {"$not": {"$gt": 5}}})),
            Query::Gt(json!(5))
        );
        assert_eq!(parse(json!({"$and": [{"$gt": 5}]})), Query::Gt(json!(5)));
        assert_eq!(
            parse(json!({"$and": [{"$lt": 9}, {"$and": [{"$gt": 5}, {"$lt": 9}]}]})),
            Query::And(vec![Query::Lt(json!(9)), Query::Gt(json!(5))])
        );
        assert_eq!(
            parse(json!({"$or": [1, {"$or": [2, 3]}]})),
            Query::Or(vec![eq(json!(1)), eq(json!(2)), eq(json!(3))])
        );
        assert_eq!(parse(json!({"$or": [1, 1]})), eq(json!(1)));
        assert_eq!(
            parse(json!({"$any": {"a": 1}})),
            Query::Any(Box::new(fields(&[("a", eq(json!(1)))])))
        );
        assert_eq!(
            parse(json!({"$all": {"$gt": 1}})),
            Query::All(Box::new(Query::Gt(json!(1))))
        );
        assert_eq!(
            parse(json!({"$len": 2})),
            Query::Len(Box::new(eq(json!(2))))
        );
        assert_eq!(
            parse(json!({"$rel": {"$or": [{"a": 1}, {"b": 2}]}})),
            Query::Rel(Box::new(Query::Or(vec![
                fields(&[("a", eq(json!(1)))]),
                fields(&[("b", eq(json!(2)))]),
            ])))
        );
    }

    #[test]
    fn fields_nest_by_objects_and_by_dots() {
        let nested = parse(json!({"id": {"tenant_id": 5}}));
        assert_eq!(nested, parse(json!({"id.tenant_id": 5})));
        assert_eq!(
            nested,
            fields(&[("id", fields(&[("tenant_id", eq(json!(5)))]))])
        );
        // A dotted key and a nested object on one prefix merge field-wise.
        assert_eq!(
            parse(json!({"id": {"book_id": 3}, "id.tenant_id": 5})),
            parse(json!({"id": {"book_id": 3, "tenant_id": 5}}))
        );
        assert_eq!(
            parse(json!({"a": {"b": {"$gt": 1}}, "a.b": {"$lt": 5}})),
            parse(json!({"a": {"b": {"$gt": 1, "$lt": 5}}}))
        );
        // Both constrain the same leaf: both must hold (a contradiction is not an error here).
        assert_eq!(
            parse(json!({"a.b": 1, "a": {"b": 2}})),
            fields(&[(
                "a",
                fields(&[("b", Query::And(vec![eq(json!(2)), eq(json!(1))]))])
            )])
        );
        // Same condition twice: kept once.
        assert_eq!(
            parse(json!({"a.b": 1, "a": {"b": 1}})),
            parse(json!({"a": {"b": 1}}))
        );
        // A value and a sub-field of the same field.
        assert_eq!(
            parse(json!({"a": 5, "a.b": 1})),
            fields(&[(
                "a",
                Query::And(vec![eq(json!(5)), fields(&[("b", eq(json!(1)))])])
            )])
        );
        assert_eq!(
            parse(json!({"x.y.z": {"$in": [1]}})),
            fields(&[(
                "x",
                fields(&[("y", fields(&[("z", Query::In(vec![json!(1)]))]))])
            )])
        );
    }

    #[test]
    fn several_fields_and_operators() {
        assert_eq!(
            parse(json!({"status": "active", "age": {"$gt": 18, "$lte": 65}})),
            fields(&[
                (
                    "age",
                    Query::And(vec![Query::Gt(json!(18)), Query::Lte(json!(65))])
                ),
                ("status", eq(json!("active"))),
            ])
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(err(json!({})), SpecError::EmptyObject { path: "".into() });
        assert_eq!(
            err(json!({"a": {"$any": {}}})),
            SpecError::EmptyObject {
                path: "/a/$any".into()
            }
        );
        assert_eq!(
            err(json!({"a": {"$gt": 1, "b": 2}})),
            SpecError::MixedKeys {
                path: "/a".into(),
                operator: "$gt".into(),
                field: "b".into(),
            }
        );
        assert_eq!(
            err(json!({"a": {"$regex": "x"}})),
            SpecError::UnknownOperator {
                path: "/a/$regex".into(),
                operator: "$regex".into(),
            }
        );
        assert_eq!(
            err(json!({"author_id": {"$in": 5}})),
            SpecError::ExpectedArray {
                path: "/author_id/$in".into(),
                operator: "$in",
                found: "a number",
            }
        );
        assert_eq!(
            err(json!({"author_id": {"$in": []}})),
            SpecError::EmptyArray {
                path: "/author_id/$in".into(),
                operator: "$in",
            }
        );
        assert_eq!(
            err(json!({"$nin": "x"})),
            SpecError::ExpectedArray {
                path: "/$nin".into(),
                operator: "$nin",
                found: "a string",
            }
        );
        assert_eq!(
            err(json!({"$nin": []})),
            SpecError::EmptyArray {
                path: "/$nin".into(),
                operator: "$nin"
            }
        );
        assert_eq!(
            err(json!({"s": {"$or": [1]}})),
            SpecError::TooFewAlternatives {
                path: "/s/$or".into(),
                count: 1
            }
        );
        assert_eq!(
            err(json!({"$or": {"a": 1}})),
            SpecError::ExpectedArray {
                path: "/$or".into(),
                operator: "$or",
                found: "an object",
            }
        );
        assert_eq!(
            err(json!({"$and": []})),
            SpecError::EmptyArray {
                path: "/$and".into(),
                operator: "$and"
            }
        );
        assert_eq!(
            err(json!({"$and": null})),
            SpecError::ExpectedArray {
                path: "/$and".into(),
                operator: "$and",
                found: "null",
            }
        );
        assert_eq!(
            err(json!({"a": {"$is_null": "yes"}})),
            SpecError::ExpectedBool {
                path: "/a/$is_null".into(),
                operator: "$is_null",
                found: "a string",
            }
        );
        for op in ["$any", "$all", "$rel"] {
            let e = err(json!({"items": {op: [1]}}));
            assert_eq!(
                e,
                SpecError::ExpectedObject {
                    path: format!("/items/{op}"),
                    operator: op,
                    found: "an array",
                }
            );
        }
        for key in ["a..b", ".a", "a.", "", "a.$gt"] {
            let e = err(json!({ key: 1 }));
            let escaped = key.replace('~', "~0").replace('/', "~1");
            assert_eq!(
                e,
                SpecError::BadFieldKey {
                    path: format!("/{escaped}"),
                    key: key.into(),
                }
            );
        }
    }

    #[test]
    fn errors_deep_inside_lists_and_nested_operators() {
        assert_eq!(
            err(json!({"$or": [1, {"a": {"$not": {"$in": []}}}]})).path(),
            "/$or/1/a/$not/$in"
        );
        assert_eq!(
            err(json!({"$and": [{"x": {"$len": {"$foo": 1}}}]})).path(),
            "/$and/0/x/$len/$foo"
        );
        assert_eq!(
            err(json!({"a": {"$eq": {"b": {"$ne": {"c": {}}}}}})).path(),
            "/a/$eq/b/$ne/c"
        );
        assert_eq!(err(json!({"a/b": {"c~d": {}}})).path(), "/a~1b/c~0d");
        assert_eq!(
            err(json!({"p.q": {"$rel": {"$in": 1}}})).path(),
            "/p.q/$rel/$in"
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            err(json!({"author_id": {"$in": []}})).to_string(),
            "at /author_id/$in: $in needs a non-empty array"
        );
        assert_eq!(
            err(json!({"$or": [1]})).to_string(),
            "at /$or: $or needs at least 2 alternatives, got 1; a single query needs no $or"
        );
        let text = err(json!({"a": {"$gt": 1, "b": 2}})).to_string();
        assert!(text.starts_with("at /a: "), "{text}");
        assert!(text.contains("`$gt`") && text.contains("`b`"), "{text}");
    }
}
