//! One commitlog segment: a preallocated file mapped into memory.
//!
//! Copying an entry into the mapping hands it to the kernel (the page cache), so a process
//! crash after `append` returns loses nothing; `msync` makes it survive power loss too.
//!
//! File layout: an 24-byte header (magic, format version, segment id, CRC32C of the previous
//! fields), then entries `[len u32][crc32c(len) u32][payload][crc32c(payload) u32]`,
//! little-endian. Unwritten space is zero; a zero length ends the segment.

use crate::error::{IoContext, Result, StorageError};
use memmap2::MmapRaw;
use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const MAGIC: &[u8; 8] = b"SIBYLCL\0";
pub const FORMAT_VERSION: u32 = 1;
pub const HEADER_BYTES: usize = 24;
/// Per-entry framing: length, length CRC, payload CRC.
pub const ENTRY_OVERHEAD_BYTES: usize = 12;
/// Disk space is reserved ahead of the write position in steps of this many bytes, so a full
/// disk is an error on `append` and never a SIGBUS on a page fault.
const ALLOCATION_STEP_BYTES: usize = 1024 * 1024;

pub fn file_name(id: u64) -> String {
    format!("CommitLog-{FORMAT_VERSION}-{id}.log")
}

/// Parses `CommitLog-<version>-<id>.log`.
pub fn parse_file_name(name: &str) -> Option<u64> {
    let rest = name.strip_prefix("CommitLog-")?.strip_suffix(".log")?;
    let (_version, id) = rest.split_once('-')?;
    id.parse().ok()
}

pub fn header(id: u64) -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[12..20].copy_from_slice(&id.to_le_bytes());
    let crc = crc32c::crc32c(&h[..20]);
    h[20..24].copy_from_slice(&crc.to_le_bytes());
    h
}

/// A segment open for appending.
pub struct Segment {
    pub id: u64,
    pub path: PathBuf,
    file: File,
    map: Arc<MmapRaw>,
    capacity: usize,
    allocated: usize,
    /// Pages below this offset were taken out of the resident set (`release_written_pages`).
    released: usize,
}

impl Segment {
    /// Creates the file, reserves its first step of space, writes the header and fsyncs the
    /// directory so the segment survives a crash.
    pub fn create(dir: &Path, id: u64, capacity: usize) -> Result<Segment> {
        let path = dir.join(file_name(id));
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path).ctx(&path)?;
        // The mapping covers the whole capacity, but the file grows only as `reserve`
        // allocates space ahead of the writes, so a segment takes the disk its entries need.
        let map = Arc::new(memmap2::MmapOptions::new().len(capacity).map_raw(&file).ctx(&path)?);
        let mut seg = Segment { id, path, file, map, capacity, allocated: 0, released: 0 };
        seg.reserve(HEADER_BYTES)?;
        seg.write_at(0, &header(id));
        seg.map.flush_range(0, HEADER_BYTES).ctx(&seg.path)?;
        crate::fsutil::fsync_dir(dir)?;
        Ok(seg)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Makes sure disk blocks exist up to `end`.
    pub fn reserve(&mut self, end: usize) -> Result<()> {
        if end <= self.allocated {
            return Ok(());
        }
        let target = end.div_ceil(ALLOCATION_STEP_BYTES).saturating_mul(ALLOCATION_STEP_BYTES).min(self.capacity);
        let start = self.allocated;
        // SAFETY: plain syscall on an fd we own, with in-range arguments.
        let rc = unsafe {
            libc::posix_fallocate(self.file.as_raw_fd(), start as libc::off_t, (target - start) as libc::off_t)
        };
        if rc != 0 {
            return Err(StorageError::io(&self.path, std::io::Error::from_raw_os_error(rc)));
        }
        self.allocated = target;
        Ok(())
    }

    /// Copies `data` into the mapping at `offset`. The caller keeps writes to disjoint ranges
    /// and within the reserved space.
    pub fn write_at(&mut self, offset: usize, data: &[u8]) {
        assert!(offset + data.len() <= self.allocated, "commitlog write outside reserved space");
        // SAFETY: the range is inside the mapping (checked above); only the holder of
        // `&mut Segment` writes, and nothing reads these bytes through Rust references.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.map.as_mut_ptr().add(offset), data.len());
        }
    }

    /// A handle that can msync this segment from another thread.
    pub fn syncer(&self) -> SegmentSyncer {
        SegmentSyncer { path: self.path.clone(), map: Arc::clone(&self.map) }
    }

    /// Takes the segment's pages out of this process's resident set once nothing more will be
    /// written to it (it was sealed). Nothing is lost or delayed: for a shared file mapping
    /// `MADV_DONTNEED` only drops page-table entries, dirty pages stay dirty in the page cache
    /// and are written back as usual, and a later `msync` of the range still syncs them (Linux
    /// `msync(MS_SYNC)` is an fsync of the file range). Without this, every segment the
    /// memtables still depend on counts fully in RSS, as if the log were process memory.
    pub fn release_resident_pages(&self) {
        self.release(0, self.capacity);
    }

    /// As [`Segment::release_resident_pages`], for the part of the active segment below
    /// `upto` (whole entries already written: appends only go forward), a step at a time.
    pub fn release_written_pages(&mut self, upto: usize) {
        let end = upto / ALLOCATION_STEP_BYTES * ALLOCATION_STEP_BYTES;
        if end > self.released {
            self.release(self.released, end - self.released);
            self.released = end;
        }
    }

    fn release(&self, offset: usize, len: usize) {
        // SAFETY: `map_raw` maps the file MAP_SHARED, where MADV_DONTNEED discards no data;
        // no Rust reference into the mapping exists (it is only written through raw copies).
        let r = unsafe { self.map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len) };
        if let Err(e) = r {
            tracing::debug!(path = %self.path.display(), error = %e, "madvise(DONTNEED) of written commitlog pages failed");
        }
    }
}

/// Syncs a segment's written range to disk.
#[derive(Clone)]
pub struct SegmentSyncer {
    pub path: PathBuf,
    map: Arc<MmapRaw>,
}

impl SegmentSyncer {
    pub fn sync(&self, from: usize, to: usize) -> Result<()> {
        if to <= from {
            return Ok(());
        }
        self.map.flush_range(from, to - from).ctx(&self.path)
    }
}
