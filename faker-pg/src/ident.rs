//! Validated SQL identifiers, qualified names and the one string literal faker-pg writes.
//!
//! Values always travel to PostgreSQL as bind parameters, but table, schema and column names cannot
//! be bound: they have to be part of the statement text. [`Ident`] is the only way `faker-pg` puts a
//! name into SQL. It checks the name once, when it is built, and always writes it as a quoted
//! identifier (`"name"`, with every embedded `"` doubled), so no name can end the identifier early
//! and inject SQL. A [`QualifiedName`] (`schema.name`) keeps its two parts as [`Ident`]s until it
//! is written, so nothing ever has to take a quoted name apart again.
//!
//! The one statement that takes neither parameters nor names is `COMMENT ON .. IS '..'`:
//! [`string_literal`] writes its text as an escape-string literal.
//!
//! Quoting makes names case-sensitive. PostgreSQL folds *unquoted* names to lower case, so a table
//! created with `CREATE TABLE Orders` is called `orders`, and that is the name to pass here.
//!
//! ```
//! use faker_pg::ident::{Ident, IdentError, qualified};
//!
//! let table = Ident::new("order items")?;
//! assert_eq!(table.to_string(), r#""order items""#);
//! assert_eq!(Ident::new(r#"say "hi""#)?.quoted(), r#""say ""hi""""#);
//!
//! let schema: Ident = "sales".parse()?;
//! assert_eq!(qualified(Some(&schema), &table), r#""sales"."order items""#);
//!
//! let name = faker_pg::ident::QualifiedName::parse(Some("sales"), "order items")?;
//! assert_eq!(name.to_string(), r#""sales"."order items""#);
//! assert_eq!(name.name().as_str(), "order items");
//!
//! assert_eq!(Ident::new(""), Err(IdentError::Empty));
//! # Ok::<(), IdentError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// Why a string is not a usable identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentError {
    /// The name is empty (PostgreSQL rejects `""`).
    #[error("SQL identifier is empty")]
    Empty,
    /// The name is longer than PostgreSQL keeps: it would silently truncate it to
    /// [`Ident::MAX_LEN`] bytes and the statement would address another object.
    #[error(
        "SQL identifier is {len} bytes long, PostgreSQL keeps at most {} bytes",
        Ident::MAX_LEN
    )]
    TooLong {
        /// Length of the rejected name in bytes.
        len: usize,
    },
    /// The name contains a NUL character, which PostgreSQL cannot store.
    #[error("SQL identifier contains a NUL character at byte {at}")]
    Nul {
        /// Byte offset of the first NUL.
        at: usize,
    },
}

/// A PostgreSQL identifier (schema, table or column name) that is safe to put into SQL text.
///
/// Holds the name exactly as the catalog stores it. [`Display`](fmt::Display) and
/// [`quoted`](Ident::quoted) write it quoted; [`as_str`](Ident::as_str) gives the bare name (for
/// comparisons with catalog columns, passed as bind parameters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

impl Ident {
    /// Longest name PostgreSQL keeps, in bytes (`NAMEDATALEN - 1` in a default build).
    pub const MAX_LEN: usize = 63;

