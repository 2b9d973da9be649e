//! The memtable: a concurrent skip list of partitions, each guarded by its own lock so a
//! mutation applies atomically within its partition while other partitions proceed.

use crate::model::*;
use bytes::Bytes;
use crossbeam_skiplist::SkipMap;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

#[derive(Default)]
struct MemPartition {
    deletion: Option<DeletionTime>,
    range_tombstones: Vec<RangeTombstone>,
    static_row: Option<Row>,
    rows: BTreeMap<Bytes, Row>,
}

impl MemPartition {
    fn apply(&mut self, m: &Mutation) {
        if m.partition_deletion.is_some() {
            self.deletion = DeletionTime::max(self.deletion, m.partition_deletion);
        }
        for rt in &m.range_tombstones {
            if !self.range_tombstones.contains(rt) {
                self.range_tombstones.push(rt.clone());
            }
        }
        if let Some(s) = &m.static_row {
            match &mut self.static_row {
                Some(cur) => cur.merge(s.clone()),
                None => self.static_row = Some(s.clone()),
            }
        }
        for (ck, row) in &m.rows {
            match self.rows.get_mut(ck) {
                Some(cur) => cur.merge(row.clone()),
                None => {
                    self.rows.insert(ck.clone(), row.clone());
                }
            }
        }
        if m.partition_deletion.is_some() || !m.range_tombstones.is_empty() {
            self.purge();
        }
    }

    /// Drops data shadowed by partition and range deletions to keep the memtable small.
    fn purge(&mut self) {
        let pd = self.deletion;
        if let Some(s) = &mut self.static_row {
            s.purge_shadowed(pd);
        }
        let rts = &self.range_tombstones;
        self.rows.retain(|ck, row| {
            let mut d = pd;
            for rt in rts {
                if rt.range.contains(ck) {
                    d = DeletionTime::max(d, Some(rt.deletion));
                }
            }
            row.purge_shadowed(d);
            !row.is_empty()
        });
        if let Some(p) = pd {
            self.range_tombstones.retain(|rt| rt.deletion.timestamp > p.timestamp);
        }
    }

    fn snapshot(&self, slice: Option<&Slice>) -> PartitionData {
        let rows = self
            .rows
            .iter()
            .filter(|(ck, _)| slice.is_none_or(|s| s.contains(ck)))
            .map(|(ck, r)| (ck.clone(), r.clone()))
            .collect();
        PartitionData {
            partition_deletion: self.deletion,
            range_tombstones: self.range_tombstones.clone(),
            static_row: self.static_row.clone(),
            rows,
        }
    }
}

/// One table's in-memory writes since its last flush.
pub struct Memtable {
    map: SkipMap<PartitionKey, Mutex<MemPartition>>,
    size_bytes: AtomicUsize,
    min_timestamp: AtomicI64,
}

impl Default for Memtable {
    fn default() -> Self {
        Self::new()
    }
}

impl Memtable {
    pub fn new() -> Self {
        Memtable { map: SkipMap::new(), size_bytes: AtomicUsize::new(0), min_timestamp: AtomicI64::new(i64::MAX) }
    }

    /// Applies a mutation; `size_bytes` is its accounted size.
    pub fn apply(&self, m: &Mutation, size_bytes: usize) {
        let entry = self.map.get_or_insert_with(m.key.clone(), || Mutex::new(MemPartition::default()));
        entry.value().lock().apply(m);
        self.size_bytes.fetch_add(size_bytes, Ordering::Relaxed);
        if let Some(lo) = mutation_min_timestamp(m) {
            self.min_timestamp.fetch_min(lo, Ordering::Relaxed);
        }
    }

    pub fn size_bytes(&self) -> usize {
        self.size_bytes.load(Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn partition_count(&self) -> usize {
        self.map.len()
    }

    /// Smallest timestamp of anything written here (`i64::MAX` if empty).
    pub fn min_timestamp(&self) -> i64 {
        self.min_timestamp.load(Ordering::Relaxed)
    }

    pub fn contains(&self, key: &PartitionKey) -> bool {
        self.map.contains_key(key)
    }

    pub fn get(&self, key: &PartitionKey, slice: Option<&Slice>) -> Option<PartitionData> {
        self.map.get(key).map(|e| e.value().lock().snapshot(slice))
    }

    /// Partitions with keys in the given bounds, in order.
    pub fn range(
        &self,
        start: Bound<PartitionKey>,
        end: Bound<PartitionKey>,
        slice: Option<&Slice>,
    ) -> Vec<(PartitionKey, PartitionData)> {
        self.map.range((start, end)).map(|e| (e.key().clone(), e.value().lock().snapshot(slice))).collect()
    }

    /// Iterates all partitions in order (for flushing).
    pub fn iter(&self) -> impl Iterator<Item = (PartitionKey, PartitionData)> + '_ {
        self.map.iter().map(|e| (e.key().clone(), e.value().lock().snapshot(None)))
    }

    /// The first partition at or after `start` (exclusive if `!inclusive`).
    pub fn next_from(
        &self,
        start: &Bound<PartitionKey>,
        slice: Option<&Slice>,
    ) -> Option<(PartitionKey, PartitionData)> {
        let e = self.map.lower_bound(start.as_ref())?;
        let pd = e.value().lock().snapshot(slice);
        Some((e.key().clone(), pd))
    }
}

fn mutation_min_timestamp(m: &Mutation) -> Option<i64> {
    let mut lo: Option<i64> = m.partition_deletion.map(|d| d.timestamp);
    let mut take = |t: i64| lo = Some(lo.map_or(t, |l| l.min(t)));
    for rt in &m.range_tombstones {
        take(rt.deletion.timestamp);
    }
    for r in m.static_row.iter().chain(m.rows.iter().map(|(_, r)| r)) {
        if let Some((l, _)) = r.timestamp_range() {
            take(l);
        }
    }
    lo
}
