//! Binary serialization of partitions and mutations, shared by the commitlog and SSTables.
//!
//! Integers are LEB128 varints (signed ones zigzag-encoded); timestamps are stored as deltas
//! from a base timestamp the container (block or log entry) records once. Decoding is
//! bounds-checked everywhere: it runs on bytes read from disk and must never panic.

use crate::model::*;
use bytes::Bytes;
use std::collections::BTreeMap;

/// Why a byte sequence could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub reason: &'static str,
}

pub type DecodeResult<T> = std::result::Result<T, DecodeError>;

pub fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_ivarint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_uvarint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A bounds-checked reader over a byte slice that hands out zero-copy `Bytes`.
pub struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a Bytes) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn at(buf: &'a Bytes, pos: usize) -> Self {
        Reader { buf, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn err<T>(&self, reason: &'static str) -> DecodeResult<T> {
        Err(DecodeError { offset: self.pos, reason })
    }

    pub fn u8(&mut self) -> DecodeResult<u8> {
        match self.buf.get(self.pos) {
            Some(b) => {
                self.pos += 1;
                Ok(*b)
            }
            None => self.err("unexpected end of data"),
        }
    }

    pub fn uvarint(&mut self) -> DecodeResult<u64> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                return self.err("varint overflow");
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return self.err("varint too long");
            }
        }
    }

    pub fn ivarint(&mut self) -> DecodeResult<i64> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub fn u32v(&mut self) -> DecodeResult<u32> {
        let v = self.uvarint()?;
        u32::try_from(v).or_else(|_| self.err("value out of range for u32"))
    }

    pub fn len(&mut self) -> DecodeResult<usize> {
        let n = self.uvarint()?;
        let remaining = self.buf.len().saturating_sub(self.pos) as u64;
        if n > remaining {
            return self.err("length exceeds remaining bytes");
        }
        Ok(n as usize)
    }

    pub fn bytes(&mut self) -> DecodeResult<Bytes> {
        let n = self.len()?;
        let b = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(b)
    }

    pub fn skip(&mut self, n: usize) -> DecodeResult<()> {
        if n > self.buf.len().saturating_sub(self.pos) {
            return self.err("skip past end");
        }
        self.pos += n;
        Ok(())
    }

    pub fn fixed<const N: usize>(&mut self) -> DecodeResult<[u8; N]> {
        let end = self.pos + N;
        match self.buf.get(self.pos..end) {
            Some(s) => {
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                self.pos = end;
                Ok(a)
            }
            None => self.err("unexpected end of data"),
        }
    }
}

const P_DELETION: u8 = 1;
const P_STATIC: u8 = 2;
const P_RANGES: u8 = 4;

const R_MARKER: u8 = 1;
const R_MARKER_TTL: u8 = 2;
const R_DELETION: u8 = 4;
const R_COMPLEX: u8 = 8;

const C_TOMBSTONE: u8 = 1;
const C_TTL: u8 = 2;
const C_PATH: u8 = 4;

fn put_deletion(out: &mut Vec<u8>, d: &DeletionTime, base: i64) {
    put_ivarint(out, d.timestamp.wrapping_sub(base));
    put_uvarint(out, u64::from(d.local_deletion_time));
}

fn get_deletion(r: &mut Reader<'_>, base: i64) -> DecodeResult<DeletionTime> {
    Ok(DeletionTime { timestamp: r.ivarint()?.wrapping_add(base), local_deletion_time: r.u32v()? })
}

fn put_expiry(out: &mut Vec<u8>, e: &Expiry) {
    put_uvarint(out, u64::from(e.ttl_seconds));
    put_uvarint(out, u64::from(e.expires_at));
}

fn get_expiry(r: &mut Reader<'_>) -> DecodeResult<Expiry> {
    Ok(Expiry { ttl_seconds: r.u32v()?, expires_at: r.u32v()? })
}

fn put_bound(out: &mut Vec<u8>, b: &ClusteringBound) {
    out.push(u8::from(b.inclusive));
    put_bytes(out, &b.prefix);
}

