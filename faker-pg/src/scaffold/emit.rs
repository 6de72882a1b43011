//! Writes the crate of a [`SchemaModel`]: `Cargo.toml`, `src/main.rs` (arguments, connection,
//! schema creation, the fill in creation order, the configured-vs-achieved report),
//! `src/domain.rs` (one aggregate per table), `src/tables.rs` (DDL and column mappings) and
//! `src/values.rs` (the few helpers the fields call).
//!
//! The text is written the way a person would write it — one struct per table, one attribute
//! per field, a comment saying where each figure comes from — since users take it over and
//! edit it; `cargo fmt` leaves it unchanged.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::model::{
    ColumnModel, Key, LiteralKind, ReferenceModel, SchemaModel, Source, TableModel, TextShape,
};
use super::naming::{field_name, static_name, string_literal, type_name};
use crate::ident::Ident;
use crate::profiler::histogram::ValueKind;
use crate::profiler::suggest::{attribute_with_top, significant};

/// How the written crate depends on `ddd-faker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    /// A version requirement (`0.1`).
    Version(String),
    /// A local checkout (the directory holding ddd-faker's `Cargo.toml`).
    Path(PathBuf),
}

/// What the written crate is called and depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateOptions {
    /// The package name (`chinook-faker`).
    pub name: String,
    pub dependency: Dependency,
}

/// One file of the crate: its path relative to the crate's directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateFile {
    pub path: PathBuf,
    pub contents: String,
}

/// The files of the crate for `model`.
pub fn files(model: &SchemaModel, options: &CrateOptions) -> Vec<CrateFile> {
    let file = |path: &str, contents: String| CrateFile {
        path: PathBuf::from(path),
        contents,
    };
    vec![
        file("Cargo.toml", cargo_toml(model, options)),
        file("src/main.rs", main_rs(model, options)),
        file("src/domain.rs", domain_rs(model)),
        file("src/tables.rs", tables_rs(model)),
        file("src/values.rs", VALUES_RS.to_owned()),
    ]
}

