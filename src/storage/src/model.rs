//! The data model the engine stores: partitions of rows of cells, with Cassandra's
//! deletion kinds and reconciliation rules.
//!
//! Keys are bytes: a partition key is the serialized CQL partition key (what Murmur3 hashes);
//! a clustering key is the byte-comparable encoding from `sibyl_common::clustering`, so the
//! engine orders rows with `memcmp` and still matches each CQL type's order.

use bytes::Bytes;
use sibyl_common::Token;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Write timestamp in microseconds since the Unix epoch.
pub type TimestampMicros = i64;
/// Wall-clock time in seconds since the Unix epoch (Cassandra's `localDeletionTime` unit).
pub type EpochSeconds = u32;
/// Identifier of a column within its table, assigned by the schema layer.
pub type ColumnId = u32;

/// A table's identity (Cassandra's table id, a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct TableId(pub u128);

impl std::fmt::Display for TableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// A partition's position: ordered by token, then by key bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionKey {
    pub token: Token,
    pub key: Bytes,
}

impl PartitionKey {
    pub fn new(key: impl Into<Bytes>) -> Self {
        let key = key.into();
        PartitionKey { token: sibyl_common::murmur3_token(&key), key }
    }
}

/// When and at what time something was deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeletionTime {
    /// Write timestamp of the deletion: it shadows data with a timestamp `<=` this.
    pub timestamp: TimestampMicros,
    /// Server time of the deletion, for `gc_grace_seconds`.
    pub local_deletion_time: EpochSeconds,
}

impl DeletionTime {
    /// Whether this deletion shadows data written at `ts`.
    #[inline]
    pub fn deletes(&self, ts: TimestampMicros) -> bool {
        ts <= self.timestamp
    }

    /// The stronger of two deletions (higher timestamp, then later local time).
    pub fn max(a: Option<DeletionTime>, b: Option<DeletionTime>) -> Option<DeletionTime> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => {
                if (x.timestamp, x.local_deletion_time) >= (y.timestamp, y.local_deletion_time) {
                    Some(x)
                } else {
                    Some(y)
                }
            }
        }
    }
}

/// A time-to-live attached to a cell or row marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Expiry {
    pub ttl_seconds: u32,
    /// The second at which the data stops being live.
    pub expires_at: EpochSeconds,
}

/// What a cell holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CellValue {
    Live { value: Bytes, expiry: Option<Expiry> },
    Tombstone { local_deletion_time: EpochSeconds },
}

/// One cell: a value or a tombstone with its write timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cell {
    pub timestamp: TimestampMicros,
    pub value: CellValue,
}

impl Cell {
    pub fn live(timestamp: TimestampMicros, value: impl Into<Bytes>) -> Self {
        Cell { timestamp, value: CellValue::Live { value: value.into(), expiry: None } }
    }

    pub fn expiring(timestamp: TimestampMicros, value: impl Into<Bytes>, expiry: Expiry) -> Self {
        Cell { timestamp, value: CellValue::Live { value: value.into(), expiry: Some(expiry) } }
    }

    pub fn tombstone(timestamp: TimestampMicros, local_deletion_time: EpochSeconds) -> Self {
        Cell { timestamp, value: CellValue::Tombstone { local_deletion_time } }
    }

    /// The value if the cell is live at `now`.
    pub fn live_value(&self, now: EpochSeconds) -> Option<&Bytes> {
        match &self.value {
            CellValue::Live { value, expiry } => match expiry {
                Some(e) if e.expires_at <= now => None,
                _ => Some(value),
            },
            CellValue::Tombstone { .. } => None,
        }
    }

    pub fn is_tombstone(&self) -> bool {
        matches!(self.value, CellValue::Tombstone { .. })
    }

    pub fn expiry(&self) -> Option<Expiry> {
        match &self.value {
            CellValue::Live { expiry, .. } => *expiry,
            CellValue::Tombstone { .. } => None,
        }
    }

    /// Cassandra's reconciliation: the higher timestamp wins; at equal timestamps a tombstone
    /// beats a live cell, an expiring cell beats a non-expiring one (the later expiry among two),
    /// and between two live cells the larger value wins. Total and commutative, so every
    /// replica converges whatever the order it sees writes in.
    pub fn reconcile(a: Cell, b: Cell) -> Cell {
        if Self::compare_for_reconcile(&a, &b) == Ordering::Less {
            b
        } else {
            a
        }
    }

