//! CQL values: the Rust form of every CQL type, and its four other forms.
//!
//! A [`CqlValue`] is what a cell, a collection element or a field holds. This module converts it
//! to and from:
//! * the native protocol serialization (section 6 of the v4 spec; the same bytes Cassandra
//!   stores): [`CqlValue::serialize`], [`CqlValue::deserialize`], validating as Cassandra's
//!   serializers do and with their `MarshalException` messages;
//! * CQL literals as the parser produces them ([`crate::term::Term`]): [`from_term`], with
//!   Cassandra's assignment rules and `InvalidRequestException` messages;
//! * CQL literal text, for generated statements: [`CqlValue::to_cql_literal`];
//! * what cqlsh prints: [`CqlValue::to_display`].
//!
//! [`compare`] orders values as Cassandra's `AbstractType.compare` does; sets and map keys are
//! kept in that order. [`timeuuid`] builds and reads version-1 UUIDs.
//!
//! Pure: anything that needs the current time, a random number or a schema gets it from the
//! caller through [`TermEnv`].

mod compare;
mod display;
mod literal;
mod parse;
mod serialize;

#[cfg(test)]
mod tests_display;
#[cfg(test)]
mod tests_literal;
#[cfg(test)]
mod tests_serialize;

use std::net::IpAddr;

use num_bigint::BigInt;

pub use compare::compare;
pub use display::DisplayOptions;
pub use literal::{from_term, term_text, FixedClock, NoEnv, TermEnv};
pub use parse::{parse_date, parse_duration, parse_inet, parse_time, parse_timestamp};
pub use sibyl_common::timeuuid;

use crate::types::CqlType;

/// Days value of `date` for 1970-01-01: dates are stored unsigned with the epoch at 2^31.
pub const DATE_EPOCH: u32 = 1 << 31;

/// Nanoseconds in a day: `time` values are in `0..NANOS_PER_DAY`.
pub const NANOS_PER_DAY: i64 = 86_400_000_000_000;

/// Why bytes or a term could not become a value (or a value bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The bytes are not a valid serialization of the type (Cassandra's `MarshalException`).
    #[error("{0}")]
    Marshal(String),
    /// The term cannot be a value of the type (Cassandra's `InvalidRequestException`), or the
    /// value does not fit the type it is serialized as.
    #[error("{0}")]
    Invalid(String),
}

impl ValueError {
    pub fn message(&self) -> &str {
        match self {
            ValueError::Marshal(m) | ValueError::Invalid(m) => m,
        }
    }
}

/// A CQL value.
///
/// Sets hold their elements and maps their entries in Cassandra's order of the element (key)
/// type, without duplicates; the constructors [`CqlValue::set`] and [`CqlValue::map`] and
/// [`CqlValue::deserialize`] ensure it. Tuples and UDT values hold one entry per component
/// (field) of their type, `None` for a null one.
#[derive(Debug, Clone, PartialEq)]
pub enum CqlValue {
    /// No value (a null cell, a null bound value).
    Null,
    /// The zero-length value that Cassandra allows for most types (e.g. an `int` written as
    /// an empty blob). Text and blob types have a natural empty value instead.
    Empty,
    Ascii(String),
    Bigint(i64),
    Blob(Vec<u8>),
    Boolean(bool),
    Counter(i64),
    /// Days with 1970-01-01 at [`DATE_EPOCH`] (2^31).
    Date(u32),
    /// `unscaled × 10^-scale`.
    Decimal {
        unscaled: BigInt,
        scale: i32,
    },
    Double(f64),
    /// Months, days and nanoseconds, all of one sign.
    Duration {
        months: i32,
        days: i32,
        nanos: i64,
    },
    Float(f32),
    Inet(IpAddr),
    Int(i32),
    Smallint(i16),
    Text(String),
    /// Nanoseconds since midnight.
    Time(i64),
    /// Milliseconds since the Unix epoch.
    Timestamp(i64),
    Timeuuid([u8; 16]),
    Tinyint(i8),
    Uuid([u8; 16]),
    Varint(BigInt),
    List(Vec<CqlValue>),
    Set(Vec<CqlValue>),
    Map(Vec<(CqlValue, CqlValue)>),
    Tuple(Vec<Option<CqlValue>>),
    /// Field names and values, in the type's field order.
    Udt(Vec<(String, Option<CqlValue>)>),
}

impl CqlValue {
    /// A set of `elements` of type `element`: sorted, duplicates dropped.
    pub fn set(element: &CqlType, mut elements: Vec<CqlValue>) -> CqlValue {
        sort_dedup(element, &mut elements);
        CqlValue::Set(elements)
    }

    /// A map of `entries` with keys of type `key`: sorted by key; of equal keys the last wins.
    pub fn map(key: &CqlType, mut entries: Vec<(CqlValue, CqlValue)>) -> CqlValue {
        sort_dedup_entries(key, &mut entries);
        CqlValue::Map(entries)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, CqlValue::Null)
    }

    /// A short name of the variant, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            CqlValue::Null => "null",
            CqlValue::Empty => "empty",
            CqlValue::Ascii(_) => "ascii",
            CqlValue::Bigint(_) => "bigint",
            CqlValue::Blob(_) => "blob",
            CqlValue::Boolean(_) => "boolean",
            CqlValue::Counter(_) => "counter",
            CqlValue::Date(_) => "date",
            CqlValue::Decimal { .. } => "decimal",
            CqlValue::Double(_) => "double",
            CqlValue::Duration { .. } => "duration",
            CqlValue::Float(_) => "float",
            CqlValue::Inet(_) => "inet",
            CqlValue::Int(_) => "int",
            CqlValue::Smallint(_) => "smallint",
            CqlValue::Text(_) => "text",
            CqlValue::Time(_) => "time",
            CqlValue::Timestamp(_) => "timestamp",
            CqlValue::Timeuuid(_) => "timeuuid",
            CqlValue::Tinyint(_) => "tinyint",
            CqlValue::Uuid(_) => "uuid",
            CqlValue::Varint(_) => "varint",
            CqlValue::List(_) => "list",
            CqlValue::Set(_) => "set",
            CqlValue::Map(_) => "map",
            CqlValue::Tuple(_) => "tuple",
            CqlValue::Udt(_) => "user type",
        }
    }
}

/// Sorts by `compare` and drops elements equal to their predecessor.
pub(crate) fn sort_dedup(ty: &CqlType, items: &mut Vec<CqlValue>) {
    items.sort_by(|a, b| compare(ty, a, b));
    items.dedup_by(|later, earlier| compare(ty, later, earlier).is_eq());
}

/// Sorts entries by key (stably) and keeps, of equal keys, the last entry.
pub(crate) fn sort_dedup_entries(key: &CqlType, entries: &mut Vec<(CqlValue, CqlValue)>) {
    entries.sort_by(|a, b| compare(key, &a.0, &b.0));
    let mut out: Vec<(CqlValue, CqlValue)> = Vec::with_capacity(entries.len());
    for entry in entries.drain(..) {
        match out.last_mut() {
            Some(last) if compare(key, &last.0, &entry.0).is_eq() => *last = entry,
            _ => out.push(entry),
        }
    }
    *entries = out;
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    s
}
