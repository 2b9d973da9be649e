//! Rows come back in Cassandra's clustering order for every clustering type, through the
//! engine: values are encoded with `sibyl_common::clustering::encode_key`, written into one
//! partition in shuffled order, and read back (forwards, reversed, and by slices) from the
//! memtable, from SSTables, from both merged, and after a compaction. The expected orders are
//! hard-coded from Cassandra's comparators (`Int32Type`, `IntegerType`, `DecimalType`,
//! `UUIDType`, `TimeUUIDType`, ...), including their quirks.

use bytes::Bytes;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use sibyl_common::clustering::{decode_key, encode_key, ClusteringType as T, Order};
use sibyl_storage::*;

const TABLE: TableId = TableId(0xC1D5_0000_0000_0000_0000_0000_0000_0001);
const TS: i64 = 1_700_000_000_000_000;
const INDEX: ColumnId = 1;

/// One clustering key: the values written and the canonical values decoding must return.
struct Key {
    input: Vec<Vec<u8>>,
    canonical: Vec<Vec<u8>>,
}

/// A clustering layout and keys in the order Cassandra sorts them.
struct Case {
    name: &'static str,
    types: Vec<(T, Order)>,
    keys: Vec<Key>,
}

impl Case {
    fn single(name: &'static str, ty: T, order: Order, values: Vec<Vec<u8>>) -> Case {
        let keys = values.into_iter().map(|v| Key { input: vec![v.clone()], canonical: vec![v] }).collect();
        Case { name, types: vec![(ty, order)], keys }
    }

    /// `(input, canonical)` pairs for types whose decoding normalizes.
    fn normalized(name: &'static str, ty: T, values: Vec<(Vec<u8>, Vec<u8>)>) -> Case {
        let keys = values.into_iter().map(|(i, c)| Key { input: vec![i], canonical: vec![c] }).collect();
        Case { name, types: vec![(ty, Order::Asc)], keys }
    }

    fn encoded(&self) -> Vec<Bytes> {
        self.keys
            .iter()
            .map(|k| {
                let refs: Vec<&[u8]> = k.input.iter().map(|v| v.as_slice()).collect();
                Bytes::from(
                    encode_key(&self.types, &refs)
                        .unwrap_or_else(|e| panic!("{}: encode {:02x?}: {e}", self.name, k.input)),
                )
            })
            .collect()
    }
}