fn cargo_toml(model: &SchemaModel, options: &CrateOptions) -> String {
    let dependency = match &options.dependency {
        Dependency::Version(v) => format!("version = {}", string_literal(v)),
        Dependency::Path(p) => format!("path = {}", string_literal(&p.display().to_string())),
    };
    format!(
        r#"[package]
name = {name}
version = "0.1.0"
edition = "2024"
publish = false
description = "Fills a PostgreSQL database like schema {schema}, with production's distributions"

# A crate of its own, also when written inside another workspace.
[workspace]

[dependencies]
ddd-faker = {{ {dependency}, features = ["pg", "chrono"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["rt-multi-thread", "macros"] }}

[profile.release]
debug = "line-tables-only"
"#,
        name = string_literal(&options.name),
        schema = model.schema.as_str(),
    )
}

/// The Rust type of a column's field (without `Option`).
fn rust_type(table: &TableModel, column: &ColumnModel, uses: &mut BTreeSet<String>) -> String {
    match &column.source {
        Source::Identity | Source::NaturalKey(_) => format!("{}Id", type_name(table.name.as_str())),
        Source::Reference(r) => format!("{}Id", type_name(r.table.as_str())),
        Source::OneOf { literal, .. } => match literal {
            LiteralKind::Integer => "i64".to_owned(),
            LiteralKind::Float => "f64".to_owned(),
            LiteralKind::Boolean => "bool".to_owned(),
            LiteralKind::Text => "String".to_owned(),
        },
        Source::Quantiles { kind, .. } => match kind {
            ValueKind::Integer => "i64".to_owned(),
            ValueKind::Float | ValueKind::Numeric => "f64".to_owned(),
            ValueKind::Date => {
                uses.insert("use ddd_faker::chrono::NaiveDate;".to_owned());
                "NaiveDate".to_owned()
            }
            ValueKind::Timestamp => {
                uses.insert("use ddd_faker::chrono::NaiveDateTime;".to_owned());
                "NaiveDateTime".to_owned()
            }
            ValueKind::TimestampTz => {
                uses.insert("use ddd_faker::chrono::{DateTime, Utc};".to_owned());
                "DateTime<Utc>".to_owned()
            }
        },
        Source::Text { .. } | Source::Constant { .. } | Source::Null => "String".to_owned(),
    }
}

/// The `fake` faker for a text column, chosen by its name (the module path under
/// `ddd_faker::fake::faker`, the faker, and whether it needs a range argument).
fn faker_for(column: &str) -> (&'static str, &'static str) {
    let c = column.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
    if has(&["email", "mail"]) {
        ("internet::en::SafeEmail", "SafeEmail()")
    } else if has(&["first_name", "firstname", "given_name", "forename"]) {
        ("name::en::FirstName", "FirstName()")
    } else if has(&["last_name", "lastname", "surname", "family_name"]) {
        ("name::en::LastName", "LastName()")
    } else if has(&[
        "company",
        "organization",
        "organisation",
        "employer",
        "airline",
        "carrier",
    ]) {
        ("company::en::CompanyName", "CompanyName()")
    } else if has(&["phone", "fax", "mobile", "tel"]) {
        ("phone_number::en::PhoneNumber", "PhoneNumber()")
    } else if has(&["city", "town"]) {
        ("address::en::CityName", "CityName()")
    } else if has(&["country"]) {
        ("address::en::CountryName", "CountryName()")
    } else if has(&["state", "province", "region"]) {
        ("address::en::StateName", "StateName()")
    } else if has(&["postal", "zip", "postcode"]) {
        ("address::en::ZipCode", "ZipCode()")
    } else if has(&["address", "street"]) {
        ("address::en::StreetName", "StreetName()")
    } else if has(&["user", "login"]) {
        ("internet::en::Username", "Username()")
    } else if has(&[
        "description",
        "comment",
        "note",
        "body",
        "content",
        "text",
        "bio",
    ]) {
        ("lorem::en::Paragraph", "Paragraph(1..3)")
    } else if has(&["name", "composer", "author", "artist", "manager", "contact"]) {
        ("name::en::Name", "Name()")
    } else {
        ("lorem::en::Sentence", "Sentence(1..4)")
    }
}

/// The attributes and type of one field.
struct Field {
    attributes: Vec<String>,
    name: String,
    ty: String,
    /// A `static` the field's closure reads (a histogram with nulls).
    statics: Vec<String>,
}

fn field(table: &TableModel, column: &ColumnModel, uses: &mut BTreeSet<String>) -> Field {
    let name = field_name(column.name.as_str());
    let mut ty = rust_type(table, column, uses);
    let mut attributes = Vec::new();
    let mut statics = Vec::new();
    if name != column.name.as_str() {
        attributes.push(format!(
            "#[serde(rename = {})]",
            string_literal(column.name.as_str())
        ));
    }
    let optional =
        column.optional() && !matches!(column.source, Source::Identity | Source::NaturalKey(_));
    let null = significant(column.null_share, 3);
    // Wraps a value expression (using `rng`) so that production's share of nulls is kept,
    // spread over the rows by `position` with a phase of this column's own.
    let phase = phase(table.name.as_str(), column.name.as_str());
    let nullable = |expr: String| -> String {
        if optional {
            format!("values::or_null(rng, position, ({null}, {phase}), |rng| {expr})")
        } else {
            expr
        }
    };
    // `, follows(owner)` inside a value's #[provider(..)]: the reference that decides it.
    let follows = column.follows.as_ref().map_or_else(String::new, |s| {
        format!(", follows({})", field_name(s.as_str()))
    });
    match &column.source {
        Source::Identity => attributes.push("#[provider(id, auto_key)]".to_owned()),
        Source::NaturalKey(shape) => {
            let value = natural_key(column, shape);
            attributes.push(format!(
                "#[provider(id, with = |_, position| {ty}({value}))]"
            ));
        }
        Source::Reference(r) => {
            attributes.push(reference_attribute(r, column.follows.as_ref()));
            if let Some(d) = &r.distributor {
                let mut null_weight = d.null_weight;
                if r.table == table.name && table.rows > 0 {
                    // The first row is created with its reference pinned to null (see `fill`
                    // in main.rs), which spends one of the planned nulls: the plan needs at
                    // least that one.
                    null_weight = null_weight.max(1.0 / table.rows as f64);
                }
                let mut distributor = attribute_with_top(&d.law, d.mean, null_weight, &d.top);
                if ordered(table, column) {
                    distributor.insert_str(distributor.len() - 2, ", ordered");
                    attributes.insert(0, order_note(column));
                }
                attributes.push(distributor);
            }
            if let Some(inclusion) = &r.inferred_note() {
                attributes.insert(0, inclusion.clone());
            }
        }
        Source::OneOf {
            values,
            weights,
            literal,
        } => {
            let mut literals: Vec<String> =
                values.iter().map(|v| value_literal(v, *literal)).collect();
            if weights.len() > literals.len() {
                literals.push("None".to_owned());
            }
            let weights: Vec<String> = weights.iter().map(|w| significant(*w, 3)).collect();
            attributes.push(format!(
                "#[provider(one_of = [{}], weights = [{}]{follows})]",
                literals.join(", "),
                weights.join(", ")
            ));
        }
        Source::Quantiles { kind, bounds, .. } => {
            let quoted = matches!(
                kind,
                ValueKind::Date | ValueKind::Timestamp | ValueKind::TimestampTz
            );
            if optional {
                let name = static_name(table.name.as_str(), column.name.as_str());
                let list: Vec<String> = bounds.iter().map(|b| string_literal(b)).collect();
                uses.insert("use std::sync::LazyLock;".to_owned());
                uses.insert("use ddd_faker::Quantiles;".to_owned());
                statics.push(format!(
                    "/// Production's histogram of `{table}.{column}` (the column has nulls, so the\n\
                     /// field draws from it in a closure; without nulls `quantiles = [..]` would).\n\
                     static {name}: LazyLock<Quantiles<{ty}>> = LazyLock::new(|| {{\n    \
                     values::histogram(\n        \"{table}.{column}\",\n        &[{list}],\n    )\n}});",
                    table = table.name.as_str(),
                    column = column.name.as_str(),
                    list = list.join(", "),
                ));
                if column.in_order() {
                    attributes.push(format!(
                        "// Production keeps the rows in order of this column (correlation {:.3}); \
                         with nulls it is drawn at random (`ordered` needs `quantiles = [..]`).",
                        column.correlation.unwrap_or_default()
                    ));
                }
                attributes.push(format!(
                    "#[provider(with = |rng, position| {}{follows})]",
                    nullable(format!("{name}.sample(rng)"))
                ));
            } else {
                let list: Vec<String> = bounds
                    .iter()
                    .map(|b| if quoted { string_literal(b) } else { b.clone() })
                    .collect();
                let order = if ordered(table, column) {
                    attributes.push(order_note(column));
                    ", ordered"
                } else {
                    ""
                };
                attributes.push(format!(
                    "#[provider(quantiles = [{}]{order}{follows})]",
                    list.join(", ")
                ));
            }
        }
        Source::Text { shape } => {
            let (path, faker) = faker_for(column.name.as_str());
            uses.insert("use ddd_faker::fake::Fake;".to_owned());
            uses.insert(path_use(path));
            let mut expr = format!("{faker}.fake_with_rng::<String, _>(rng)");
            if let Some(lengths) = &shape.lengths {
                // Production's lengths: rows as wide as production's.
                let name = format!(
                    "{}_LENGTH",
                    static_name(table.name.as_str(), column.name.as_str())
                );
                let list: Vec<String> = lengths.iter().map(|n| format!("\"{n}\"")).collect();
                uses.insert("use std::sync::LazyLock;".to_owned());
                uses.insert("use ddd_faker::Quantiles;".to_owned());
                statics.push(format!(
                    "/// Production's lengths of `{table}.{column}` in characters, at the percentiles.\n\
                     static {name}: LazyLock<Quantiles<i64>> = LazyLock::new(|| {{\n    \
                     values::histogram(\"{table}.{column} (length)\", &[{list}])\n}});",
                    table = table.name.as_str(),
                    column = column.name.as_str(),
                    list = list.join(", "),
                ));
                // A unique value's suffix (its position) counts in its length.
                let reserve = if shape.unique {
                    "values::suffix_len(position)"
                } else {
                    "0"
                };
                expr = format!("values::sized(rng, &{name}, {reserve}, |rng| {expr})");
            }
            if shape.unique {
                let max = shape
                    .max_len
                    .map_or("None".to_owned(), |n| format!("Some({n})"));
                expr = format!("values::unique({expr}, position, {max})");
            } else if let Some(n) = shape.max_len {
                expr = format!("values::fit({expr}, {n})");
            }
            match shape.uses.filter(|_| column.follows.is_none()) {
                // Values repeat: a pool of generated values, production's rows per value
                // (nulls from the pool's null weight).
                Some(mean) => {
                    attributes.push(format!("#[provider(with = |rng, _| {expr})]"));
                    let mut distributor = format!("#[distributor(mean = {}", significant(mean, 3));
                    if optional {
                        distributor.push_str(&format!(", null_weight = {null}"));
                    }
                    distributor.push_str(")]");
                    attributes.push(distributor);
                }
                None => {
                    let position = if shape.unique || optional {
                        "position"
                    } else {
                        "_"
                    };
                    attributes.push(format!(
                        "#[provider(with = |rng, {position}| {}{follows})]",
                        nullable(expr)
                    ));
                }
            }
        }
        Source::Constant { text } => {
            attributes.push(format!(
                "// A value of production's: the scaffold has no generator for {}.",
                column.sql_type
            ));
            let (rng, position) = if optional {
                ("rng", "position")
            } else {
                ("_", "_")
            };
            attributes.push(format!(
                "#[provider(with = |{rng}, {position}| {})]",
                nullable(format!("{}.to_owned()", string_literal(text)))
            ));
        }
        Source::Null => {
            attributes.push("// Always null in production.".to_owned());
            attributes.push("#[provider(default)]".to_owned());
        }
    }
    if optional || matches!(column.source, Source::Null) {
        ty = format!("Option<{ty}>");
    }
    Field {
        attributes,
        name,
        ty,
        statics,
    }
}

/// Whether the field is generated `ordered`: production keeps its rows in the column's order
/// ([`ColumnModel::in_order`]) and no other law decides the column's draws (a joint member's
/// combinations are drawn together; a follower takes its source's value).
fn ordered(table: &TableModel, column: &ColumnModel) -> bool {
    let key_joint = matches!(&table.key, Key::References { columns } if columns.len() > 1);
    column.in_order()
        && column.follows.is_none()
        && !(key_joint && table.in_key(&column.name))
        && !table
            .joints
            .iter()
            .any(|j| j.columns.contains(&column.name))
}

/// `, ordered` for a joint law over `columns` (in declaration order) whose first member is in
/// production's physical order (the rows then follow it; see `#[joint(.., ordered)]`), with a
/// doc line saying so written to `body`; `""` otherwise.
fn joint_order(table: &TableModel, columns: &[Ident], body: &mut String) -> &'static str {
    match columns.first().and_then(|c| table.column(c)) {
        Some(first) if first.in_order() => {
            let _ = writeln!(
                body,
                "/// `ordered`: production's rows follow `{}` (correlation {:.3}).",
                first.name.as_str(),
                first.correlation.unwrap_or_default()
            );
            ", ordered"
        }
        _ => "",
    }
}

