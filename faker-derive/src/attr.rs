//! The four attributes, parsed into typed values with their spans.
//!
//! Parsing checks the *form* of each key (is it a flag, does it take a value, is the literal of
//! the right type) and reports every problem it finds; what the values mean together (ranges,
//! combinations, references between fields) is checked in [`crate::valid`].

use darling::ast::NestedMeta;
use darling::{Error, Result};
use proc_macro2::Span;
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprArray, Ident, Lit, LitStr, Meta, Token, Type, UnOp};

// ---------------------------------------------------------------- values

/// A number written in an attribute (`50`, `0.7`, `-1.0`), with its span.
#[derive(Debug, Clone, Copy)]
pub struct Num {
    pub value: f64,
    pub span: Span,
}

/// `weights = [..]`: the numbers and the span of the whole array.
#[derive(Debug, Clone)]
pub struct WeightsList {
    pub values: Vec<Num>,
    pub span: Span,
}

/// A dotted field path (`id.tenant_id`) as written in `same(..)`.
#[derive(Debug, Clone)]
pub struct DottedPath {
    pub segments: Vec<Ident>,
}

impl DottedPath {
    /// `id.tenant_id`, with raw identifiers unescaped.
    pub fn dotted(&self) -> String {
        self.segments
            .iter()
            .map(crate::ast::field_name)
            .collect::<Vec<_>>()
            .join(".")
    }

    fn parse(input: ParseStream) -> syn::Result<DottedPath> {
        let mut segments = vec![input.call(Ident::parse_any_ident)?];
        while input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            segments.push(input.call(Ident::parse_any_ident)?);
        }
        Ok(DottedPath { segments })
    }
}

/// Allows keywords as path segments (`type`, `self` would not make sense, but `r#type` is a
/// field name a user may have).
trait ParseAnyIdent {
    fn parse_any_ident(input: ParseStream) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    fn parse_any_ident(input: ParseStream) -> syn::Result<Ident> {
        use syn::ext::IdentExt;
        Ident::parse_any(input)
    }
}

// ---------------------------------------------------------------- attribute model

/// `#[provider(aggregate | value | entity)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Aggregate,
    Value,
    Entity,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Aggregate => "aggregate",
            Kind::Value => "value",
            Kind::Entity => "entity",
        }
    }
}

/// How the struct is built from its populated fields.
#[derive(Debug, Clone)]
pub enum Build {
    /// `constructor = path`: `fn(fields..) -> Self`.
    Constructor(Expr),
    /// `factory = path`: `fn(fields..) -> Result<Self, E: Display>`.
    Factory(Expr),
}

/// A key with its span (the key's name for flags, `key = value` otherwise).
#[derive(Debug, Clone)]
pub struct Keyed<T> {
    pub value: T,
    pub span: Span,
}

/// Everything `#[provider(..)]` says on the struct (all such attributes merged).
#[derive(Debug, Default)]
pub struct StructAttrs {
    pub kind: Option<Keyed<Kind>>,
    pub name: Option<Keyed<LitStr>>,
    pub table: Option<Keyed<LitStr>>,
    pub build: Vec<Keyed<Build>>,
}

/// `#[children(Child, parent = "..", mean = .., skew = .. | weights = [..])]`.
#[derive(Debug)]
pub struct ChildrenAttr {
    pub span: Span,
    pub ty: Type,
    pub parent: Option<Keyed<LitStr>>,
    pub mean: Option<Num>,
    pub skew: Option<Num>,
    pub weights: Option<WeightsList>,
}

/// Where a field's value comes from, as one key of `#[provider(..)]` (or another attribute)
/// says it. A field may name at most one.
#[derive(Debug, Clone)]
pub enum SourceKind {
    AutoKey,
    Composite,
    Fake(Expr),
    With(Expr),
    Value(Expr),
    Sequence,
    Default,
    Skip,
    /// `#[reference(..)]`.
    Reference,
    /// `#[distributor(sequence)]`.
    DistributorSequence,
}

impl SourceKind {
    /// How the user wrote it, for messages.
    pub fn written(&self) -> &'static str {
        match self {
            SourceKind::AutoKey => "#[provider(auto_key)]",
            SourceKind::Composite => "#[provider(composite)]",
            SourceKind::Fake(_) => "#[provider(fake = ..)]",
            SourceKind::With(_) => "#[provider(with = ..)]",
            SourceKind::Value(_) => "#[provider(value = ..)]",
            SourceKind::Sequence => "#[provider(sequence)]",
            SourceKind::Default => "#[provider(default)]",
            SourceKind::Skip => "#[provider(skip)]",
            SourceKind::Reference => "#[reference(..)]",
            SourceKind::DistributorSequence => "#[distributor(sequence)]",
        }
    }
}

