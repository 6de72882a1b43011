//! The five attributes of the derive, each parsed into its typed model (see [`super`]): the
//! items are matched against the attribute's key enum, then each key's value is read.

use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, Meta, Token, Type};

use super::keys::{
    ChildrenKey, DistributorKey, Elsewhere, FieldKey, JointKey, Key, Place, ReferenceKey,
    StructKey, is, match_items,
};
use super::values::{callable, number, quantiles, range, source_expr, string, value_list, weights};
use super::{
    At, Build, ChildrenAttr, DistributorAttr, DottedPath, FieldAttrs, JointAttr, Keyed, Kind,
    ReferenceAttr, Same, SourceKind, StructAttrs,
};
use crate::Errors;

/// The items of `#[attr(..)]`; any other form of the attribute is an error.
fn list_items(attr: &Attribute, place: Place, example: &str) -> syn::Result<Vec<NestedMeta>> {
    match &attr.meta {
        Meta::List(list) => NestedMeta::parse_meta_list(list.tokens.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "{} takes a list of keys: write `{example}`",
                place.written()
            ),
        )),
    }
}

/// Merges one `#[provider(..)]` on the struct into `out`.
pub fn struct_provider(attr: &Attribute, out: &mut StructAttrs, errors: &mut Errors) {
    let Some(items) = errors.handle(list_items(attr, StructKey::PLACE, "#[provider(aggregate)]"))
    else {
        return;
    };
    let elsewhere: &[Elsewhere] = &[(
        is::<FieldKey>,
        "belongs on a field; on the struct, #[provider(..)] takes `aggregate`, `value`, `entity`, `name`, `table`, `constructor` or `factory`",
    )];
    for item in match_items::<StructKey>(&items, elsewhere, errors) {
        let at = item.at();
        match item.key {
            StructKey::Aggregate => set_kind(out, Kind::Aggregate, at, errors),
            StructKey::Value => set_kind(out, Kind::Value, at, errors),
            StructKey::Entity => set_kind(out, Kind::Entity, at, errors),
            StructKey::Name => {
                if let Some(s) = errors.handle(string(&item)) {
                    out.name = Some(Keyed { value: s, at });
                }
            }
            StructKey::Table => {
                if let Some(s) = errors.handle(string(&item)) {
                    out.table = Some(Keyed { value: s, at });
                }
            }
            StructKey::Constructor | StructKey::Factory => {
                if let Some(e) = errors.handle(callable(&item, false)) {
                    let value = if item.key == StructKey::Factory {
                        Build::Factory(e)
                    } else {
                        Build::Constructor(e)
                    };
                    out.build.push(Keyed {
                        value,
                        at: At::of(&item.ident),
                    });
                }
            }
        }
    }
}

fn set_kind(out: &mut StructAttrs, kind: Kind, at: At, errors: &mut Errors) {
    match &out.kind {
        Some(first) => errors.push(at.error(format!(
            "#[provider({})] contradicts #[provider({})] given before: a struct is one of `aggregate` (the default), `value` or `entity`; keep one",
            kind.word(),
            first.value.word()
        ))),
        None => out.kind = Some(Keyed { value: kind, at }),
    }
}

