//! Basic engine behaviour: write, read, flush, delete, restart, compact.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use sibyl_storage::*;

fn row(ts: i64, v: &str) -> Row {
    let mut r = Row { marker: Some(LivenessInfo { timestamp: ts, expiry: None }), ..Default::default() };
    r.cells.insert(CellKey::simple(1), Cell::live(ts, Bytes::copy_from_slice(v.as_bytes())));
    r
}

#[test]
fn write_flush_delete_restart_compact() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background_compaction = false;
    let t = TableId(42);
    {
        let e = Engine::open(cfg.clone()).unwrap();
        e.create_table(t, TableOptions::new("ks", "t")).unwrap();
        for i in 0..1000u32 {
            let mut m = Mutation::new(t, PartitionKey::new(Bytes::copy_from_slice(&i.to_be_bytes())));
            m.rows.push((Bytes::from_static(b"c"), row(i as i64 + 1, &format!("v{i}"))));
            e.apply(&m).unwrap();
        }
        let k = PartitionKey::new(Bytes::copy_from_slice(&5u32.to_be_bytes()));
        let p = e.read(t, &k, &Slice::all()).unwrap().unwrap();
        assert_eq!(p.rows.len(), 1);
        e.flush(t).unwrap();
        let p2 = e.read(t, &k, &Slice::all()).unwrap().unwrap();
        assert_eq!(p, p2);
        for i in 0..1000u32 {
            if i % 2 == 0 {
                let mut m = Mutation::new(t, PartitionKey::new(Bytes::copy_from_slice(&i.to_be_bytes())));
                m.partition_deletion = Some(DeletionTime { timestamp: 5000, local_deletion_time: 1 });
                e.apply(&m).unwrap();
            }
        }
        let n =
            e.scan(t, KeyRange::all(), Slice::all()).unwrap().filter(|r| r.as_ref().unwrap().1.rows.len() == 1).count();
        assert_eq!(n, 500);
    }
    {
        let e = Engine::open(cfg.clone()).unwrap();
        let n =
            e.scan(t, KeyRange::all(), Slice::all()).unwrap().filter(|r| r.as_ref().unwrap().1.rows.len() == 1).count();
        assert_eq!(n, 500);
        e.flush(t).unwrap();
        e.compact(t).unwrap();
        assert_eq!(e.sstables(t).unwrap().len(), 1);
        let n =
            e.scan(t, KeyRange::all(), Slice::all()).unwrap().filter(|r| r.as_ref().unwrap().1.rows.len() == 1).count();
        assert_eq!(n, 500);
        let k = PartitionKey::new(Bytes::copy_from_slice(&7u32.to_be_bytes()));
        assert!(e.read(t, &k, &Slice::all()).unwrap().is_some());
        e.shutdown().unwrap();
    }
}

fn key(i: u32) -> PartitionKey {
    PartitionKey::new(Bytes::copy_from_slice(&i.to_be_bytes()))
}

fn put(e: &Engine, t: TableId, i: u32, v: &str) {
    let mut m = Mutation::new(t, key(i));
    m.rows.push((Bytes::new(), row(1_000 + i as i64, v)));
    e.apply(&m).unwrap();
}

fn small_segments(root: &std::path::Path) -> EngineConfig {
    let mut cfg = EngineConfig::new(root);
    cfg.background_compaction = false;
    cfg.commitlog_segment_size_bytes = 64 * 1024;
    cfg.max_mutation_size_bytes = 32 * 1024;
    cfg
}

/// A segment goes only when every table with data in it has flushed that data.
#[test]
fn segments_are_deleted_only_after_every_table_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(small_segments(dir.path())).unwrap();
    let (a, b) = (TableId(1), TableId(2));
    e.create_table(a, TableOptions::new("ks", "a")).unwrap();
    e.create_table(b, TableOptions::new("ks", "b")).unwrap();
    let value = "x".repeat(500);
    for i in 0..400 {
        put(&e, a, i, &value);
        put(&e, b, i, &value);
    }
    let before = e.commitlog_segments();
    assert!(before > 5, "expected several segments, got {before}");
    e.flush(a).unwrap();
    assert_eq!(e.commitlog_segments(), before, "b's data still lives only in the log");
    e.flush(b).unwrap();
    assert_eq!(e.commitlog_segments(), 1, "only the active segment remains");
    drop(e);
    let e = Engine::open(small_segments(dir.path())).unwrap();
    for i in 0..400 {
        assert!(e.read(a, &key(i), &Slice::all()).unwrap().is_some());
        assert!(e.read(b, &key(i), &Slice::all()).unwrap().is_some());
    }
}

