//! [`RelationResolver`] and [`Relation`]: where `$rel` finds the referenced aggregates.

use std::fmt;

use crate::ident::{Ident, qualified};

/// Tells the compiler which table a reference field points into, for `$rel`.
///
/// `field` is the dotted path of the referencing field inside the current aggregate (`""` for
/// a `$rel` at the root, whose reference is the whole value — e.g. a pool table of ids); array
/// operators (`$any`, `$all`) add no segment. This is the same path the in-memory
/// [`Resolver`](faker_core::spec::Resolver) receives.
///
/// Return `None` when the field is not a reference: the `$rel` then matches nothing, as it does
/// in memory when the resolver finds nothing.
///
/// ```
/// use faker_pg::Ident;
/// use faker_pg::sql::{Relation, RelationResolver};
///
/// struct Books {
///     authors: Ident,
/// }
///
/// impl RelationResolver for Books {
///     fn relation(&self, field: &str) -> Option<Relation<'_>> {
///         (field == "author_id").then(|| Relation::new(self.authors.clone()))
///     }
/// }
/// ```
pub trait RelationResolver {
    /// The table that `field` references, or `None` when it references nothing.
    fn relation(&self, field: &str) -> Option<Relation<'_>>;
}

/// A referenced table: rows of `(id_column jsonb, value_column jsonb)`, like faker's own JSONB
/// mirror tables (`value_id`, `value`).
///
/// A reference matches the row whose id equals it as JSON (`jsonb =`, so `1` and `1.0` are the
/// same id); the `$rel`'s inner query is evaluated on that row's value, with the
/// [`nested`](Relation::nested) resolver for references inside it.
#[derive(Clone)]
pub struct Relation<'a> {
    pub(crate) schema: Option<Ident>,
    pub(crate) table: Ident,
    pub(crate) id_column: Option<Ident>,
    pub(crate) value_column: Option<Ident>,
    pub(crate) nested: Option<&'a dyn RelationResolver>,
}

impl<'a> Relation<'a> {
    /// `table` (resolved through the `search_path`), with id column `value_id`, value column
    /// `value` and no nested resolver.
    pub fn new(table: Ident) -> Relation<'a> {
        Relation {
            schema: None,
            table,
            id_column: None,
            value_column: None,
            nested: None,
        }
    }

    /// The table lives in `schema`.
    pub fn in_schema(mut self, schema: Ident) -> Relation<'a> {
        self.schema = Some(schema);
        self
    }

    /// The `jsonb` column holding each row's id (default `value_id`).
    pub fn id_column(mut self, column: Ident) -> Relation<'a> {
        self.id_column = Some(column);
        self
    }

    /// The `jsonb` column holding each row's exported state (default `value`).
    pub fn value_column(mut self, column: Ident) -> Relation<'a> {
        self.value_column = Some(column);
        self
    }

    /// The resolver for references inside the referenced aggregate (a `$rel` inside this
    /// `$rel`). Without one, a nested `$rel` evaluates its inner query on the reference value
    /// itself, as in memory.
    pub fn nested(mut self, resolver: &'a dyn RelationResolver) -> Relation<'a> {
        self.nested = Some(resolver);
        self
    }

    /// The quoted, possibly schema-qualified table name.
    pub(crate) fn table_sql(&self) -> String {
        qualified(self.schema.as_ref(), &self.table)
    }

    /// The quoted id column.
    pub(crate) fn id_sql(&self) -> String {
        match &self.id_column {
            Some(column) => column.quoted(),
            None => "\"value_id\"".to_owned(),
        }
    }

    /// The quoted value column.
    pub(crate) fn value_sql(&self) -> String {
        match &self.value_column {
            Some(column) => column.quoted(),
            None => "\"value\"".to_owned(),
        }
    }
}

impl fmt::Debug for Relation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relation")
            .field("table", &self.table_sql())
            .field("id_column", &self.id_sql())
            .field("value_column", &self.value_sql())
            .field("nested", &self.nested.map(|_| ".."))
            .finish()
    }
}
