//! Frozen on-disk formats: SSTable and commitlog files written once by an earlier build and
//! committed under `tests/fixtures/{sstable-v1,commitlog-v1}/` must keep loading to exactly
//! the partitions below, and their damaged copies must keep failing the right way. A format
//! change that breaks these is a compatibility break (bump the format version instead).
//!
//! Regenerate (only on a deliberate format change) with
//! `SIBYL_REGENERATE_FIXTURES=1 cargo test -p sibyl-tests --test integration storage::format_fixtures::regenerate`;
//! see `tests/fixtures/README.md`.

use bytes::Bytes;
use sibyl_common::clustering::{encode_key, ClusteringType, Order};
use sibyl_storage::commitlog::{replay, segment};
use sibyl_storage::encoding::get_mutation;
use sibyl_storage::manifest;
use sibyl_storage::sstable::reader::SstableReader;
use sibyl_storage::sstable::{Component, Descriptor};
use sibyl_storage::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const TABLE: TableId = TableId(0x5EED_F1C5_0000_4000_8000_0000_0000_0001);
const KEYSPACE: &str = "fixtures";
const TABLE_NAME: &str = "v1";
/// Generation of the frozen SSTable (the first flush of a fresh engine).
const GENERATION: u64 = 1;
/// Id of the frozen commitlog segment (the first segment of a fresh engine).
const SEGMENT_ID: u64 = 1;
/// Write time of everything in the fixtures (micros) and local deletion time (seconds).
const T: i64 = 1_700_000_000_000_000;
const L: u32 = 1_700_000_000;

// Columns of the fixture table.
const NAME: ColumnId = 1; // text
const SCORE: ColumnId = 2; // int
const TAGS: ColumnId = 3; // map<text, int>
const OWNER: ColumnId = 9; // static text

fn ck(i: i32) -> Bytes {
    Bytes::from(encode_key(&[(ClusteringType::Int, Order::Asc)], &[&i.to_be_bytes()]).expect("int clustering"))
}