/// Everything `#[provider(..)]` says on a field (all such attributes merged).
#[derive(Debug, Default)]
pub struct FieldAttrs {
    pub id: Option<Span>,
    pub sources: Vec<Keyed<SourceKind>>,
    pub map: Option<Keyed<Expr>>,
}

/// `#[reference(Target, same(in_reference = source), ..)]`.
#[derive(Debug)]
pub struct ReferenceAttr {
    pub span: Span,
    pub ty: Type,
    pub same: Vec<Same>,
}

/// One `in_reference = source` pair of `same(..)`.
#[derive(Debug, Clone)]
pub struct Same {
    pub in_reference: DottedPath,
    pub source: DottedPath,
}

/// `#[distributor(weights = [..], skew = .., mean = .., null_weight = .., sequence)]`.
#[derive(Debug)]
pub struct DistributorAttr {
    pub span: Span,
    pub weights: Option<WeightsList>,
    pub skew: Option<Num>,
    pub mean: Option<Num>,
    pub null_weight: Option<Keyed<Num>>,
    pub sequence: Option<Span>,
}

impl DistributorAttr {
    /// Whether it says anything besides `sequence` (then the field is a pooled value).
    pub fn has_parameters(&self) -> bool {
        self.weights.is_some()
            || self.skew.is_some()
            || self.mean.is_some()
            || self.null_weight.is_some()
    }
}

// ---------------------------------------------------------------- keys

/// What a key accepts, for form errors and "expected one of" lists.
#[derive(Clone, Copy)]
enum Form {
    /// `key`
    Flag,
    /// `key = value`; the example shows a correct use.
    Value(&'static str),
    /// `key(..)`
    List(&'static str),
}

struct Key {
    name: &'static str,
    form: Form,
}

const fn flag(name: &'static str) -> Key {
    Key {
        name,
        form: Form::Flag,
    }
}

const fn value(name: &'static str, example: &'static str) -> Key {
    Key {
        name,
        form: Form::Value(example),
    }
}

const STRUCT_PROVIDER: &[Key] = &[
    flag("aggregate"),
    flag("value"),
    flag("entity"),
    value("name", "name = \"Book\""),
    value("table", "table = \"books\""),
    value("constructor", "constructor = Book::new"),
    value("factory", "factory = Book::create"),
];

const FIELD_PROVIDER: &[Key] = &[
    flag("id"),
    flag("auto_key"),
    flag("composite"),
    value("fake", "fake = fake::faker::name::en::Name()"),
    value("map", "map = BookTitle"),
    value("with", "with = |rng, position| ..."),
    value("value", "value = Status::Active"),
    flag("sequence"),
    flag("default"),
    flag("skip"),
];

const DISTRIBUTOR: &[Key] = &[
    value("weights", "weights = [0.7, 0.2, 0.07, 0.03]"),
    value("skew", "skew = 2.0"),
    value("mean", "mean = 50"),
    value("null_weight", "null_weight = 0.1"),
    flag("sequence"),
];

const REFERENCE: &[Key] = &[Key {
    name: "same",
    form: Form::List("same(tenant_id = id.tenant_id)"),
}];

const CHILDREN: &[Key] = &[
    value("parent", "parent = \"order_id\""),
    value("mean", "mean = 3.0"),
    value("skew", "skew = 2.0"),
    value("weights", "weights = [0.7, 0.2, 0.1]"),
];

/// One item of an attribute's list, matched against a table of keys.
struct Item<'a> {
    key: &'static Key,
    ident: Ident,
    meta: &'a Meta,
}

impl Item<'_> {
    fn span(&self) -> Span {
        self.meta.span()
    }

    /// The value of `key = value`.
    fn expr(&self) -> &Expr {
        match self.meta {
            Meta::NameValue(nv) => &nv.value,
            // `matched` only returns an `Item` in the form its key expects.
            _ => unreachable_form(),
        }
    }
}

fn unreachable_form() -> ! {
    unreachable!("an item is matched in the form of its key")
}

