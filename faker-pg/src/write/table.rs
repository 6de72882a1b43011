//! [`Table`]: an application table, its columns filled from paths of an aggregate's exported
//! state, and the SQL that writes one row into it; [`ElementTable`]: the child table that
//! receives the elements of a collection inside the aggregate (`lines: Vec<InvoiceLine>`), one
//! row per element keyed by the aggregate's id. Shared by the per-aggregate repository
//! (`INSERT .. jsonb_populate_record(set)`) and bulk mode (`COPY`), which read columns the same
//! way.

use faker_core::provider::{ColumnPath, JsonValue, Provider};
use faker_core::repository::RepositoryError;
use serde::Serialize;
use thiserror::Error;

use crate::ident::{Ident, IdentError, QualifiedName};

/// The exported state (or id) of an aggregate of `A` as JSON, the form columns are read from.
pub(crate) fn export<A: Provider>(value: &impl Serialize) -> Result<JsonValue, RepositoryError> {
    serde_json::to_value(value).map_err(|source| RepositoryError::Export {
        aggregate: A::NAME,
        source,
    })
}

/// A column maps a path that the exported state does not have.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{table}`: the exported state has no `{path}` for column {column}")]
pub struct MissingField {
    /// The table.
    pub table: QualifiedName,
    /// The column.
    pub column: Ident,
    /// The dotted path the column maps.
    pub path: String,
}

/// A column of a [`Table`] and the dotted path of the exported state it is filled from.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) name: Ident,
    pub(crate) path: String,
    /// `path` split at its dots, once.
    segments: Vec<String>,
    /// Whether a state without `path` gives `NULL` (see [`Table::optional_column`]) rather
    /// than a [`MissingField`].
    optional: bool,
}

impl Column {
    fn new(name: &str, path: &str) -> Result<Column, IdentError> {
        Ok(Column {
            name: Ident::new(name)?,
            path: path.to_string(),
            // An empty path is the value itself (an element that is a unit enum or a plain
            // value), not a field named "".
            segments: match path {
                "" => Vec::new(),
                _ => path.split('.').map(str::to_string).collect(),
            },
            optional: false,
        })
    }

    fn optional(name: &str, path: &str) -> Result<Column, IdentError> {
        Ok(Column {
            optional: true,
            ..Column::new(name, path)?
        })
    }

    /// The column's value in `state`, if the state has its path. A `null` met on the way (an
    /// `Option` of a composite value, say a nullable composite reference, that is `None`) makes
    /// every column under it `NULL`: the state has no deeper fields to read there, and that is
    /// not a missing field.
    /// The path split at its dots.
    pub(crate) fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Whether a state without the path gives `NULL` rather than a [`MissingField`].
    pub(crate) fn is_optional(&self) -> bool {
        self.optional
    }

    pub(crate) fn value_in<'s>(&self, state: &'s JsonValue) -> Option<&'s JsonValue> {
        static NULL: JsonValue = JsonValue::Null;
        let mut value = state;
        for key in &self.segments {
            if value.is_null() {
                return Some(&NULL);
            }
            value = match value.get(key.as_str()) {
                Some(v) => v,
                None if self.optional => return Some(&NULL),
                None => return None,
            };
        }
        Some(value)
    }
}

/// An application table: columns filled from paths of the exported state.
///
/// ```
/// use faker_pg::write::Table;
/// let books = Table::new(Some("shop"), "books")?
///     .column("tenant_id", "id.tenant_id")?
///     .auto_key("book_id", "id.book_id")?
///     .column("author_id", "author_id.author_id")?
///     .column("title", "title")?;
/// assert_eq!(books.name().to_string(), r#""shop"."books""#);
/// # Ok::<(), faker_pg::IdentError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    name: QualifiedName,
    columns: Vec<Column>,
    auto: Option<Column>,
    /// The collections written to child tables, in registration order.
    collections: Vec<Collection>,
}

/// A collection of the aggregate and the table its elements go to.
#[derive(Debug, Clone)]
pub(crate) struct Collection {
    /// The collection's path in the aggregate's state (`lines`).
    pub(crate) path: Column,
    pub(crate) table: ElementTable,
}

