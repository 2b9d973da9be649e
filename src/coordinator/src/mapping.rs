//! How CQL tables map onto the storage engine's model, both ways.
//!
//! * A table's storage id is its CQL table id; its storage options come from its params.
//! * A partition key is its serialized form (`sibyl_cql::plan::keys`); a clustering key its
//!   byte-comparable encoding; static columns live in the static row.
//! * A simple (or frozen) column is one cell keyed by `CellKey { column: storage_id, path: [] }`.
//! * A non-frozen list element's path is 16 timeuuid-like bytes: 8 bytes of an order key (the
//!   write timestamp for appends, mirrored around 2010-01-01 for prepends, as Cassandra's
//!   `PrecisionTime` does) then a per-processor sequence number, so byte order is list order.
//! * A set element's path is the serialized element (the value is empty); a map entry's path is
//!   the serialized key; a non-frozen UDT field's path is its position as a 2-byte short.
//! * A counter is a set of delta cells (8-byte bigints) with unique paths, summed when read.
//! * Overwriting a collection or UDT is a complex deletion at `timestamp - 1` plus the new cells.

use bytes::Bytes;
use sibyl_cql::plan::CqlError;
use sibyl_cql::schema::{column_storage_id, ColumnDef, TableDef};
use sibyl_cql::types::CqlType;
use sibyl_cql::value::{compare, CqlValue};
use sibyl_storage::compaction::strategy::CompactionStrategy;
use sibyl_storage::{
    Cell, CellKey, CellValue, Compression, EpochSeconds, PartitionData, Row, StorageError, TableId, TableOptions,
};

/// 2010-01-01T00:00:00Z in microseconds: the mirror of list prepends.
const PREPEND_REFERENCE_MICROS: i64 = 1_262_304_000_000_000;

/// The storage engine's id of a CQL table.
pub fn table_id(def: &TableDef) -> TableId {
    TableId(u128::from_be_bytes(def.id))
}

/// The storage options of a CQL table.
pub fn table_options(def: &TableDef) -> TableOptions {
    let mut o = TableOptions::new(def.keyspace.clone(), def.name.clone());
    o.gc_grace_seconds = u32::try_from(def.params.gc_grace_seconds).unwrap_or(0);
    o.bloom_filter_fp_chance = def.params.bloom_filter_fp_chance;
    o.compaction = def.params.compaction.clone();
    let c = &def.params.compression;
    let enabled = c.get("enabled").is_none_or(|e| e != "false");
    o.compression = match c.get("class").map(String::as_str) {
        _ if !enabled => Compression::None,
        Some(cls) if cls.ends_with("LZ4Compressor") => Compression::Lz4,
        Some(cls) if cls.ends_with("ZstdCompressor") => Compression::Zstd,
        Some(cls) if cls.ends_with("NoopCompressor") || cls.is_empty() => Compression::None,
        _ => Compression::Lz4,
    };
    if let Some(kb) = c.get("chunk_length_in_kb").and_then(|k| k.parse::<usize>().ok()) {
        o.block_size_bytes = kb.max(1) * 1024;
    }
    o
}

/// Hides what dropped columns wrote before they were dropped, as Cassandra skips a dropped
/// column's cells with a timestamp `<=` its drop time: the column's values vanish (and a row
/// that had nothing else stops existing), and a column re-added under the same name starts
/// empty. Every partition read from the engine goes through this before it is used.
pub fn hide_dropped(def: &TableDef, data: &mut PartitionData) {
    if def.dropped_columns.is_empty() {
        return;
    }
    let dropped: Vec<(u32, i64)> =
        def.dropped_columns.iter().map(|(name, d)| (column_storage_id(name), d.dropped_time_micros)).collect();
    let hidden = |column: u32, timestamp: i64| dropped.iter().any(|(id, at)| *id == column && timestamp <= *at);
    let prune = |row: &mut Row| {
        row.cells.retain(|k, c| !hidden(k.column, c.timestamp));
        row.complex_deletions.retain(|column, d| !hidden(*column, d.timestamp));
    };
    if let Some(r) = &mut data.static_row {
        prune(r);
        if r.is_empty() {
            data.static_row = None;
        }
    }
    for (_, r) in &mut data.rows {
        prune(r);
    }
    data.rows.retain(|(_, r)| !r.is_empty());
}

