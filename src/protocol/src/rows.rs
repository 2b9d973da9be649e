//! Rows metadata and rows (spec §4.2.5.2), with a direct-to-buffer writer for the server.

use crate::error::{ProtocolError, Result};
use crate::primitives::{Reader, Writer};
use crate::types::ColumnType;

/// Rows metadata flag bits.
pub mod flags {
    pub const GLOBAL_TABLES_SPEC: i32 = 0x0001;
    pub const HAS_MORE_PAGES: i32 = 0x0002;
    pub const NO_METADATA: i32 = 0x0004;
}

/// The most rows a Rows result with zero columns may declare. Such rows take no bytes, so
/// the body length cannot bound them; no real query returns them.
pub const MAX_EMPTY_ROWS: usize = 1 << 16;

/// RESULT kind of a Rows body.
pub(crate) const KIND_ROWS: i32 = 0x0002;

/// One column of a result or one bind marker of a prepared statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub keyspace: String,
    pub table: String,
    pub name: String,
    pub ty: ColumnType,
}

impl ColumnSpec {
    pub fn new(keyspace: impl Into<String>, table: impl Into<String>, name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnSpec { keyspace: keyspace.into(), table: table.into(), name: name.into(), ty }
    }
}

/// The shared (keyspace, table) of `specs`, if there is at least one and they all agree.
pub(crate) fn global_spec(specs: &[ColumnSpec]) -> Option<(&str, &str)> {
    let first = specs.first()?;
    specs
        .iter()
        .all(|c| c.keyspace == first.keyspace && c.table == first.table)
        .then_some((first.keyspace.as_str(), first.table.as_str()))
}

/// Writes `[<global_table_spec>]<col_spec>*`; the caller has set the global flag iff
/// `global` is `Some`.
pub(crate) fn encode_specs(out: &mut Vec<u8>, specs: &[ColumnSpec], global: Option<(&str, &str)>) -> Result<()> {
    if let Some((ks, table)) = global {
        out.write_string(ks)?;
        out.write_string(table)?;
    }
    for c in specs {
        if global.is_none() {
            out.write_string(&c.keyspace)?;
            out.write_string(&c.table)?;
        }
        out.write_string(&c.name)?;
        c.ty.encode(out)?;
    }
    Ok(())
}

/// Reads `[<global_table_spec>]<col_spec>*` for `count` columns.
pub(crate) fn decode_specs(r: &mut Reader<'_>, count: usize, global: bool) -> Result<Vec<ColumnSpec>> {
    let global = if global {
        Some((r.read_string("global keyspace")?.to_owned(), r.read_string("global table")?.to_owned()))
    } else {
        None
    };
    // Each spec is at least a name [string] and a type id; plus keyspace and table if not global.
    let min_bytes = if global.is_some() { 4 } else { 8 };
    let count = r.check_count("column spec", count as u64, min_bytes)?;
    let mut specs = Vec::with_capacity(count);
    for _ in 0..count {
        let (keyspace, table) = match &global {
            Some((ks, t)) => (ks.clone(), t.clone()),
            None => (r.read_string("keyspace")?.to_owned(), r.read_string("table")?.to_owned()),
        };
        let name = r.read_string("column name")?.to_owned();
        specs.push(ColumnSpec { keyspace, table, name, ty: ColumnType::decode(r)? });
    }
    Ok(specs)
}

/// `<metadata>` of a Rows result (and the result metadata of a Prepared one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsMetadata {
    pub columns_count: usize,
    /// Set iff more pages follow (the Has_more_pages flag).
    pub paging_state: Option<Vec<u8>>,
    /// `None`: the No_metadata flag (the client asked to skip it, or nothing is known).
    pub columns: Option<Vec<ColumnSpec>>,
}

impl RowsMetadata {
    /// Full metadata for these columns.
    pub fn new(columns: Vec<ColumnSpec>) -> Self {
        RowsMetadata { columns_count: columns.len(), paging_state: None, columns: Some(columns) }
    }

    /// No_metadata with a column count (for skip_metadata requests).
    pub fn no_metadata(columns_count: usize) -> Self {
        RowsMetadata { columns_count, paging_state: None, columns: None }
    }

    /// The result metadata of a statement that returns no rows: No_metadata, 0 columns.
    pub fn empty() -> Self {
        Self::no_metadata(0)
    }

    pub fn with_paging_state(mut self, paging_state: Option<Vec<u8>>) -> Self {
        self.paging_state = paging_state;
        self
    }

