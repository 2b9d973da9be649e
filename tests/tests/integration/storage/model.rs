//! Model-based test of the storage engine: seeded random operations applied both to the
//! engine and to a plain in-memory model of Cassandra's semantics, with reads and scans
//! compared at a fixed `now`.
//!
//! The model keeps, per row, the winning version of every cell and marker and the strongest
//! deletions, and decides liveness from first principles:
//! - last write wins by timestamp; at equal timestamps a tombstone beats a live cell, an
//!   expiring cell beats a non-expiring one (the later expiry among two), then the larger value
//!   wins (Cassandra 4.0's `Cells.resolveRegular`, CASSANDRA-14592);
//! - a deletion at `t` shadows everything written at `<= t`: partition deletions shadow the
//!   whole partition (static row included), range deletions the rows in their clustering range,
//!   row deletions their row, collection (complex) deletions the elements of their column;
//! - a row is live when its marker (written by INSERT, not UPDATE) or one of its cells is live.
//!
//! Writes whose TTL has already expired at `now` get a timestamp no other write uses: when
//! compaction turns an expired cell into a tombstone, that tombstone outranks a same-timestamp
//! live cell, which Cassandra accepts as an inconsistency; the model avoids the tie instead.
//!
//! Run more or other cases with `SIBYL_MODEL_SEED=<first seed> SIBYL_MODEL_CASES=<n>`
//! (`SIBYL_MODEL_OPS=<n>` changes the operations per case, `SIBYL_MODEL_TRACE=1` prints them).

use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_common::Token;
use sibyl_storage::{
    Cell, CellKey, CellValue, ClusteringBound, ClusteringRange, Compression, DeletionTime, Engine, EngineConfig,
    Expiry, KeyRange, LivenessInfo, Mutation, PartitionData, PartitionKey, RangePoint, RangeTombstone, Row, Slice,
    TableId, TableOptions,
};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Default number of cases and operations per case (tuned for debug builds on 2 cores).
const DEFAULT_CASES: u64 = 24;
const DEFAULT_OPS: usize = 400;
const DEFAULT_FIRST_SEED: u64 = 1;

/// Timestamps are multiples of this (10 s in microseconds), so TWCS with one-minute windows
/// sees several windows, and many writes share a timestamp.
const TS_UNIT: i64 = 10_000_000;
const TS_SLOTS: i64 = 40;

const PARTITIONS: usize = 5;
/// Clustering keys are one or two bytes: a first byte from `CK_FIRST`, maybe a second from
/// `CK_SECOND`, so one-byte bounds act as clustering prefixes.
const CK_FIRST: [u8; 4] = [0x10, 0x20, 0x30, 0x40];
const CK_SECOND: [u8; 3] = [0x00, 0x01, 0xff];
/// Bound prefixes include a byte (0x28) that starts no key.
const BOUND_FIRST: [u8; 5] = [0x10, 0x20, 0x28, 0x30, 0x40];
const SIMPLE_COLUMNS: u32 = 3;
const COLLECTION_COLUMNS: [u32; 2] = [10, 11];
const PATHS: [&[u8]; 3] = [b"a", b"b", b"c"];
const VALUES: [&[u8]; 4] = [b"v", b"w", b"xx", b""];
/// Share of mutations whose keys, cells and timestamps come from a few "hot" ones, so that
/// writes and deletions often meet on the same cell at the same timestamp.
const HOT: f64 = 0.25;
const HOT_SLOTS: [i64; 1] = [20];
const HOT_CKS: [&[u8]; 2] = [b"\x20", b"\x20\x00"];

// ---------------------------------------------------------------------------------------
// The model.

type CellId = (u32, Bytes);

#[derive(Debug, Clone, PartialEq)]
enum MValue {
    Live { value: Bytes, expires_at: Option<u32> },
    Tombstone,
}

#[derive(Debug, Clone)]
struct MCell {
    ts: i64,
    value: MValue,
}

/// Whether `a` wins over `b` when both versions of a cell meet.
fn cell_beats(a: &MCell, b: &MCell) -> bool {
    if a.ts != b.ts {
        return a.ts > b.ts;
    }
    match (&a.value, &b.value) {
        (MValue::Tombstone, MValue::Tombstone) => false,
        (MValue::Tombstone, _) => true,
        (_, MValue::Tombstone) => false,
        (MValue::Live { value: va, expires_at: ea }, MValue::Live { value: vb, expires_at: eb }) => match (ea, eb) {
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(x), Some(y)) if x != y => x > y,
            _ => va > vb,
        },
    }
}

/// Row markers: the later timestamp; at equal timestamps an expiring marker beats a
/// non-expiring one, and the later expiry wins (Cassandra's `LivenessInfo.supersedes`).
fn marker_beats(a: (i64, Option<u32>), b: (i64, Option<u32>)) -> bool {
    if a.0 != b.0 {
        return a.0 > b.0;
    }
    match (a.1, b.1) {
        (Some(x), Some(y)) => x > y,
        (Some(_), None) => true,
        _ => false,
    }
}

