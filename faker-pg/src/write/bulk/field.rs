//! One CSV field as PostgreSQL's `COPY ... (FORMAT csv)` reads it, and the quoting inside a
//! quoted field: shared by the rows built from an aggregate's JSON state (`buffer`) and those
//! written straight from the aggregate (`direct`).

use std::borrow::Cow;

use faker_core::provider::JsonValue;
use serde::Serialize;

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
            push_json_escaped(out, value)?;
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

/// Appends `value` as JSON escaped as the inside of a quoted CSV field: written whole, then
/// escaped in one pass (a writer that escaped each of `serde_json`'s small writes was a third
/// of the cost of a bulk row). On an error what was appended is left for the caller to take
/// back.
pub(crate) fn push_json_escaped(
    out: &mut Vec<u8>,
    value: &impl Serialize,
) -> Result<(), serde_json::Error> {
    let start = out.len();
    serde_json::to_writer(&mut *out, value)?;
    escape_in_place(out, start);
    Ok(())
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{escape_in_place, escape_into};

    proptest! {
        /// Escaping in place gives what escaping into a buffer gives, and leaves the bytes
        /// before `start` alone.
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
