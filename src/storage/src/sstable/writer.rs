//! Writes one SSTable from partitions given in (token, key) order.

use super::block::{encode_block, Compression};
use super::bloom::BloomFilter;
use super::stats::SstableStats;
use super::{file_header, Component, Descriptor};
use crate::commitlog::Position;
use crate::encoding::{
    put_bytes, put_ivarint, put_partition, put_partition_parts, put_uvarint, transcode_row, Reader, RowItem,
};
use crate::error::{IoContext, Result};
use crate::fsutil;
use crate::memtable::RawPartition;
use crate::model::*;
use std::fs::File;
use std::io::{BufWriter, Write};

/// Index chunks are cut at about this many bytes.
const INDEX_CHUNK_BYTES: usize = 4096;

#[derive(Debug, Clone)]
pub struct WriterOptions {
    pub compression: Compression,
    /// Uncompressed bytes per data block (`chunk_length_in_kb`).
    pub block_size_bytes: usize,
    pub bloom_fp_chance: f64,
    pub expected_partitions: usize,
    pub level: u32,
    pub commitlog_upper_bound: Option<Position>,
}

struct Accum {
    stats: SstableStats,
    ts_seen: bool,
}

impl Accum {
    fn ts(&mut self, t: i64) {
        if !self.ts_seen {
            self.stats.min_timestamp = t;
            self.stats.max_timestamp = t;
            self.ts_seen = true;
        } else {
            self.stats.min_timestamp = self.stats.min_timestamp.min(t);
            self.stats.max_timestamp = self.stats.max_timestamp.max(t);
        }
    }

    fn ldt(&mut self, t: u32) {
        let cur = self.stats.max_local_deletion_time;
        self.stats.max_local_deletion_time = if cur == u32::MAX { t } else { cur.max(t) };
    }

    fn deletion(&mut self, d: &DeletionTime) {
        self.stats.tombstone_count += 1;
        self.ts(d.timestamp);
        self.ldt(d.local_deletion_time);
    }

    fn item(&mut self, ts: i64, item: RowItem) {
        self.ts(ts);
        match item {
            RowItem::Marker { expires_at: Some(e) } => {
                self.stats.ttl_count += 1;
                self.ldt(e);
            }
            RowItem::Marker { expires_at: None } => self.stats.has_non_expiring_data = true,
            RowItem::Deletion { local_deletion_time } => {
                self.stats.tombstone_count += 1;
                self.ldt(local_deletion_time);
            }
            RowItem::LiveCell { expires_at } => {
                self.stats.cell_count += 1;
                match expires_at {
                    Some(e) => {
                        self.stats.ttl_count += 1;
                        self.ldt(e);
                    }
                    None => self.stats.has_non_expiring_data = true,
                }
            }
            RowItem::CellTombstone { local_deletion_time } => {
                self.stats.cell_count += 1;
                self.stats.tombstone_count += 1;
                self.ldt(local_deletion_time);
            }
        }
    }

    fn row(&mut self, r: &Row) {
        if let Some(m) = &r.marker {
            self.ts(m.timestamp);
            if let Some(e) = m.expiry {
                self.stats.ttl_count += 1;
                self.ldt(e.expires_at);
            } else {
                self.stats.has_non_expiring_data = true;
            }
        }
        if let Some(d) = &r.deletion {
            self.deletion(d);
        }
        for d in r.complex_deletions.values() {
            self.deletion(d);
        }
        for c in r.cells.values() {
            self.stats.cell_count += 1;
            self.ts(c.timestamp);
            match &c.value {
                CellValue::Tombstone { local_deletion_time } => {
                    self.stats.tombstone_count += 1;
                    self.ldt(*local_deletion_time);
                }
                CellValue::Live { expiry: Some(e), .. } => {
                    self.stats.ttl_count += 1;
                    self.ldt(e.expires_at);
                }
                CellValue::Live { expiry: None, .. } => self.stats.has_non_expiring_data = true,
            }
        }
    }
}

struct IndexEntry {
    key: PartitionKey,
    offset: u64,
    len: u32,
}

pub struct SstableWriter {
    desc: Descriptor,
    opts: WriterOptions,
    data: BufWriter<File>,
    offset: u64,
    block: Vec<u8>,
    block_base: i64,
    block_first: Option<PartitionKey>,
    scratch: Vec<u8>,
    encoded: Vec<u8>,
    index: Vec<IndexEntry>,
    bloom: BloomFilter,
    acc: Accum,
    last_key: Option<PartitionKey>,
    min_ck: Option<bytes::Bytes>,
    max_ck: Option<bytes::Bytes>,
}

