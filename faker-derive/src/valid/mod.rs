//! What the attributes mean together: every rule is checked and every violation reported, each
//! at the token that breaks it, with what to write instead. Distribution parameters are
//! checked by the runtime's own validators ([`params`]); what `#[serde(..)]` does to the
//! exported state is checked in [`serde`]; the relations between fields in [`earlier`]
//! (paths to fields populated before a reference), [`differ`] and [`joint`]; histogram bounds
//! in [`quantiles`].

mod column;
mod differ;
mod earlier;
mod enums;
mod follows;
mod joint;
mod ordered;
mod params;
mod quantiles;
mod serde;

pub use enums::check as check_enum;

use quote::ToTokens;

use crate::Errors;
use crate::ast::{Field, Input};
use crate::attr::{At, Build, ChildrenAttr, DistributorAttr, Kind, SourceKind};
use earlier::{Role, earlier_field};

pub fn check(input: &Input, errors: &mut Errors) {
    generics(input, errors);
    struct_attrs(input, errors);
    identity(input, errors);
    auto_keys(input, errors);
    serde::check(input, errors);
    for child in &input.children {
        children(input, child, errors);
    }
    joint::check(input, errors);
    fields(input, errors);
}

/// What is checked on the fields of an enum's variant (which `input` models as a component).
fn variant_fields(input: &Input, errors: &mut Errors) {
    identity(input, errors);
    serde::check(input, errors);
    fields(input, errors);
}

/// Each field's own attributes and its relations to earlier fields.
fn fields(input: &Input, errors: &mut Errors) {
    for (index, field) in input.fields.iter().enumerate() {
        sources(field, errors);
        one_of(field, errors);
        map(field, errors);
        quantiles::check(field, errors);
        ordered::check(input, field, errors);
        collection(field, errors);
        if let Some(d) = &field.distributor {
            distributor(field, d, errors);
        }
        constraints(input, index, field, errors);
        differ::check(input, index, errors);
        follows::check(input, index, errors);
        column::check(input, index, errors);
    }
}

fn err(tokens: &impl ToTokens, message: impl std::fmt::Display) -> syn::Error {
    syn::Error::new_spanned(tokens, message)
}

fn generics(input: &Input, errors: &mut Errors) {
    let g = &input.generics;
    if !g.params.is_empty() {
        errors.push(err(
            g,
            format!(
                "generic structs are not supported by #[derive(Provider)]: remove the parameters of `{}` (use concrete types), or implement `Provider` by hand",
                input.ident
            ),
        ));
    } else if let Some(w) = &g.where_clause {
        errors.push(err(
            w,
            "generic structs are not supported by #[derive(Provider)]: remove the `where` clause",
        ));
    }
}

fn struct_attrs(input: &Input, errors: &mut Errors) {
    let a = &input.attrs;
    let kind = input.kind();
    if kind != Kind::Aggregate {
        let word = kind.word();
        if let Some(name) = &a.name {
            errors.push(name.at.error(
                format!(
                    "`name` applies to aggregates, not to a #[provider({word})] component: remove it (a component is named by the field that holds it)"
                ),
            ));
        }
        if let Some(table) = &a.table {
            errors.push(table.at.error(
                format!(
                    "`table` applies to aggregates, not to a #[provider({word})] component: remove it (a component is stored with its aggregate)"
                ),
            ));
        }
        for child in &input.children {
            errors.push(child.at.error(
                format!(
                    "#[children(..)] applies to aggregates, not to a #[provider({word})] component: put it on the aggregate that holds this component"
                ),
            ));
        }
    }
    for s in [&a.name, &a.table].into_iter().flatten() {
        if s.value.value().trim().is_empty() {
            errors.push(err(
                &s.value,
                "this name is empty: write a name, e.g. `name = \"Book\"`, or remove the key",
            ));
        }
    }
    for extra in a.build.iter().skip(1) {
        let (this, first) = match (&extra.value, &a.build[0].value) {
            (Build::Constructor(_), Build::Constructor(_)) => ("constructor", "constructor"),
            (Build::Factory(_), Build::Factory(_)) => ("factory", "factory"),
            (Build::Constructor(_), Build::Factory(_)) => ("constructor", "factory"),
            (Build::Factory(_), Build::Constructor(_)) => ("factory", "constructor"),
        };
        let message = if this == first {
            format!("`{this}` is given twice in #[provider(..)]; keep one")
        } else {
            "give either `constructor` (a fn returning `Self`) or `factory` (a fn returning `Result<Self, E>`), not both"
                .to_string()
        };
        errors.push(extra.at.error(message));
    }
}

