//! Warnings found when a type is planned: configured parameters that cannot all hold
//! together, with what will be achieved instead.
//!
//! The one that matters most is ownership. A reference drawn inside its owner's sub-pool
//! (`#[reference(Author, same(tenant_id = id.tenant_id))]`, planned inside each tenant's
//! group) gets `draws in the group / mean` values per group — but every group that receives a
//! draw needs at least one value, and the target type may say how many values each owner
//! should have (`Author`'s own `tenant_id` distributor: ten authors per tenant). When the
//! numbers disagree the plan says so before a single aggregate is made, naming both
//! parameters and the figures the run will give.

use std::fmt;

use super::registry::{Registry, TypeState, expected_draws};
use super::view::TypeIndex;
use crate::distributor::Plannable;

/// A configured parameter the plan cannot honour, and what will be achieved instead.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanWarning {
    /// The provider path of the field whose parameters conflict, e.g. `Book.author_id`.
    pub path: String,
    /// What conflicts and what the run will achieve.
    pub message: String,
}

impl fmt::Display for PlanWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Relative gap between configured and achievable figures worth a warning: the tolerance users
/// compare means with (`faker-pg compare` checks means at 5%).
const GAP: f64 = 0.05;

/// How a reference drawn inside its owner's groups is planned (see [`ownership`]).
pub(crate) struct Ownership {
    /// The owned reference (index in the type's references).
    pub(crate) owned: usize,
    /// The source reference (the owner's field in this type).
    pub(crate) source: usize,
    /// The mean inside groups that receive more draws than it.
    pub(crate) group_mean: f64,
    /// Expected owned values, planned owner values whose group receives fewer draws than
    /// `group_mean`, and planned owner values (every one is drawn: exact counts).
    values: f64,
    small: usize,
    owner_slots: usize,
}

/// For every reference of the type at `at` with one `same(..)` whose source is a planned
/// reference of the same type: the group mean that keeps the configured overall mean.
///
/// Every owner value that is drawn needs at least one owned value, so groups expected to
/// receive fewer than `mean` draws get exactly one and "overspend" the value budget
/// `draws / mean`; the other groups draw at a larger mean `m'` so that the budget holds:
/// `m' = Σ(draws of large groups) / (budget - small groups drawn)`, solved by fixed-point
/// iteration since a larger `m'` makes more groups small. When even one value per group
/// exceeds the budget, every group gets one value (`group_mean` infinite) and the overall
/// mean falls below the configured one.
pub(crate) fn ownership(registry: &Registry, at: TypeIndex, draws: u64) -> Vec<Ownership> {
    let state = registry.state(at);
    let mut out = Vec::new();
    for (o, owned) in state.references.iter().enumerate() {
        let [same] = owned.decl.same.as_slice() else {
            continue;
        };
        let Some(s) = state
            .references
            .iter()
            .position(|r| r.decl.field == same.source)
        else {
            continue;
        };
        let source = &state.references[s];
        let Some(plan) = source.distributor.inner().slot_plan() else {
            continue;
        };
        let mean = owned.distributor.inner().mean();
        if mean.is_unique() || !owned.distributor.is_planned() {
            continue;
        }
        let mean = mean.get();
        // Inside collection elements, the owned reference is drawn once per element.
        let n = expected_draws(draws, owned.per_aggregate) as f64;
        let owned_draws = n * (1.0 - owned.distributor.null_weight().get());
        let non_null = 1.0 - source.distributor.null_weight().get();
        // Per owner slot: its group's planned draws (every planned slot is drawn: the plan
        // spends exact counts, at least one per slot).
        let groups: Vec<f64> = (0..plan.slots())
            .map(|slot| owned_draws * non_null * plan.share_of(slot))
            .collect();
        let budget = owned_draws / mean;
        let mut group_mean = mean;
        for _ in 0..64 {
            let (mut small, mut large_draws, mut large) = (0.0, 0.0, 0.0);
            for &g in &groups {
                if g < group_mean {
                    small += 1.0;
                } else {
                    large_draws += g;
                    large += 1.0;
                }
            }
            let spare = budget - small;
            let next = if spare <= large {
                f64::INFINITY
            } else {
                (large_draws / spare).max(mean)
            };
            if next.is_infinite() || (next - group_mean).abs() <= 1e-9 * group_mean {
                group_mean = next;
                break;
            }
            group_mean = next;
        }
        let values = groups.iter().map(|g| (g / group_mean).max(1.0)).sum();
        let small = groups.iter().filter(|&&g| g < group_mean).count();
        out.push(Ownership {
            owned: o,
            source: s,
            group_mean,
            values,
            small,
            owner_slots: plan.slots(),
        });
    }
    out
}

