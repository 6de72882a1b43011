//! [`ColumnPath`]: where a value of the exported state sits, as a table column would hold it —
//! the description `#[derive(Provider)]` gives of a type's columns ([`Provider::columns`],
//! [`Component::columns`]), so that a storage (faker-pg's `Table::of`) maps a type without a
//! hand-written list.
//!
//! A path reaches one scalar of the state: a plain field (`title`), a field of a composite id
//! (`id.tenant_id`), or the id a reference holds (`author_id.author_id`, the target's own id
//! columns under the reference's field). Collections (their elements go to child tables) and
//! fields serde skips are not columns.
//!
//! [`Provider::columns`]: super::Provider::columns
//! [`Component::columns`]: super::Component::columns

/// One column's place in the exported state, and its name when the type gives one
/// (`#[provider(column = "..")]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPath {
    /// The serialized field names from the state's root to the scalar (empty: the value
    /// itself, as a scalar id reads before [`ColumnPath::under`] puts it under its field).
    pub path: Vec<String>,
    /// The column's name, when given; else the storage names it (see faker-pg's rule).
    pub column: Option<String>,
}

impl ColumnPath {
    /// The scalar at `field` (the empty string: the value itself).
    pub fn leaf(field: &str) -> ColumnPath {
        ColumnPath {
            path: if field.is_empty() {
                Vec::new()
            } else {
                vec![field.to_owned()]
            },
            column: None,
        }
    }

    /// The same scalar with its column's name given.
    pub fn named(mut self, column: &str) -> ColumnPath {
        self.column = Some(column.to_owned());
        self
    }

    /// The same scalar inside the field `field` (a composite, or a reference holding an id).
    pub fn under(mut self, field: &str) -> ColumnPath {
        self.path.insert(0, field.to_owned());
        self
    }

    /// The dotted path (`id.tenant_id`).
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_from_the_inside_out() {
        let id = ColumnPath::leaf("");
        assert!(id.path.is_empty());
        let nested = ColumnPath::leaf("tenant_id").under("author_id");
        assert_eq!(nested.dotted(), "author_id.tenant_id");
        assert_eq!(
            ColumnPath::leaf("title")
                .named("book_title")
                .column
                .as_deref(),
            Some("book_title")
        );
    }
}
