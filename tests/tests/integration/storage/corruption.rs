//! Damaged files are errors, never wrong data.
//!
//! Commitlog: a torn tail of the last segment is tolerated (what a crash leaves), anything
//! else refuses to start unless `commitlog_ignore_replay_errors` is set. SSTables: every
//! flipped bit or truncation in any component is reported as `ChecksumMismatch` or `Corrupt`
//! at open or at read, and a read that succeeds returns exactly what was written. Also:
//! oversized mutations are rejected before anything is written, and a poisoned engine refuses
//! writes but keeps serving reads.

use bytes::Bytes;
use sibyl_storage::commitlog::replay;
use sibyl_storage::manifest;
use sibyl_storage::sstable::reader::SstableReader;
use sibyl_storage::sstable::{Component, Descriptor};
use sibyl_storage::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const TABLE: TableId = TableId(0xC0AA_0000_0000_0000_0000_0000_0000_0001);
const TS: i64 = 1_700_000_000_000_000;

fn key(i: usize) -> PartitionKey {
    PartitionKey::new(Bytes::from(format!("key-{i:05}")))
}

/// A value nothing else produces, `len` bytes long, poorly compressible.
fn value(i: usize, len: usize) -> Bytes {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn mutation(i: usize, len: usize) -> Mutation {
    let mut m = Mutation::new(TABLE, key(i));
    let mut row = Row { marker: Some(LivenessInfo { timestamp: TS + i as i64, expiry: None }), ..Default::default() };
    row.cells.insert(CellKey::simple(1), Cell::live(TS + i as i64, value(i, len)));
    m.rows.push((Bytes::from_static(b"\x01ck\x00\x00"), row));
    m
}

/// Engine defaults, but no background compaction and a small commitlog segment.
fn config(root: &Path, segment_bytes: usize) -> EngineConfig {
    let mut cfg = EngineConfig::new(root);
    cfg.background_compaction = false;
    cfg.commitlog_segment_size_bytes = segment_bytes;
    cfg.max_mutation_size_bytes = segment_bytes / 2;
    cfg
}

fn open(cfg: EngineConfig) -> Engine {
    Engine::open(cfg).expect("engine opens")
}

/// The value of mutation `i`'s cell, if the partition is there.
fn read_value(e: &Engine, i: usize) -> Result<Option<Bytes>> {
    Ok(e.read(TABLE, &key(i), &Slice::all())?.and_then(|p| {
        p.rows.first().and_then(|(_, r)| r.cells.get(&CellKey::simple(1))).and_then(|c| c.live_value(0).cloned())
    }))
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for ent in std::fs::read_dir(src).expect("read_dir") {
        let ent = ent.expect("dir entry");
        let to = dst.join(ent.file_name());
        if ent.file_type().expect("file type").is_dir() {
            copy_dir(&ent.path(), &to);
        } else {
            std::fs::copy(ent.path(), &to).expect("copy");
        }
    }
}

fn flip_bit(path: &Path, offset: u64, bit: u8) {
    let mut data = std::fs::read(path).expect("read file to damage");
    data[offset as usize] ^= 1 << bit;
    std::fs::write(path, data).expect("write damaged file");
}

fn truncate(path: &Path, len: u64) {
    let f = std::fs::OpenOptions::new().write(true).open(path).expect("open file to truncate");
    f.set_len(len).expect("truncate");
}

/// Where one commitlog entry lies.
#[derive(Debug, Clone)]
struct EntryLoc {
    file: String,
    start: u64,
    end: u64,
}

/// Every entry of the log in `dir`, in log order (the log must be intact).
fn entries(dir: &Path) -> Vec<EntryLoc> {
    let mut out = Vec::new();
    replay::replay(dir, false, |e| {
        let file = e.path.file_name().and_then(|n| n.to_str()).expect("file name").to_string();
        out.push(EntryLoc { file, start: e.offset, end: u64::from(e.end.offset) });
        Ok(())
    })
    .expect("pristine log replays");
    out
}

/// Writes `n` mutations of `len`-byte values and drops the engine without shutdown, so the
/// data is only in the commitlog.
fn write_log_only(root: &Path, segment_bytes: usize, n: usize, len: usize) {
    let e = open(config(root, segment_bytes));
    e.create_table(TABLE, TableOptions::new("ks", "cl")).expect("create table");
    for i in 0..n {
        e.apply(&mutation(i, len)).expect("apply");
    }
    assert!(e.sstables(TABLE).expect("sstables").is_empty(), "nothing may be flushed yet");
    drop(e);
}

/// A pristine root with a log of `n` entries, and the entries' locations.
struct Log {
    _dir: tempfile::TempDir,
    root: PathBuf,
    segment_bytes: usize,
    n: usize,
    len: usize,
    entries: Vec<EntryLoc>,
}

impl Log {
    fn new(segment_bytes: usize, n: usize, len: usize) -> Log {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("pristine");
        write_log_only(&root, segment_bytes, n, len);
        let entries = entries(&root.join("commitlog"));
        assert_eq!(entries.len(), n, "one entry per mutation");
        Log { _dir: dir, root, segment_bytes, n, len, entries }
    }

    /// A copy of the pristine root to damage.
    fn copy(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        copy_dir(&self.root, &root);
        (dir, root)
    }

    fn cfg(&self, root: &Path) -> EngineConfig {
        config(root, self.segment_bytes)
    }

    fn segment(&self, root: &Path, file: &str) -> PathBuf {
        root.join("commitlog").join(file)
    }

    /// Entries `0..n` are readable except those in `lost`, which are absent.
    fn check(&self, e: &Engine, lost: impl Fn(usize) -> bool) {
        for i in 0..self.n {
            let got = read_value(e, i).expect("read");
            if lost(i) {
                assert_eq!(got, None, "entry {i} must be gone");
            } else {
                assert_eq!(got, Some(value(i, self.len)), "entry {i} must be intact");
            }
        }
    }
}

fn replay_error(r: Result<Engine>) -> (PathBuf, u64, String, String) {
    match r {
        Err(err @ StorageError::CommitlogReplay { .. }) => {
            let msg = err.to_string();
            let StorageError::CommitlogReplay { path, offset, reason } = err else { unreachable!() };
            (path, offset, reason, msg)
        }
        Err(other) => panic!("expected CommitlogReplay, got {other:?}"),
        Ok(_) => panic!("expected CommitlogReplay, but the engine opened"),
    }
}

#[test]
fn commitlog_torn_tail_of_last_segment_is_tolerated() {
    let log = Log::new(1024 * 1024, 20, 200);
    let last = log.entries.last().expect("entries").clone();
    assert!(log.entries.iter().all(|e| e.file == last.file), "one segment");
    let cuts = [
        last.start + 1,
        last.start + 4,
        last.start + 7,
        last.start + 8,
        last.start + 9,
        (last.start + last.end) / 2,
        last.end - 4,
        last.end - 1,
    ];
    for cut in cuts {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &last.file);
        truncate(&seg, cut);
        let e = Engine::open(log.cfg(&root)).unwrap_or_else(|err| panic!("cut at {cut}: open failed: {err}"));
        assert_eq!(e.replay_summary.torn_tail, Some((seg.clone(), last.start)), "cut at {cut}");
        assert!(e.replay_summary.skipped_corrupt.is_empty());
        assert_eq!(e.replay_summary.entries, (log.n - 1) as u64);
        log.check(&e, |i| i == log.n - 1);
        drop(e);
        // Replayed data was flushed: it survives another restart, and the lost entry stays lost.
        let e = open(log.cfg(&root));
        assert_eq!(e.replay_summary.torn_tail, None);
        log.check(&e, |i| i == log.n - 1);
    }
    // A cut exactly at an entry boundary is a clean end, not a torn tail.
    let (_d, root) = log.copy();
    truncate(&log.segment(&root, &last.file), last.start);
    let e = open(log.cfg(&root));
    assert_eq!(e.replay_summary.torn_tail, None);
    log.check(&e, |i| i == log.n - 1);
}