#[derive(Debug, Clone, Default)]
struct MRow {
    marker: Option<(i64, Option<u32>)>,
    deletion: Option<i64>,
    complex: BTreeMap<u32, i64>,
    cells: BTreeMap<CellId, MCell>,
}

impl MRow {
    fn apply(&mut self, r: &Row) {
        if let Some(m) = r.marker {
            let new = (m.timestamp, m.expiry.map(|e| e.expires_at));
            if self.marker.is_none_or(|cur| marker_beats(new, cur)) {
                self.marker = Some(new);
            }
        }
        if let Some(d) = r.deletion {
            self.deletion = max_ts(self.deletion, Some(d.timestamp));
        }
        for (col, d) in &r.complex_deletions {
            let cur = self.complex.get(col).copied();
            if let Some(t) = max_ts(cur, Some(d.timestamp)) {
                self.complex.insert(*col, t);
            }
        }
        for (k, c) in &r.cells {
            let new = MCell {
                ts: c.timestamp,
                value: match &c.value {
                    CellValue::Live { value, expiry } => {
                        MValue::Live { value: value.clone(), expires_at: expiry.map(|e| e.expires_at) }
                    }
                    CellValue::Tombstone { .. } => MValue::Tombstone,
                },
            };
            let id = (k.column, k.path.clone());
            let replace = self.cells.get(&id).is_none_or(|cur| cell_beats(&new, cur));
            if replace {
                self.cells.insert(id, new);
            }
        }
    }

    /// Live cell values at `now` under the outer deletion `outer` (timestamp).
    fn live_cells(&self, outer: Option<i64>, now: u32) -> BTreeMap<CellId, Bytes> {
        let del = max_ts(outer, self.deletion);
        let mut out = BTreeMap::new();
        for ((col, path), c) in &self.cells {
            if del.is_some_and(|d| c.ts <= d) {
                continue;
            }
            if !path.is_empty() && self.complex.get(col).is_some_and(|d| c.ts <= *d) {
                continue;
            }
            if let MValue::Live { value, expires_at } = &c.value {
                if expires_at.is_none_or(|e| e > now) {
                    out.insert((*col, path.clone()), value.clone());
                }
            }
        }
        out
    }

    fn live(&self, outer: Option<i64>, now: u32) -> Option<LiveRow> {
        let del = max_ts(outer, self.deletion);
        let marker = self.marker.is_some_and(|(ts, exp)| del.is_none_or(|d| ts > d) && exp.is_none_or(|e| e > now));
        let cells = self.live_cells(outer, now);
        (marker || !cells.is_empty()).then_some(LiveRow { marker, cells })
    }
}

fn max_ts(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Whether `key` is inside `r`, from the meaning of clustering prefixes: an inclusive start
/// admits the keys starting with its prefix, an exclusive one only the keys after all of them;
/// likewise for ends. An empty prefix is unbounded.
fn in_range(r: &ClusteringRange, key: &[u8]) -> bool {
    let (s, e) = (&r.start, &r.end);
    let after_start = if s.prefix.is_empty() {
        true
    } else if s.inclusive {
        key >= &s.prefix[..]
    } else {
        key > &s.prefix[..] && !key.starts_with(&s.prefix)
    };
    let before_end = if e.prefix.is_empty() {
        true
    } else if e.inclusive {
        key < &e.prefix[..] || key.starts_with(&e.prefix)
    } else {
        key < &e.prefix[..]
    };
    after_start && before_end
}

#[derive(Debug, Clone, Default)]
struct MPartition {
    deletion: Option<i64>,
    range_tombstones: Vec<(ClusteringRange, i64)>,
    static_row: MRow,
    rows: BTreeMap<Bytes, MRow>,
}

impl MPartition {
    fn apply(&mut self, m: &Mutation) {
        if let Some(d) = m.partition_deletion {
            self.deletion = max_ts(self.deletion, Some(d.timestamp));
        }
        for rt in &m.range_tombstones {
            self.range_tombstones.push((rt.range.clone(), rt.deletion.timestamp));
        }
        if let Some(s) = &m.static_row {
            self.static_row.apply(s);
        }
        for (ck, r) in &m.rows {
            self.rows.entry(ck.clone()).or_default().apply(r);
        }
    }

    fn live(&self, now: u32, slice: &Slice) -> LivePartition {
        let statics = self.static_row.live_cells(self.deletion, now);
        let mut rows = Vec::new();
        for (ck, row) in &self.rows {
            if !slice.ranges.iter().any(|r| in_range(r, ck)) {
                continue;
            }
            let mut del = self.deletion;
            for (range, ts) in &self.range_tombstones {
                if in_range(range, ck) {
                    del = max_ts(del, Some(*ts));
                }
            }
            if let Some(l) = row.live(del, now) {
                rows.push((ck.clone(), l));
            }
        }
        if slice.reversed {
            rows.reverse();
        }
        LivePartition { statics, rows }
    }
}

/// What a CQL read could observe of a partition at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct LivePartition {
    statics: BTreeMap<CellId, Bytes>,
    rows: Vec<(Bytes, LiveRow)>,
}