/// The closest key to a misspelt one, if any is close.
fn did_you_mean<'k>(written: &str, keys: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    keys.into_iter()
        .map(|k| (edit_distance(written, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current[j + 1] = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

fn expected_list(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| format!("`{}`", k.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an attribute sits, for messages: `#[provider(..)] on a field`.
#[derive(Clone, Copy)]
pub struct Place {
    /// `provider`, `distributor`, ...
    pub attr: &'static str,
    /// `the struct` / `a field`.
    pub on: &'static str,
}

impl Place {
    fn written(self) -> String {
        format!("#[{}(..)]", self.attr)
    }
}

/// Matches every item against `keys`, reporting unknown keys and wrong forms; returns the
/// items that are well formed.
fn match_items<'a>(
    items: &'a [NestedMeta],
    keys: &'static [Key],
    place: Place,
    elsewhere: &[(&'static [Key], &'static str)],
    errors: &mut darling::error::Accumulator,
) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    for item in items {
        let meta = match item {
            NestedMeta::Meta(meta) => meta,
            NestedMeta::Lit(lit) => {
                errors.push(
                    Error::custom(format!(
                        "unexpected literal in {}: expected keys such as {}",
                        place.written(),
                        expected_list(keys)
                    ))
                    .with_span(lit),
                );
                continue;
            }
            NestedMeta::NameValueInvalidExpr(invalid) => {
                errors.push(
                    Error::custom(format!(
                        "the value of `{}` in {} is not an expression: {}",
                        invalid.path.to_token_stream(),
                        place.written(),
                        invalid.error
                    ))
                    .with_span(&invalid.value),
                );
                continue;
            }
        };
        let Some(ident) = meta.path().get_ident() else {
            errors.push(
                Error::custom(format!(
                    "unknown key `{}` in {}: expected one of {}",
                    meta.path().to_token_stream().to_string().replace(' ', ""),
                    place.written(),
                    expected_list(keys)
                ))
                .with_span(meta.path()),
            );
            continue;
        };
        let name = crate::ast::field_name(ident);
        let Some(key) = keys.iter().find(|k| k.name == name) else {
            errors.push(unknown_key(&name, ident, keys, place, elsewhere));
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == key.name) {
            let _ = first;
            errors.push(
                Error::custom(format!(
                    "`{}` is given twice in {} on {}; keep one",
                    key.name,
                    place.written(),
                    place.on
                ))
                .with_span(ident),
            );
            continue;
        }
        let form_ok = match (key.form, meta) {
            (Form::Flag, Meta::Path(_)) => true,
            (Form::Flag, _) => {
                errors.push(
                    Error::custom(format!(
                        "`{}` in {} takes no value: write `#[{}({})]`",
                        key.name,
                        place.written(),
                        place.attr,
                        key.name
                    ))
                    .with_span(meta),
                );
                false
            }
            (Form::Value(_), Meta::NameValue(_)) => true,
            (Form::Value(example), _) => {
                errors.push(
                    Error::custom(format!(
                        "`{}` in {} needs a value: write `{example}`",
                        key.name,
                        place.written()
                    ))
                    .with_span(meta),
                );
                false
            }
            (Form::List(_), Meta::List(_)) => true,
            (Form::List(example), _) => {
                errors.push(
                    Error::custom(format!(
                        "`{}` in {} takes a list: write `{example}`",
                        key.name,
                        place.written()
                    ))
                    .with_span(meta),
                );
                false
            }
        };
        seen.push((key.name, ident.span()));
        if form_ok {
            out.push(Item {
                key,
                ident: ident.clone(),
                meta,
            });
        }
    }
    out
}

fn unknown_key(
    name: &str,
    ident: &Ident,
    keys: &[Key],
    place: Place,
    elsewhere: &[(&'static [Key], &'static str)],
) -> Error {
    let mut message = format!(
        "unknown key `{name}` in {} on {}",
        place.written(),
        place.on
    );
    if let Some((_, hint)) = elsewhere
        .iter()
        .find(|(other, _)| other.iter().any(|k| k.name == name))
    {
        message.push_str(&format!(": `{name}` {hint}"));
    } else {
        if let Some(close) = did_you_mean(name, keys.iter().map(|k| k.name)) {
            message.push_str(&format!(": did you mean `{close}`?"));
        } else {
            message.push(':');
        }
        message.push_str(&format!(" expected one of {}", expected_list(keys)));
    }
    Error::custom(message).with_span(ident)
}

// ---------------------------------------------------------------- value parsers

fn literal_kind(lit: &Lit) -> &'static str {
    match lit {
        Lit::Str(_) => "a string",
        Lit::ByteStr(_) | Lit::CStr(_) => "a byte string",
        Lit::Byte(_) => "a byte",
        Lit::Char(_) => "a character",
        Lit::Int(_) => "an integer",
        Lit::Float(_) => "a float",
        Lit::Bool(_) => "a boolean",
        _ => "a literal",
    }
}

fn strip_group(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => strip_group(&g.expr),
        Expr::Paren(p) => strip_group(&p.expr),
        other => other,
    }
}

/// A number literal, possibly negated.
fn number(item: &Item, place: Place) -> Result<Num> {
    number_expr(item.expr(), item.key, place)
}

fn number_expr(expr: &Expr, key: &Key, place: Place) -> Result<Num> {
    let example = match key.form {
        Form::Value(e) => e,
        _ => key.name,
    };
    let wrong = |what: &str| {
        Error::custom(format!(
            "`{}` in {} must be a number, not {what}: write `{example}`",
            key.name,
            place.written()
        ))
        .with_span(expr)
    };
    let (negative, inner) = match strip_group(expr) {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, strip_group(&u.expr)),
        other => (false, other),
    };
    let Expr::Lit(lit) = inner else {
        return Err(wrong(
            "an expression (only number literals are read at compile time)",
        ));
    };
    let parsed = match &lit.lit {
        Lit::Int(i) => i.base10_digits().parse::<f64>().ok(),
        Lit::Float(f) => f.base10_digits().parse::<f64>().ok(),
        other => return Err(wrong(literal_kind(other))),
    };
    match parsed {
        Some(v) if v.is_finite() => Ok(Num {
            value: if negative { -v } else { v },
            span: expr.span(),
        }),
        _ => Err(Error::custom(format!(
            "`{}` in {} must be a finite number: write `{example}`",
            key.name,
            place.written()
        ))
        .with_span(expr)),
    }
}