#[test]
fn commitlog_corrupt_entry_followed_by_entries_is_an_error() {
    let log = Log::new(1024 * 1024, 20, 200);
    let victim = log.entries[7].clone();
    // Length, length checksum, payload and payload checksum.
    let spots = [victim.start, victim.start + 5, (victim.start + victim.end) / 2, victim.end - 2];
    for at in spots {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &victim.file);
        flip_bit(&seg, at, 3);
        let (path, offset, reason, msg) = replay_error(Engine::open(log.cfg(&root)));
        assert_eq!(path, seg, "flip at {at}: {reason}");
        assert_eq!(offset, victim.start, "flip at {at}: {reason}");
        assert!(msg.contains(&seg.display().to_string()), "message names the file: {msg}");
        assert!(msg.contains(&format!("offset {}", victim.start)), "message names the offset: {msg}");
        assert!(msg.contains("commitlog_ignore_replay_errors"), "message says how to proceed: {msg}");
        // A failed start changes nothing: it fails the same way again.
        let (path2, offset2, _, _) = replay_error(Engine::open(log.cfg(&root)));
        assert_eq!((path2, offset2), (seg, victim.start));
    }
}

#[test]
fn commitlog_ignore_replay_errors_skips_the_corrupt_entry() {
    let log = Log::new(1024 * 1024, 20, 200);
    let v = 7;
    let victim = log.entries[v].clone();
    // Damaged payload (length intact): only that entry is lost.
    {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &victim.file);
        flip_bit(&seg, (victim.start + victim.end) / 2, 0);
        let mut cfg = log.cfg(&root);
        cfg.commitlog_ignore_replay_errors = true;
        let e = Engine::open(cfg).expect("opens when told to ignore replay errors");
        let skipped: Vec<(PathBuf, u64)> =
            e.replay_summary.skipped_corrupt.iter().map(|(p, o, _)| (p.clone(), *o)).collect();
        assert_eq!(skipped, vec![(seg, victim.start)]);
        assert_eq!(e.replay_summary.torn_tail, None);
        log.check(&e, |i| i == v);
        drop(e);
        let e = open(log.cfg(&root));
        log.check(&e, |i| i == v);
    }
    // Damaged length: where the next entry starts is unknown, so the rest of the segment is lost.
    {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &victim.file);
        flip_bit(&seg, victim.start + 1, 0);
        let mut cfg = log.cfg(&root);
        cfg.commitlog_ignore_replay_errors = true;
        let e = Engine::open(cfg).expect("opens when told to ignore replay errors");
        assert_eq!(e.replay_summary.skipped_corrupt.len(), 1);
        assert_eq!(e.replay_summary.skipped_corrupt[0].1, victim.start);
        log.check(&e, |i| i >= v);
    }
}