/// The child table of a collection inside an aggregate: one row per element, with the
/// aggregate's key in `parent_key` columns (read from the *aggregate's* state), optionally
/// the element's position (0, 1, 2, ... in the collection), and the element's own columns
/// (read from the *element's* state). Register it next to the aggregate's table with
/// [`Table::collection`]; both write modes store the elements in the aggregate's transaction
/// (per aggregate: in the aggregate's one statement; in bulk: a `COPY` of the child table
/// after the aggregate's table, in the same batch).
///
/// A parent key mapped to the aggregate's auto-assigned key is taken from the key the
/// database assigned (per aggregate) or reserved (bulk).
///
/// ```
/// use faker_pg::write::{ElementTable, Table};
/// let invoices = Table::new(Some("shop"), "invoices")?
///     .column("invoice_id", "id")?
///     .column("customer_id", "customer")?
///     .collection(
///         "lines",
///         ElementTable::new(Some("shop"), "invoice_lines")?
///             .parent_key("invoice_id", "id")?
///             .position("line_no")?
///             .column("track_id", "track")?
///             .column("quantity", "quantity")?,
///     )?;
/// assert_eq!(invoices.name().to_string(), r#""shop"."invoices""#);
/// # Ok::<(), faker_pg::IdentError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ElementTable {
    /// The name and the element's columns (paths relative to the element).
    table: Table,
    /// Columns holding the aggregate's key: paths of the aggregate's state.
    parent: Vec<Column>,
    position: Option<Ident>,
}

impl ElementTable {
    /// The table `schema.table` (validated).
    pub fn new(schema: Option<&str>, table: &str) -> Result<ElementTable, IdentError> {
        Ok(ElementTable {
            table: Table::new(schema, table)?,
            parent: Vec::new(),
            position: None,
        })
    }

    /// Maps `column` to the dotted `path` of the *aggregate's* state (its id, or a part of a
    /// composite id): the key that ties each element row to its aggregate.
    pub fn parent_key(mut self, column: &str, path: &str) -> Result<ElementTable, IdentError> {
        self.parent.push(Column::new(column, path)?);
        Ok(self)
    }

    /// Writes the element's position in the collection (0, 1, 2, ...) into `column`.
    pub fn position(mut self, column: &str) -> Result<ElementTable, IdentError> {
        self.position = Some(Ident::new(column)?);
        Ok(self)
    }

    /// Maps `column` to the dotted `path` of the *element's* state; the empty path `""` is the
    /// element's whole state (a collection of unit enums or plain values: `Vec<Flag>`).
    pub fn column(mut self, column: &str, path: &str) -> Result<ElementTable, IdentError> {
        self.table = self.table.column(column, path)?;
        Ok(self)
    }

    /// Like [`ElementTable::column`], `NULL` where the element's state has no `path` (see
    /// [`Table::optional_column`]).
    pub fn optional_column(mut self, column: &str, path: &str) -> Result<ElementTable, IdentError> {
        self.table = self.table.optional_column(column, path)?;
        Ok(self)
    }

    /// The qualified name.
    pub fn name(&self) -> &QualifiedName {
        &self.table.name
    }

    /// The column names in the order rows are written: parent keys, position, element
    /// columns.
    pub(crate) fn column_names(&self) -> impl Iterator<Item = &Ident> {
        self.parent
            .iter()
            .map(|c| &c.name)
            .chain(self.position.iter())
            .chain(self.table.columns.iter().map(|c| &c.name))
    }

    /// The parent key columns.
    pub(crate) fn parent_columns(&self) -> &[Column] {
        &self.parent
    }