    fn rank(&self) -> (u8, u32) {
        match &self.value {
            CellValue::Tombstone { local_deletion_time } => (2, *local_deletion_time),
            CellValue::Live { expiry: Some(e), .. } => (1, e.expires_at),
            CellValue::Live { expiry: None, .. } => (0, 0),
        }
    }

    fn compare_for_reconcile(a: &Cell, b: &Cell) -> Ordering {
        a.timestamp.cmp(&b.timestamp).then_with(|| a.rank().cmp(&b.rank())).then_with(|| match (&a.value, &b.value) {
            (CellValue::Live { value: x, .. }, CellValue::Live { value: y, .. }) => x.cmp(y),
            _ => Ordering::Equal,
        })
    }
}

/// Where a cell lives in a row: its column, and for collection elements the element's path
/// (list element id, set element, map key); empty for simple columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub column: ColumnId,
    pub path: Bytes,
}

impl CellKey {
    pub fn simple(column: ColumnId) -> Self {
        CellKey { column, path: Bytes::new() }
    }
}

/// The row marker (Cassandra's primary-key liveness): written by INSERT, not by UPDATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LivenessInfo {
    pub timestamp: TimestampMicros,
    pub expiry: Option<Expiry>,
}

impl LivenessInfo {
    pub fn is_live(&self, now: EpochSeconds) -> bool {
        self.expiry.is_none_or(|e| e.expires_at > now)
    }

    fn reconcile(a: Option<LivenessInfo>, b: Option<LivenessInfo>) -> Option<LivenessInfo> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => {
                let rank = |l: &LivenessInfo| (l.timestamp, l.expiry.map(|e| e.expires_at).unwrap_or(0));
                if rank(&x) >= rank(&y) {
                    Some(x)
                } else {
                    Some(y)
                }
            }
        }
    }
}

/// A row: marker, row deletion, collection (complex) deletions and cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub marker: Option<LivenessInfo>,
    pub deletion: Option<DeletionTime>,
    /// Deletion of a whole collection column (written when a collection is overwritten).
    pub complex_deletions: BTreeMap<ColumnId, DeletionTime>,
    pub cells: BTreeMap<CellKey, Cell>,
}

impl Row {
    pub fn is_empty(&self) -> bool {
        self.marker.is_none() && self.deletion.is_none() && self.complex_deletions.is_empty() && self.cells.is_empty()
    }

    /// Merges `other` into `self` and drops whatever the resulting deletions shadow.
    pub fn merge(&mut self, other: Row) {
        self.marker = LivenessInfo::reconcile(self.marker, other.marker);
        self.deletion = DeletionTime::max(self.deletion, other.deletion);
        for (col, d) in other.complex_deletions {
            let cur = self.complex_deletions.get(&col).copied();
            if let Some(m) = DeletionTime::max(cur, Some(d)) {
                self.complex_deletions.insert(col, m);
            }
        }
        for (k, c) in other.cells {
            match self.cells.remove(&k) {
                Some(old) => {
                    self.cells.insert(k, Cell::reconcile(old, c));
                }
                None => {
                    self.cells.insert(k, c);
                }
            }
        }
        self.purge_shadowed(None);
    }

    /// Removes data shadowed by this row's own deletions and by `outer` (a partition or range
    /// deletion covering the row). Deletions that are themselves shadowed are dropped too.
    pub fn purge_shadowed(&mut self, outer: Option<DeletionTime>) {
        if let (Some(o), Some(d)) = (outer, self.deletion) {
            if d.timestamp <= o.timestamp {
                self.deletion = None;
            }
        }
        let del = DeletionTime::max(self.deletion, outer);
        if let Some(d) = del {
            if self.marker.is_some_and(|m| d.deletes(m.timestamp)) {
                self.marker = None;
            }
            self.complex_deletions.retain(|_, cd| cd.timestamp > d.timestamp);
        }
        let complex = &self.complex_deletions;
        self.cells.retain(|k, c| {
            if del.is_some_and(|d| d.deletes(c.timestamp)) {
                return false;
            }
            if !k.path.is_empty() {
                if let Some(cd) = complex.get(&k.column) {
                    if cd.deletes(c.timestamp) {
                        return false;
                    }
                }
            }
            true
        });
    }

    /// Whether the row has any live content at `now` (a live marker or a live cell).
    pub fn is_live(&self, now: EpochSeconds) -> bool {
        self.marker.is_some_and(|m| m.is_live(now)) || self.cells.values().any(|c| c.live_value(now).is_some())
    }