/// The comment above an `ordered` field.
fn order_note(column: &ColumnModel) -> String {
    format!(
        "// Production's rows are in the order of this column (correlation {:.3}): `ordered` \
         keeps it, and with it the plans of index scans over it.",
        column.correlation.unwrap_or_default()
    )
}

impl ReferenceModel {
    /// A comment for a reference found in the data.
    fn inferred_note(&self) -> Option<String> {
        let inclusion = self.inclusion?;
        Some(format!(
            "// No foreign key declares it: {:.1}% of production's values are keys of {} \
             ({} dangling); every generated one is.",
            inclusion.share() * 100.0,
            self.table.as_str(),
            inclusion.dangling()
        ))
    }
}

/// A phase in `[0, 1)` of the column's own (FNV-1a of its name), so that two columns with
/// the same null share are not null on the same rows.
fn phase(table: &str, column: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in table.bytes().chain([b'.']).chain(column.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:.3}", (hash % 1000) as f64 / 1000.0)
}

fn path_use(path: &str) -> String {
    format!("use ddd_faker::fake::faker::{path};")
}

fn reference_attribute(r: &ReferenceModel, follows: Option<&Ident>) -> String {
    let mut parts = vec![type_name(r.table.as_str())];
    for (in_reference, source) in &r.same {
        parts.push(format!(
            "same({} = {})",
            in_reference.as_str(),
            field_name(source.as_str())
        ));
    }
    if !r.differ.is_empty() {
        let names: Vec<String> = r.differ.iter().map(|c| field_name(c.as_str())).collect();
        parts.push(format!("differ({})", names.join(", ")));
    }
    if let Some(source) = follows {
        parts.push(format!("follows({})", field_name(source.as_str())));
    }
    format!("#[reference({})]", parts.join(", "))
}