/// Refuses table options the storage engine cannot honour (it has fewer compaction strategies
/// than CQL can name, e.g. no UnifiedCompactionStrategy) as a ConfigurationException (0x2300),
/// so such a table never reaches `system_schema`.
pub fn check_storage_options(def: &TableDef) -> Result<(), CqlError> {
    CompactionStrategy::from_options(&table_options(def).compaction)
        .map(|_| ())
        .map_err(|e| CqlError::Config(e.message))
}

/// A storage failure as the client sees it.
pub fn storage_error(e: StorageError) -> CqlError {
    CqlError::Server(e.to_string())
}

fn flip(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

fn path16(order: i64, seq: u64) -> Bytes {
    let mut b = Vec::with_capacity(16);
    b.extend_from_slice(&flip(order).to_be_bytes());
    b.extend_from_slice(&seq.to_be_bytes());
    Bytes::from(b)
}

/// The path of an element appended at `timestamp`.
pub fn list_append_path(timestamp: i64, seq: u64) -> Bytes {
    path16(timestamp, seq)
}

/// The path of an element prepended at `timestamp`: before every append made after 2010.
pub fn list_prepend_path(timestamp: i64, seq: u64) -> Bytes {
    let mirrored = PREPEND_REFERENCE_MICROS.saturating_sub(timestamp.saturating_sub(PREPEND_REFERENCE_MICROS));
    path16(mirrored, seq)
}

/// The path of field `pos` of a non-frozen UDT.
pub fn udt_field_path(pos: usize) -> Bytes {
    Bytes::copy_from_slice(&(pos as u16).to_be_bytes())
}

/// A unique path for a counter delta.
pub fn counter_path(node: u64, seq: u64) -> Bytes {
    let mut b = Vec::with_capacity(16);
    b.extend_from_slice(&node.to_be_bytes());
    b.extend_from_slice(&seq.to_be_bytes());
    Bytes::from(b)
}

/// The cells of column `column` in `row`, in path order.
pub fn cells_of(row: &Row, column: u32) -> impl Iterator<Item = (&CellKey, &Cell)> {
    let start = CellKey { column, path: Bytes::new() };
    row.cells.range(start..).take_while(move |(k, _)| k.column == column)
}

/// The live cells of column `column` in `row` at `now`, with their values.
pub fn live_cells(row: &Row, column: u32, now: EpochSeconds) -> impl Iterator<Item = (&Bytes, &Bytes)> {
    cells_of(row, column).filter_map(move |(k, c)| c.live_value(now).map(|v| (&k.path, v)))
}

fn push_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
    out.extend_from_slice(b);
}

/// The serialized value of column `def` in `row` at `now` (collections whole; `None`: null).
pub fn column_value(row: &Row, def: &ColumnDef, now: EpochSeconds) -> Option<Vec<u8>> {
    let id = def.storage_id();
    if def.ty.is_counter() {
        let mut sum: i64 = 0;
        let mut any = false;
        for (_, v) in live_cells(row, id, now) {
            if let Ok(b) = <[u8; 8]>::try_from(v.as_ref()) {
                sum = sum.wrapping_add(i64::from_be_bytes(b));
                any = true;
            }
        }
        return any.then(|| sum.to_be_bytes().to_vec());
    }
    if !def.ty.is_multi_cell() {
        return row.cells.get(&CellKey::simple(id)).and_then(|c| c.live_value(now)).map(|v| v.to_vec());
    }
    match &def.ty {
        CqlType::List { .. } => {
            let items: Vec<&Bytes> = live_cells(row, id, now).map(|(_, v)| v).collect();
            collection(items.iter().map(|v| (v.as_ref(), None)))
        }
        CqlType::Set { element, .. } => {
            let mut items: Vec<&Bytes> = live_cells(row, id, now).map(|(p, _)| p).collect();
            sort_by_type(element, &mut items, |x| x);
            collection(items.iter().map(|p| (p.as_ref(), None)))
        }
        CqlType::Map { key, .. } => {
            let mut items: Vec<(&Bytes, &Bytes)> = live_cells(row, id, now).collect();
            sort_by_type(key, &mut items, |x| x.0);
            collection(items.iter().map(|(k, v)| (k.as_ref(), Some(v.as_ref()))))
        }
        CqlType::Udt { fields, .. } => {
            let cells: Vec<(&Bytes, &Bytes)> = live_cells(row, id, now).collect();
            if cells.is_empty() {
                return None;
            }
            let mut out = Vec::new();
            for pos in 0..fields.len() {
                let path = udt_field_path(pos);
                match cells.iter().find(|(p, _)| **p == path) {
                    Some((_, v)) => push_bytes(&mut out, v),
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
            Some(out)
        }
        _ => None,
    }
}

fn sort_by_type<T>(ty: &CqlType, items: &mut [T], bytes: impl Fn(&T) -> &Bytes) {
    let decoded: Vec<Option<CqlValue>> = items.iter().map(|i| CqlValue::deserialize(ty, bytes(i)).ok()).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|a, b| match (&decoded[*a], &decoded[*b]) {
        (Some(x), Some(y)) => compare(ty, x, y),
        _ => bytes(&items[*a]).cmp(bytes(&items[*b])),
    });
    // Apply the permutation.
    let mut pos: Vec<usize> = vec![0; order.len()];
    for (to, from) in order.iter().enumerate() {
        pos[*from] = to;
    }
    for i in 0..items.len() {
        while pos[i] != i {
            let j = pos[i];
            items.swap(i, j);
            pos.swap(i, j);
        }
    }
}

/// A serialized collection of (element or key, optional map value); `None` when empty.
fn collection<'a>(items: impl ExactSizeIterator<Item = (&'a [u8], Option<&'a [u8]>)>) -> Option<Vec<u8>> {
    let n = items.len();
    if n == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(4 + n * 8);
    out.extend_from_slice(&(n as i32).to_be_bytes());
    for (k, v) in items {
        push_bytes(&mut out, k);
        if let Some(v) = v {
            push_bytes(&mut out, v);
        }
    }
    Some(out)
}

