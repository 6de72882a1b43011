//! Filters over the mirrors: which pooled ids a requirement lets a draw reuse.
//!
//! A requirement on a reference (from the caller, or from a `same(..)` constraint) becomes a
//! query on the target's exported state; [`StateFilter`] matches pooled ids against it through
//! the target's mirror, and [`EngineResolver`] follows `$rel` from a state to the states it
//! references. Equalities on fields ("the author's tenant is 7") are also described as a
//! partition group, so that the pool files each id once per partition instead of testing every
//! id against every filter. Everything here reads the type-erased [`Views`], nothing else.

use std::any::TypeId;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;

use super::view::{Mirror, TypeView, Views, canonical};
use crate::distributor::{Filter, Group, Partition};
use crate::spec::{Query, Resolved, Resolver};

/// `{"a": {"b": query}}` for the dotted path `a.b`.
pub(crate) fn fields_at(path: &str, query: Query) -> Query {
    path.rsplit('.').fold(query, |inner, key| {
        Query::Fields(BTreeMap::from([(key.to_string(), inner)]))
    })
}

/// A requirement on a reference value, as a query on the referenced aggregate's state:
/// conditions on the id go under the id field (`{"id": ...}`), `$rel` conditions apply to the
/// target's state directly.
pub(crate) fn on_target(query: &Query, id_field: &str) -> Query {
    match query {
        Query::Rel(inner) => (**inner).clone(),
        Query::And(items) if items.iter().any(|q| matches!(q, Query::Rel(_))) => {
            Query::And(items.iter().map(|q| on_target(q, id_field)).collect())
        }
        other => fields_at(id_field, other.clone()),
    }
}

/// A pool filter that matches a target's exported state (from the mirror) against a query.
pub(crate) struct StateFilter<'a, I> {
    key: String,
    /// `None` for a filter made from its equalities alone (see [`StateFilter::equal`]).
    query: Option<&'a Query>,
    mirror: Option<&'a Mirror>,
    resolver: Option<EngineResolver<'a>>,
    /// For a query made only of equalities on fields: the fields, and the partition it selects.
    equalities: Option<Equalities<'a>>,
    _id: PhantomData<fn(&I)>,
}

/// The equalities of a filter: the fields compared, the partition they name (`by`) and the
/// group of the compared values (`group`).
pub(crate) struct Equalities<'e> {
    paths: Cow<'e, [Vec<String>]>,
    by: Cow<'e, str>,
    group: Group<'static>,
}

/// The group of compared values: one integer is [`Group::Integer`] (found by index in the
/// pool), anything else the values' JSON text as an array. The filter's own group and the
/// groups of states are both made here, so that one set of values is always named alike.
fn group_of_values<'v>(values: impl Iterator<Item = &'v Value> + Clone) -> Group<'static> {
    let mut probe = values.clone();
    if let (Some(single), None) = (probe.next(), probe.next())
        && let Some(integer) = single.as_i64()
    {
        return Group::Integer(integer);
    }
    let text = Value::Array(values.cloned().collect()).to_string();
    Group::Name(Cow::Owned(text))
}

impl<'e> Equalities<'e> {
    /// The equalities of a query that is nothing else (`{"id": {"tenant_id": 7}}`). Floats are
    /// left out: `1.0` equals `1` but would not be grouped with it by its text.
    fn of(query: &Query) -> Option<Equalities<'static>> {
        fn walk(q: &Query, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) -> bool {
            match q {
                Query::Fields(fields) if !fields.is_empty() => fields.iter().all(|(k, inner)| {
                    path.push(k.clone());
                    let ok = walk(inner, path, out);
                    path.pop();
                    ok
                }),
                Query::Eq(v) if !v.is_object() && !v.as_number().is_some_and(|n| n.is_f64()) => {
                    out.push((path.clone(), v.clone()));
                    true
                }
                _ => false,
            }
        }
        let mut leaves = Vec::new();
        if !walk(query, &mut Vec::new(), &mut leaves) {
            return None;
        }
        let by = leaves
            .iter()
            .map(|(p, _)| p.join("."))
            .collect::<Vec<_>>()
            .join(",");
        let group = group_of_values(leaves.iter().map(|(_, v)| v));
        Some(Equalities {
            paths: Cow::Owned(leaves.into_iter().map(|(p, _)| p).collect()),
            by: Cow::Owned(by),
            group,
        })
    }

    /// One equality, `by` (a dotted path in the state) equal to the scalar `value`: the same
    /// partition and group as the filter of the equivalent query, without building the query.
    /// `None` for values the query form would not group (objects, arrays, floats).
    pub(crate) fn single(
        by: &'e str,
        paths: &'e [Vec<String>],
        value: &Value,
    ) -> Option<Equalities<'e>> {
        if value.is_object() || value.is_array() || value.as_number().is_some_and(|n| n.is_f64()) {
            return None;
        }
        // What `group_of` gives a state with this value.
        let group = group_of_values(std::iter::once(value));
        Some(Equalities {
            paths: Cow::Borrowed(paths),
            by: Cow::Borrowed(by),
            group,
        })
    }

    /// The group of a state: its values at the paths (a missing field is null, as in `$eq`).
    fn group_of(&self, state: &Value) -> Group<'static> {
        const NULL: Value = Value::Null;
        group_of_values(
            self.paths
                .iter()
                .map(|p| p.iter().try_fold(state, |v, k| v.get(k)).unwrap_or(&NULL)),
        )
    }
}