    /// The values of one element's row, in [`ElementTable::column_names`] order: the parent
    /// keys from `parent`, the position, the element's columns from `element`.
    pub(crate) fn values<'s>(
        &self,
        parent: &'s JsonValue,
        position: usize,
        element: &'s JsonValue,
    ) -> Result<Vec<std::borrow::Cow<'s, JsonValue>>, MissingField> {
        use std::borrow::Cow;
        let mut out = Vec::with_capacity(self.parent.len() + 1 + self.table.columns.len());
        for c in &self.parent {
            out.push(Cow::Borrowed(self.table.value(c, parent)?));
        }
        if self.position.is_some() {
            out.push(Cow::Owned(JsonValue::from(position)));
        }
        for c in &self.table.columns {
            out.push(Cow::Borrowed(self.table.value(c, element)?));
        }
        Ok(out)
    }

    /// `COPY t (cols) FROM STDIN (FORMAT csv)`.
    pub(crate) fn copy_sql(&self) -> String {
        let list = self
            .column_names()
            .map(|c| c.quoted())
            .collect::<Vec<_>>()
            .join(", ");
        format!("COPY {} ({list}) FROM STDIN (FORMAT csv)", self.table.name)
    }
}

/// [`Table::of`] could not map a type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TableOfError {
    /// The type describes no columns (a hand-written `Provider` without `columns()`).
    #[error(
        "`{aggregate}` lists no columns: derive `Provider`, or implement `Provider::columns`, or map the table by hand with `Table::new(..).column(..)`"
    )]
    NoColumns { aggregate: &'static str },
    /// Two of the type's scalars would go to one column: a `column = ".."` on a reference
    /// whose target's id has several columns, or a name given that another column has.
    #[error(
        "`{aggregate}`: `{first}` and `{second}` would both be column \"{column}\": name them apart with `#[provider(column = ..)]` (on a reference to a composite id, leave `column` out)"
    )]
    ColumnTwice {
        aggregate: &'static str,
        column: String,
        first: String,
        second: String,
    },
    /// A table or column name is not a usable identifier.
    #[error("`{aggregate}`: {source}")]
    Ident {
        aggregate: &'static str,
        #[source]
        source: IdentError,
    },
}

/// `CamelCase` as `snake_case`, the default table name of a type (`InvoiceLine` →
/// `invoice_line`).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Table {
    /// The table of `A`, mapped from what `#[derive(Provider)]` knows of it: its name is
    /// `#[provider(table = "..")]`, else the type's name in snake case; one column per scalar
    /// of the exported state ([`Provider::columns`]: serde names, composite ids and the ids
    /// references hold expanded to their fields; collections and fields serde skips left out),
    /// named by this rule:
    ///
    /// * a column named by `#[provider(column = "..")]` on its field, or else by its last field name
    ///   (`id.tenant_id` → `tenant_id`, `author_id.author_id` → `author_id`, `title` → `title`);
    /// * a name met twice where one of the paths is inside the id is **one** column, read from
    ///   the id: the other path holds the same value (a reference into the same tenant,
    ///   `author_id.tenant_id` beside `id.tenant_id`, is the composite foreign key
    ///   `(tenant_id, author_id)`);
    /// * any other name met twice is spelled out in full for each path, joined by `_`
    ///   (`origin.code` and `dest.code` → `origin_code`, `dest_code`);
    /// * the auto key ([`Provider::auto_key`]) is the table's auto-key column.
    ///
    /// ```
    /// use ddd_faker::Provider;
    /// use faker_pg::write::Table;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Serialize, Deserialize, Provider)]
    /// #[provider(table = "tenants")]
    /// struct Tenant {
    ///     #[provider(id, auto_key)]
    ///     id: i64,
    /// }
    ///
    /// #[derive(Clone, Serialize, Deserialize, Provider)]
    /// struct BookShelf {
    ///     #[provider(id, auto_key)]
    ///     id: i64,
    ///     #[reference(Tenant)]
    ///     #[distributor(mean = 10)]
    ///     tenant: i64,
    ///     #[serde(rename = "label")]
    ///     #[provider(with = |_, position| format!("shelf {position}"))]
    ///     name: String,
    /// }
    ///
    /// let table = Table::of::<BookShelf>(Some("shop"))?;
    /// assert_eq!(table.name().to_string(), r#""shop"."book_shelf""#);
    /// assert_eq!(table.column_list(), ["tenant", "label", "id"]);
    /// # Ok::<(), faker_pg::write::TableOfError>(())
    /// ```
    pub fn of<A: Provider>(schema: Option<&str>) -> Result<Table, TableOfError> {
        let ident = |source| TableOfError::Ident {
            aggregate: A::NAME,
            source,
        };
        let leaves = A::columns();
        if leaves.is_empty() {
            return Err(TableOfError::NoColumns { aggregate: A::NAME });
        }
        let name = A::TABLE.map_or_else(|| snake_case(A::NAME), str::to_owned);
        let mut table = Table::new(schema, &name).map_err(ident)?;
        let auto = A::auto_key();
        let short = |c: &ColumnPath| {
            c.column
                .clone()
                .or_else(|| c.path.last().cloned())
                .unwrap_or_else(|| A::ID_FIELD.to_owned())
        };
        let in_id = |c: &ColumnPath| c.path.first().is_some_and(|f| f == A::ID_FIELD);
        let mut named: Vec<(String, &ColumnPath)> = Vec::new();
        for leaf in &leaves {
            let name = short(leaf);
            let same: Vec<&ColumnPath> = leaves.iter().filter(|c| short(c) == name).collect();
            let name = if same.len() == 1 || leaf.column.is_some() {
                name
            } else if same.iter().any(|c| in_id(c)) {
                if !in_id(leaf) {
                    continue; // the id's column holds it
                }
                name
            } else {
                leaf.path.join("_")
            };
            named.push((name, leaf));
        }
        for (i, (name, leaf)) in named.iter().enumerate() {
            if let Some((_, first)) = named[..i].iter().find(|(n, _)| n == name) {
                return Err(TableOfError::ColumnTwice {
                    aggregate: A::NAME,
                    column: name.clone(),
                    first: first.dotted(),
                    second: leaf.dotted(),
                });
            }
        }
        for (name, leaf) in named {
            let path = leaf.dotted();
            table = if auto.as_deref() == Some(path.as_str()) {
                table.auto_key(&name, &path)
            } else {
                table.column(&name, &path)
            }
            .map_err(ident)?;
        }
        Ok(table)
    }

    /// The column names, in the order rows are written (the auto key last).
    pub fn column_list(&self) -> Vec<&str> {
        self.written_columns(true)
            .map(|c| c.name.as_str())
            .collect()
    }
}