/// The write time of a simple column's live cell.
pub fn writetime(row: &Row, def: &ColumnDef, now: EpochSeconds) -> Option<i64> {
    let c = row.cells.get(&CellKey::simple(def.storage_id()))?;
    c.live_value(now).map(|_| c.timestamp)
}

/// The remaining TTL of a simple column's live cell (`None` without TTL).
pub fn ttl(row: &Row, def: &ColumnDef, now: EpochSeconds) -> Option<i32> {
    let c = row.cells.get(&CellKey::simple(def.storage_id()))?;
    c.live_value(now)?;
    match &c.value {
        CellValue::Live { expiry: Some(e), .. } => Some(e.expires_at.saturating_sub(now) as i32),
        _ => None,
    }
}

/// The current value of column `def` as a CQL value (for conditions).
pub fn column_cql_value(row: Option<&Row>, def: &ColumnDef, now: EpochSeconds) -> Result<Option<CqlValue>, CqlError> {
    let Some(bytes) = row.and_then(|r| column_value(r, def, now)) else { return Ok(None) };
    let ty = if def.ty.is_multi_cell() { def.ty.freeze() } else { def.ty.clone() };
    let ty = if ty.is_counter() { CqlType::Bigint } else { ty };
    Ok(Some(CqlValue::deserialize(&ty, &bytes)?))
}

/// One `[bytes]` field from the front of `rest` (`Some(None)`: null).
fn read_field(rest: &mut &[u8]) -> Option<Option<Vec<u8>>> {
    let len = i32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    *rest = rest.get(4..)?;
    if len < 0 {
        return Some(None);
    }
    let len = usize::try_from(len).ok()?;
    let v = rest.get(..len)?.to_vec();
    *rest = rest.get(len..)?;
    Some(Some(v))
}

/// An element of a serialized collection: the element (or key) and, for maps, the value;
/// `None` for a null.
pub type Element = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Splits a serialized collection (`[int]` count then `[bytes]` elements, or key/value pairs
/// when `pairs`). `None` if malformed.
pub fn split_collection(b: &[u8], pairs: bool) -> Option<Vec<Element>> {
    let n = i32::from_be_bytes(b.get(..4)?.try_into().ok()?);
    let mut rest = b.get(4..)?;
    let n = usize::try_from(n).ok()?;
    let mut out = Vec::with_capacity(n.min(rest.len() / 4 + 1));
    for _ in 0..n {
        let k = read_field(&mut rest)?;
        let v = if pairs { read_field(&mut rest)? } else { None };
        out.push((k, v));
    }
    rest.is_empty().then_some(out)
}

/// Splits a serialized tuple or UDT value into its fields.
pub fn split_fields(b: &[u8]) -> Option<Vec<Option<Vec<u8>>>> {
    let mut rest = b;
    let mut out = Vec::new();
    while !rest.is_empty() {
        out.push(read_field(&mut rest)?);
    }
    Some(out)
}
