//! The keys each attribute accepts, as one enum per attribute, and the matching of an
//! attribute's items against them: unknown keys (with a "did you mean" or a hint where the key
//! belongs), repeated keys and keys written in the wrong form are reported here, so the
//! parsers in [`super::parse`] only see well-formed items of a known key.

use darling::ast::NestedMeta;
use quote::ToTokens;
use syn::{Expr, Ident, Meta};

use super::At;
use crate::Errors;

/// What a key accepts, for form errors and "expected one of" lists.
#[derive(Clone, Copy)]
pub enum Form {
    /// `key`
    Flag,
    /// `key = value`; the example shows a correct use.
    Value(&'static str),
    /// `key(..)`
    List(&'static str),
}

/// Which attribute is being read, and where it sits, for messages.
#[derive(Clone, Copy)]
pub struct Place {
    /// `provider`, `distributor`, ...
    pub attr: &'static str,
    /// `the struct` / `a field`.
    pub on: &'static str,
}

impl Place {
    pub fn written(self) -> String {
        format!("#[{}(..)]", self.attr)
    }
}

/// The keys of one attribute.
pub trait Key: Copy + PartialEq + 'static {
    /// Every key, in the order "expected one of" lists them.
    const ALL: &'static [Self];
    /// The attribute these keys belong to.
    const PLACE: Place;

    fn name(self) -> &'static str;

    fn form(self) -> Form;

    /// A correct use of the key, for messages.
    fn example(self) -> &'static str {
        match self.form() {
            Form::Value(e) | Form::List(e) => e,
            Form::Flag => self.name(),
        }
    }

