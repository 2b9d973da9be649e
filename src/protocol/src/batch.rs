//! The BATCH request body (spec §4.1.7).

use crate::consistency::Consistency;
use crate::error::{ProtocolError, Result};
use crate::primitives::{Reader, Value, Writer};
use crate::query_params::{flags, read_serial, read_timestamp, Values};

/// How the batch is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchType {
    Logged = 0,
    Unlogged = 1,
    Counter = 2,
}

impl TryFrom<u8> for BatchType {
    type Error = ProtocolError;

    fn try_from(kind: u8) -> Result<Self> {
        match kind {
            0 => Ok(BatchType::Logged),
            1 => Ok(BatchType::Unlogged),
            2 => Ok(BatchType::Counter),
            kind => Err(ProtocolError::UnknownBatchType { kind }),
        }
    }
}

/// A statement of a batch: its text or a prepared id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchQuery {
    /// kind 0: a [long string] query.
    Query(String),
    /// kind 1: a [short bytes] prepared id.
    Prepared(Vec<u8>),
}

/// One statement and its positional values.
///
/// The batch-wide names flag (0x40) is not supported: the spec itself says it cannot work
/// (CASSANDRA-10246), and Cassandra reads batch values positionally regardless. Decoding
/// ignores the flag the same way; encoding never sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStatement {
    pub query: BatchQuery,
    pub values: Vec<Value>,
}

/// A BATCH request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub batch_type: BatchType,
    pub statements: Vec<BatchStatement>,
    pub consistency: Consistency,
    pub serial_consistency: Option<Consistency>,
    /// Microseconds since the epoch.
    pub default_timestamp: Option<i64>,
}

impl Batch {
    pub fn decode(r: &mut Reader<'_>) -> Result<Batch> {
        let batch_type = BatchType::try_from(r.read_byte("batch type")?)?;
        let n = r.read_short("batch statement count")?;
        // A statement is at least a kind byte, a 2-byte id length and a 2-byte value count.
        let n = r.check_count("batch statement", u64::from(n), 5)?;
        let mut statements = Vec::with_capacity(n);
        for _ in 0..n {
            let query = match r.read_byte("batch statement kind")? {
                0 => BatchQuery::Query(r.read_long_string("batch query")?.to_owned()),
                1 => BatchQuery::Prepared(r.read_short_bytes("batch prepared id")?.to_vec()),
                kind => return Err(ProtocolError::UnknownBatchStatementKind { kind }),
            };
            let values = match Values::decode_list(r, false)? {
                Values::Positional(v) => v,
                _ => Vec::new(),
            };
            statements.push(BatchStatement { query, values });
        }
        let consistency = r.read_consistency("consistency")?;
        // The low 4 bits must be 0 per spec; like unknown header flags they are ignored.
        let f = r.read_byte("batch flags")?;
        let serial_consistency = if f & flags::SERIAL_CONSISTENCY != 0 { Some(read_serial(r)?) } else { None };
        let default_timestamp = if f & flags::DEFAULT_TIMESTAMP != 0 { Some(read_timestamp(r)?) } else { None };
        Ok(Batch { batch_type, statements, consistency, serial_consistency, default_timestamp })
    }

    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.write_byte(self.batch_type as u8);
        out.write_short_len("batch statement count", self.statements.len())?;
        for s in &self.statements {
            match &s.query {
                BatchQuery::Query(q) => {
                    out.write_byte(0);
                    out.write_long_string(q)?;
                }
                BatchQuery::Prepared(id) => {
                    out.write_byte(1);
                    out.write_short_bytes(id)?;
                }
            }
            out.write_short_len("value count", s.values.len())?;
            s.values.iter().try_for_each(|v| out.write_value(v))?;
        }
        out.write_consistency(self.consistency);
        let mut f = 0u8;
        if self.serial_consistency.is_some() {
            f |= flags::SERIAL_CONSISTENCY;
        }
        if self.default_timestamp.is_some() {
            f |= flags::DEFAULT_TIMESTAMP;
        }
        out.write_byte(f);
        if let Some(cl) = self.serial_consistency {
            out.write_consistency(cl);
        }
        if let Some(ts) = self.default_timestamp {
            out.write_long(ts);
        }
        Ok(())
    }
}
