//! Column types as the [option] of spec §4.2.5.2 (plus duration, 0x15).

use crate::error::{ProtocolError, Result};
use crate::primitives::{Reader, Writer};

/// How deep a column type may nest (`list<list<...>>`) before decoding refuses it, so a
/// hostile option chain cannot exhaust the stack. Cassandra types in practice nest < 10.
pub const MAX_TYPE_DEPTH: usize = 64;

/// A CQL column type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A custom type: its fully qualified Java class name.
    Custom(String),
    Ascii,
    Bigint,
    Blob,
    Boolean,
    Counter,
    Decimal,
    Double,
    Float,
    Int,
    Timestamp,
    Uuid,
    Varchar,
    Varint,
    Timeuuid,
    Inet,
    Date,
    Time,
    Smallint,
    Tinyint,
    /// 0x0015: a v5 id that v4 drivers accept.
    Duration,
    List(Box<ColumnType>),
    Map(Box<ColumnType>, Box<ColumnType>),
    Set(Box<ColumnType>),
    Udt {
        keyspace: String,
        name: String,
        fields: Vec<(String, ColumnType)>,
    },
    Tuple(Vec<ColumnType>),
}

impl ColumnType {
    /// The option id.
    pub fn id(&self) -> u16 {
        match self {
            ColumnType::Custom(_) => 0x0000,
            ColumnType::Ascii => 0x0001,
            ColumnType::Bigint => 0x0002,
            ColumnType::Blob => 0x0003,
            ColumnType::Boolean => 0x0004,
            ColumnType::Counter => 0x0005,
            ColumnType::Decimal => 0x0006,
            ColumnType::Double => 0x0007,
            ColumnType::Float => 0x0008,
            ColumnType::Int => 0x0009,
            ColumnType::Timestamp => 0x000B,
            ColumnType::Uuid => 0x000C,
            ColumnType::Varchar => 0x000D,
            ColumnType::Varint => 0x000E,
            ColumnType::Timeuuid => 0x000F,
            ColumnType::Inet => 0x0010,
            ColumnType::Date => 0x0011,
            ColumnType::Time => 0x0012,
            ColumnType::Smallint => 0x0013,
            ColumnType::Tinyint => 0x0014,
            ColumnType::Duration => 0x0015,
            ColumnType::List(_) => 0x0020,
            ColumnType::Map(..) => 0x0021,
            ColumnType::Set(_) => 0x0022,
            ColumnType::Udt { .. } => 0x0030,
            ColumnType::Tuple(_) => 0x0031,
        }
    }

    /// Reads an [option], refusing nesting deeper than [`MAX_TYPE_DEPTH`].
    pub fn decode(r: &mut Reader<'_>) -> Result<ColumnType> {
        Self::decode_at(r, 0)
    }

    fn decode_at(r: &mut Reader<'_>, depth: usize) -> Result<ColumnType> {
        if depth >= MAX_TYPE_DEPTH {
            return Err(ProtocolError::TypeNestingTooDeep { max_depth: MAX_TYPE_DEPTH });
        }
        let inner = |r: &mut Reader<'_>| Self::decode_at(r, depth + 1).map(Box::new);
        let id = r.read_short("type option id")?;
        Ok(match id {
            0x0000 => ColumnType::Custom(r.read_string("custom type class")?.to_owned()),
            0x0001 => ColumnType::Ascii,
            0x0002 => ColumnType::Bigint,
            0x0003 => ColumnType::Blob,
            0x0004 => ColumnType::Boolean,
            0x0005 => ColumnType::Counter,
            0x0006 => ColumnType::Decimal,
            0x0007 => ColumnType::Double,
            0x0008 => ColumnType::Float,
            0x0009 => ColumnType::Int,
            0x000B => ColumnType::Timestamp,
            0x000C => ColumnType::Uuid,
            0x000D => ColumnType::Varchar,
            0x000E => ColumnType::Varint,
            0x000F => ColumnType::Timeuuid,
            0x0010 => ColumnType::Inet,
            0x0011 => ColumnType::Date,
            0x0012 => ColumnType::Time,
            0x0013 => ColumnType::Smallint,
            0x0014 => ColumnType::Tinyint,
            0x0015 => ColumnType::Duration,
            0x0020 => ColumnType::List(inner(r)?),
            0x0021 => ColumnType::Map(inner(r)?, inner(r)?),
            0x0022 => ColumnType::Set(inner(r)?),
            0x0030 => {
                let keyspace = r.read_string("udt keyspace")?.to_owned();
                let name = r.read_string("udt name")?.to_owned();
                let n = r.read_short("udt field count")?;
                // Each field is at least a [string] and an option id: 4 bytes.
                let n = r.check_count("udt field", u64::from(n), 4)?;
                let mut fields = Vec::with_capacity(n);
                for _ in 0..n {
                    let field = r.read_string("udt field name")?.to_owned();
                    fields.push((field, Self::decode_at(r, depth + 1)?));
                }
                ColumnType::Udt { keyspace, name, fields }
            }
            0x0031 => {
                let n = r.read_short("tuple arity")?;
                let n = r.check_count("tuple element", u64::from(n), 2)?;
                let mut elements = Vec::with_capacity(n);
                for _ in 0..n {
                    elements.push(Self::decode_at(r, depth + 1)?);
                }
                ColumnType::Tuple(elements)
            }
            id => return Err(ProtocolError::UnknownTypeOption { id }),
        })
    }

