//! `differ(field, ..)` on a reference: each field is another reference of this struct,
//! populated before it, to the same target type, so that "never equal" compares two values
//! of one pool.

use quote::ToTokens;

use super::earlier::{Role, earlier_field};
use crate::Errors;
use crate::ast::Input;
use crate::attr::SourceKind;

/// Checks every `differ(..)` path of the field at `index`.
pub fn check(input: &Input, index: usize, errors: &mut Errors) {
    let field = &input.fields[index];
    let Some(r) = &field.reference else { return };
    let target = type_text(&r.ty);
    let mut seen: Vec<String> = Vec::new();
    for path in &r.differ {
        let dotted = path.dotted();
        let written = format!("differ({dotted})");
        if seen.contains(&dotted) {
            errors.push(syn::Error::new_spanned(
                path,
                format!("`{written}` is given twice on `{}`: keep one", field.name),
            ));
            continue;
        }
        seen.push(dotted.clone());
        let other = match earlier_field(input, index, path, &written, Role::Differ) {
            Ok(p) => &input.fields[p],
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if path.segments.len() > 1 {
            // A reference inside a component: the component's fields are not visible here
            // (the runtime checks the path when the type is first used), only that the path
            // enters one.
            if !matches!(other.attrs.source(), Some(SourceKind::Composite)) {
                errors.push(syn::Error::new_spanned(
                    &path.segments[0],
                    format!(
                        "`{written}`: `{}` is not a #[provider(composite)] field, so `{dotted}` names no reference: a dotted path in `differ(..)` names a reference inside a component of `{}`",
                        other.name, input.ident
                    ),
                ));
            }
            continue;
        }
        let Some(theirs) = &other.reference else {
            errors.push(syn::Error::new_spanned(
                path,
                format!(
                    "`{written}`: `{}` is not a #[reference(..)] field; `differ(..)` says this reference never takes the value of another reference of `{}`: name a field marked #[reference({target})]",
                    other.name, input.ident
                ),
            ));
            continue;
        };
        let their_target = type_text(&theirs.ty);
        if their_target != target {
            errors.push(syn::Error::new_spanned(
                path,
                format!(
                    "`{written}` compares values of one type: `{}` refers to `{their_target}`, this reference to `{target}`; name a reference to `{target}` (types are compared as written)",
                    other.name
                ),
            ));
        }
    }
}

/// A type as written, without the spaces of its token string (`crate::Airport`).
fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}