#[test]
fn commitlog_damage_in_an_earlier_segment_is_an_error() {
    const SEGMENT: usize = 64 * 1024;
    let log = Log::new(SEGMENT, 60, 3000);
    let files: Vec<String> = {
        let mut f: Vec<String> = log.entries.iter().map(|e| e.file.clone()).collect();
        f.dedup();
        f
    };
    assert!(files.len() >= 3, "want several segments, got {files:?}");
    let first: Vec<(usize, EntryLoc)> =
        log.entries.iter().cloned().enumerate().filter(|(_, e)| e.file == files[0]).collect();
    let (mid_i, mid) = first[first.len() / 2].clone();
    let (last_i, last_of_first) = first.last().expect("entries in first segment").clone();

    // A flipped bit in the middle of the first segment.
    {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &files[0]);
        flip_bit(&seg, (mid.start + mid.end) / 2, 6);
        let (path, offset, _, msg) = replay_error(Engine::open(log.cfg(&root)));
        assert_eq!((path, offset), (seg.clone(), mid.start), "{msg}");

        let mut cfg = log.cfg(&root);
        cfg.commitlog_ignore_replay_errors = true;
        let e = Engine::open(cfg).expect("opens when told to ignore replay errors");
        assert_eq!(e.replay_summary.skipped_corrupt.len(), 1);
        log.check(&e, |i| i == mid_i);
    }
    // The last entry of an earlier segment looks torn (damage followed by zeros): still an
    // error, because only the last segment may end torn.
    for damage in ["flip", "truncate"] {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &files[0]);
        match damage {
            "flip" => flip_bit(&seg, (last_of_first.start + last_of_first.end) / 2, 1),
            _ => truncate(&seg, (last_of_first.start + last_of_first.end) / 2),
        }
        let (path, offset, _, msg) = replay_error(Engine::open(log.cfg(&root)));
        assert_eq!((path, offset), (seg, last_of_first.start), "{damage}: {msg}");

        let mut cfg = log.cfg(&root);
        cfg.commitlog_ignore_replay_errors = true;
        let e = Engine::open(cfg).expect("opens when told to ignore replay errors");
        log.check(&e, |i| i == last_i);
    }
    // A damaged segment header of an earlier segment.
    {
        let (_d, root) = log.copy();
        let seg = log.segment(&root, &files[1]);
        flip_bit(&seg, 2, 0);
        let (path, offset, _, msg) = replay_error(Engine::open(log.cfg(&root)));
        assert_eq!((path, offset), (seg, 0), "{msg}");
    }
    // The same damage in the last segment's middle is an error too.
    {
        let last_file = files.last().expect("files");
        let in_last: Vec<&EntryLoc> = log.entries.iter().filter(|e| &e.file == last_file).collect();
        assert!(in_last.len() >= 2, "last segment holds several entries");
        let victim = in_last[0];
        let (_d, root) = log.copy();
        let seg = log.segment(&root, last_file);
        flip_bit(&seg, (victim.start + victim.end) / 2, 2);
        let (path, offset, _, msg) = replay_error(Engine::open(log.cfg(&root)));
        assert_eq!((path, offset), (seg, victim.start), "{msg}");
    }
    // Intact, the log replays completely.
    let (_d, root) = log.copy();
    let e = open(log.cfg(&root));
    assert_eq!(e.replay_summary.segments.len(), files.len());
    log.check(&e, |_| false);
}