/// Every sync mode acknowledges writes that survive a restart without shutdown.
#[test]
fn every_sync_mode_survives_restart() {
    use std::time::Duration;
    for mode in [
        SyncMode::Batch,
        SyncMode::Group { window: Duration::from_millis(5) },
        SyncMode::Periodic { period: Duration::from_millis(50) },
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = EngineConfig::new(dir.path());
        cfg.commitlog_sync = mode;
        let t = TableId(9);
        {
            let e = std::sync::Arc::new(Engine::open(cfg.clone()).unwrap());
            e.create_table(t, TableOptions::new("ks", "t")).unwrap();
            let handles: Vec<_> = (0..4u32)
                .map(|w| {
                    let e = std::sync::Arc::clone(&e);
                    std::thread::spawn(move || {
                        for i in 0..50 {
                            put(&e, t, w * 1000 + i, "v");
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        }
        let e = Engine::open(cfg).unwrap();
        for w in 0..4u32 {
            for i in 0..50 {
                assert!(e.read(t, &key(w * 1000 + i), &Slice::all()).unwrap().is_some(), "{mode:?} lost {w}/{i}");
            }
        }
    }
}

/// Writers are held back, not failed, when memtables fill their space; memory stays bounded.
#[test]
fn memtable_space_is_bounded_by_back_pressure() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path());
    cfg.memtable_space_bytes = 256 * 1024;
    cfg.background_compaction = false;
    let e = Engine::open(cfg).unwrap();
    let t = TableId(3);
    e.create_table(t, TableOptions::new("ks", "t")).unwrap();
    let value = "y".repeat(1000);
    let mut peak = 0;
    for i in 0..3000 {
        put(&e, t, i, &value);
        peak = peak.max(e.memtable_bytes());
    }
    assert!(peak <= 256 * 1024 + 4096, "memtables reached {peak} bytes");
    assert!(e.sstables(t).unwrap().len() > 3, "flushes happened in the background");
    for i in (0..3000).step_by(97) {
        assert!(e.read(t, &key(i), &Slice::all()).unwrap().is_some());
    }
}

/// Token-range scans return exactly the partitions whose tokens fall in (start, end].
#[test]
fn token_range_scan_is_exact_and_ordered() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background_compaction = false;
    let e = Engine::open(cfg).unwrap();
    let t = TableId(4);
    e.create_table(t, TableOptions::new("ks", "t")).unwrap();
    for i in 0..500 {
        put(&e, t, i, "v");
        if i == 250 {
            e.flush(t).unwrap();
        }
    }
    let mut tokens: Vec<i64> = (0..500).map(|i| key(i).token.0).collect();
    tokens.sort();
    let (lo, hi) = (tokens[100], tokens[400]);
    let got: Vec<i64> = e
        .scan(t, KeyRange::token_range(sibyl_common::Token(lo), sibyl_common::Token(hi)), Slice::all())
        .unwrap()
        .map(|r| r.unwrap().0.token.0)
        .collect();
    assert_eq!(got, tokens[101..=400].to_vec());
}

/// Truncate empties a table for good; drop removes it; both snapshot first.
#[test]
fn truncate_drop_and_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background_compaction = false;
    let t = TableId(5);
    {
        let e = Engine::open(cfg.clone()).unwrap();
        e.create_table(t, TableOptions::new("ks", "t")).unwrap();
        for i in 0..100 {
            put(&e, t, i, "v");
        }
        e.flush(t).unwrap();
        for i in 100..200 {
            put(&e, t, i, "v");
        }
        let snaps = e.snapshot("before").unwrap();
        assert!(std::fs::read_dir(&snaps[0]).unwrap().count() > 6);
        e.truncate_table(t).unwrap();
        assert!(e.read(t, &key(5), &Slice::all()).unwrap().is_none());
        put(&e, t, 1000, "after");
    }
    let e = Engine::open(cfg.clone()).unwrap();
    assert!(e.read(t, &key(5), &Slice::all()).unwrap().is_none(), "truncated data came back on replay");
    assert!(e.read(t, &key(150), &Slice::all()).unwrap().is_none(), "truncated data came back on replay");
    assert!(e.read(t, &key(1000), &Slice::all()).unwrap().is_some());
    e.drop_table(t).unwrap();
    assert!(e.read(t, &key(1000), &Slice::all()).is_err());
    drop(e);
    let e = Engine::open(cfg).unwrap();
    assert!(e.table_ids().is_empty());
}

#[test]
fn alter_table_changes_options_for_later_flushes_and_compactions() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background_compaction = false;
    cfg.auto_snapshot = false;
    let t = TableId(7);
    let key = PartitionKey::new(Bytes::from_static(b"k"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as u32;
    let write_then_delete = |e: &Engine| {
        let mut m = Mutation::new(t, key.clone());
        m.rows.push((Bytes::from_static(b"c"), row(10, "v")));
        e.apply(&m).unwrap();
        e.flush(t).unwrap();
        let mut d = Mutation::new(t, key.clone());
        d.partition_deletion = Some(DeletionTime { timestamp: 20, local_deletion_time: now - 100 });
        e.apply(&d).unwrap();
        e.flush(t).unwrap();
        e.compact(t).unwrap();
    };
    {
        let e = Engine::open(cfg.clone()).unwrap();
        let original = TableOptions::new("ks", "t");
        e.create_table(t, original.clone()).unwrap();
        // With the default gc_grace_seconds (10 days) the deletion survives compaction.
        write_then_delete(&e);
        assert_eq!(e.sstables(t).unwrap().len(), 1, "the tombstone is kept");

        let mut altered = original.clone();
        altered.gc_grace_seconds = 0;
        altered.compression = Compression::None;
        altered.bloom_filter_fp_chance = 0.1;
        altered.compaction = [("class".to_string(), "LeveledCompactionStrategy".to_string())].into_iter().collect();
        e.alter_table(t, altered.clone()).unwrap();
        assert_eq!(e.table_options(t).unwrap(), altered);
        e.alter_table(t, altered.clone()).unwrap();
        // Now the next compaction purges the deletion and what it shadows.
        write_then_delete(&e);
        assert!(e.read(t, &key, &Slice::all()).unwrap().is_none());
        assert_eq!(e.sstables(t).unwrap().len(), 0, "a gc_grace_seconds of 0 purges the tombstone");

        // Refusals: unknown table, another name, an unknown compaction strategy.
        assert!(matches!(e.alter_table(TableId(8), altered.clone()), Err(StorageError::UnknownTable(_))));
        let mut renamed = altered.clone();
        renamed.name = "u".into();
        assert!(matches!(e.alter_table(t, renamed), Err(StorageError::Config(_))));
        let mut bad = altered.clone();
        bad.compaction = [("class".to_string(), "NoSuchStrategy".to_string())].into_iter().collect();
        assert!(matches!(e.alter_table(t, bad), Err(StorageError::Config(_))));
        assert_eq!(e.table_options(t).unwrap(), altered, "a refused alteration changes nothing");
        // create_table with the old options now conflicts; with the new ones it is a no-op.
        assert!(matches!(e.create_table(t, original), Err(StorageError::TableExists(_))));
        e.create_table(t, altered).unwrap();
        e.shutdown().unwrap();
    }
    // The new options are in the manifest.
    let e = Engine::open(cfg).unwrap();
    let o = e.table_options(t).unwrap();
    assert_eq!((o.gc_grace_seconds, o.compression, o.bloom_filter_fp_chance), (0, Compression::None, 0.1));
    assert_eq!(o.compaction.get("class").map(String::as_str), Some("LeveledCompactionStrategy"));
}
