//! `<query_parameters>` of QUERY and EXECUTE (spec §4.1.4).

use crate::consistency::Consistency;
use crate::error::{ProtocolError, Result};
use crate::primitives::{Reader, Value, Writer};

/// The flag bits of `<query_parameters>`.
pub mod flags {
    pub const VALUES: u8 = 0x01;
    pub const SKIP_METADATA: u8 = 0x02;
    pub const PAGE_SIZE: u8 = 0x04;
    pub const PAGING_STATE: u8 = 0x08;
    pub const SERIAL_CONSISTENCY: u8 = 0x10;
    pub const DEFAULT_TIMESTAMP: u8 = 0x20;
    pub const NAMES_FOR_VALUES: u8 = 0x40;
}

/// The bound values of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Values {
    /// No values flag.
    #[default]
    None,
    Positional(Vec<Value>),
    /// Values preceded by their bind-marker names (flag 0x40).
    Named(Vec<(String, Value)>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::None => 0,
            Values::Positional(v) => v.len(),
            Values::Named(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads `<n>` values, each preceded by a [string] name when `named`.
    pub(crate) fn decode_list(r: &mut Reader<'_>, named: bool) -> Result<Values> {
        let n = r.read_short("value count")?;
        // A [value] is at least its 4-byte length; a name adds a 2-byte length.
        let n = r.check_count("value", u64::from(n), if named { 6 } else { 4 })?;
        if named {
            let mut values = Vec::with_capacity(n);
            for _ in 0..n {
                let name = r.read_string("value name")?.to_owned();
                values.push((name, r.read_value("value")?));
            }
            Ok(Values::Named(values))
        } else {
            let mut values = Vec::with_capacity(n);
            for _ in 0..n {
                values.push(r.read_value("value")?);
            }
            Ok(Values::Positional(values))
        }
    }

    /// Writes `<n>` and the values (names included for [`Values::Named`]); `None` writes n = 0.
    pub(crate) fn encode_list(&self, out: &mut Vec<u8>) -> Result<()> {
        out.write_short_len("value count", self.len())?;
        match self {
            Values::None => {}
            Values::Positional(values) => values.iter().try_for_each(|v| out.write_value(v))?,
            Values::Named(values) => {
                for (name, v) in values {
                    out.write_string(name)?;
                    out.write_value(v)?;
                }
            }
        }
        Ok(())
    }
}

/// The options that follow a QUERY's text or an EXECUTE's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParameters {
    pub consistency: Consistency,
    pub values: Values,
    /// The client asks for Rows without metadata.
    pub skip_metadata: bool,
    /// Rows per page; `None` (or <= 0) asks for every row at once.
    pub page_size: Option<i32>,
    /// The opaque state returned with the previous page.
    pub paging_state: Option<Vec<u8>>,
    pub serial_consistency: Option<Consistency>,
    /// Microseconds since the epoch.
    pub default_timestamp: Option<i64>,
}

impl QueryParameters {
    /// Parameters with only a consistency level.
    pub fn new(consistency: Consistency) -> Self {
        QueryParameters {
            consistency,
            values: Values::None,
            skip_metadata: false,
            page_size: None,
            paging_state: None,
            serial_consistency: None,
            default_timestamp: None,
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<QueryParameters> {
        let consistency = r.read_consistency("consistency")?;
        let f = r.read_byte("query flags")?;
        let has = |bit: u8| f & bit != 0;
        let values =
            if has(flags::VALUES) { Values::decode_list(r, has(flags::NAMES_FOR_VALUES))? } else { Values::None };
        let page_size = if has(flags::PAGE_SIZE) { Some(r.read_int("page size")?) } else { None };
        let paging_state =
            if has(flags::PAGING_STATE) { r.read_bytes("paging state")?.map(<[u8]>::to_vec) } else { None };
        let serial_consistency = if has(flags::SERIAL_CONSISTENCY) { Some(read_serial(r)?) } else { None };
        let default_timestamp = if has(flags::DEFAULT_TIMESTAMP) { Some(read_timestamp(r)?) } else { None };
        Ok(QueryParameters {
            consistency,
            values,
            skip_metadata: has(flags::SKIP_METADATA),
            page_size,
            paging_state,
            serial_consistency,
            default_timestamp,
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut f = 0u8;
        match self.values {
            Values::None => {}
            Values::Positional(_) => f |= flags::VALUES,
            Values::Named(_) => f |= flags::VALUES | flags::NAMES_FOR_VALUES,
        }
        let set = |cond: bool, bit: u8| if cond { bit } else { 0 };
        f |= set(self.skip_metadata, flags::SKIP_METADATA)
            | set(self.page_size.is_some(), flags::PAGE_SIZE)
            | set(self.paging_state.is_some(), flags::PAGING_STATE)
            | set(self.serial_consistency.is_some(), flags::SERIAL_CONSISTENCY)
            | set(self.default_timestamp.is_some(), flags::DEFAULT_TIMESTAMP);
        out.write_consistency(self.consistency);
        out.write_byte(f);
        if f & flags::VALUES != 0 {
            self.values.encode_list(out)?;
        }
        if let Some(n) = self.page_size {
            out.write_int(n);
        }
        if let Some(state) = &self.paging_state {
            out.write_bytes(Some(state))?;
        }
        if let Some(cl) = self.serial_consistency {
            out.write_consistency(cl);
        }
        if let Some(ts) = self.default_timestamp {
            out.write_long(ts);
        }
        Ok(())
    }
}

/// A serial consistency. Any level is accepted here: Cassandra checks it (SERIAL or
/// LOCAL_SERIAL) only when a conditional statement runs, and ignores it otherwise.
pub(crate) fn read_serial(r: &mut Reader<'_>) -> Result<Consistency> {
    r.read_consistency("serial consistency")
}

/// A default timestamp; `i64::MIN` is refused, as Cassandra does.
pub(crate) fn read_timestamp(r: &mut Reader<'_>) -> Result<i64> {
    let timestamp = r.read_long("default timestamp")?;
    if timestamp == i64::MIN {
        return Err(ProtocolError::InvalidTimestamp { timestamp });
    }
    Ok(timestamp)
}
