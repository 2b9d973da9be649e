//! Values: every CQL type to and from Rust, bound values, and rows into structs.
//!
//! * [`CqlValue`] holds a value of any CQL type. [`CqlValue::serialize`] writes it as a column
//!   type asks (checking that the two agree), [`CqlValue::deserialize`] reads one from a cell
//!   (bounded: counts are checked against the remaining bytes, nesting is limited to
//!   [`MAX_VALUE_DEPTH`], bad lengths and bad UTF-8 are [`ValueError`]s; it never panics), and
//!   its `Display` is cqlsh's (see [`CqlValue`]).
//! * [`SerializeValue`] turns a Rust value into a bound value of a given column type, and
//!   [`FromCql`] reads one back: `bool`, `i8`..`i64`, `f32`, `f64`, `String`/`&str`,
//!   `Vec<u8>`/`&[u8]` (blob), `[u8; 16]` (uuid, timeuuid), `IpAddr`, the `Cql*` types of this
//!   module, [`CqlValue`], `Option<T>` (null), [`Unset`], `Vec<T>`, `HashSet`/`BTreeSet`,
//!   `HashMap`/`BTreeMap`, and tuples up to 8 elements (CQL tuples). Structs map to user types
//!   field by field with [`impl_udt!`](crate::impl_udt).
//! * [`SerializeRow`] turns a statement's values into the bound values of its markers: `()`,
//!   tuples (by position), `Vec<CqlValue>`, slices of `&dyn SerializeValue`, and named values
//!   (`&[(&str, &dyn SerializeValue)]`, `HashMap`/`BTreeMap` by marker name), or a struct with
//!   [`impl_serialize_row!`](crate::impl_serialize_row).
//! * [`FromRow`] reads a result row: tuples (by position), `Vec<Option<CqlValue>>`, or a struct
//!   by column name with [`impl_from_row!`](crate::impl_from_row).
//!
//! Errors say which column and which types: a `text` column read as `i32` is
//! [`ValueError::TypeMismatch`] with the column name, a null read as a non-`Option` type is
//! [`ValueError::UnexpectedNull`].
//!
//! Null and unset: `None` binds null (deletes the cell), [`Unset`] leaves the cell as it is.
//!
//! ```
//! use sibyl_driver::value::{CqlValue, FromCql, SerializeValue, Unset, ValueError};
//! use sibyl_protocol::{ColumnType, Value};
//!
//! let list = ColumnType::List(Box::new(ColumnType::Int));
//! let bytes = vec![1i32, 2].to_value(&list)?;
//! let Value::Set(cell) = bytes else { unreachable!() };
//! assert_eq!(Vec::<i32>::from_cql(&list, Some(&cell))?, vec![1, 2]);
//! assert_eq!(CqlValue::deserialize(&list, &cell)?.to_string(), "[1, 2]");
//!
//! assert_eq!(None::<i32>.to_value(&ColumnType::Int)?, Value::Null);
//! assert_eq!(Unset.to_value(&ColumnType::Int)?, Value::Unset);
//! assert!(matches!(i32::from_cql(&ColumnType::Int, None), Err(ValueError::UnexpectedNull { .. })));
//! assert!(matches!(String::from_cql(&ColumnType::Int, Some(&cell)), Err(ValueError::TypeMismatch { .. })));
//! # Ok::<(), ValueError>(())
//! ```
//!
//! Rows into a struct, by column name:
//!
//! ```
//! use sibyl_driver::value::{FromRow, SerializeValue};
//! use sibyl_protocol::{ColumnSpec, ColumnType};
//!
//! #[derive(Debug, PartialEq)]
//! struct User {
//!     id: i32,
//!     name: String,
//!     email: Option<String>,
//! }
//! sibyl_driver::impl_from_row!(User { id, name, email });
//!
//! let columns = vec![
//!     ColumnSpec::new("ks", "users", "name", ColumnType::Varchar),
//!     ColumnSpec::new("ks", "users", "email", ColumnType::Varchar),
//!     ColumnSpec::new("ks", "users", "id", ColumnType::Int),
//! ];
//! let row = vec![Some(b"ann".to_vec()), None, Some(7i32.to_be_bytes().to_vec())];
//! let user = User::from_row(&columns, &row).unwrap();
//! assert_eq!(user, User { id: 7, name: "ann".into(), email: None });
//!
//! // Or by position, into a tuple.
//! let (name, email, id) = <(String, Option<String>, i32)>::from_row(&columns, &row).unwrap();
//! assert_eq!((name.as_str(), email, id), ("ann", None, 7));
//! ```
//!
//! Bound values, by position or by marker name:
//!
//! ```
//! use sibyl_driver::value::{SerializeRow, SerializeValue, Unset};
//! use sibyl_protocol::{ColumnSpec, ColumnType, Value};
//!
//! let markers = vec![
//!     ColumnSpec::new("ks", "users", "id", ColumnType::Int),
//!     ColumnSpec::new("ks", "users", "name", ColumnType::Varchar),
//! ];
//! let by_position = (7i32, "ann").serialize_row(&markers).unwrap();
//! let named: &[(&str, &dyn SerializeValue)] = &[("name", &"ann"), ("id", &7i32)];
//! assert_eq!(named.serialize_row(&markers).unwrap(), by_position);
//! assert_eq!(by_position[0], Value::Set(vec![0, 0, 0, 7]));
//!
//! let keep_name = (7i32, Unset).serialize_row(&markers).unwrap();
//! assert_eq!(keep_name[1], Value::Unset);
//! ```

