//! The four attributes, parsed into typed values that remember where they were written.
//!
//! Parsing checks the *form* of each key (is it a flag, does it take a value, is the literal of
//! the right type) and reports every problem it finds; what the values mean together (ranges,
//! combinations, references between fields) is checked in [`crate::valid`].

use std::fmt::Display;

use darling::ast::NestedMeta;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, ExprArray, Ident, Lit, LitStr, Meta, Token, Type, UnOp};

use crate::Errors;

// ---------------------------------------------------------------- locations

/// Where something was written: its tokens, so an error covers all of them (`-0.2`,
/// `null_weight = 0.2`, a whole attribute), not only the first.
#[derive(Debug, Clone)]
pub struct At(TokenStream);

impl At {
    pub fn of(tokens: &impl ToTokens) -> At {
        At(tokens.to_token_stream())
    }

    /// An error spanning these tokens.
    pub fn error(&self, message: impl Display) -> syn::Error {
        syn::Error::new_spanned(&self.0, message)
    }

    /// The first token's span: generated code that checks this attribute's types is spanned
    /// there, so that a type error points at the attribute.
    pub fn span(&self) -> proc_macro2::Span {
        self.0
            .clone()
            .into_iter()
            .next()
            .map_or_else(proc_macro2::Span::call_site, |t| t.span())
    }
}

// ---------------------------------------------------------------- values

/// A number written in an attribute (`50`, `0.7`, `-1.0`).
#[derive(Debug, Clone)]
pub struct Num {
    pub value: f64,
    pub at: At,
}

/// `weights = [..]`: the numbers and the whole array.
#[derive(Debug, Clone)]
pub struct WeightsList {
    pub values: Vec<Num>,
    pub at: At,
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
        use syn::ext::IdentExt;
        let mut segments = vec![input.call(Ident::parse_any)?];
        while input.peek(Token![.]) {
            input.parse::<Token![.]>()?;
            segments.push(input.call(Ident::parse_any)?);
        }
        Ok(DottedPath { segments })
    }
}

impl ToTokens for DottedPath {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                <Token![.]>::default().to_tokens(tokens);
            }
            s.to_tokens(tokens);
        }
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

/// A value and where it was written.
#[derive(Debug, Clone)]
pub struct Keyed<T> {
    pub value: T,
    pub at: At,
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
    pub at: At,
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
    pub id: Option<At>,
    pub sources: Vec<Keyed<SourceKind>>,
    pub map: Option<Keyed<Expr>>,
}

impl FieldAttrs {
    /// The value source (validation reports a field with more than one).
    pub fn source(&self) -> Option<&SourceKind> {
        self.sources.first().map(|s| &s.value)
    }
}

/// `#[reference(Target, same(in_reference = source), ..)]`.
#[derive(Debug)]
pub struct ReferenceAttr {
    pub at: At,
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
    pub at: At,
    /// Whether the attribute had any key at all (well formed or not).
    pub keys: usize,
    pub weights: Option<WeightsList>,
    pub skew: Option<Num>,
    pub mean: Option<Num>,
    pub null_weight: Option<Keyed<Num>>,
    pub sequence: Option<At>,
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

impl Key {
    fn example(&self) -> &'static str {
        match self.form {
            Form::Value(e) | Form::List(e) => e,
            Form::Flag => self.name,
        }
    }
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

/// One well-formed item of an attribute's list.
struct Item<'a> {
    key: &'static Key,
    ident: Ident,
    meta: &'a Meta,
}

impl Item<'_> {
    fn at(&self) -> At {
        At::of(self.meta)
    }

    /// The value of `key = value` (`None` for a flag written with a value, which is reported
    /// and then read as the flag).
    fn expr(&self) -> Option<&Expr> {
        match self.meta {
            Meta::NameValue(nv) => Some(&nv.value),
            _ => None,
        }
    }
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

/// Which attribute is being read, and where it sits, for messages.
#[derive(Clone, Copy)]
struct Place {
    /// `provider`, `distributor`, ...
    attr: &'static str,
    /// `the struct` / `a field`.
    on: &'static str,
}