/// `[n, n, ..]`; every element that is not a number is reported.
fn weights(
    item: &Item,
    place: Place,
    errors: &mut darling::error::Accumulator,
) -> Option<WeightsList> {
    let expr = item.expr();
    let Expr::Array(ExprArray { elems, .. }) = strip_group(expr) else {
        let what = match strip_group(expr) {
            Expr::Lit(l) => literal_kind(&l.lit),
            _ => "an expression",
        };
        errors.push(
            Error::custom(format!(
                "`weights` in {} must be a list of numbers, not {what}: write `weights = [0.7, 0.2, 0.07, 0.03]`",
                place.written()
            ))
            .with_span(expr),
        );
        return None;
    };
    let mut values = Vec::new();
    let mut ok = true;
    for elem in elems {
        match number_expr(elem, item.key, place) {
            Ok(n) => values.push(n),
            Err(_) => {
                ok = false;
                errors.push(
                    Error::custom(format!(
                        "each weight in {} must be a number literal: write `weights = [0.7, 0.2, 0.07, 0.03]`",
                        place.written()
                    ))
                    .with_span(elem),
                );
            }
        }
    }
    ok.then(|| WeightsList {
        values,
        span: expr.span(),
    })
}

fn string(item: &Item, place: Place) -> Result<LitStr> {
    let expr = item.expr();
    let example = match item.key.form {
        Form::Value(e) => e,
        _ => item.key.name,
    };
    match strip_group(expr) {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Ok(s.clone()),
            other => Err(Error::custom(format!(
                "`{}` in {} must be a string literal, not {}: write `{example}`",
                item.key.name,
                place.written(),
                literal_kind(other)
            ))
            .with_span(expr)),
        },
        _ => Err(Error::custom(format!(
            "`{}` in {} must be a string literal: write `{example}`",
            item.key.name,
            place.written()
        ))
        .with_span(expr)),
    }
}

