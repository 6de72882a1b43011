//! Leaf values drawn from a production histogram (`#[provider(quantiles = [..])]`).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Cx;
use crate::error::ParamError;
use crate::provider::error::{ErrorKind, FakerError};
use crate::quantiles::{QuantileValue, Quantiles};

impl Cx<'_> {
    /// A leaf value drawn from `quantiles` (see [`Quantiles`]), like [`Cx::value`]: a
    /// requirement pins it or is checked on the draws. The histogram is passed as the result of
    /// its constructor, so that bounds the compiler could not check (a literal out of the
    /// field type's range) are reported with the field's path the first time it is populated.
    ///
    /// A field declared with [`Schema::quantiles`](crate::provider::Schema::quantiles) (with
    /// as many buckets as `quantiles` has) draws its bucket from the plan: exact counts per
    /// bucket once [`Faker::plan`](crate::provider::Faker::plan) knows the number of
    /// aggregates. An undeclared field is sampled.
    ///
    /// This is what `#[provider(quantiles = [..])]` expands to; the derive builds the
    /// histogram once per field (a `static`) and declares the field in the schema.
    pub fn quantiles<T>(
        &mut self,
        field: &str,
        quantiles: &Result<Quantiles<T>, ParamError>,
    ) -> Result<T, FakerError>
    where
        T: QuantileValue + Serialize + DeserializeOwned,
    {
        let q = match quantiles {
            Ok(q) => q,
            Err(e) => {
                let full = self.full(field);
                return Err(self.error(&full, ErrorKind::Param(e.clone())));
            }
        };
        // Borrows `field` (no copy) outside a component, like every leaf value.
        let full = self.full(field);
        let declared = self
            .runtime
            .registry
            .state(self.ty)
            .one_ofs
            .iter()
            .position(|o| o.field == *full && o.len() == q.buckets());
        match declared {
            // Planned (or sampled, without a plan) bucket, then a value inside it. A
            // requirement takes the path of any leaf value below and spends nothing of the
            // plan, like a required value of a `one_of` list.
            Some(at)
                if self
                    .requirements
                    .at(&full, || self.field_path(&full))?
                    .is_none() =>
            {
                // Only a list that follows a reference reads the owner's share (a lookup by
                // name, kept off every other draw).
                let share = if self.runtime.registry.state(self.ty).one_ofs[at].fits_owners() {
                    self.owner_share(&full)
                } else {
                    None
                };
                let rng = &mut *self.runtime.rng;
                let bucket =
                    self.runtime.registry.state_mut(self.ty).one_ofs[at].draw_for_owner(share, rng);
                let value = q.sample_in(bucket, rng);
                self.record(&full, &value)?;
                Ok(value)
            }
            _ => self.value(field, |rng, _| q.sample(rng)),
        }
    }
}