    /// Validates `name`: not empty, at most [`MAX_LEN`](Ident::MAX_LEN) bytes, no NUL.
    ///
    /// Any other character, including spaces, quotes and non-ASCII letters, is allowed: quoting
    /// makes it part of the name.
    pub fn new(name: impl Into<String>) -> Result<Ident, IdentError> {
        let name = name.into();
        if name.is_empty() {
            return Err(IdentError::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(IdentError::TooLong { len: name.len() });
        }
        if let Some(at) = name.bytes().position(|b| b == 0) {
            return Err(IdentError::Nul { at });
        }
        Ok(Ident(name))
    }

    /// The bare name, as the catalog stores it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a quoted SQL identifier: `"` + name with `"` doubled + `"`.
    pub fn quoted(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Ident {
    /// Writes the quoted form, ready to be put into SQL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for (i, part) in self.0.split('"').enumerate() {
            if i > 0 {
                f.write_str("\"\"")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

impl AsRef<str> for Ident {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Ident {
    type Err = IdentError;

    fn from_str(s: &str) -> Result<Ident, IdentError> {
        Ident::new(s)
    }
}

impl TryFrom<&str> for Ident {
    type Error = IdentError;

    fn try_from(s: &str) -> Result<Ident, IdentError> {
        Ident::new(s)
    }
}

impl TryFrom<String> for Ident {
    type Error = IdentError;

    fn try_from(s: String) -> Result<Ident, IdentError> {
        Ident::new(s)
    }
}

/// `"schema"."name"`, or `"name"` alone (resolved through the `search_path`) without a schema.
pub fn qualified(schema: Option<&Ident>, name: &Ident) -> String {
    QualifiedName::new(schema.cloned(), name.clone()).to_string()
}

/// A possibly schema-qualified name (of a table, a sequence, an index), kept as its two
/// [`Ident`]s. [`Display`](fmt::Display) writes it quoted: `"schema"."name"`, or `"name"` alone
/// (resolved through the `search_path`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    schema: Option<Ident>,
    name: Ident,
}

impl QualifiedName {
    /// `name` in `schema` (or on the `search_path`).
    pub fn new(schema: Option<Ident>, name: Ident) -> QualifiedName {
        QualifiedName { schema, name }
    }

    /// Validates both parts (see [`Ident::new`]).
    pub fn parse(schema: Option<&str>, name: &str) -> Result<QualifiedName, IdentError> {
        Ok(QualifiedName {
            schema: schema.map(Ident::new).transpose()?,
            name: Ident::new(name)?,
        })
    }

    /// The schema, when the name is qualified.
    pub fn schema(&self) -> Option<&Ident> {
        self.schema.as_ref()
    }

    /// The unqualified name.
    pub fn name(&self) -> &Ident {
        &self.name
    }

    /// Another object of the same schema (a table's mirror, a table's index).
    pub fn sibling(&self, name: Ident) -> QualifiedName {
        QualifiedName {
            schema: self.schema.clone(),
            name,
        }
    }
}

impl fmt::Display for QualifiedName {
    /// Writes the quoted, qualified form, ready to be put into SQL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}.")?;
        }
        write!(f, "{}", self.name)
    }
}

/// Why a text cannot be written as an SQL string literal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiteralError {
    /// PostgreSQL text cannot hold a NUL character.
    #[error("SQL string literal contains a NUL character at byte {at}")]
    Nul {
        /// Byte offset of the first NUL.
        at: usize,
    },
}

/// `text` as an SQL escape-string literal, `E'..'`, with every `\` and `'` doubled.
///
/// Only for statements that take no bind parameters (`COMMENT ON .. IS`). The `E` form reads the
/// same whatever `standard_conforming_strings` says, unlike a plain `'..'` in which a backslash
/// is an escape when that setting is off.
pub fn string_literal(text: &str) -> Result<String, LiteralError> {
    if let Some(at) = text.bytes().position(|b| b == 0) {
        return Err(LiteralError::Nul { at });
    }
    let mut out = String::with_capacity(text.len() + 3);
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_odd_names() {
        for name in [
            "orders",
            "Orders",
            "order items",
            "select",
            "café",
            "a;b",
            "x'y",
            "--",
        ] {
            assert_eq!(Ident::new(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn rejects_empty_long_and_nul() {
        assert_eq!(Ident::new(""), Err(IdentError::Empty));
        assert_eq!("a\0b".parse::<Ident>(), Err(IdentError::Nul { at: 1 }));
        let max = "a".repeat(Ident::MAX_LEN);
        assert!(Ident::new(max.as_str()).is_ok());
        assert_eq!(
            Ident::new(format!("{max}a")),
            Err(IdentError::TooLong { len: 64 })
        );
        // The limit is in bytes: 32 two-byte letters are 64 bytes.
        assert_eq!(
            Ident::try_from("é".repeat(32)),
            Err(IdentError::TooLong { len: 64 })
        );
        assert!(Ident::try_from("é".repeat(31).as_str()).is_ok());
    }

    #[test]
    fn quotes_and_doubles_embedded_quotes() {
        let q = |s: &str| Ident::new(s).unwrap().quoted();
        assert_eq!(q("orders"), r#""orders""#);
        assert_eq!(q(r#"a"b"#), r#""a""b""#);
        assert_eq!(q(r#"""#), r#""""""#);
        assert_eq!(q(r#""x""#), r#""""x""""#);
        assert_eq!(
            q(r#"t"; DROP TABLE users; --"#),
            r#""t""; DROP TABLE users; --""#
        );
    }

    #[test]
    fn quoted_form_round_trips() {
        // Undoing the quoting gives the name back, so the quoted text is exactly one identifier.
        for name in [r#"a"b"#, r#"""""#, "plain", r#"x"; --"#] {
            let quoted = Ident::new(name).unwrap().quoted();
            let inner = &quoted[1..quoted.len() - 1];
            assert!(!inner.replace("\"\"", "").contains('"'));
            assert_eq!(inner.replace("\"\"", "\""), name);
        }
    }

    #[test]
    fn qualified_names_keep_their_parts() {
        let name = QualifiedName::parse(Some(r#"s"$%'"#), "t.u").unwrap();
        assert_eq!(name.to_string(), r#""s""$%'"."t.u""#);
        assert_eq!(name.schema().map(Ident::as_str), Some(r#"s"$%'"#));
        assert_eq!(name.name().as_str(), "t.u");
        let index = name.sibling(Ident::new("t_value").unwrap());
        assert_eq!(index.to_string(), r#""s""$%'"."t_value""#);
        assert_eq!(
            QualifiedName::parse(None, "t").unwrap().to_string(),
            r#""t""#
        );
        assert_eq!(QualifiedName::parse(Some(""), "t"), Err(IdentError::Empty));
    }

    #[test]
    fn string_literals_double_quotes_and_backslashes() {
        let lit = |s: &str| string_literal(s).unwrap();
        assert_eq!(lit("Book.id/"), "E'Book.id/'");
        assert_eq!(lit("it's"), "E'it''s'");
        assert_eq!(lit(r"a\b"), r"E'a\\b'");
        assert_eq!(lit(r"\'; DROP TABLE t; --"), r"E'\\''; DROP TABLE t; --'");
        assert_eq!(lit(""), "E''");
        assert_eq!(string_literal("a\0b"), Err(LiteralError::Nul { at: 1 }));
    }

    #[test]
    fn qualifies_with_optional_schema() {
        let s = Ident::new("my schema").unwrap();
        let t = Ident::new("t").unwrap();
        assert_eq!(qualified(Some(&s), &t), r#""my schema"."t""#);
        assert_eq!(qualified(None, &t), r#""t""#);
    }
}
