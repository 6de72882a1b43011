//! Property tests of the DSL: round trips, normalisation, negation and merging.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::Query;

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3_i64..4).prop_map(Value::from),
        prop::sample::select(vec![-1.5, 0.0, 0.5, 1.0, 2.0, 3.5]).prop_map(Value::from),
        prop::sample::select(vec!["", "a", "b", "2024-01-01"]).prop_map(Value::from),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES.to_vec()).prop_map(str::to_owned)
}

/// Any JSON value, shallow: scalars, short arrays, small objects over [`NAMES`].
fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(name(), inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A hand-built AST, not necessarily in normal form.
fn raw_query() -> impl Strategy<Value = Query> {
    let leaf = prop_oneof![
        value().prop_map(Query::Eq),
        value().prop_map(Query::Ne),
        scalar().prop_map(Query::Gt),
        scalar().prop_map(Query::Gte),
        scalar().prop_map(Query::Lt),
        scalar().prop_map(Query::Lte),
        prop::collection::vec(value(), 1..4).prop_map(Query::In),
        prop::collection::vec(value(), 1..4).prop_map(Query::Nin),
        any::<bool>().prop_map(Query::IsNull),
    ];
    leaf.prop_recursive(4, 32, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|q| Query::Not(Box::new(q))),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Query::And),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Query::Or),
            inner.clone().prop_map(|q| Query::Any(Box::new(q))),
            inner.clone().prop_map(|q| Query::All(Box::new(q))),
            inner.clone().prop_map(|q| Query::Len(Box::new(q))),
            inner.clone().prop_map(|q| Query::Rel(Box::new(q))),
            prop::collection::btree_map(name(), inner, 0..4).prop_map(Query::Fields),
        ]
    })
}

fn query() -> impl Strategy<Value = Query> {
    raw_query().prop_map(Query::normalized)
}

/// DSL text, mostly valid: operators, field dicts with dotted and nested keys on shared
/// prefixes, several operators per object, and a few malformed operands.
fn document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        scalar(),
        prop::collection::vec(scalar(), 0..3).prop_map(Value::Array),
        scalar().prop_map(|v| json!({"$gt": v})),
        scalar().prop_map(|v| json!({"$lte": v})),
        value().prop_map(|v| json!({"$ne": v})),
        value().prop_map(|v| json!({"$eq": v})),
        prop::collection::vec(value(), 0..3).prop_map(|v| json!({"$in": v})),
        prop::collection::vec(scalar(), 1..3).prop_map(|v| json!({"$nin": v})),
        any::<bool>().prop_map(|b| json!({"$is_null": b})),
    ];
    leaf.prop_recursive(4, 32, 3, |inner| {
        let key = prop::sample::select(vec!["a", "b", "a.b", "a.c", "b.a", "a.b.c"]);
        prop_oneof![
            inner.clone().prop_map(|x| json!({"$not": x})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|x| json!({"$and": x})),
            prop::collection::vec(inner.clone(), 1..4).prop_map(|x| json!({"$or": x})),
            inner.clone().prop_map(|x| json!({"$any": x})),
            inner.clone().prop_map(|x| json!({"$all": x})),
            inner.clone().prop_map(|x| json!({"$len": x})),
            inner.clone().prop_map(|x| json!({"$rel": x})),
            prop::collection::vec((key, inner.clone()), 1..4).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
            // Several operator objects folded into one (later keys win on a collision).
            prop::collection::vec(inner, 2..4).prop_map(|parts| {
                let mut object = Map::new();
                for part in parts {
                    if let Value::Object(entries) = part {
                        for (k, v) in entries.into_iter().filter(|(k, _)| k.starts_with('$')) {
                            object.insert(k, v);
                        }
                    }
                }
                Value::Object(object)
            }),
        ]
    })
}

fn states() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(value(), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn normal_form_round_trips_through_json(q in query()) {
        prop_assert_eq!(Query::parse(&q.to_json()), Ok(q.clone()));
        prop_assert_eq!(q.clone().normalized(), q.clone(), "normalisation is idempotent");
        let text: Value = serde_json::from_str(&q.key()).expect("key is JSON");
        prop_assert_eq!(Query::parse(&text), Ok(q));
    }

    #[test]
    fn parse_to_json_parse_is_identity(doc in document()) {
        if let Ok(q) = Query::parse(&doc) {
            prop_assert_eq!(q.clone().normalized(), q.clone(), "parse returns normal form");
            prop_assert_eq!(Query::parse(&q.to_json()), Ok(q));
        }
    }

    #[test]
    fn normalisation_keeps_the_meaning(q in raw_query(), states in states()) {
        let normal = q.clone().normalized();
        for s in &states {
            prop_assert_eq!(q.matches(s), normal.matches(s), "{} on {}", q, s);
        }
    }

    #[test]
    fn not_is_negation(q in raw_query(), states in states()) {
        let not = Query::Not(Box::new(q.clone()));
        let negated = Query::negate(q.clone().normalized());
        for s in &states {
            prop_assert_eq!(not.matches(s), !q.matches(s));
            prop_assert_eq!(negated.matches(s), !q.matches(s));
        }
    }

    #[test]
    fn merge_is_conjunction(a in query(), b in query(), states in states()) {
        match a.clone().merge(b.clone()) {
            Ok(merged) => {
                prop_assert_eq!(merged.clone().normalized(), merged.clone());
                for s in &states {
                    prop_assert_eq!(merged.matches(s), a.matches(s) && b.matches(s), "{} on {}", merged, s);
                }
            }
            Err(conflict) => {
                for s in &states {
                    prop_assert!(!(a.matches(s) && b.matches(s)), "{} but {} matches both", conflict, s);
                }
            }
        }
    }

    #[test]
    fn merged_field_dicts_conflict_exactly_on_different_pins(
        pins_a in prop::collection::btree_map(name(), scalar(), 1..4),
        pins_b in prop::collection::btree_map(name(), scalar(), 1..4),
    ) {
        let to_query = |pins: &BTreeMap<String, Value>| {
            Query::equal(Value::Object(pins.clone().into_iter().collect()))
        };
        let clash = pins_a.iter().find(|(k, v)| {
            pins_b.get(*k).is_some_and(|w| !Query::Eq((*v).clone()).matches(w))
        });
        match (to_query(&pins_a).merge(to_query(&pins_b)), clash) {
            (Ok(_), None) => {}
            (Err(conflict), Some((k, _))) => prop_assert_eq!(conflict.path, format!("/{k}")),
            (result, clash) => prop_assert!(false, "{:?} vs {:?}", result, clash),
        }
    }
}