fn text(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn int(i: i32) -> Bytes {
    Bytes::copy_from_slice(&i.to_be_bytes())
}

fn del(timestamp: i64) -> DeletionTime {
    DeletionTime { timestamp, local_deletion_time: L }
}

fn element(column: ColumnId, path: &str) -> CellKey {
    CellKey { column, path: text(path) }
}

fn row(marker: Option<LivenessInfo>, cells: Vec<(CellKey, Cell)>) -> Row {
    Row { marker, cells: cells.into_iter().collect(), ..Default::default() }
}

fn live_marker() -> Option<LivenessInfo> {
    Some(LivenessInfo { timestamp: T, expiry: None })
}

const HOUR: Expiry = Expiry { ttl_seconds: 3600, expires_at: L + 3600 };

/// The fixture content, written as one mutation per partition in this order, and exactly what
/// reading each partition back returns.
fn partitions() -> Vec<(&'static str, PartitionData)> {
    let alice = PartitionData {
        static_row: Some(row(None, vec![(CellKey::simple(OWNER), Cell::live(T, text("owner-a")))])),
        rows: vec![
            (ck(1), {
                let mut r = row(
                    live_marker(),
                    vec![
                        (CellKey::simple(NAME), Cell::live(T, text("Alice One"))),
                        (CellKey::simple(SCORE), Cell::live(T, int(10))),
                        (element(TAGS, "x"), Cell::live(T, int(1))),
                        (element(TAGS, "y"), Cell::live(T, int(2))),
                    ],
                );
                // The collection was overwritten: its older elements are deleted.
                r.complex_deletions.insert(TAGS, del(T - 1));
                r
            }),
            (
                ck(2),
                row(
                    Some(LivenessInfo { timestamp: T, expiry: Some(HOUR) }),
                    vec![(CellKey::simple(NAME), Cell::expiring(T, text("temp"), HOUR))],
                ),
            ),
        ],
        ..Default::default()
    };
    let bob = PartitionData {
        partition_deletion: Some(del(T - 100)),
        rows: vec![(ck(5), row(live_marker(), vec![(CellKey::simple(NAME), Cell::live(T, text("Bob")))]))],
        ..Default::default()
    };
    let carol = PartitionData {
        range_tombstones: vec![RangeTombstone {
            range: ClusteringRange {
                start: ClusteringBound { prefix: ck(10), inclusive: true },
                end: ClusteringBound { prefix: ck(20), inclusive: false },
            },
            deletion: del(T - 50),
        }],
        rows: vec![(
            ck(30),
            row(
                None,
                vec![
                    (CellKey::simple(NAME), Cell::live(T, text("Carol"))),
                    (CellKey::simple(SCORE), Cell::tombstone(T + 1, L)),
                ],
            ),
        )],
        ..Default::default()
    };
    let dave = PartitionData { partition_deletion: Some(del(T)), ..Default::default() };
    let erin = PartitionData {
        rows: vec![
            (ck(-7), Row { deletion: Some(del(T - 5)), ..Default::default() }),
            (
                ck(8),
                row(
                    live_marker(),
                    vec![(element(TAGS, "a"), Cell::live(T, int(-1))), (element(TAGS, "z"), Cell::tombstone(T, L))],
                ),
            ),
        ],
        ..Default::default()
    };
    vec![("alice", alice), ("bob", bob), ("carol", carol), ("dave", dave), ("erin", erin)]
}

fn pkey(name: &str) -> PartitionKey {
    PartitionKey::new(text(name))
}

fn mutation(name: &str, p: &PartitionData) -> Mutation {
    Mutation {
        table: TABLE,
        key: pkey(name),
        partition_deletion: p.partition_deletion,
        range_tombstones: p.range_tombstones.clone(),
        static_row: p.static_row.clone(),
        rows: p.rows.clone(),
    }
}

fn expected() -> BTreeMap<PartitionKey, PartitionData> {
    partitions().into_iter().map(|(n, p)| (pkey(n), p)).collect()
}

fn table_options() -> TableOptions {
    let mut o = TableOptions::new(KEYSPACE, TABLE_NAME);
    o.compression = Compression::Zstd;
    // Tiny blocks, so the SSTable has several and damage to one leaves the others readable.
    o.block_size_bytes = 256;
    o
}

fn config(root: &Path) -> EngineConfig {
    let mut cfg = EngineConfig::new(root);
    cfg.background_compaction = false;
    cfg
}

fn sstable_fixtures() -> PathBuf {
    sibyl_tests::fixtures_dir().join("sstable-v1")
}

fn commitlog_fixtures() -> PathBuf {
    sibyl_tests::fixtures_dir().join("commitlog-v1")
}

fn copy_file(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    // Committed fixtures may be read-only; the engine rewrites and deletes its files.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o644)).expect("chmod");
}

/// Lays out the SSTable fixture `variant` (good, truncated, bitflip) under `root` as the engine
/// expects it; returns the table directory.
fn install_sstable(variant: &str, root: &Path) -> PathBuf {
    let src = sstable_fixtures();
    let data = root.join("data");
    copy_file(&src.join("MANIFEST.json"), &data.join(manifest::FILE_NAME));
    let dir = manifest::table_dir(&data, TABLE, &table_options());
    for c in Component::ALL {
        let name = Descriptor::new(&dir, GENERATION).path(c);
        let file = name.file_name().expect("file name");
        copy_file(&src.join(variant).join(file), &dir.join(file));
    }
    dir
}

/// Lays out the commitlog fixture `variant` under `root`; returns the segment's path.
fn install_commitlog(variant: &str, root: &Path) -> PathBuf {
    let src = commitlog_fixtures();
    copy_file(&src.join("MANIFEST.json"), &root.join("data").join(manifest::FILE_NAME));
    let seg = root.join("commitlog").join(segment::file_name(SEGMENT_ID));
    copy_file(&src.join(variant).join(segment::file_name(SEGMENT_ID)), &seg);
    seg
}

/// Every partition the engine reads, by point reads and by a scan (which must agree).
fn read_all(e: &Engine) -> BTreeMap<PartitionKey, PartitionData> {
    let scanned: BTreeMap<PartitionKey, PartitionData> =
        e.scan(TABLE, KeyRange::all(), Slice::all()).expect("scan").map(|r| r.expect("scan item")).collect();
    for (name, _) in partitions() {
        let got = e.read(TABLE, &pkey(name), &Slice::all()).expect("read");
        assert_eq!(got.as_ref(), scanned.get(&pkey(name)), "read and scan disagree on {name}");
    }
    scanned
}

// ---------------------------------------------------------------------------------------------
// Generation.

/// Writes the fixtures, only when `SIBYL_REGENERATE_FIXTURES=1`.
#[test]
fn regenerate() {
    if std::env::var("SIBYL_REGENERATE_FIXTURES").as_deref() != Ok("1") {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let e = Engine::open(config(root)).expect("open");
    e.create_table(TABLE, table_options()).expect("create table");
    for (name, p) in partitions() {
        e.apply(&mutation(name, &p)).expect("apply");
    }

    // Commitlog: the one segment, cut after the last entry and its 8-byte zero terminator (the
    // rest of a live segment is preallocated zeros).
    let cl_src = root.join("commitlog").join(segment::file_name(SEGMENT_ID));
    let mut ends = Vec::new();
    replay::replay(&root.join("commitlog"), false, |en| {
        ends.push((en.offset as usize, en.end.offset as usize));
        Ok(())
    })
    .expect("replay");
    assert_eq!(ends.len(), partitions().len());
    let log = std::fs::read(&cl_src).expect("segment");
    let (_, log_end) = *ends.last().expect("entries");
    let good_log = log[..log_end + 8].to_vec();
    assert!(good_log[log_end..].iter().all(|b| *b == 0));
    let cl = commitlog_fixtures();
    let _ = std::fs::remove_dir_all(&cl);
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    };
    write(cl.join("MANIFEST.json"), &std::fs::read(root.join("data").join(manifest::FILE_NAME)).expect("manifest"));
    let seg_name = segment::file_name(SEGMENT_ID);
    write(cl.join("good").join(&seg_name), &good_log);
    let (last_start, last_end) = *ends.last().expect("entries");
    write(cl.join("truncated").join(&seg_name), &good_log[..(last_start + last_end) / 2]);
    let (bob_start, bob_end) = ends[1];
    let mut flipped = good_log.clone();
    flipped[(bob_start + 8 + bob_end) / 2] ^= 0x04;
    write(cl.join("bitflip").join(&seg_name), &flipped);

    // SSTable.
    e.flush(TABLE).expect("flush");
    let ssts = e.sstables(TABLE).expect("sstables");
    assert_eq!(ssts.iter().map(|s| s.0).collect::<Vec<_>>(), vec![GENERATION]);
    let st = sstable_fixtures();
    let _ = std::fs::remove_dir_all(&st);
    write(st.join("MANIFEST.json"), &std::fs::read(root.join("data").join(manifest::FILE_NAME)).expect("manifest"));
    let dir = manifest::table_dir(&root.join("data"), TABLE, &table_options());
    let desc = Descriptor::new(&dir, GENERATION);
    let reader = SstableReader::open(desc.clone()).expect("open sstable");
    assert!(reader.stats.block_count >= 2, "want several blocks");
    for c in Component::ALL {
        let path = desc.path(c);
        let name = path.file_name().expect("file name");
        let mut bytes = std::fs::read(&path).expect("component");
        write(st.join("good").join(name), &bytes);
        if c == Component::Data {
            let len = bytes.len();
            write(st.join("truncated").join(name), &bytes[..len - 20]);
            // Inside the first block's stored bytes (16-byte file header, 13-byte block header).
            bytes[16 + 13 + 5] ^= 0x04;
            write(st.join("bitflip").join(name), &bytes);
        } else {
            write(st.join("truncated").join(name), &bytes);
            write(st.join("bitflip").join(name), &bytes);
        }
    }
    e.shutdown().expect("shutdown");
}

// ---------------------------------------------------------------------------------------------
// SSTable fixture.

#[test]
fn sstable_good_reads_exactly_the_expected_partitions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = install_sstable("good", tmp.path());
    let want = expected();

    // Directly through the reader: the raw stored partitions.
    let reader = Arc::new(SstableReader::open(Descriptor::new(&dir, GENERATION)).expect("open good sstable"));
    let s = &reader.stats;
    assert_eq!((s.partition_count, s.row_count, s.level), (5, 6, 0));
    assert_eq!((s.min_timestamp, s.max_timestamp), (T - 100, T + 1));
    assert_eq!(s.compression, Compression::Zstd);
    for (k, p) in &want {
        assert_eq!(reader.get(k, None).expect("get").as_ref(), Some(p), "{k:?}");
    }
    assert_eq!(reader.get(&pkey("mallory"), None).expect("get absent"), None);
    let scanned: Vec<(PartitionKey, PartitionData)> =
        reader.scan_from(std::ops::Bound::Unbounded).expect("scan").map(|r| r.expect("scan item")).collect();
    assert_eq!(scanned, want.clone().into_iter().collect::<Vec<_>>(), "scan in token order");

    // Through the engine, found via the frozen manifest.
    let e = Engine::open(config(tmp.path())).expect("engine opens the fixture");
    assert_eq!(e.table_options(TABLE).expect("table"), table_options());
    assert_eq!(read_all(&e), want);
    // A slice and a reversed read of alice.
    let slice = Slice { ranges: vec![ClusteringRange::prefix(ck(2))], reversed: false };
    let p = e.read(TABLE, &pkey("alice"), &slice).expect("read").expect("alice");
    assert_eq!(p.rows.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(), vec![ck(2)]);
    let rev = Slice { ranges: vec![ClusteringRange::all()], reversed: true };
    let p = e.read(TABLE, &pkey("alice"), &rev).expect("read").expect("alice");
    assert_eq!(p.rows.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(), vec![ck(2), ck(1)]);
}

