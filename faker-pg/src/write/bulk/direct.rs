//! A table's `COPY` row written straight from the aggregate, without building its JSON state.
//!
//! Why: bulk mode is meant to run at the speed of `COPY`, and with `--workers` the generating
//! processes share the cores with PostgreSQL's backends, so every microsecond the client spends
//! per row is taken from the server. Exporting each aggregate to a `serde_json::Value` (a map
//! with an allocated key per field), reading the columns out of it by path and dropping it was
//! about a fifth of the bookstore's client time in bulk mode. Here the aggregate's `Serialize`
//! drives a serializer that knows the table's column paths: each field on a path is written as
//! its CSV field into a scratch buffer, fields on no path are never serialized, and the row is
//! then put together in column order.
//!
//! The output is exactly the one of the `Value` route (`Meta::push`): a property test in `buffer`
//! checks it for every shape. To keep that promise simple, whatever the route would treat in a
//! way this serializer does not reproduce — a column whose value is an object or an array, a path through
//! an enum, a scalar, a sequence or a non-string map key, a path met twice, a column the
//! aggregate does not have — is *declined*: the row is then written by the `Value` route, which
//! gives the same bytes or the same error, and the table stops trying this route (the shape of
//! its aggregates is the same from one to the next).

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::write::table::Table;

/// The column paths of a table, as a tree of field names.
#[derive(Debug)]
pub(crate) struct RowShape {
    root: Node,
    /// Per column (in `COPY` order): whether a missing path is `NULL` rather than an error.
    optional: Vec<bool>,
}

#[derive(Debug)]
enum Node {
    /// The columns (in `COPY` order) filled from the value here.
    Columns(Vec<usize>),
    /// Fields leading to columns; `under` are all columns below, for a `null` met here.
    Fields {
        fields: Vec<(String, Node)>,
        under: Vec<usize>,
    },
}

impl RowShape {
    /// The shape of `table`'s `COPY` row (key included), or `None` when one column's path is a
    /// prefix of another's (a column holding an object that other columns read into), which
    /// this route does not write.
    pub(crate) fn of(table: &Table) -> Option<RowShape> {
        let mut root = Node::Fields {
            fields: Vec::new(),
            under: Vec::new(),
        };
        let mut optional = Vec::new();
        for (index, column) in table.written_columns(true).enumerate() {
            optional.push(column.is_optional());
            root.insert(column.segments(), index)?;
        }
        Some(RowShape { root, optional })
    }
}

impl Node {
    fn insert(&mut self, path: &[String], column: usize) -> Option<()> {
        match (self, path) {
            (Node::Columns(columns), []) => {
                columns.push(column);
                Some(())
            }
            (Node::Fields { fields, under }, [first, rest @ ..]) => {
                under.push(column);
                let child = match fields.iter().position(|(name, _)| name == first) {
                    Some(at) => &mut fields[at].1,
                    None => {
                        let node = if rest.is_empty() {
                            Node::Columns(Vec::new())
                        } else {
                            Node::Fields {
                                fields: Vec::new(),
                                under: Vec::new(),
                            }
                        };
                        fields.push((first.clone(), node));
                        &mut fields.last_mut()?.1
                    }
                };
                child.insert(rest, column)
            }
            // A column at a node that has fields below it, or fields below a column.
            _ => None,
        }
    }
}

/// Why a row was not written by this route (the `Value` route writes it instead).
#[derive(Debug)]
pub(crate) struct Declined;

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("declined by the direct row encoder")
    }
}

impl std::error::Error for Declined {}

impl ser::Error for Declined {
    fn custom<T: fmt::Display>(_: T) -> Declined {
        Declined
    }
}

/// Reusable buffers of the encoder.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    bytes: Vec<u8>,
    /// Per column: its field's bytes in `bytes`, once written (an empty range is `NULL`).
    spans: Vec<Option<(usize, usize)>>,
}

/// Appends `value`'s row to `out` (fields in `COPY` order, a newline at the end), or declines
/// and leaves `out` as it was.
pub(crate) fn encode_row<T: Serialize + ?Sized>(
    shape: &RowShape,
    value: &T,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Result<(), Declined> {
    scratch.bytes.clear();
    scratch.spans.clear();
    scratch.spans.resize(shape.optional.len(), None);
    value.serialize(At {
        node: &shape.root,
        scratch,
    })?;
    // Everything is checked before `out` is touched.
    for (span, &optional) in scratch.spans.iter().zip(&shape.optional) {
        if span.is_none() && !optional {
            return Err(Declined);
        }
    }
    for (i, span) in scratch.spans.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if let Some((start, end)) = *span {
            out.extend_from_slice(&scratch.bytes[start..end]);
        }
    }
    out.push(b'\n');
    Ok(())
}

/// Serializes the value found at `node`.
struct At<'a> {
    node: &'a Node,
    scratch: &'a mut Scratch,
}

