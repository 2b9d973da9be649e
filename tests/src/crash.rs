//! What the crash test's writer (`src/bin/crash_writer.rs`) and the test that kills it
//! (`tests/integration/storage/crash.rs`) agree on: the engine settings, the table, and the
//! write for each key number.

use bytes::Bytes;
use sibyl_storage::{
    Cell, CellKey, EngineConfig, LivenessInfo, Mutation, PartitionKey, Row, SyncMode, TableId, TableOptions,
};
use std::collections::BTreeMap;
use std::path::Path;

pub const TABLE: TableId = TableId(0xc4a5_0000_0000_0001);

/// Small memtables and segments, so flushes, compactions and segment switches happen during
/// a run of a few hundred milliseconds.
pub fn engine_config(dir: impl AsRef<Path>, sync: SyncMode) -> EngineConfig {
    let mut cfg = EngineConfig::new(dir.as_ref());
    cfg.commitlog_sync = sync;
    cfg.commitlog_segment_size_bytes = 32 * 1024;
    cfg.max_mutation_size_bytes = 8 * 1024;
    cfg.memtable_space_bytes = 64 * 1024;
    cfg.compaction_throughput_bytes_per_sec = 0;
    cfg.auto_snapshot = false;
    cfg
}

pub fn table_options() -> TableOptions {
    let mut o = TableOptions::new("crash", "kv");
    o.compaction = BTreeMap::from([
        ("class".to_string(), "SizeTieredCompactionStrategy".to_string()),
        ("min_threshold".to_string(), "2".to_string()),
    ]);
    o.block_size_bytes = 1024;
    o
}

pub fn key(n: u64) -> PartitionKey {
    PartitionKey::new(Bytes::from(format!("key-{n}")))
}

/// The value written for key `n` (about 100 bytes).
pub fn value(n: u64) -> Bytes {
    Bytes::from(format!("value-{n}-").repeat(6))
}

/// The write of key `n`: one row with a marker and one cell.
pub fn mutation(n: u64) -> Mutation {
    let ts = 1_000_000 + n as i64;
    let mut row = Row { marker: Some(LivenessInfo { timestamp: ts, expiry: None }), ..Row::default() };
    row.cells.insert(CellKey::simple(0), Cell::live(ts, value(n)));
    let mut m = Mutation::new(TABLE, key(n));
    m.rows.push((Bytes::from_static(b"\x01"), row));
    m
}
