//! Reads an SSTable: point lookups through summary -> index chunk -> data block, and ordered
//! scans. Every block and chunk is checksum-verified before use; damage is an error naming
//! the file and offset, never data.

use super::block::{self, decode_block, BlockError, BLOCK_HEADER_BYTES};
use super::bloom::BloomFilter;
use super::stats::SstableStats;
use super::{file_header, Component, Descriptor, FILE_HEADER_BYTES};
use crate::encoding::{get_partition, DecodeError, Reader};
use crate::error::{IoContext, Result, StorageError};
use crate::model::*;
use bytes::Bytes;
use std::fs::File;
use std::ops::Bound;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone)]
struct IndexEntry {
    key: PartitionKey,
    offset: u64,
    len: u32,
}

struct SummaryEntry {
    key: PartitionKey,
    offset: u64,
    len: u32,
}

pub struct SstableReader {
    pub desc: Descriptor,
    pub stats: SstableStats,
    data: File,
    index: File,
    filter: BloomFilter,
    summary: Vec<SummaryEntry>,
    chunks: Vec<OnceLock<Arc<Vec<IndexEntry>>>>,
    disk_bytes: u64,
}

fn read_component(desc: &Descriptor, c: Component) -> Result<Vec<u8>> {
    let p = desc.path(c);
    let data = std::fs::read(&p).ctx(&p)?;
    if data.len() < FILE_HEADER_BYTES || data[..FILE_HEADER_BYTES] != file_header() {
        return Err(StorageError::corrupt(&p, 0, "bad or unsupported file header (magic/version)"));
    }
    Ok(data)
}

/// Opens a lazily read component, checking its length against what the metadata says and its
/// file header.
fn open_checked(path: &Path, expected_len: u64) -> Result<File> {
    let f = File::open(path).ctx(path)?;
    let len = f.metadata().ctx(path)?.len();
    if len != expected_len {
        return Err(StorageError::corrupt(
            path,
            len.min(expected_len),
            format!("file is {len} bytes, the sstable's metadata says {expected_len}"),
        ));
    }
    let mut head = [0u8; FILE_HEADER_BYTES];
    f.read_exact_at(&mut head, 0).ctx(path)?;
    if head != file_header() {
        return Err(StorageError::corrupt(path, 0, "bad or unsupported file header (magic/version)"));
    }
    Ok(f)
}

/// Splits `[body][crc32c u32]` and verifies the CRC.
fn checked_body<'a>(path: &Path, data: &'a [u8]) -> Result<&'a [u8]> {
    let body = data.get(FILE_HEADER_BYTES..data.len().saturating_sub(4)).unwrap_or_default();
    let stored = data.get(data.len().saturating_sub(4)..).unwrap_or_default();
    if data.len() < FILE_HEADER_BYTES + 4 {
        return Err(StorageError::corrupt(path, 0, "file truncated"));
    }
    let expected = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let got = crc32c::crc32c(body);
    if got != expected {
        return Err(StorageError::ChecksumMismatch {
            path: path.to_path_buf(),
            offset: FILE_HEADER_BYTES as u64,
            expected,
            got,
        });
    }
    Ok(body)
}

fn decode_err(path: &Path, base: u64, e: DecodeError) -> StorageError {
    StorageError::corrupt(path, base + e.offset as u64, e.reason)
}

impl SstableReader {
    pub fn open(desc: Descriptor) -> Result<SstableReader> {
        let toc = desc.path(Component::Toc);
        if !toc.exists() {
            return Err(StorageError::corrupt(&toc, 0, "missing TOC: sstable incomplete"));
        }
        let stats_raw = read_component(&desc, Component::Statistics)?;
        let sp = desc.path(Component::Statistics);
        let stats: SstableStats = serde_json::from_slice(checked_body(&sp, &stats_raw)?)
            .map_err(|e| StorageError::corrupt(&sp, 0, format!("statistics: {e}")))?;

        let filter_raw = read_component(&desc, Component::Filter)?;
        let fp = desc.path(Component::Filter);
        let filter = BloomFilter::deserialize(checked_body(&fp, &filter_raw)?)
            .ok_or_else(|| StorageError::corrupt(&fp, 0, "malformed bloom filter"))?;

        let summary_raw = read_component(&desc, Component::Summary)?;
        let smp = desc.path(Component::Summary);
        let body = Bytes::copy_from_slice(checked_body(&smp, &summary_raw)?);
        let mut r = Reader::new(&body);
        let n = r.len().map_err(|e| decode_err(&smp, 16, e))?;
        let mut summary = Vec::with_capacity(n);
        for _ in 0..n {
            let key = PartitionKey::new(r.bytes().map_err(|e| decode_err(&smp, 16, e))?);
            let offset = r.uvarint().map_err(|e| decode_err(&smp, 16, e))?;
            let len = r.u32v().map_err(|e| decode_err(&smp, 16, e))?;
            summary.push(SummaryEntry { key, offset, len });
        }
        if summary.windows(2).any(|w| w[0].key >= w[1].key) {
            return Err(StorageError::corrupt(&smp, 0, "summary out of order"));
        }

        // Data.db and Index.db are read lazily: check their length and header now, so a
        // truncated or mislabelled file is corruption at open, not an I/O error on some read.
        let dp = desc.path(Component::Data);
        let data = open_checked(&dp, stats.data_size_bytes)?;
        let ip = desc.path(Component::Index);
        let index_len = summary.last().map_or(FILE_HEADER_BYTES as u64, |s| s.offset + u64::from(s.len));
        let index = open_checked(&ip, index_len)?;
        let mut disk_bytes = 0;
        for c in Component::ALL {
            disk_bytes += std::fs::metadata(desc.path(c)).map(|m| m.len()).unwrap_or(0);
        }
        let chunks = (0..summary.len()).map(|_| OnceLock::new()).collect();
        Ok(SstableReader { desc, stats, data, index, filter, summary, chunks, disk_bytes })
    }