impl Place {
    fn written(self) -> String {
        format!("#[{}(..)]", self.attr)
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

/// Matches every item against `keys`, reporting unknown keys, repeated keys and wrong forms;
/// returns the items to read. `elsewhere` names keys that belong to another attribute, with a
/// hint where.
fn match_items<'a>(
    items: &'a [NestedMeta],
    keys: &'static [Key],
    place: Place,
    elsewhere: &[(&'static [Key], &'static str)],
    errors: &mut Errors,
) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    let mut seen: Vec<&'static str> = Vec::new();
    for item in items {
        let meta = match item {
            NestedMeta::Meta(meta) => meta,
            NestedMeta::Lit(lit) => {
                errors.push(syn::Error::new_spanned(
                    lit,
                    format!(
                        "unexpected literal in {}: expected one of {}",
                        place.written(),
                        expected_list(keys)
                    ),
                ));
                continue;
            }
            NestedMeta::NameValueInvalidExpr(invalid) => {
                errors.push(syn::Error::new_spanned(
                    &invalid.value,
                    format!(
                        "the value of `{}` in {} is not an expression: write `{}`",
                        invalid.path.to_token_stream(),
                        place.written(),
                        keys.iter()
                            .find(|k| invalid.path.is_ident(k.name))
                            .map_or("key = value", Key::example)
                    ),
                ));
                continue;
            }
        };
        let Some(ident) = meta.path().get_ident() else {
            errors.push(syn::Error::new_spanned(
                meta.path(),
                format!(
                    "unknown key `{}` in {}: expected one of {}",
                    meta.path().to_token_stream().to_string().replace(' ', ""),
                    place.written(),
                    expected_list(keys)
                ),
            ));
            continue;
        };
        let name = crate::ast::field_name(ident);
        let Some(key) = keys.iter().find(|k| k.name == name) else {
            errors.push(unknown_key(&name, ident, keys, place, elsewhere));
            continue;
        };
        if seen.contains(&key.name) {
            errors.push(syn::Error::new_spanned(
                meta,
                format!(
                    "`{}` is given twice in {} on {}: keep one",
                    key.name,
                    place.written(),
                    place.on
                ),
            ));
            continue;
        }
        seen.push(key.name);
        let keep = match (key.form, meta) {
            (Form::Flag, Meta::Path(_)) => true,
            (Form::Flag, _) => {
                errors.push(syn::Error::new_spanned(
                    meta,
                    format!(
                        "`{}` in {} takes no value: write `#[{}({})]`",
                        key.name,
                        place.written(),
                        place.attr,
                        key.name
                    ),
                ));
                // Read as the flag, so that nothing else is reported for want of it.
                true
            }
            (Form::Value(_), Meta::NameValue(_)) | (Form::List(_), Meta::List(_)) => true,
            (Form::Value(example), _) => {
                errors.push(syn::Error::new_spanned(
                    meta,
                    format!(
                        "`{}` in {} needs a value: write `{example}`",
                        key.name,
                        place.written()
                    ),
                ));
                false
            }
            (Form::List(example), _) => {
                errors.push(syn::Error::new_spanned(
                    meta,
                    format!(
                        "`{}` in {} takes a list: write `{example}`",
                        key.name,
                        place.written()
                    ),
                ));
                false
            }
        };
        if keep {
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
) -> syn::Error {
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
    syn::Error::new_spanned(ident, message)
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
fn number(item: &Item, place: Place) -> syn::Result<Num> {
    match item.expr() {
        Some(expr) => number_expr(expr, item.key, place),
        None => Err(syn::Error::new_spanned(item.meta, "expected a number")),
    }
}

fn number_expr(expr: &Expr, key: &Key, place: Place) -> syn::Result<Num> {
    let example = key.example();
    let wrong = |what: &str| {
        syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be a number, not {what}: write `{example}`",
                key.name,
                place.written()
            ),
        )
    };
    let (negative, inner) = match strip_group(expr) {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, strip_group(&u.expr)),
        other => (false, other),
    };
    let Expr::Lit(lit) = inner else {
        return Err(wrong(
            "an expression (only number literals can be checked at compile time)",
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
            at: At::of(expr),
        }),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be a finite number: write `{example}`",
                key.name,
                place.written()
            ),
        )),
    }
}