    fn find(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// Declares one attribute's key enum: each variant with its name and form.
macro_rules! keys {
    (
        $(#[$doc:meta])*
        $ty:ident at ($attr:literal on $on:literal) {
            $($variant:ident = $name:literal $form:expr,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $ty {
            $($variant,)*
        }

        impl Key for $ty {
            const ALL: &'static [Self] = &[$($ty::$variant,)*];
            const PLACE: Place = Place { attr: $attr, on: $on };

            fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }

            fn form(self) -> Form {
                match self {
                    $($ty::$variant => $form,)*
                }
            }
        }
    };
}

const FLAG: Form = Form::Flag;

keys! {
    /// `#[provider(..)]` on the struct.
    StructKey at ("provider" on "the struct") {
        Aggregate = "aggregate" FLAG,
        Value = "value" FLAG,
        Entity = "entity" FLAG,
        Name = "name" Form::Value("name = \"Book\""),
        Table = "table" Form::Value("table = \"books\""),
        Constructor = "constructor" Form::Value("constructor = Book::new"),
        Factory = "factory" Form::Value("factory = Book::create"),
    }
}

keys! {
    /// `#[provider(..)]` on a field.
    FieldKey at ("provider" on "a field") {
        Id = "id" FLAG,
        AutoKey = "auto_key" FLAG,
        Composite = "composite" FLAG,
        Collection = "collection" FLAG,
        Mean = "mean" Form::Value("mean = 3.0"),
        Skew = "skew" Form::Value("skew = 2.0"),
        Weights = "weights" Form::Value("weights = [0.7, 0.2, 0.1]"),
        Range = "range" Form::Value("range = 1..=5"),
        Fake = "fake" Form::Value("fake = fake::faker::name::en::Name()"),
        Map = "map" Form::Value("map = BookTitle"),
        With = "with" Form::Value("with = |rng, position| ..."),
        Value = "value" Form::Value("value = Status::Active"),
        OneOf = "one_of" Form::Value("one_of = [\"new\", \"paid\", \"shipped\"]"),
        Quantiles = "quantiles" Form::Value("quantiles = [0, 9.9, 25, 120.5]"),
        Follows = "follows" Form::List("follows(customer_id)"),
        Column = "column" Form::Value("column = \"book_title\""),
        Ordered = "ordered" FLAG,
        Sequence = "sequence" FLAG,
        Default = "default" FLAG,
        Skip = "skip" FLAG,
    }
}

keys! {
    /// `#[distributor(..)]`.
    DistributorKey at ("distributor" on "a field") {
        Weights = "weights" Form::Value("weights = [0.7, 0.2, 0.07, 0.03]"),
        Skew = "skew" Form::Value("skew = 2.0"),
        Mean = "mean" Form::Value("mean = 50"),
        NullWeight = "null_weight" Form::Value("null_weight = 0.1"),
        Top = "top" Form::Value("top = [0.06, 0.04]"),
        Ordered = "ordered" FLAG,
        Sequence = "sequence" FLAG,
    }
}

keys! {
    /// `#[reference(Target, ..)]` after the type.
    ReferenceKey at ("reference" on "a field") {
        Same = "same" Form::List("same(tenant_id = id.tenant_id)"),
        Differ = "differ" Form::List("differ(origin)"),
        Follows = "follows" Form::List("follows(album_id)"),
    }
}

keys! {
    /// `#[joint(a, b, ..)]` after the member fields. `null_weight` is no key: a combination is
    /// never null, and the parser answers it with where to put it instead.
    JointKey at ("joint" on "the struct") {
        Weights = "weights" Form::Value("weights = [0.7, 0.2, 0.07, 0.03]"),
        Skew = "skew" Form::Value("skew = 2.0"),
        Mean = "mean" Form::Value("mean = 1500"),
        Ordered = "ordered" FLAG,
    }
}

keys! {
    /// `#[children(Child, ..)]` after the type.
    ChildrenKey at ("children" on "the struct") {
        Parent = "parent" Form::Value("parent = \"order_id\""),
        Mean = "mean" Form::Value("mean = 3.0"),
        Skew = "skew" Form::Value("skew = 2.0"),
        Weights = "weights" Form::Value("weights = [0.7, 0.2, 0.1]"),
        Range = "range" Form::Value("range = 1..=5"),
    }
}

/// Whether `name` is a key of `K` (for the hints of keys written in the wrong attribute).
pub fn is<K: Key>(name: &str) -> bool {
    K::find(name).is_some()
}

/// What a bare word of `#[joint(..)]` that names no field was probably meant as: a key of the
/// law written without its value, or a distributor key (validation adds it to the "not a
/// field" error, since only there are the fields known).
pub fn joint_word_hint(word: &str) -> Option<String> {
    if let Some(key) = JointKey::find(word) {
        return Some(format!(
            "`{word}` of the law needs a value: write `{}`",
            key.example()
        ));
    }
    DistributorKey::find(word).map(|key| {
        format!(
            "`{}` is a key of #[distributor(..)]: put it on a member field",
            key.name()
        )
    })
}

/// A key of another attribute, and where it belongs instead.
pub type Elsewhere = (fn(&str) -> bool, &'static str);

/// One well-formed item of an attribute's list.
pub struct Item<'a, K> {
    pub key: K,
    pub ident: Ident,
    pub meta: &'a Meta,
}

impl<K: Key> Item<'_, K> {
    pub fn at(&self) -> At {
        At::of(self.meta)
    }

    /// The value of `key = value` (`None` for a flag written with a value, which is reported
    /// and then read as the flag).
    pub fn expr(&self) -> Option<&Expr> {
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

fn expected_list<K: Key>() -> String {
    K::ALL
        .iter()
        .map(|k| format!("`{}`", k.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Matches every item against the keys `K`, reporting unknown keys, repeated keys and wrong
/// forms; returns the items to read. `elsewhere` names keys that belong to another attribute,
/// with a hint where.
pub fn match_items<'a, K: Key>(
    items: &'a [NestedMeta],
    elsewhere: &[Elsewhere],
    errors: &mut Errors,
) -> Vec<Item<'a, K>> {
    let place = K::PLACE;
    let mut out = Vec::new();
    let mut seen: Vec<K> = Vec::new();
    for item in items {
        let meta = match item {
            NestedMeta::Meta(meta) => meta,
            NestedMeta::Lit(lit) => {
                errors.push(syn::Error::new_spanned(
                    lit,
                    format!(
                        "unexpected literal in {}: expected one of {}",
                        place.written(),
                        expected_list::<K>()
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
                        invalid
                            .path
                            .get_ident()
                            .and_then(|i| K::find(&crate::ast::field_name(i)))
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
                    expected_list::<K>()
                ),
            ));
            continue;
        };
        let name = crate::ast::field_name(ident);
        let Some(key) = K::find(&name) else {
            errors.push(unknown_key::<K>(&name, ident, elsewhere));
            continue;
        };
        if seen.contains(&key) {
            errors.push(syn::Error::new_spanned(
                meta,
                format!(
                    "`{}` is given twice in {} on {}: keep one",
                    key.name(),
                    place.written(),
                    place.on
                ),
            ));
            continue;
        }
        seen.push(key);
        let keep = match (key.form(), meta) {
            (Form::Flag, Meta::Path(_)) => true,
            (Form::Flag, _) => {
                errors.push(syn::Error::new_spanned(
                    meta,
                    format!(
                        "`{}` in {} takes no value: write `#[{}({})]`",
                        key.name(),
                        place.written(),
                        place.attr,
                        key.name()
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
                        key.name(),
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
                        key.name(),
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

fn unknown_key<K: Key>(name: &str, ident: &Ident, elsewhere: &[Elsewhere]) -> syn::Error {
    let place = K::PLACE;
    let mut message = format!(
        "unknown key `{name}` in {} on {}",
        place.written(),
        place.on
    );
    if let Some((_, hint)) = elsewhere.iter().find(|(belongs, _)| belongs(name)) {
        message.push_str(&format!(": `{name}` {hint}"));
    } else {
        if let Some(close) = did_you_mean(name, K::ALL.iter().map(|k| k.name())) {
            message.push_str(&format!(": did you mean `{close}`?"));
        } else {
            message.push(':');
        }
        message.push_str(&format!(" expected one of {}", expected_list::<K>()));
    }
    syn::Error::new_spanned(ident, message)
}