fn identity(input: &Input, errors: &mut Errors) {
    let ids: Vec<(&Field, &At)> = input
        .fields
        .iter()
        .filter_map(|f| f.attrs.id.as_ref().map(|s| (f, s)))
        .collect();
    match input.kind() {
        Kind::Aggregate => {
            if ids.is_empty() {
                errors.push(err(
                    &input.ident,
                    format!(
                        "the aggregate `{}` has no identity field: mark the field that holds its id with #[provider(id)], e.g. `#[provider(id)] id: {}Id` (or declare the struct #[provider(value)] if it is not an aggregate)",
                        input.ident, input.ident
                    ),
                ));
            }
            for (field, at) in ids.iter().skip(1) {
                errors.push(at.error(
                    format!(
                        "two identity fields: `{}` is already #[provider(id)], so `{}` cannot be; an aggregate has one id field (for a multi-part id use a composite type: `#[provider(id, composite)] id: {}Id`)",
                        ids[0].0.name, field.name, input.ident
                    ),
                ));
            }
        }
        kind => {
            for (_, at) in ids {
                errors.push(at.error(
                    format!(
                        "#[provider(id)] applies to aggregates; a #[provider({})] component has no identity of its own: remove `id`",
                        kind.word()
                    ),
                ));
            }
        }
    }
}

fn auto_keys(input: &Input, errors: &mut Errors) {
    let keys: Vec<(&Field, &At)> = input
        .fields
        .iter()
        .flat_map(|f| {
            f.attrs
                .sources
                .iter()
                .filter(|s| matches!(s.value, SourceKind::AutoKey))
                .map(move |s| (f, &s.at))
        })
        .collect();
    for (field, at) in keys.iter().skip(1) {
        errors.push(at.error(
            format!(
                "two repository-assigned keys: `{}` is already #[provider(auto_key)], so `{}` cannot be; a repository assigns one key per aggregate: give `{}` another value source",
                keys[0].0.name, field.name, field.name
            ),
        ));
    }
}

fn sources(field: &Field, errors: &mut Errors) {
    let s = &field.attrs.sources;
    if s.len() < 2 {
        return;
    }
    if s.iter().any(|x| matches!(x.value, SourceKind::Reference)) {
        for other in s
            .iter()
            .filter(|x| !matches!(x.value, SourceKind::Reference))
        {
            errors.push(other.at.error(format!(
                "`{}` is a #[reference(..)] field: its value is the referenced id, so it takes no other value source; remove {}",
                field.name,
                other.value.written()
            )));
        }
        return;
    }
    for extra in s.iter().skip(1) {
        errors.push(extra.at.error(format!(
            "`{}` has two value sources, {} and {}: a field takes its value from one; keep one of them",
            field.name,
            s[0].value.written(),
            extra.value.written()
        )));
    }
}

/// `one_of = [..]` with its `weights`, and `weights` without `one_of` (a collection's
/// `weights` were given to its count law, see [`crate::attr::FieldAttrs::route_weights`]).
fn one_of(field: &Field, errors: &mut Errors) {
    let list = field.attrs.sources.iter().find_map(|s| match &s.value {
        SourceKind::OneOf(values) => Some((values.len(), &s.at)),
        _ => None,
    });
    match (list, &field.attrs.weights) {
        (Some((values, at)), weights) => params::one_of(values, at, weights.as_ref(), errors),
        (None, Some(w)) => errors.push(w.at.error(format!(
            "`weights` in #[provider(..)] are the weights of `one_of = [..]` or of a `collection`'s count, and `{}` has neither: add `one_of = [..]` with one value per weight, or, for a pooled value, write them in #[distributor(weights = [..])]",
            field.name
        ))),
        (None, None) => {}
    }
}

fn map(field: &Field, errors: &mut Errors) {
    let Some(map) = &field.attrs.map else { return };
    let message = match field.attrs.sources.first().map(|s| &s.value) {
        Some(SourceKind::Fake(_) | SourceKind::Sequence | SourceKind::DistributorSequence) => return,
        Some(SourceKind::With(_)) => {
            "`map` applies to `fake = ..` or `sequence` values; with `with = ..`, return the final value from the function (call the map inside it)".to_string()
        }
        Some(other) => format!(
            "`map` applies to `fake = ..` or `sequence` values, not to {}: remove `map`",
            other.written()
        ),
        None => "`map` needs a value to map: add `fake = ..` or `sequence`, e.g. `#[provider(fake = fake::faker::lorem::en::Sentence(3..5), map = BookTitle)]`".to_string(),
    };
    errors.push(map.at.error(message));
}

fn distributor(field: &Field, d: &DistributorAttr, errors: &mut Errors) {
    const ATTR: &str = "#[distributor(..)]";
    if d.keys == 0 {
        errors.push(d.at.error(
            "#[distributor()] is empty: give its parameters, e.g. `#[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]`, or remove it",
        ));
        return;
    }
    // Quantiles with a pool: reported by `quantiles::check`, with its own reason.
    let quantiles = field
        .attrs
        .sources
        .iter()
        .any(|s| matches!(s.value, SourceKind::Quantiles(_)));
    if d.has_parameters() && !quantiles {
        // The sources a pool cannot draw from.
        if let Some(source) = field.attrs.sources.iter().find(|s| {
            matches!(
                s.value,
                SourceKind::AutoKey
                    | SourceKind::Composite
                    | SourceKind::Collection
                    | SourceKind::Value(_)
                    | SourceKind::OneOf(_)
                    | SourceKind::Default
                    | SourceKind::Skip
            )
        }) {
            errors.push(d.at.error(
                format!(
                    "{ATTR} draws `{}` from a pool of generated values, which {} does not make: remove {ATTR}, or give the field a generated source (`fake = ..`, `with = ..`, `sequence`)",
                    field.name,
                    source.value.written()
                ),
            ));
        }
    }
    params::distributor(d, errors);
    if let Some(nw) = &d.null_weight {
        if field.option_inner.is_none() {
            let ty = field.ty.to_token_stream().to_string();
            errors.push(nw.at.error(
                format!(
                    "`null_weight` in {ATTR} needs an `Option` field, and `{}` is `{ty}`: change its type to `Option<{ty}>`, or remove `null_weight`",
                    field.name
                ),
            ));
        }
    }
}

