//! The memtable: a concurrent skip list of partitions, each guarded by its own lock so a
//! mutation applies atomically within its partition while other partitions proceed.
//!
//! Rows are kept serialized (a base timestamp, then `encoding::put_row`), not as [`Row`]s: a
//! `Row` with its B-tree of cells takes over a kilobyte of heap even for a single cell, its
//! encoding about the size of its data. A partition's rows sit in a sorted vector while they
//! are few and in a B-tree once there are many. Keys, clustering keys and values are copied in,
//! so the memtable never pins a caller's buffers, and [`Memtable::size_bytes`] counts the heap
//! the memtable allocates, so `memtable_heap_space` bounds real memory.

use crate::encoding::{get_row, put_ivarint, put_row, Reader};
use crate::model::*;
use bytes::Bytes;
use crossbeam_skiplist::SkipMap;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

/// Rows per partition kept in a sorted vector; past this a B-tree.
const SMALL_ROWS: usize = 32;
/// Skip-list node bookkeeping (reference count, tower of links) and allocator overhead.
const NODE_OVERHEAD_BYTES: usize = 48;

/// Heap bytes an allocation of `n` bytes costs (allocator header, 16-byte granularity).
fn heap(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        n.div_ceil(16) * 16 + 16
    }
}

/// A row as the memtable keeps it: `[base ivarint][put_row(row, base)]`.
fn pack_row(row: &Row, scratch: &mut Vec<u8>) -> Bytes {
    scratch.clear();
    let base = row.timestamp_range().map_or(0, |(lo, _)| lo);
    put_ivarint(scratch, base);
    put_row(scratch, row, base);
    Bytes::copy_from_slice(scratch)
}

fn unpack_row(packed: &Bytes) -> Row {
    let mut r = Reader::new(packed);
    let row = r.ivarint().and_then(|base| get_row(&mut r, base));
    // Only `pack_row` writes these bytes, and they never leave memory.
    row.expect("memtable row encoding is self-produced")
}

/// A partition's rows by clustering key, each packed.
enum Rows {
    /// Sorted by clustering key, unique.
    Small(Vec<(Bytes, Bytes)>),
    Large(BTreeMap<Bytes, Bytes>),
}

impl Default for Rows {
    fn default() -> Self {
        Rows::Small(Vec::new())
    }
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Small(v) => v.len(),
            Rows::Large(m) => m.len(),
        }
    }

    fn get_mut(&mut self, ck: &Bytes) -> Option<&mut Bytes> {
        match self {
            Rows::Small(v) => match v.binary_search_by(|(k, _)| k.cmp(ck)) {
                Ok(i) => v.get_mut(i).map(|(_, r)| r),
                Err(_) => None,
            },
            Rows::Large(m) => m.get_mut(ck),
        }
    }

    /// Adds a row whose clustering key is not present.
    fn insert_new(&mut self, ck: Bytes, packed: Bytes) {
        match self {
            Rows::Small(v) => {
                let at = v.binary_search_by(|(k, _)| k.cmp(&ck)).unwrap_or_else(|i| i);
                if v.len() < SMALL_ROWS {
                    if v.capacity() == 0 {
                        v.reserve_exact(1);
                    }
                    v.insert(at, (ck, packed));
                } else {
                    let mut m: BTreeMap<Bytes, Bytes> = std::mem::take(v).into_iter().collect();
                    m.insert(ck, packed);
                    *self = Rows::Large(m);
                }
            }
            Rows::Large(m) => {
                m.insert(ck, packed);
            }
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&Bytes, &mut Bytes) -> bool) {
        match self {
            Rows::Small(v) => v.retain_mut(|(k, r)| keep(k, r)),
            Rows::Large(m) => m.retain(|k, r| keep(k, r)),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&Bytes, &Bytes)) {
        match self {
            Rows::Small(v) => v.iter().for_each(|(k, r)| f(k, r)),
            Rows::Large(m) => m.iter().for_each(|(k, r)| f(k, r)),
        }
    }
}

#[derive(Default)]
struct MemPartition {
    deletion: Option<DeletionTime>,
    range_tombstones: Vec<RangeTombstone>,
    static_row: Option<Box<Row>>,
    rows: Rows,
}