/// `[n, n, ..]`; every element that is not a number is reported.
fn weights(item: &Item, place: Place, errors: &mut Errors) -> Option<WeightsList> {
    let expr = item.expr()?;
    let Expr::Array(ExprArray { elems, .. }) = strip_group(expr) else {
        let what = match strip_group(expr) {
            Expr::Lit(l) => literal_kind(&l.lit),
            _ => "an expression",
        };
        errors.push(syn::Error::new_spanned(
            expr,
            format!(
                "`weights` in {} must be a list of numbers, not {what}: write `{}`",
                place.written(),
                item.key.example()
            ),
        ));
        return None;
    };
    let mut values = Vec::new();
    let mut ok = true;
    for elem in elems {
        match number_expr(elem, item.key, place) {
            Ok(n) => values.push(n),
            Err(_) => {
                ok = false;
                errors.push(syn::Error::new_spanned(
                    elem,
                    format!(
                        "each weight in {} must be a number literal: write `{}`",
                        place.written(),
                        item.key.example()
                    ),
                ));
            }
        }
    }
    ok.then(|| WeightsList {
        values,
        at: At::of(expr),
    })
}

/// A string literal; a bare path is answered with the quoted form of what was written.
fn string(item: &Item, place: Place) -> syn::Result<LitStr> {
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected a string"));
    };
    let example = match strip_group(expr) {
        Expr::Lit(l) => {
            if let Lit::Str(s) = &l.lit {
                return Ok(s.clone());
            }
            return Err(syn::Error::new_spanned(
                expr,
                format!(
                    "`{}` in {} must be a string literal, not {}: write `{}`",
                    item.key.name,
                    place.written(),
                    literal_kind(&l.lit),
                    item.key.example()
                ),
            ));
        }
        Expr::Path(p) => format!(
            "{} = \"{}\"",
            item.key.name,
            p.to_token_stream().to_string().replace(' ', "")
        ),
        _ => item.key.example().to_string(),
    };
    Err(syn::Error::new_spanned(
        expr,
        format!(
            "`{}` in {} must be a string literal: write `{example}`",
            item.key.name,
            place.written()
        ),
    ))
}

/// What to write instead of a string literal where code is expected: the same, unquoted.
fn unquoted(item: &Item, lit: &Lit) -> String {
    match lit {
        Lit::Str(s) => format!(
            "write it without quotes: `{} = {}`",
            item.key.name,
            s.value()
        ),
        _ => format!("write `{}`", item.key.example()),
    }
}

/// A path to a function (`Book::new`), or with `closures` any non-literal expression.
fn callable(item: &Item, place: Place, closures: bool) -> syn::Result<Expr> {
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected a function"));
    };
    let what = if closures {
        "a function or closure"
    } else {
        "a path to a function"
    };
    match strip_group(expr) {
        Expr::Lit(l) => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be {what}, not {}: {}",
                item.key.name,
                place.written(),
                literal_kind(&l.lit),
                unquoted(item, &l.lit)
            ),
        )),
        Expr::Path(_) => Ok(expr.clone()),
        _ if closures => Ok(expr.clone()),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be {what}: write `{}`",
                item.key.name,
                place.written(),
                item.key.example()
            ),
        )),
    }
}

/// An expression that makes values (`fake = ..`, `with = ..`): anything but a literal.
fn source_expr(item: &Item, place: Place) -> syn::Result<Expr> {
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected an expression"));
    };
    if let Expr::Lit(l) = strip_group(expr) {
        let what = if item.key.name == "fake" {
            "a faker expression"
        } else {
            "a function or closure `(rng, position) -> value`"
        };
        return Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be {what}, not {}: {}",
                item.key.name,
                place.written(),
                literal_kind(&l.lit),
                unquoted(item, &l.lit)
            ),
        ));
    }
    Ok(expr.clone())
}