    pub fn generation(&self) -> u64 {
        self.desc.generation
    }

    pub fn disk_bytes(&self) -> u64 {
        self.disk_bytes
    }

    /// Whether the SSTable may hold `key` (token range and bloom filter).
    pub fn may_contain(&self, key: &PartitionKey) -> bool {
        key.token.0 >= self.stats.min_token && key.token.0 <= self.stats.max_token && self.filter.may_contain(&key.key)
    }

    fn chunk(&self, i: usize) -> Result<Arc<Vec<IndexEntry>>> {
        if let Some(c) = self.chunks.get(i).and_then(|c| c.get()) {
            return Ok(Arc::clone(c));
        }
        let s = self
            .summary
            .get(i)
            .ok_or_else(|| StorageError::corrupt(self.desc.path(Component::Index), 0, "index chunk out of range"))?;
        let ip = self.desc.path(Component::Index);
        let mut buf = vec![0u8; s.len as usize];
        self.index.read_exact_at(&mut buf, s.offset).ctx(&ip)?;
        if buf.len() < 8 {
            return Err(StorageError::corrupt(&ip, s.offset, "index chunk truncated"));
        }
        let plen = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        let expected = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
        let payload =
            buf.get(8..8 + plen).ok_or_else(|| StorageError::corrupt(&ip, s.offset, "index chunk length mismatch"))?;
        let got = crc32c::crc32c(payload);
        if got != expected {
            return Err(StorageError::ChecksumMismatch { path: ip, offset: s.offset, expected, got });
        }
        let payload = Bytes::copy_from_slice(payload);
        let mut r = Reader::new(&payload);
        let n = r.len().map_err(|e| decode_err(&ip, s.offset + 8, e))?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let key = PartitionKey::new(r.bytes().map_err(|e| decode_err(&ip, s.offset + 8, e))?);
            let offset = r.uvarint().map_err(|e| decode_err(&ip, s.offset + 8, e))?;
            let len = r.u32v().map_err(|e| decode_err(&ip, s.offset + 8, e))?;
            entries.push(IndexEntry { key, offset, len });
        }
        let arc = Arc::new(entries);
        if let Some(slot) = self.chunks.get(i) {
            let _ = slot.set(Arc::clone(&arc));
        }
        Ok(arc)
    }

    /// (chunk, entry) of the block that would hold `key`, if any.
    fn locate(&self, key: &PartitionKey) -> Result<Option<(usize, usize)>> {
        let ci = self.summary.partition_point(|s| s.key <= *key);
        if ci == 0 {
            return Ok(None);
        }
        let chunk = self.chunk(ci - 1)?;
        let ei = chunk.partition_point(|e| e.key <= *key);
        if ei == 0 {
            return Ok(None);
        }
        Ok(Some((ci - 1, ei - 1)))
    }

    fn read_block(&self, e: &IndexEntry) -> Result<Bytes> {
        // The path is only for errors: building it costs more than a small read.
        let dp = || self.desc.path(Component::Data);
        if (e.len as usize) < BLOCK_HEADER_BYTES || e.len as usize > block::MAX_BLOCK_BYTES {
            return Err(StorageError::corrupt(dp(), e.offset, "index names a block of impossible size"));
        }
        let mut buf = vec![0u8; e.len as usize];
        self.data.read_exact_at(&mut buf, e.offset).map_err(|err| StorageError::io(dp(), err))?;
        match decode_block(&buf) {
            Ok(raw) => Ok(Bytes::from(raw)),
            Err(BlockError::Checksum { expected, got }) => {
                Err(StorageError::ChecksumMismatch { path: dp(), offset: e.offset, expected, got })
            }
            Err(BlockError::Malformed(reason)) => Err(StorageError::corrupt(dp(), e.offset, reason)),
        }
    }

    /// Reads one partition, restricted to `slice` if given.
    pub fn get(&self, key: &PartitionKey, slice: Option<&Slice>) -> Result<Option<PartitionData>> {
        if !self.may_contain(key) {
            return Ok(None);
        }
        let Some((ci, ei)) = self.locate(key)? else { return Ok(None) };
        let chunk = self.chunk(ci)?;
        let Some(entry) = chunk.get(ei) else { return Ok(None) };
        let block = self.read_block(entry)?;
        let mut it = BlockIter::new(&block, entry.offset, &self.desc)?;
        while let Some(item) = it.next_raw()? {
            let (k, body_at, body_len) = item;
            match k.as_ref().cmp(&key.key[..]) {
                std::cmp::Ordering::Equal => {
                    let mut p = it.decode_body(body_at, body_len)?;
                    if let Some(s) = slice {
                        p.rows.retain(|(ck, _)| s.contains(ck));
                    }
                    return Ok(Some(p));
                }
                _ => continue,
            }
        }
        Ok(None)
    }

    /// Partitions from `start` onwards, in order.
    pub fn scan_from(self: &Arc<Self>, start: Bound<PartitionKey>) -> Result<SstableScanner> {
        let pos = match &start {
            Bound::Unbounded => (0, 0),
            Bound::Included(k) | Bound::Excluded(k) => self.locate(k)?.unwrap_or((0, 0)),
        };
        Ok(SstableScanner {
            sst: Arc::clone(self),
            chunk: pos.0,
            entry: pos.1,
            start,
            pending: std::collections::VecDeque::new(),
        })
    }
}

