//! `ordered`: planned values spent in order of creation. In `#[provider(..)]` it orders the
//! buckets of `quantiles = [..]` (lowest first); in `#[distributor(..)]` it orders a
//! reference's (or a pooled value's) planned reuses by the order the values were created in.
//! Anywhere else there is no plan it could order, and a flag that silently does nothing would
//! leave the user believing the rows come out in order.

use crate::Errors;
use crate::ast::{Field, Input, field_name};
use crate::attr::SourceKind;

pub fn check(input: &Input, field: &Field, errors: &mut Errors) {
    if let Some(at) = &field.attrs.ordered {
        let quantiles = field
            .attrs
            .sources
            .iter()
            .any(|s| matches!(s.value, SourceKind::Quantiles(_)));
        if !quantiles {
            let what = match (&field.reference, field.attrs.source()) {
                (Some(_), _) => format!(
                    "`{}` is a reference: write `ordered` in its #[distributor(..)]",
                    field.name
                ),
                (None, Some(source)) => format!(
                    "`{}` has {}, which draws no buckets: remove `ordered`",
                    field.name,
                    source.written()
                ),
                (None, None) => format!(
                    "`{}` has no `quantiles = [..]`: add them, or remove `ordered`",
                    field.name
                ),
            };
            errors.push(at.error(format!(
                "`ordered` in #[provider(..)] puts the buckets of `quantiles = [..]` in order; {what}"
            )));
        }
    }
    let Some(at) = field.distributor.as_ref().and_then(|d| d.ordered.as_ref()) else {
        return;
    };
    let pooled = field
        .distributor
        .as_ref()
        .is_some_and(|d| d.has_parameters());
    if field.reference.is_none() && !pooled {
        errors.push(at.error(format!(
            "`ordered` in #[distributor(..)] orders the planned reuses of a pool, and `{}` has no pool: give it a law (e.g. `#[distributor(mean = 10, ordered)]`), or remove `ordered`",
            field.name
        )));
    }
    let joint = input.joints.iter().find(|j| {
        j.members.iter().any(|m| {
            m.segments
                .first()
                .is_some_and(|s| field_name(s) == field.name)
        })
    });
    if joint.is_some() {
        errors.push(at.error(format!(
            "`ordered` in #[distributor(..)] on `{}`, a member of a #[joint(..)]: the joint law draws the members' combinations together; write `ordered` in the #[joint(..)] instead (its rows then follow the first member's order)",
            field.name
        )));
    }
}