impl LivePartition {
    fn is_empty(&self) -> bool {
        self.statics.is_empty() && self.rows.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LiveRow {
    marker: bool,
    cells: BTreeMap<CellId, Bytes>,
}

/// The engine's answer seen the way the layer above sees it: liveness decided at `now`.
fn engine_live(p: Option<&PartitionData>, now: u32) -> LivePartition {
    let Some(p) = p else { return LivePartition::default() };
    let live_cells = |r: &Row| -> BTreeMap<CellId, Bytes> {
        r.cells.iter().filter_map(|(k, c)| c.live_value(now).map(|v| ((k.column, k.path.clone()), v.clone()))).collect()
    };
    let statics = p.static_row.as_ref().map(live_cells).unwrap_or_default();
    let rows = p
        .rows
        .iter()
        .filter(|(_, r)| r.is_live(now))
        .map(|(ck, r)| (ck.clone(), LiveRow { marker: r.marker.is_some_and(|m| m.is_live(now)), cells: live_cells(r) }))
        .collect();
    LivePartition { statics, rows }
}

/// Plain reading of a scan range over (token, key) order.
fn range_admits(range: &KeyRange, k: &PartitionKey) -> bool {
    let start_ok = match &range.start {
        RangePoint::Unbounded => true,
        RangePoint::BeforeToken(t) => k.token >= *t,
        RangePoint::AfterToken(t) => k.token > *t,
        RangePoint::Including(s) => (k.token, &k.key) >= (s.token, &s.key),
        RangePoint::Excluding(s) => (k.token, &k.key) > (s.token, &s.key),
    };
    let end_ok = match &range.end {
        RangePoint::Unbounded => true,
        RangePoint::BeforeToken(t) => k.token < *t,
        RangePoint::AfterToken(t) => k.token <= *t,
        RangePoint::Including(e) => (k.token, &k.key) <= (e.token, &e.key),
        RangePoint::Excluding(e) => (k.token, &k.key) < (e.token, &e.key),
    };
    start_ok && end_ok
}

// ---------------------------------------------------------------------------------------
// The harness.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    SizeTiered,
    Leveled,
    TimeWindow,
}

impl Strategy {
    fn options(self) -> BTreeMap<String, String> {
        let pairs: &[(&str, &str)] = match self {
            Strategy::SizeTiered => &[("class", "SizeTieredCompactionStrategy"), ("min_threshold", "2")],
            Strategy::Leveled => &[("class", "LeveledCompactionStrategy"), ("sstable_size_in_mb", "1")],
            Strategy::TimeWindow => &[
                ("class", "TimeWindowCompactionStrategy"),
                ("compaction_window_unit", "MINUTES"),
                ("compaction_window_size", "1"),
                ("min_threshold", "2"),
            ],
        };
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

struct TableState {
    id: TableId,
    options: TableOptions,
    model: BTreeMap<PartitionKey, MPartition>,
    /// Per partition, the highest timestamp of a tombstone (or expired cell) that compaction
    /// may purge: past `gc_grace_seconds`, or about to be during the test.
    purgeable: BTreeMap<PartitionKey, i64>,
    /// Per partition, `purgeable` as of the last compaction. Once compaction has purged a
    /// tombstone, a later write with an older timestamp is no longer shadowed (Cassandra's
    /// gc_grace contract), so writes after a compaction get timestamps above this: the
    /// partition's timeline moves on.
    floor: BTreeMap<PartitionKey, i64>,
}

impl TableState {
    fn clear(&mut self) {
        self.model.clear();
        self.purgeable.clear();
        self.floor.clear();
    }

    /// Records what in `m` compaction may purge.
    fn note_purgeable(&mut self, m: &Mutation, now: u32) {
        let limit = (now + 3_600).saturating_sub(self.options.gc_grace_seconds);
        let mut max: Option<i64> = None;
        let mut see = |ts: i64, ldt: u32| {
            if ldt < limit {
                max = max_ts(max, Some(ts));
            }
        };
        let del = |d: &DeletionTime, see: &mut dyn FnMut(i64, u32)| see(d.timestamp, d.local_deletion_time);
        if let Some(d) = &m.partition_deletion {
            del(d, &mut see);
        }
        for rt in &m.range_tombstones {
            del(&rt.deletion, &mut see);
        }
        for r in m.static_row.iter().chain(m.rows.iter().map(|(_, r)| r)) {
            if let Some(d) = &r.deletion {
                del(d, &mut see);
            }
            for d in r.complex_deletions.values() {
                del(d, &mut see);
            }
            if let Some(LivenessInfo { timestamp, expiry: Some(e) }) = r.marker {
                if e.expires_at <= now {
                    see(timestamp, e.expires_at.saturating_sub(e.ttl_seconds));
                }
            }
            for c in r.cells.values() {
                match &c.value {
                    CellValue::Tombstone { local_deletion_time } => see(c.timestamp, *local_deletion_time),
                    CellValue::Live { expiry: Some(e), .. } if e.expires_at <= now => {
                        see(c.timestamp, e.expires_at.saturating_sub(e.ttl_seconds))
                    }
                    CellValue::Live { .. } => {}
                }
            }
        }
        if let Some(ts) = max {
            let cur = self.purgeable.get(&m.key).copied();
            self.purgeable.insert(m.key.clone(), max_ts(cur, Some(ts)).unwrap_or(ts));
        }
    }

    /// A compaction may have run: purgeable tombstones may be gone from now on.
    fn compacted(&mut self) {
        for (k, ts) in &self.purgeable {
            let cur = self.floor.get(k).copied();
            self.floor.insert(k.clone(), max_ts(cur, Some(*ts)).unwrap_or(*ts));
        }
    }
}

struct Case {
    seed: u64,
    rng: SmallRng,
    _dir: tempfile::TempDir,
    cfg: EngineConfig,
    engine: Option<Engine>,
    tables: Vec<TableState>,
    keys: Vec<PartitionKey>,
    now: u32,
    /// Distinguishes timestamps of already-expired writes (see the module comment).
    unique: i64,
    /// Timestamps of the mutation being generated are above this.
    floor: i64,
    /// The mutation being generated uses the hot keys, cells and timestamps.
    hot: bool,
    background: bool,
    trace: bool,
    log: Vec<String>,
}

/// Describes the case a seed makes (for failure messages).
fn case_summary(seed: u64) -> String {
    let (s0, s1, g0, g1, bg) = case_shape(seed);
    format!("tables: [{s0:?} gc_grace={g0}, {s1:?} gc_grace={g1}], background threads: {bg}")
}

fn case_shape(seed: u64) -> (Strategy, Strategy, u32, u32, bool) {
    const ALL: [Strategy; 3] = [Strategy::SizeTiered, Strategy::Leveled, Strategy::TimeWindow];
    let default_gc = TableOptions::new("ks", "t").gc_grace_seconds;
    let s0 = ALL[(seed % 3) as usize];
    let s1 = ALL[((seed + 1) % 3) as usize];
    let (g0, g1) = if (seed / 3) % 2 == 1 { (default_gc, 0) } else { (0, default_gc) };
    // Every sixth case runs the background flush and compaction threads with a small memtable
    // budget: less reproducible, but it exercises concurrent flushes and compactions.
    let background = seed % 6 == 5;
    (s0, s1, g0, g1, background)
}

impl Case {
    fn new(seed: u64) -> Case {
        let mut rng = SmallRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().expect("temp dir");
        let (s0, s1, g0, g1, background) = case_shape(seed);
        let mut cfg = EngineConfig::new(dir.path());
        cfg.background_compaction = background;
        cfg.auto_snapshot = false;
        // Small segments, so that flushes and restarts meet segment switches.
        cfg.commitlog_segment_size_bytes = 16 * 1024;
        cfg.max_mutation_size_bytes = 8 * 1024;
        cfg.compaction_throughput_bytes_per_sec = 0;
        if background {
            cfg.memtable_space_bytes = 32 * 1024;
        }
        let mut tables = Vec::new();
        for (i, (s, gc)) in [(s0, g0), (s1, g1)].into_iter().enumerate() {
            let mut options = TableOptions::new("ks", format!("t{i}"));
            options.gc_grace_seconds = gc;
            options.compaction = s.options();
            options.compression = [Compression::Zstd, Compression::Lz4, Compression::None][rng.gen_range(0..3)];
            options.block_size_bytes = [64, 512, 16 * 1024][rng.gen_range(0..3)];
            tables.push(TableState {
                id: TableId(0x51b1_0000 + i as u128),
                options,
                model: BTreeMap::new(),
                purgeable: BTreeMap::new(),
                floor: BTreeMap::new(),
            });
        }
        let keys = (0..PARTITIONS).map(|i| PartitionKey::new(Bytes::from(format!("pk{i}")))).collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .expect("clock after 1970");
        let trace = std::env::var("SIBYL_MODEL_TRACE").is_ok_and(|v| v != "0");
        Case {
            seed,
            rng,
            _dir: dir,
            cfg,
            engine: None,
            tables,
            keys,
            now,
            unique: 0,
            floor: 0,
            hot: false,
            background,
            trace,
            log: Vec::new(),
        }
    }

    fn engine(&self) -> &Engine {
        self.engine.as_ref().expect("engine is open")
    }

    fn note(&mut self, s: String) {
        if self.trace {
            eprintln!("[seed {}] {s}", self.seed);
        }
        self.log.push(s);
    }

    fn open(&mut self) -> Result<(), String> {
        let engine = Engine::open(self.cfg.clone()).map_err(|e| format!("Engine::open failed: {e}"))?;
        for t in &self.tables {
            engine
                .create_table(t.id, t.options.clone())
                .map_err(|e| format!("create_table {}: {e}", t.options.name))?;
        }
        self.engine = Some(engine);
        Ok(())
    }

    fn close(&mut self, graceful: bool) -> Result<(), String> {
        if let Some(e) = self.engine.take() {
            if graceful {
                e.shutdown().map_err(|e| format!("shutdown failed: {e}"))?;
            } else {
                drop(e);
            }
        }
        Ok(())
    }

    // --- generators ---

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.gen_range(0..xs.len())]
    }