/// A path or other callable expression (`Book::new`, `BookTitle`, a closure).
fn callable(item: &Item, place: Place, only_path: bool) -> Result<Expr> {
    let expr = item.expr();
    let example = match item.key.form {
        Form::Value(e) => e,
        _ => item.key.name,
    };
    match strip_group(expr) {
        Expr::Lit(l) => {
            let hint = if let Lit::Str(s) = &l.lit {
                format!(" (without quotes: `{} = {}`)", item.key.name, s.value())
            } else {
                String::new()
            };
            Err(Error::custom(format!(
                "`{}` in {} must be {}, not {}: write `{example}`{hint}",
                item.key.name,
                place.written(),
                if only_path {
                    "a path to a function"
                } else {
                    "a function or closure"
                },
                literal_kind(&l.lit)
            ))
            .with_span(expr))
        }
        Expr::Path(_) => Ok(expr.clone()),
        _ if !only_path => Ok(expr.clone()),
        _ => Err(Error::custom(format!(
            "`{}` in {} must be a path to a function: write `{example}`",
            item.key.name,
            place.written()
        ))
        .with_span(expr)),
    }
}

/// An expression that builds a value source (`fake = ..`): anything but a literal.
fn source_expr(item: &Item, place: Place) -> Result<Expr> {
    let expr = item.expr();
    if let Expr::Lit(l) = strip_group(expr) {
        let example = match item.key.form {
            Form::Value(e) => e,
            _ => item.key.name,
        };
        let hint = if let Lit::Str(s) = &l.lit {
            format!(" (without quotes: `{} = {}`)", item.key.name, s.value())
        } else {
            String::new()
        };
        let what = if item.key.name == "fake" {
            "a faker expression"
        } else {
            "a function or closure `(rng, position) -> value`"
        };
        return Err(Error::custom(format!(
            "`{}` in {} must be {what}, not {}: write `{example}`{hint}",
            item.key.name,
            place.written(),
            literal_kind(&l.lit)
        ))
        .with_span(expr));
    }
    Ok(expr.clone())
}

// ---------------------------------------------------------------- attribute parsers

/// The items of `#[attr(..)]`; any other form of the attribute is an error.
fn list_items(attr: &Attribute, place: Place, example: &str) -> Result<Vec<NestedMeta>> {
    match &attr.meta {
        Meta::List(list) => Ok(NestedMeta::parse_meta_list(list.tokens.clone())?),
        other => Err(Error::custom(format!(
            "{} takes a list of keys: write `{example}`",
            place.written()
        ))
        .with_span(other)),
    }
}

const STRUCT_PLACE: Place = Place {
    attr: "provider",
    on: "the struct",
};
const FIELD_PLACE: Place = Place {
    attr: "provider",
    on: "a field",
};
const DISTRIBUTOR_PLACE: Place = Place {
    attr: "distributor",
    on: "a field",
};
const REFERENCE_PLACE: Place = Place {
    attr: "reference",
    on: "a field",
};
const CHILDREN_PLACE: Place = Place {
    attr: "children",
    on: "the struct",
};

/// Merges one `#[provider(..)]` on the struct into `out`.
pub fn struct_provider(
    attr: &Attribute,
    out: &mut StructAttrs,
    errors: &mut darling::error::Accumulator,
) {
    let Some(items) = errors.handle(list_items(attr, STRUCT_PLACE, "#[provider(aggregate)]"))
    else {
        return;
    };
    let elsewhere: &[(&[Key], &str)] = &[(
        FIELD_PROVIDER,
        "belongs on a field: `#[provider(..)]` on the struct takes `aggregate`, `value`, `entity`, `name`, `table`, `constructor`, `factory`",
    )];
    for item in match_items(&items, STRUCT_PROVIDER, STRUCT_PLACE, elsewhere, errors) {
        let span = item.span();
        let kind = |k| Keyed { value: k, span };
        match item.key.name {
            "aggregate" => set_kind(out, kind(Kind::Aggregate), errors),
            "value" => set_kind(out, kind(Kind::Value), errors),
            "entity" => set_kind(out, kind(Kind::Entity), errors),
            "name" => {
                if let Some(s) = errors.handle(string(&item, STRUCT_PLACE)) {
                    out.name = Some(Keyed { value: s, span });
                }
            }
            "table" => {
                if let Some(s) = errors.handle(string(&item, STRUCT_PLACE)) {
                    out.table = Some(Keyed { value: s, span });
                }
            }
            "constructor" => {
                if let Some(e) = errors.handle(callable(&item, STRUCT_PLACE, true)) {
                    out.build.push(Keyed {
                        value: Build::Constructor(e),
                        span: item.ident.span(),
                    });
                }
            }
            "factory" => {
                if let Some(e) = errors.handle(callable(&item, STRUCT_PLACE, true)) {
                    out.build.push(Keyed {
                        value: Build::Factory(e),
                        span: item.ident.span(),
                    });
                }
            }
            _ => unreachable!("every key of the table is handled"),
        }
    }
}

