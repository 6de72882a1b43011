//! `#[provider(column = "..")]`: the one table column that holds a field. A field made of
//! several columns (a composite, a collection's child table) or not serialized at all has no
//! one column to name.

use crate::Errors;
use crate::ast::Input;
use crate::attr::SourceKind;

/// Checks the `column = ".."` of the field at `index`.
pub fn check(input: &Input, index: usize, errors: &mut Errors) {
    let field = &input.fields[index];
    let Some(column) = &field.attrs.column else {
        return;
    };
    let name = column.value.value();
    let refused = if name.is_empty() {
        Some("`column` names a column: give it a name, `column = \"book_title\"`".to_owned())
    } else if field
        .serde
        .skips
        .iter()
        .any(|s| matches!(s.value, "skip" | "skip_serializing"))
    {
        Some(format!(
            "`{}` is not serialized, so no column holds it: remove `column = \"{name}\"`",
            field.name
        ))
    } else {
        match field.attrs.source() {
            Some(SourceKind::Composite) => Some(format!(
                "`{}` is a composite, one column per field of it: put `column = ..` on the fields of its type instead",
                field.name
            )),
            Some(SourceKind::Collection) => Some(format!(
                "`{}` is a collection, whose elements go to a child table: name that table's columns in its `ElementTable`, not here",
                field.name
            )),
            _ => None,
        }
    };
    if let Some(message) = refused {
        errors.push(column.at.error(message));
        return;
    }
    if let Some(first) = input.fields[..index].iter().find(|f| {
        f.attrs
            .column
            .as_ref()
            .is_some_and(|c| c.value.value() == name)
    }) {
        errors.push(column.at.error(format!(
            "`{}` and `{}` both name column \"{name}\": give each field its own",
            first.name, field.name
        )));
    }
}
