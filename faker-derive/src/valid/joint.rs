//! `#[joint(a, b, .., skew = .. | weights = [..], mean = ..)]`: one law over the combination
//! of several reference fields. Its members are references of this struct (or references
//! inside its components), at least two, each in at most one joint, listed in population
//! order; its law is a distributor's without `null_weight`, and needs `mean`, which decides
//! how many distinct combinations exist.

use super::params;
use crate::Errors;
use crate::ast::Input;
use crate::attr::{DottedPath, JointAttr, SourceKind};

const EXAMPLE: &str = "#[joint(origin, dest, skew = 2.0, mean = 1500)]";

pub fn check(input: &Input, errors: &mut Errors) {
    // Members of the joints already checked, to report a field in two joints.
    let mut claimed: Vec<String> = Vec::new();
    for joint in &input.joints {
        one(input, joint, &mut claimed, errors);
    }
}

fn one(input: &Input, joint: &JointAttr, claimed: &mut Vec<String>, errors: &mut Errors) {
    match joint.members.as_slice() {
        [] => errors.push(joint.at.error(format!(
            "#[joint(..)] names no member: list the reference fields whose combination follows the law, e.g. `{EXAMPLE}`"
        ))),
        [only] => errors.push(syn::Error::new_spanned(
            only,
            format!(
                "#[joint(..)] needs at least two member fields, a law over their combinations: the law of `{}` alone is its #[distributor(..)]",
                only.dotted()
            ),
        )),
        _ => {}
    }
    let mut listed: Vec<String> = Vec::new();
    // The index of each member's first field, when it names one, for the order check.
    let mut order: Vec<(usize, &DottedPath)> = Vec::new();
    for member in &joint.members {
        let dotted = member.dotted();
        if listed.contains(&dotted) {
            errors.push(syn::Error::new_spanned(
                member,
                format!("`{dotted}` is listed twice in #[joint(..)]: list each member once"),
            ));
            continue;
        }
        listed.push(dotted.clone());
        if let Some(index) = member_field(input, member, errors) {
            order.push((index, member));
        }
        if claimed.contains(&dotted) {
            errors.push(syn::Error::new_spanned(
                member,
                format!(
                    "`{dotted}` is already a member of another #[joint(..)] on `{}`: a field follows at most one joint law; remove it from one of them, or give all these fields one joint",
                    input.ident
                ),
            ));
        }
    }
    // A joint of one member is already reported: claiming its field would report the valid
    // joint that names it next.
    if joint.members.len() > 1 {
        claimed.extend(listed);
    }
    population_order(input, &order, errors);
    if joint.mean.is_none() {
        errors.push(joint.at.error(format!(
            "#[joint(..)] needs `mean`: the average number of aggregates per combination, which decides how many distinct combinations exist (aggregates / mean), e.g. `{EXAMPLE}`"
        )));
    }
    params::joint(joint, errors);
}

/// The index of the field a member starts at, if it is a valid member; else its error.
fn member_field(input: &Input, member: &DottedPath, errors: &mut Errors) -> Option<usize> {
    let dotted = member.dotted();
    let head = &member.segments[0];
    let name = crate::ast::field_name(head);
    let Some(index) = input.fields.iter().position(|f| f.name == name) else {
        let message = match input.fields.iter().find(|f| f.path == name) {
            Some(renamed) => format!(
                "`{dotted}` in #[joint(..)]: \"{name}\" is the serialized name of `{}`; a member names a field of this struct by its Rust name (the derive finds it under its serialized name): write `{}`",
                renamed.name, renamed.name
            ),
            None => match crate::attr::joint_word_hint(&name) {
                Some(hint) => format!(
                    "`{name}` in #[joint(..)] is not a field of `{}`; {hint}",
                    input.ident
                ),
                None => format!(
                    "`{name}` in #[joint(..)] is not a field of `{}`: the members are reference fields of this struct, here {}",
                    input.ident,
                    references(input)
                ),
            },
        };
        errors.push(syn::Error::new_spanned(head, message));
        return None;
    };
    let field = &input.fields[index];
    if member.segments.len() > 1 {
        // The component's own fields are checked by the runtime when the type is first used.
        if !matches!(field.attrs.source(), Some(SourceKind::Composite)) {
            errors.push(syn::Error::new_spanned(
                head,
                format!(
                    "`{dotted}` in #[joint(..)]: `{}` is not a #[provider(composite)] field, so `{dotted}` names no reference: a dotted member names a reference inside a component of `{}`",
                    field.name, input.ident
                ),
            ));
            return None;
        }
    } else if field.reference.is_none() {
        errors.push(syn::Error::new_spanned(
            member,
            format!(
                "`{dotted}` in #[joint(..)] is not a #[reference(..)] field: a joint law is over combinations of referenced ids; the references of `{}` are {}",
                input.ident,
                references(input)
            ),
        ));
        return None;
    }
    Some(index)
}

/// The reference fields of the struct, for messages.
fn references(input: &Input) -> String {
    let names: Vec<String> = input
        .fields
        .iter()
        .filter(|f| f.reference.is_some())
        .map(|f| format!("`{}`", f.name))
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The members must be listed in declaration order, the order fields are populated in: the
/// schema gives a joint's fields in population order (`JointDecl::fields`), and a list written
/// in another order would read as if the combination were drawn in it. The first member out of
/// order is reported, with the list in order.
fn population_order(input: &Input, members: &[(usize, &DottedPath)], errors: &mut Errors) {
    let Some(late) = members.windows(2).find(|w| w[1].0 < w[0].0) else {
        return;
    };
    let (before, after) = (&late[0], &late[1]);
    let mut sorted: Vec<&(usize, &DottedPath)> = members.iter().collect();
    // Stable: members inside one component keep the order written.
    sorted.sort_by_key(|(index, _)| *index);
    let list: Vec<String> = sorted.iter().map(|(_, m)| m.dotted()).collect();
    errors.push(syn::Error::new_spanned(
        after.1,
        format!(
            "the members of #[joint(..)] are listed in declaration order, the order the fields of `{}` are populated in: `{}` is declared before `{}`, so it comes first: write `#[joint({}, ..)]`",
            input.ident,
            input.fields[after.0].name,
            input.fields[before.0].name,
            list.join(", ")
        ),
    ));
}
