//! Merging a partition's fragments from several sources (memtables, SSTables) into the one
//! view a read or compaction sees, and purging what compaction may forget.

use crate::model::*;
use bytes::Bytes;
use std::collections::BTreeMap;

/// Reconciles fragments of one partition. Deletions are kept; data they shadow is removed.
pub fn merge_partitions(mut parts: Vec<PartitionData>) -> PartitionData {
    if parts.len() == 1 {
        let mut p = parts.pop().unwrap_or_default();
        purge_shadowed(&mut p);
        return p;
    }
    let mut out = PartitionData::default();
    let mut rows: BTreeMap<Bytes, Row> = BTreeMap::new();
    for p in parts {
        out.partition_deletion = DeletionTime::max(out.partition_deletion, p.partition_deletion);
        for rt in p.range_tombstones {
            if !out.range_tombstones.contains(&rt) {
                out.range_tombstones.push(rt);
            }
        }
        if let Some(s) = p.static_row {
            match &mut out.static_row {
                Some(cur) => cur.merge(s),
                None => out.static_row = Some(s),
            }
        }
        for (ck, row) in p.rows {
            match rows.get_mut(&ck) {
                Some(cur) => cur.merge(row),
                None => {
                    rows.insert(ck, row);
                }
            }
        }
    }
    out.rows = rows.into_iter().collect();
    purge_shadowed(&mut out);
    out
}

/// Applies partition and range deletions to the rows and drops what becomes empty.
pub fn purge_shadowed(p: &mut PartitionData) {
    let pd = p.partition_deletion;
    if let Some(d) = pd {
        p.range_tombstones.retain(|rt| rt.deletion.timestamp > d.timestamp);
    }
    if let Some(s) = &mut p.static_row {
        s.purge_shadowed(pd);
        if s.is_empty() {
            p.static_row = None;
        }
    }
    let rts = &p.range_tombstones;
    p.rows.retain_mut(|(ck, row)| {
        let mut d = pd;
        for rt in rts {
            if rt.range.contains(ck) {
                d = DeletionTime::max(d, Some(rt.deletion));
            }
        }
        row.purge_shadowed(d);
        !row.is_empty()
    });
}

/// What compaction needs to decide whether a tombstone may be dropped.
pub struct GcParams<'a> {
    pub now: EpochSeconds,
    /// Tombstones deleted before this second are past `gc_grace_seconds`.
    pub gc_before: EpochSeconds,
    /// Whether no data outside the compaction could be shadowed by a tombstone with this
    /// timestamp in this partition.
    pub can_purge: &'a dyn Fn(TimestampMicros) -> bool,
}

/// Turns expired cells into tombstones and drops tombstones that are past gc grace and shadow
/// nothing outside the compaction.
pub fn gc_partition(p: &mut PartitionData, gc: &GcParams<'_>) {
    let purgeable = |d: &DeletionTime| d.local_deletion_time < gc.gc_before && (gc.can_purge)(d.timestamp);
    if p.partition_deletion.as_ref().is_some_and(purgeable) {
        p.partition_deletion = None;
    }
    p.range_tombstones.retain(|rt| !purgeable(&rt.deletion));
    if let Some(s) = &mut p.static_row {
        gc_row(s, gc);
        if s.is_empty() {
            p.static_row = None;
        }
    }
    p.rows.retain_mut(|(_, row)| {
        gc_row(row, gc);
        !row.is_empty()
    });
}

fn gc_row(row: &mut Row, gc: &GcParams<'_>) {
    let purgeable = |ts: i64, ldt: u32| ldt < gc.gc_before && (gc.can_purge)(ts);
    if let Some(m) = row.marker {
        if let Some(e) = m.expiry {
            if e.expires_at <= gc.now && purgeable(m.timestamp, e.expires_at.saturating_sub(e.ttl_seconds)) {
                row.marker = None;
            }
        }
    }
    if row.deletion.is_some_and(|d| purgeable(d.timestamp, d.local_deletion_time)) {
        row.deletion = None;
    }
    row.complex_deletions.retain(|_, d| !purgeable(d.timestamp, d.local_deletion_time));
    row.cells.retain(|_, c| {
        if let CellValue::Live { expiry: Some(e), .. } = c.value {
            if e.expires_at <= gc.now {
                // An expired cell acts as a tombstone written when the data was.
                c.value = CellValue::Tombstone { local_deletion_time: e.expires_at.saturating_sub(e.ttl_seconds) };
            }
        }
        match c.value {
            CellValue::Tombstone { local_deletion_time } => !purgeable(c.timestamp, local_deletion_time),
            CellValue::Live { .. } => true,
        }
    });
}