mod codec;
mod deserialize;
mod display;
mod error;
mod serialize;
mod types;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_convert;
#[cfg(test)]
mod tests_display;

use std::net::IpAddr;

pub use deserialize::{column_by_name, FromCql, FromRow};
pub use display::DisplayOptions;
pub use error::{type_name, ValueError};
pub use serialize::{Presence, SerializeRow, SerializeValue, Unset};
pub use types::{
    format_uuid, parse_uuid, uuid_version, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint,
    DATE_EPOCH, NANOS_PER_DAY,
};

/// How deeply values may nest (`list<list<...>>`): the protocol's limit on column types, so any
/// type a server can describe is readable, and no value can exhaust the stack.
pub const MAX_VALUE_DEPTH: usize = sibyl_protocol::MAX_TYPE_DEPTH;

/// A value of any CQL type.
///
/// Null is not a `CqlValue`: a nullable cell is an `Option<CqlValue>` (as are tuple components
/// and UDT fields, which may be null). [`CqlValue::Empty`] is the zero-length value that
/// Cassandra allows for most types (`blobAsInt(0x)`); an empty `text` or `blob` is an empty
/// `Text`/`Blob` instead.
///
/// `Display` prints the value as cqlsh does, with string values quoted: `'it''s'`, `0xcafe`,
/// `True`, `2024-01-01 00:00:00.000000+0000`, `2024-01-01`, `12:00:00.000000000`, `1h30m`,
/// hyphenated uuids, `[1, 2]`, `{1, 2}`, `{'a': 1}`, `(1, 'a', null)`, `{street: 'x', zip: 1}`.
/// Floating-point numbers use cqlsh's default precision (`%g` with 5 significant digits, plus
/// one per integer digit below 10^5: `3.14159`, `12345.678`, `1.2346e+05`). The alternate form `{:#}` is exactly cqlsh's cell: a top-level string
/// unquoted, with cqlsh's escapes. [`CqlValue::to_cqlsh_string`] takes cqlsh's display options.
#[derive(Debug, Clone, PartialEq)]
pub enum CqlValue {
    Ascii(String),
    Bigint(i64),
    Blob(Vec<u8>),
    Boolean(bool),
    Counter(i64),
    Decimal(CqlDecimal),
    Double(f64),
    Float(f32),
    Int(i32),
    Timestamp(CqlTimestamp),
    Uuid([u8; 16]),
    Timeuuid([u8; 16]),
    /// `text` / `varchar`.
    Text(String),
    Varint(CqlVarint),
    Inet(IpAddr),
    Date(CqlDate),
    Time(CqlTime),
    Smallint(i16),
    Tinyint(i8),
    Duration(CqlDuration),
    List(Vec<CqlValue>),
    Set(Vec<CqlValue>),
    Map(Vec<(CqlValue, CqlValue)>),
    /// Components in order; `None` is null. Trailing components may be missing.
    Tuple(Vec<Option<CqlValue>>),
    /// A user-defined type's fields by name; `None` is null. When serialized, fields are
    /// matched to the type's by name (missing ones are null); when read, every field of the
    /// type is present, in the type's order.
    Udt {
        keyspace: String,
        name: String,
        fields: Vec<(String, Option<CqlValue>)>,
    },
    /// A value of a custom (Java class) type: its class and raw bytes.
    Custom {
        class: String,
        bytes: Vec<u8>,
    },
    /// The zero-length value of a type that normally has bytes (not text or blob).
    Empty,
}