fn get_bound(r: &mut Reader<'_>) -> DecodeResult<ClusteringBound> {
    let inclusive = match r.u8()? {
        0 => false,
        1 => true,
        _ => return r.err("bad bound flag"),
    };
    Ok(ClusteringBound { inclusive, prefix: r.bytes()? })
}

/// Serializes a row body (without its clustering key).
pub fn put_row(out: &mut Vec<u8>, row: &Row, base: i64) {
    let mut flags = 0u8;
    if let Some(m) = &row.marker {
        flags |= R_MARKER;
        if m.expiry.is_some() {
            flags |= R_MARKER_TTL;
        }
    }
    if row.deletion.is_some() {
        flags |= R_DELETION;
    }
    if !row.complex_deletions.is_empty() {
        flags |= R_COMPLEX;
    }
    out.push(flags);
    if let Some(m) = &row.marker {
        put_ivarint(out, m.timestamp.wrapping_sub(base));
        if let Some(e) = &m.expiry {
            put_expiry(out, e);
        }
    }
    if let Some(d) = &row.deletion {
        put_deletion(out, d, base);
    }
    if !row.complex_deletions.is_empty() {
        put_uvarint(out, row.complex_deletions.len() as u64);
        for (col, d) in &row.complex_deletions {
            put_uvarint(out, u64::from(*col));
            put_deletion(out, d, base);
        }
    }
    put_uvarint(out, row.cells.len() as u64);
    for (k, c) in &row.cells {
        put_uvarint(out, u64::from(k.column));
        let mut cf = 0u8;
        if !k.path.is_empty() {
            cf |= C_PATH;
        }
        match &c.value {
            CellValue::Tombstone { .. } => cf |= C_TOMBSTONE,
            CellValue::Live { expiry: Some(_), .. } => cf |= C_TTL,
            CellValue::Live { expiry: None, .. } => {}
        }
        out.push(cf);
        if !k.path.is_empty() {
            put_bytes(out, &k.path);
        }
        put_ivarint(out, c.timestamp.wrapping_sub(base));
        match &c.value {
            CellValue::Tombstone { local_deletion_time } => put_uvarint(out, u64::from(*local_deletion_time)),
            CellValue::Live { value, expiry } => {
                if let Some(e) = expiry {
                    put_expiry(out, e);
                }
                put_bytes(out, value);
            }
        }
    }
}

/// What a row holds, reported item by item while it is transcoded (for statistics).
#[derive(Debug, Clone, Copy)]
pub enum RowItem {
    /// The row marker, with its expiry if it has a TTL.
    Marker {
        expires_at: Option<u32>,
    },
    /// A row or collection deletion.
    Deletion {
        local_deletion_time: u32,
    },
    LiveCell {
        expires_at: Option<u32>,
    },
    CellTombstone {
        local_deletion_time: u32,
    },
}

