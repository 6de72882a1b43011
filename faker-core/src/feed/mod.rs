//! Feeds: every stored aggregate, written as it is created, for load-testing engines.
//!
//! A [`Sink`] receives one [`Record`] per aggregate the [`Faker`](crate::provider::Faker)
//! stores, in execution order, with the aggregate's exported state already serialised as JSON
//! (serialised once, whatever the number of sinks). Three sinks are built in:
//!
//! * [`JsonlFeed`] — `DIR/<table>.jsonl` per aggregate type (one exported state per line) and
//!   `DIR/commands.jsonl`, the **command log**: `{"seq":n,"command":"CreateBook","payload":{…}}`
//!   per creation, in execution order, so an engine can replay the creation of the dataset;
//! * [`CsvFeed`] — `DIR/<table>.csv` per aggregate type with a header row; nested objects are
//!   flattened with `_` (`id.tenant_id` → `id_tenant_id`; `_` rather than `.` because Gatling's
//!   expression language reads a dot as attribute access), columns in alphabetical order, arrays
//!   as JSON text, null as an empty cell;
//! * [`CommandLog`] — `DIR/commands.jsonl` alone, for a CSV feed (or any other) to come with
//!   its command log.
//!
//! When a repository decides about a store only after `insert` returned (bulk batches,
//! write-behind), a [`HoldingSink`] in front of the sinks holds each record until the store's
//! outcome is known, so feeds hold only what was stored ([`held`]).
//!
//! Files are written under temporary names (`.<name>.<pid>.<n>.partial`) and renamed when the
//! sink is finished, so a run that fails or is interrupted never leaves a file that looks complete.
//! Each file is written by a thread of its own, in chunks of 1 MiB with at most four waiting: the
//! generating thread does not wait in the kernel while the page cache takes the bytes (on a
//! large run that is a fifth of the time; see `BENCHMARKS.md`), and an I/O error is reported by
//! the next record or by `finish`. On Linux that thread also writes the file *behind*: each
//! chunk goes to disk as soon as it is written and leaves the page cache a few chunks later, so
//! a run of gigabytes keeps a few megabytes of cache per file instead of filling fresh pages
//! (which cost the most on virtual machines that hand freed memory back to their host).

mod background;
mod csv;
pub mod held;
mod jsonl;
mod write_behind;

use self::background::BackgroundFile;
pub use self::csv::CsvFeed;
pub use self::held::{HoldingSink, StoreOutcomes};
pub use self::jsonl::{CommandLog, JsonlFeed};

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use thiserror::Error;

/// One stored aggregate.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Position in the command log: 0, 1, 2, ... in execution order.
    pub seq: u64,
    /// The aggregate type's name, e.g. `Book` (the command is `Create` + name).
    pub aggregate: &'a str,
    /// The file stem for this type, e.g. `books`.
    pub table: &'a str,
    /// The exported state, serialised as JSON.
    pub json: &'a [u8],
}

/// Receives every stored aggregate.
pub trait Sink: Send + Sync {
    /// Records one aggregate.
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError>;
    /// Flushes everything and publishes the files under their final names.
    fn finish(&mut self) -> Result<(), FeedError>;
}

/// A feed that could not be written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FeedError {
    /// Creating, writing or renaming a file failed.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// A record was not valid JSON (a bug in a `Serialize` implementation).
    #[error("record {seq} of `{aggregate}` is not valid JSON: {source}")]
    Json {
        seq: u64,
        aggregate: String,
        source: serde_json::Error,
    },
    /// The CSV writer failed.
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: ::csv::Error },
    /// A [`HoldingSink`] was finished while records waited for their store's outcome.
    #[error(
        "{records} records, from `{aggregate}` on, wait for the outcome of their store: finish the repository before the feed"
    )]
    Unsettled { aggregate: String, records: u64 },
    /// A repository reported outcomes of stores a [`HoldingSink`] received no record for.
    #[error(
        "`{aggregate}`: {stores} store outcomes reported without a record (is the outcome log shared with another repository?)"
    )]
    Unrecorded { aggregate: String, stores: u64 },
}

/// The default file stem of an aggregate type: its table, or its name in lower case plus `s`
/// (`Book` → `books`).
pub fn table_name(name: &str, table: Option<&str>) -> String {
    match table {
        Some(t) => t.to_string(),
        None => format!("{}s", name.to_lowercase()),
    }
}