    /// A timestamp on the grid: one of `TS_SLOTS` slots above the partition's floor.
    fn grid_ts(&mut self) -> i64 {
        let slot = if self.hot { self.pick(&HOT_SLOTS) } else { self.rng.gen_range(1..=TS_SLOTS) };
        (self.floor / TS_UNIT + slot) * TS_UNIT
    }

    /// A write's timestamp and TTL: mostly none, sometimes expiring in the future, sometimes
    /// already expired at `now` (then with a timestamp nothing else uses).
    fn write_ts(&mut self) -> (i64, Option<Expiry>) {
        match self.rng.gen_range(0..10) {
            0..=6 => (self.grid_ts(), None),
            7 | 8 => {
                let ttl = self.rng.gen_range(1_000..200_000);
                (
                    self.grid_ts(),
                    Some(Expiry { ttl_seconds: ttl, expires_at: self.now + self.rng.gen_range(1_000..100_000) }),
                )
            }
            _ => {
                self.unique += 1;
                let ts = self.grid_ts() + self.unique;
                let ttl = self.rng.gen_range(1..50_000);
                // Sometimes exactly `now`: a cell is live only while `now < expires_at`.
                let expires_at =
                    if self.rng.gen_bool(0.2) { self.now } else { self.now - self.rng.gen_range(1..100_000) };
                (ts, Some(Expiry { ttl_seconds: ttl, expires_at }))
            }
        }
    }