/// The unique value of a natural key at `position`.
fn natural_key(column: &ColumnModel, shape: &TextShape) -> String {
    let base = column
        .sql_type
        .split('(')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    match (base.as_str(), shape.max_len) {
        ("character" | "character varying", Some(n)) if n <= 12 => {
            format!("values::code(position, {n})")
        }
        ("text" | "character varying" | "character", max) => {
            let max = max.map_or("None".to_owned(), |n| format!("Some({n})"));
            format!(
                "values::unique({}.to_owned(), position, {max})",
                string_literal(column.name.as_str())
            )
        }
        ("uuid", _) => "values::uuid(position)".to_owned(),
        _ => "(position + 1).to_string()".to_owned(),
    }
}

/// A value (as PostgreSQL writes it) as a literal of the field's type.
fn value_literal(value: &str, kind: LiteralKind) -> String {
    let number = value.parse::<f64>().is_ok_and(f64::is_finite);
    match kind {
        LiteralKind::Integer if number => value.to_owned(),
        LiteralKind::Float if number => {
            if value.contains(['.', 'e', 'E']) {
                value.to_owned()
            } else {
                format!("{value}.0")
            }
        }
        LiteralKind::Boolean => match value {
            "true" | "t" => "true".to_owned(),
            _ => "false".to_owned(),
        },
        _ => string_literal(value),
    }
}

