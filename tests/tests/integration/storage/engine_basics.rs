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
        for i in 0..1000u32 { if i % 2 == 0 {
            let mut m = Mutation::new(t, PartitionKey::new(Bytes::copy_from_slice(&i.to_be_bytes())));
            m.partition_deletion = Some(DeletionTime { timestamp: 5000, local_deletion_time: 1 });
            e.apply(&m).unwrap();
        }}
        let n = e.scan(t, KeyRange::all(), Slice::all()).unwrap().filter(|r| r.as_ref().unwrap().1.rows.len() == 1).count();
        assert_eq!(n, 500);
    }
    {
        let e = Engine::open(cfg.clone()).unwrap();
        let n = e.scan(t, KeyRange::all(), Slice::all()).unwrap().filter(|r| r.as_ref().unwrap().1.rows.len() == 1).count();
        assert_eq!(n, 500);
        e.flush(t).unwrap();
        e.compact(t).unwrap();
        assert_eq!(e.sstables(t).unwrap().len(), 1);
        let n = e.scan(t, KeyRange::all(), Slice::all()).unwrap().filter(|r| r.as_ref().unwrap().1.rows.len() == 1).count();
        assert_eq!(n, 500);
        let k = PartitionKey::new(Bytes::copy_from_slice(&7u32.to_be_bytes()));
        assert!(e.read(t, &k, &Slice::all()).unwrap().is_some());
        e.shutdown().unwrap();
    }
}
