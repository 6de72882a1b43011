//! Rust names for SQL names: a type per table (`invoice_line` → `InvoiceLine`, `flights` →
//! `Flight`), a field per column (`Type` → `type_`, kept as `type` in the state by
//! `#[serde(rename)]`), a static per histogram.

/// Words Rust reserves (strict and reserved keywords of edition 2024).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Splits a SQL name into lowercase words at `_`, spaces, punctuation and case changes.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A plural English noun's singular, for the common regular forms only (`flights`,
/// `categories`, `addresses`); anything else is kept (`media`, `news`, `status`).
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies")
        && stem.len() > 1
    {
        return format!("{stem}y");
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if word.len() > 3
        && word.ends_with('s')
        && !["ss", "us", "is", "os", "as"]
            .iter()
            .any(|e| word.ends_with(e))
    {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// The aggregate type of a table: its words in `CamelCase`, the last one singular.
pub fn type_name(table: &str) -> String {
    let mut words = words(table);
    if let Some(last) = words.last_mut() {
        *last = singular(last);
    }
    let mut out: String = words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Table");
    }
    out
}

/// The field of a column: `snake_case`, a keyword or a leading digit suffixed or prefixed.
pub fn field_name(column: &str) -> String {
    let mut out = words(column).join("_");
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "column_");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// The name of a `static` for a table's column (`TRACK_BYTES`).
pub fn static_name(table: &str, column: &str) -> String {
    format!("{}_{}", field_name(table), field_name(column))
        .trim_end_matches('_')
        .to_uppercase()
}

/// `s` as a Rust string literal.
pub fn string_literal(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_become_singular_camel_case_types() {
        assert_eq!(type_name("invoice_line"), "InvoiceLine");
        assert_eq!(type_name("flights"), "Flight");
        assert_eq!(type_name("categories"), "Category");
        assert_eq!(type_name("addresses"), "Address");
        assert_eq!(type_name("media_type"), "MediaType");
        assert_eq!(type_name("status"), "Status");
        assert_eq!(type_name("OrderItems"), "OrderItem");
        assert_eq!(type_name("2fa codes"), "Table2faCode");
    }

    #[test]
    fn columns_become_fields_that_are_no_keywords() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("InvoiceDate"), "invoice_date");
        assert_eq!(field_name("reports_to"), "reports_to");
        assert_eq!(field_name("1st"), "column_1st");
        assert_eq!(static_name("track", "bytes"), "TRACK_BYTES");
    }
}
