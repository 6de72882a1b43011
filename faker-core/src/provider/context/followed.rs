//! Generated values that another field of the aggregate decides
//! ([`Schema::value_follows`](crate::provider::Schema::value_follows)): the first aggregate
//! with a value of the source generates, the later ones take what it generated.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Cx;
use crate::provider::error::{ErrorKind, FakerError};

impl<'f> Cx<'f> {
    /// The value already generated at `field` for the current value of the field it follows,
    /// if any (recorded like a generated one); `None` when this aggregate has to generate it:
    /// the first with that source value, a null source, or a requirement on `field` (which
    /// wins over the dependency). Give what is then generated to [`Cx::keep_followed`].
    pub fn followed<T>(&mut self, field: &str) -> Result<Option<T>, FakerError>
    where
        T: Serialize + DeserializeOwned,
    {
        let full = self.full(field);
        let field: &str = &full;
        let Some((at, key)) = self.followed_key(field)? else {
            return Ok(None);
        };
        let Some(kept) = self.runtime.registry.state(self.ty).followed_values[at]
            .kept
            .get(&key)
            .cloned()
        else {
            return Ok(None);
        };
        let value: T = self.pinned(field, &kept)?;
        self.record(field, &value)?;
        Ok(Some(value))
    }

    /// Keeps `value`, just generated at `field`, for the current value of the field it
    /// follows (nothing when [`Cx::followed`] would not take a kept value).
    pub fn keep_followed<T: Serialize>(
        &mut self,
        field: &str,
        value: &T,
    ) -> Result<(), FakerError> {
        let full = self.full(field);
        let field: &str = &full;
        let Some((at, key)) = self.followed_key(field)? else {
            return Ok(());
        };
        let json =
            serde_json::to_value(value).map_err(|e| self.error(field, ErrorKind::Export(e)))?;
        self.runtime.registry.state_mut(self.ty).followed_values[at]
            .kept
            .entry(key)
            .or_insert(json);
        Ok(())
    }

    /// For a value that follows a reference (`field` a full path): the planned share of the
    /// aggregates that the reference's value just drawn receives — what the value generated
    /// now will be the value of. `None` for other fields, or when the draw was not planned.
    pub(crate) fn owner_share(&self, field: &str) -> Option<f64> {
        let state = self.runtime.registry.state(self.ty);
        let source = &state
            .followed_values
            .iter()
            .find(|f| f.decl.field == field)?
            .decl
            .source;
        let r = state.references.iter().find(|r| r.decl.field == *source)?;
        // The share among the reference's draws, which are `per_aggregate` per aggregate; a
        // joint member's draws go through the joint law, which noted its slot's share.
        let share = match r.joint {
            Some(_) => r.joint_share?,
            None => r.distributor.inner().last_share()?,
        };
        Some(share * r.per_aggregate)
    }

    /// The declaration of `field` (a full path) and the key of its source's value, when a
    /// kept value applies.
    fn followed_key(&self, field: &str) -> Result<Option<(usize, String)>, FakerError> {
        let state = self.runtime.registry.state(self.ty);
        let Some(at) = state
            .followed_values
            .iter()
            .position(|f| f.decl.field == field)
        else {
            return Err(self.error(
                field,
                ErrorKind::Undeclared {
                    aggregate: self.name(),
                    field: field.to_string(),
                },
            ));
        };
        if self
            .requirements
            .at(field, || self.field_path(field))?
            .is_some()
        {
            return Ok(None);
        }
        Ok(
            match self.recorded(&state.followed_values[at].decl.source) {
                None | Some(serde_json::Value::Null) => None,
                Some(value) => Some((at, value.to_string())),
            },
        )
    }
}