fn doc_rows(rows: u64) -> String {
    let digits = rows.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The fields of a table's aggregate (the columns outside an id of references) in column
/// order, except that a column that follows a later column comes right after it (fields
/// are populated in declaration order).
fn field_order(table: &TableModel) -> Vec<&ColumnModel> {
    let follows = |c: &ColumnModel| c.follows.clone();
    let columns: Vec<&ColumnModel> = table
        .columns
        .iter()
        .filter(|c| !table.in_key(&c.name))
        .collect();
    let position = |name: &crate::ident::Ident| columns.iter().position(|c| c.name == *name);
    let deferred = |c: &ColumnModel| follows(c).is_some_and(|s| position(&s) > position(&c.name));
    let mut out = Vec::with_capacity(columns.len());
    for &column in &columns {
        if deferred(column) {
            continue;
        }
        out.push(column);
        out.extend(
            columns
                .iter()
                .copied()
                .filter(|c| deferred(c) && follows(c).as_ref() == Some(&column.name)),
        );
    }
    out
}

fn domain_rs(model: &SchemaModel) -> String {
    let mut uses: BTreeSet<String> = BTreeSet::new();
    let mut body = String::new();
    let mut statics = Vec::new();
    for table in &model.tables {
        let ty = type_name(table.name.as_str());
        match &table.key {
            Key::Identity { column } => {
                let _ = writeln!(
                    body,
                    "/// The key of `{}` (column `{}`), assigned by the database.\n\
                     #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]\n\
                     pub struct {ty}Id(pub i64);\n",
                    table.name.as_str(),
                    column.as_str()
                );
            }
            Key::Natural { column } => {
                let _ = writeln!(
                    body,
                    "/// The key of `{}` (column `{}`).\n\
                     #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]\n\
                     pub struct {ty}Id(pub String);\n",
                    table.name.as_str(),
                    column.as_str()
                );
            }
            Key::References { columns } => {
                let list: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
                let _ = writeln!(
                    body,
                    "/// The key of `{}`: one row per ({}). A combination drawn again is the\n\
                     /// stored row, not a second one.\n\
                     #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]\n\
                     #[provider(value)]",
                    table.name.as_str(),
                    list.join(", ")
                );
                if columns.len() > 1 {
                    // Production's keys are distinct combinations: one law over them that
                    // uses each combination once.
                    let members: Vec<String> =
                        columns.iter().map(|c| field_name(c.as_str())).collect();
                    let ordered = joint_order(table, columns, &mut body);
                    let _ = writeln!(body, "#[joint({}, mean = 1{ordered})]", members.join(", "));
                }

                let _ = writeln!(body, "pub struct {ty}Key {{");
                for column in table.columns.iter().filter(|c| table.in_key(&c.name)) {
                    let f = field(table, column, &mut uses);
                    for a in &f.attributes {
                        let _ = writeln!(body, "    {a}");
                    }
                    let _ = writeln!(body, "    pub {}: {},", f.name, f.ty);
                }
                let _ = writeln!(body, "}}\n");
            }
            Key::RowNumber => {}
        }
        let _ = writeln!(
            body,
            "/// A row of `{}`: {} rows in production.",
            table.name.as_str(),
            doc_rows(table.rows)
        );
        for joint in &table.joints {
            let _ = writeln!(body, "///\n/// Joint law, measured: {}.", joint.reason);
        }
        let _ = writeln!(
            body,
            "#[derive(Debug, Clone, Serialize, Deserialize, Provider)]\n#[provider(table = {})]",
            string_literal(table.name.as_str())
        );
        for joint in table
            .joints
            .iter()
            .filter(|j| j.columns.iter().all(|c| !table.in_key(c)))
        {
            let members: Vec<String> = joint
                .columns
                .iter()
                .map(|c| field_name(c.as_str()))
                .collect();
            let ordered = joint_order(table, &joint.columns, &mut body);
            let _ = writeln!(
                body,
                "#[joint({}, {}{ordered})]",
                members.join(", "),
                joint.law
            );
        }
        let _ = writeln!(body, "pub struct {ty} {{");
        if matches!(table.key, Key::References { .. }) {
            let _ = writeln!(
                body,
                "    #[provider(id, composite)]\n    pub {}: {ty}Key,",
                table.key_field()
            );
        }
        if table.key == Key::RowNumber {
            let _ = writeln!(
                body,
                "    /// A row number of the generator's own: the table has no one-column key.\n    \
                 #[provider(id, sequence)]\n    pub row: u64,"
            );
        }
        for column in field_order(table) {
            let f = field(table, column, &mut uses);
            for a in &f.attributes {
                let _ = writeln!(body, "    {a}");
            }
            let _ = writeln!(body, "    pub {}: {},", f.name, f.ty);
            statics.extend(f.statics);
        }
        let _ = writeln!(body, "}}\n");
    }
    let mut out = format!(
        "//! The aggregates of schema `{schema}`, one per table, written by `faker-pg scaffold` from\n\
         //! production's statistics: each reference's `#[distributor(..)]`, each value list's\n\
         //! weights, each histogram's bounds were measured on production (`faker-pg profile`\n\
         //! prints the same figures with the reasons).\n\
         //!\n\
         //! This is a starting point, meant to be edited: the structs are built field by field,\n\
         //! as a row is; your application's aggregates are built by its domain code. Replace a\n\
         //! struct by your own type, or give it `#[provider(constructor = ..)]` (or `factory`) to\n\
         //! call that code, so that every generated aggregate is one your application accepts.\n\
         //! Then `faker-pg compare` tells whether the distributions still hold.\n",
        schema = model.schema.as_str()
    );
    if !model.notes.is_empty() {
        out.push_str("//!\n//! What the scaffold could not model:\n//!\n");
        for note in &model.notes {
            let _ = writeln!(out, "//! * {note}");
        }
    }
    out.push('\n');
    uses.insert("use ddd_faker::Provider;".to_owned());
    uses.insert("use serde::{Deserialize, Serialize};".to_owned());
    let (std_uses, other): (Vec<&String>, Vec<&String>) =
        uses.iter().partition(|u| u.starts_with("use std"));
    for u in &std_uses {
        let _ = writeln!(out, "{u}");
    }
    if !std_uses.is_empty() {
        out.push('\n');
    }
    for u in &other {
        let _ = writeln!(out, "{u}");
    }
    out.push('\n');
    let uses_values = body.contains("values::") || statics.iter().any(|s| s.contains("values::"));
    if uses_values {
        out.push_str("use crate::values;\n\n");
    }
    out.push_str(&body);
    for s in statics {
        let _ = writeln!(out, "{s}\n");
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn tables_rs(model: &SchemaModel) -> String {
    let mut defs = String::new();
    let mut keys = String::new();
    let mut registers = String::new();
    for table in &model.tables {
        let mut columns = Vec::new();
        for c in &table.columns {
            let mut ddl = format!("{} {}", c.name.quoted(), c.ddl_type);
            match &c.source {
                Source::Identity => ddl.push_str(" GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
                Source::NaturalKey(_) => ddl.push_str(" PRIMARY KEY"),
                _ if c.not_null => ddl.push_str(" NOT NULL"),
                _ => {}
            }
            columns.push(ddl);
            if let Source::Reference(r) = &c.source {
                let target = model.tables.iter().find(|t| t.name == r.table);
                let key = target.and_then(|t| match &t.key {
                    Key::Identity { column } | Key::Natural { column } => Some(column.clone()),
                    Key::References { .. } | Key::RowNumber => None,
                });
                if let Some(key) = key {
                    let clause = format!(
                        "ALTER TABLE {{schema}}.{} ADD FOREIGN KEY ({}) REFERENCES {{schema}}.{} ({})",
                        table.name.quoted(),
                        c.name.quoted(),
                        r.table.quoted(),
                        key.quoted()
                    );
                    if r.declared {
                        let _ = writeln!(keys, "    {},", string_literal(&clause));
                    } else {
                        let _ = writeln!(
                            keys,
                            "    // Found in the data, not declared in production: every generated value holds.\n    \
                             // {},",
                            string_literal(&clause)
                        );
                    }
                }
            }
        }
        if let Key::References { columns: key } = &table.key {
            let list: Vec<String> = key.iter().map(|c| c.quoted()).collect();
            columns.push(format!("PRIMARY KEY ({})", list.join(", ")));
        }
        let create = format!(
            "CREATE TABLE {{schema}}.{} ({})",
            table.name.quoted(),
            columns.join(", ")
        );
        let _ = writeln!(
            defs,
            "    TableDef {{\n        name: {},\n        rows: {},\n        create: {},\n    }},",
            string_literal(table.name.as_str()),
            table.rows,
            string_literal(&create)
        );
        let ty = type_name(table.name.as_str());
        let mut mapping = format!(
            "Table::new(Some(schema), {})?",
            string_literal(table.name.as_str())
        );
        for c in &table.columns {
            let name = string_literal(c.name.as_str());
            if matches!(c.source, Source::Identity) {
                let _ = write!(mapping, "\n        .auto_key({name}, {name})?");
            } else if table.in_key(&c.name) {
                let path = string_literal(&format!("{}.{}", table.key_field(), c.name.as_str()));
                let _ = write!(mapping, "\n        .column({name}, {path})?");
            } else {
                let _ = write!(mapping, "\n        .column({name}, {name})?");
            }
        }
        let _ = writeln!(
            registers,
            "    let table = {mapping};\n    register::<{ty}>(faker, writer, table).await?;"
        );
    }
    format!(
        r#"//! The target schema: the tables of production's schema `{schema}` with their columns, types and
//! keys, and the mapping of each aggregate's fields to its table's columns for the bulk writer.
//! The crate fills a fresh schema in one process, so it needs no mirror of faker's own: the
//! generator keeps what its draws read in memory, and the rare read of a stored row reads the
//! table itself.

use ddd_faker::pg::Ident;
use ddd_faker::pg::sqlx::{{AssertSqlSafe, PgPool}};
use ddd_faker::pg::write::bulk::BulkWriter;
use ddd_faker::pg::write::Table;
use ddd_faker::provider::{{Faker, Provider}};
use serde::de::DeserializeOwned;

use crate::Error;
use crate::domain::*;

/// A table: its name, its rows in production, and its `CREATE TABLE` (`{{schema}}` stands for
/// the target schema).
pub struct TableDef {{
    pub name: &'static str,
    pub rows: u64,
    pub create: &'static str,
}}

/// Every table, referenced tables first (the order they are created and filled in).
pub const TABLES: &[TableDef] = &[
{defs}];

/// The foreign keys, added once every table exists.
const FOREIGN_KEYS: &[&str] = &[
{keys}];

/// Creates `schema` with every table and its foreign keys. Refuses a schema
/// that exists, unless `replace` (then it is dropped first, with everything in it).
pub async fn create_schema(pool: &PgPool, schema: &str, replace: bool) -> Result<(), Error> {{
    let quoted = Ident::new(schema)?.quoted();
    let exists: bool = ddd_faker::pg::sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
    )
    .bind(schema)
    .fetch_one(pool)
    .await?;
    if exists && !replace {{
        return Err(format!(
            "schema {{schema}} exists already: choose another with --schema, or drop it and \
             everything in it with --replace"
        )
        .into());
    }}
    let mut tx = pool.begin().await?;
    ddd_faker::pg::sqlx::query("SET LOCAL client_min_messages = warning")
        .execute(&mut *tx)
        .await?;
    let mut statements = vec![
        format!("DROP SCHEMA IF EXISTS {{quoted}} CASCADE"),
        format!("CREATE SCHEMA {{quoted}}"),
    ];
    statements.extend(TABLES.iter().map(|t| t.create.replace("{{schema}}", &quoted)));
    statements.extend(FOREIGN_KEYS.iter().map(|k| k.replace("{{schema}}", &quoted)));
    for sql in statements {{
        ddd_faker::pg::sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }}
    tx.commit().await?;
    Ok(())
}}

/// Gives every aggregate type its bulk repository: rows go to its table in `COPY` batches
/// (without a mirror: see the module docs).
pub async fn attach(faker: &mut Faker, writer: &BulkWriter, schema: &str) -> Result<(), Error> {{
{registers}    Ok(())
}}

async fn register<A>(faker: &mut Faker, writer: &BulkWriter, table: Table) -> Result<(), Error>
where
    A: Provider + DeserializeOwned,
{{
    let repository = writer.repository::<A>(table, None).await?;
    faker.set_repository::<A>(repository)?;
    Ok(())
}}
"#,
        schema = model.schema.as_str(),
    )
}

fn main_rs(model: &SchemaModel, options: &CrateOptions) -> String {
    let mut fill = String::new();
    for table in &model.tables {
        let ty = type_name(table.name.as_str());
        let name = string_literal(table.name.as_str());
        let _ = writeln!(fill, "    let started = Instant::now();");
        match table.self_reference() {
            Some(column) if column.optional() => {
                let _ = writeln!(
                    fill,
                    "    // The first row references no other row of its own table: the others\n    \
                     // then find one in the pool (a draw on an empty pool would create a row,\n    \
                     // which would draw its own reference, and so on). Planned for all rows\n    \
                     // first, so that the first one takes its share of every value list.\n    \
                     let rows = scaled({name}, scale);\n    \
                     if rows > 0 {{\n        \
                     faker.plan::<{ty}>(rows)?;\n        \
                     faker\n            .create_matching::<{ty}>(json!({{ {}: null }}))\n            .await?;\n        \
                     for _ in 1..rows {{\n            \
                     faker.create::<{ty}>().await?;\n        \
                     }}\n    \
                     }}",
                    string_literal(column.name.as_str())
                );
            }
            _ if matches!(table.key, Key::References { .. }) => {
                let _ = writeln!(
                    fill,
                    "    create_distinct::<{ty}>(faker, scaled({name}, scale)).await?;"
                );
            }
            _ => {
                let _ = writeln!(
                    fill,
                    "    faker.create_many::<{ty}>(scaled({name}, scale)).await?;"
                );
            }
        }
        let _ = writeln!(fill, "    progress({name}, started);");
    }
    let json_use = if model
        .tables
        .iter()
        .any(|t| t.self_reference().is_some_and(ColumnModel::optional))
    {
        "use serde_json::json;\n"
    } else {
        ""
    };
    format!(
        r#"//! Fills a PostgreSQL database like production's schema `{schema}`: the same tables, keys and
//! row counts (times `--scale`), with the distributions measured on production. Written by
//! `faker-pg scaffold`; see `domain.rs` for what to edit next.
//!
//! ```text
//! cargo run --release -- --database-url postgres://user@host/db [--schema {schema}] [--scale 1]
//!                        [--seed 1] [--replace]
//! ```
//!
//! Then compare with production:
//! `faker-pg compare --source PRODUCTION_URL --target TARGET_URL --schema {schema}`.

mod domain;
mod tables;
mod values;

use std::process::ExitCode;
use std::time::Instant;

use ddd_faker::pg::Ident;
use ddd_faker::pg::sqlx::AssertSqlSafe;
use ddd_faker::pg::sqlx::postgres::PgPoolOptions;
use ddd_faker::pg::write::bulk::{{BulkOptions, BulkWriter}};
use ddd_faker::provider::{{Faker, Provider}};
{json_use}
use crate::domain::*;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "\
usage: {name} --database-url URL [--schema NAME] [--scale F] [--seed N] [--replace]

  --database-url URL  the database to fill (default: $DATABASE_URL)
  --schema NAME       the schema to create there (default: {schema})
  --scale F           rows per table: production's times F (default: 1)
  --seed N            the same seed gives the same data (default: 1)
  --replace           drop the schema first when it exists (everything in it is lost)";

struct Args {{
    database_url: String,
    schema: String,
    scale: f64,
    seed: u64,
    replace: bool,
}}

fn parse_args() -> Result<Args, String> {{
    let mut args = Args {{
        database_url: std::env::var("DATABASE_URL").unwrap_or_default(),
        schema: {schema_literal}.to_owned(),
        scale: 1.0,
        seed: 1,
        replace: false,
    }};
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {{
        let mut value = || given.next().ok_or(format!("{{arg}} needs a value"));
        match arg.as_str() {{
            "--database-url" => args.database_url = value()?,
            "--schema" => args.schema = value()?,
            "--scale" => {{
                args.scale = value()?
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or("--scale takes a number >= 0")?
            }}
            "--seed" => args.seed = value()?.parse().map_err(|_| "--seed takes a whole number")?,
            "--replace" => args.replace = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {{other}}")),
        }}
    }}
    if args.database_url.is_empty() {{
        return Err("--database-url is required (or set DATABASE_URL)".to_owned());
    }}
    Ok(args)
}}

#[tokio::main]
async fn main() -> ExitCode {{
    let args = match parse_args() {{
        Ok(args) => args,
        Err(message) if message.is_empty() => {{
            println!("{{USAGE}}");
            return ExitCode::SUCCESS;
        }}
        Err(message) => {{
            eprintln!("error: {{message}}\n\n{{USAGE}}");
            return ExitCode::from(2);
        }}
    }};
    match run(&args).await {{
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {{
            eprintln!("error: {{e}}");
            ExitCode::from(2)
        }}
    }}
}}

async fn run(args: &Args) -> Result<(), Error> {{
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&args.database_url)
        .await?;
    tables::create_schema(&pool, &args.schema, args.replace).await?;
    let started = Instant::now();
    let mut faker = Faker::new(args.seed);
    let writer = BulkWriter::new(pool.clone(), BulkOptions::default());
    tables::attach(&mut faker, &writer, &args.schema).await?;
    fill(&mut faker, args.scale).await?;
    writer.finish().await?;
    eprintln!(
        "filled schema {{}} in {{:.2}} s",
        args.schema,
        started.elapsed().as_secs_f64()
    );

    // Configured against achieved, table by table.
    let schema = Ident::new(&args.schema)?.quoted();
    println!("{{:<24}} {{:>12}} {{:>12}}", "table", "configured", "achieved");
    for table in tables::TABLES {{
        let name = Ident::new(table.name)?.quoted();
        let rows: i64 = ddd_faker::pg::sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {{schema}}.{{name}}"
        )))
        .fetch_one(&pool)
        .await?;
        println!(
            "{{:<24}} {{:>12}} {{:>12}}",
            table.name,
            scaled(table.name, args.scale),
            rows
        );
    }}
    for (name, refused) in faker.refusals_by_type().filter(|(_, n)| *n > 0) {{
        println!("refused by the domain and drawn again: {{refused}} {{name}}");
    }}
    Ok(())
}}

/// Creates every table's rows, referenced tables first: a reference then draws among rows
/// that exist, with its measured law, instead of creating its targets on the fly.
async fn fill(faker: &mut Faker, scale: f64) -> Result<(), Error> {{
{fill}    Ok(())
}}

/// Creates `rows` aggregates whose ids are made of references: a combination drawn again
/// returns the stored row (counted by `Faker::reused`, not `created`), so draw until `rows`
/// distinct ones exist, or fail when ten rounds in a row find no new one.
#[allow(dead_code)]
async fn create_distinct<A: Provider>(faker: &mut Faker, rows: u64) -> Result<(), Error> {{
    let mut stalled = 0;
    while faker.created::<A>() < rows {{
        let before = faker.created::<A>();
        faker.create_many::<A>(rows - before).await?;
        if faker.created::<A>() == before {{
            stalled += 1;
            if stalled == 10 {{
                return Err(format!(
                    "{{}}: only {{before}} distinct keys drawn of {{rows}} rows",
                    A::NAME
                )
                .into());
            }}
        }}
    }}
    Ok(())
}}

/// Production's rows of `table` times `scale`.
fn scaled(table: &str, scale: f64) -> u64 {{
    let rows = tables::TABLES
        .iter()
        .find(|t| t.name == table)
        .map_or(0, |t| t.rows);
    (rows as f64 * scale).round() as u64
}}

fn progress(table: &str, started: Instant) {{
    eprintln!("{{table}}: {{:.2}} s", started.elapsed().as_secs_f64());
}}
"#,
        schema = model.schema.as_str(),
        schema_literal = string_literal(model.schema.as_str()),
        name = options.name,
    )
}

