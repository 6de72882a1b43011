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
    /// This is what `#[provider(quantiles = [..])]` expands to; the derive builds the
    /// histogram once per field (a `static`).
    pub fn quantiles<T>(
        &mut self,
        field: &str,
        quantiles: &Result<Quantiles<T>, ParamError>,
    ) -> Result<T, FakerError>
    where
        T: QuantileValue + Serialize + DeserializeOwned,
    {
        match quantiles {
            Ok(q) => self.value(field, |rng, _| q.sample(rng)),
            Err(e) => {
                let full = self.full(field);
                Err(self.error(&full, ErrorKind::Param(e.clone())))
            }
        }
    }
}