fn set_kind(out: &mut StructAttrs, kind: Keyed<Kind>, errors: &mut darling::error::Accumulator) {
    if let Some(first) = &out.kind {
        errors.push(
            Error::custom(format!(
                "#[provider({})] contradicts #[provider({})] given before: a struct is one of `aggregate` (the default), `value` or `entity`",
                kind.value.word(),
                first.value.word()
            ))
            .with_span(&kind.span),
        );
    } else {
        out.kind = Some(kind);
    }
}

/// Merges one `#[provider(..)]` on a field into `out`.
pub fn field_provider(
    attr: &Attribute,
    out: &mut FieldAttrs,
    errors: &mut darling::error::Accumulator,
) {
    let Some(items) = errors.handle(list_items(attr, FIELD_PLACE, "#[provider(id)]")) else {
        return;
    };
    let elsewhere: &[(&[Key], &str)] = &[
        (
            STRUCT_PROVIDER,
            "belongs on the struct: put `#[provider(..)]` with it above `struct`",
        ),
        (
            DISTRIBUTOR,
            "belongs in #[distributor(..)]: write `#[distributor(..)]` on the field",
        ),
    ];
    for item in match_items(&items, FIELD_PROVIDER, FIELD_PLACE, elsewhere, errors) {
        let span = item.span();
        let source = |s| Keyed { value: s, span };
        match item.key.name {
            "id" => {
                if out.id.is_some() {
                    errors.push(
                        Error::custom("`id` is given twice on this field; keep one")
                            .with_span(&span),
                    );
                } else {
                    out.id = Some(span);
                }
            }
            "auto_key" => out.sources.push(source(SourceKind::AutoKey)),
            "composite" => out.sources.push(source(SourceKind::Composite)),
            "sequence" => out.sources.push(source(SourceKind::Sequence)),
            "default" => out.sources.push(source(SourceKind::Default)),
            "skip" => out.sources.push(source(SourceKind::Skip)),
            "fake" => {
                if let Some(e) = errors.handle(source_expr(&item, FIELD_PLACE)) {
                    out.sources.push(source(SourceKind::Fake(e)));
                }
            }
            "with" => {
                if let Some(e) = errors.handle(source_expr(&item, FIELD_PLACE)) {
                    out.sources.push(source(SourceKind::With(e)));
                }
            }
            "value" => out
                .sources
                .push(source(SourceKind::Value(item.expr().clone()))),
            "map" => {
                if let Some(e) = errors.handle(callable(&item, FIELD_PLACE, false)) {
                    if out.map.is_some() {
                        errors.push(
                            Error::custom("`map` is given twice on this field; keep one")
                                .with_span(&span),
                        );
                    } else {
                        out.map = Some(Keyed { value: e, span });
                    }
                }
            }
            _ => unreachable!("every key of the table is handled"),
        }
    }
}

/// One `#[distributor(..)]`.
pub fn distributor(
    attr: &Attribute,
    errors: &mut darling::error::Accumulator,
) -> Option<DistributorAttr> {
    let items = errors.handle(list_items(
        attr,
        DISTRIBUTOR_PLACE,
        "#[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]",
    ))?;
    let elsewhere: &[(&[Key], &str)] = &[(
        FIELD_PROVIDER,
        "belongs in #[provider(..)]: write `#[provider(..)]` on the field",
    )];
    let mut out = DistributorAttr {
        span: attr.span(),
        weights: None,
        skew: None,
        mean: None,
        null_weight: None,
        sequence: None,
    };
    for item in match_items(&items, DISTRIBUTOR, DISTRIBUTOR_PLACE, elsewhere, errors) {
        match item.key.name {
            "weights" => out.weights = weights(&item, DISTRIBUTOR_PLACE, errors),
            "skew" => out.skew = errors.handle(number(&item, DISTRIBUTOR_PLACE)),
            "mean" => out.mean = errors.handle(number(&item, DISTRIBUTOR_PLACE)),
            "null_weight" => {
                out.null_weight = errors
                    .handle(number(&item, DISTRIBUTOR_PLACE))
                    .map(|n| Keyed {
                        value: n,
                        span: item.span(),
                    })
            }
            "sequence" => out.sequence = Some(item.span()),
            _ => unreachable!("every key of the table is handled"),
        }
    }
    Some(out)
}