#[test]
fn sstable_truncated_fails_with_corrupt() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = install_sstable("truncated", tmp.path());
    let data = Descriptor::new(&dir, GENERATION).path(Component::Data);
    match SstableReader::open(Descriptor::new(&dir, GENERATION)) {
        Err(StorageError::Corrupt { path, .. }) => assert_eq!(path, data),
        Err(e) => panic!("expected Corrupt, got {e:?}"),
        Ok(_) => panic!("a truncated sstable opened"),
    }
    match Engine::open(config(tmp.path())) {
        Err(StorageError::Corrupt { path, .. }) => assert_eq!(path, data),
        Err(e) => panic!("expected Corrupt, got {e:?}"),
        Ok(_) => panic!("the engine opened a truncated sstable"),
    }
}

#[test]
fn sstable_bitflip_fails_reads_of_the_damaged_block_with_checksum_mismatch() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = install_sstable("bitflip", tmp.path());
    let data = Descriptor::new(&dir, GENERATION).path(Component::Data);
    let want = expected();
    let check = |what: &str, results: Vec<(PartitionKey, Result<Option<PartitionData>>)>| {
        let mut failed = 0;
        for (k, r) in results {
            match r {
                Ok(got) => assert_eq!(got.as_ref(), want.get(&k), "{what}: {k:?}"),
                Err(StorageError::ChecksumMismatch { path, offset, .. }) => {
                    assert_eq!((&path, offset), (&data, 16), "{what}: the first block is damaged");
                    failed += 1;
                }
                Err(e) => panic!("{what}: expected ChecksumMismatch, got {e:?}"),
            }
        }
        assert!(failed >= 1 && failed < want.len(), "{what}: {failed} reads failed");
    };
    let reader = SstableReader::open(Descriptor::new(&dir, GENERATION)).expect("damage to a block is found on read");
    check("reader", want.keys().map(|k| (k.clone(), reader.get(k, None))).collect());
    let e = Engine::open(config(tmp.path())).expect("engine opens");
    check("engine", want.keys().map(|k| (k.clone(), e.read(TABLE, k, &Slice::all()))).collect());
    let first = e.scan(TABLE, KeyRange::all(), Slice::all()).expect("scan").next().expect("an item");
    assert!(matches!(first, Err(StorageError::ChecksumMismatch { .. })), "the scan starts in the damaged block");
}

