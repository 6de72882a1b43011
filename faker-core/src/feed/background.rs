//! A file written by a thread of its own, so that the generating thread never waits in
//! `write(2)`.
//!
//! Why: a feed is written as fast as aggregates are built, a few hundred bytes each, and the
//! kernel's side of writing — copying into the page cache, and on a large run finding the
//! pages to copy into — is work the generator does not need to wait for. Measured on the
//! bookstore at 10^7 books (3.2 GB of feeds, a 2-core VM), the generating thread spent 7.3 s
//! of a 36 s run in the kernel, against 0.19 s per 10^6 books at 10^6: the cost per byte grew
//! with the page cache a run filled (fresh pages; see `write_behind`, which the thread also
//! runs, for why and what it does about it). On a thread of its own that time overlaps the
//! generation, on another core.
//!
//! Bytes are gathered in chunks of [`CHUNK`] and handed over a bounded channel, so at most
//! [`IN_FLIGHT`] chunks per file wait to be written (memory stays bounded when the disk is
//! slower than the generator: the generator then waits, as it would in `write(2)`). The
//! emptied chunks come back to be reused. An I/O error ends the thread; it is reported by the
//! next write or by [`BackgroundFile::finish`], nothing after it is written.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

use super::write_behind::WriteBehind;

/// Bytes gathered before a chunk is handed to the writing thread.
const CHUNK: usize = 1 << 20;
/// Chunks waiting to be written, per file.
const IN_FLIGHT: usize = 4;

/// A file whose writes are done by a thread of its own (see the module's documentation).
pub(crate) struct BackgroundFile {
    chunk: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    /// Behind a mutex only to be `Sync` (sinks are): reached through `&mut self`, never
    /// locked.
    empty: Mutex<Receiver<Vec<u8>>>,
    thread: Option<JoinHandle<io::Result<File>>>,
}

impl BackgroundFile {
    /// Starts the writing thread for `file`.
    pub(crate) fn new(file: File) -> io::Result<BackgroundFile> {
        let (full, to_write) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (give_back, empty) = sync_channel::<Vec<u8>>(IN_FLIGHT + 1);
        let thread = std::thread::Builder::new()
            .name("ddd-faker-feed".into())
            .spawn(move || {
                let mut file = file;
                let mut behind = WriteBehind::new();
                for mut chunk in to_write {
                    file.write_all(&chunk)?;
                    behind.wrote(&file, chunk.len())?;
                    chunk.clear();
                    // The generator may have more chunks than the channel holds; a chunk it
                    // does not take back is dropped.
                    let _ = give_back.try_send(chunk);
                }
                Ok(file)
            })?;
        Ok(BackgroundFile {
            chunk: Vec::with_capacity(CHUNK),
            full: Some(full),
            empty: Mutex::new(empty),
            thread: Some(thread),
        })
    }

    /// Appends `bytes`; a full chunk goes to the writing thread.
    #[inline]
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.chunk.extend_from_slice(bytes);
        if self.chunk.len() >= CHUNK {
            self.hand_over()?;
        }
        Ok(())
    }

    fn hand_over(&mut self) -> io::Result<()> {
        let empty = self.empty.get_mut().unwrap_or_else(|e| e.into_inner());
        let next = match empty.try_recv() {
            Ok(chunk) => chunk,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(CHUNK),
        };
        let chunk = std::mem::replace(&mut self.chunk, next);
        let sent = match &self.full {
            Some(full) => full.send(chunk).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            // The thread ended: it failed (its error is what to report), or `finish` ran.
            Err(self.join().err().unwrap_or_else(|| {
                io::Error::other("the feed file was written after it was finished")
            }))
        }
    }

    /// Writes what is left, waits for the thread and gives the file back.
    pub(crate) fn finish(&mut self) -> io::Result<File> {
        if !self.chunk.is_empty() {
            self.hand_over()?;
        }
        self.join()
    }

    fn join(&mut self) -> io::Result<File> {
        // Closing the channel ends the thread's loop once it has written every chunk.
        self.full = None;
        match self.thread.take() {
            Some(thread) => match thread.join() {
                Ok(result) => result,
                Err(_) => Err(io::Error::other("the feed's writing thread panicked")),
            },
            None => Err(io::Error::other("the feed file was already finished")),
        }
    }
}

impl Write for BackgroundFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    /// Nothing to do: bytes reach the file through the thread, and [`BackgroundFile::finish`]
    /// waits for all of them.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BackgroundFile {
    /// An unfinished file (a run that failed) still gets the bytes handed over so far; the
    /// thread is waited for so that no write happens after the owner is gone.
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("ddd-faker-bg-{}-{name}", std::process::id()))
    }

    /// Every byte arrives, in order, across many chunks and writes of every size.
    #[test]
    fn every_byte_arrives_in_order() {
        let path = temp("order");
        let mut file = BackgroundFile::new(File::create(&path).unwrap()).unwrap();
        let mut expected = Vec::new();
        for i in 0..200_000u32 {
            let line = format!("{i} {}\n", "x".repeat((i % 97) as usize));
            file.write_all(line.as_bytes()).unwrap();
            expected.extend_from_slice(line.as_bytes());
        }
        assert!(expected.len() > 4 * CHUNK, "{} bytes", expected.len());
        file.finish().unwrap().sync_all().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        std::fs::remove_file(&path).unwrap();
    }

    /// An I/O error on the writing thread reaches the generator: on a later write or at
    /// `finish`, never lost.
    #[test]
    fn an_error_of_the_thread_is_reported() {
        // Writing to a file opened read-only fails with EBADF.
        let path = temp("readonly");
        std::fs::write(&path, b"").unwrap();
        let mut file = BackgroundFile::new(File::open(&path).unwrap()).unwrap();
        let chunk = vec![b'x'; CHUNK];
        let mut failed = None;
        for _ in 0..IN_FLIGHT + 3 {
            if let Err(e) = file.write_all(&chunk) {
                failed = Some(e);
                break;
            }
        }
        let error = match failed {
            Some(e) => e,
            None => file.finish().unwrap_err(),
        };
        assert_ne!(error.kind(), io::ErrorKind::Other, "{error}");
        std::fs::remove_file(&path).unwrap();
    }
}