    /// Reads an [option list].
    pub fn decode_list(r: &mut Reader<'_>) -> Result<Vec<ColumnType>> {
        let n = r.read_short("option list count")?;
        let n = r.check_count("option", u64::from(n), 2)?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(Self::decode(r)?);
        }
        Ok(list)
    }

    /// Writes an [option list].
    pub fn encode_list(types: &[ColumnType], out: &mut Vec<u8>) -> Result<()> {
        out.write_short_len("option list count", types.len())?;
        types.iter().try_for_each(|t| t.encode(out))
    }

    /// Writes the [option].
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.write_short(self.id());
        match self {
            ColumnType::Custom(class) => out.write_string(class)?,
            ColumnType::List(t) | ColumnType::Set(t) => t.encode(out)?,
            ColumnType::Map(k, v) => {
                k.encode(out)?;
                v.encode(out)?;
            }
            ColumnType::Udt { keyspace, name, fields } => {
                out.write_string(keyspace)?;
                out.write_string(name)?;
                out.write_short_len("udt field count", fields.len())?;
                for (field, t) in fields {
                    out.write_string(field)?;
                    t.encode(out)?;
                }
            }
            ColumnType::Tuple(elements) => {
                out.write_short_len("tuple arity", elements.len())?;
                for t in elements {
                    t.encode(out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn round_trip(t: &ColumnType) -> Vec<u8> {
        let mut out = Vec::new();
        t.encode(&mut out).unwrap();
        let mut r = Reader::new(&out);
        assert_eq!(&ColumnType::decode(&mut r).unwrap(), t);
        assert!(r.is_empty());
        out
    }

    fn all_types() -> Vec<ColumnType> {
        use ColumnType::*;
        let simple = vec![
            Custom("org.apache.cassandra.db.marshal.DurationType".into()),
            Ascii,
            Bigint,
            Blob,
            Boolean,
            Counter,
            Decimal,
            Double,
            Float,
            Int,
            Timestamp,
            Uuid,
            Varchar,
            Varint,
            Timeuuid,
            Inet,
            Date,
            Time,
            Smallint,
            Tinyint,
            Duration,
        ];
        let mut all = simple.clone();
        all.push(List(Box::new(Int)));
        all.push(Set(Box::new(Varchar)));
        all.push(Map(Box::new(Varchar), Box::new(List(Box::new(Timeuuid)))));
        all.push(Udt {
            keyspace: "ks".into(),
            name: "address".into(),
            fields: vec![("street".into(), Varchar), ("zip".into(), Int), ("tags".into(), Set(Box::new(Ascii)))],
        });
        all.push(Tuple(simple));
        all.push(Tuple(vec![]));
        all
    }

    #[test]
    fn every_type_round_trips() {
        for t in all_types() {
            round_trip(&t);
        }
    }

    #[test]
    fn option_list_round_trips() {
        let types = all_types();
        let mut out = Vec::new();
        ColumnType::encode_list(&types, &mut out).unwrap();
        let mut r = Reader::new(&out);
        assert_eq!(ColumnType::decode_list(&mut r).unwrap(), types);
        assert!(r.is_empty());
        assert!(matches!(
            ColumnType::decode_list(&mut Reader::new(&[0xFF, 0xFF, 0, 9])),
            Err(ProtocolError::CountTooLarge { .. })
        ));
    }

    #[test]
    fn option_bytes_match_the_spec() {
        assert_eq!(round_trip(&ColumnType::Varchar), [0x00, 0x0D]);
        assert_eq!(round_trip(&ColumnType::Duration), [0x00, 0x15]);
        assert_eq!(
            round_trip(&ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Bigint))),
            [0x00, 0x21, 0x00, 0x0D, 0x00, 0x02]
        );
    }

    #[test]
    fn unknown_id_is_an_error() {
        assert_eq!(
            ColumnType::decode(&mut Reader::new(&[0x00, 0x0A])),
            Err(ProtocolError::UnknownTypeOption { id: 0x0A })
        );
        assert_eq!(
            ColumnType::decode(&mut Reader::new(&[0x12, 0x34])),
            Err(ProtocolError::UnknownTypeOption { id: 0x1234 })
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        // 100k nested lists: would overflow a naive recursive decoder.
        let mut bytes = Vec::new();
        for _ in 0..100_000 {
            bytes.extend_from_slice(&[0x00, 0x20]);
        }
        bytes.extend_from_slice(&[0x00, 0x09]);
        let err = ColumnType::decode(&mut Reader::new(&bytes));
        assert_eq!(err, Err(ProtocolError::TypeNestingTooDeep { max_depth: MAX_TYPE_DEPTH }));
        // Just under the limit is fine.
        let mut t = ColumnType::Int;
        for _ in 0..MAX_TYPE_DEPTH - 1 {
            t = ColumnType::List(Box::new(t));
        }
        round_trip(&t);
    }

    #[test]
    fn hostile_field_counts_are_refused() {
        // A tuple claiming 65535 elements with 2 bytes left.
        let bytes = [0x00, 0x31, 0xFF, 0xFF, 0x00, 0x09];
        assert!(matches!(ColumnType::decode(&mut Reader::new(&bytes)), Err(ProtocolError::CountTooLarge { .. })));
    }

    #[test]
    fn truncation_at_every_position_is_an_error() {
        for t in all_types() {
            let mut out = Vec::new();
            t.encode(&mut out).unwrap();
            for cut in 0..out.len() {
                assert!(ColumnType::decode(&mut Reader::new(&out[..cut])).is_err(), "{t:?} cut at {cut}");
            }
        }
    }
}