fn int(v: i32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

fn long(v: i64) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

/// Minimal two's complement big-endian (CQL varint).
fn varint(v: i128) -> Vec<u8> {
    let b = v.to_be_bytes();
    let mut i = 0;
    while i + 1 < b.len() && ((b[i] == 0x00 && b[i + 1] < 0x80) || (b[i] == 0xFF && b[i + 1] >= 0x80)) {
        i += 1;
    }
    b[i..].to_vec()
}

/// CQL decimal: 4-byte scale, then the unscaled varint; the value is `unscaled * 10^-scale`.
fn dec(unscaled: i128, scale: i32) -> Vec<u8> {
    let mut v = scale.to_be_bytes().to_vec();
    v.extend(varint(unscaled));
    v
}

fn uuid(msb: u64, lsb: u64) -> Vec<u8> {
    let mut v = msb.to_be_bytes().to_vec();
    v.extend(lsb.to_be_bytes());
    v
}

/// A UUID of `version` (the version nibble of `msb` replaced).
fn uuid_v(version: u64, msb: u64, lsb: u64) -> Vec<u8> {
    uuid((msb & !0xF000) | (version << 12), lsb)
}

/// A version 1 UUID with the 60-bit timestamp `ts`; `lsb` holds clock sequence and node.
fn time_uuid(ts: u64, lsb: u64) -> Vec<u8> {
    let msb = ((ts & 0xFFFF_FFFF) << 32) | (((ts >> 32) & 0xFFFF) << 16) | 0x1000 | (ts >> 48);
    uuid(msb, lsb)
}

fn text(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn cases() -> Vec<Case> {
    let empty = Vec::new;
    let mut out = Vec::new();

    let mut ints = vec![empty()];
    ints.extend(
        [i32::MIN, i32::MIN + 1, -1_000_000, -65536, -256, -255, -1, 0, 1, 127, 128, 255, 256, 65536, i32::MAX]
            .map(int),
    );
    out.push(Case::single("int", T::Int, Order::Asc, ints));

    out.push(Case::single(
        "bigint",
        T::Bigint,
        Order::Asc,
        [i64::MIN, i64::MIN + 1, -(1 << 40), -256, -1, 0, 1, 255, 1 << 40, i64::MAX - 1, i64::MAX].map(long).to_vec(),
    ));

    // Longer minimal encodings are larger magnitudes; non-minimal inputs decode minimal.
    let big_pos = {
        let mut v = vec![0x01];
        v.extend([0u8; 19]);
        v
    }; // 2^152: 20 bytes, above every i128
    let big_neg = {
        let mut v = vec![0x80];
        v.extend([0u8; 19]);
        v
    }; // -2^159: 20 bytes, below every i128
    let mut varints = vec![(empty(), empty()), (big_neg.clone(), big_neg)];
    for v in [i128::MIN, -(1 << 64), -65537, -65536, -32769, -32768, -257, -129, -128, -2] {
        varints.push((varint(v), varint(v)));
    }
    varints.push((vec![0xFF, 0xFF, 0xFF], vec![0xFF])); // -1, sign-extended
    varints.push((vec![0x00, 0x00], vec![0x00])); // 0, sign-extended
    varints.push((vec![0x00, 0x00, 0x01], vec![0x01])); // 1, zero-padded
    for v in [127, 128, 255, 256, 32767, 32768, 1 << 64, i128::MAX] {
        varints.push((varint(v), varint(v)));
    }
    varints.push((big_pos.clone(), big_pos));
    out.push(Case::normalized("varint", T::Varint, varints));

    // Equal values at different scales decode to one canonical form.
    out.push(Case::normalized(
        "decimal",
        T::Decimal,
        vec![
            (empty(), empty()),
            (dec(-125, 1), dec(-125, 1)),  // -12.5
            (dec(-100, 2), dec(-1, 0)),    // -1.00
            (dec(-5, 1), dec(-5, 1)),      // -0.5
            (dec(-1, 3), dec(-1, 3)),      // -0.001
            (dec(0, 5), dec(0, 0)),        // 0.00000
            (dec(1, 3), dec(1, 3)),        // 0.001
            (dec(10, 3), dec(1, 2)),       // 0.010
            (dec(5, 1), dec(5, 1)),        // 0.5
            (dec(100, 2), dec(1, 0)),      // 1.00
            (dec(150, 2), dec(15, 1)),     // 1.50
            (dec(2, 0), dec(2, 0)),        // 2
            (dec(10, 0), dec(1, -1)),      // 10
            (dec(1234, 2), dec(1234, 2)),  // 12.34
            (dec(1, -2), dec(1, -2)),      // 1E+2
            (dec(10000, -6), dec(1, -10)), // 1E+10
            (dec(i128::MAX, 0), dec(i128::MAX, 0)),
        ],
    ));

    // UTF-8 byte order is code point order.
    out.push(Case::single(
        "text",
        T::Text,
        Order::Asc,
        ["", "A", "Z", "a", "a\0", "a\0b", "aa", "ab", "b", "z", "\u{7f}", "é", "中", "😀"].map(text).to_vec(),
    ));

    out.push(Case::single(
        "blob",
        T::Blob,
        Order::Asc,
        vec![
            vec![],
            vec![0x00],
            vec![0x00, 0x00],
            vec![0x00, 0x01],
            vec![0x01],
            vec![0x7F],
            vec![0x80],
            vec![0xFE, 0xFF],
            vec![0xFF],
            vec![0xFF, 0x00],
            vec![0xFF, 0xFF],
        ],
    ));

    // UUIDType: version first; version 1 by timestamp (not by its byte layout), then the low
    // 8 bytes unsigned; other versions by their bytes, unsigned.
    out.push(Case::single(
        "uuid",
        T::Uuid,
        Order::Asc,
        vec![
            vec![],
            uuid(0, 0),
            uuid_v(0, 0xFFFF_FFFF_FFFF_FFFF, 0),
            time_uuid(0x1_0000, 0x8000_0000_0000_0000),
            time_uuid(0xFFFF_FFFF, 0x8000_0000_0000_0000), // time_low FFFFFFFF...
            time_uuid(0x1_0000_0000, 0x8000_0000_0000_0000), // ...sorts before time_mid 0001
            time_uuid(0x1_0000_0000, 0x807F_0000_0000_0000), // unsigned: 7F < 80
            time_uuid(0x1_0000_0000, 0x8080_0000_0000_0000),
            time_uuid(139_200_000_000_000_000, 0xBFFF_FFFF_FFFF_FFFF),
            time_uuid((1 << 60) - 1, 0x8000_0000_0000_0000),
            uuid_v(2, 0, 0x8000_0000_0000_0000),
            uuid_v(3, 0x0000_0000_0000_0FFF, 0xBFFF_FFFF_FFFF_FFFF),
            uuid_v(3, 0x0000_0000_0001_0000, 0x8000_0000_0000_0000),
            uuid_v(4, 0x0000_0000_0000_0000, 0x8000_0000_0000_0000),
            uuid_v(4, 0x0000_0000_0000_0000, 0xBFFF_FFFF_FFFF_FFFF),
            uuid_v(4, 0x7FFF_FFFF_FFFF_0FFF, 0x8000_0000_0000_0000),
            uuid_v(4, 0x8000_0000_0000_0000, 0x8000_0000_0000_0000),
            uuid_v(4, 0xFFFF_FFFF_FFFF_0FFF, 0xBFFF_FFFF_FFFF_FFFF),
            uuid_v(5, 0x1234_5678_9ABC_0DEF, 0x8000_0000_0000_0000),
            uuid_v(6, 0x1EE0_0000_0000_0000, 0x8000_0000_0000_0000),
            uuid_v(7, 0x0189_0000_0000_0000, 0x8000_0000_0000_0000),
            uuid_v(8, 0, 0),
        ],
    ));

    // TimeUUIDType: by timestamp, then the low 8 bytes (clock sequence, node) as SIGNED bytes:
    // at one instant, clock sequence 0x8080 sorts before 0x80FF, 0x8000 and 0x807F.
    let t0 = 0x1_0000;
    out.push(Case::single(
        "timeuuid",
        T::Timeuuid,
        Order::Asc,
        vec![
            vec![],
            time_uuid(t0, 0x8080_0000_0000_0000),
            time_uuid(t0, 0x80FF_0000_0000_0000),
            time_uuid(t0, 0x8000_0000_0000_0000),
            time_uuid(t0, 0x807F_0000_0000_0000),
            time_uuid(t0, 0x9000_0000_0000_0000),
            time_uuid(t0, 0xBFFF_0000_0000_0080),
            time_uuid(t0, 0xBFFF_0000_0000_00FF),
            time_uuid(t0, 0xBFFF_0000_0000_0000),
            time_uuid(t0, 0xBFFF_0000_0000_007F),
            time_uuid(t0 + 1, 0x8080_0000_0000_0000),
            time_uuid(0xFFFF_FFFF, 0x8000_0000_0000_0000),
            time_uuid(0x1_0000_0000, 0x8000_0000_0000_0000),
            time_uuid(139_200_000_000_000_000, 0x8000_0000_0000_0000),
            time_uuid(139_200_000_000_000_001, 0x8000_0000_0000_0000),
            time_uuid((1 << 60) - 1, 0xBFFF_FFFF_FFFF_FFFF),
        ],
    ));

    let mut stamps = vec![empty()];
    stamps.extend([i64::MIN, -86_400_000, -1, 0, 1, 1_700_000_000_000, 1_700_000_000_001, i64::MAX].map(long));
    out.push(Case::single("timestamp", T::Timestamp, Order::Asc, stamps));

    // WITH CLUSTERING ORDER BY (c DESC): largest first, the empty value last.
    let mut desc: Vec<Vec<u8>> = [i32::MAX, 1000, 256, 255, 1, 0, -1, -256, i32::MIN].map(int).to_vec();
    desc.push(empty());
    out.push(Case::single("int_desc", T::Int, Order::Desc, desc));

    // (a int ASC, b text DESC): by a ascending, then b descending, so a longer string sorts
    // before its prefix.
    let composite = [
        (-1, "b"),
        (-1, "a\0"),
        (-1, "a"),
        (-1, ""),
        (0, "zz"),
        (0, "z"),
        (0, "ab"),
        (0, "a"),
        (7, "é"),
        (7, "e"),
        (i32::MAX, "x"),
    ];
    out.push(Case {
        name: "composite",
        types: vec![(T::Int, Order::Asc), (T::Text, Order::Desc)],
        keys: composite
            .iter()
            .map(|(a, b)| Key { input: vec![int(*a), text(b)], canonical: vec![int(*a), text(b)] })
            .collect(),
    });
    out
}

fn pkey(case: &Case, suffix: &str) -> PartitionKey {
    PartitionKey::new(Bytes::from(format!("{}{suffix}", case.name)))
}

/// One row per key; its cell holds the key's position in the expected order.
fn write(e: &Engine, case: &Case, suffix: &str, positions: &[usize]) {
    let encoded = case.encoded();
    for &i in positions {
        let mut m = Mutation::new(TABLE, pkey(case, suffix));
        let mut row = Row { marker: Some(LivenessInfo { timestamp: TS, expiry: None }), ..Default::default() };
        row.cells.insert(CellKey::simple(INDEX), Cell::live(TS, Bytes::copy_from_slice(&(i as u32).to_be_bytes())));
        m.rows.push((encoded[i].clone(), row));
        e.apply(&m).expect("apply");
    }
}

/// The positions (in expected order) of the rows returned, checking each row's key bytes and
/// decoded values.
fn positions_of(case: &Case, p: &PartitionData, what: &str) -> Vec<usize> {
    let encoded = case.encoded();
    p.rows
        .iter()
        .map(|(ck, row)| {
            let cell = row.cells.get(&CellKey::simple(INDEX)).and_then(|c| c.live_value(0)).expect("index cell");
            let i = u32::from_be_bytes(cell[..].try_into().expect("4 bytes")) as usize;
            assert_eq!(ck, &encoded[i], "{what}: row {i} has the wrong clustering bytes");
            let decoded = decode_key(&case.types, ck).unwrap_or_else(|e| panic!("{what}: decode row {i}: {e}"));
            assert_eq!(decoded, case.keys[i].canonical, "{what}: row {i} decodes to the canonical values");
            i
        })
        .collect()
}

fn slice(ranges: Vec<ClusteringRange>, reversed: bool) -> Slice {
    Slice { ranges, reversed }
}

/// Checks forward, reversed and sliced reads, and a scan, of the partition holding all keys.
fn check(e: &Engine, case: &Case, suffix: &str, stage: &str) {
    let key = pkey(case, suffix);
    let n = case.keys.len();
    let what = format!("{} {stage}", case.name);
    let read = |s: &Slice| e.read(TABLE, &key, s).expect("read").expect("partition present");

    let forward: Vec<usize> = (0..n).collect();
    let backward: Vec<usize> = (0..n).rev().collect();
    assert_eq!(positions_of(case, &read(&Slice::all()), &what), forward, "{what}: forward order");
    assert_eq!(
        positions_of(case, &read(&slice(vec![ClusteringRange::all()], true)), &what),
        backward,
        "{what}: reversed"
    );

    // [k2, k5) by encoded bounds, then two disjoint ranges.
    let enc = case.encoded();
    let bound = |i: usize, inclusive: bool| ClusteringBound { prefix: enc[i].clone(), inclusive };
    let mid = ClusteringRange { start: bound(2, true), end: bound(5, false) };
    assert_eq!(positions_of(case, &read(&slice(vec![mid.clone()], false)), &what), vec![2, 3, 4], "{what}: [2, 5)");
    assert_eq!(positions_of(case, &read(&slice(vec![mid], true)), &what), vec![4, 3, 2], "{what}: [2, 5) reversed");
    let two = vec![
        ClusteringRange { start: bound(0, false), end: bound(1, true) },
        ClusteringRange { start: bound(n - 2, true), end: ClusteringBound::unbounded() },
    ];
    assert_eq!(
        positions_of(case, &read(&slice(two.clone(), false)), &what),
        vec![1, n - 2, n - 1],
        "{what}: two ranges"
    );
    assert_eq!(
        positions_of(case, &read(&slice(two, true)), &what),
        vec![n - 1, n - 2, 1],
        "{what}: two ranges reversed"
    );

    // Scans agree with point reads.
    for reversed in [false, true] {
        let found = e
            .scan(TABLE, KeyRange::all(), slice(vec![ClusteringRange::all()], reversed))
            .expect("scan")
            .map(|r| r.expect("scan item"))
            .find(|(k, _)| *k == key)
            .expect("partition in scan");
        let want = if reversed { &backward } else { &forward };
        assert_eq!(&positions_of(case, &found.1, &what), want, "{what}: scan, reversed = {reversed}");
    }
}

#[test]
fn expected_orders_are_strictly_increasing_encodings() {
    for case in cases() {
        let enc = case.encoded();
        for (i, w) in enc.windows(2).enumerate() {
            assert!(w[0] < w[1], "{}: key {i} {:02x?} must sort before key {} {:02x?}", case.name, w[0], i + 1, w[1]);
            assert!(!w[1].starts_with(&w[0]), "{}: key {i} prefixes key {}", case.name, i + 1);
        }
    }
}

#[test]
fn engine_returns_rows_in_cassandra_clustering_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background_compaction = false;
    let e = Engine::open(cfg.clone()).expect("open");
    e.create_table(TABLE, TableOptions::new("ks", "clustering")).expect("create table");
    let mut rng = rand::rngs::SmallRng::seed_from_u64(0xC1D5);
    let cases = cases();

    // Whole partitions written in shuffled order: memtable, then one SSTable.
    for case in &cases {
        let mut order: Vec<usize> = (0..case.keys.len()).collect();
        order.shuffle(&mut rng);
        write(&e, case, "", &order);
    }
    for case in &cases {
        check(&e, case, "", "memtable");
    }
    e.flush(TABLE).expect("flush");
    for case in &cases {
        check(&e, case, "", "sstable");
    }

    // Partitions split across sources: half in an SSTable, the other half (and a couple of
    // rows again) in the memtable; then SSTables only; then one compacted SSTable.
    let mut halves = Vec::new();
    for case in &cases {
        let mut order: Vec<usize> = (0..case.keys.len()).collect();
        order.shuffle(&mut rng);
        let (a, b) = order.split_at(order.len() / 2);
        write(&e, case, "-split", a);
        let mut second = b.to_vec();
        second.extend(&a[..2]);
        second.shuffle(&mut rng);
        halves.push(second);
    }
    e.flush(TABLE).expect("flush");
    for (case, second) in cases.iter().zip(&halves) {
        write(&e, case, "-split", second);
    }
    for case in &cases {
        check(&e, case, "-split", "memtable + sstable");
    }
    e.flush(TABLE).expect("flush");
    for case in &cases {
        check(&e, case, "-split", "sstables only");
    }
    e.compact(TABLE).expect("major compaction");
    assert_eq!(e.sstables(TABLE).expect("sstables").len(), 1);
    for case in &cases {
        check(&e, case, "", "compacted");
        check(&e, case, "-split", "compacted");
    }
    e.shutdown().expect("shutdown");

    // And after a restart.
    let e = Engine::open(cfg).expect("reopen");
    for case in &cases {
        check(&e, case, "", "reopened");
    }
}
