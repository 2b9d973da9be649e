//! RESULT bodies (spec §4.2.5): Void, Rows, Set_keyspace, Prepared, Schema_change.

use crate::error::{ProtocolError, Result};
use crate::event::SchemaChange;
use crate::primitives::{Reader, Writer};
use crate::rows::{decode_specs, encode_specs, flags, global_spec, ColumnSpec, Rows, RowsMetadata, KIND_ROWS};

const KIND_VOID: i32 = 0x0001;
const KIND_SET_KEYSPACE: i32 = 0x0003;
const KIND_PREPARED: i32 = 0x0004;
const KIND_SCHEMA_CHANGE: i32 = 0x0005;

/// `<metadata>` of a Prepared result: the bind markers and which of them form the partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedMetadata {
    /// For each partition-key column in key order, the index of its bind marker. Empty when
    /// some partition-key column has no plain marker (disables token-aware routing).
    pub pk_indexes: Vec<u16>,
    /// One spec per bind marker: the marker's name if named, else the column's.
    pub columns: Vec<ColumnSpec>,
}

impl PreparedMetadata {
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let global = global_spec(&self.columns);
        out.write_int(if global.is_some() { flags::GLOBAL_TABLES_SPEC } else { 0 });
        out.write_int_len("bind markers count", self.columns.len())?;
        out.write_int_len("pk count", self.pk_indexes.len())?;
        for i in &self.pk_indexes {
            out.write_short(*i);
        }
        encode_specs(out, &self.columns, global)
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<PreparedMetadata> {
        let f = r.read_int("prepared metadata flags")?;
        let columns_count = r.read_len("bind markers count")?;
        let pk_count = r.read_len("pk count")?;
        let pk_count = r.check_count("pk index", pk_count as u64, 2)?;
        let mut pk_indexes = Vec::with_capacity(pk_count);
        for _ in 0..pk_count {
            pk_indexes.push(r.read_short("pk index")?);
        }
        let columns = decode_specs(r, columns_count, f & flags::GLOBAL_TABLES_SPEC != 0)?;
        Ok(PreparedMetadata { pk_indexes, columns })
    }
}

/// A Prepared result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub id: Vec<u8>,
    pub metadata: PreparedMetadata,
    /// What EXECUTE will return; [`RowsMetadata::empty`] for statements without rows. Must not
    /// carry a paging state (scylla rejects Has_more_pages here).
    pub result_metadata: RowsMetadata,
}

/// The body of a RESULT response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultBody {
    Void,
    Rows(Rows),
    SetKeyspace(String),
    Prepared(Prepared),
    SchemaChange(SchemaChange),
}

impl ResultBody {
    pub fn decode(r: &mut Reader<'_>) -> Result<ResultBody> {
        Ok(match r.read_int("result kind")? {
            KIND_VOID => ResultBody::Void,
            KIND_ROWS => ResultBody::Rows(Rows::decode(r)?),
            KIND_SET_KEYSPACE => ResultBody::SetKeyspace(r.read_string("keyspace")?.to_owned()),
            KIND_PREPARED => ResultBody::Prepared(Prepared {
                id: r.read_short_bytes("prepared id")?.to_vec(),
                metadata: PreparedMetadata::decode(r)?,
                result_metadata: RowsMetadata::decode(r)?,
            }),
            KIND_SCHEMA_CHANGE => ResultBody::SchemaChange(SchemaChange::decode(r)?),
            kind => return Err(ProtocolError::UnknownResultKind { kind }),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            ResultBody::Void => out.write_int(KIND_VOID),
            ResultBody::Rows(rows) => {
                out.write_int(KIND_ROWS);
                rows.encode(out)?;
            }
            ResultBody::SetKeyspace(ks) => {
                out.write_int(KIND_SET_KEYSPACE);
                out.write_string(ks)?;
            }
            ResultBody::Prepared(p) => {
                out.write_int(KIND_PREPARED);
                out.write_short_bytes(&p.id)?;
                p.metadata.encode(out)?;
                p.result_metadata.encode(out)?;
            }
            ResultBody::SchemaChange(sc) => {
                out.write_int(KIND_SCHEMA_CHANGE);
                sc.encode(out)?;
            }
        }
        Ok(())
    }
}