impl Table {
    /// The table `schema.table` (validated).
    pub fn new(schema: Option<&str>, table: &str) -> Result<Table, IdentError> {
        Ok(Table {
            name: QualifiedName::parse(schema, table)?,
            columns: Vec::new(),
            auto: None,
            collections: Vec::new(),
        })
    }

    /// The qualified name (its `Display` is the quoted SQL form).
    pub fn name(&self) -> &QualifiedName {
        &self.name
    }

    /// Maps `column` to the dotted `path` of the exported state. A state without `path` is an
    /// error when the row is written ([`MissingField`]: a mistyped path is found at the first
    /// aggregate, not as a column of NULLs); a `null` on the way (a `None` composite) makes the
    /// column `NULL`.
    pub fn column(mut self, column: &str, path: &str) -> Result<Table, IdentError> {
        self.columns.push(Column::new(column, path)?);
        Ok(self)
    }

    /// Maps `column` to `path` like [`Table::column`], with `NULL` where the state has no
    /// `path`: a field of one variant of an enum, absent from the state of the others
    /// (`payment.insurer` of `Payment::Insurance { insurer }` is `NULL` for a
    /// `Payment::Cash`).
    ///
    /// ```
    /// use faker_pg::write::Table;
    /// use serde_json::json;
    ///
    /// let visits = Table::new(None, "visit")?
    ///     .column("id", "id")?
    ///     .optional_column("insurer", "payment.insurer")?;
    /// let cash = json!({"id": 1, "payment": {"kind": "cash"}});
    /// assert_eq!(visits.row(&cash, false)?, json!({"id": 1, "insurer": null}));
    /// let insured = json!({"id": 2, "payment": {"kind": "insurance", "insurer": "TK"}});
    /// assert_eq!(visits.row(&insured, false)?, json!({"id": 2, "insurer": "TK"}));
    /// // `column` keeps a missing path an error.
    /// assert!(Table::new(None, "visit")?.column("insurer", "payment.insurer")?.row(&cash, false).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn optional_column(mut self, column: &str, path: &str) -> Result<Table, IdentError> {
        self.columns.push(Column::optional(column, path)?);
        Ok(self)
    }

    /// Maps the auto-assigned key column (identity or serial) to `path`: left to the database
    /// unless the key is given, and read back with `RETURNING`.
    pub fn auto_key(mut self, column: &str, path: &str) -> Result<Table, IdentError> {
        self.auto = Some(Column::new(column, path)?);
        Ok(self)
    }

    /// Writes the elements of the collection at `path` (a `Vec` field of the aggregate,
    /// `#[provider(collection, ..)]`) into `table`, one row per element (see
    /// [`ElementTable`]).
    pub fn collection(mut self, path: &str, table: ElementTable) -> Result<Table, IdentError> {
        self.collections.push(Collection {
            path: Column::new("collection", path)?,
            table,
        });
        Ok(self)
    }

    /// The collections written to child tables.
    pub(crate) fn collections(&self) -> &[Collection] {
        &self.collections
    }

    /// The elements of `collection` in `state`: its array (a `null` collection has none).
    pub(crate) fn elements<'s>(
        &self,
        collection: &Collection,
        state: &'s JsonValue,
    ) -> Result<&'s [JsonValue], MissingField> {
        let missing = || MissingField {
            table: collection.table.name().clone(),
            column: collection.path.name.clone(),
            path: collection.path.path.clone(),
        };
        match collection.path.value_in(state).ok_or_else(missing)? {
            JsonValue::Array(elements) => Ok(elements),
            JsonValue::Null => Ok(&[]),
            _ => Err(missing()),
        }
    }

    /// The rows of every collection's elements for `state`, per collection (in
    /// registration order): `[{column: value}, ..]` as one JSON array.
    pub(crate) fn element_rows(&self, state: &JsonValue) -> Result<Vec<JsonValue>, MissingField> {
        self.collections
            .iter()
            .map(|c| {
                let rows = self
                    .elements(c, state)?
                    .iter()
                    .enumerate()
                    .map(|(i, element)| {
                        let values = c.table.values(state, i, element)?;
                        let row: serde_json::Map<String, JsonValue> = c
                            .table
                            .column_names()
                            .zip(values)
                            .map(|(name, v)| (name.as_str().to_string(), v.into_owned()))
                            .collect();
                        Ok(JsonValue::Object(row))
                    })
                    .collect::<Result<Vec<_>, MissingField>>()?;
                Ok(JsonValue::Array(rows))
            })
            .collect()
    }

    /// The value of `column` in `state`.
    pub(crate) fn value<'s>(
        &self,
        column: &Column,
        state: &'s JsonValue,
    ) -> Result<&'s JsonValue, MissingField> {
        column.value_in(state).ok_or_else(|| MissingField {
            table: self.name.clone(),
            column: column.name.clone(),
            path: column.path.clone(),
        })
    }

    /// The row for `state`: `{column: value}` (with the auto key only when `with_key`).
    pub fn row(&self, state: &JsonValue, with_key: bool) -> Result<JsonValue, MissingField> {
        let mut row = serde_json::Map::new();
        for column in self.written_columns(with_key) {
            let value = self.value(column, state)?;
            row.insert(column.name.as_str().to_string(), value.clone());
        }
        Ok(JsonValue::Object(row))
    }

    /// The columns a row is written with: the mapped ones in mapping order, then the auto key
    /// when `with_key` (bulk mode's `COPY` list, with the key always given).
    pub(crate) fn written_columns(&self, with_key: bool) -> impl Iterator<Item = &Column> {
        self.columns
            .iter()
            .chain(self.auto.iter().filter(move |_| with_key))
    }

    /// The auto-assigned key column, if mapped.
    pub(crate) fn auto_column(&self) -> Option<&Column> {
        self.auto.as_ref()
    }

    /// The auto-key column as a `bigint` expression for `RETURNING` (`0` without one).
    pub(crate) fn key_sql(&self) -> String {
        self.auto
            .as_ref()
            .map_or_else(|| "0".to_string(), |c| format!("{}::bigint", c.name))
    }

    /// `INSERT INTO t (cols) SELECT cols FROM jsonb_populate_record(NULL::t, $1)`: the row is
    /// one `jsonb` parameter, converted to the columns' types by PostgreSQL.
    pub(crate) fn insert_select(&self, with_key: bool) -> String {
        let list = self
            .written_columns(with_key)
            .map(|c| c.name.quoted())
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO {t} ({list}) SELECT {list} FROM jsonb_populate_record(NULL::{t}, $1::jsonb)",
            t = self.name
        )
    }

    /// `INSERT INTO t (cols) SELECT cols FROM jsonb_populate_record(NULL::t, $1) [RETURNING key]`.
    pub(crate) fn insert_sql(&self, with_key: bool) -> String {
        match (&self.auto, with_key) {
            (Some(c), false) => {
                format!("{} RETURNING {}", self.insert_select(false), c.name)
            }
            _ => self.insert_select(with_key),
        }
    }

    /// `COPY t (cols) FROM STDIN (FORMAT csv)`, every column including the auto key.
    pub(crate) fn copy_sql(&self) -> String {
        let list = self
            .written_columns(true)
            .map(|c| c.name.quoted())
            .collect::<Vec<_>>()
            .join(", ");
        format!("COPY {} ({list}) FROM STDIN (FORMAT csv)", self.name)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flights() -> Table {
        Table::new(None, "flights")
            .and_then(|t| t.column("id", "id"))
            .and_then(|t| t.column("carrier", "plane.carrier"))
            .and_then(|t| t.column("tailnum", "plane.tailnum"))
            .expect("valid names")
    }

    #[test]
    fn a_null_composite_is_null_in_each_of_its_columns() {
        let row = flights().row(&json!({"id": 1, "plane": null}), false);
        assert_eq!(
            row.expect("a row"),
            json!({"id": 1, "carrier": null, "tailnum": null})
        );
        let row = flights().row(
            &json!({"id": 2, "plane": {"carrier": 7, "tailnum": 9}}),
            false,
        );
        assert_eq!(
            row.expect("a row"),
            json!({"id": 2, "carrier": 7, "tailnum": 9})
        );
    }

    fn invoices() -> Table {
        let lines = ElementTable::new(None, "invoice_lines")
            .and_then(|t| t.parent_key("invoice_id", "id"))
            .and_then(|t| t.position("line_no"))
            .and_then(|t| t.column("track_id", "track"))
            .expect("valid names");
        Table::new(None, "invoices")
            .and_then(|t| t.column("id", "id"))
            .and_then(|t| t.collection("lines", lines))
            .expect("valid names")
    }

    #[test]
    fn each_element_is_a_row_with_the_parent_key_and_its_position() {
        let state = json!({"id": 7, "lines": [{"track": 3}, {"track": 5}]});
        assert_eq!(
            invoices().element_rows(&state).expect("rows"),
            [json!([
                {"invoice_id": 7, "line_no": 0, "track_id": 3},
                {"invoice_id": 7, "line_no": 1, "track_id": 5},
            ])]
        );
        // An empty or null collection has no rows.
        for lines in [json!([]), json!(null)] {
            let state = json!({"id": 8, "lines": lines});
            assert_eq!(invoices().element_rows(&state).expect("rows"), [json!([])]);
        }
    }

    #[test]
    fn a_collection_that_is_missing_or_no_array_is_an_error() {
        for state in [json!({"id": 1}), json!({"id": 1, "lines": 3})] {
            let err = invoices().element_rows(&state).expect_err("no lines");
            assert_eq!(err.path, "lines");
            assert_eq!(err.table.to_string(), r#""invoice_lines""#);
        }
        // An element without a mapped field names the element table's column.
        let err = invoices()
            .element_rows(&json!({"id": 1, "lines": [{}]}))
            .expect_err("no track");
        assert_eq!(err.path, "track");
    }

    #[test]
    fn a_missing_field_is_still_an_error() {
        let err = flights()
            .row(&json!({"id": 3, "plane": {"carrier": 7}}), false)
            .expect_err("no tailnum");
        assert_eq!(err.path, "plane.tailnum");
        let err = flights()
            .row(&json!({"id": 4}), false)
            .expect_err("no plane at all");
        assert_eq!(err.path, "plane.carrier");
    }
}