/// Merges one `#[provider(..)]` on a field into `out`.
pub fn field_provider(attr: &Attribute, out: &mut FieldAttrs, errors: &mut Errors) {
    let Some(items) = errors.handle(list_items(attr, FieldKey::PLACE, "#[provider(id)]")) else {
        return;
    };
    let elsewhere: &[Elsewhere] = &[
        (
            is::<StructKey>,
            "belongs on the struct: write it in a #[provider(..)] above `struct`",
        ),
        (
            is::<DistributorKey>,
            "belongs in #[distributor(..)]: write `#[distributor(..)]` on the field",
        ),
    ];
    for item in match_items::<FieldKey>(&items, elsewhere, errors) {
        let at = item.at();
        let source = |s| Keyed {
            value: s,
            at: at.clone(),
        };
        match item.key {
            FieldKey::Id => {
                if out.id.is_some() {
                    errors.push(at.error("`id` is given twice on this field: keep one"));
                } else {
                    out.id = Some(at);
                }
            }
            FieldKey::AutoKey => out.sources.push(source(SourceKind::AutoKey)),
            FieldKey::Composite => out.sources.push(source(SourceKind::Composite)),
            FieldKey::Collection => out.sources.push(source(SourceKind::Collection)),
            FieldKey::Mean => {
                out.count.sized = true;
                out.count.mean = errors.handle(number(&item));
            }
            FieldKey::Skew => out.count.skew = errors.handle(number(&item)),
            FieldKey::Range => {
                out.count.sized = true;
                out.count.range = errors.handle(range(&item));
            }
            FieldKey::Sequence => out.sources.push(source(SourceKind::Sequence)),
            FieldKey::Ordered => out.ordered = Some(at),
            FieldKey::Default => out.sources.push(source(SourceKind::Default)),
            FieldKey::Skip => out.sources.push(source(SourceKind::Skip)),
            FieldKey::Fake => {
                if let Some(e) = errors.handle(source_expr(&item, "a faker expression")) {
                    out.sources.push(source(SourceKind::Fake(e)));
                }
            }
            FieldKey::With => {
                let what = "a function or closure `(rng, position) -> value`";
                if let Some(e) = errors.handle(source_expr(&item, what)) {
                    out.sources.push(source(SourceKind::With(e)));
                }
            }
            FieldKey::Value => {
                if let Some(e) = item.expr() {
                    out.sources.push(source(SourceKind::Value(e.clone())));
                }
            }
            FieldKey::OneOf => {
                if let Some(values) = errors.handle(value_list(&item)) {
                    out.sources.push(source(SourceKind::OneOf(values)));
                }
            }
            FieldKey::Weights => out.weights = weights(&item, errors),
            FieldKey::Quantiles => {
                if let Some(list) = quantiles(&item, errors) {
                    out.sources.push(source(SourceKind::Quantiles(list)));
                }
            }
            FieldKey::Follows => {
                let Meta::List(list) = item.meta else {
                    continue;
                };
                let written = Written::Value;
                if let Some(path) = errors.handle(follows_path(list.tokens.clone(), &at, written)) {
                    out.follows = Some(Keyed { value: path, at });
                }
            }
            FieldKey::Column => {
                if let Some(s) = errors.handle(string(&item)) {
                    if out.column.is_some() {
                        errors.push(at.error("`column` is given twice on this field: keep one"));
                    } else {
                        out.column = Some(Keyed { value: s, at });
                    }
                }
            }
            FieldKey::Map => {
                if let Some(e) = errors.handle(callable(&item, true)) {
                    if out.map.is_some() {
                        errors.push(at.error("`map` is given twice on this field: keep one"));
                    } else {
                        out.map = Some(Keyed { value: e, at });
                    }
                }
            }
        }
    }
}

/// One `#[distributor(..)]`.
pub fn distributor(attr: &Attribute, errors: &mut Errors) -> Option<DistributorAttr> {
    let items = errors.handle(list_items(
        attr,
        DistributorKey::PLACE,
        "#[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]",
    ))?;
    let elsewhere: &[Elsewhere] = &[(
        is::<FieldKey>,
        "belongs in #[provider(..)]: write `#[provider(..)]` on the field",
    )];
    let mut out = DistributorAttr {
        at: At::of(attr),
        keys: items.len(),
        weights: None,
        skew: None,
        mean: None,
        null_weight: None,
        sequence: None,
        top: None,
        ordered: None,
    };
    for item in match_items::<DistributorKey>(&items, elsewhere, errors) {
        match item.key {
            DistributorKey::Weights => out.weights = weights(&item, errors),
            DistributorKey::Skew => out.skew = errors.handle(number(&item)),
            DistributorKey::Mean => out.mean = errors.handle(number(&item)),
            DistributorKey::NullWeight => {
                out.null_weight = errors.handle(number(&item)).map(|n| Keyed {
                    value: n,
                    at: item.at(),
                })
            }
            DistributorKey::Sequence => out.sequence = Some(item.at()),
            DistributorKey::Ordered => out.ordered = Some(item.at()),
            DistributorKey::Top => out.top = weights(&item, errors),
        }
    }
    Some(out)
}