/// `src/values.rs` of the written crate.
const VALUES_RS: &str = r#"//! The helpers the generated fields call: nulls at production's share, text cut to the
//! column's length or made unique, histograms of columns with nulls.

use ddd_faker::Quantiles;
use ddd_faker::chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ddd_faker::quantiles::QuantileValue;
use ddd_faker::rng::FakerRng;

/// `None` for production's share of the rows, else the value `value` draws. `nulls` is
/// `(share, phase)`: the row at `position` is null when `position * share + phase` crosses a
/// whole number, so that any `n` rows hold `n * share` nulls (give or take one) however small
/// `n` is; a coin per row would be off by `sqrt(n)`. The phase (fixed per column) keeps two
/// columns with the same share from being null on the same rows.
#[allow(dead_code)]
pub fn or_null<T>(
    rng: &mut FakerRng,
    position: u64,
    nulls: (f64, f64),
    value: impl FnOnce(&mut FakerRng) -> T,
) -> Option<T> {
    let (share, phase) = nulls;
    let at = |p: u64| (p as f64 * share + phase).floor();
    if at(position + 1) > at(position) {
        None
    } else {
        Some(value(rng))
    }
}

/// At most `max` characters of `text` (a `varchar(max)` column).
#[allow(dead_code)]
pub fn fit(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        text
    } else {
        text.chars().take(max).collect()
    }
}