/// Re-encodes one serialized row from timestamps relative to `from` to timestamps relative to
/// `to`, without building a [`Row`]; `visit` sees each item with its absolute timestamp.
pub fn transcode_row(
    r: &mut Reader<'_>,
    from: i64,
    to: i64,
    out: &mut Vec<u8>,
    visit: &mut dyn FnMut(i64, RowItem),
) -> DecodeResult<()> {
    let flags = r.u8()?;
    if flags & !(R_MARKER | R_MARKER_TTL | R_DELETION | R_COMPLEX) != 0 {
        return r.err("unknown row flags");
    }
    out.push(flags);
    if flags & R_MARKER != 0 {
        let ts = r.ivarint()?.wrapping_add(from);
        put_ivarint(out, ts.wrapping_sub(to));
        let expires_at = if flags & R_MARKER_TTL != 0 {
            let e = get_expiry(r)?;
            put_expiry(out, &e);
            Some(e.expires_at)
        } else {
            None
        };
        visit(ts, RowItem::Marker { expires_at });
    }
    if flags & R_DELETION != 0 {
        let d = get_deletion(r, from)?;
        put_deletion(out, &d, to);
        visit(d.timestamp, RowItem::Deletion { local_deletion_time: d.local_deletion_time });
    }
    if flags & R_COMPLEX != 0 {
        let n = r.len()?;
        put_uvarint(out, n as u64);
        for _ in 0..n {
            let col = r.u32v()?;
            let d = get_deletion(r, from)?;
            put_uvarint(out, u64::from(col));
            put_deletion(out, &d, to);
            visit(d.timestamp, RowItem::Deletion { local_deletion_time: d.local_deletion_time });
        }
    }
    let n = r.len()?;
    put_uvarint(out, n as u64);
    for _ in 0..n {
        put_uvarint(out, u64::from(r.u32v()?));
        let cf = r.u8()?;
        if cf & !(C_TOMBSTONE | C_TTL | C_PATH) != 0 || (cf & C_TOMBSTONE != 0 && cf & C_TTL != 0) {
            return r.err("unknown cell flags");
        }
        out.push(cf);
        if cf & C_PATH != 0 {
            put_bytes(out, &r.bytes()?);
        }
        let ts = r.ivarint()?.wrapping_add(from);
        put_ivarint(out, ts.wrapping_sub(to));
        if cf & C_TOMBSTONE != 0 {
            let ldt = r.u32v()?;
            put_uvarint(out, u64::from(ldt));
            visit(ts, RowItem::CellTombstone { local_deletion_time: ldt });
        } else {
            let expires_at = if cf & C_TTL != 0 {
                let e = get_expiry(r)?;
                put_expiry(out, &e);
                Some(e.expires_at)
            } else {
                None
            };
            put_bytes(out, &r.bytes()?);
            visit(ts, RowItem::LiveCell { expires_at });
        }
    }
    Ok(())
}

pub fn get_row(r: &mut Reader<'_>, base: i64) -> DecodeResult<Row> {
    let flags = r.u8()?;
    if flags & !(R_MARKER | R_MARKER_TTL | R_DELETION | R_COMPLEX) != 0 {
        return r.err("unknown row flags");
    }
    let mut row = Row::default();
    if flags & R_MARKER != 0 {
        let timestamp = r.ivarint()?.wrapping_add(base);
        let expiry = if flags & R_MARKER_TTL != 0 { Some(get_expiry(r)?) } else { None };
        row.marker = Some(LivenessInfo { timestamp, expiry });
    }
    if flags & R_DELETION != 0 {
        row.deletion = Some(get_deletion(r, base)?);
    }
    if flags & R_COMPLEX != 0 {
        let n = r.len()?;
        for _ in 0..n {
            let col = r.u32v()?;
            let d = get_deletion(r, base)?;
            row.complex_deletions.insert(col, d);
        }
    }
    let n = r.len()?;
    let mut cells = BTreeMap::new();
    for _ in 0..n {
        let column = r.u32v()?;
        let cf = r.u8()?;
        if cf & !(C_TOMBSTONE | C_TTL | C_PATH) != 0 || (cf & C_TOMBSTONE != 0 && cf & C_TTL != 0) {
            return r.err("unknown cell flags");
        }
        let path = if cf & C_PATH != 0 { r.bytes()? } else { Bytes::new() };
        let timestamp = r.ivarint()?.wrapping_add(base);
        let value = if cf & C_TOMBSTONE != 0 {
            CellValue::Tombstone { local_deletion_time: r.u32v()? }
        } else {
            let expiry = if cf & C_TTL != 0 { Some(get_expiry(r)?) } else { None };
            CellValue::Live { value: r.bytes()?, expiry }
        };
        cells.insert(CellKey { column, path }, Cell { timestamp, value });
    }
    row.cells = cells;
    Ok(row)
}

/// Serializes a partition's content (not its key).
pub fn put_partition(out: &mut Vec<u8>, p: &PartitionData, base: i64) {
    let rows: Vec<&(Bytes, Row)> = p.rows.iter().collect();
    put_partition_parts(out, p.partition_deletion.as_ref(), &p.range_tombstones, p.static_row.as_ref(), &rows, base);
}