impl CqlValue {
    /// The name of the variant, for messages (`"Int"`, `"List"`).
    pub fn kind(&self) -> &'static str {
        use CqlValue as V;
        match self {
            V::Ascii(_) => "Ascii",
            V::Bigint(_) => "Bigint",
            V::Blob(_) => "Blob",
            V::Boolean(_) => "Boolean",
            V::Counter(_) => "Counter",
            V::Decimal(_) => "Decimal",
            V::Double(_) => "Double",
            V::Float(_) => "Float",
            V::Int(_) => "Int",
            V::Timestamp(_) => "Timestamp",
            V::Uuid(_) => "Uuid",
            V::Timeuuid(_) => "Timeuuid",
            V::Text(_) => "Text",
            V::Varint(_) => "Varint",
            V::Inet(_) => "Inet",
            V::Date(_) => "Date",
            V::Time(_) => "Time",
            V::Smallint(_) => "Smallint",
            V::Tinyint(_) => "Tinyint",
            V::Duration(_) => "Duration",
            V::List(_) => "List",
            V::Set(_) => "Set",
            V::Map(_) => "Map",
            V::Tuple(_) => "Tuple",
            V::Udt { .. } => "Udt",
            V::Custom { .. } => "Custom",
            V::Empty => "Empty",
        }
    }

    /// The column type this value naturally has, for binding values without prepared
    /// metadata. Element types of empty collections, and of null tuple components and UDT
    /// fields, are unknown and given as `blob` (any type serializes an empty collection or a
    /// null the same way); [`CqlValue::Empty`] is a `blob`.
    pub fn column_type(&self) -> sibyl_protocol::ColumnType {
        use sibyl_protocol::ColumnType as T;
        use CqlValue as V;
        let of = |v: Option<&CqlValue>| v.map_or(T::Blob, CqlValue::column_type);
        match self {
            V::Ascii(_) => T::Ascii,
            V::Bigint(_) => T::Bigint,
            V::Blob(_) | V::Empty => T::Blob,
            V::Boolean(_) => T::Boolean,
            V::Counter(_) => T::Counter,
            V::Decimal(_) => T::Decimal,
            V::Double(_) => T::Double,
            V::Float(_) => T::Float,
            V::Int(_) => T::Int,
            V::Timestamp(_) => T::Timestamp,
            V::Uuid(_) => T::Uuid,
            V::Timeuuid(_) => T::Timeuuid,
            V::Text(_) => T::Varchar,
            V::Varint(_) => T::Varint,
            V::Inet(_) => T::Inet,
            V::Date(_) => T::Date,
            V::Time(_) => T::Time,
            V::Smallint(_) => T::Smallint,
            V::Tinyint(_) => T::Tinyint,
            V::Duration(_) => T::Duration,
            V::List(items) => T::List(Box::new(of(items.first()))),
            V::Set(items) => T::Set(Box::new(of(items.first()))),
            V::Map(entries) => {
                let first = entries.first();
                T::Map(Box::new(of(first.map(|e| &e.0))), Box::new(of(first.map(|e| &e.1))))
            }
            V::Tuple(items) => T::Tuple(items.iter().map(|i| of(i.as_ref())).collect()),
            V::Udt { keyspace, name, fields } => T::Udt {
                keyspace: keyspace.clone(),
                name: name.clone(),
                fields: fields.iter().map(|(n, v)| (n.clone(), of(v.as_ref()))).collect(),
            },
            V::Custom { class, .. } => T::Custom(class.clone()),
        }
    }

    /// The string of an `Ascii` or `Text` value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            CqlValue::Ascii(s) | CqlValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer of a `Tinyint`, `Smallint`, `Int`, `Bigint` or `Counter` value, widened.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            CqlValue::Tinyint(v) => Some(i64::from(*v)),
            CqlValue::Smallint(v) => Some(i64::from(*v)),
            CqlValue::Int(v) => Some(i64::from(*v)),
            CqlValue::Bigint(v) | CqlValue::Counter(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            CqlValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The bytes of a `Blob` or `Custom` value.
    pub fn as_blob(&self) -> Option<&[u8]> {
        match self {
            CqlValue::Blob(b) | CqlValue::Custom { bytes: b, .. } => Some(b),
            _ => None,
        }
    }

    /// The 16 bytes of a `Uuid` or `Timeuuid` value.
    pub fn as_uuid(&self) -> Option<[u8; 16]> {
        match self {
            CqlValue::Uuid(u) | CqlValue::Timeuuid(u) => Some(*u),
            _ => None,
        }
    }

    /// The elements of a `List` or `Set` value.
    pub fn as_seq(&self) -> Option<&[CqlValue]> {
        match self {
            CqlValue::List(items) | CqlValue::Set(items) => Some(items),
            _ => None,
        }
    }
}

/// Support for the `impl_*!` macros; not a stable API.
#[doc(hidden)]
pub mod macro_support {
    pub use sibyl_protocol::{ColumnSpec, ColumnType, Value};

    pub use super::deserialize::{udt_field, udt_field_cells, UdtCells};
    pub use super::serialize::{serialize_named_fields, serialize_udt_fields};

    /// The column name for a field identifier: `r#type` names the column `type`.
    pub fn field_name(ident: &'static str) -> &'static str {
        ident.strip_prefix("r#").unwrap_or(ident)
    }
}
