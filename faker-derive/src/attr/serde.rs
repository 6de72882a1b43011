//! What the struct's `#[serde(..)]` attributes say about its exported state.
//!
//! The runtime reads an aggregate's state by path in its serialized form (filters,
//! specifications, `same(..)` constraints, mirrors, table columns) and deserializes it back
//! (mirrors, PostgreSQL rows, pinned values), so the derive must name every field as serde does.
//! Only the keys that change names or the shape of the state are read here; every other serde
//! key is skipped, and serde's own derive reports malformed attributes (reporting them here too
//! would only repeat its errors).

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitStr, Token};

use super::{At, Keyed};

/// `rename_all = ".."`: serde's case conversions of a field name, with serde's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    /// The rule serde spells `name`.
    pub fn from_name(name: &str) -> Option<RenameRule> {
        Some(match name {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// The name serde gives the field `field` (a snake_case Rust name, raw prefix removed).
    ///
    /// The same conversions as serde_derive's `RenameRule::apply_to_field`: `lowercase` and
    /// `snake_case` keep the name as it is (a field name is already lowercase snake case).
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

impl RenameRule {
    /// The name serde gives the variant `variant` (a PascalCase Rust name): serde_derive's
    /// `RenameRule::apply_to_variant`.
    pub fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut snake = String::new();
                for (i, ch) in variant.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => RenameRule::Snake
                .apply_to_variant(variant)
                .to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake
                .apply_to_variant(variant)
                .replace('_', "-"),
            RenameRule::ScreamingKebab => RenameRule::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }
}

/// A name or rule given for serialization and for deserialization (`key = ..` gives both,
/// `key(serialize = .., deserialize = ..)` either or both), and where it was written.
#[derive(Debug, Clone)]
pub struct SerDe<T> {
    pub serialize: Option<T>,
    pub deserialize: Option<T>,
    pub at: At,
}

/// The `#[serde(..)]` keys of the struct that the derive follows or refuses.
#[derive(Debug, Default)]
pub struct SerdeStruct {
    pub rename_all: Option<SerDe<RenameRule>>,
    /// `rename_all_fields = ".."` (enums: the fields of every struct variant).
    pub rename_all_fields: Option<SerDe<RenameRule>>,
    /// `tag = ".."`: the key of the variant's name (an internally or adjacently tagged enum).
    pub tag: Option<String>,
    /// `content = ".."`: the key of the variant's fields (an adjacently tagged enum).
    pub content: Option<String>,
    /// `untagged`.
    pub untagged: bool,
    /// Keys that reshape the whole state (`tag`, `transparent`, `into`): refused by validation.
    pub reshaping: Vec<Keyed<&'static str>>,
}

/// The `#[serde(..)]` keys of a field that the derive follows or refuses.
#[derive(Debug, Default)]
pub struct SerdeField {
    pub rename: Option<SerDe<String>>,
    /// `flatten`: refused by validation.
    pub flatten: Option<At>,
    /// `skip`, `skip_serializing`, `skip_serializing_if`, `skip_deserializing`: refused on a
    /// field the runtime reads by name.
    pub skips: Vec<Keyed<&'static str>>,
}

impl SerdeStruct {
    /// Reads every `#[serde(..)]` of the struct.
    pub fn read(attrs: &[Attribute]) -> SerdeStruct {
        let mut out = SerdeStruct::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            // A malformed attribute is serde's to report.
            let _ = attr.parse_nested_meta(|meta| {
                for (key, slot) in [
                    ("rename_all", &mut out.rename_all),
                    ("rename_all_fields", &mut out.rename_all_fields),
                ] {
                    if meta.path.is_ident(key) {
                        let names = ser_de(&meta)?;
                        let rule = |name: Option<LitStr>| {
                            name.and_then(|n| RenameRule::from_name(&n.value()))
                        };
                        *slot = Some(SerDe {
                            serialize: rule(names.0),
                            deserialize: rule(names.1),
                            at: At::of(&meta.path),
                        });
                        return Ok(());
                    }
                }
                if meta.path.is_ident("untagged") {
                    out.untagged = true;
                    return Ok(());
                }
                if meta.path.is_ident("content") {
                    out.content = Some(meta.value()?.parse::<LitStr>()?.value());
                    return Ok(());
                }
                if meta.path.is_ident("tag") {
                    out.reshaping.push(Keyed {
                        value: "tag",
                        at: At::of(&meta.path),
                    });
                    out.tag = Some(meta.value()?.parse::<LitStr>()?.value());
                    return Ok(());
                }
                for word in ["transparent", "into"] {
                    if meta.path.is_ident(word) {
                        out.reshaping.push(Keyed {
                            value: word,
                            at: At::of(&meta.path),
                        });
                    }
                }
                skip_value(&meta)
            });
        }
        out
    }
}

impl SerdeField {
    /// Reads every `#[serde(..)]` of a field.
    pub fn read(attrs: &[Attribute]) -> SerdeField {
        let mut out = SerdeField::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let (serialize, deserialize) = ser_de(&meta)?;
                    out.rename = Some(SerDe {
                        serialize: serialize.map(|s| s.value()),
                        deserialize: deserialize.map(|s| s.value()),
                        at: At::of(&meta.path),
                    });
                    return Ok(());
                }
                if meta.path.is_ident("flatten") {
                    out.flatten = Some(At::of(&meta.path));
                }
                for word in [
                    "skip",
                    "skip_serializing",
                    "skip_serializing_if",
                    "skip_deserializing",
                ] {
                    if meta.path.is_ident(word) {
                        out.skips.push(Keyed {
                            value: word,
                            at: At::of(&meta.path),
                        });
                    }
                }
                skip_value(&meta)
            });
        }
        out
    }
}