impl<'a, I> StateFilter<'a, I> {
    /// The filter of `query` on the states of `ty`.
    pub(crate) fn new(query: &'a Query, ty: TypeId, views: &'a Views) -> Self {
        let equalities = Equalities::of(query);
        StateFilter {
            // An equality filter is identified by its partition group; only other filters need
            // the canonical text of the query as their sub-pool key.
            key: match &equalities {
                Some(_) => String::new(),
                None => query.key(),
            },
            query: Some(query),
            mirror: views.of(ty).and_then(|v| v.mirror.as_ref()),
            // Only `$rel` needs a resolver.
            resolver: query
                .has_rel()
                .then(|| EngineResolver::new(views.of(ty), views)),
            equalities,
            _id: PhantomData,
        }
    }

    /// The filter of one set of equalities, without a query (the same partition and groups as
    /// the filter of the equivalent query).
    pub(crate) fn equal(equalities: Equalities<'a>, mirror: Option<&'a Mirror>) -> Self {
        StateFilter {
            key: String::new(),
            query: None,
            mirror,
            resolver: None,
            equalities: Some(equalities),
            _id: PhantomData,
        }
    }
}

impl<I: Serialize> Filter<I> for StateFilter<'_, I> {
    fn key(&self) -> &str {
        &self.key
    }

    fn matches(&self, id: &I) -> bool {
        let Some(query) = self.query else {
            return match &self.equalities {
                Some(e) => Filter::<I>::group_of(self, id).is_some_and(|g| g == e.group),
                None => false,
            };
        };
        self.state(id).is_some_and(|state| match &self.resolver {
            Some(resolver) => query.matches_with(&state, resolver),
            None => query.matches(&state),
        })
    }

    fn partition(&self) -> Option<Partition<'_>> {
        self.equalities.as_ref().map(|e| Partition {
            by: &e.by,
            group: e.group.borrowed(),
        })
    }

    fn group_of(&self, id: &I) -> Option<Group<'static>> {
        let equalities = self.equalities.as_ref()?;
        Some(equalities.group_of(&self.state(id)?))
    }
}

impl<I: Serialize> StateFilter<'_, I> {
    fn state(&self, id: &I) -> Option<Value> {
        let key = canonical(id).ok()?;
        self.mirror?.get(&key)
    }
}

/// Resolves `$rel` through the mirrors: a reference field's value (an id) to the referenced
/// aggregate's state, with a resolver for that aggregate's own references.
pub(crate) struct EngineResolver<'a> {
    /// The type whose states this resolver starts from (`None`: not registered, resolves
    /// nothing but the root).
    view: Option<&'a TypeView>,
    views: &'a Views,
    /// Resolvers of the referenced types, made on first use (one per reference field).
    nested: Vec<OnceCell<Box<EngineResolver<'a>>>>,
}

impl<'a> EngineResolver<'a> {
    /// A resolver starting from the states of the type seen through `view`.
    pub(crate) fn new(view: Option<&'a TypeView>, views: &'a Views) -> Self {
        let n = view.map_or(0, |v| v.links.len());
        EngineResolver {
            view,
            views,
            nested: (0..n).map(|_| OnceCell::new()).collect(),
        }
    }
}

impl Resolver for EngineResolver<'_> {
    fn resolve(&self, field: &str, reference: &Value) -> Option<Resolved<'_>> {
        if field.is_empty() {
            // A root `$rel` on a state: the state itself.
            return Some(Resolved {
                state: reference.clone(),
                resolver: Some(self),
            });
        }
        let links = &self.view?.links;
        let index = links.iter().position(|(f, _)| *f == field)?;
        let target = self.views.of(links[index].1);
        let state = target?.mirror.as_ref()?.get(&reference.to_string())?;
        let nested =
            self.nested[index].get_or_init(|| Box::new(EngineResolver::new(target, self.views)));
        Some(Resolved {
            state,
            resolver: Some(&**nested),
        })
    }
}