/// Text of a length drawn from `lengths` (production's, see the statics of `domain.rs`),
/// less `reserve` characters that a suffix will add: what `make` writes, repeated with
/// spaces until long enough, then cut.
#[allow(dead_code)]
pub fn sized(
    rng: &mut FakerRng,
    lengths: &Quantiles<i64>,
    reserve: usize,
    mut make: impl FnMut(&mut FakerRng) -> String,
) -> String {
    let want = (lengths.sample(rng).max(0) as usize).saturating_sub(reserve).max(1);
    let mut text = make(rng);
    while text.chars().count() < want {
        let more = make(rng);
        if more.is_empty() {
            break;
        }
        text.push(' ');
        text.push_str(&more);
    }
    let mut text: String = text.chars().take(want).collect();
    if text.ends_with(' ') {
        text.pop();
        text.push('s');
    }
    text
}

/// The characters [`unique`] adds for `position`.
#[allow(dead_code)]
pub fn suffix_len(position: u64) -> usize {
    1 + position.to_string().len()
}

/// `text` made unique by the field's `position` (a unique column), within `max` characters.
#[allow(dead_code)]
pub fn unique(text: String, position: u64, max: Option<usize>) -> String {
    let suffix = format!(" {position}");
    match max {
        Some(max) if max <= suffix.len() + 2 => code(position, max),
        Some(max) => fit(text, max - suffix.len()) + &suffix,
        None => text + &suffix,
    }
}