/// Parses `Type` followed by `, item`s (the form of `#[reference]` and `#[children]`).
fn type_then_items(
    attr: &Attribute,
    place: Place,
    example: &str,
) -> syn::Result<(Type, Vec<NestedMeta>)> {
    let missing = || {
        syn::Error::new_spanned(
            attr,
            format!(
                "{} needs the type it points to: write `{example}`",
                place.written()
            ),
        )
    };
    let Meta::List(list) = &attr.meta else {
        return Err(missing());
    };
    if list.tokens.is_empty() {
        return Err(missing());
    }
    let parser = |input: ParseStream| -> syn::Result<(Type, Vec<NestedMeta>)> {
        if input.peek(Ident) && (input.peek2(Token![=]) || input.peek2(syn::token::Paren)) {
            let key: Ident = input.fork().parse()?;
            return Err(syn::Error::new_spanned(
                key,
                format!(
                    "{} starts with the type it points to: write `{example}`",
                    place.written()
                ),
            ));
        }
        let ty: Type = input.parse()?;
        let mut items = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            items.push(input.parse::<NestedMeta>()?);
        }
        Ok((ty, items))
    };
    parser.parse2(list.tokens.clone())
}

/// The pairs of `same(a = b, ..)`.
fn same_pairs(tokens: TokenStream, at: &At) -> syn::Result<Vec<Same>> {
    let example = "write `same(tenant_id = id.tenant_id)`: a field of the referenced id, `=`, then a field of this struct declared before the reference";
    let parser = |input: ParseStream| -> syn::Result<Vec<Same>> {
        let mut out = Vec::new();
        if input.is_empty() {
            return Err(at.error(format!("`same()` in #[reference(..)] is empty: {example}")));
        }
        while !input.is_empty() {
            let in_reference = DottedPath::parse(input)?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new_spanned(
                    &in_reference,
                    format!("`same({})` has no source: {example}", in_reference.dotted()),
                ));
            }
            input.parse::<Token![=]>()?;
            let source = DottedPath::parse(input)?;
            out.push(Same {
                in_reference,
                source,
            });
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(out)
    };
    parser.parse2(tokens)
}

/// Where a `follows(..)` is written: on a reference or on a value.
#[derive(Clone, Copy)]
enum Written {
    Reference,
    Value,
}

/// The one path of `follows(album_id)`.
fn follows_path(tokens: TokenStream, at: &At, written: Written) -> syn::Result<DottedPath> {
    use syn::ext::IdentExt;
    let (attr, example) = match written {
        Written::Reference => (
            "#[reference(..)]",
            "write `follows(album_id)`: the field of this struct, declared before this \
             reference, whose value decides it",
        ),
        Written::Value => (
            "#[provider(..)]",
            "write `follows(customer_id)`: the field of this struct, declared before this \
             one, whose value decides it",
        ),
    };
    let parser = |input: ParseStream| -> syn::Result<DottedPath> {
        if input.is_empty() {
            return Err(at.error(format!("`follows()` in {attr} is empty: {example}")));
        }
        if !input.peek(Ident::peek_any) {
            return Err(input.error(format!("`follows(..)` takes one field path: {example}")));
        }
        let path = DottedPath::parse(input)?;
        if !input.is_empty() {
            return Err(input.error(format!("`follows(..)` takes one field path: {example}")));
        }
        Ok(path)
    };
    syn::parse::Parser::parse2(parser, tokens)
}

/// The paths of `differ(a, b.c, ..)`: field paths separated by commas, at least one.
fn differ_paths(tokens: TokenStream, at: &At) -> syn::Result<Vec<DottedPath>> {
    use syn::ext::IdentExt;
    let example = "write `differ(origin)`: the reference fields of this struct, declared before this one, whose value this reference never takes";
    let parser = |input: ParseStream| -> syn::Result<Vec<DottedPath>> {
        let mut out = Vec::new();
        if input.is_empty() {
            return Err(at.error(format!(
                "`differ()` in #[reference(..)] is empty: {example}"
            )));
        }
        while !input.is_empty() {
            if input.peek(syn::LitStr) {
                let lit: syn::LitStr = input.parse()?;
                return Err(syn::Error::new_spanned(
                    &lit,
                    format!(
                        "`differ(..)` takes field paths, not strings: write `differ({})`",
                        lit.value()
                    ),
                ));
            }
            if !input.peek(Ident::peek_any) {
                return Err(input.error(format!(
                    "`differ(..)` takes field paths separated by commas: {example}"
                )));
            }
            out.push(DottedPath::parse(input)?);
            if input.is_empty() {
                break;
            }
            if input.peek(Token![=]) {
                return Err(input.error(
                    "`differ(..)` takes field paths, not pairs (`in_reference = source` is the form of `same(..)`): write `differ(origin)`",
                ));
            }
            if !input.peek(Token![,]) {
                return Err(input.error(format!(
                    "`differ(..)` takes field paths separated by commas: {example}"
                )));
            }
            input.parse::<Token![,]>()?;
        }
        Ok(out)
    };
    parser.parse2(tokens)
}