    /// Largest and smallest timestamps of anything in the row.
    pub fn timestamp_range(&self) -> Option<(TimestampMicros, TimestampMicros)> {
        let ts = self
            .marker
            .iter()
            .map(|m| m.timestamp)
            .chain(self.deletion.iter().map(|d| d.timestamp))
            .chain(self.complex_deletions.values().map(|d| d.timestamp))
            .chain(self.cells.values().map(|c| c.timestamp));
        let mut out: Option<(i64, i64)> = None;
        for t in ts {
            out = Some(match out {
                None => (t, t),
                Some((lo, hi)) => (lo.min(t), hi.max(t)),
            });
        }
        out
    }
}

/// One end of a clustering range, as a prefix of the byte-comparable clustering encoding.
/// An empty prefix is unbounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusteringBound {
    pub prefix: Bytes,
    pub inclusive: bool,
}

impl ClusteringBound {
    pub fn unbounded() -> Self {
        ClusteringBound { prefix: Bytes::new(), inclusive: true }
    }

    pub fn is_unbounded(&self) -> bool {
        self.prefix.is_empty() && self.inclusive
    }

    /// Whether `key` is at or after this bound used as a start.
    pub fn start_admits(&self, key: &[u8]) -> bool {
        if self.prefix.is_empty() {
            return self.inclusive;
        }
        if self.inclusive {
            key >= &self.prefix[..]
        } else {
            key > &self.prefix[..] && !key.starts_with(&self.prefix)
        }
    }

    /// Whether `key` is at or before this bound used as an end.
    pub fn end_admits(&self, key: &[u8]) -> bool {
        if self.prefix.is_empty() {
            return self.inclusive;
        }
        if self.inclusive {
            key < &self.prefix[..] || key.starts_with(&self.prefix)
        } else {
            key < &self.prefix[..]
        }
    }
}

/// A range of clustering keys `[start, end]` (each bound inclusive or not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusteringRange {
    pub start: ClusteringBound,
    pub end: ClusteringBound,
}

impl ClusteringRange {
    pub fn all() -> Self {
        ClusteringRange { start: ClusteringBound::unbounded(), end: ClusteringBound::unbounded() }
    }

    /// All rows whose clustering starts with `prefix` (an equality on a clustering prefix).
    pub fn prefix(prefix: Bytes) -> Self {
        ClusteringRange {
            start: ClusteringBound { prefix: prefix.clone(), inclusive: true },
            end: ClusteringBound { prefix, inclusive: true },
        }
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.start.start_admits(key) && self.end.end_admits(key)
    }

    pub fn is_all(&self) -> bool {
        self.start.is_unbounded() && self.end.is_unbounded()
    }
}

/// A deletion of a clustering range.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeTombstone {
    pub range: ClusteringRange,
    pub deletion: DeletionTime,
}

/// Which rows of a partition a read wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    /// Clustering ranges, in clustering order and not overlapping; empty means none.
    pub ranges: Vec<ClusteringRange>,
    /// Return rows in reverse clustering order.
    pub reversed: bool,
}

impl Slice {
    pub fn all() -> Self {
        Slice { ranges: vec![ClusteringRange::all()], reversed: false }
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.ranges.iter().any(|r| r.contains(key))
    }
}

/// A write to one partition of one table. Applied atomically within the partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    pub table: TableId,
    pub key: PartitionKey,
    pub partition_deletion: Option<DeletionTime>,
    pub range_tombstones: Vec<RangeTombstone>,
    pub static_row: Option<Row>,
    /// Rows by byte-comparable clustering key.
    pub rows: Vec<(Bytes, Row)>,
}

impl Mutation {
    pub fn new(table: TableId, key: PartitionKey) -> Self {
        Mutation {
            table,
            key,
            partition_deletion: None,
            range_tombstones: Vec::new(),
            static_row: None,
            rows: Vec::new(),
        }
    }
}

/// The merged content of one partition as a read sees it: deletions are kept (a replica's
/// answer must carry them so a coordinator can reconcile), shadowed data is removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionData {
    pub partition_deletion: Option<DeletionTime>,
    pub range_tombstones: Vec<RangeTombstone>,
    pub static_row: Option<Row>,
    pub rows: Vec<(Bytes, Row)>,
}

impl PartitionData {
    /// Rows with live content at `now`, in the order stored.
    pub fn live_rows(&self, now: EpochSeconds) -> impl Iterator<Item = &(Bytes, Row)> {
        self.rows.iter().filter(move |(_, r)| r.is_live(now))
    }

    pub fn is_empty(&self) -> bool {
        self.partition_deletion.is_none()
            && self.range_tombstones.is_empty()
            && self.static_row.as_ref().is_none_or(|r| r.is_empty())
            && self.rows.is_empty()
    }
}
