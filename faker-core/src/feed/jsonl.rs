//! JSON Lines feeds and the command log.

// Keys are the few table names of the run: Fx hashing (no DoS concern) instead of SipHash,
// whose cost per record showed in the bookstore's profile.
use rustc_hash::FxHashMap as HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{FeedError, PartialFile, Record, Sink, prepare_dir};

/// `DIR/<table>.jsonl` per aggregate type and `DIR/commands.jsonl` (see the module docs).
pub struct JsonlFeed {
    dir: PathBuf,
    tables: HashMap<String, PartialFile>,
    commands: PartialFile,
}

impl JsonlFeed {
    /// Prepares `dir` (created if missing; must be writable).
    pub fn create(dir: impl AsRef<Path>) -> Result<JsonlFeed, FeedError> {
        let dir = dir.as_ref().to_path_buf();
        prepare_dir(&dir)?;
        let commands = PartialFile::create(&dir, "commands.jsonl")?;
        Ok(JsonlFeed {
            dir,
            tables: HashMap::default(),
            commands,
        })
    }
}

impl Sink for JsonlFeed {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        // One lookup per record; the file is made on the table's first record.
        let file = match self.tables.get_mut(record.table) {
            Some(file) => file,
            None => {
                let file = PartialFile::create(&self.dir, &format!("{}.jsonl", record.table))?;
                self.tables.entry(record.table.to_string()).or_insert(file)
            }
        };
        file.write_all(record.json)?;
        file.write_all(b"\n")?;
        let commands = &mut self.commands;
        write!(
            commands.writer(),
            "{{\"seq\":{},\"command\":\"Create{}\",\"payload\":",
            record.seq,
            record.aggregate
        )
        .map_err(|e| commands.io_error(e))?;
        commands.write_all(record.json)?;
        commands.write_all(b"}\n")
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        for file in self.tables.values_mut() {
            file.publish()?;
        }
        self.commands.publish()
    }
}
