//! Paths written in a reference's attribute that name a field populated before it: the source
//! of `same(..)` and the fields of `differ(..)`. Their first segment is a field of this struct
//! by its Rust name, declared before the reference (fields are populated in declaration order).

use crate::ast::Input;
use crate::attr::DottedPath;

/// Which constraint a path belongs to, for messages.
#[derive(Clone, Copy)]
pub enum Role {
    /// `same(in_reference = source)`: the path is the source.
    Same,
    /// `differ(field)`.
    Differ,
    /// `follows(field)`.
    Follows,
}

/// The index of the field that the first segment of `path` names, if it is declared before
/// the reference at `index`; else the error, at that segment. `written` is the constraint as
/// written, for messages.
pub fn earlier_field(
    input: &Input,
    index: usize,
    path: &DottedPath,
    written: &str,
    role: Role,
) -> Result<usize, syn::Error> {
    let field = &input.fields[index];
    let head = &path.segments[0];
    let name = crate::ast::field_name(head);
    let position = input.fields.iter().position(|f| f.name == name);
    let message = match position {
        Some(p) if p < index => return Ok(p),
        Some(p) if p == index => match role {
            Role::Same => format!(
                "`{written}` constrains `{}` by itself: the source must be another field of `{}`, declared before it",
                field.name, input.ident
            ),
            Role::Differ => format!(
                "`{written}` on `{}` names `{}` itself, which always equals its own value: name another reference field of `{}`, declared before it",
                field.name, field.name, input.ident
            ),
            Role::Follows => format!(
                "`{written}` on `{}` names `{}` itself: name the field of `{}` whose value decides it, declared before it",
                field.name, field.name, input.ident
            ),
        },
        Some(_) => format!(
            "`{written}`: `{name}` is declared after `{}`, but fields are populated in declaration order, so its value is not known yet: move `{name}` above `{}`",
            field.name, field.name
        ),
        None => match input.fields[..index].iter().find(|f| f.path == name) {
            Some(renamed) => {
                let what = match role {
                    Role::Same => "a source",
                    Role::Differ => "a `differ(..)` path",
                    Role::Follows => "a `follows(..)` path",
                };
                format!(
                    "`{written}`: \"{name}\" is the serialized name of `{}`; the first segment of {what} names a field of this struct by its Rust name (the derive finds it under its serialized name): write `{}`",
                    renamed.name, renamed.name
                )
            }
            None => {
                let earlier: Vec<String> = input.fields[..index]
                    .iter()
                    .map(|f| format!("`{}`", f.name))
                    .collect();
                let hint = if earlier.is_empty() {
                    format!(
                        "no field is declared before `{}`: declare the {} first",
                        field.name,
                        match role {
                            Role::Same => "source field",
                            Role::Differ => "other reference",
                            Role::Follows => "field that decides it",
                        }
                    )
                } else {
                    format!(
                        "the fields declared before `{}` are {}",
                        field.name,
                        earlier.join(", ")
                    )
                };
                let what = match role {
                    Role::Same => {
                        "the source of a constraint is a field of this struct declared before the reference"
                    }
                    Role::Differ => {
                        "`differ(..)` names reference fields of this struct declared before this one"
                    }
                    Role::Follows => {
                        "`follows(..)` names a field of this struct declared before the field it decides"
                    }
                };
                format!(
                    "`{written}`: `{name}` is not a field of `{}`; {what} ({hint})",
                    input.ident
                )
            }
        },
    };
    Err(syn::Error::new_spanned(head, message))
}