/// Serializes a partition from its parts; `rows` must be in clustering order without
/// duplicates.
pub fn put_partition_parts(
    out: &mut Vec<u8>,
    partition_deletion: Option<&DeletionTime>,
    range_tombstones: &[RangeTombstone],
    static_row: Option<&Row>,
    rows: &[&(Bytes, Row)],
    base: i64,
) {
    let mut flags = 0u8;
    if partition_deletion.is_some() {
        flags |= P_DELETION;
    }
    if static_row.is_some() {
        flags |= P_STATIC;
    }
    if !range_tombstones.is_empty() {
        flags |= P_RANGES;
    }
    out.push(flags);
    if let Some(d) = partition_deletion {
        put_deletion(out, d, base);
    }
    if !range_tombstones.is_empty() {
        put_uvarint(out, range_tombstones.len() as u64);
        for rt in range_tombstones {
            put_bound(out, &rt.range.start);
            put_bound(out, &rt.range.end);
            put_deletion(out, &rt.deletion, base);
        }
    }
    if let Some(s) = static_row {
        put_row(out, s, base);
    }
    put_uvarint(out, rows.len() as u64);
    for (ck, row) in rows.iter().map(|r| (&r.0, &r.1)) {
        put_bytes(out, ck);
        put_row(out, row, base);
    }
}

pub fn get_partition(r: &mut Reader<'_>, base: i64) -> DecodeResult<PartitionData> {
    let flags = r.u8()?;
    if flags & !(P_DELETION | P_STATIC | P_RANGES) != 0 {
        return r.err("unknown partition flags");
    }
    let mut p = PartitionData::default();
    if flags & P_DELETION != 0 {
        p.partition_deletion = Some(get_deletion(r, base)?);
    }
    if flags & P_RANGES != 0 {
        let n = r.len()?;
        for _ in 0..n {
            let start = get_bound(r)?;
            let end = get_bound(r)?;
            let deletion = get_deletion(r, base)?;
            p.range_tombstones.push(RangeTombstone { range: ClusteringRange { start, end }, deletion });
        }
    }
    if flags & P_STATIC != 0 {
        p.static_row = Some(get_row(r, base)?);
    }
    let n = r.len()?;
    let mut rows = Vec::with_capacity(n.min(4096));
    let mut prev: Option<Bytes> = None;
    for _ in 0..n {
        let ck = r.bytes()?;
        if prev.as_ref().is_some_and(|p| *p >= ck) {
            return r.err("rows out of clustering order");
        }
        let row = get_row(r, base)?;
        prev = Some(ck.clone());
        rows.push((ck, row));
    }
    p.rows = rows;
    Ok(p)
}

/// A commitlog entry's payload: one mutation.
pub fn put_mutation(out: &mut Vec<u8>, m: &Mutation) {
    out.extend_from_slice(&m.table.0.to_le_bytes());
    put_bytes(out, &m.key.key);
    let base = mutation_base_timestamp(m);
    put_ivarint(out, base);
    let merged: Vec<(Bytes, Row)>;
    let mut rows: Vec<&(Bytes, Row)> = m.rows.iter().collect();
    if !rows.windows(2).all(|w| w[0].0 < w[1].0) {
        // Rare: rows out of order or repeated. Merge repeats exactly as the memtable does.
        let mut map: BTreeMap<Bytes, Row> = BTreeMap::new();
        for (ck, row) in &m.rows {
            match map.get_mut(ck) {
                Some(cur) => cur.merge(row.clone()),
                None => {
                    map.insert(ck.clone(), row.clone());
                }
            }
        }
        merged = map.into_iter().collect();
        rows = merged.iter().collect();
    }
    put_partition_parts(out, m.partition_deletion.as_ref(), &m.range_tombstones, m.static_row.as_ref(), &rows, base);
}