/// Parses `Type` followed by `, item`s (the form of `#[reference]` and `#[children]`).
fn type_then_items(
    attr: &Attribute,
    place: Place,
    example: &str,
) -> Result<(Type, Vec<NestedMeta>)> {
    let Meta::List(list) = &attr.meta else {
        return Err(Error::custom(format!(
            "{} needs the type it points to: write `{example}`",
            place.written()
        ))
        .with_span(&attr.meta));
    };
    if list.tokens.is_empty() {
        return Err(Error::custom(format!(
            "{} needs the type it points to: write `{example}`",
            place.written()
        ))
        .with_span(&attr.meta));
    }
    let parser = |input: ParseStream| -> syn::Result<(Type, Vec<NestedMeta>)> {
        if (input.peek(Ident) && input.peek2(Token![=]))
            || (input.peek(Ident) && input.peek2(syn::token::Paren))
        {
            return Err(input.error(format!(
                "{} starts with the type it points to: write `{example}`",
                place.written()
            )));
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
    Ok(parser.parse2(list.tokens.clone())?)
}

/// One `#[reference(..)]`.
pub fn reference(
    attr: &Attribute,
    errors: &mut darling::error::Accumulator,
) -> Option<ReferenceAttr> {
    let (ty, items) = errors.handle(type_then_items(
        attr,
        REFERENCE_PLACE,
        "#[reference(Author)]",
    ))?;
    let elsewhere: &[(&[Key], &str)] = &[(
        DISTRIBUTOR,
        "belongs in #[distributor(..)]: write `#[distributor(..)]` on the same field",
    )];
    let mut same = Vec::new();
    // `same` may be repeated: every pair adds a constraint.
    let mut items_once = Vec::new();
    for item in items {
        match &item {
            NestedMeta::Meta(Meta::List(list)) if list.path.is_ident("same") => {
                let pairs = |input: ParseStream| -> syn::Result<Vec<Same>> {
                    let mut out = Vec::new();
                    if input.is_empty() {
                        return Err(input.error(
                            "`same(..)` in #[reference(..)] needs a pair: write `same(tenant_id = id.tenant_id)`",
                        ));
                    }
                    while !input.is_empty() {
                        let in_reference = DottedPath::parse(input)?;
                        if !input.peek(Token![=]) {
                            return Err(input.error(
                                "expected `=` in `same(..)`: write `same(field_of_the_referenced_id = field_of_this_struct)`, e.g. `same(tenant_id = id.tenant_id)`",
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
                if let Some(pairs) =
                    errors.handle(pairs.parse2(list.tokens.clone()).map_err(Error::from))
                {
                    same.extend(pairs);
                }
            }
            _ => items_once.push(item),
        }
    }
    // Anything else is an unknown key or a wrong form of `same`.
    for _ in match_items(&items_once, REFERENCE, REFERENCE_PLACE, elsewhere, errors) {}
    Some(ReferenceAttr {
        span: attr.span(),
        ty,
        same,
    })
}

/// One `#[children(..)]`.
pub fn children(
    attr: &Attribute,
    errors: &mut darling::error::Accumulator,
) -> Option<ChildrenAttr> {
    let (ty, items) = errors.handle(type_then_items(
        attr,
        CHILDREN_PLACE,
        "#[children(OrderLine, parent = \"order_id\", mean = 3.0)]",
    ))?;
    let mut out = ChildrenAttr {
        span: attr.span(),
        ty,
        parent: None,
        mean: None,
        skew: None,
        weights: None,
    };
    for item in match_items(&items, CHILDREN, CHILDREN_PLACE, &[], errors) {
        match item.key.name {
            "parent" => {
                out.parent = errors.handle(string(&item, CHILDREN_PLACE)).map(|s| Keyed {
                    value: s,
                    span: item.span(),
                })
            }
            "mean" => out.mean = errors.handle(number(&item, CHILDREN_PLACE)),
            "skew" => out.skew = errors.handle(number(&item, CHILDREN_PLACE)),
            "weights" => out.weights = weights(&item, CHILDREN_PLACE, errors),
            _ => unreachable!("every key of the table is handled"),
        }
    }
    Some(out)
}
