//! Joint laws at populate time: the first member of a joint law asked for draws the whole
//! combination (creating the member values it needs), the others read their part of it.
//!
//! Members are resolved eagerly, all at once, so that a new combination can check its members
//! against each other with their values known: two members that must differ never share a
//! value, and a member slot seen for the first time never takes a value its partner holds.
//! The statistics (which combination, which member slots) are in
//! [`crate::distributor::joint`].

use super::Cx;
use crate::distributor::joint::{Combination, JointDraw};
use crate::distributor::plan::{Candidates, PlannedDraw};
use crate::distributor::{Avoid, Draw, Ticket};
use crate::provider::error::FakerError;
use crate::provider::registry::Handle;
use crate::provider::traits::Provider;

impl<'f> Cx<'f> {
    /// Reference `index` (member `member` of joint law `joint`): its part of this aggregate's
    /// combination, drawn on the first member's call.
    pub(super) async fn joint_member<T: Provider>(
        &mut self,
        field: &str,
        index: usize,
        target: Handle<T>,
        joint: usize,
        member: usize,
    ) -> Result<Option<T::Id>, FakerError> {
        let combination = match self.joint_draws.iter().find(|(j, _)| *j == joint) {
            Some((_, combination)) => combination.clone(),
            None => {
                let combination = self.draw_joint(joint).await?;
                self.joint_draws.push((joint, combination.clone()));
                combination
            }
        };
        let position = combination[member] as usize;
        self.drawn.push((index, position));
        let id = self.runtime.registry.slot(target).pool[position].clone();
        self.record(field, &id)?;
        Ok(Some(id))
    }

    /// Draws a combination of joint law `joint`: an existing one, or a new one whose members
    /// are chosen by the law (planned) or drawn by their own distributors (dynamic), and made
    /// now where they do not exist yet.
    async fn draw_joint(&mut self, joint: usize) -> Result<Combination, FakerError> {
        let ty = self.ty;
        let draw = self.runtime.registry.state_mut(ty).joints[joint]
            .law
            .draw(self.runtime.rng);
        let (ticket, share) = match draw {
            JointDraw::Reuse(combination) => return Ok(combination),
            JointDraw::Create(ticket, share) => (ticket, share),
        };
        let state = self.runtime.registry.state_mut(ty);
        let members = state.joints[joint].members.clone();
        let differ = state.joints[joint].differ.clone();
        // Planned: the member slots with the largest deficits (see `JointLaw::choose`).
        let slots = match share {
            Some(share) => {
                let references = &state.references;
                let plans: Option<Vec<_>> = members
                    .iter()
                    .map(|&r| references[r].distributor.inner().slot_plan())
                    .collect();
                match plans {
                    Some(plans) => Some(state.joints[joint].law.choose(share, &plans, &differ)),
                    None => None,
                }
            }
            None => None,
        };
        // Held member slots are known values; resolve the others avoiding them.
        let mut values: Vec<Option<usize>> = match &slots {
            Some(slots) => members
                .iter()
                .zip(slots)
                .map(|(&r, &s)| {
                    state.references[r]
                        .distributor
                        .inner()
                        .slot_plan()
                        .and_then(|p| p.held(s))
                })
                .collect(),
            None => vec![None; members.len()],
        };
        for m in 0..members.len() {
            if values[m].is_some() {
                continue;
            }
            let r = members[m];
            let state = self.runtime.registry.state(ty);
            let decl = &state.references[r].decl;
            let target = decl.target_type;
            // Partners this member must differ from, and values made for siblings of the
            // same type in this aggregate (its partners included).
            let taken: Vec<usize> = differ
                .iter()
                .filter_map(|&(a, b)| match (a == m, b == m) {
                    (true, _) => values[b],
                    (_, true) => values[a],
                    _ => None,
                })
                .collect();
            let view = self.runtime.registry.views().index_of(target);
            let mut fresh: Vec<usize> = self
                .fresh
                .iter()
                .filter(|(t, _)| Some(*t) == view)
                .map(|&(_, p)| p)
                .collect();
            fresh.extend(
                members
                    .iter()
                    .zip(&values)
                    .filter(|&(&o, v)| v.is_some() && state.references[o].decl.target_type == target)
                    .filter_map(|(_, v)| *v),
            );
            let avoid = Avoid {
                values: &taken,
                fresh: &fresh,
            };
            let len = (decl.pool_len)(self.runtime.registry);
            let create = decl.create;
            let path = self.field_path(&decl.field);
            let distributor = &mut self.runtime.registry.state_mut(ty).references[r]
                .distributor
                .inner_mut();
            let drawn = match (&slots, distributor.slot_plan_mut()) {
                (Some(slots), Some(plan)) => match plan.take(slots[m], Candidates::All(len), avoid)
                {
                    PlannedDraw::Bound(position) => Draw::Reuse(position),
                    PlannedDraw::Create(ticket) => Draw::Create(ticket),
                },
                _ => distributor.draw_among(len, avoid, self.runtime.rng),
            };
            let position = match drawn {
                Draw::Reuse(position) => position,
                Draw::Create(ticket) => self.create_member(r, ticket, create, path).await?,
                // `draw_among` gives no nulls (they are `Nullable`'s, and joint members have
                // no null_weight): create, as an unplanned draw would.
                Draw::Null => {
                    self.create_member(r, Ticket::unplanned(), create, path)
                        .await?
                }
            };
            values[m] = Some(position);
        }
        let combination: Combination = values
            .into_iter()
            .map(|v| v.unwrap_or_default() as u32)
            .collect();
        self.runtime.registry.state_mut(ty).joints[joint]
            .law
            .fulfil(ticket, combination.clone());
        Ok(combination)
    }

    /// Creates the value of member reference `r` for `ticket` and binds it.
    async fn create_member(
        &mut self,
        r: usize,
        ticket: Ticket,
        create: crate::provider::runtime::CreateTarget,
        path: String,
    ) -> Result<usize, FakerError> {
        let position = create(self.runtime.reborrow(), path).await?;
        let state = self.runtime.registry.state_mut(self.ty);
        let target = state.references[r].decl.target_type;
        state.references[r].distributor.inner_mut().bind(ticket, position);
        if let Some(view) = self.runtime.registry.views().index_of(target) {
            self.fresh.push((view, position));
        }
        Ok(position)
    }
}