/// Warnings for the type at `at`, planned for `draws` aggregates.
pub(crate) fn warnings(registry: &Registry, at: TypeIndex, draws: u64) -> Vec<PlanWarning> {
    let state = registry.state(at);
    let name = registry.view(at).name;
    let mut out = Vec::new();
    for plan in ownership(registry, at, draws) {
        let owned = &state.references[plan.owned];
        let source = &state.references[plan.source];
        let same = &owned.decl.same[0];
        let mean = owned.distributor.inner().mean().get();
        let owned_draws = expected_draws(draws, owned.per_aggregate) as f64
            * (1.0 - owned.distributor.null_weight().get());
        let (values, groups) = (plan.values, plan.owner_slots as f64);
        if values <= 0.0 || groups <= 0.0 {
            continue;
        }
        let path = format!("{name}.{}", owned.decl.field);
        let target = owned.decl.target;
        let owner = source.decl.target;
        let source_field = &same.source;
        if plan.group_mean.is_infinite() {
            out.push(PlanWarning {
                path: path.clone(),
                message: format!(
                    "mean = {mean} cannot hold: drawn inside each `{source_field}` group, every \
                     `{owner}` drawn needs at least one `{target}`, and that alone exceeds the \
                     {budget:.0} `{target}` values the mean allows; every group gets one \
                     `{target}`: expect about {values:.0} `{target}` values, {achieved:.1} draws \
                     each",
                    budget = owned_draws / mean,
                    achieved = owned_draws / values,
                ),
            });
        } else if (plan.group_mean / mean - 1.0).abs() > GAP {
            out.push(PlanWarning {
                path: path.clone(),
                message: format!(
                    "mean = {mean} cannot hold inside every `{source_field}` group: {small} of \
                     {slots} planned `{owner}` values receive fewer than {group_mean:.1} draws \
                     and get one `{target}` each; to keep {mean} draws per `{target}` overall, \
                     the other groups draw at mean {group_mean:.1} (the law holds inside each \
                     group); expect about {values:.0} `{target}` values",
                    small = plan.small,
                    slots = plan.owner_slots,
                    group_mean = plan.group_mean,
                ),
            });
        }
        // The target's own reference to the owner (Author.id.tenant_id), when it has one:
        // its mean says how many targets each owner should have.
        let Some(target_at) = registry.views().index_of(owned.decl.target_type) else {
            continue;
        };
        let target_state: &TypeState = registry.state(target_at);
        let owner_field = format!("{}.{}", target_state.id_field, same.in_reference);
        let Some(own_law) = target_state
            .references
            .iter()
            .find(|r| r.decl.field == owner_field && r.decl.target_type == source.decl.target_type)
        else {
            continue;
        };
        let per_owner = own_law.distributor.inner().mean().get();
        let achieved_per_owner = values / groups;
        if (achieved_per_owner / per_owner - 1.0).abs() > GAP {
            out.push(PlanWarning {
                path,
                message: format!(
                    "conflicts with `{target}.{owner_field}` (mean = {per_owner} `{target}` per \
                     `{owner}`): `{target}` values are made inside each `{source_field}` group \
                     (mean = {source_mean} {name} per `{owner}`, {mean} per `{target}`), which \
                     gives about {achieved_per_owner:.2} `{target}` per `{owner}`, not \
                     {per_owner}",
                    source_mean = source.distributor.inner().mean().get(),
                ),
            });
        }
    }
    for joint in &state.joints {
        let Some(combinations) = joint.law.planned_combinations() else {
            continue;
        };
        let mut room = 1.0f64;
        for &r in &joint.members {
            match state.references[r].distributor.inner().slot_plan() {
                Some(plan) => room *= plan.slots() as f64,
                None => room = f64::INFINITY,
            }
        }
        // Members that must differ lose the diagonal: at most one pair per value.
        if !joint.differ.is_empty() && room.is_finite() {
            let smallest = joint
                .members
                .iter()
                .filter_map(|&r| state.references[r].distributor.inner().slot_plan())
                .map(|p| p.slots() as f64)
                .fold(f64::INFINITY, f64::min);
            room -= smallest;
        }
        if combinations > room {
            out.push(PlanWarning {
                path: format!("{name}.joint({})", joint.decl.fields.join(", ")),
                message: format!(
                    "{combinations:.0} distinct combinations planned, but the members' own plans \
                     allow only {room:.0}; some combinations will repeat"
                ),
            });
        }
    }
    out
}
