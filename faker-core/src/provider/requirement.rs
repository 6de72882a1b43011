//! Requirements on an aggregate being built, each with where it came from.
//!
//! A requirement is a [`Query`] over the aggregate's exported state. It comes from
//! `create_matching` (a user's specification), from a reference that must create a target
//! satisfying its filter, or from a constraint such as `same(tenant_id = id.tenant_id)`. Fields
//! ask for the part at their path; parts from different origins are merged, and a
//! contradiction (a diamond) is an error naming both origins.

use serde_json::Value;

use super::error::{ErrorKind, FakerError};
use crate::spec::Query;

#[derive(Debug, Clone)]
pub(crate) struct Requirement {
    pub(crate) query: Query,
    pub(crate) origin: String,
}

impl Requirement {
    /// Whether the requirement may read the value at the dotted path `key` (given as its
    /// segments): a condition on it, under it, or on a field that contains it. Conservative:
    /// anything but plain field nesting that could reach the key counts as reading it.
    pub(crate) fn reads(&self, key: &[&str]) -> bool {
        fn walk(query: &Query, key: &[&str]) -> bool {
            match (query, key.split_first()) {
                (Query::Fields(fields), Some((first, rest))) => {
                    fields.get(*first).is_some_and(|inner| walk(inner, rest))
                }
                (Query::And(all) | Query::Or(all), Some(_)) => all.iter().any(|q| walk(q, key)),
                (Query::Not(inner), Some(_)) => walk(inner, key),
                // At the key itself, or any other condition on a field that contains it.
                _ => true,
            }
        }
        walk(&self.query, key)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Requirements {
    items: Vec<Requirement>,
}

impl Requirements {
    pub(crate) fn none() -> Requirements {
        Requirements::default()
    }

    pub(crate) fn one(query: Query, origin: impl Into<String>) -> Requirements {
        Requirements {
            items: vec![Requirement {
                query,
                origin: origin.into(),
            }],
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Requirement> {
        self.items.iter()
    }

    /// The merged requirement at a dotted `path`, with the origins that contributed to it.
    /// `path` is relative to the aggregate's exported state.
    pub(crate) fn at(
        &self,
        path: &str,
        error_path: impl Fn() -> String,
    ) -> Result<Option<Requirement>, FakerError> {
        if self.items.is_empty() {
            return Ok(None);
        }
        let segments: Vec<&str> = path.split('.').collect();
        let mut merged: Option<Requirement> = None;
        for item in &self.items {
            let Some(part) = item.query.at(&segments) else {
                continue;
            };
            merged = Some(match merged {
                None => Requirement {
                    query: part.clone(),
                    origin: item.origin.clone(),
                },
                Some(previous) => {
                    let query = previous.query.merge(part.clone()).map_err(|conflict| {
                        FakerError::new(
                            error_path(),
                            ErrorKind::Diamond {
                                first: previous.origin.clone(),
                                second: item.origin.clone(),
                                conflict,
                            },
                        )
                    })?;
                    Requirement {
                        query,
                        origin: format!("{} and {}", previous.origin, item.origin),
                    }
                }
            });
        }
        Ok(merged)
    }

    /// The value the requirements determine completely at `path`, if they do (see
    /// [`determined`]).
    pub(crate) fn pinned(
        &self,
        path: &str,
        error_path: impl Fn() -> String,
    ) -> Result<Option<Value>, FakerError> {
        Ok(self
            .at(path, error_path)?
            .and_then(|r| determined(&r.query)))
    }
}

/// The one value `query` allows, when its equalities determine it entirely: `Eq(v)` gives `v`;
/// a field dict whose every field is determined gives the object of those values (so
/// `{"tenant_id": 5, "book_id": 9}` determines a composite id, `{"tenant_id": 5}` alone only
/// determines an object with that single field).
pub(crate) fn determined(query: &Query) -> Option<Value> {
    match query {
        Query::Fields(fields) => fields
            .iter()
            .map(|(k, q)| Some((k.clone(), determined(q)?)))
            .collect::<Option<serde_json::Map<String, Value>>>()
            .map(Value::Object),
        other => other.pinned().cloned(),
    }
}
