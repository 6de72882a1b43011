//! The attributes, parsed into typed values that remember where they were written: this
//! module holds the model; [`keys`] the keys each attribute accepts, [`values`] the parsers of
//! key values, [`parse`] the five attributes of the derive, and [`serde`] what the struct's
//! `#[serde(..)]` attributes say about the names of the exported state.
//!
//! Parsing checks the *form* of each key (is it a flag, does it take a value, is the literal of
//! the right type) and reports every problem it finds; what the values mean together (ranges,
//! combinations, references between fields) is checked in [`crate::valid`].

mod keys;
mod parse;
pub mod serde;
mod values;

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitStr, Token, Type};

pub use keys::joint_word_hint;
pub use parse::{
    children, distributor, field_provider, joint, reference, struct_provider, variant_weight,
};

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

/// `range = min..=max`: the bounds (`min..max` is read as `min..=max-1`).
#[derive(Debug, Clone)]
pub struct RangeLit {
    pub min: i64,
    pub max: i64,
    pub at: At,
}

/// A one-to-many count law as `#[children(..)]` and `#[provider(collection, ..)]` write it.
#[derive(Debug, Default)]
pub struct CountLaw {
    pub mean: Option<Num>,
    pub skew: Option<Num>,
    pub weights: Option<WeightsList>,
    pub range: Option<RangeLit>,
    /// Whether `mean` or `range` was written, well formed or not (a malformed one is
    /// reported where it was parsed, not again as missing).
    pub sized: bool,
}

impl CountLaw {
    /// Whether the law says how many: a `mean` or a `range` was written.
    pub fn is_sized(&self) -> bool {
        self.sized || self.mean.is_some() || self.range.is_some()
    }

    /// Where each written parameter is, for messages.
    pub fn written(&self) -> Vec<&At> {
        let mut out = Vec::new();
        out.extend(self.mean.as_ref().map(|n| &n.at));
        out.extend(self.skew.as_ref().map(|n| &n.at));
        out.extend(self.weights.as_ref().map(|w| &w.at));
        out.extend(self.range.as_ref().map(|r| &r.at));
        out
    }
}

/// `weights = [..]`: the numbers and the whole array.
#[derive(Debug, Clone)]
pub struct WeightsList {
    pub values: Vec<Num>,
    pub at: At,
}

/// `quantiles = [..]`: the bounds as written and the whole array.
#[derive(Debug, Clone)]
pub struct QuantileList {
    pub bounds: Vec<Bound>,
    pub at: At,
}

/// One bound of `quantiles = [..]`: a number literal (possibly negated) or a string (a date or
/// timestamp, read in [`crate::valid`]).
#[derive(Debug, Clone)]
pub struct Bound {
    pub value: BoundValue,
    pub at: At,
}

#[derive(Debug, Clone)]
pub enum BoundValue {
    Int(i128),
    Float(f64),
    Text(LitStr),
}

/// A dotted field path (`id.tenant_id`) as written in `same(..)`, `differ(..)` and
/// `#[joint(..)]`.
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

/// `#[children(Child, parent = "..", mean = .., skew = .. | weights = [..] | range = ..)]`.
#[derive(Debug)]
pub struct ChildrenAttr {
    pub at: At,
    pub ty: Type,
    pub parent: Option<Keyed<LitStr>>,
    pub law: CountLaw,
}

/// `#[joint(a, b, .., skew = .. | weights = [..], mean = ..)]`: one law over the combination
/// of the member fields.
#[derive(Debug)]
pub struct JointAttr {
    pub at: At,
    /// The member fields as written (Rust names for the first segment).
    pub members: Vec<DottedPath>,
    pub weights: Option<WeightsList>,
    pub skew: Option<Num>,
    pub mean: Option<Num>,
    /// `ordered`: combinations spent grouped by the first member, in its creation order.
    pub ordered: Option<At>,
}

/// Where a field's value comes from, as one key of `#[provider(..)]` (or another attribute)
/// says it. A field may name at most one.
#[derive(Debug, Clone)]
pub enum SourceKind {
    AutoKey,
    Composite,
    /// `#[provider(collection, ..)]`.
    Collection,
    Fake(Expr),
    With(Expr),
    Value(Expr),
    /// `one_of = [..]`: the values as written.
    OneOf(Vec<Expr>),
    /// `#[provider(quantiles = [..])]`.
    Quantiles(QuantileList),
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
            SourceKind::Collection => "#[provider(collection)]",
            SourceKind::Fake(_) => "#[provider(fake = ..)]",
            SourceKind::With(_) => "#[provider(with = ..)]",
            SourceKind::Value(_) => "#[provider(value = ..)]",
            SourceKind::OneOf(_) => "#[provider(one_of = [..])]",
            SourceKind::Quantiles(_) => "#[provider(quantiles = [..])]",
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
    /// `weights = [..]` of `one_of` (and, until [`FieldAttrs::route_weights`], of a
    /// collection's count).
    pub weights: Option<WeightsList>,
    /// The count law of a `collection` (its keys, written or not with `collection`).
    pub count: CountLaw,
    /// `follows(field)`: an earlier field whose value decides this one's.
    pub follows: Option<Keyed<DottedPath>>,
    /// `column = ".."`: the table column that holds the field.
    pub column: Option<Keyed<LitStr>>,
    /// `ordered`: planned values in order of creation (with `quantiles = [..]`).
    pub ordered: Option<At>,
}

impl FieldAttrs {
    /// The value source (validation reports a field with more than one).
    pub fn source(&self) -> Option<&SourceKind> {
        self.sources.first().map(|s| &s.value)
    }

    /// Gives `weights = [..]` to the law it belongs to, once all of a field's attributes are
    /// read (the key is shared, and the other key may come in a later attribute): the count
    /// law of a `collection` without `one_of`; otherwise it stays the weights of `one_of`
    /// (with neither, validation reports it there).
    pub fn route_weights(&mut self) {
        let has = |f: fn(&SourceKind) -> bool| self.sources.iter().any(|s| f(&s.value));
        if has(|s| matches!(s, SourceKind::Collection))
            && !has(|s| matches!(s, SourceKind::OneOf(_)))
        {
            self.count.weights = self.weights.take();
        }
    }
}

/// `#[reference(Target, same(in_reference = source), differ(field), ..)]`.
#[derive(Debug)]
pub struct ReferenceAttr {
    pub at: At,
    pub ty: Type,
    pub same: Vec<Same>,
    /// The fields (of this struct, declared before) whose value this reference never takes,
    /// from every `differ(..)`, in the order written.
    pub differ: Vec<DottedPath>,
    /// The field (of this struct, declared before) whose value determines this reference,
    /// from `follows(..)`.
    pub follows: Option<DottedPath>,
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
    /// `top = [..]`: the shares of the most used values.
    pub top: Option<WeightsList>,
    /// `ordered`: planned draws spent in order of creation.
    pub ordered: Option<At>,
}

impl DistributorAttr {
    /// Whether it says anything besides `sequence` (then the field is a pooled value).
    pub fn has_parameters(&self) -> bool {
        self.weights.is_some()
            || self.skew.is_some()
            || self.mean.is_some()
            || self.null_weight.is_some()
            || self.top.is_some()
    }
}