    /// Local deletion time of a tombstone: in the past (far enough to be purgeable when
    /// gc_grace_seconds is 0, sometimes even past the default grace), rarely in the future.
    fn ldt(&mut self) -> u32 {
        match self.rng.gen_range(0..10) {
            0..=5 => self.now - self.rng.gen_range(100..100_000),
            6..=8 => self.now - 2_000_000,
            _ => self.now + 1_000,
        }
    }

    fn deletion(&mut self) -> DeletionTime {
        let ts = self.grid_ts();
        DeletionTime { timestamp: ts, local_deletion_time: self.ldt() }
    }

    fn ck(&mut self) -> Bytes {
        if self.hot {
            return Bytes::from_static(self.pick(&HOT_CKS));
        }
        let a = self.pick(&CK_FIRST);
        if self.rng.gen_bool(0.4) {
            Bytes::from(vec![a])
        } else {
            let b = self.pick(&CK_SECOND);
            Bytes::from(vec![a, b])
        }
    }

    fn value(&mut self) -> Bytes {
        Bytes::from_static(self.pick(&VALUES))
    }

    fn path(&mut self) -> Bytes {
        Bytes::from_static(self.pick(&PATHS))
    }

    fn cell_key(&mut self) -> CellKey {
        if self.hot {
            return if self.rng.gen_bool(0.6) {
                CellKey::simple(0)
            } else {
                CellKey { column: COLLECTION_COLUMNS[0], path: Bytes::from_static(PATHS[0]) }
            };
        }
        if self.rng.gen_bool(0.65) {
            CellKey::simple(self.rng.gen_range(0..SIMPLE_COLUMNS))
        } else {
            CellKey { column: self.pick(&COLLECTION_COLUMNS), path: self.path() }
        }
    }

    fn bound(&mut self, allow_unbounded: bool) -> ClusteringBound {
        let r = self.rng.gen_range(0..10);
        if allow_unbounded && r == 0 {
            return ClusteringBound::unbounded();
        }
        let prefix =
            if r < 7 { vec![self.pick(&BOUND_FIRST)] } else { vec![self.pick(&CK_FIRST), self.pick(&CK_SECOND)] };
        ClusteringBound { prefix: Bytes::from(prefix), inclusive: self.rng.gen_bool(0.5) }
    }

    fn range(&mut self, allow_inverted: bool) -> ClusteringRange {
        if self.rng.gen_bool(0.2) {
            let p = self.bound(false).prefix;
            return ClusteringRange::prefix(p);
        }
        let mut start = self.bound(true);
        let mut end = self.bound(true);
        let inverted = !start.prefix.is_empty() && !end.prefix.is_empty() && start.prefix > end.prefix;
        if inverted && !(allow_inverted && self.rng.gen_bool(0.15)) {
            std::mem::swap(&mut start.prefix, &mut end.prefix);
        }
        ClusteringRange { start, end }
    }

    fn slice(&mut self) -> Slice {
        let reversed = self.rng.gen_bool(0.3);
        let ranges = match self.rng.gen_range(0..10) {
            0..=3 => vec![ClusteringRange::all()],
            4..=6 => vec![self.range(false)],
            7 => Vec::new(),
            _ => {
                // Two ranges over one-byte prefixes p0 <= p1 < p2 <= p3: never overlapping.
                let mut idx: Vec<usize> = (0..4).map(|_| self.rng.gen_range(0..BOUND_FIRST.len())).collect();
                idx.sort_unstable();
                if idx[1] == idx[2] {
                    return Slice { ranges: vec![self.range(false)], reversed };
                }
                let mut b = |i: usize| ClusteringBound {
                    prefix: Bytes::from(vec![BOUND_FIRST[idx[i]]]),
                    inclusive: self.rng.gen_bool(0.6),
                };
                let (s0, e0, s1, e1) = (b(0), b(1), b(2), b(3));
                vec![ClusteringRange { start: s0, end: e0 }, ClusteringRange { start: s1, end: e1 }]
            }
        };
        Slice { ranges, reversed }
    }