impl MemPartition {
    /// Applies `m`; returns the heap bytes this added (an estimate that errs high).
    fn apply(&mut self, m: &Mutation, scratch: &mut Vec<u8>) -> usize {
        let mut added = 0;
        if m.partition_deletion.is_some() {
            self.deletion = DeletionTime::max(self.deletion, m.partition_deletion);
        }
        for rt in &m.range_tombstones {
            if !self.range_tombstones.contains(rt) {
                added += std::mem::size_of::<RangeTombstone>()
                    + heap(rt.range.start.prefix.len())
                    + heap(rt.range.end.prefix.len());
                self.range_tombstones.push(RangeTombstone {
                    range: ClusteringRange {
                        start: ClusteringBound {
                            prefix: Bytes::copy_from_slice(&rt.range.start.prefix),
                            inclusive: rt.range.start.inclusive,
                        },
                        end: ClusteringBound {
                            prefix: Bytes::copy_from_slice(&rt.range.end.prefix),
                            inclusive: rt.range.end.inclusive,
                        },
                    },
                    deletion: rt.deletion,
                });
            }
        }
        if let Some(s) = &m.static_row {
            // Kept as a `Row` (one per partition); its size is counted as a packed row's
            // plus the B-tree nodes a `Row` allocates.
            added += 1024 + pack_row(s, scratch).len();
            let s = owned_row(s);
            match &mut self.static_row {
                Some(cur) => cur.merge(s),
                None => self.static_row = Some(Box::new(s)),
            }
        }
        for (ck, row) in &m.rows {
            match self.rows.get_mut(ck) {
                Some(cur) => {
                    let mut merged = unpack_row(cur);
                    merged.merge(row.clone());
                    let packed = pack_row(&merged, scratch);
                    added += heap(packed.len()).saturating_sub(heap(cur.len()));
                    *cur = packed;
                }
                None => {
                    let packed = pack_row(row, scratch);
                    added += std::mem::size_of::<(Bytes, Bytes)>() + heap(ck.len()) + heap(packed.len());
                    self.rows.insert_new(Bytes::copy_from_slice(ck), packed);
                }
            }
        }
        if m.partition_deletion.is_some() || !m.range_tombstones.is_empty() {
            self.purge(scratch);
        }
        added
    }

    /// Drops data shadowed by partition and range deletions to keep the memtable small.
    fn purge(&mut self, scratch: &mut Vec<u8>) {
        let pd = self.deletion;
        if let Some(s) = &mut self.static_row {
            s.purge_shadowed(pd);
        }
        let rts = &self.range_tombstones;
        self.rows.retain(|ck, packed| {
            let mut d = pd;
            for rt in rts {
                if rt.range.contains(ck) {
                    d = DeletionTime::max(d, Some(rt.deletion));
                }
            }
            let mut row = unpack_row(packed);
            row.purge_shadowed(d);
            if row.is_empty() {
                return false;
            }
            *packed = pack_row(&row, scratch);
            true
        });
        if let Some(p) = pd {
            self.range_tombstones.retain(|rt| rt.deletion.timestamp > p.timestamp);
        }
    }

    fn snapshot(&self, slice: Option<&Slice>) -> PartitionData {
        let mut rows = Vec::new();
        self.rows.for_each(|ck, packed| {
            if slice.is_none_or(|s| s.contains(ck)) {
                rows.push((ck.clone(), unpack_row(packed)));
            }
        });
        PartitionData {
            partition_deletion: self.deletion,
            range_tombstones: self.range_tombstones.clone(),
            static_row: self.static_row.as_deref().cloned(),
            rows,
        }
    }
}

/// A partition as the memtable holds it, for flushing without decoding its rows.
pub struct RawPartition<'a> {
    pub deletion: Option<DeletionTime>,
    pub range_tombstones: &'a [RangeTombstone],
    pub static_row: Option<&'a Row>,
    rows: &'a Rows,
}

impl RawPartition<'_> {
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deletion.is_none() && self.range_tombstones.is_empty() && self.static_row.is_none() && self.rows.len() == 0
    }

    /// Each row's clustering key and its packed form `[base ivarint][encoding::put_row]`, in
    /// clustering order.
    pub fn for_each_row(&self, f: impl FnMut(&Bytes, &Bytes)) {
        self.rows.for_each(f)
    }
}

