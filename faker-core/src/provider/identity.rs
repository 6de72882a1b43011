//! Ids made only of references: an aggregate such as `Route { id: RouteId { origin, dest } }`
//! whose every id part is a reference is *the* aggregate of that combination, so creating one
//! whose id is already stored returns the stored one instead of a duplicate (see the runtime's
//! [module docs](super::runtime)).
//!
//! Whether a type's id is made only of references is decided at run time from what the derive
//! (or a hand-written schema) declares and what the id exports: every leaf of the exported id
//! must lie under a reference field of the schema (`id.origin`, `id.dest`; a reference whose
//! target has a composite id covers all of its leaves, `id.plane.carrier` under `id.plane`).
//! The answer is computed once per type, on its first aggregate, and kept in its state.

use serde_json::Value;

use super::error::{ErrorKind, FakerError};
use super::registry::TypeState;
use super::traits::Provider;

/// Whether `A`'s id is made only of references, computed from `aggregate` the first time and
/// cached in `state` (asked on every creation, so the cached answer is inlined).
#[inline]
pub(crate) fn id_of_references<A: Provider>(
    state: &mut TypeState,
    aggregate: &A,
    path: &str,
) -> Result<bool, FakerError> {
    match state.id_of_references {
        Some(known) => Ok(known),
        None => decide(state, aggregate, path),
    }
}

/// [`id_of_references`] on the first aggregate of the type.
#[cold]
fn decide<A: Provider>(
    state: &mut TypeState,
    aggregate: &A,
    path: &str,
) -> Result<bool, FakerError> {
    let id = serde_json::to_value(aggregate.id())
        .map_err(|e| FakerError::new(path, ErrorKind::Export(e)))?;
    let mut leaves = Vec::new();
    collect_leaves(&id, A::ID_FIELD.to_string(), &mut leaves);
    let references: Vec<&str> = state
        .references
        .iter()
        .map(|r| r.decl.field.as_str())
        .collect();
    let known = !leaves.is_empty() && leaves.iter().all(|leaf| covered(leaf, &references));
    state.id_of_references = Some(known);
    Ok(known)
}

/// The dotted paths of `value`'s leaves under `path` (a scalar, `null`, an array, or an empty
/// object is a leaf).
fn collect_leaves(value: &Value, path: String, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (key, field) in fields {
                collect_leaves(field, format!("{path}.{key}"), out);
            }
        }
        _ => out.push(path),
    }
}

/// Whether `leaf` is a reference field or lies inside one.
fn covered(leaf: &str, references: &[&str]) -> bool {
    references.iter().any(|r| {
        leaf.strip_prefix(r)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn leaves(value: Value) -> Vec<String> {
        let mut out = Vec::new();
        collect_leaves(&value, "id".to_string(), &mut out);
        out.sort();
        out
    }

    #[test]
    fn leaves_are_the_scalar_paths_of_the_id() {
        assert_eq!(leaves(json!(7)), ["id"]);
        assert_eq!(
            leaves(json!({"origin": 1, "dest": {"code": "X", "n": null}})),
            ["id.dest.code", "id.dest.n", "id.origin"]
        );
        assert_eq!(leaves(json!({})), ["id"]);
    }

    #[test]
    fn a_reference_covers_its_own_path_and_the_paths_inside_it() {
        let refs = ["id.origin", "id.plane"];
        assert!(covered("id.origin", &refs));
        assert!(covered("id.plane.carrier", &refs));
        assert!(!covered("id.origin_code", &refs));
        assert!(!covered("id.number", &refs));
        assert!(!covered("id", &refs));
        assert!(covered("id", &["id"]));
    }
}
