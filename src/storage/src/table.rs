//! One table's live state: its memtables and SSTables behind an immutable view that is swapped
//! atomically, so reads never wait for flushes or compactions.

use crate::commitlog::Position;
use crate::compaction::strategy::CompactionStrategy;
use crate::config::TableOptions;
use crate::error::Result;
use crate::memtable::Memtable;
use crate::merge::merge_partitions;
use crate::model::*;
use crate::sstable::reader::{SstableReader, SstableScanner};
use parking_lot::{Mutex, RwLock};
use sibyl_common::Token;
use std::collections::HashSet;
use std::ops::Bound;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// What a read sees: immutable once published.
#[derive(Clone)]
pub struct View {
    pub memtable: Arc<Memtable>,
    /// Memtables being flushed, newest first.
    pub flushing: Vec<Arc<Memtable>>,
    pub sstables: Vec<Arc<SstableReader>>,
}

/// A table's options and the compaction strategy made from them: replaced as a whole by
/// `Engine::alter_table`, read by each flush and compaction when it starts.
#[derive(Debug, Clone)]
pub struct TableSettings {
    pub options: TableOptions,
    pub strategy: CompactionStrategy,
}

pub struct Table {
    pub id: TableId,
    pub dir: PathBuf,
    pub(crate) settings: RwLock<Arc<TableSettings>>,
    /// Writers hold it shared across commitlog append + memtable insert; a memtable switch
    /// holds it exclusively, so every write lands in the memtable its log position says.
    pub write_barrier: RwLock<()>,
    pub view: RwLock<Arc<View>>,
    /// Serializes flushes of this table so they complete in commitlog order.
    pub flush_lock: Mutex<()>,
    /// Held while a compaction publishes its outputs and while the table is truncated or
    /// dropped, so a compaction never publishes data read before a truncate.
    pub publish_lock: Mutex<()>,
    /// Bumped by every truncate.
    pub truncations: std::sync::atomic::AtomicU64,
    pub flush_requested: AtomicBool,
    pub compacting: Mutex<HashSet<u64>>,
    pub replay_from: Mutex<Position>,
    pub dropped: AtomicBool,
}

impl Table {
    /// The current options and compaction strategy.
    pub fn settings(&self) -> Arc<TableSettings> {
        Arc::clone(&self.settings.read())
    }

    pub fn view(&self) -> Arc<View> {
        Arc::clone(&self.view.read())
    }

    pub fn publish(&self, f: impl FnOnce(&View) -> View) {
        let mut v = self.view.write();
        let next = f(&v);
        *v = Arc::new(next);
    }

    /// Reads one partition, merged across memtables and SSTables.
    pub fn read(&self, key: &PartitionKey, slice: &Slice) -> Result<Option<PartitionData>> {
        let view = self.view();
        let mut parts = Vec::new();
        for m in std::iter::once(&view.memtable).chain(view.flushing.iter()) {
            if let Some(p) = m.get(key, Some(slice)) {
                parts.push(p);
            }
        }
        // Newest data first, so a partition deletion found early lets older SSTables be skipped.
        let mut candidates: Vec<&Arc<SstableReader>> = view.sstables.iter().filter(|s| s.may_contain(key)).collect();
        candidates.sort_by_key(|s| std::cmp::Reverse(s.stats.max_timestamp));
        let mut pd: Option<DeletionTime> =
            parts.iter().filter_map(|p| p.partition_deletion).max_by_key(|d| d.timestamp);
        for s in candidates {
            if pd.is_some_and(|d| s.stats.max_timestamp <= d.timestamp) {
                continue;
            }
            if let Some(p) = s.get(key, Some(slice))? {
                pd = DeletionTime::max(pd, p.partition_deletion);
                parts.push(p);
            }
        }
        if parts.is_empty() {
            return Ok(None);
        }
        let mut merged = merge_partitions(parts);
        merged.rows.retain(|(ck, _)| slice.contains(ck));
        if slice.reversed {
            merged.rows.reverse();
        }
        if merged.is_empty() {
            return Ok(None);
        }
        Ok(Some(merged))
    }

    /// Partitions in `range`, in token order, merged across sources.
    pub fn scan(&self, range: KeyRange, slice: Slice) -> Result<PartitionScan> {
        let view = self.view();
        let start = range.seek_bound();
        let mut sources: Vec<Source> = Vec::new();
        for m in std::iter::once(&view.memtable).chain(view.flushing.iter()) {
            sources.push(Source::Mem { mem: Arc::clone(m), cursor: start.clone(), head: None });
        }
        for s in &view.sstables {
            if range.overlaps_tokens(Token(s.stats.min_token), Token(s.stats.max_token)) {
                sources.push(Source::Sst { scan: s.scan_from(start.clone())?, head: None });
            }
        }
        Ok(PartitionScan { sources, range, slice, _view: view, done: false })
    }
}

/// One end of a scan range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangePoint {
    Unbounded,
    /// Just before the first key with this token.
    BeforeToken(Token),
    /// Just after the last key with this token.
    AfterToken(Token),
    Including(PartitionKey),
    Excluding(PartitionKey),
}

/// A range of partitions, in (token, key) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub start: RangePoint,
    pub end: RangePoint,
}

