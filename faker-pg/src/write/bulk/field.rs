//! One CSV field as PostgreSQL's `COPY ... (FORMAT csv)` reads it, and the quoting inside a
//! quoted field: shared by the rows built from an aggregate's JSON state (`buffer`) and those
//! written straight from the aggregate (`direct`).

use std::borrow::Cow;
use std::io;

use faker_core::provider::JsonValue;

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
pub(crate) fn escape_in_place(out: &mut Vec<u8>, start: usize) {
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
pub(crate) fn unescape(bytes: &[u8]) -> Cow<'_, [u8]> {
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
pub(crate) struct Escaped<'a>(pub(crate) &'a mut Vec<u8>);

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
