//! Equality and order of JSON values, as the DSL defines them.
//!
//! * Numbers are equal when they are numerically equal (`1 == 1.0`). Two integers compare as
//!   integers (no detour through a lossy `f64`), an integer and a float compare exactly.
//! * Other kinds are equal only to the same kind: `1 != true`, `0 != null`, `"1" != 1`.
//! * Arrays are equal element-wise, in order; objects are equal when they have the same keys
//!   with equal values.
//! * Only numbers (numerically) and strings (by Unicode code point, so ISO-8601 timestamps in
//!   one format order chronologically) are ordered. Every other pairing has no order.
//! * [`contains`] is the equality of `$eq`/`$in`: an object *pattern* matches an object that has
//!   at least its keys with matching values (a partial match), anything else must be equal.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// JSON `null`, the value of a missing field.
pub(crate) static NULL: Value = Value::Null;

/// Numeric order of two JSON numbers, exact for every pair of representations.
pub(crate) fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    match (a.as_i128(), b.as_i128()) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => int_float_cmp(x, b.as_f64()?),
        (None, Some(y)) => int_float_cmp(y, a.as_f64()?).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Exact order of an integer and a float (no rounding of the integer to `f64`).
fn int_float_cmp(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    // JSON integers fit in i64 or u64, so |int| < 2^64: a float of magnitude >= 1e30 (about
    // 2^100) is decided by its sign.
    const LIMIT: f64 = 1.0e30;
    if float >= LIMIT {
        return Some(Ordering::Less);
    }
    if float <= -LIMIT {
        return Some(Ordering::Greater);
    }
    let floor = float.floor();
    // |floor| < 1e30 < 2^127, and a float of that size is an integer, so the cast is exact.
    let whole = floor as i128;
    Some(match int.cmp(&whole) {
        Ordering::Equal if float > floor => Ordering::Less,
        other => other,
    })
}

/// Equality of two JSON values (numbers numerically, everything else structurally).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, xv)| y.get(k).is_some_and(|yv| json_eq(xv, yv)))
        }
        _ => false,
    }
}

/// Whether `state` matches the `$eq` operand `pattern`: an object pattern is a partial match
/// (each of its keys must match, a missing key counts as null, extra keys are ignored); any
/// other pattern must be [`json_eq`].
pub(crate) fn contains(pattern: &Value, state: &Value) -> bool {
    match pattern {
        Value::Object(fields) => state.as_object().is_some_and(|object| {
            fields
                .iter()
                .all(|(k, p)| contains(p, object.get(k).unwrap_or(&NULL)))
        }),
        _ => json_eq(pattern, state),
    }
}

/// Order of `a` relative to `b`: numbers numerically, strings by code point, otherwise none.
pub(crate) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_numerically_and_exactly() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!(-0.0), &json!(0)));
        assert!(!json_eq(&json!(1), &json!(1.5)));
        assert!(json_eq(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(!json_eq(&json!(u64::MAX), &json!(i64::MIN)));
        // 2^53 + 1 is not representable as f64: a lossy comparison would call these equal.
        let big = (1_i64 << 53) + 1;
        assert!(!json_eq(&json!(big), &json!((1_i64 << 53) as f64)));
        assert_eq!(
            order(&json!(big), &json!((1_i64 << 53) as f64)),
            Some(Ordering::Greater)
        );
        assert_eq!(order(&json!(2), &json!(2.5)), Some(Ordering::Less));
        assert_eq!(order(&json!(3), &json!(2.5)), Some(Ordering::Greater));
        assert_eq!(order(&json!(-3), &json!(-2.5)), Some(Ordering::Less));
        assert_eq!(order(&json!(-2), &json!(-2.5)), Some(Ordering::Greater));
        assert_eq!(order(&json!(2.5), &json!(3)), Some(Ordering::Less));
        assert_eq!(order(&json!(1.5), &json!(2.5)), Some(Ordering::Less));
        assert_eq!(order(&json!(u64::MAX), &json!(1e300)), Some(Ordering::Less));
        assert_eq!(
            order(&json!(i64::MIN), &json!(-1e300)),
            Some(Ordering::Greater)
        );
        assert_eq!(order(&json!(u64::MAX), &json!(-1)), Some(Ordering::Greater));
    }

    #[test]
    fn kinds_do_not_mix() {
        assert!(!json_eq(&json!(1), &json!(true)));
        assert!(!json_eq(&json!(0), &json!(null)));
        assert!(!json_eq(&json!("1"), &json!(1)));
        assert_eq!(order(&json!("1"), &json!(1)), None);
        assert_eq!(order(&json!(null), &json!(1)), None);
        assert_eq!(order(&json!(false), &json!(true)), None);
        assert_eq!(order(&json!([1]), &json!([2])), None);
    }

    #[test]
    fn strings_order_by_code_point() {
        assert_eq!(
            order(
                &json!("2024-01-02T00:00:00Z"),
                &json!("2024-01-10T00:00:00Z")
            ),
            Some(Ordering::Less)
        );
        assert_eq!(order(&json!("b"), &json!("a")), Some(Ordering::Greater));
    }

    #[test]
    fn containers() {
        assert!(json_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2.0}])));
        assert!(!json_eq(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(contains(&json!({"a": 1}), &json!({"a": 1.0, "b": 2})));
        assert!(contains(&json!({"a": null}), &json!({})));
        assert!(!contains(&json!({"a": 1}), &json!([1])));
        assert!(contains(
            &json!({"a": {"b": 1}}),
            &json!({"a": {"b": 1, "c": 0}})
        ));
        // Arrays compare exactly, objects inside them too.
        assert!(!contains(&json!([{"a": 1}]), &json!([{"a": 1, "b": 2}])));
    }
}
