//! Regression tests: each model-test seed that once found an engine bug, run on its own, plus
//! a directed test for each such bug.

use super::model::run_seed;
use bytes::Bytes;
use sibyl_storage::{
    Cell, CellKey, DeletionTime, Engine, EngineConfig, Mutation, PartitionKey, Row, Slice, TableId, TableOptions,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// Runs `f` on its own thread and fails if it does not finish in time (the bugs below made
/// the engine loop forever).
fn with_deadline(what: &str, limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(())) => {}
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("{what} did not finish within {limit:?} (endless loop?)"),
    }
}

/// TWCS chose a fully expired SSTable (only tombstones past gc_grace) while a memtable held
/// older data of its partition: compaction had to keep the tombstones, rewrote the SSTable
/// unchanged, and `compact_pending` chose it again forever. Fixed in
/// `compaction/mod.rs::run_one` (skip Expired tasks that memtables' data could be shadowed by).
#[test]
fn model_seed_31_twcs_expired_sstable_loop() {
    with_deadline("model seed 31", Duration::from_secs(120), || run_seed(31, 300));
}

#[test]
fn model_seed_34_twcs_expired_sstable_loop() {
    with_deadline("model seed 34", Duration::from_secs(120), || run_seed(34, 300));
}

/// The same bug, directed: a flushed partition tombstone past gc_grace, then older data for
/// the partition in the memtable.
#[test]
fn twcs_expired_sstable_with_older_data_in_memtable() {
    with_deadline("compact_pending", Duration::from_secs(60), || {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = EngineConfig::new(dir.path());
        cfg.background_compaction = false;
        cfg.auto_snapshot = false;
        let engine = Engine::open(cfg).expect("open");
        let id = TableId(0x7ac5);
        let mut o = TableOptions::new("ks", "twcs");
        o.gc_grace_seconds = 0;
        o.compaction = BTreeMap::from([
            ("class".to_string(), "TimeWindowCompactionStrategy".to_string()),
            ("compaction_window_unit".to_string(), "MINUTES".to_string()),
        ]);
        engine.create_table(id, o).expect("create table");
        let key = PartitionKey::new(Bytes::from_static(b"k"));
        let mut del = Mutation::new(id, key.clone());
        del.partition_deletion = Some(DeletionTime { timestamp: 100, local_deletion_time: 1_000 });
        engine.apply(&del).expect("delete");
        engine.flush(id).expect("flush");
        let mut older = Mutation::new(id, key.clone());
        let mut row = Row::default();
        row.cells.insert(CellKey::simple(0), Cell::live(50, Bytes::from_static(b"old")));
        older.rows.push((Bytes::from_static(b"\x01"), row));
        engine.apply(&older).expect("older write");
        engine.compact_pending(id).expect("compact_pending");
        let live = |e: &Engine| {
            e.read(id, &key, &Slice::all()).expect("read").is_some_and(|p| p.live_rows(0).next().is_some())
        };
        assert!(!live(&engine), "the older write must stay deleted");
        engine.flush(id).expect("flush");
        engine.compact_pending(id).expect("compact_pending after flush");
        assert!(!live(&engine), "the older write must stay deleted after compaction");
    });
}
