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

use super::registry::{Registry, TypeState};
use super::view::TypeIndex;

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

/// Warnings for the type at `at`, planned for `draws` aggregates.
pub(crate) fn warnings(registry: &Registry, at: TypeIndex, draws: u64) -> Vec<PlanWarning> {
    let state = registry.state(at);
    let name = registry.view(at).name;
    let mut out = Vec::new();
    for owned in &state.references {
        let [same] = owned.decl.same.as_slice() else {
            continue;
        };
        let Some(source) = state
            .references
            .iter()
            .find(|r| r.decl.field == same.source)
        else {
            continue;
        };
        let (Some(plan), Some(mean_owned)) = (
            source.distributor.inner().slot_plan(),
            Some(owned.distributor.inner().mean().get()),
        ) else {
            continue;
        };
        if owned.distributor.inner().mean().is_unique() {
            continue;
        }
        let n = draws as f64;
        let source_draws = n * (1.0 - source.distributor.null_weight().get());
        let owned_draws = n * (1.0 - owned.distributor.null_weight().get());
        // Per source slot: the chance it is drawn at all, and the owned values its group will
        // hold — its expected draws / mean, but at least one.
        let (mut groups, mut values, mut small) = (0.0, 0.0, 0usize);
        for slot in 0..plan.slots() {
            let p = plan.share_of(slot);
            let hit = -libm::expm1(source_draws * libm::log1p(-p.min(1.0)));
            let group_draws = owned_draws * p;
            groups += hit;
            values += hit * (group_draws / mean_owned).max(1.0);
            if group_draws < mean_owned {
                small += 1;
            }
        }
        if values <= 0.0 || groups <= 0.0 {
            continue;
        }
        let achieved_mean = owned_draws / values;
        let path = format!("{name}.{}", owned.decl.field);
        let target = owned.decl.target;
        if (achieved_mean / mean_owned - 1.0).abs() > GAP {
            out.push(PlanWarning {
                path: path.clone(),
                message: format!(
                    "mean = {mean_owned} cannot hold inside each `{source_field}` group: {small} of \
                     {slots} planned `{source_target}` values receive fewer than {mean_owned} \
                     draws and still need one `{target}` each; expect about {values:.0} `{target}` \
                     values, {achieved_mean:.1} draws each",
                    source_field = same.source,
                    slots = plan.slots(),
                    source_target = source.decl.target,
                ),
            });
        }
        // The target's own reference to the owner (Author.id.tenant_id), when it has one:
        // its mean says how many targets each owner should have.
        let Some(target_state) = registry.views().index_of(owned.decl.target_type) else {
            continue;
        };
        let target_state: &TypeState = registry.state(target_state);
        let owner_field = format!("{}.{}", target_state.id_field, same.in_reference);
        let Some(owner) = target_state
            .references
            .iter()
            .find(|r| r.decl.field == owner_field && r.decl.target_type == source.decl.target_type)
        else {
            continue;
        };
        let per_owner = owner.distributor.inner().mean().get();
        let achieved_per_owner = values / groups;
        if (achieved_per_owner / per_owner - 1.0).abs() > GAP {
            out.push(PlanWarning {
                path,
                message: format!(
                    "conflicts with `{target}.{owner_field}` (mean = {per_owner}: {target} values \
                     per `{owner_target}`): {name} values are drawn inside each `{source_field}` \
                     group ({source_mean} {name} per `{owner_target}`, {mean_owned} per `{target}`), \
                     which gives about {achieved_per_owner:.2} `{target}` per `{owner_target}`, \
                     not {per_owner}; the `{target}` side will show the achieved figure",
                    owner_target = source.decl.target,
                    source_field = same.source,
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