/// Walks the partitions of one decoded block.
struct BlockIter<'a> {
    block: &'a Bytes,
    base: i64,
    pos: usize,
    block_offset: u64,
    /// Names the data file in errors (the path is built only then).
    desc: &'a Descriptor,
}

impl<'a> BlockIter<'a> {
    fn new(block: &'a Bytes, block_offset: u64, desc: &'a Descriptor) -> Result<Self> {
        let mut r = Reader::new(block);
        let base = r.ivarint().map_err(|e| decode_err(&desc.path(Component::Data), block_offset, e))?;
        Ok(BlockIter { block, base, pos: r.pos(), block_offset, desc })
    }

    fn err(&self, e: DecodeError) -> StorageError {
        decode_err(&self.desc.path(Component::Data), self.block_offset, e)
    }

    /// Next partition's key and the position and length of its body.
    fn next_raw(&mut self) -> Result<Option<(Bytes, usize, usize)>> {
        if self.pos >= self.block.len() {
            return Ok(None);
        }
        let mut r = Reader::at(self.block, self.pos);
        let key = r.bytes().map_err(|e| self.err(e))?;
        let len = r.len().map_err(|e| self.err(e))?;
        let at = r.pos();
        self.pos = at + len;
        Ok(Some((key, at, len)))
    }

    fn decode_body(&self, at: usize, len: usize) -> Result<PartitionData> {
        let body = self.block.slice(at..at + len);
        let mut r = Reader::new(&body);
        let p = get_partition(&mut r, self.base).map_err(|e| self.err(e))?;
        if !r.is_empty() {
            return Err(StorageError::corrupt(
                self.desc.path(Component::Data),
                self.block_offset,
                "trailing bytes in partition",
            ));
        }
        Ok(p)
    }
}

/// An ordered scan over one SSTable, block by block.
pub struct SstableScanner {
    sst: Arc<SstableReader>,
    chunk: usize,
    entry: usize,
    start: Bound<PartitionKey>,
    pending: std::collections::VecDeque<(PartitionKey, PartitionData)>,
}

impl SstableScanner {
    fn load_next_block(&mut self) -> Result<bool> {
        loop {
            if self.chunk >= self.sst.summary.len() {
                return Ok(false);
            }
            let chunk = self.sst.chunk(self.chunk)?;
            let Some(entry) = chunk.get(self.entry).cloned() else {
                self.chunk += 1;
                self.entry = 0;
                continue;
            };
            self.entry += 1;
            let block = self.sst.read_block(&entry)?;
            let mut it = BlockIter::new(&block, entry.offset, &self.sst.desc)?;
            while let Some((k, at, len)) = it.next_raw()? {
                let key = PartitionKey::new(k);
                let after_start = match &self.start {
                    Bound::Unbounded => true,
                    Bound::Included(s) => key >= *s,
                    Bound::Excluded(s) => key > *s,
                };
                if after_start {
                    let p = it.decode_body(at, len)?;
                    self.pending.push_back((key, p));
                }
            }
            if !self.pending.is_empty() {
                return Ok(true);
            }
        }
    }
}

impl Iterator for SstableScanner {
    type Item = Result<(PartitionKey, PartitionData)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pending.is_empty() {
            match self.load_next_block() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.chunk = usize::MAX;
                    return Some(Err(e));
                }
            }
        }
        self.pending.pop_front().map(Ok)
    }
}