/// One `#[reference(..)]`.
pub fn reference(attr: &Attribute, errors: &mut Errors) -> Option<ReferenceAttr> {
    let (ty, items) = errors.handle(type_then_items(
        attr,
        ReferenceKey::PLACE,
        "#[reference(Author)]",
    ))?;
    let elsewhere: &[Elsewhere] = &[(
        is::<DistributorKey>,
        "belongs in #[distributor(..)]: write `#[distributor(..)]` on the same field",
    )];
    let mut same = Vec::new();
    let mut differ = Vec::new();
    let mut follows: Option<DottedPath> = None;
    let mut others = Vec::new();
    for item in items {
        match &item {
            // `same(..)` and `differ(..)` may be repeated: every one adds constraints.
            NestedMeta::Meta(Meta::List(list)) if list.path.is_ident("same") => {
                if let Some(pairs) = errors.handle(same_pairs(list.tokens.clone(), &At::of(list))) {
                    same.extend(pairs);
                }
            }
            NestedMeta::Meta(Meta::List(list)) if list.path.is_ident("differ") => {
                if let Some(paths) = errors.handle(differ_paths(list.tokens.clone(), &At::of(list)))
                {
                    differ.extend(paths);
                }
            }
            NestedMeta::Meta(Meta::List(list)) if list.path.is_ident("follows") => {
                let at = At::of(list);
                let Some(paths) =
                    errors.handle(follows_path(list.tokens.clone(), &at, Written::Reference))
                else {
                    continue;
                };
                if follows.is_some() {
                    errors.push(syn::Error::new_spanned(
                        list,
                        "`follows(..)` is given twice: a reference follows one field",
                    ));
                } else {
                    follows = Some(paths);
                }
            }
            _ => others.push(item),
        }
    }
    // Anything else is an unknown key, or `same`/`differ`/`follows` in a wrong form: reported
    // here.
    match_items::<ReferenceKey>(&others, elsewhere, errors);
    Some(ReferenceAttr {
        at: At::of(attr),
        ty,
        same,
        differ,
        follows,
    })
}

/// One `#[children(..)]`.
pub fn children(attr: &Attribute, errors: &mut Errors) -> Option<ChildrenAttr> {
    let (ty, items) = errors.handle(type_then_items(
        attr,
        ChildrenKey::PLACE,
        "#[children(OrderLine, parent = \"order_id\", mean = 3.0)]",
    ))?;
    let mut out = ChildrenAttr {
        at: At::of(attr),
        ty,
        parent: None,
        law: Default::default(),
    };
    for item in match_items::<ChildrenKey>(&items, &[], errors) {
        match item.key {
            ChildrenKey::Parent => {
                out.parent = errors.handle(string(&item)).map(|s| Keyed {
                    value: s,
                    at: item.at(),
                })
            }
            ChildrenKey::Mean => {
                out.law.sized = true;
                out.law.mean = errors.handle(number(&item));
            }
            ChildrenKey::Skew => out.law.skew = errors.handle(number(&item)),
            ChildrenKey::Weights => out.law.weights = weights(&item, errors),
            ChildrenKey::Range => {
                out.law.sized = true;
                out.law.range = errors.handle(range(&item));
            }
        }
    }
    Some(out)
}