fn children(input: &Input, c: &ChildrenAttr, errors: &mut Errors) {
    const ATTR: &str = "#[children(..)]";
    let child = c.ty.to_token_stream().to_string();
    match &c.parent {
        None => errors.push(c.at.error(
            format!(
                "{ATTR} needs `parent = \"..\"`: the field of `{child}` that holds the id of `{}`, e.g. `#[children({child}, parent = \"{}_id\", mean = 3.0)]`",
                input.ident,
                snake(&input.ident.to_string())
            ),
        )),
        Some(p) => {
            let path = p.value.value();
            if path.is_empty() || path.split('.').any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
                errors.push(err(
                    &p.value,
                    format!(
                        "`parent` in {ATTR} must be a field path of `{child}` such as \"order_id\" or \"id.order_id\", got {path:?}"
                    ),
                ));
            }
        }
    }
    if !c.law.is_sized() {
        errors.push(c.at.error(
            format!(
                "{ATTR} needs `mean`: the average number of children per parent, e.g. `#[children({child}, parent = \"..\", mean = 3.0)]` (or `range = 1..=5`)"
            ),
        ));
    }
    params::count(&c.law, ATTR, &c.at, errors);
}

/// `#[provider(collection, ..)]`: a `Vec` field with a count law; the law's keys only with
/// `collection`.
fn collection(field: &Field, errors: &mut Errors) {
    const ATTR: &str = "#[provider(collection, ..)]";
    let at = field
        .attrs
        .sources
        .iter()
        .find(|s| matches!(s.value, SourceKind::Collection))
        .map(|s| &s.at);
    let law = &field.attrs.count;
    let Some(at) = at else {
        for written in law.written() {
            errors.push(written.error(
                "the count law in #[provider(..)] is the size of a collection: add `collection` (`#[provider(collection, mean = 3.0)]` on a `Vec<E>` field); for a pooled value, write `mean`, `skew` and `weights` in #[distributor(..)]"
            ));
        }
        return;
    };
    if crate::ast::vec_inner(&field.ty).is_none() {
        let ty = field.ty.to_token_stream().to_string();
        errors.push(err(
            &field.ty,
            format!(
                "{ATTR} needs a `Vec<E>` field, `E` a component (a struct deriving `Provider` with #[provider(entity)] or #[provider(value)]); `{}` is `{ty}`",
                field.name
            ),
        ));
    }
    if let Some(id) = &field.attrs.id {
        errors.push(id.error(format!(
            "a collection cannot be the identity of an aggregate: remove `id` from `{}`",
            field.name
        )));
    }
    if !law.is_sized() {
        errors.push(at.error(format!(
            "{ATTR} needs its count law: `mean = 3.0` (Poisson around the mean), with `skew = ..` or `weights = [..]` for a skewed rate, or `range = 1..=5` (with optional `weights` per value), e.g. `#[provider(collection, mean = 3.0)]`"
        )));
    }
    params::count(law, ATTR, at, errors);
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// `same(in_reference = source)`: the source's first segment is a field declared before the
/// reference field.
fn constraints(input: &Input, index: usize, field: &Field, errors: &mut Errors) {
    let Some(r) = &field.reference else { return };
    for same in &r.same {
        let written = format!(
            "same({} = {})",
            same.in_reference.dotted(),
            same.source.dotted()
        );
        let head = &same.source.segments[0];
        if head == "super" {
            // A field of the struct that holds this component: only the runtime knows it
            // (checked when the aggregate type is first used).
            if input.kind() == Kind::Aggregate {
                errors.push(err(
                    head,
                    format!(
                        "`{written}`: `super.` names a field of the struct that holds a component (a collection element or a composite field), and the aggregate `{}` is held by none: name a field of `{}` declared before `{}`",
                        input.ident, input.ident, field.name
                    ),
                ));
            } else if same.source.segments.len() < 2 {
                errors.push(err(
                    head,
                    format!(
                        "`{written}`: `super` alone names no field: write `super.field`, a field of the struct that holds this component, declared before it"
                    ),
                ));
            }
            continue;
        }
        if let Err(e) = earlier_field(input, index, &same.source, &written, Role::Same) {
            errors.push(e);
        }
    }
}
