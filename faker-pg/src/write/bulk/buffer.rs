//! Buffers and encoding: a table's rows and mirror rows as CSV bytes, ready for `COPY`, and the
//! byte ranges that let `get`/`find` and the publication read them back without parsing.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};

use faker_core::provider::JsonValue;
use serde::Serialize;
use sqlx::PgConnection;

use crate::coordination::log::Publication;
use crate::write::bulk::direct::{RowShape, Scratch, encode_row};
use crate::write::bulk::error::BulkError;
use crate::write::bulk::field::{push_field, push_json_escaped, unescape};
use crate::write::mirror::Mirror;
use crate::write::table::Table;

/// What does not change for a registered table: its names, columns and `COPY` statements.
pub(crate) struct Meta {
    pub(crate) table: Table,
    /// faker's mirror of the table, if it has one; without one only the rows' ids are kept
    /// next to the rows when there is a publication, not their states.
    pub(crate) mirror: Option<Mirror>,
    /// Whether the rows' ids are kept next to them: for the mirror's `get` and for the
    /// publication. A table with neither encodes no id (5% of the bulk client's time for
    /// the bookstore's books).
    keeps_ids: bool,
    copy_rows: String,
    copy_mirror: Option<String>,
    /// The `COPY` of each collection's child table, in the table's registration order.
    copy_elements: Vec<String>,
    /// The shared pool log this table's aggregates are published in, if any.
    pub(crate) publication: Option<Publication>,
    /// The column paths, for rows written straight from the aggregate (see `direct`): only
    /// for a table without a mirror (which stores the whole state) or collections.
    direct: Option<RowShape>,
    /// Cleared by the first row the direct route declines: the table's aggregates then go
    /// through their JSON state.
    direct_on: AtomicBool,
}

impl Meta {
    pub(crate) fn new(
        table: Table,
        mirror: Option<Mirror>,
        publication: Option<Publication>,
    ) -> Meta {
        let direct = match (&mirror, table.collections()) {
            (None, []) => RowShape::of(&table),
            _ => None,
        };
        Meta {
            keeps_ids: mirror.is_some() || publication.is_some(),
            direct_on: AtomicBool::new(direct.is_some()),
            direct,
            copy_rows: table.copy_sql(),
            copy_mirror: mirror.as_ref().map(Mirror::copy_sql),
            copy_elements: table
                .collections()
                .iter()
                .map(|c| c.table.copy_sql())
                .collect(),
            table,
            mirror,
            publication,
        }
    }

    /// `COPY` of the rows, then of each collection's element rows (they reference the rows),
    /// then of the mirror rows.
    pub(crate) async fn copy(&self, conn: &mut PgConnection, rows: &Rows) -> Result<(), BulkError> {
        if rows.is_empty() {
            return Ok(());
        }
        copy_in(conn, &self.copy_rows, &rows.rows)
            .await
            .map_err(|source| BulkError::Database {
                table: self.table.name().clone(),
                source,
            })?;
        for ((copy, elements), collection) in self
            .copy_elements
            .iter()
            .zip(&rows.elements)
            .zip(self.table.collections())
        {
            if elements.rows.is_empty() {
                continue;
            }
            copy_in(conn, copy, &elements.rows)
                .await
                .map_err(|source| BulkError::Database {
                    table: collection.table.name().clone(),
                    source,
                })?;
        }
        let (Some(copy), Some(mirror)) = (&self.copy_mirror, &self.mirror) else {
            return Ok(());
        };
        copy_in(conn, copy, &rows.mirror_rows)
            .await
            .map_err(|source| BulkError::Database {
                table: mirror.name().clone(),
                source,
            })
    }