// ---------------------------------------------------------------------------------------------
// SSTables.

const PARTITIONS: usize = 40;

/// Partition `i`: a static row, three rows, a TTL cell and a tombstone, so every part of the
/// partition format is present.
fn rich_mutation(i: usize) -> Mutation {
    let mut m = Mutation::new(TABLE, key(i));
    let mut s = Row::default();
    s.cells.insert(CellKey::simple(9), Cell::live(TS, value(i + 1000, 20)));
    m.static_row = Some(s);
    for r in 0..3u8 {
        let mut row = Row { marker: Some(LivenessInfo { timestamp: TS, expiry: None }), ..Default::default() };
        row.cells.insert(CellKey::simple(1), Cell::live(TS + 1, value(i * 10 + r as usize, 30)));
        row.cells.insert(
            CellKey::simple(2),
            Cell::expiring(TS + 2, value(i, 5), Expiry { ttl_seconds: 60, expires_at: 1_700_000_060 }),
        );
        row.cells.insert(CellKey { column: 3, path: Bytes::from(vec![r]) }, Cell::tombstone(TS + 3, 1_700_000_000));
        m.rows.push((Bytes::from(vec![0x80, r, 0, 0]), row));
    }
    m
}

/// A flushed table in a pristine root, and what each partition reads as.
struct Flushed {
    _dir: tempfile::TempDir,
    root: PathBuf,
    generation: u64,
    /// Raw SSTable content by partition, as the pristine reader returns it.
    raw: BTreeMap<PartitionKey, PartitionData>,
    /// What the engine reads, by partition.
    merged: BTreeMap<PartitionKey, PartitionData>,
}

fn table_options() -> TableOptions {
    let mut o = TableOptions::new("ks", "sst");
    // Small blocks: damage in one block must not hide the others.
    o.block_size_bytes = 512;
    o
}

fn table_dir(root: &Path) -> PathBuf {
    manifest::table_dir(&root.join("data"), TABLE, &table_options())
}