impl At<'_> {
    /// The field's bytes, written by `write`, become the value of the node's columns.
    fn field(self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), Declined> {
        let Node::Columns(columns) = self.node else {
            return Err(Declined);
        };
        let start = self.scratch.bytes.len();
        write(&mut self.scratch.bytes);
        let span = (start, self.scratch.bytes.len());
        for &column in columns {
            set(&mut self.scratch.spans, column, span)?;
        }
        Ok(())
    }

    /// `null` here: every column at or below the node is `NULL`.
    fn null(self) -> Result<(), Declined> {
        let columns = match self.node {
            Node::Columns(columns) => columns,
            Node::Fields { under, .. } => under,
        };
        let at = self.scratch.bytes.len();
        for &column in columns {
            set(&mut self.scratch.spans, column, (at, at))?;
        }
        Ok(())
    }

    fn string(self, s: &str) -> Result<(), Declined> {
        self.field(|out| {
            out.push(b'"');
            super::field::escape_into(out, s.as_bytes());
            out.push(b'"');
        })
    }

    /// Integers print as `serde_json` prints them (the `Value` route's numbers).
    fn number(self, n: impl Serialize) -> Result<(), Declined> {
        let mut failed = false;
        self.field(|out| failed = serde_json::to_writer(out, &n).is_err())?;
        if failed { Err(Declined) } else { Ok(()) }
    }
}

/// A column gets one value; a second one (a path met twice) declines.
fn set(
    spans: &mut [Option<(usize, usize)>],
    column: usize,
    span: (usize, usize),
) -> Result<(), Declined> {
    match spans.get_mut(column) {
        Some(slot @ None) => {
            *slot = Some(span);
            Ok(())
        }
        _ => Err(Declined),
    }
}

impl<'a> ser::Serializer for At<'a> {
    type Ok = ();
    type Error = Declined;
    type SerializeSeq = Impossible<(), Declined>;
    type SerializeTuple = Impossible<(), Declined>;
    type SerializeTupleStruct = Impossible<(), Declined>;
    type SerializeTupleVariant = Impossible<(), Declined>;
    type SerializeMap = Fields<'a>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Impossible<(), Declined>;

    fn serialize_bool(self, v: bool) -> Result<(), Declined> {
        self.field(|out| out.extend_from_slice(if v { b"true" } else { b"false" }))
    }

    fn serialize_i8(self, v: i8) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_i16(self, v: i16) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_i32(self, v: i32) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_i64(self, v: i64) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_u8(self, v: u8) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_u16(self, v: u16) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_u32(self, v: u32) -> Result<(), Declined> {
        self.number(v)
    }

    fn serialize_u64(self, v: u64) -> Result<(), Declined> {
        self.number(v)
    }

    // 128-bit integers: the `Value` route keeps those that fit 64 bits and refuses the others;
    // it decides.
    fn serialize_i128(self, _: i128) -> Result<(), Declined> {
        Err(Declined)
    }

    fn serialize_u128(self, _: u128) -> Result<(), Declined> {
        Err(Declined)
    }

    /// As `serde_json::to_value` does: the `f32` widened to `f64`.
    fn serialize_f32(self, v: f32) -> Result<(), Declined> {
        self.serialize_f64(f64::from(v))
    }

    /// Non-finite numbers have no JSON form: `to_value` makes them `null`.
    fn serialize_f64(self, v: f64) -> Result<(), Declined> {
        if v.is_finite() {
            self.number(v)
        } else {
            self.null()
        }
    }

    fn serialize_char(self, v: char) -> Result<(), Declined> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Declined> {
        self.string(v)
    }

    /// An array of numbers in the `Value` route: a JSON column.
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Declined> {
        Err(Declined)
    }

    fn serialize_none(self) -> Result<(), Declined> {
        self.null()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Declined> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Declined> {
        self.null()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Declined> {
        self.null()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Declined> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Declined> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Declined> {
        Err(Declined)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Declined> {
        Err(Declined)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Declined> {
        Err(Declined)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Declined> {
        Err(Declined)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Declined> {
        Err(Declined)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'a>, Declined> {
        self.fields()
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Declined> {
        self.fields()
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Declined> {
        Err(Declined)
    }
}

impl<'a> At<'a> {
    /// An object: only at a node with fields below it (an object column is a JSON column).
    fn fields(self) -> Result<Fields<'a>, Declined> {
        match self.node {
            Node::Fields { fields, .. } => Ok(Fields {
                fields,
                scratch: self.scratch,
                key: None,
            }),
            Node::Columns(_) => Err(Declined),
        }
    }
}

/// The fields of an object on the columns' paths; fields on no path are skipped unserialized.
pub(crate) struct Fields<'a> {
    fields: &'a [(String, Node)],
    scratch: &'a mut Scratch,
    /// The node of the map key just given (`None`: skip its value).
    key: Option<&'a Node>,
}

impl<'a> Fields<'a> {
    fn find(&self, name: &str) -> Option<&'a Node> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, node)| node)
    }

    fn value<T: Serialize + ?Sized>(
        &mut self,
        node: Option<&Node>,
        value: &T,
    ) -> Result<(), Declined> {
        match node {
            Some(node) => value.serialize(At {
                node,
                scratch: self.scratch,
            }),
            None => Ok(()),
        }
    }
}

impl ser::SerializeStruct for Fields<'_> {
    type Ok = ();
    type Error = Declined;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Declined> {
        let node = self.find(key);
        self.value(node, value)
    }

    fn end(self) -> Result<(), Declined> {
        Ok(())
    }
}

impl ser::SerializeMap for Fields<'_> {
    type Ok = ();
    type Error = Declined;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Declined> {
        // Map keys are rare (`#[serde(flatten)]`) and short: built as a `Value`, a string key
        // is looked up and any other declines (the `Value` route turns some of them into
        // strings of its own making).
        match serde_json::to_value(key) {
            Ok(serde_json::Value::String(name)) => {
                self.key = self.find(&name);
                Ok(())
            }
            _ => Err(Declined),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Declined> {
        let node = self.key.take();
        self.value(node, value)
    }

    fn end(self) -> Result<(), Declined> {
        Ok(())
    }
}