/// A file written under a temporary name and renamed into place by [`PartialFile::publish`].
pub(crate) struct PartialFile {
    writer: BackgroundFile,
    partial: PathBuf,
    final_path: PathBuf,
}

impl PartialFile {
    pub(crate) fn create(dir: &Path, name: &str) -> Result<PartialFile, FeedError> {
        let final_path = dir.join(name);
        // Two writers of one directory (processes, or feeds of one process) never share a
        // temporary file: one would truncate the other's, and the second rename would fail.
        let partial = dir.join(format!(".{name}.{}.partial", unique_suffix()));
        let file = File::create(&partial).map_err(|source| FeedError::Io {
            path: partial.clone(),
            source,
        })?;
        Ok(PartialFile {
            // Written by a thread of its own: the generator does not wait in the kernel.
            writer: BackgroundFile::new(file).map_err(|source| FeedError::Io {
                path: partial.clone(),
                source,
            })?,
            partial,
            final_path,
        })
    }

    pub(crate) fn writer(&mut self) -> &mut BackgroundFile {
        &mut self.writer
    }

    pub(crate) fn io_error(&self, source: io::Error) -> FeedError {
        FeedError::Io {
            path: self.partial.clone(),
            source,
        }
    }

    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<(), FeedError> {
        self.writer
            .write_all(bytes)
            .map_err(|source| FeedError::Io {
                path: self.partial.clone(),
                source,
            })
    }

    pub(crate) fn publish(&mut self) -> Result<(), FeedError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FeedError::Io { path, source }
        };
        let file = self.writer.finish().map_err(err(&self.partial))?;
        file.sync_all().map_err(err(&self.partial))?;
        std::fs::rename(&self.partial, &self.final_path).map_err(err(&self.final_path))
    }
}

/// `<pid>.<n>`: distinct for every call in this process (`n` counts calls) and, through the
/// process id, from every other process running on this machine.
fn unique_suffix() -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    format!("{}.{n}", std::process::id())
}

/// Makes sure `dir` exists and is writable, with one clear error otherwise.
///
/// The probe file is what makes a directory that refuses files fail here, at start, for every
/// sink (a [`CsvFeed`] creates its files only with its first record, maybe after a long setup).
/// Its name is unique per call: with one shared name, two generators started on one directory
/// raced, one removing the probe while the other was about to, and the loser failed with "No
/// such file or directory". A probe that is gone anyway when it is removed proved the directory
/// writable all the same, so that is not an error either.
pub(crate) fn prepare_dir(dir: &Path) -> Result<(), FeedError> {
    let io = |source| FeedError::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let probe = dir.join(format!(".ddd-faker-write-test.{}", unique_suffix()));
    File::create(&probe).map_err(io)?;
    match std::fs::remove_file(&probe) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many feeds started at once on one directory, as generators started together on one
    /// `--out` are: none fails, none leaves a probe or a temporary file behind, and every one
    /// publishes its files.
    #[test]
    fn concurrent_starts_on_one_directory_never_fail() {
        let dir = std::env::temp_dir().join(format!("ddd-faker-probe-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let threads = 8;
        let rounds = 50;
        let barrier = std::sync::Barrier::new(threads);
        // Failures are collected, not panicked on: a thread that stopped would leave the
        // others waiting at the barrier forever.
        let failures = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (dir, barrier, failures) = (&dir, &barrier, &failures);
                scope.spawn(move || {
                    for round in 0..rounds {
                        barrier.wait();
                        let record = Record {
                            seq: 0,
                            aggregate: "Book",
                            table: "books",
                            json: br#"{"id":1}"#,
                        };
                        let result = if (t + round) % 2 == 0 {
                            JsonlFeed::create(dir).and_then(|mut f| {
                                f.record(&record)?;
                                f.finish()
                            })
                        } else {
                            CsvFeed::create(dir).and_then(|mut f| {
                                f.record(&record)?;
                                f.finish()
                            })
                        };
                        if let Err(e) = result {
                            failures
                                .lock()
                                .unwrap()
                                .push(format!("thread {t}, round {round}: {e}"));
                        }
                    }
                });
            }
        });
        let failures = failures.into_inner().unwrap();
        assert!(
            failures.is_empty(),
            "{} failed starts: {failures:?}",
            failures.len()
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["books.csv", "books.jsonl", "commands.jsonl"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
