//! `follows(field)`: a field whose value another field of the struct decides, on a reference
//! (`#[reference(T, follows(..))]`) or on a generated value (`#[provider(.., follows(..))]`).
//! The source is a field declared before it; a value follows only with a source that draws
//! (a value list, quantiles, a generator, `fake`), since the others have nothing to keep.

use super::earlier::{Role, earlier_field};
use crate::Errors;
use crate::ast::Input;
use crate::attr::SourceKind;

/// Checks the `follows(..)` of the field at `index`, on its reference or its value.
pub fn check(input: &Input, index: usize, errors: &mut Errors) {
    let field = &input.fields[index];
    if let Some(path) = field.reference.as_ref().and_then(|r| r.follows.as_ref()) {
        let written = format!("follows({})", path.dotted());
        if let Err(e) = earlier_field(input, index, path, &written, Role::Follows) {
            errors.push(e);
        }
    }
    let Some(follows) = &field.attrs.follows else {
        return;
    };
    let written = format!("follows({})", follows.value.dotted());
    let refused = if field.reference.is_some() {
        Some(format!(
            "`{}` is a reference: write `{written}` in its #[reference(..)], e.g. `#[reference(Customer, {written})]`",
            field.name
        ))
    } else if field.attrs.id.is_some() {
        Some(format!(
            "`{}` is the id: an id is never decided by another field; remove `{written}`",
            field.name
        ))
    } else if field
        .distributor
        .as_ref()
        .is_some_and(crate::attr::DistributorAttr::has_parameters)
    {
        Some(format!(
            "`{}` is a pooled value (#[distributor(..)]), which reuses values by its own law: remove `{written}`, or the distributor (a value list with `one_of = [..]` can follow a field)",
            field.name
        ))
    } else {
        match field.attrs.source() {
            None
            | Some(
                SourceKind::OneOf(_)
                | SourceKind::Quantiles(_)
                | SourceKind::With(_)
                | SourceKind::Fake(_),
            ) => None,
            Some(other) => Some(format!(
                "`{written}` keeps the value drawn for each value of the field it names, and {} draws nothing to keep: use it with `one_of = [..]`, `quantiles = [..]`, `with = ..` or `fake = ..`, or remove it",
                other.written()
            )),
        }
    };
    if let Some(message) = refused {
        errors.push(follows.at.error(message));
        return;
    }
    if let Err(e) = earlier_field(input, index, &follows.value, &written, Role::Follows) {
        errors.push(e);
    }
}
