//! Buffers and encoding: a table's rows and mirror rows as CSV bytes, ready for `COPY`, and the
//! byte ranges that let `get`/`find` and the publication read them back without parsing.

use std::borrow::Cow;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use faker_core::provider::JsonValue;
use serde::Serialize;
use sqlx::PgConnection;

use crate::coordination::log::Publication;
use crate::write::bulk::direct::{RowShape, Scratch, encode_row};
use crate::write::bulk::error::BulkError;
use crate::write::mirror::Mirror;
use crate::write::table::Table;

/// What does not change for a registered table: its names, columns and `COPY` statements.
pub(crate) struct Meta {
    pub(crate) table: Table,
    /// faker's mirror of the table, if it has one; without one only the rows' ids are kept
    /// next to the rows (for the publication), not their states.
    pub(crate) mirror: Option<Mirror>,
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
    /// alone: such a table has no mirror). `Ok(false)`, with `rows` untouched, when the table
    /// does not allow it or the row was declined: [`Meta::push`] with the exported state then
    /// writes it.
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

    /// After a row (and its elements) is in `rows`: its mirror row — the id, and the state
    /// when the table has a mirror — and the row's ends.
    fn end_row(
        &self,
        rows: &mut Rows,
        state: Option<&JsonValue>,
        id: &impl Serialize,
    ) -> Result<(), BulkError> {
        let row_end = rows.rows.len();
        let out = &mut rows.mirror_rows;
        out.push(b'"');
        let id_start = out.len();
        // Written whole, then escaped in one pass: the `Escaped` writer's call per token was
        // a third of the cost of a bulk row.
        serde_json::to_writer(&mut *out, id).map_err(|e| self.encode_error(e))?;
        escape_in_place(out, id_start);
        let id_end = out.len();
        out.extend_from_slice(b"\",\"");
        let value_start = out.len();
        if let (Some(state), Some(_)) = (state, &self.mirror) {
            serde_json::to_writer(Escaped(out), state).map_err(|e| self.encode_error(e))?;
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
            // closing quote and newline after the last kept state
            Some(last) => (self.row_ends[last], self.mirror_index[last].value.1 + 2),
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
        serde_json::to_writer(Escaped(&mut out), id)?;
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

/// One CSV field for PostgreSQL: strings always quoted (an empty string is `""`), `null` an
/// empty unquoted field (SQL `NULL`), numbers and booleans as JSON text, objects and arrays as
/// quoted JSON text.
///
/// (Hand-written rather than through the `csv` crate: its quoting style is chosen per writer,
/// and PostgreSQL needs quoted `""` and unquoted empty fields in one record.)
pub(crate) fn push_field(out: &mut Vec<u8>, value: &JsonValue) -> Result<(), serde_json::Error> {
    match value {
        JsonValue::Null => {}
        JsonValue::Bool(true) => out.extend_from_slice(b"true"),
        JsonValue::Bool(false) => out.extend_from_slice(b"false"),
        JsonValue::Number(n) => serde_json::to_writer(&mut *out, n)?,
        JsonValue::String(s) => {
            out.push(b'"');
            escape_into(out, s.as_bytes());
            out.push(b'"');
        }
        JsonValue::Array(_) | JsonValue::Object(_) => {
            out.push(b'"');
            serde_json::to_writer(Escaped(&mut *out), value)?;
            out.push(b'"');
        }
    }
    Ok(())
}

/// Appends `bytes` with every `"` doubled (the inside of a quoted CSV field).
pub(crate) fn escape_into(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut rest = bytes;
    while let Some(i) = rest.iter().position(|&b| b == b'"') {
        out.extend_from_slice(&rest[..=i]);
        out.push(b'"');
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Escapes `out[start..]` in place as the inside of a quoted CSV field (every `"` doubled).
fn escape_in_place(out: &mut Vec<u8>, start: usize) {
    let quotes = out[start..].iter().filter(|&&b| b == b'"').count();
    if quotes == 0 {
        return;
    }
    let end = out.len();
    out.resize(end + quotes, 0);
    // From the back, so that nothing is overwritten before it is moved.
    let mut to = out.len();
    for from in (start..end).rev() {
        let b = out[from];
        to -= 1;
        out[to] = b;
        if b == b'"' {
            to -= 1;
            out[to] = b'"';
        }
    }
}

/// The inside of a quoted CSV field, back to its text.
fn unescape(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.contains(&b'"') {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut quote = false;
    for &b in bytes {
        if b == b'"' && quote {
            quote = false;
            continue;
        }
        quote = b == b'"';
        out.push(b);
    }
    Cow::Owned(out)
}

/// A writer that escapes what it is given as the inside of a quoted CSV field.
struct Escaped<'a>(&'a mut Vec<u8>);

impl io::Write for Escaped<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        escape_into(self.0, buf);
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        escape_into(self.0, buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{escape_in_place, escape_into};

    proptest! {
        /// Escaping in place gives what escaping into a buffer gives, and leaves the bytes
        /// before `start` alone (ids are looked up by the `Escaped` writer's bytes).
        #[test]
        fn escaping_in_place_is_escaping(
            before in proptest::collection::vec(any::<u8>(), 0..8),
            text in proptest::collection::vec(prop_oneof![Just(b'"'), any::<u8>()], 0..40),
        ) {
            let mut expected = before.clone();
            escape_into(&mut expected, &text);
            let mut out = before.clone();
            out.extend_from_slice(&text);
            escape_in_place(&mut out, before.len());
            prop_assert_eq!(out, expected);
        }
    }
}