// ---------------------------------------------------------------------------------------------
// Commitlog fixture.

/// (start, end) of each entry, parsed independently of the engine's reader:
/// `[len u32][crc32c(len) u32][payload][crc32c(payload) u32]` after a 24-byte header.
fn frame(log: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut off = segment::HEADER_BYTES;
    while let Some(head) = log.get(off..off + 8) {
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        if len == 0 {
            break;
        }
        let end = off + 8 + len + 4;
        if end > log.len() {
            break;
        }
        out.push((off, end));
        off = end;
    }
    out
}

#[test]
fn commitlog_good_replays_exactly_the_expected_mutations() {
    let good = std::fs::read(commitlog_fixtures().join("good").join(segment::file_name(SEGMENT_ID))).expect("fixture");
    assert_eq!(&good[..8], b"SIBYLCL\0", "magic");
    assert_eq!(&good[8..12], &1u32.to_le_bytes(), "format version");
    assert_eq!(&good[12..20], &SEGMENT_ID.to_le_bytes(), "segment id");
    assert_eq!(good[..segment::HEADER_BYTES], segment::header(SEGMENT_ID), "header checksum");
    let frames = frame(&good);
    assert_eq!(frames.len(), 5);

    // Through replay: every entry decodes to the mutation written.
    let tmp = tempfile::tempdir().expect("tempdir");
    let seg = install_commitlog("good", tmp.path());
    let mut got = Vec::new();
    let summary = replay::replay(seg.parent().expect("dir"), false, |en| {
        got.push((en.offset as usize, en.end.offset as usize, get_mutation(&en.payload).expect("decodes")));
        Ok(())
    })
    .expect("replay");
    assert_eq!(summary.torn_tail, None);
    let want: Vec<Mutation> = partitions().iter().map(|(n, p)| mutation(n, p)).collect();
    assert_eq!(got.iter().map(|(s, e, _)| (*s, *e)).collect::<Vec<_>>(), frames);
    assert_eq!(got.into_iter().map(|(_, _, m)| m).collect::<Vec<_>>(), want);

    // Through the engine, which finds the table in the frozen manifest.
    let e = Engine::open(config(tmp.path())).expect("engine replays the fixture");
    assert_eq!(e.replay_summary.entries, 5);
    assert_eq!(read_all(&e), expected());
}