/// The items of `#[joint(..)]` as written: member paths and `key = value` items.
fn joint_items(tokens: TokenStream) -> syn::Result<(Vec<DottedPath>, Vec<NestedMeta>)> {
    use syn::ext::IdentExt;
    let parser = |input: ParseStream| -> syn::Result<(Vec<DottedPath>, Vec<NestedMeta>)> {
        let mut members = Vec::new();
        let mut keys = Vec::new();
        while !input.is_empty() {
            // A key is a name followed by `=` or `(`; anything else starting with a name is a
            // member path (a field may be called `mean`: it is a member unless given a value).
            if input.peek(Ident::peek_any)
                && (input.peek2(Token![=]) || input.peek2(syn::token::Paren))
            {
                keys.push(input.parse::<NestedMeta>()?);
            } else if input.peek(Ident::peek_any) {
                members.push(DottedPath::parse(input)?);
            } else if input.peek(syn::LitStr) {
                let lit: syn::LitStr = input.parse()?;
                return Err(syn::Error::new_spanned(
                    &lit,
                    format!(
                        "#[joint(..)] takes field paths, not strings: write `{}`",
                        lit.value()
                    ),
                ));
            } else {
                return Err(input.error(
                    "#[joint(..)] takes the member fields, then the law: write `#[joint(origin, dest, skew = 2.0, mean = 1500)]`",
                ));
            }
            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                return Err(input.error(
                    "#[joint(..)] takes items separated by commas: write `#[joint(origin, dest, skew = 2.0, mean = 1500)]`",
                ));
            }
            input.parse::<Token![,]>()?;
        }
        Ok((members, keys))
    };
    parser.parse2(tokens)
}

/// One `#[joint(..)]` on the struct.
pub fn joint(attr: &Attribute, errors: &mut Errors) -> Option<JointAttr> {
    let Meta::List(list) = &attr.meta else {
        errors.push(syn::Error::new_spanned(
            attr,
            format!(
                "{} takes the member fields and the law: write `#[joint(origin, dest, skew = 2.0, mean = 1500)]`",
                JointKey::PLACE.written()
            ),
        ));
        return None;
    };
    let (members, items) = errors.handle(joint_items(list.tokens.clone()))?;
    // The bare word `ordered` is the law's flag, not a member (a field of that name cannot be
    // a joint member: rename the Rust field; `#[serde(rename = "ordered")]` keeps its column).
    let (flags, members): (Vec<DottedPath>, Vec<DottedPath>) = members
        .into_iter()
        .partition(|m| m.segments.len() == 1 && m.segments[0] == "ordered");
    let ordered = flags.first().map(|m| At::of(&m.segments[0]));
    // `null_weight` is refused by name rather than reported as an unknown key: it is a
    // distributor key, only meaningless here.
    let (refused, items): (Vec<NestedMeta>, Vec<NestedMeta>) = items
        .into_iter()
        .partition(|i| matches!(i, NestedMeta::Meta(m) if m.path().is_ident("null_weight")));
    for item in &refused {
        errors.push(syn::Error::new_spanned(
            item,
            "`null_weight` in #[joint(..)]: a combination is never null: put `null_weight` on a member's #[distributor(..)]",
        ));
    }
    let elsewhere: &[Elsewhere] = &[(
        is::<DistributorKey>,
        "belongs in a member's #[distributor(..)]: #[joint(..)] takes the member fields, then `weights`, `skew` and `mean`",
    )];
    let mut out = JointAttr {
        at: At::of(attr),
        members,
        weights: None,
        skew: None,
        mean: None,
        ordered,
    };
    for item in match_items::<JointKey>(&items, elsewhere, errors) {
        match item.key {
            JointKey::Weights => out.weights = weights(&item, errors),
            JointKey::Skew => out.skew = errors.handle(number(&item)),
            JointKey::Mean => out.mean = errors.handle(number(&item)),
            // Written `ordered = ..`: `match_items` reports a flag given a value.
            JointKey::Ordered => out.ordered = Some(item.at()),
        }
    }
    Some(out)
}

/// `#[weight(0.7)]` on a variant: one number literal (its range is checked with the other
/// variants' weights).
pub fn variant_weight(attr: &Attribute) -> syn::Result<super::Num> {
    let example = "write a number literal, e.g. `#[weight(0.7)]`";
    let Meta::List(list) = &attr.meta else {
        return Err(syn::Error::new_spanned(
            attr,
            format!("#[weight(..)] takes the variant's weight: {example}"),
        ));
    };
    let expr: syn::Expr = syn::parse2(list.tokens.clone()).map_err(|_| {
        syn::Error::new_spanned(list, format!("#[weight(..)] takes one number: {example}"))
    })?;
    super::values::number_literal(&expr).ok_or_else(|| {
        syn::Error::new_spanned(
            &expr,
            format!("#[weight(..)] must be a finite number literal: {example}"),
        )
    })
}