impl Flushed {
    fn new() -> Flushed {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("pristine");
        let e = open(config(&root, 1024 * 1024));
        e.create_table(TABLE, table_options()).expect("create table");
        for i in 0..PARTITIONS {
            e.apply(&rich_mutation(i)).expect("apply");
        }
        e.flush(TABLE).expect("flush");
        let ssts = e.sstables(TABLE).expect("sstables");
        assert_eq!(ssts.len(), 1);
        let generation = ssts[0].0;
        let mut merged = BTreeMap::new();
        for i in 0..PARTITIONS {
            let p = e.read(TABLE, &key(i), &Slice::all()).expect("read").expect("partition present");
            merged.insert(key(i), p);
        }
        e.shutdown().expect("shutdown");
        let reader = SstableReader::open(Descriptor::new(&table_dir(&root), generation)).expect("pristine sstable");
        assert!(reader.stats.block_count >= 4, "want several blocks, got {}", reader.stats.block_count);
        let mut raw = BTreeMap::new();
        for i in 0..PARTITIONS {
            raw.insert(key(i), reader.get(&key(i), None).expect("read").expect("present"));
        }
        Flushed { _dir: dir, root, generation, raw, merged }
    }

    fn copy(&self) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        copy_dir(&self.root, &root);
        (dir, root)
    }

    fn path(&self, root: &Path, c: Component) -> PathBuf {
        Descriptor::new(&table_dir(root), self.generation).path(c)
    }
}

fn is_damage(e: &StorageError) -> bool {
    matches!(e, StorageError::ChecksumMismatch { .. } | StorageError::Corrupt { .. })
}

/// Opens the SSTable and reads every partition (point reads and a scan). Returns whether the
/// damage was detected; panics on wrong data or on an error of the wrong kind.
fn probe_reader(f: &Flushed, dir: &Path, what: &str) -> bool {
    let reader = match SstableReader::open(Descriptor::new(dir, f.generation)) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            assert!(is_damage(&e), "{what}: open failed with {e:?}");
            return true;
        }
    };
    let mut detected = false;
    for (k, want) in &f.raw {
        match reader.get(k, None) {
            Ok(got) => assert_eq!(got.as_ref(), Some(want), "{what}: wrong data for {k:?}"),
            Err(e) => {
                assert!(is_damage(&e), "{what}: read failed with {e:?}");
                detected = true;
            }
        }
    }
    let mut expected = f.raw.iter();
    let scan = reader.scan_from(std::ops::Bound::Unbounded);
    match scan {
        Err(e) => {
            assert!(is_damage(&e), "{what}: scan failed with {e:?}");
            detected = true;
        }
        Ok(scan) => {
            let mut n = 0;
            for item in scan {
                match item {
                    Ok((k, p)) => {
                        let (wk, wp) = expected.next().unwrap_or_else(|| panic!("{what}: scan returned extra {k:?}"));
                        assert_eq!((&k, &p), (wk, wp), "{what}: scan returned wrong data");
                        n += 1;
                    }
                    Err(e) => {
                        assert!(is_damage(&e), "{what}: scan failed with {e:?}");
                        detected = true;
                        break;
                    }
                }
            }
            if !detected {
                assert_eq!(n, f.raw.len(), "{what}: scan lost partitions");
            }
        }
    }
    detected
}

#[test]
fn sstable_every_flipped_bit_is_detected() {
    let f = Flushed::new();
    let (_d, root) = f.copy();
    let dir = table_dir(&root);
    assert!(!probe_reader(&f, &dir, "pristine"), "pristine sstable reads cleanly");
    for c in [Component::Data, Component::Index, Component::Summary, Component::Filter, Component::Statistics] {
        let path = f.path(&root, c);
        let good = std::fs::read(&path).expect("component");
        for at in 0..good.len() {
            let bit = (at * 5 % 8) as u8;
            let mut bad = good.clone();
            bad[at] ^= 1 << bit;
            std::fs::write(&path, &bad).expect("write damaged");
            let what = format!("{} byte {at} bit {bit}", c.suffix());
            assert!(probe_reader(&f, &dir, &what), "{what}: damage went unnoticed");
        }
        std::fs::write(&path, &good).expect("restore");
    }
}

#[test]
fn sstable_every_truncation_is_detected() {
    let f = Flushed::new();
    let (_d, root) = f.copy();
    let dir = table_dir(&root);
    for c in [Component::Data, Component::Index, Component::Summary, Component::Filter, Component::Statistics] {
        let path = f.path(&root, c);
        let good = std::fs::read(&path).expect("component");
        let len = good.len() as u64;
        let mut cuts = vec![0, 1, 15, 16, 17, len / 3, len / 2, len - 4, len - 1];
        cuts.extend((0..len).step_by(97));
        for cut in cuts {
            truncate(&path, cut);
            let what = format!("{} cut to {cut} of {len} bytes", c.suffix());
            assert!(probe_reader(&f, &dir, &what), "{what}: damage went unnoticed");
            std::fs::write(&path, &good).expect("restore");
        }
    }
}

