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
    commands: CommandLog,
}

impl JsonlFeed {
    /// Prepares `dir` (created if missing; must be writable).
    pub fn create(dir: impl AsRef<Path>) -> Result<JsonlFeed, FeedError> {
        let dir = dir.as_ref().to_path_buf();
        let commands = CommandLog::create(&dir)?;
        Ok(JsonlFeed {
            dir,
            tables: HashMap::default(),
            commands,
        })
    }
}

/// `DIR/commands.jsonl` alone, the command log (see the module docs): what a feed in another
/// format (CSV) adds so that every format can replay the dataset's creation. [`JsonlFeed`]
/// writes it as well; give one directory one command log.
pub struct CommandLog {
    file: PartialFile,
}

impl CommandLog {
    /// Prepares `dir` (created if missing; must be writable).
    pub fn create(dir: impl AsRef<Path>) -> Result<CommandLog, FeedError> {
        let dir = dir.as_ref();
        prepare_dir(dir)?;
        Ok(CommandLog {
            file: PartialFile::create(dir, "commands.jsonl")?,
        })
    }
}

impl Sink for CommandLog {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        let file = &mut self.file;
        write!(
            file.writer(),
            "{{\"seq\":{},\"command\":\"Create{}\",\"payload\":",
            record.seq,
            record.aggregate
        )
        .map_err(|e| file.io_error(e))?;
        file.write_all(record.json)?;
        file.write_all(b"}\n")
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        self.file.publish()
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
        self.commands.record(record)
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        for file in self.tables.values_mut() {
            file.publish()?;
        }
        self.commands.finish()
    }
}
