//! Streaming a large file to disk without filling the page cache with it.
//!
//! Why: a feed of 10^7 aggregates is gigabytes written once, in order, and read later by
//! another program. Written the usual way, every byte is copied into a page-cache page that
//! stays dirty until the kernel's flusher gets to it, and a run fills as many fresh pages as it
//! writes. On virtual machines that hand freed memory back to the host (virtio-balloon free
//! page reporting, as on the 2-core VM this project is measured on), every fresh page is first
//! faulted in by the host: writing 3 GB that way cost 7.0-7.2 s of kernel time against
//! 0.6-0.7 s when the pages were still backed (`dd`, 1 MiB blocks), and it was the largest
//! single cost of the bookstore at 10^7 books (28% of all samples, on the feeds' threads).
//! The feeds are `fsync`ed before they are published anyway, so nothing is lost by writing
//! them out early.
//!
//! What: after each chunk is written, its writeback is started at once (`sync_file_range`
//! with `SYNC_FILE_RANGE_WRITE`, which does not wait), and the chunk written [`LAG`] chunks
//! earlier — by then on disk, or waited for — is dropped from the cache (`posix_fadvise`
//! `POSIX_FADV_DONTNEED`). A file then holds at most about `LAG` chunks of cache, the same
//! few pages are reused over and over, and the data is on disk as it is produced (measured
//! with 1 MiB chunks: 3 GB in 1.1 s wall, 0.7 s of kernel time, against 7.3 s buffered).
//!
//! Both calls are advice: where the file does not support them (a pipe, a file system
//! without them), the first failure turns the write-behind off for that file and writes go
//! on as before. Only a write error the disk reports (`EIO`, `ENOSPC`) is an error. Other
//! systems than Linux write as before.

use std::fs::File;
use std::io;

/// Chunks left in the page cache behind the one being written.
pub(crate) const LAG: usize = 8;

/// The write-behind state of one file (see the module's documentation).
pub(crate) struct WriteBehind {
    /// Bytes written so far: where the next chunk starts.
    written: u64,
    /// The chunks still in the cache, oldest first: (offset, length).
    cached: std::collections::VecDeque<(u64, u64)>,
    /// Off once the file refused the advice.
    on: bool,
}

impl WriteBehind {
    pub(crate) fn new() -> WriteBehind {
        WriteBehind {
            written: 0,
            cached: std::collections::VecDeque::with_capacity(LAG + 1),
            on: cfg!(target_os = "linux"),
        }
    }

    /// Whether the write-behind still runs for this file (it stops at the first refusal).
    #[cfg(test)]
    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// Called after `len` more bytes were written to `file` at the end of what was written
    /// before.
    pub(crate) fn wrote(&mut self, file: &File, len: usize) -> io::Result<()> {
        let offset = self.written;
        let len = len as u64;
        self.written += len;
        if !self.on || len == 0 {
            return Ok(());
        }
        if let Err(e) = start_writeback(file, offset, len) {
            return self.refused(e);
        }
        self.cached.push_back((offset, len));
        if self.cached.len() > LAG
            && let Some((old, old_len)) = self.cached.pop_front()
            && let Err(e) = drop_written(file, old, old_len)
        {
            return self.refused(e);
        }
        Ok(())
    }

    /// A failed call: the disk's own errors are errors, anything else turns the advice off.
    fn refused(&mut self, e: io::Error) -> io::Result<()> {
        if is_disk_error(&e) {
            return Err(e);
        }
        self.on = false;
        self.cached.clear();
        Ok(())
    }
}

fn is_disk_error(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        matches!(e.raw_os_error(), Some(libc::EIO | libc::ENOSPC))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = e;
        false
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) -> io::Result<()> {
    sync_range(file, offset, len, libc::SYNC_FILE_RANGE_WRITE)
}

/// Waits until `[offset, offset + len)` is on disk, then drops it from the cache.
#[cfg(target_os = "linux")]
fn drop_written(file: &File, offset: u64, len: u64) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // Dirty pages are not dropped by the advice: wait for the writeback started earlier
    // (and start it again for pages written since, which a chunk written whole has none of).
    sync_range(
        file,
        offset,
        len,
        libc::SYNC_FILE_RANGE_WAIT_BEFORE
            | libc::SYNC_FILE_RANGE_WRITE
            | libc::SYNC_FILE_RANGE_WAIT_AFTER,
    )?;
    let (offset, len) = offsets(offset, len)?;
    // SAFETY: the descriptor belongs to `file`, which is borrowed for the call; the call reads
    // no memory of ours.
    let code =
        unsafe { libc::posix_fadvise(file.as_raw_fd(), offset, len, libc::POSIX_FADV_DONTNEED) };
    // posix_fadvise returns the error number instead of setting errno.
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(code))
    }
}

#[cfg(target_os = "linux")]
fn sync_range(file: &File, offset: u64, len: u64, flags: libc::c_uint) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let (offset, len) = offsets(offset, len)?;
    // SAFETY: the descriptor belongs to `file`, which is borrowed for the call; the call reads
    // no memory of ours.
    let code = unsafe { libc::sync_file_range(file.as_raw_fd(), offset, len, flags) };
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A range as the system calls take it (`off_t`); a file past `i64::MAX` bytes is refused
/// as advice is, not as an error.
#[cfg(target_os = "linux")]
fn offsets(offset: u64, len: u64) -> io::Result<(libc::off_t, libc::off_t)> {
    match (libc::off_t::try_from(offset), libc::off_t::try_from(len)) {
        (Ok(offset), Ok(len)) => Ok((offset, len)),
        _ => Err(io::Error::from(io::ErrorKind::InvalidInput)),
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_: &File, _: u64, _: u64) -> io::Result<()> {
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn drop_written(_: &File, _: u64, _: u64) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A file on disk keeps the write-behind on through many chunks, and every byte is there.
    #[test]
    fn a_regular_file_is_written_behind() {
        let path = std::env::temp_dir().join(format!("ddd-faker-wb-{}", std::process::id()));
        let mut file = File::create(&path).unwrap();
        let mut behind = WriteBehind::new();
        let chunk: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
        for _ in 0..3 * LAG {
            file.write_all(&chunk).unwrap();
            behind.wrote(&file, chunk.len()).unwrap();
        }
        assert_eq!(behind.is_on(), cfg!(target_os = "linux"));
        assert!(
            behind.cached.len() <= LAG,
            "{} chunks cached",
            behind.cached.len()
        );
        drop(file);
        let back = std::fs::read(&path).unwrap();
        assert_eq!(back.len(), 3 * LAG * chunk.len());
        assert!(back.chunks(chunk.len()).all(|c| c == chunk.as_slice()));
        std::fs::remove_file(&path).unwrap();
    }

    /// A pipe refuses the advice: the write-behind turns itself off and no error reaches the
    /// writer.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_pipe_turns_the_write_behind_off() {
        let (mut reader, writer) = std::io::pipe().unwrap();
        let file = File::from(std::os::fd::OwnedFd::from(writer));
        let reading = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        let mut file = file;
        let mut behind = WriteBehind::new();
        for i in 0..4u8 {
            file.write_all(&[i; 1000]).unwrap();
            behind.wrote(&file, 1000).unwrap();
        }
        assert!(!behind.is_on());
        drop(file);
        assert_eq!(reading.join().unwrap().len(), 4000);
    }
}