// ---------------------------------------------------------------- attribute parsers

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
    let Some(items) = errors.handle(list_items(attr, STRUCT_PLACE, "#[provider(aggregate)]"))
    else {
        return;
    };
    let elsewhere: &[(&[Key], &str)] = &[(
        FIELD_PROVIDER,
        "belongs on a field; on the struct, #[provider(..)] takes `aggregate`, `value`, `entity`, `name`, `table`, `constructor` or `factory`",
    )];
    for item in match_items(&items, STRUCT_PROVIDER, STRUCT_PLACE, elsewhere, errors) {
        let at = item.at();
        match item.key.name {
            "aggregate" => set_kind(out, Kind::Aggregate, at, errors),
            "value" => set_kind(out, Kind::Value, at, errors),
            "entity" => set_kind(out, Kind::Entity, at, errors),
            "name" => {
                if let Some(s) = errors.handle(string(&item, STRUCT_PLACE)) {
                    out.name = Some(Keyed { value: s, at });
                }
            }
            "table" => {
                if let Some(s) = errors.handle(string(&item, STRUCT_PLACE)) {
                    out.table = Some(Keyed { value: s, at });
                }
            }
            "constructor" | "factory" => {
                if let Some(e) = errors.handle(callable(&item, STRUCT_PLACE, false)) {
                    let value = if item.key.name == "factory" {
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
            _ => unreachable!("every key of the table is handled"),
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
    let Some(items) = errors.handle(list_items(attr, FIELD_PLACE, "#[provider(id)]")) else {
        return;
    };
    let elsewhere: &[(&[Key], &str)] = &[
        (
            STRUCT_PROVIDER,
            "belongs on the struct: write it in a #[provider(..)] above `struct`",
        ),
        (
            DISTRIBUTOR,
            "belongs in #[distributor(..)]: write `#[distributor(..)]` on the field",
        ),
    ];
    for item in match_items(&items, FIELD_PROVIDER, FIELD_PLACE, elsewhere, errors) {
        let at = item.at();
        let source = |s| Keyed {
            value: s,
            at: at.clone(),
        };
        match item.key.name {
            "id" => {
                if out.id.is_some() {
                    errors.push(at.error("`id` is given twice on this field: keep one"));
                } else {
                    out.id = Some(at);
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
            "value" => {
                if let Some(e) = item.expr() {
                    out.sources.push(source(SourceKind::Value(e.clone())));
                }
            }
            "map" => {
                if let Some(e) = errors.handle(callable(&item, FIELD_PLACE, true)) {
                    if out.map.is_some() {
                        errors.push(at.error("`map` is given twice on this field: keep one"));
                    } else {
                        out.map = Some(Keyed { value: e, at });
                    }
                }
            }
            _ => unreachable!("every key of the table is handled"),
        }
    }
}

/// One `#[distributor(..)]`.
pub fn distributor(attr: &Attribute, errors: &mut Errors) -> Option<DistributorAttr> {
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
        at: At::of(attr),
        keys: items.len(),
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
                        at: item.at(),
                    })
            }
            "sequence" => out.sequence = Some(item.at()),
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

/// One `#[reference(..)]`.
pub fn reference(attr: &Attribute, errors: &mut Errors) -> Option<ReferenceAttr> {
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
    let mut others = Vec::new();
    for item in items {
        match &item {
            // `same(..)` may be repeated: every pair adds a constraint.
            NestedMeta::Meta(Meta::List(list)) if list.path.is_ident("same") => {
                if let Some(pairs) = errors.handle(same_pairs(list.tokens.clone(), &At::of(list))) {
                    same.extend(pairs);
                }
            }
            _ => others.push(item),
        }
    }
    // Anything else is an unknown key or `same` in a wrong form: reported here.
    match_items(&others, REFERENCE, REFERENCE_PLACE, elsewhere, errors);
    Some(ReferenceAttr {
        at: At::of(attr),
        ty,
        same,
    })
}

/// One `#[children(..)]`.
pub fn children(attr: &Attribute, errors: &mut Errors) -> Option<ChildrenAttr> {
    let (ty, items) = errors.handle(type_then_items(
        attr,
        CHILDREN_PLACE,
        "#[children(OrderLine, parent = \"order_id\", mean = 3.0)]",
    ))?;
    let mut out = ChildrenAttr {
        at: At::of(attr),
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
                    at: item.at(),
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