    /// Appends the row of `aggregate` written straight from it, and its mirror row (the id
    /// alone, if kept: such a table has no mirror). `Ok(false)`, with `rows` untouched, when
    /// the table does not allow it or the row was declined: [`Meta::push`] with the exported
    /// state then writes it.
    pub(crate) fn push_direct(
        &self,
        rows: &mut Rows,
        scratch: &mut Scratch,
        aggregate: &impl Serialize,
        id: &impl Serialize,
    ) -> Result<bool, BulkError> {
        let Some(shape) = &self.direct else {
            return Ok(false);
        };
        if !self.direct_on.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let lens = rows.lens();
        if encode_row(shape, aggregate, scratch, &mut rows.rows).is_err() {
            // The shape of a type's aggregates does not change from one to the next.
            self.direct_on.store(false, Ordering::Relaxed);
            return Ok(false);
        }
        let result = self.end_row(rows, None, id);
        if result.is_err() {
            rows.roll_back(lens);
        }
        result.map(|()| true)
    }

    /// Appends the row and the mirror row of `state` to `rows` (nothing when it fails).
    pub(crate) fn push(
        &self,
        rows: &mut Rows,
        state: &JsonValue,
        id: &impl Serialize,
    ) -> Result<(), BulkError> {
        rows.elements
            .resize_with(self.copy_elements.len(), ElementRows::default);
        let lens = rows.lens();
        let result = self.encode(rows, state, id);
        if result.is_err() {
            rows.roll_back(lens);
        }
        result
    }

    fn encode_error(&self, source: serde_json::Error) -> BulkError {
        BulkError::Encode {
            table: self.table.name().clone(),
            source,
        }
    }

    fn encode(
        &self,
        rows: &mut Rows,
        state: &JsonValue,
        id: &impl Serialize,
    ) -> Result<(), BulkError> {
        let out = &mut rows.rows;
        for (i, column) in self.table.written_columns(true).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let value = self.table.value(column, state)?;
            push_field(out, value).map_err(|e| self.encode_error(e))?;
        }
        out.push(b'\n');

        // Each collection's elements, one row each: parent keys, position, element columns.
        for (collection, elements) in self.table.collections().iter().zip(&mut rows.elements) {
            for (position, element) in self.table.elements(collection, state)?.iter().enumerate() {
                let values = collection.table.values(state, position, element)?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        elements.rows.push(b',');
                    }
                    push_field(&mut elements.rows, value).map_err(|e| self.encode_error(e))?;
                }
                elements.rows.push(b'\n');
            }
        }
        self.end_row(rows, Some(state), id)
    }

    /// After a row (and its elements) is in `rows`: the row's ends, and its mirror row — the
    /// id, and the state when the table has a mirror — if ids are kept. The mirror rows are
    /// then one per row, or none at all.
    fn end_row(
        &self,
        rows: &mut Rows,
        state: Option<&JsonValue>,
        id: &impl Serialize,
    ) -> Result<(), BulkError> {
        let row_end = rows.rows.len();
        if !self.keeps_ids {
            rows.row_ends.push(row_end);
            for elements in &mut rows.elements {
                elements.ends.push(elements.rows.len());
            }
            return Ok(());
        }
        let out = &mut rows.mirror_rows;
        out.push(b'"');
        let id_start = out.len();
        push_json_escaped(out, id).map_err(|e| self.encode_error(e))?;
        let id_end = out.len();
        out.extend_from_slice(b"\",\"");
        let value_start = out.len();
        if let (Some(state), Some(_)) = (state, &self.mirror) {
            push_json_escaped(out, state).map_err(|e| self.encode_error(e))?;
        }
        let value_end = out.len();
        out.extend_from_slice(b"\"\n");

        rows.row_ends.push(row_end);
        for elements in &mut rows.elements {
            elements.ends.push(elements.rows.len());
        }
        rows.mirror_index.push(MirrorRow {
            id: (id_start, id_end),
            value: (value_start, value_end),
        });
        Ok(())
    }
}

/// The lengths of a table's buffers before a row is appended, to take it back.
struct Lens {
    rows: usize,
    mirror_rows: usize,
    elements: Vec<usize>,
}

/// Byte ranges, in the mirror buffer, of one row's escaped id and state (inside the quotes).
#[derive(Debug, Clone, Copy)]
struct MirrorRow {
    id: (usize, usize),
    value: (usize, usize),
}

