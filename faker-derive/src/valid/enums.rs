//! An enum deriving `Provider`: a component whose variant is drawn by weight. What is checked
//! beyond its variants' fields (which follow a struct's rules, see [`super::variant_fields`]):
//!
//! - the enum is a component: `aggregate`, `name`, `table`, `constructor`, `factory`,
//!   `#[children(..)]` and `#[joint(..)]` are refused, and so is a generic enum;
//! - `#[weight(..)]` on every variant or on none (uniform): a variant left out would have no
//!   share to take, and guessing one (zero? the rest?) would hide a mistake; the weights
//!   follow the runtime's rules for weights (none negative, not all zero);
//! - no `#[provider(auto_key)]` inside a variant: a repository-assigned key must be found at one
//!   path of every aggregate, and a variant's fields exist only in some;
//! - `#[serde(into = ..)]` is refused as on a struct;
//! - in an enum whose variants share one object (internally tagged, adjacently tagged,
//!   untagged), two variants may not both declare a field the runtime tracks by path
//!   (reference, pooled value, `one_of`, component, collection) under the same serialized name: the schema
//!   would hold two declarations at one path.

use faker_core::{OneOf, ParamError};

use crate::Errors;
use crate::ast::{EnumInput, Field};
use crate::attr::{At, Kind, SourceKind};

pub fn check(input: &EnumInput, errors: &mut Errors) {
    let name = &input.ident;
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &input.generics,
            format!(
                "generic enums are not supported by #[derive(Provider)]: remove the parameters of `{name}` (use concrete types), or implement `Component` by hand"
            ),
        ));
    }
    let a = &input.attrs;
    if let Some(kind) = &a.kind
        && kind.value == Kind::Aggregate
    {
        errors.push(kind.at.error(format!(
            "an enum is a part of an aggregate, not an aggregate: `{name}` implements `Component`, drawn for a field marked #[provider(composite)]; remove `aggregate` (an aggregate is a struct with an id)"
        )));
    }
    let component = |what: &str, at: &At| {
        at.error(format!(
            "`{what}` applies to aggregates, not to the enum `{name}` (a component, drawn for a #[provider(composite)] field): remove it"
        ))
    };
    for (what, at) in [
        ("name", a.name.as_ref().map(|k| &k.at)),
        ("table", a.table.as_ref().map(|k| &k.at)),
    ] {
        if let Some(at) = at {
            errors.push(component(what, at));
        }
    }
    for build in &a.build {
        errors.push(build.at.error(format!(
            "an enum is built from its variant and that variant's fields: `constructor` and `factory` apply to structs; remove it from `{name}`"
        )));
    }
    for c in &input.children {
        errors.push(c.at.error(format!(
            "#[children(..)] applies to aggregates, not to the enum `{name}`: put it on the aggregate that holds it"
        )));
    }
    for j in &input.joints {
        errors.push(j.at.error(format!(
            "#[joint(..)] on an enum: put it on the struct whose reference fields it joins; the fields of `{name}`'s variants are not all present in every aggregate"
        )));
    }
    for reshaping in input.serde.reshaping.iter().filter(|r| r.value == "into") {
        errors.push(reshaping.at.error(
            "#[serde(into = \"..\")] cannot be used with #[derive(Provider)]: it exports another type's serialization, whose field names this derive cannot see; remove it",
        ));
    }
    weights(input, errors);
    for variant in &input.variants {
        for field in &variant.body.fields {
            for key in field
                .attrs
                .sources
                .iter()
                .filter(|s| matches!(s.value, SourceKind::AutoKey))
            {
                errors.push(key.at.error(format!(
                    "#[provider(auto_key)] inside the variant `{}` of `{name}`: a repository-assigned key must be at one path of every aggregate, and a variant's fields exist only when it is drawn; give `{}` another value source",
                    variant.ident, field.name
                )));
            }
        }
        super::variant_fields(&variant.body, errors);
    }
    shared_paths(input, errors);
}

/// All variants weighted or none; the weights valid together (by the runtime's rules for
/// weights, [`OneOf::new`]).
fn weights(input: &EnumInput, errors: &mut Errors) {
    if !input.variants.iter().any(|v| v.weighted) {
        return;
    }
    for v in input.variants.iter().filter(|v| !v.weighted) {
        errors.push(syn::Error::new_spanned(
            &v.ident,
            format!(
                "`{}` has no #[weight(..)] while other variants of `{}` have one: weigh every variant (e.g. `#[weight(0.0)]` for one never drawn), or none for a uniform choice",
                v.ident, input.ident
            ),
        ));
    }
    let Some(numbers) = input
        .variants
        .iter()
        .map(|v| v.weight.clone())
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let values: Vec<f64> = numbers.iter().map(|n| n.value).collect();
    let Err(e) = OneOf::new(&values) else { return };
    match e {
        ParamError::NegativeWeight { index, value } => {
            errors.push(numbers[index].at.error(format!(
                "the #[weight(..)] of `{}` is negative ({value}): a weight is a share of the draws, >= 0 (0: never drawn)",
                input.variants[index].ident
            )))
        }
        ParamError::AllWeightsZero => errors.push(syn::Error::new_spanned(
            &input.ident,
            format!(
                "every variant of `{}` weighs 0, so none could be drawn: give at least one a positive #[weight(..)]",
                input.ident
            ),
        )),
        other => errors.push(syn::Error::new_spanned(
            &input.ident,
            format!("#[weight(..)] of the variants of `{}`: {other}", input.ident),
        )),
    }
}

/// Declared fields of two variants at one path, where the variants share one object.
fn shared_paths(input: &EnumInput, errors: &mut Errors) {
    let declared = |f: &Field| {
        f.reference.is_some()
            || f.distributor
                .as_ref()
                .is_some_and(crate::attr::DistributorAttr::has_parameters)
            || f.attrs.sources.iter().any(|s| {
                matches!(
                    s.value,
                    SourceKind::OneOf(_) | SourceKind::Composite | SourceKind::Collection
                )
            })
    };
    let mut seen: Vec<(String, &syn::Ident)> = Vec::new();
    for variant in &input.variants {
        for field in variant.body.fields.iter().filter(|f| declared(f)) {
            let path = if variant.prefix.is_empty() {
                field.path.clone()
            } else if field.path.is_empty() {
                variant.prefix.clone()
            } else {
                format!("{}.{}", variant.prefix, field.path)
            };
            if let Some((_, first)) = seen
                .iter()
                .find(|(p, v)| *p == path && **v != variant.ident)
            {
                errors.push(syn::Error::new_spanned(
                    &field.ident,
                    format!(
                        "`{}` of `{}` and a field of `{first}` are both at \"{path}\" in the state of `{}` (its variants share one object): the runtime tracks this field by its path, so give it a name of its own (or use serde's default, externally tagged, representation)",
                        field.name, variant.ident, input.ident
                    ),
                ));
            }
            seen.push((path, &variant.ident));
        }
    }
}
