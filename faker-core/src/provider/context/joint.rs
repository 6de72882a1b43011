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
        let drawn = self
            .relations
            .as_deref()
            .and_then(|r| r.joint_draws.iter().find(|(j, _)| *j == joint));
        let combination = match drawn {
            Some((_, combination)) => combination.clone(),
            None => {
                let combination = self.draw_joint(joint).await?;
                self.relations_mut()
                    .joint_draws
                    .push((joint, combination.clone()));
                combination
            }
        };
        let position = combination[member] as usize;
        self.note_drawn(index, position);
        let id = self.runtime.registry.slot(target).pool[position].clone();
        self.record(field, &id)?;
        Ok(Some(id))
    }

    /// Draws a combination of joint law `joint`: an existing one, or a new one whose members
    /// are the slots the plan assigned (planned) or drawn by their own distributors (dynamic),
    /// made now where they do not exist yet.
    async fn draw_joint(&mut self, joint: usize) -> Result<Combination, FakerError> {
        let ty = self.ty;
        let draw = self.runtime.registry.state_mut(ty).joints[joint]
            .law
            .draw(self.runtime.rng);
        let members = self.runtime.registry.state(ty).joints[joint]
            .members
            .clone();
        let (ticket, slots) = match draw {
            JointDraw::Reuse(combination) => {
                for &r in &members {
                    self.runtime.registry.state_mut(ty).references[r].joint_share = None;
                }
                return Ok(combination);
            }
            JointDraw::Create(ticket, slots) => (ticket, slots),
        };
        // Each member's planned share, for the values that follow it.
        for (m, &r) in members.iter().enumerate() {
            let reference = &mut self.runtime.registry.state_mut(ty).references[r];
            reference.joint_share = slots.as_ref().and_then(|slots| {
                let plan = reference.distributor.inner().slot_plan()?;
                (slots[m] < plan.slots()).then(|| plan.share_of(slots[m]))
            });
        }
        let state = self.runtime.registry.state(ty);
        let differ = state.joints[joint].differ.clone();
        let mut values: Vec<Option<usize>> = vec![None; members.len()];
        for m in 0..members.len() {
            let position = match &slots {
                Some(slots) => self.joint_slot(joint, &members, m, slots[m]).await?,
                None => self.joint_dynamic(&members, &differ, &values, m).await?,
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

    /// The value of planned slot `slot` of member `m`. Members that refer to the same type
    /// share their slot numbering (see [`crate::distributor::joint`]): a slot one of them
    /// holds is the value of that slot for all; a slot none holds takes a pool value none of
    /// them holds (and that was not just made for a sibling), or a new one.
    async fn joint_slot(
        &mut self,
        joint: usize,
        members: &[usize],
        m: usize,
        slot: usize,
    ) -> Result<usize, FakerError> {
        let ty = self.ty;
        let state = self.runtime.registry.state(ty);
        let r = members[m];
        let target = state.references[r].decl.target_type;
        let peers: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&o| state.references[o].decl.target_type == target)
            .collect();
        let plan_of = |o: usize| state.references[o].distributor.inner().slot_plan();
        let held = peers
            .iter()
            .find_map(|&o| plan_of(o).and_then(|p| p.held(slot)));
        let view = self.runtime.registry.views().index_of(target);
        let fresh = view.map_or_else(Vec::new, |v| self.fresh_for(v));
        let decl = &state.references[r].decl;
        let (create, path) = (decl.create, self.field_path(&decl.field));
        let position = match held {
            Some(position) => Some(position),
            None => {
                // A value no member's slot holds: scan from the first position some slot may
                // not hold yet (everything below is held by a member).
                let len = (decl.pool_len)(self.runtime.registry);
                let held_by_any = |p: usize| {
                    peers
                        .iter()
                        .any(|&o| plan_of(o).is_some_and(|plan| plan.is_bound(p)))
                };
                let mut from = state.joints[joint].free_from[m];
                while from < len && held_by_any(from) {
                    from += 1;
                }
                let free = (from..len).find(|&p| !held_by_any(p) && !fresh.contains(&p));
                self.runtime.registry.state_mut(ty).joints[joint].free_from[m] = from;
                free
            }
        };
        let (position, created) = match position {
            Some(position) => (position, false),
            None => (create(self.runtime.reborrow(), path).await?, true),
        };
        let state = self.runtime.registry.state_mut(ty);
        if let Some(plan) = state.references[r].distributor.inner_mut().slot_plan_mut()
            && plan.held(slot).is_none()
            && slot < plan.slots()
        {
            plan.bind(slot, position);
        }
        if created && let Some(view) = view {
            // Siblings must not take a value made for this aggregate as a free one.
            self.relations_mut().fresh.push((view, position));
        }
        Ok(position)
    }

    /// A member of a new combination in dynamic mode: drawn by its own distributor, avoiding
    /// the members it must differ from and the values made for siblings of its type.
    async fn joint_dynamic(
        &mut self,
        members: &[usize],
        differ: &[(usize, usize)],
        values: &[Option<usize>],
        m: usize,
    ) -> Result<usize, FakerError> {
        let ty = self.ty;
        let r = members[m];
        let state = self.runtime.registry.state(ty);
        let decl = &state.references[r].decl;
        let target = decl.target_type;
        let taken: Vec<usize> = differ
            .iter()
            .filter_map(|&(a, b)| match (a == m, b == m) {
                (true, _) => values[b],
                (_, true) => values[a],
                _ => None,
            })
            .collect();
        let view = self.runtime.registry.views().index_of(target);
        let fresh = view.map_or_else(Vec::new, |v| self.fresh_for(v));
        let avoid = Avoid {
            values: &taken,
            fresh: &fresh,
        };
        let len = (decl.pool_len)(self.runtime.registry);
        let (create, path) = (decl.create, self.field_path(&decl.field));
        let drawn = self.runtime.registry.state_mut(ty).references[r]
            .distributor
            .inner_mut()
            .draw_among(len, avoid, self.runtime.rng);
        match drawn {
            Draw::Reuse(position) => Ok(position),
            Draw::Create(ticket) => self.create_member(r, ticket, create, path).await,
            // `draw_among` gives no nulls (they are `Nullable`'s, and joint members have no
            // null_weight): create, as an unplanned draw would.
            Draw::Null => {
                self.create_member(r, Ticket::unplanned(), create, path)
                    .await
            }
        }
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
        state.references[r]
            .distributor
            .inner_mut()
            .bind(ticket, position);
        if let Some(view) = self.runtime.registry.views().index_of(target) {
            self.relations_mut().fresh.push((view, position));
        }
        Ok(position)
    }
}