/// Buffered CSV rows of one table and of its mirror.
#[derive(Default)]
pub(crate) struct Rows {
    rows: Vec<u8>,
    /// Where each application row ends.
    row_ends: Vec<usize>,
    mirror_rows: Vec<u8>,
    mirror_index: Vec<MirrorRow>,
    /// The element rows of each collection of the table.
    elements: Vec<ElementRows>,
}

/// Buffered CSV rows of one collection's child table.
#[derive(Default)]
struct ElementRows {
    rows: Vec<u8>,
    /// Per aggregate row: where its elements end.
    ends: Vec<usize>,
}

impl Rows {
    fn lens(&self) -> Lens {
        Lens {
            rows: self.rows.len(),
            mirror_rows: self.mirror_rows.len(),
            elements: self.elements.iter().map(|e| e.rows.len()).collect(),
        }
    }

    /// Takes back what was appended since `lens` (a row that failed half-way).
    fn roll_back(&mut self, lens: Lens) {
        self.rows.truncate(lens.rows);
        self.mirror_rows.truncate(lens.mirror_rows);
        for (elements, len) in self.elements.iter_mut().zip(lens.elements) {
            elements.rows.truncate(len);
            elements.ends.truncate(self.row_ends.len());
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.row_ends.len()
    }

    /// The buffered application rows and mirror rows.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> (&[u8], &[u8]) {
        (&self.rows, &self.mirror_rows)
    }

    /// The ids of the rows as JSON texts (their CSV quoting undone).
    pub(crate) fn ids(&self) -> Vec<String> {
        self.mirror_index
            .iter()
            .map(|r| {
                String::from_utf8_lossy(&unescape(&self.mirror_rows[r.id.0..r.id.1])).into_owned()
            })
            .collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.row_ends.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.rows.clear();
        self.row_ends.clear();
        self.mirror_rows.clear();
        self.mirror_index.clear();
        for elements in &mut self.elements {
            elements.rows.clear();
            elements.ends.clear();
        }
    }

    /// Keeps the first `n` rows.
    pub(crate) fn truncate(&mut self, n: usize) {
        if n >= self.len() {
            return;
        }
        let (rows_end, mirror_end) = match n.checked_sub(1) {
            None => (0, 0),
            // closing quote and newline after the last kept state (no mirror rows when the
            // table keeps no ids)
            Some(last) => (
                self.row_ends[last],
                self.mirror_index.get(last).map_or(0, |m| m.value.1 + 2),
            ),
        };
        self.rows.truncate(rows_end);
        self.row_ends.truncate(n);
        for elements in &mut self.elements {
            let end = n.checked_sub(1).map_or(0, |last| elements.ends[last]);
            elements.rows.truncate(end);
            elements.ends.truncate(n);
        }
        self.mirror_rows.truncate(mirror_end);
        self.mirror_index.truncate(n);
    }

    /// The buffered state (as JSON text) whose id is `id`.
    pub(crate) fn pending(&self, id: &EscapedId) -> Option<Cow<'_, [u8]>> {
        self.mirror_index
            .iter()
            .find(|r| self.mirror_rows[r.id.0..r.id.1] == id.0[..])
            .map(|r| unescape(&self.mirror_rows[r.value.0..r.value.1]))
    }

    /// Every buffered state (as JSON text), in insertion order.
    pub(crate) fn pending_states(&self) -> impl Iterator<Item = Cow<'_, [u8]>> {
        self.mirror_index
            .iter()
            .map(|r| unescape(&self.mirror_rows[r.value.0..r.value.1]))
    }
}

/// An id encoded as the buffers hold it, to look it up among the buffered rows.
pub(crate) struct EscapedId(Vec<u8>);

impl EscapedId {
    pub(crate) fn new(id: &impl Serialize) -> Result<EscapedId, serde_json::Error> {
        let mut out = Vec::new();
        push_json_escaped(&mut out, id)?;
        Ok(EscapedId(out))
    }
}

