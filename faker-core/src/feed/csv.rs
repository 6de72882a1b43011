//! CSV feeds, one file per aggregate type.

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{FeedError, PartialFile, Record, Sink, prepare_dir};

/// `DIR/<table>.csv` per aggregate type (see the module docs for the flattening rules). The
/// header is taken from the first record of each type, columns in alphabetical order; later
/// records write their values in that order (a field missing from a record is an empty cell).
pub struct CsvFeed {
    dir: PathBuf,
    tables: HashMap<String, Table>,
}

struct Table {
    file: PartialFile,
    columns: Vec<String>,
}

impl CsvFeed {
    /// Prepares `dir` (created if missing; must be writable).
    pub fn create(dir: impl AsRef<Path>) -> Result<CsvFeed, FeedError> {
        let dir = dir.as_ref().to_path_buf();
        prepare_dir(&dir)?;
        Ok(CsvFeed {
            dir,
            tables: HashMap::default(),
        })
    }
}

/// Flattens an exported state into `(column, cell)` pairs: nested objects join their keys
/// with `_`, arrays become JSON text, null becomes an empty cell.
pub fn flatten(state: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => walk_map(prefix, map, out),
            Value::Null => out.push((prefix.to_string(), String::new())),
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    fn walk_map(prefix: &str, map: &Map<String, Value>, out: &mut Vec<(String, String)>) {
        for (k, v) in map {
            let column = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}_{k}")
            };
            walk(&column, v, out);
        }
    }
    let mut out = Vec::new();
    match state {
        Value::Object(map) => walk_map("", map, &mut out),
        other => walk("value", other, &mut out),
    }
    out
}

impl Sink for CsvFeed {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        let state: Value =
            serde_json::from_slice(record.json).map_err(|source| FeedError::Json {
                seq: record.seq,
                aggregate: record.aggregate.to_string(),
                source,
            })?;
        let cells = flatten(&state);
        if !self.tables.contains_key(record.table) {
            let mut file = PartialFile::create(&self.dir, &format!("{}.csv", record.table))?;
            let columns: Vec<String> = cells.iter().map(|(c, _)| c.clone()).collect();
            write_row(&mut file, columns.iter().map(String::as_str))?;
            self.tables
                .insert(record.table.to_string(), Table { file, columns });
        }
        let Some(table) = self.tables.get_mut(record.table) else {
            unreachable!("inserted above")
        };
        let row = table.columns.iter().map(|column| {
            cells
                .iter()
                .find(|(c, _)| c == column)
                .map_or("", |(_, v)| v.as_str())
        });
        write_row(&mut table.file, row)
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        for table in self.tables.values_mut() {
            table.file.publish()?;
        }
        Ok(())
    }
}

fn write_row<'a>(
    file: &mut PartialFile,
    cells: impl Iterator<Item = &'a str>,
) -> Result<(), FeedError> {
    // One small csv::Writer per row over the shared buffer: the crate does the quoting.
    let mut writer = ::csv::WriterBuilder::new().from_writer(Vec::with_capacity(128));
    writer
        .write_record(cells)
        .map_err(|source| FeedError::Csv {
            path: PathBuf::from(".csv"),
            source,
        })?;
    let bytes = writer
        .into_inner()
        .map_err(|e| file.io_error(e.into_error()))?;
    file.write_all(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_are_flattened_with_underscores() {
        let state = json!({"id": {"tenant_id": 3, "book_id": 9}, "title": "A, \"B\"", "tags": [1, 2], "note": null});
        let cells = flatten(&state);
        assert_eq!(
            cells,
            vec![
                ("id_book_id".to_string(), "9".to_string()),
                ("id_tenant_id".to_string(), "3".to_string()),
                ("note".to_string(), String::new()),
                ("tags".to_string(), "[1,2]".to_string()),
                ("title".to_string(), "A, \"B\"".to_string()),
            ]
        );
    }
}