impl SstableWriter {
    pub fn create(desc: Descriptor, opts: WriterOptions) -> Result<Self> {
        let path = desc.tmp_path(Component::Data);
        let mut data = BufWriter::with_capacity(256 * 1024, File::create(&path).ctx(&path)?);
        data.write_all(&file_header()).ctx(&path)?;
        let bloom = BloomFilter::new(opts.expected_partitions, opts.bloom_fp_chance);
        let stats = SstableStats {
            partition_count: 0,
            row_count: 0,
            cell_count: 0,
            tombstone_count: 0,
            ttl_count: 0,
            has_non_expiring_data: false,
            min_timestamp: 0,
            max_timestamp: 0,
            max_local_deletion_time: u32::MAX,
            min_token: 0,
            max_token: 0,
            min_clustering: None,
            max_clustering: None,
            data_size_bytes: 0,
            uncompressed_size_bytes: 0,
            block_count: 0,
            level: opts.level,
            commitlog_upper_bound: opts.commitlog_upper_bound,
            created_at: now_secs(),
            compression: opts.compression,
        };
        Ok(SstableWriter {
            desc,
            opts,
            data,
            offset: super::FILE_HEADER_BYTES as u64,
            block: Vec::new(),
            block_base: 0,
            block_first: None,
            scratch: Vec::new(),
            encoded: Vec::new(),
            index: Vec::new(),
            bloom,
            acc: Accum { stats, ts_seen: false },
            last_key: None,
            min_ck: None,
            max_ck: None,
        })
    }

    pub fn generation(&self) -> u64 {
        self.desc.generation
    }

    /// Bytes written to the data file so far (for splitting outputs).
    pub fn data_bytes(&self) -> u64 {
        self.offset + self.block.len() as u64
    }

    pub fn partition_count(&self) -> u64 {
        self.acc.stats.partition_count
    }

    /// Appends a partition; keys must be strictly increasing.
    pub fn add(&mut self, key: &PartitionKey, p: &PartitionData) -> Result<()> {
        assert!(self.last_key.as_ref().is_none_or(|k| k < key), "sstable partitions out of order");
        if p.is_empty() {
            return Ok(());
        }
        if self.block_first.is_some() {
            self.serialize(key, p, self.block_base);
            if self.block.len() + self.scratch.len() > self.opts.block_size_bytes {
                self.finish_block()?;
            }
        }
        if self.block_first.is_none() {
            self.block_base = partition_base(p);
            self.block.clear();
            put_ivarint(&mut self.block, self.block_base);
            // A copy: the key lives in the index until `finish`, and a clone could be a slice
            // of a whole decoded input block (compaction), pinning that block as long.
            self.block_first = Some(PartitionKey { token: key.token, key: bytes::Bytes::copy_from_slice(&key.key) });
            self.serialize(key, p, self.block_base);
        }
        self.block.extend_from_slice(&self.scratch);
        self.record(key, p);
        if self.block.len() >= self.opts.block_size_bytes {
            self.finish_block()?;
        }
        Ok(())
    }

    /// Appends a memtable partition without decoding its rows (flush's fast path); keys must
    /// be strictly increasing.
    pub fn add_raw(&mut self, key: &PartitionKey, p: &RawPartition<'_>) -> Result<()> {
        assert!(self.last_key.as_ref().is_none_or(|k| k < key), "sstable partitions out of order");
        if p.is_empty() {
            return Ok(());
        }
        let mut items = Vec::new();
        if self.block_first.is_some() {
            self.serialize_raw(key, p, self.block_base, &mut items)?;
            if self.block.len() + self.scratch.len() > self.opts.block_size_bytes {
                self.finish_block()?;
            }
        }
        if self.block_first.is_none() {
            self.block_base = raw_base(p);
            self.block.clear();
            put_ivarint(&mut self.block, self.block_base);
            self.block_first = Some(PartitionKey { token: key.token, key: bytes::Bytes::copy_from_slice(&key.key) });
            items.clear();
            self.serialize_raw(key, p, self.block_base, &mut items)?;
        }
        self.block.extend_from_slice(&self.scratch);
        let meta = PartitionData {
            partition_deletion: p.deletion,
            range_tombstones: p.range_tombstones.to_vec(),
            static_row: p.static_row.cloned(),
            rows: Vec::new(),
        };
        self.record(key, &meta);
        self.acc.stats.row_count += p.row_count() as u64;
        for (ts, item) in items {
            self.acc.item(ts, item);
        }
        let (mut lo, mut hi) = (None::<bytes::Bytes>, None::<bytes::Bytes>);
        p.for_each_row(|ck, _| {
            if lo.is_none() {
                lo = Some(ck.clone());
            }
            hi = Some(ck.clone());
        });
        if let Some(lo) = lo {
            if self.min_ck.as_ref().is_none_or(|m| lo < *m) {
                self.min_ck = Some(lo);
            }
        }
        if let Some(hi) = hi {
            if self.max_ck.as_ref().is_none_or(|m| hi > *m) {
                self.max_ck = Some(hi);
            }
        }
        if self.block.len() >= self.opts.block_size_bytes {
            self.finish_block()?;
        }
        Ok(())
    }

