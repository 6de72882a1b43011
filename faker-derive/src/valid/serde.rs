//! `#[serde(..)]` attributes the runtime cannot follow.
//!
//! The derive names every field by its serialized name (see [`crate::ast::Field::path`]), which
//! covers `rename` and `rename_all`. What it refuses, each at the attribute:
//!
//! - a serialized name that differs from the deserialized one (`rename(serialize = ..)` alone,
//!   or two different names or rules): the runtime exports a state and reads it back
//!   (mirrors, PostgreSQL rows, pinned values), so a field needs one name for both;
//! - `flatten`: the fields of the flattened value move up into this state under names only its
//!   own type knows, so paths to them cannot be computed here;
//! - `tag`, `transparent`, `into` on the struct: the state gets a key that is no field, loses
//!   its field names, or is another type's serialization;
//! - `skip`, `skip_serializing`, `skip_serializing_if`, `skip_deserializing` on a field the
//!   runtime itself reads by name: the id, a reference, an `auto_key`, a `composite`, a pooled
//!   value (`#[distributor(..)]` with parameters), the source of a `same(..)` and a field
//!   named by a `differ(..)`;
//! - two serialized fields under one name.
//!
//! `untagged` and `content` are not checked: serde refuses them on a struct itself.

use crate::Errors;
use crate::ast::{Field, Input};
use crate::attr::SourceKind;

pub fn check(input: &Input, errors: &mut Errors) {
    for reshaping in &input.serde.reshaping {
        let why = match reshaping.value {
            "tag" => {
                "adds a key to the exported state that is no field of the struct, so specifications, mirrors and table columns would name a value the derive does not populate"
            }
            "transparent" => {
                "makes the exported state the single field's value, without field names, so the runtime's paths (the id, references, specifications, columns) would find nothing"
            }
            _ => {
                "exports another type's serialization, whose field names this derive cannot see, so the runtime's paths would not match the state"
            }
        };
        let written = match reshaping.value {
            "transparent" => "transparent",
            "tag" => "tag = \"..\"",
            _ => "into = \"..\"",
        };
        errors.push(reshaping.at.error(format!(
            "#[serde({written})] cannot be used with #[derive(Provider)]: it {why}; remove it"
        )));
    }
    let mut rule_conflict = false;
    for (index, field) in input.fields.iter().enumerate() {
        if let Some(at) = &field.serde.flatten {
            errors.push(at.error(format!(
                "#[serde(flatten)] on `{}` cannot be used with #[derive(Provider)]: it moves the fields of `{}` up into this struct's state, under names only their own type knows, so the runtime could not find them by path; remove `flatten` (a part with fields of its own is a `#[provider(composite)]` field)",
                field.name, field.name
            )));
        }
        if let Some(deserialized) = &field.deserialized {
            match &field.serde.rename {
                Some(rename) => errors.push(rename.at.error(format!(
                    "`{}` is serialized as \"{}\" but deserialized from \"{deserialized}\": the runtime exports states and reads them back (mirrors, PostgreSQL rows, pinned values), so a field needs one name for both; write `rename = \"{}\"`",
                    field.name, field.path, field.path
                ))),
                None => rule_conflict = true,
            }
        }
        if let Some(why) = read_by_name(input, index, field) {
            for skip in &field.serde.skips {
                errors.push(skip.at.error(format!(
                    "#[serde({})] on `{}`: the runtime reads this field from the exported state by name ({why}), so it must always be serialized and deserialized; remove `{}`",
                    skip.value, field.name, skip.value
                )));
            }
        }
        let serialized = |f: &Field| {
            !f.serde
                .skips
                .iter()
                .any(|s| matches!(s.value, "skip" | "skip_serializing"))
        };
        if let Some(first) = input.fields[..index]
            .iter()
            .filter(|f| serialized(f))
            .find(|f| f.path == field.path && serialized(field))
        {
            let at = field
                .renamed_at
                .clone()
                .unwrap_or_else(|| crate::attr::At::of(&field.ident));
            errors.push(at.error(format!(
                "`{}` and `{}` are both serialized as \"{}\": the runtime finds a field by that name, so give each field its own",
                first.name, field.name, field.path
            )));
        }
    }
    if let (true, Some(rule)) = (rule_conflict, &input.serde.rename_all) {
        errors.push(rule.at.error(
            "`rename_all` gives the fields different names to serialize and to deserialize: the runtime exports states and reads them back (mirrors, PostgreSQL rows, pinned values), so a field needs one name for both; give one rule, `rename_all = \"..\"`",
        ));
    }
}

/// Why the runtime reads `field` by its name, if it does.
fn read_by_name(input: &Input, index: usize, field: &Field) -> Option<String> {
    if field.attrs.id.is_some() {
        return Some("it is the id field".to_string());
    }
    if field.reference.is_some() {
        return Some("it is a reference".to_string());
    }
    match field.attrs.source() {
        Some(SourceKind::AutoKey) => return Some("it is the auto_key field".to_string()),
        Some(SourceKind::Composite) => return Some("it is a composite field".to_string()),
        Some(SourceKind::Collection) => {
            return Some(
                "it is a collection (its elements are stored from the exported state)".to_string(),
            );
        }
        _ => {}
    }
    if field
        .distributor
        .as_ref()
        .is_some_and(|d| d.has_parameters())
    {
        return Some("it is a pooled value of #[distributor(..)]".to_string());
    }
    let names =
        |path: &crate::attr::DottedPath| crate::ast::field_name(&path.segments[0]) == field.name;
    let later = || input.fields[index + 1..].iter();
    if let Some(f) = later().find(|f| {
        f.reference
            .as_ref()
            .is_some_and(|r| r.same.iter().any(|s| names(&s.source)))
    }) {
        return Some(format!("it is the source of a `same(..)` on `{}`", f.name));
    }
    later()
        .find(|f| {
            f.reference
                .as_ref()
                .is_some_and(|r| r.differ.iter().any(names))
        })
        .map(|f| format!("it is named by a `differ(..)` on `{}`", f.name))
}