    /// Writes the metadata, choosing a global table spec when every column shares one.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut f = 0;
        if self.paging_state.is_some() {
            f |= flags::HAS_MORE_PAGES;
        }
        let global = match &self.columns {
            None => {
                f |= flags::NO_METADATA;
                None
            }
            Some(cols) if cols.len() != self.columns_count => {
                return Err(ProtocolError::InconsistentMetadata {
                    columns_count: self.columns_count,
                    specs: cols.len(),
                })
            }
            Some(cols) => global_spec(cols),
        };
        if global.is_some() {
            f |= flags::GLOBAL_TABLES_SPEC;
        }
        out.write_int(f);
        out.write_int_len("columns count", self.columns_count)?;
        if let Some(state) = &self.paging_state {
            out.write_bytes(Some(state))?;
        }
        if let Some(cols) = &self.columns {
            encode_specs(out, cols, global)?;
        }
        Ok(())
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<RowsMetadata> {
        let f = r.read_int("rows metadata flags")?;
        let columns_count = r.read_len("columns count")?;
        let paging_state =
            if f & flags::HAS_MORE_PAGES != 0 { r.read_bytes("paging state")?.map(<[u8]>::to_vec) } else { None };
        let columns = if f & flags::NO_METADATA != 0 {
            None
        } else {
            Some(decode_specs(r, columns_count, f & flags::GLOBAL_TABLES_SPEC != 0)?)
        };
        Ok(RowsMetadata { columns_count, paging_state, columns })
    }
}

/// One row: a serialized value per column, `None` for null.
pub type Row = Vec<Option<Vec<u8>>>;

/// A Rows result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    pub metadata: RowsMetadata,
    pub rows: Vec<Row>,
}

impl Rows {
    /// Writes the body after the kind: metadata, count and cells, straight from `self.rows`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        encode_rows_content(out, &self.metadata, &self.rows)
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Rows> {
        let metadata = RowsMetadata::decode(r)?;
        let rows_count = r.read_len("rows count")?;
        let columns = metadata.columns_count;
        let rows_count = if columns == 0 {
            // Rows without columns take no bytes, so the body cannot bound their count.
            if rows_count > MAX_EMPTY_ROWS {
                return Err(ProtocolError::CountTooLarge { what: "empty row", count: rows_count as u64, remaining: 0 });
            }
            rows_count
        } else {
            // Every cell is at least its 4-byte length.
            r.check_count("row", rows_count as u64, (columns as u64).saturating_mul(4))?
        };
        let mut rows = Vec::with_capacity(rows_count);
        for _ in 0..rows_count {
            let mut row = Vec::with_capacity(columns);
            for _ in 0..columns {
                row.push(r.read_bytes("cell")?.map(<[u8]>::to_vec));
            }
            rows.push(row);
        }
        Ok(Rows { metadata, rows })
    }
}

/// Writes `<metadata><rows_count><rows_content>` from borrowed rows, without copying them
/// anywhere but `out`.
pub fn encode_rows_content(out: &mut Vec<u8>, metadata: &RowsMetadata, rows: &[Row]) -> Result<()> {
    let mut w = RowsWriter::begin_content(out, metadata)?;
    for row in rows {
        w.push_row(row.iter().map(Option::as_deref))?;
    }
    w.finish();
    Ok(())
}

/// Streams a RESULT Rows body into a buffer row by row: the kind, the metadata, a row count
/// patched when the writer finishes or is dropped, and each row's cells as [bytes].
#[derive(Debug)]
pub struct RowsWriter<'a> {
    out: &'a mut Vec<u8>,
    count_at: usize,
    columns_count: usize,
    rows: usize,
}

impl<'a> RowsWriter<'a> {
    /// Writes the RESULT kind (Rows) and the metadata.
    pub fn begin(out: &'a mut Vec<u8>, metadata: &RowsMetadata) -> Result<Self> {
        out.write_int(KIND_ROWS);
        Self::begin_content(out, metadata)
    }

    fn begin_content(out: &'a mut Vec<u8>, metadata: &RowsMetadata) -> Result<Self> {
        metadata.encode(out)?;
        let count_at = out.len();
        out.write_int(0);
        Ok(RowsWriter { out, count_at, columns_count: metadata.columns_count, rows: 0 })
    }

    /// Appends one row. On error nothing of the row is left in the buffer.
    pub fn push_row<'c, I: IntoIterator<Item = Option<&'c [u8]>>>(&mut self, cells: I) -> Result<()> {
        let start = self.out.len();
        let mut n = 0usize;
        let mut result = Ok(());
        for cell in cells {
            n += 1;
            result = self.out.write_bytes(cell);
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() && n != self.columns_count {
            result = Err(ProtocolError::RowWidthMismatch { cells: n, columns_count: self.columns_count });
        }
        if result.is_ok() && i32::try_from(self.rows + 1).is_err() {
            result = Err(ProtocolError::TooLong { what: "rows count", length: self.rows + 1, max: i32::MAX as usize });
        }
        match result {
            Ok(()) => {
                self.rows += 1;
                Ok(())
            }
            Err(e) => {
                self.out.truncate(start);
                Err(e)
            }
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Patches the row count; returns it.
    pub fn finish(self) -> usize {
        self.rows
    }

    fn patch(&mut self) {
        // push_row keeps rows <= i32::MAX.
        let count = i32::try_from(self.rows).unwrap_or(i32::MAX).to_be_bytes();
        if let Some(slot) = self.out.get_mut(self.count_at..self.count_at + 4) {
            slot.copy_from_slice(&count);
        }
    }
}

impl Drop for RowsWriter<'_> {
    fn drop(&mut self) {
        self.patch();
    }
}