/// A copy of `row` that shares no buffer with it (the memtable outlives callers' buffers).
fn owned_row(row: &Row) -> Row {
    let mut out = row.clone();
    for (k, c) in std::mem::take(&mut out.cells) {
        let k = CellKey { column: k.column, path: Bytes::copy_from_slice(&k.path) };
        let value = match c.value {
            CellValue::Live { value, expiry } => CellValue::Live { value: Bytes::copy_from_slice(&value), expiry },
            t @ CellValue::Tombstone { .. } => t,
        };
        out.cells.insert(k, Cell { timestamp: c.timestamp, value });
    }
    out
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

    /// Applies a mutation; returns the bytes it added to [`Memtable::size_bytes`].
    pub fn apply(&self, m: &Mutation) -> usize {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut created = false;
        let key = PartitionKey { token: m.key.token, key: Bytes::copy_from_slice(&m.key.key) };
        let entry = self.map.get_or_insert_with(key, || {
            created = true;
            Mutex::new(MemPartition::default())
        });
        let mut added = SCRATCH.with(|s| entry.value().lock().apply(m, &mut s.borrow_mut()));
        if created {
            added += std::mem::size_of::<PartitionKey>()
                + std::mem::size_of::<Mutex<MemPartition>>()
                + NODE_OVERHEAD_BYTES
                + heap(m.key.key.len());
        }
        let added = added.max(1);
        self.size_bytes.fetch_add(added, Ordering::Relaxed);
        if let Some(lo) = mutation_min_timestamp(m) {
            self.min_timestamp.fetch_min(lo, Ordering::Relaxed);
        }
        added
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

    /// Calls `f` on every partition in order with its rows still packed (flush's fast path).
    pub fn for_each_raw<E>(
        &self,
        mut f: impl FnMut(&PartitionKey, &RawPartition<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        for e in self.map.iter() {
            let p = e.value().lock();
            let raw = RawPartition {
                deletion: p.deletion,
                range_tombstones: &p.range_tombstones,
                static_row: p.static_row.as_deref(),
                rows: &p.rows,
            };
            f(e.key(), &raw)?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn row(ts: i64, col: u32, value: &[u8]) -> Row {
        let mut r = Row { marker: Some(LivenessInfo { timestamp: ts, expiry: None }), ..Default::default() };
        r.cells.insert(CellKey::simple(col), Cell::live(ts, Bytes::copy_from_slice(value)));
        r
    }

    /// Packed rows, the vector-to-B-tree switch and deletions give what merging `Row`s gives.
    #[test]
    fn matches_a_plain_row_model_across_the_small_to_large_switch() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(9);
        let mem = Memtable::new();
        let key = PartitionKey::new(Bytes::from_static(b"p"));
        let mut model: BTreeMap<Bytes, Row> = BTreeMap::new();
        let mut accounted = 0;
        for i in 0..2_000i64 {
            let mut m = Mutation::new(TableId(1), key.clone());
            for _ in 0..rng.gen_range(1..4) {
                let ck = Bytes::from(vec![rng.gen_range(0..(SMALL_ROWS as u8 * 3))]);
                let r = row(rng.gen_range(0..1_000), rng.gen_range(0..3), &i.to_le_bytes());
                match model.get_mut(&ck) {
                    Some(cur) => cur.merge(r.clone()),
                    None => {
                        model.insert(ck.clone(), r.clone());
                    }
                }
                m.rows.push((ck, r));
            }
            if i % 500 == 499 {
                let rt = RangeTombstone {
                    range: ClusteringRange {
                        start: ClusteringBound { prefix: Bytes::from_static(b"\x10"), inclusive: true },
                        end: ClusteringBound { prefix: Bytes::from_static(b"\x30"), inclusive: false },
                    },
                    deletion: DeletionTime { timestamp: 500, local_deletion_time: 1 },
                };
                model.retain(|ck, r| {
                    if rt.range.contains(ck) {
                        r.purge_shadowed(Some(rt.deletion));
                    }
                    !r.is_empty()
                });
                m.range_tombstones.push(rt);
            }
            accounted += mem.apply(&m);
        }
        assert_eq!(accounted, mem.size_bytes());
        let got = mem.get(&key, None).expect("partition");
        let want: Vec<(Bytes, Row)> = model.into_iter().collect();
        assert!(want.len() > SMALL_ROWS, "the test must reach the B-tree");
        assert_eq!(got.rows, want);
        assert_eq!(got.range_tombstones.len(), 1);
        let slice = Slice { ranges: vec![ClusteringRange::prefix(Bytes::from_static(b"\x05"))], reversed: false };
        let one = mem.get(&key, Some(&slice)).expect("partition");
        assert!(one.rows.iter().all(|(ck, _)| ck[..] == b"\x05"[..]));
    }

    /// The memtable copies what it keeps: callers' buffers are not pinned.
    #[test]
    fn keeps_no_reference_to_caller_buffers() {
        let mem = Memtable::new();
        let value = Bytes::from(vec![7u8; 100]);
        let mut m = Mutation::new(TableId(1), PartitionKey::new(Bytes::from(b"k".to_vec())));
        let mut r = row(5, 1, b"");
        r.cells.insert(CellKey::simple(1), Cell::live(5, value.clone()));
        m.rows.push((Bytes::from(b"c".to_vec()), r));
        assert!(mem.apply(&m) > 100);
        drop(m);
        assert!(value.is_unique(), "the memtable must not hold the caller's value buffer");
    }
}