impl KeyRange {
    pub fn all() -> Self {
        KeyRange { start: RangePoint::Unbounded, end: RangePoint::Unbounded }
    }

    /// Cassandra's token range `(start, end]`.
    pub fn token_range(start_exclusive: Token, end_inclusive: Token) -> Self {
        KeyRange { start: RangePoint::AfterToken(start_exclusive), end: RangePoint::AfterToken(end_inclusive) }
    }

    fn seek_bound(&self) -> Bound<PartitionKey> {
        let at = |t: Token| Bound::Included(PartitionKey { token: t, key: bytes::Bytes::new() });
        match &self.start {
            RangePoint::Unbounded => Bound::Unbounded,
            RangePoint::BeforeToken(t) => at(*t),
            RangePoint::AfterToken(t) => match t.0.checked_add(1) {
                Some(n) => at(Token(n)),
                None => Bound::Excluded(PartitionKey { token: Token::MAX, key: bytes::Bytes::from(vec![0xff; 65536]) }),
            },
            RangePoint::Including(k) => Bound::Included(k.clone()),
            RangePoint::Excluding(k) => Bound::Excluded(k.clone()),
        }
    }

    pub fn admits_start(&self, k: &PartitionKey) -> bool {
        match &self.start {
            RangePoint::Unbounded => true,
            RangePoint::BeforeToken(t) => k.token >= *t,
            RangePoint::AfterToken(t) => k.token > *t,
            RangePoint::Including(s) => k >= s,
            RangePoint::Excluding(s) => k > s,
        }
    }

    pub fn admits_end(&self, k: &PartitionKey) -> bool {
        match &self.end {
            RangePoint::Unbounded => true,
            RangePoint::BeforeToken(t) => k.token < *t,
            RangePoint::AfterToken(t) => k.token <= *t,
            RangePoint::Including(e) => k <= e,
            RangePoint::Excluding(e) => k < e,
        }
    }

    fn overlaps_tokens(&self, lo: Token, hi: Token) -> bool {
        let start_ok = match &self.end {
            RangePoint::Unbounded => true,
            RangePoint::BeforeToken(t) => lo < *t,
            RangePoint::AfterToken(t) => lo <= *t,
            RangePoint::Including(e) | RangePoint::Excluding(e) => lo <= e.token,
        };
        let end_ok = match &self.start {
            RangePoint::Unbounded => true,
            RangePoint::BeforeToken(t) => hi >= *t,
            RangePoint::AfterToken(t) => hi > *t,
            RangePoint::Including(s) | RangePoint::Excluding(s) => hi >= s.token,
        };
        start_ok && end_ok
    }
}

enum Source {
    Mem { mem: Arc<Memtable>, cursor: Bound<PartitionKey>, head: Option<(PartitionKey, PartitionData)> },
    Sst { scan: SstableScanner, head: Option<(PartitionKey, PartitionData)> },
}

impl Source {
    fn fill(&mut self, slice: &Slice) -> Result<()> {
        match self {
            Source::Mem { mem, cursor, head } => {
                if head.is_none() {
                    if let Some((k, p)) = mem.next_from(cursor, Some(slice)) {
                        *cursor = Bound::Excluded(k.clone());
                        *head = Some((k, p));
                    }
                }
            }
            Source::Sst { scan, head } => {
                if head.is_none() {
                    if let Some(r) = scan.next() {
                        let (k, mut p) = r?;
                        p.rows.retain(|(ck, _)| slice.contains(ck));
                        *head = Some((k, p));
                    }
                }
            }
        }
        Ok(())
    }

    fn head(&self) -> Option<&PartitionKey> {
        match self {
            Source::Mem { head, .. } | Source::Sst { head, .. } => head.as_ref().map(|(k, _)| k),
        }
    }

    fn take(&mut self) -> Option<(PartitionKey, PartitionData)> {
        match self {
            Source::Mem { head, .. } | Source::Sst { head, .. } => head.take(),
        }
    }
}

/// An ordered, merged scan over a table's partitions. Holds its view, so the data it reads
/// stays readable while flushes and compactions go on.
pub struct PartitionScan {
    sources: Vec<Source>,
    range: KeyRange,
    slice: Slice,
    _view: Arc<View>,
    done: bool,
}

impl PartitionScan {
    fn next_merged(&mut self) -> Result<Option<(PartitionKey, PartitionData)>> {
        loop {
            for s in self.sources.iter_mut() {
                s.fill(&self.slice)?;
            }
            let Some(min) = self.sources.iter().filter_map(|s| s.head()).min().cloned() else {
                return Ok(None);
            };
            if !self.range.admits_end(&min) {
                return Ok(None);
            }
            let mut parts = Vec::new();
            for s in self.sources.iter_mut() {
                if s.head() == Some(&min) {
                    if let Some((_, p)) = s.take() {
                        parts.push(p);
                    }
                }
            }
            if !self.range.admits_start(&min) {
                continue;
            }
            let mut merged = merge_partitions(parts);
            if self.slice.reversed {
                merged.rows.reverse();
            }
            if merged.is_empty() {
                continue;
            }
            return Ok(Some((min, merged)));
        }
    }
}

impl Iterator for PartitionScan {
    type Item = Result<(PartitionKey, PartitionData)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_merged() {
            Ok(Some(x)) => Some(Ok(x)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