/// The `position`-th code of `len` digits and capital letters (`000`, `001`, .. `ZZZ`): unique
/// for the first 36^len positions; longer after that, which a `char(len)` column refuses
/// rather than repeat a key.
#[allow(dead_code)]
pub fn code(position: u64, len: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::with_capacity(len);
    let mut n = position;
    while n > 0 || out.len() < len {
        out.push(char::from(DIGITS[(n % 36) as usize]));
        n /= 36;
    }
    out.iter().rev().collect()
}

/// A version-4-shaped uuid made of the field's `position`: unique and stable.
#[allow(dead_code)]
pub fn uuid(position: u64) -> String {
    format!(
        "00000000-0000-4000-8000-{:012x}",
        position & 0xffff_ffff_ffff
    )
}

/// A bound as `faker-pg profile` prints it.
pub trait Bound: QuantileValue {
    fn parse(text: &str) -> Option<Self>;
}

impl Bound for i64 {
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl Bound for f64 {
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl Bound for NaiveDate {
    fn parse(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }
}

impl Bound for NaiveDateTime {
    fn parse(text: &str) -> Option<Self> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(Default::default())))
            .ok()
    }
}

impl Bound for DateTime<Utc> {
    fn parse(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .ok()
    }
}

/// The histogram of `column` from its bounds. Panics with the column's name when a bound is
/// not of the field's type or the bounds go down: they are constants of this crate, so that
/// is a mistake made while editing them, found at the first draw.
#[allow(dead_code)]
pub fn histogram<T: Bound>(column: &str, bounds: &[&str]) -> Quantiles<T> {
    let parsed: Vec<T> = bounds
        .iter()
        .map(|b| {
            T::parse(b).unwrap_or_else(|| panic!("{column}: bound {b:?} is not of the field's type"))
        })
        .collect();
    Quantiles::new(parsed).unwrap_or_else(|e| panic!("{column}: {e}"))
}
"#;