/// `key = "a"` (both names) or `key(serialize = "a", deserialize = "b")`.
fn ser_de(meta: &ParseNestedMeta) -> syn::Result<(Option<LitStr>, Option<LitStr>)> {
    if meta.input.peek(Token![=]) {
        let name: LitStr = meta.value()?.parse()?;
        return Ok((Some(name.clone()), Some(name)));
    }
    let (mut serialize, mut deserialize) = (None, None);
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            serialize = Some(inner.value()?.parse()?);
        } else if inner.path.is_ident("deserialize") {
            deserialize = Some(inner.value()?.parse()?);
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok((serialize, deserialize))
}

/// Consumes the value of a key this module does not read (`= expr` or `(..)`).
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    /// serde_derive's own table (`internals/case.rs`, `rename_fields`).
    #[test]
    fn field_names_follow_serde() {
        let cases = [
            (
                "outcome", "OUTCOME", "Outcome", "outcome", "OUTCOME", "outcome", "OUTCOME",
            ),
            (
                "very_tasty",
                "VERY_TASTY",
                "VeryTasty",
                "veryTasty",
                "VERY_TASTY",
                "very-tasty",
                "VERY-TASTY",
            ),
            ("a", "A", "A", "a", "A", "a", "A"),
            ("z42", "Z42", "Z42", "z42", "Z42", "z42", "Z42"),
        ];
        for (original, upper, pascal, camel, screaming, kebab, screaming_kebab) in cases {
            let apply = |name: &str| {
                RenameRule::from_name(name)
                    .unwrap()
                    .apply_to_field(original)
            };
            assert_eq!(apply("lowercase"), original);
            assert_eq!(apply("UPPERCASE"), upper);
            assert_eq!(apply("PascalCase"), pascal);
            assert_eq!(apply("camelCase"), camel);
            assert_eq!(apply("snake_case"), original);
            assert_eq!(apply("SCREAMING_SNAKE_CASE"), screaming);
            assert_eq!(apply("kebab-case"), kebab);
            assert_eq!(apply("SCREAMING-KEBAB-CASE"), screaming_kebab);
        }
        assert_eq!(RenameRule::from_name("Title Case"), None);
    }
}