pub fn get_mutation(buf: &Bytes) -> DecodeResult<Mutation> {
    let mut r = Reader::new(buf);
    let table = TableId(u128::from_le_bytes(r.fixed::<16>()?));
    let key = PartitionKey::new(r.bytes()?);
    let base = r.ivarint()?;
    let pd = get_partition(&mut r, base)?;
    if !r.is_empty() {
        return r.err("trailing bytes after mutation");
    }
    Ok(Mutation {
        table,
        key,
        partition_deletion: pd.partition_deletion,
        range_tombstones: pd.range_tombstones,
        static_row: pd.static_row,
        rows: pd.rows,
    })
}

fn mutation_base_timestamp(m: &Mutation) -> i64 {
    if let Some(d) = m.partition_deletion {
        return d.timestamp;
    }
    for (_, r) in &m.rows {
        if let Some((lo, _)) = r.timestamp_range() {
            return lo;
        }
    }
    m.static_row.as_ref().and_then(|r| r.timestamp_range()).map(|(lo, _)| lo).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for v in [0i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN, 1_700_000_000_000_000] {
            let mut out = Vec::new();
            put_ivarint(&mut out, v);
            let b = Bytes::from(out);
            assert_eq!(Reader::new(&b).ivarint(), Ok(v));
        }
    }

    #[test]
    fn mutation_round_trip() {
        let mut m = Mutation::new(TableId(7), PartitionKey::new(Bytes::from_static(b"k1")));
        m.partition_deletion = Some(DeletionTime { timestamp: 5, local_deletion_time: 10 });
        m.range_tombstones.push(RangeTombstone {
            range: ClusteringRange::prefix(Bytes::from_static(b"a")),
            deletion: DeletionTime { timestamp: 9, local_deletion_time: 11 },
        });
        let mut row = Row { marker: Some(LivenessInfo { timestamp: 100, expiry: None }), ..Default::default() };
        row.cells.insert(CellKey::simple(1), Cell::live(100, Bytes::from_static(b"v")));
        row.cells.insert(
            CellKey { column: 2, path: Bytes::from_static(b"p") },
            Cell::expiring(101, Bytes::from_static(b"w"), Expiry { ttl_seconds: 5, expires_at: 99 }),
        );
        row.cells.insert(CellKey::simple(3), Cell::tombstone(102, 50));
        row.complex_deletions.insert(2, DeletionTime { timestamp: 99, local_deletion_time: 1 });
        m.rows.push((Bytes::from_static(b"b"), row.clone()));
        m.static_row = Some(row);
        let mut out = Vec::new();
        put_mutation(&mut out, &m);
        assert_eq!(get_mutation(&Bytes::from(out)), Ok(m));
    }

    #[test]
    fn transcoding_a_row_equals_re_encoding_it() {
        let mut row = Row { marker: Some(LivenessInfo { timestamp: 1_000, expiry: None }), ..Default::default() };
        row.deletion = Some(DeletionTime { timestamp: 900, local_deletion_time: 7 });
        row.complex_deletions.insert(4, DeletionTime { timestamp: 950, local_deletion_time: 8 });
        row.cells.insert(CellKey::simple(1), Cell::live(1_001, Bytes::from_static(b"v")));
        row.cells.insert(
            CellKey { column: 4, path: Bytes::from_static(b"k") },
            Cell::expiring(1_002, Bytes::from_static(b"w"), Expiry { ttl_seconds: 3, expires_at: 99 }),
        );
        row.cells.insert(CellKey::simple(5), Cell::tombstone(1_003, 12));
        let mut packed = Vec::new();
        put_row(&mut packed, &row, 1_000);
        let packed = Bytes::from(packed);
        let mut out = Vec::new();
        let mut items = 0;
        transcode_row(&mut Reader::new(&packed), 1_000, -5, &mut out, &mut |_, _| items += 1).expect("transcode");
        let mut want = Vec::new();
        put_row(&mut want, &row, -5);
        assert_eq!(out, want);
        assert_eq!(items, 6);
    }

    #[test]
    fn decoding_garbage_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        for _ in 0..20_000 {
            let n = rng.gen_range(0..64);
            let v: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            let _ = get_mutation(&Bytes::from(v));
        }
    }
}