#[test]
fn commitlog_truncated_is_a_torn_tail_losing_only_the_last_entry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let seg = install_commitlog("truncated", tmp.path());
    let good = std::fs::read(commitlog_fixtures().join("good").join(segment::file_name(SEGMENT_ID))).expect("fixture");
    let (last_start, _) = *frame(&good).last().expect("frames");
    let e = Engine::open(config(tmp.path())).expect("a torn tail is not an error");
    assert_eq!(e.replay_summary.torn_tail, Some((seg, last_start as u64)));
    assert_eq!(e.replay_summary.entries, 4);
    let mut want = expected();
    want.remove(&pkey("erin"));
    assert_eq!(read_all(&e), want);
}

#[test]
fn commitlog_bitflip_refuses_to_start_unless_told_to_skip() {
    let good = std::fs::read(commitlog_fixtures().join("good").join(segment::file_name(SEGMENT_ID))).expect("fixture");
    let (bob_start, _) = frame(&good)[1];
    let tmp = tempfile::tempdir().expect("tempdir");
    let seg = install_commitlog("bitflip", tmp.path());
    match Engine::open(config(tmp.path())) {
        Err(err @ StorageError::CommitlogReplay { .. }) => {
            let msg = err.to_string();
            let StorageError::CommitlogReplay { path, offset, .. } = err else { unreachable!() };
            assert_eq!((path, offset), (seg.clone(), bob_start as u64));
            assert!(msg.contains(&seg.display().to_string()) && msg.contains(&format!("offset {bob_start}")), "{msg}");
        }
        Err(e) => panic!("expected CommitlogReplay, got {e:?}"),
        Ok(_) => panic!("the engine replayed a corrupt commitlog"),
    }
    let mut cfg = config(tmp.path());
    cfg.commitlog_ignore_replay_errors = true;
    let e = Engine::open(cfg).expect("opens when told to skip corrupt entries");
    assert_eq!(e.replay_summary.skipped_corrupt.len(), 1);
    assert_eq!(
        (&e.replay_summary.skipped_corrupt[0].0, e.replay_summary.skipped_corrupt[0].1),
        (&seg, bob_start as u64)
    );
    let mut want = expected();
    want.remove(&pkey("bob"));
    assert_eq!(read_all(&e), want);
}
