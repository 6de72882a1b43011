//! Collections of components inside an aggregate (`lines: Vec<InvoiceLine>`): the count is
//! drawn from the collection's law, then each element is populated like a component under
//! the collection's path.
//!
//! The element's declarations (references, pooled values) sit in the schema once, under the
//! collection's path (`lines.track`), so every element of every aggregate draws from the same
//! distributor and the law holds across all of them. What one element records for its own
//! relations (`same(..)` sources, planned shares, positions for `differ(..)`, joint
//! combinations) is dropped when the element is done, so the next element's references read
//! their own element's values; what the aggregate recorded before the collection stays
//! visible to every element (a `same(..)` source written `super.tenant_id`).

use super::{Cx, Element};
use crate::provider::error::{ErrorKind, FakerError};
use crate::provider::traits::Component;

/// Elements reserved up front at most: a skewed count law may draw a large count now and
/// then, and the vector grows as needed beyond.
const RESERVE: usize = 64;

impl<'f> Cx<'f> {
    /// The elements of the collection `field` declared in the schema
    /// ([`Schema::collection`](crate::provider::Schema::collection)): their number drawn from
    /// the collection's count law, each one populated by `E::populate` under `field` (its
    /// paths in errors are `Invoice.lines[2].track`).
    ///
    /// Errors: `field` is not a declared collection ([`ErrorKind::Undeclared`]), a requirement
    /// reaches into it ([`ErrorKind::CollectionRequirement`]), or an element fails.
    pub async fn collection<E: Component>(&mut self, field: &str) -> Result<Vec<E>, FakerError> {
        let full = self.full(field).into_owned();
        if let Some(r) = self.requirements.at(&full, || self.field_path(&full))? {
            let kind = ErrorKind::CollectionRequirement {
                requirement: r.query.to_string(),
                origin: r.origin,
            };
            return Err(self.error(&full, kind));
        }
        let state = self.runtime.registry.state_mut(self.ty);
        let Some(collection) = state.collections.iter_mut().find(|c| c.field == full) else {
            let kind = ErrorKind::Undeclared {
                aggregate: self.name(),
                field: full.clone(),
            };
            return Err(self.error(&full, kind));
        };
        let count = collection.draw(self.runtime.rng);
        let mut elements = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(RESERVE));
        for index in 0..count {
            self.enter_element(field, index);
            let element = E::populate(self).await;
            self.leave_element();
            elements.push(element?);
        }
        Ok(elements)
    }

    /// Enters element `index` of the collection `field` (relative to the current component).
    fn enter_element(&mut self, field: &str, index: u64) {
        let shown = format!("{}[{index}]", self.shown(field));
        self.enter(field);
        self.elements.push(Element {
            prefix_len: self.prefix.len(),
            shown,
            recorded: self.recorded.len(),
            drawn: self.relations.as_ref().map_or(0, |r| r.drawn.len()),
            joint_draws: self.relations.as_ref().map_or(0, |r| r.joint_draws.len()),
        });
    }

    /// Leaves the element entered last, dropping what it recorded for its own relations.
    fn leave_element(&mut self) {
        if let Some(element) = self.elements.pop() {
            // The planned shares are recorded with the values, so they go with them.
            self.recorded.truncate(element.recorded);
            if let Some(relations) = self.relations.as_deref_mut() {
                relations.drawn.truncate(element.drawn);
                relations.joint_draws.truncate(element.joint_draws);
            }
        }
        self.leave();
    }

    /// `field` (relative to the current component) as paths show it, from the aggregate's top
    /// level: `lines[2].parts` inside element 2 of `lines`.
    fn shown(&self, field: &str) -> String {
        let full = self.full(field);
        match self.elements.last() {
            Some(element) => format!("{}{}", element.shown, &full[element.prefix_len..]),
            None => full.into_owned(),
        }
    }
}