async fn copy_in(conn: &mut PgConnection, statement: &str, data: &[u8]) -> sqlx::Result<()> {
    let mut copy = conn.copy_in_raw(statement).await?;
    // On an error `copy` is dropped, which aborts the COPY; the transaction then rolls back.
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

/// The direct route (`direct`) against the `Value` route, through [`Meta`].
#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::{Meta, Rows};
    use crate::write::bulk::direct::{RowShape, Scratch};
    use crate::write::table::Table;

    #[derive(Debug, Clone, Serialize)]
    struct Key {
        tenant_id: i64,
        book_id: u64,
    }

    #[derive(Debug, Clone, Serialize)]
    enum Format {
        Paper,
        Ebook,
    }

    #[derive(Debug, Clone, Serialize)]
    struct Shelf {
        room: String,
        row: Option<i32>,
    }

    /// Every kind of field a row is written from, and some that no column reads.
    #[derive(Debug, Clone, Serialize)]
    struct Row {
        id: Key,
        title: String,
        #[serde(rename = "cost")]
        price: f64,
        weight: f32,
        in_print: bool,
        initial: char,
        format: Format,
        shelf: Option<Shelf>,
        pages: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// Read by no column: never serialized by the direct route.
        tags: Vec<String>,
        #[serde(flatten)]
        extra: BTreeMap<String, i64>,
    }

    fn table() -> Table {
        Table::new(Some("s"), "rows")
            .unwrap()
            .column("tenant_id", "id.tenant_id")
            .unwrap()
            .column("title", "title")
            .unwrap()
            .column("cost", "cost")
            .unwrap()
            .column("weight", "weight")
            .unwrap()
            .column("in_print", "in_print")
            .unwrap()
            .column("initial", "initial")
            .unwrap()
            .column("format", "format")
            .unwrap()
            .column("room", "shelf.room")
            .unwrap()
            .column("shelf_row", "shelf.row")
            .unwrap()
            .column("pages", "pages")
            .unwrap()
            .optional_column("note", "note")
            .unwrap()
            .optional_column("bonus", "bonus")
            .unwrap()
            // Two columns from one path.
            .column("title_again", "title")
            .unwrap()
            .auto_key("book_id", "id.book_id")
            .unwrap()
    }

    /// The bytes of both routes for `value`: (direct taken, direct rows, `Value` route rows).
    /// `keeps_ids` as with a publication (which a unit test cannot open).
    fn both<T: Serialize>(
        table: Table,
        value: &T,
        id: &impl Serialize,
        keeps_ids: bool,
    ) -> (bool, Rows, Rows) {
        let mut meta = Meta::new(table, None, None);
        meta.keeps_ids = keeps_ids;
        let mut direct = Rows::default();
        let taken = meta
            .push_direct(&mut direct, &mut Scratch::default(), value, id)
            .unwrap();
        let mut by_value = Rows::default();
        let state = serde_json::to_value(value).unwrap();
        if let Err(e) = meta.push(&mut by_value, &state, id) {
            assert!(
                !taken,
                "the direct route wrote a row the Value route refuses: {e}"
            );
        }
        (taken, direct, by_value)
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z ]{0,8}",
            Just(String::new()),
            Just("quote \" and \"\" comma , newline \n \\. end".to_string()),
            "\\PC{0,6}",
        ]
    }

    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
            Just(1.0),
            Just(1e21),
            Just(0.1),
        ]
    }

    fn row() -> impl Strategy<Value = Row> {
        let shelf = proptest::option::of((text(), proptest::option::of(any::<i32>())))
            .prop_map(|s| s.map(|(room, row)| Shelf { room, row }));
        let extra = proptest::collection::btree_map(
            prop_oneof!["[a-c]{1,5}", Just("bonus".to_string())],
            any::<i64>(),
            0..3,
        );
        (
            (any::<i64>(), any::<u64>(), text(), float(), any::<f32>()),
            (any::<bool>(), any::<char>(), any::<bool>(), shelf),
            (
                proptest::option::of(any::<u16>()),
                proptest::option::of(text()),
                proptest::collection::vec(text(), 0..3),
                extra,
            ),
        )
            .prop_map(
                |(
                    (tenant_id, book_id, title, price, weight),
                    (in_print, initial, ebook, shelf),
                    (pages, note, tags, extra),
                )| Row {
                    id: Key { tenant_id, book_id },
                    title,
                    price,
                    weight,
                    in_print,
                    initial,
                    format: if ebook { Format::Ebook } else { Format::Paper },
                    shelf,
                    pages,
                    note,
                    tags,
                    extra,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// For every row of every shape the table reads, the direct route writes it, and
        /// byte for byte as the `Value` route does: quoting, `NULL`s (a `None` composite, an
        /// absent optional field, a non-finite float), numbers as `serde_json` prints them
        /// (an `f32` widened first), unit variants as their names, flattened map fields.
        #[test]
        fn the_direct_route_writes_what_the_value_route_writes(
            row in row(),
            keeps_ids in any::<bool>(),
        ) {
            let (taken, direct, by_value) = both(table(), &row, &row.id, keeps_ids);
            prop_assert!(taken, "declined: {row:?}");
            prop_assert_eq!(direct.bytes(), by_value.bytes());
        }
    }

    /// Shapes the direct route does not reproduce are declined, not written otherwise: a
    /// column holding an array (a JSON column), a path through a scalar, a required column the
    /// aggregate lacks, a non-string map key. The `Value` route then writes or refuses them.
    #[test]
    fn shapes_it_does_not_reproduce_are_declined() {
        let row = Row {
            id: Key {
                tenant_id: 1,
                book_id: 2,
            },
            title: "t".into(),
            price: 1.5,
            weight: 2.0,
            in_print: true,
            initial: 'x',
            format: Format::Paper,
            shelf: None,
            pages: Some(3),
            note: None,
            tags: vec!["a".into()],
            extra: BTreeMap::new(),
        };
        let declined = |table: Table| {
            let (taken, direct, _) = both(table, &row, &row.id, true);
            assert!(!taken);
            assert_eq!(direct.bytes(), (&[][..], &[][..]), "left bytes behind");
        };
        let base = || {
            Table::new(None, "t")
                .unwrap()
                .column("k", "id.book_id")
                .unwrap()
        };
        declined(base().column("tags", "tags").unwrap());
        declined(base().column("deep", "title.length").unwrap());
        declined(base().column("gone", "missing").unwrap());
        let mut keyed = BTreeMap::new();
        keyed.insert(1, 2);
        let (taken, ..) = both(base(), &keyed, &0, true);
        assert!(!taken);
        // A declined table stays declined; a table whose column is an object never tries.
        assert!(RowShape::of(&base().column("id", "id").unwrap()).is_none());
    }

    /// A table with neither mirror nor publication keeps no id beside its rows; one with a
    /// publication keeps each row's id, and taking rows back keeps the two in step.
    #[test]
    fn ids_are_kept_only_for_whom_reads_them() {
        let table = || Table::new(None, "t").unwrap().column("k", "k").unwrap();
        #[derive(Serialize)]
        struct K {
            k: i64,
        }
        for keeps_ids in [false, true] {
            let mut meta = Meta::new(table(), None, None);
            assert!(!meta.keeps_ids, "no mirror, no publication");
            meta.keeps_ids = keeps_ids;
            let mut rows = Rows::default();
            for k in 1..=3 {
                let taken = meta
                    .push_direct(&mut rows, &mut Scratch::default(), &K { k }, &k)
                    .unwrap();
                assert!(taken);
            }
            assert_eq!(rows.len(), 3);
            let (app, ids) = rows.bytes();
            assert_eq!(app, b"1\n2\n3\n");
            if keeps_ids {
                assert_eq!(rows.ids(), ["1", "2", "3"]);
                assert_eq!(ids, b"\"1\",\"\"\n\"2\",\"\"\n\"3\",\"\"\n");
            } else {
                assert!(ids.is_empty());
                assert!(rows.ids().is_empty());
            }
            rows.truncate(2);
            assert_eq!(rows.len(), 2);
            assert_eq!(rows.bytes().0, b"1\n2\n");
            if keeps_ids {
                assert_eq!(rows.ids(), ["1", "2"]);
                assert_eq!(rows.bytes().1, b"\"1\",\"\"\n\"2\",\"\"\n");
            }
        }
    }
}