#[test]
fn sstable_damaged_data_block_fails_reads_of_its_partitions_only() {
    let f = Flushed::new();
    let (_d, root) = f.copy();
    let data = f.path(&root, Component::Data);
    // Inside the first block (file header 16 bytes, block header 13).
    flip_bit(&data, 16 + 13 + 40, 4);
    let e = open(config(&root, 1024 * 1024));
    let (mut failed, mut ok) = (0, 0);
    for i in 0..PARTITIONS {
        match e.read(TABLE, &key(i), &Slice::all()) {
            Ok(got) => {
                assert_eq!(got.as_ref(), f.merged.get(&key(i)), "partition {i}");
                ok += 1;
            }
            Err(StorageError::ChecksumMismatch { path, offset, .. }) => {
                assert_eq!(path, data);
                assert_eq!(offset, 16, "the damaged block starts after the file header");
                failed += 1;
            }
            Err(other) => panic!("partition {i}: unexpected error {other:?}"),
        }
    }
    assert!(failed > 0 && ok > 0, "{failed} failed, {ok} ok");
    // A scan stops with the error; whatever it returned before is right.
    let mut saw_error = false;
    for item in e.scan(TABLE, KeyRange::all(), Slice::all()).expect("scan") {
        match item {
            Ok((k, p)) => assert_eq!(Some(&p), f.merged.get(&k)),
            Err(err) => {
                assert!(matches!(err, StorageError::ChecksumMismatch { .. }), "{err:?}");
                saw_error = true;
            }
        }
    }
    assert!(saw_error, "the scan must report the damaged block");
}

#[test]
fn sstable_damaged_metadata_components_fail_at_open() {
    let f = Flushed::new();
    for c in [Component::Summary, Component::Filter, Component::Statistics, Component::Index] {
        let (_d, root) = f.copy();
        let path = f.path(&root, c);
        // Index.db chunks are verified lazily; its header is checked at open.
        let at = if c == Component::Index { 3 } else { 20 };
        flip_bit(&path, at, 5);
        match Engine::open(config(&root, 1024 * 1024)) {
            Err(e) => {
                assert!(is_damage(&e), "{}: {e:?}", c.suffix());
                assert!(e.to_string().contains(&path.display().to_string()), "error names the file: {e}");
            }
            Ok(_) => panic!("{}: engine opened a damaged sstable", c.suffix()),
        }
    }
    // A flipped bit inside an index chunk fails the reads that need the chunk.
    let (_d, root) = f.copy();
    let index = f.path(&root, Component::Index);
    flip_bit(&index, 30, 5);
    let e = open(config(&root, 1024 * 1024));
    let mut failed = 0;
    for i in 0..PARTITIONS {
        match e.read(TABLE, &key(i), &Slice::all()) {
            Ok(got) => assert_eq!(got.as_ref(), f.merged.get(&key(i)), "partition {i}"),
            Err(err) => {
                assert!(is_damage(&err), "{err:?}");
                failed += 1;
            }
        }
    }
    assert!(failed > 0);
}

#[test]
fn sstable_truncated_data_file_fails_at_open() {
    let f = Flushed::new();
    let (_d, root) = f.copy();
    let data = f.path(&root, Component::Data);
    let len = std::fs::metadata(&data).expect("metadata").len();
    truncate(&data, len - 100);
    match Engine::open(config(&root, 1024 * 1024)) {
        Err(e @ StorageError::Corrupt { .. }) => {
            assert!(e.to_string().contains(&data.display().to_string()), "{e}");
        }
        Err(e) => panic!("expected Corrupt, got {e:?}"),
        Ok(_) => panic!("engine opened a truncated sstable"),
    }
}

// ---------------------------------------------------------------------------------------------
// max_mutation_size and poisoning.