    fn serialize_raw(
        &mut self,
        key: &PartitionKey,
        p: &RawPartition<'_>,
        base: i64,
        items: &mut Vec<(i64, RowItem)>,
    ) -> Result<()> {
        self.scratch.clear();
        put_bytes(&mut self.scratch, &key.key);
        let mut body = std::mem::take(&mut self.encoded);
        body.clear();
        put_partition_parts(&mut body, p.deletion.as_ref(), p.range_tombstones, p.static_row, &[], base);
        // `put_partition_parts` ended with a zero row count; replace it with the real rows.
        body.pop();
        put_uvarint(&mut body, p.row_count() as u64);
        let mut failed = None;
        p.for_each_row(|ck, packed| {
            if failed.is_some() {
                return;
            }
            put_bytes(&mut body, ck);
            let mut r = Reader::new(packed);
            let res = r
                .ivarint()
                .and_then(|from| transcode_row(&mut r, from, base, &mut body, &mut |ts, it| items.push((ts, it))));
            if let Err(e) = res {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            self.encoded = body;
            return Err(crate::error::StorageError::corrupt("memtable", e.offset as u64, e.reason));
        }
        put_bytes(&mut self.scratch, &body);
        self.encoded = body;
        Ok(())
    }

    fn serialize(&mut self, key: &PartitionKey, p: &PartitionData, base: i64) {
        self.scratch.clear();
        put_bytes(&mut self.scratch, &key.key);
        let mut body = std::mem::take(&mut self.encoded);
        body.clear();
        put_partition(&mut body, p, base);
        put_bytes(&mut self.scratch, &body);
        self.encoded = body;
    }

    fn record(&mut self, key: &PartitionKey, p: &PartitionData) {
        let s = &mut self.acc.stats;
        if s.partition_count == 0 {
            s.min_token = key.token.0;
        }
        s.max_token = key.token.0;
        s.partition_count += 1;
        s.row_count += p.rows.len() as u64;
        self.bloom.insert(&key.key);
        if let Some(d) = &p.partition_deletion {
            self.acc.deletion(d);
        }
        for rt in &p.range_tombstones {
            self.acc.deletion(&rt.deletion);
        }
        if let Some(r) = &p.static_row {
            self.acc.row(r);
        }
        for (ck, r) in &p.rows {
            self.acc.row(r);
            if self.min_ck.as_ref().is_none_or(|m| ck < m) {
                self.min_ck = Some(ck.clone());
            }
            if self.max_ck.as_ref().is_none_or(|m| ck > m) {
                self.max_ck = Some(ck.clone());
            }
        }
        self.last_key = Some(key.clone());
    }

    fn finish_block(&mut self) -> Result<()> {
        let Some(first) = self.block_first.take() else { return Ok(()) };
        let mut out = std::mem::take(&mut self.encoded);
        out.clear();
        let path = self.desc.tmp_path(Component::Data);
        encode_block(&self.block, self.opts.compression, &mut out).ctx(&path)?;
        self.data.write_all(&out).ctx(&path)?;
        self.index.push(IndexEntry { key: first, offset: self.offset, len: out.len() as u32 });
        self.acc.stats.uncompressed_size_bytes += self.block.len() as u64;
        self.acc.stats.block_count += 1;
        self.offset += out.len() as u64;
        self.block.clear();
        self.encoded = out;
        Ok(())
    }

    /// Writes the remaining components and makes the SSTable durable under its final name.
    /// Returns `None` (and removes the temporary files) if nothing was added.
    pub fn finish(mut self) -> Result<Option<SstableStats>> {
        self.finish_block()?;
        let data_path = self.desc.tmp_path(Component::Data);
        self.data.flush().ctx(&data_path)?;
        let file = self.data.into_inner().map_err(|e| crate::error::StorageError::io(&data_path, e.into_error()))?;
        if self.acc.stats.partition_count == 0 {
            drop(file);
            self.desc.delete_files();
            return Ok(None);
        }
        file.sync_all().ctx(&data_path)?;
        drop(file);

        // Index.db in checksummed chunks, and Summary.db over the chunks.
        let mut index = file_header().to_vec();
        let mut summary = Vec::new();
        let mut chunk = Vec::new();
        let mut count = 0u64;
        let mut chunk_first: Option<&PartitionKey> = None;
        let flush_chunk = |chunk: &mut Vec<u8>,
                           count: &mut u64,
                           first: Option<&PartitionKey>,
                           index: &mut Vec<u8>,
                           summary: &mut Vec<u8>| {
            let Some(first) = first else { return };
            let mut payload = Vec::with_capacity(chunk.len() + 10);
            put_uvarint(&mut payload, *count);
            payload.extend_from_slice(chunk);
            let off = index.len() as u64;
            index.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            index.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
            index.extend_from_slice(&payload);
            put_bytes(summary, &first.key);
            put_uvarint(summary, off);
            put_uvarint(summary, (index.len() as u64) - off);
            chunk.clear();
            *count = 0;
        };
        let mut chunks = 0u64;
        for e in &self.index {
            if chunk_first.is_none() {
                chunk_first = Some(&e.key);
            }
            put_bytes(&mut chunk, &e.key.key);
            put_uvarint(&mut chunk, e.offset);
            put_uvarint(&mut chunk, u64::from(e.len));
            count += 1;
            if chunk.len() >= INDEX_CHUNK_BYTES {
                flush_chunk(&mut chunk, &mut count, chunk_first.take(), &mut index, &mut summary);
                chunks += 1;
            }
        }
        if chunk_first.is_some() {
            flush_chunk(&mut chunk, &mut count, chunk_first.take(), &mut index, &mut summary);
            chunks += 1;
        }
        let mut summary_file = file_header().to_vec();
        put_uvarint(&mut summary_file, chunks);
        summary_file.extend_from_slice(&summary);
        let crc = crc32c::crc32c(&summary_file[super::FILE_HEADER_BYTES..]);
        summary_file.extend_from_slice(&crc.to_le_bytes());

        let mut filter = file_header().to_vec();
        let fbody = self.bloom.serialize();
        filter.extend_from_slice(&fbody);
        filter.extend_from_slice(&crc32c::crc32c(&fbody).to_le_bytes());

        let mut stats = self.acc.stats.clone();
        stats.data_size_bytes = self.offset;
        stats.min_clustering = self.min_ck.as_ref().map(hex);
        stats.max_clustering = self.max_ck.as_ref().map(hex);
        let mut stats_file = file_header().to_vec();
        let sbody = serde_json::to_vec(&stats)
            .map_err(|e| crate::error::StorageError::corrupt(&data_path, 0, e.to_string()))?;
        stats_file.extend_from_slice(&sbody);
        stats_file.extend_from_slice(&crc32c::crc32c(&sbody).to_le_bytes());

        let toc: String = Component::ALL.iter().map(|c| format!("{}\n", c.suffix())).collect();

        for (c, bytes) in [
            (Component::Index, index.as_slice()),
            (Component::Summary, summary_file.as_slice()),
            (Component::Filter, filter.as_slice()),
            (Component::Statistics, stats_file.as_slice()),
            (Component::Toc, toc.as_bytes()),
        ] {
            let p = self.desc.tmp_path(c);
            let mut f = File::create(&p).ctx(&p)?;
            f.write_all(bytes).ctx(&p)?;
            f.sync_all().ctx(&p)?;
        }
        // TOC last: an SSTable whose TOC exists under its final name is complete.
        for c in Component::ALL.iter().filter(|c| **c != Component::Toc).chain(std::iter::once(&Component::Toc)) {
            let from = self.desc.tmp_path(*c);
            let to = self.desc.path(*c);
            std::fs::rename(&from, &to).ctx(&to)?;
        }
        fsutil::fsync_dir(&self.desc.dir)?;
        Ok(Some(stats))
    }
}

fn raw_base(p: &RawPartition<'_>) -> i64 {
    if let Some(d) = p.deletion {
        return d.timestamp;
    }
    let mut base = None;
    p.for_each_row(|_, packed| {
        if base.is_none() {
            base = Reader::new(packed).ivarint().ok();
        }
    });
    base.or_else(|| p.static_row.and_then(|r| r.timestamp_range()).map(|(lo, _)| lo)).unwrap_or(0)
}

fn partition_base(p: &PartitionData) -> i64 {
    if let Some(d) = p.partition_deletion {
        return d.timestamp;
    }
    p.rows
        .first()
        .and_then(|(_, r)| r.timestamp_range())
        .or_else(|| p.static_row.as_ref().and_then(|r| r.timestamp_range()))
        .map(|(lo, _)| lo)
        .unwrap_or(0)
}

pub fn hex(b: &bytes::Bytes) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