    fn key_range(&mut self) -> KeyRange {
        let mut tokens: Vec<Token> = self.keys.iter().map(|k| k.token).collect();
        tokens.sort();
        match self.rng.gen_range(0..10) {
            0..=3 => KeyRange::all(),
            4..=6 => {
                let a = if self.rng.gen_bool(0.2) { Token::MIN } else { self.pick(&tokens) };
                let a = Token(a.0.saturating_add(self.rng.gen_range(-1..=1)));
                let b = self.pick(&tokens);
                let b = Token(b.0.saturating_add(self.rng.gen_range(-1..=1)));
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                KeyRange::token_range(a, b)
            }
            _ => {
                let mut point = |allow: bool| -> RangePoint {
                    let k = self.keys[self.rng.gen_range(0..self.keys.len())].clone();
                    match self.rng.gen_range(0..if allow { 5 } else { 4 }) {
                        0 => RangePoint::Including(k),
                        1 => RangePoint::Excluding(k),
                        2 => RangePoint::BeforeToken(k.token),
                        3 => RangePoint::AfterToken(k.token),
                        _ => RangePoint::Unbounded,
                    }
                };
                let (start, end) = (point(true), point(true));
                KeyRange { start, end }
            }
        }
    }

    fn row_mut<'m>(m: &'m mut Mutation, ck: &Bytes) -> &'m mut Row {
        let i = match m.rows.iter().position(|(k, _)| k == ck) {
            Some(i) => i,
            None => {
                m.rows.push((ck.clone(), Row::default()));
                m.rows.len() - 1
            }
        };
        &mut m.rows[i].1
    }

    /// Adds a cell unless the mutation already has one under that key.
    fn put_cell(row: &mut Row, k: CellKey, c: Cell) {
        row.cells.entry(k).or_insert(c);
    }

    fn live_cell(&mut self, ts: i64, exp: Option<Expiry>) -> Cell {
        let v = self.value();
        match exp {
            Some(e) => Cell::expiring(ts, v, e),
            None => Cell::live(ts, v),
        }
    }

    /// Adds one CQL-statement-like component to `m`; returns its description.
    fn add_component(&mut self, m: &mut Mutation) -> &'static str {
        let r = self.rng.gen_range(0..100);
        match r {
            0..=21 => {
                // INSERT: a row marker and some cells, all with the same timestamp and TTL.
                let ck = self.ck();
                let (ts, exp) = self.write_ts();
                let n = self.rng.gen_range(0..=2);
                let mut cells = Vec::new();
                for _ in 0..n {
                    let k = self.cell_key();
                    cells.push((k, self.live_cell(ts, exp)));
                }
                let row = Self::row_mut(m, &ck);
                if row.marker.is_none() {
                    row.marker = Some(LivenessInfo { timestamp: ts, expiry: exp });
                }
                for (k, c) in cells {
                    Self::put_cell(row, k, c);
                }
                "insert"
            }
            22..=41 => {
                // UPDATE: cells without a marker.
                let ck = self.ck();
                let (ts, exp) = self.write_ts();
                let n = self.rng.gen_range(1..=3);
                let mut cells = Vec::new();
                for _ in 0..n {
                    let k = self.cell_key();
                    cells.push((k, self.live_cell(ts, exp)));
                }
                let row = Self::row_mut(m, &ck);
                for (k, c) in cells {
                    Self::put_cell(row, k, c);
                }
                "update"
            }
            42..=49 => {
                // Static cells (or a static cell deletion).
                let (ts, exp) = self.write_ts();
                let k = self.cell_key();
                let c = if self.rng.gen_bool(0.25) {
                    let ldt = self.ldt();
                    Cell::tombstone(self.grid_ts(), ldt)
                } else {
                    self.live_cell(ts, exp)
                };
                let s = m.static_row.get_or_insert_with(Row::default);
                Self::put_cell(s, k, c);
                "static"
            }
            50..=58 => {
                // DELETE of one cell (a simple column or one collection element).
                let ck = self.ck();
                let k = self.cell_key();
                let ts = self.grid_ts();
                let ldt = self.ldt();
                Self::put_cell(Self::row_mut(m, &ck), k, Cell::tombstone(ts, ldt));
                "cell delete"
            }
            59..=66 => {
                // A collection deletion, or an overwrite: deletion at ts-1, elements at ts.
                let static_row = self.rng.gen_bool(0.2);
                let ck = self.ck();
                let col = self.pick(&COLLECTION_COLUMNS);
                let overwrite = self.rng.gen_bool(0.5);
                let (ts, exp) = self.write_ts();
                let del = DeletionTime {
                    timestamp: if overwrite { ts - 1 } else { self.grid_ts() },
                    local_deletion_time: self.ldt(),
                };
                let mut cells = Vec::new();
                if overwrite {
                    for _ in 0..self.rng.gen_range(1..=2) {
                        let p = self.path();
                        cells.push((CellKey { column: col, path: p }, self.live_cell(ts, exp)));
                    }
                }
                let row =
                    if static_row { m.static_row.get_or_insert_with(Row::default) } else { Self::row_mut(m, &ck) };
                let cur = row.complex_deletions.get(&col).copied();
                if cur.is_none_or(|c| c.timestamp < del.timestamp) {
                    row.complex_deletions.insert(col, del);
                }
                for (k, c) in cells {
                    Self::put_cell(row, k, c);
                }
                if overwrite {
                    "collection overwrite"
                } else {
                    "collection delete"
                }
            }
            67..=78 => {
                let ck = self.ck();
                let d = self.deletion();
                let row = Self::row_mut(m, &ck);
                if row.deletion.is_none_or(|c| c.timestamp < d.timestamp) {
                    row.deletion = Some(d);
                }
                "row delete"
            }
            79..=91 => {
                let range = self.range(true);
                let deletion = self.deletion();
                m.range_tombstones.push(RangeTombstone { range, deletion });
                "range delete"
            }
            _ => {
                let d = self.deletion();
                if m.partition_deletion.is_none_or(|c| c.timestamp < d.timestamp) {
                    m.partition_deletion = Some(d);
                }
                "partition delete"
            }
        }
    }

    // --- checks ---

    fn check_read(&mut self, t: usize, key: &PartitionKey, slice: &Slice) -> Result<(), String> {
        let got = self
            .engine()
            .read(self.tables[t].id, key, slice)
            .map_err(|e| format!("read of {:?} failed: {e}", key.key))?;
        let got_live = engine_live(got.as_ref(), self.now);
        let want = self.tables[t].model.get(key).map(|p| p.live(self.now, slice)).unwrap_or_default();
        if got_live != want {
            return Err(format!(
                "read mismatch in table t{t} partition {:?} slice {slice:?}\n  engine: {got_live:?}\n  model:  {want:?}\n  raw engine answer: {got:?}",
                key.key
            ));
        }
        Ok(())
    }

    fn check_scan(&mut self, t: usize, range: &KeyRange, slice: &Slice) -> Result<(), String> {
        let scan = self
            .engine()
            .scan(self.tables[t].id, range.clone(), slice.clone())
            .map_err(|e| format!("scan failed: {e}"))?;
        let mut got = Vec::new();
        for item in scan {
            let (k, p) = item.map_err(|e| format!("scan item failed: {e}"))?;
            let live = engine_live(Some(&p), self.now);
            if !live.is_empty() {
                got.push((k.key.clone(), live));
            }
        }
        let want: Vec<(Bytes, LivePartition)> = self.tables[t]
            .model
            .iter()
            .filter(|(k, _)| range_admits(range, k))
            .map(|(k, p)| (k.key.clone(), p.live(self.now, slice)))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        if got != want {
            let gk: Vec<_> = got.iter().map(|(k, _)| k.clone()).collect();
            let wk: Vec<_> = want.iter().map(|(k, _)| k.clone()).collect();
            let first_diff = got.iter().zip(want.iter()).find(|(a, b)| a != b);
            return Err(format!(
                "scan mismatch in table t{t} range {range:?} slice {slice:?}\n  engine keys: {gk:?}\n  model keys:  {wk:?}\n  first differing partition: {first_diff:#?}"
            ));
        }
        Ok(())
    }

    fn check_all(&mut self) -> Result<(), String> {
        for t in 0..self.tables.len() {
            for i in 0..self.keys.len() {
                let k = self.keys[i].clone();
                self.check_read(t, &k, &Slice::all())?;
            }
            self.check_scan(t, &KeyRange::all(), &Slice::all())?;
        }
        Ok(())
    }

    // --- operations ---

    fn step(&mut self, i: usize) -> Result<(), String> {
        let t = self.rng.gen_range(0..self.tables.len());
        let id = self.tables[t].id;
        let r = self.rng.gen_range(0..1000);
        match r {
            0..=599 => {
                self.hot = self.rng.gen_bool(HOT);
                let key = if self.hot {
                    self.keys[0].clone()
                } else {
                    self.keys[self.rng.gen_range(0..self.keys.len())].clone()
                };
                let mut m = Mutation::new(id, key.clone());
                self.floor = self.tables[t].floor.get(&key).copied().unwrap_or(0);
                let parts = if self.rng.gen_bool(0.15) { self.rng.gen_range(2..=4) } else { 1 };
                let mut what = Vec::new();
                for _ in 0..parts {
                    what.push(self.add_component(&mut m));
                }
                self.note(format!("op {i}: t{t} write {:?} {what:?}: {m:?}", key.key));
                self.engine().apply(&m).map_err(|e| format!("apply failed: {e}"))?;
                self.tables[t].model.entry(key).or_default().apply(&m);
                self.tables[t].note_purgeable(&m, self.now);
                if self.background {
                    self.tables[t].compacted();
                }
            }
            600..=729 => {
                let key = self.keys[self.rng.gen_range(0..self.keys.len())].clone();
                let slice = self.slice();
                self.note(format!("op {i}: t{t} read {:?} {slice:?}", key.key));
                self.check_read(t, &key, &slice)?;
            }
            730..=779 => {
                let range = self.key_range();
                let slice = if self.rng.gen_bool(0.7) { Slice::all() } else { self.slice() };
                self.note(format!("op {i}: t{t} scan {range:?} {slice:?}"));
                self.check_scan(t, &range, &slice)?;
            }
            780..=869 => {
                self.note(format!("op {i}: t{t} flush"));
                self.engine().flush(id).map_err(|e| format!("flush failed: {e}"))?;
            }
            870..=899 => {
                self.note(format!("op {i}: t{t} major compaction"));
                self.engine().compact(id).map_err(|e| format!("compact failed: {e}"))?;
                self.tables[t].compacted();
            }
            900..=949 => {
                self.note(format!("op {i}: t{t} compact_pending"));
                self.engine().compact_pending(id).map_err(|e| format!("compact_pending failed: {e}"))?;
                self.tables[t].compacted();
            }
            950..=979 => {
                let graceful = self.rng.gen_bool(0.5);
                self.note(format!("op {i}: restart ({})", if graceful { "shutdown" } else { "drop" }));
                self.close(graceful)?;
                self.open()?;
            }
            980..=986 => {
                self.note(format!("op {i}: t{t} truncate"));
                self.engine().truncate_table(id).map_err(|e| format!("truncate failed: {e}"))?;
                self.tables[t].clear();
            }
            987..=991 => {
                self.note(format!("op {i}: t{t} drop and re-create"));
                let options = self.tables[t].options.clone();
                self.engine().drop_table(id).map_err(|e| format!("drop failed: {e}"))?;
                self.engine().create_table(id, options).map_err(|e| format!("re-create failed: {e}"))?;
                self.tables[t].clear();
            }
            _ => {
                self.note(format!("op {i}: check all"));
                self.check_all()?;
            }
        }
        Ok(())
    }

    /// The end of a case: everything checked, then again after flush, compaction and restarts.
    fn finish(&mut self) -> Result<(), String> {
        self.note("final: check all".into());
        self.check_all()?;
        self.note("final: drop, reopen".into());
        self.close(false)?;
        self.open()?;
        self.check_all()?;
        for t in 0..self.tables.len() {
            let id = self.tables[t].id;
            self.note(format!("final: t{t} flush, compact_pending"));
            self.engine().flush(id).map_err(|e| format!("flush failed: {e}"))?;
            self.engine().compact_pending(id).map_err(|e| format!("compact_pending failed: {e}"))?;
        }
        self.check_all()?;
        for t in 0..self.tables.len() {
            let id = self.tables[t].id;
            self.note(format!("final: t{t} major compaction"));
            self.engine().compact(id).map_err(|e| format!("compact failed: {e}"))?;
        }
        self.check_all()?;
        self.note("final: shutdown, reopen".into());
        self.close(true)?;
        self.open()?;
        self.check_all()?;
        self.close(true)
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

/// Runs one case; on a mismatch, engine error or panic, panics with the seed, the operation
/// index and the operations that led there.
pub(super) fn run_seed(seed: u64, ops: usize) {
    let mut case = Case::new(seed);
    let mut result = case.open().map_err(|e| (usize::MAX, e));
    if result.is_ok() {
        for i in 0..ops {
            let r = catch_unwind(AssertUnwindSafe(|| case.step(i)))
                .unwrap_or_else(|p| Err(format!("panic: {}", panic_text(p.as_ref()))));
            if let Err(e) = r {
                result = Err((i, e));
                break;
            }
        }
    }
    if result.is_ok() {
        result = catch_unwind(AssertUnwindSafe(|| case.finish()))
            .unwrap_or_else(|p| Err(format!("panic: {}", panic_text(p.as_ref()))))
            .map_err(|e| (ops, e));
    }
    if let Err((op, e)) = result {
        let recent: Vec<&String> = case.log.iter().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        let recent: Vec<&str> = recent.iter().map(|s| s.as_str()).collect();
        let op_text = if op == usize::MAX { "open".to_string() } else { op.to_string() };
        panic!(
            "model test failed: seed {seed}, op {op_text} (of {ops}; {})\n{e}\n--- last operations ---\n{}\n--- reproduce: SIBYL_MODEL_SEED={seed} SIBYL_MODEL_CASES=1 SIBYL_MODEL_TRACE=1 cargo test -p sibyl-tests --test integration storage::model",
            case_summary(seed),
            recent.join("\n")
        );
    }
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")))
}

#[test]
fn engine_matches_model() {
    let first = env_num("SIBYL_MODEL_SEED").unwrap_or(DEFAULT_FIRST_SEED);
    let cases = env_num("SIBYL_MODEL_CASES").unwrap_or(DEFAULT_CASES);
    let ops = env_num("SIBYL_MODEL_OPS").map_or(DEFAULT_OPS, |n| n as usize);
    for seed in first..first + cases {
        let started = std::time::Instant::now();
        run_seed(seed, ops);
        eprintln!("model case seed {seed} ({}) passed in {:?}", case_summary(seed), started.elapsed());
    }
}