#[test]
fn oversized_mutation_is_rejected_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = mutation(1, 5000);
    let mut encoded = Vec::new();
    sibyl_storage::encoding::put_mutation(&mut encoded, &m);
    let size = encoded.len();

    let mut cfg = config(dir.path(), 1024 * 1024);
    cfg.max_mutation_size_bytes = size - 1;
    let e = open(cfg.clone());
    e.create_table(TABLE, TableOptions::new("ks", "big")).expect("create table");
    e.apply(&mutation(0, 10)).expect("small mutation");
    match e.apply(&m) {
        Err(StorageError::MutationTooLarge { size: s, limit }) => {
            assert_eq!((s, limit), (size, size - 1));
        }
        other => panic!("expected MutationTooLarge, got {other:?}"),
    }
    assert_eq!(read_value(&e, 1).expect("read"), None, "not in the memtable");
    e.apply(&mutation(2, 10)).expect("later writes still work");
    drop(e); // no shutdown: only the commitlog holds the writes

    let e = open(cfg.clone());
    assert_eq!(e.replay_summary.entries, 2, "the rejected mutation never reached the commitlog");
    assert_eq!(read_value(&e, 0).expect("read"), Some(value(0, 10)));
    assert_eq!(read_value(&e, 1).expect("read"), None, "not readable after restart");
    assert_eq!(read_value(&e, 2).expect("read"), Some(value(2, 10)));
    drop(e);

    // Exactly at the limit is allowed.
    cfg.max_mutation_size_bytes = size;
    let e = open(cfg);
    e.apply(&m).expect("a mutation of exactly max_mutation_size is accepted");
    assert_eq!(read_value(&e, 1).expect("read"), Some(value(1, 5000)));
}

#[test]
fn max_mutation_size_must_fit_in_half_a_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(dir.path(), 64 * 1024);
    cfg.max_mutation_size_bytes = 32 * 1024 + 1;
    assert!(matches!(Engine::open(cfg), Err(StorageError::Config(_))));
}

#[test]
fn poisoned_engine_refuses_writes_and_serves_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), 1024 * 1024);
    let e = open(cfg.clone());
    e.create_table(TABLE, TableOptions::new("ks", "p")).expect("create table");
    e.apply(&mutation(0, 10)).expect("apply");
    e.flush(TABLE).expect("flush");
    e.apply(&mutation(1, 10)).expect("apply");
    assert!(!e.is_poisoned());

    e.poison("fsync failed: EIO (test)");
    assert!(e.is_poisoned());
    match e.apply(&mutation(2, 10)) {
        Err(StorageError::Poisoned { cause }) => assert!(cause.contains("EIO (test)"), "{cause}"),
        other => panic!("expected Poisoned, got {other:?}"),
    }
    // The first cause sticks.
    e.poison("something else");
    match e.apply(&mutation(3, 10)) {
        Err(StorageError::Poisoned { cause }) => assert!(cause.contains("EIO (test)"), "{cause}"),
        other => panic!("expected Poisoned, got {other:?}"),
    }
    assert!(matches!(e.flush(TABLE), Err(StorageError::Poisoned { .. })));
    // Reads still work, from the SSTable and from the memtable.
    assert_eq!(read_value(&e, 0).expect("read sstable"), Some(value(0, 10)));
    assert_eq!(read_value(&e, 1).expect("read memtable"), Some(value(1, 10)));
    assert_eq!(read_value(&e, 2).expect("read"), None);
    let keys: Vec<PartitionKey> =
        e.scan(TABLE, KeyRange::all(), Slice::all()).expect("scan").map(|r| r.expect("scan item").0).collect();
    let mut want = vec![key(0), key(1)];
    want.sort();
    assert_eq!(keys, want);
    e.shutdown().expect("a poisoned engine still shuts down");

    // After a restart the engine is healthy and holds everything acknowledged before.
    let e = open(cfg);
    assert!(!e.is_poisoned());
    assert_eq!(read_value(&e, 0).expect("read"), Some(value(0, 10)));
    assert_eq!(read_value(&e, 1).expect("read"), Some(value(1, 10)));
    assert_eq!(read_value(&e, 2).expect("read"), None);
    e.apply(&mutation(2, 10)).expect("writes work again");
}
