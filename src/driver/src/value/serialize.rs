//! Rust values to bound values: [`SerializeValue`] (one value, checked against its column
//! type) and [`SerializeRow`] (a statement's values, by position or by bind-marker name).

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sibyl_protocol::{ColumnSpec, ColumnType, Value};

use super::codec::{write_count, write_null, write_sized, write_vint};
use super::error::type_name;
use super::types::{uuid_version, NANOS_PER_DAY};
use super::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlValue, CqlVarint, ValueError};

/// Whether a bound value has bytes, is null, or is unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The value has a serialization ([`SerializeValue::serialize`]).
    Set,
    /// Null: the cell is deleted (or compared with null).
    Null,
    /// Not set: the cell keeps its value (only allowed as a whole bound value).
    Unset,
}

/// A Rust value that can be bound as a value of a CQL column type.
///
/// `serialize` appends the value's bytes (no length prefix) after checking that `ty` is a type
/// the Rust type can represent, failing with [`ValueError::TypeMismatch`] otherwise. Values that
/// are null or unset say so through [`SerializeValue::presence`] and have no bytes.
///
/// The trait is object safe: `&dyn SerializeValue` is itself a `SerializeValue`.
pub trait SerializeValue {
    /// Appends the serialization of `self` as type `ty`. Not called for null or unset values
    /// (which fail with [`ValueError::UnexpectedNull`] / [`ValueError::UnsetNotAllowed`]).
    /// On error `out` may hold part of the value: discard it (as `to_value` does, and as
    /// `write_bytes` does by truncating back).
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError>;

    /// Whether the value is set, null or unset. `Set` unless overridden.
    fn presence(&self) -> Presence {
        Presence::Set
    }

    /// Appends the value as `[bytes]`: its `[int]` length and serialization, or length -1 for
    /// null. An unset value fails ([`ValueError::UnsetNotAllowed`]): this is the form of
    /// collection elements, tuple components and UDT fields.
    fn write_bytes(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match self.presence() {
            Presence::Set => write_sized(out, |out| self.serialize(ty, out)),
            Presence::Null => {
                write_null(out);
                Ok(())
            }
            Presence::Unset => Err(ValueError::UnsetNotAllowed { column: None }),
        }
    }

    /// The value as a protocol bound value.
    fn to_value(&self, ty: &ColumnType) -> Result<Value, ValueError> {
        match self.presence() {
            Presence::Set => {
                let mut out = Vec::new();
                self.serialize(ty, &mut out)?;
                if i32::try_from(out.len()).is_err() {
                    return Err(ValueError::TooLarge { column: None, len: out.len() });
                }
                Ok(Value::Set(out))
            }
            Presence::Null => Ok(Value::Null),
            Presence::Unset => Ok(Value::Unset),
        }
    }
}

/// Appends a non-null, non-unset `[bytes]` element of a list, set or map of type `collection`.
fn write_element<T: SerializeValue + ?Sized>(
    v: &T,
    element: &ColumnType,
    collection: &ColumnType,
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    match v.presence() {
        Presence::Set => write_sized(out, |out| v.serialize(element, out)),
        Presence::Null => Err(ValueError::NullInCollection { column: None, cql_type: type_name(collection) }),
        Presence::Unset => Err(ValueError::UnsetNotAllowed { column: None }),
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for &T {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        (**self).serialize(ty, out)
    }

    fn presence(&self) -> Presence {
        (**self).presence()
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for Box<T> {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        (**self).serialize(ty, out)
    }

    fn presence(&self) -> Presence {
        (**self).presence()
    }
}

/// Binds "not set": the column keeps its current value (protocol v4 `[value]` length -2).
///
/// Only a whole bound value can be unset, not a collection element, tuple component or UDT
/// field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unset;

impl SerializeValue for Unset {
    fn serialize(&self, _ty: &ColumnType, _out: &mut Vec<u8>) -> Result<(), ValueError> {
        Err(ValueError::UnsetNotAllowed { column: None })
    }

    fn presence(&self) -> Presence {
        Presence::Unset
    }
}

impl<T: SerializeValue> SerializeValue for Option<T> {
    /// `None` is null.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match self {
            Some(v) => v.serialize(ty, out),
            None => Err(ValueError::null(ty)),
        }
    }

    fn presence(&self) -> Presence {
        match self {
            Some(v) => v.presence(),
            None => Presence::Null,
        }
    }
}

/// Implements `SerializeValue` for a type with fixed big-endian bytes, accepted by the listed
/// column types.
macro_rules! fixed_serialize {
    ($t:ty, |$v:ident| $bytes:expr, $($ty:pat_param)|+) => {
        impl SerializeValue for $t {
            fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
                match ty {
                    $($ty)|+ => {
                        let $v = self;
                        out.extend_from_slice(&$bytes);
                        Ok(())
                    }
                    _ => Err(ValueError::mismatch::<$t>(ty)),
                }
            }
        }
    };
}

fixed_serialize!(bool, |v| [u8::from(*v)], ColumnType::Boolean);
fixed_serialize!(i8, |v| v.to_be_bytes(), ColumnType::Tinyint);
fixed_serialize!(i16, |v| v.to_be_bytes(), ColumnType::Smallint);
fixed_serialize!(i32, |v| v.to_be_bytes(), ColumnType::Int);
fixed_serialize!(i64, |v| v.to_be_bytes(), ColumnType::Bigint | ColumnType::Counter);
fixed_serialize!(f32, |v| v.to_bits().to_be_bytes(), ColumnType::Float);
fixed_serialize!(f64, |v| v.to_bits().to_be_bytes(), ColumnType::Double);
fixed_serialize!(CqlTimestamp, |v| v.0.to_be_bytes(), ColumnType::Timestamp);
fixed_serialize!(CqlDate, |v| v.0.to_be_bytes(), ColumnType::Date);
fixed_serialize!(Ipv4Addr, |v| v.octets(), ColumnType::Inet);
fixed_serialize!(Ipv6Addr, |v| v.octets(), ColumnType::Inet);

impl SerializeValue for IpAddr {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match self {
            IpAddr::V4(a) => a.serialize(ty, out),
            IpAddr::V6(a) => a.serialize(ty, out),
        }
        .map_err(|_| ValueError::mismatch::<IpAddr>(ty))
    }
}

impl SerializeValue for CqlTime {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if *ty != ColumnType::Time {
            return Err(ValueError::mismatch::<CqlTime>(ty));
        }
        if !self.is_valid() {
            return Err(ValueError::invalid(ty, format!("{} ns is not in 0..{NANOS_PER_DAY}", self.0)));
        }
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(())
    }
}

impl SerializeValue for str {
    /// `text`, or `ascii` if every character is ASCII.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match ty {
            ColumnType::Varchar => {}
            ColumnType::Ascii => {
                if let Some(byte) = self.bytes().find(|b| !b.is_ascii()) {
                    return Err(ValueError::InvalidAscii { column: None, byte });
                }
            }
            _ => return Err(ValueError::mismatch::<str>(ty)),
        }
        out.extend_from_slice(self.as_bytes());
        Ok(())
    }
}

impl SerializeValue for String {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        self.as_str().serialize(ty, out).map_err(|e| match e {
            ValueError::TypeMismatch { .. } => ValueError::mismatch::<String>(ty),
            e => e,
        })
    }
}

impl SerializeValue for [u8] {
    /// `blob`, or a custom type's raw bytes.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match ty {
            ColumnType::Blob | ColumnType::Custom(_) => {
                out.extend_from_slice(self);
                Ok(())
            }
            _ => Err(ValueError::mismatch::<[u8]>(ty)),
        }
    }
}

impl SerializeValue for Vec<u8> {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        self.as_slice().serialize(ty, out).map_err(|_| ValueError::mismatch::<Vec<u8>>(ty))
    }
}

impl SerializeValue for [u8; 16] {
    /// `uuid`, or `timeuuid` if it is a version-1 UUID.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        match ty {
            ColumnType::Uuid => {}
            ColumnType::Timeuuid => {
                if uuid_version(self) != 1 {
                    return Err(ValueError::invalid(ty, format!("version {} UUID", uuid_version(self))));
                }
            }
            _ => return Err(ValueError::mismatch::<[u8; 16]>(ty)),
        }
        out.extend_from_slice(self);
        Ok(())
    }
}

impl SerializeValue for CqlVarint {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if *ty != ColumnType::Varint {
            return Err(ValueError::mismatch::<CqlVarint>(ty));
        }
        out.extend_from_slice(self.canonical());
        Ok(())
    }
}

impl SerializeValue for CqlDecimal {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if *ty != ColumnType::Decimal {
            return Err(ValueError::mismatch::<CqlDecimal>(ty));
        }
        out.extend_from_slice(&self.scale.to_be_bytes());
        out.extend_from_slice(self.unscaled.canonical());
        Ok(())
    }
}

impl SerializeValue for CqlDuration {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if *ty != ColumnType::Duration {
            return Err(ValueError::mismatch::<CqlDuration>(ty));
        }
        if !self.is_valid() {
            return Err(ValueError::invalid(
                ty,
                format!("months, days and nanoseconds of mixed signs ({}, {}, {})", self.months, self.days, self.nanos),
            ));
        }
        write_vint(i64::from(self.months), out);
        write_vint(i64::from(self.days), out);
        write_vint(self.nanos, out);
        Ok(())
    }
}

impl SerializeValue for CqlValue {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        self.serialize_into(ty, out)
    }
}

/// Writes the elements of a list or set (either type accepted).
fn serialize_seq<'a, T: SerializeValue + 'a, C: ?Sized>(
    items: impl ExactSizeIterator<Item = &'a T>,
    ty: &ColumnType,
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    let (ColumnType::List(element) | ColumnType::Set(element)) = ty else {
        return Err(ValueError::mismatch::<C>(ty));
    };
    write_count(items.len(), out)?;
    items.into_iter().try_for_each(|item| write_element(item, element, ty, out))
}

fn serialize_map<'a, K: SerializeValue + 'a, V: SerializeValue + 'a, C: ?Sized>(
    entries: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
    ty: &ColumnType,
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    let ColumnType::Map(key, value) = ty else {
        return Err(ValueError::mismatch::<C>(ty));
    };
    write_count(entries.len(), out)?;
    entries.into_iter().try_for_each(|(k, v)| {
        write_element(k, key, ty, out)?;
        write_element(v, value, ty, out)
    })
}

impl<T: SerializeValue> SerializeValue for [T] {
    /// A `list` or `set`.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        serialize_seq::<T, Self>(self.iter(), ty, out)
    }
}

impl<T: SerializeValue> SerializeValue for Vec<T> {
    /// A `list` or `set`.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        serialize_seq::<T, Self>(self.iter(), ty, out)
    }
}

impl<T: SerializeValue, S> SerializeValue for HashSet<T, S> {
    /// A `set` or `list`, in the set's iteration order (the server sorts set elements).
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        serialize_seq::<T, Self>(self.iter(), ty, out)
    }
}

impl<T: SerializeValue> SerializeValue for BTreeSet<T> {
    /// A `set` or `list`.
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        serialize_seq::<T, Self>(self.iter(), ty, out)
    }
}

impl<K: SerializeValue, V: SerializeValue, S> SerializeValue for HashMap<K, V, S> {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        serialize_map::<K, V, Self>(self.iter(), ty, out)
    }
}

impl<K: SerializeValue, V: SerializeValue> SerializeValue for BTreeMap<K, V> {
    fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        serialize_map::<K, V, Self>(self.iter(), ty, out)
    }
}

/// Tuples as CQL tuples of the same arity; `None` components are null.
macro_rules! tuple_serialize {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: SerializeValue),+> SerializeValue for ($($t,)+) {
            fn serialize(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
                match ty {
                    ColumnType::Tuple(types) if types.len() == $n => {
                        $( self.$i.write_bytes(&types[$i], out)?; )+
                        Ok(())
                    }
                    _ => Err(ValueError::mismatch::<Self>(ty)),
                }
            }
        }
    };
}

tuple_serialize!(1: A 0);
tuple_serialize!(2: A 0, B 1);
tuple_serialize!(3: A 0, B 1, C 2);
tuple_serialize!(4: A 0, B 1, C 2, D 3);
tuple_serialize!(5: A 0, B 1, C 2, D 3, E 4);
tuple_serialize!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_serialize!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_serialize!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

// ---------------------------------------------------------------------------------------------
// rows of bound values

/// A statement's bound values, checked against its bind markers (the `specs` of a prepared
/// statement's metadata) and serialized in marker order.
///
/// Positional forms (tuples, `Vec`s and slices of values) must have one value per marker.
/// Named forms (`&[(&str, &dyn SerializeValue)]`, maps from names) give each marker the value
/// of its name (a name used by several markers is bound to each), and fail on a marker with no
/// value ([`ValueError::MissingBindValue`]) and on a name with no marker
/// ([`ValueError::UnknownBindName`]). Errors about one value name its marker.
pub trait SerializeRow {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError>;
}

impl<T: SerializeRow + ?Sized> SerializeRow for &T {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        (**self).serialize_row(specs)
    }
}

fn check_count(specs: &[ColumnSpec], got: usize) -> Result<(), ValueError> {
    if specs.len() == got {
        Ok(())
    } else {
        Err(ValueError::ColumnCountMismatch { expected: specs.len(), got })
    }
}

fn bind<T: SerializeValue + ?Sized>(v: &T, spec: &ColumnSpec) -> Result<Value, ValueError> {
    v.to_value(&spec.ty).map_err(|e| e.in_column(&spec.name))
}

fn positional<'a, T: SerializeValue + ?Sized + 'a>(
    values: impl ExactSizeIterator<Item = &'a T>,
    specs: &[ColumnSpec],
) -> Result<Vec<Value>, ValueError> {
    check_count(specs, values.len())?;
    values.zip(specs).map(|(v, spec)| bind(v, spec)).collect()
}

impl SerializeRow for () {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        check_count(specs, 0)?;
        Ok(Vec::new())
    }
}

impl SerializeRow for [CqlValue] {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl SerializeRow for Vec<CqlValue> {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl SerializeRow for [Option<CqlValue>] {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl SerializeRow for Vec<Option<CqlValue>> {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl<const N: usize> SerializeRow for [CqlValue; N] {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl SerializeRow for [&dyn SerializeValue] {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl SerializeRow for Vec<&dyn SerializeValue> {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

impl SerializeRow for Vec<Box<dyn SerializeValue>> {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        positional(self.iter(), specs)
    }
}

/// Binds each marker to the value `lookup` finds for its name; `names` are all the given
/// names, each of which must match a marker.
fn named<'a, V: SerializeValue + ?Sized + 'a>(
    specs: &[ColumnSpec],
    names: impl Iterator<Item = &'a str>,
    lookup: impl Fn(&str) -> Option<&'a V>,
) -> Result<Vec<Value>, ValueError> {
    for name in names {
        if !specs.iter().any(|s| s.name == name) {
            return Err(ValueError::UnknownBindName { name: name.to_string() });
        }
    }
    specs
        .iter()
        .map(|spec| match lookup(&spec.name) {
            Some(v) => bind(v, spec),
            None => Err(ValueError::MissingBindValue { name: spec.name.clone() }),
        })
        .collect()
}

impl SerializeRow for [(&str, &dyn SerializeValue)] {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        named(specs, self.iter().map(|(n, _)| *n), |name| self.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }
}

impl<const N: usize> SerializeRow for [(&str, &dyn SerializeValue); N] {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        self.as_slice().serialize_row(specs)
    }
}

impl SerializeRow for Vec<(&str, &dyn SerializeValue)> {
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        self.as_slice().serialize_row(specs)
    }
}

impl<K: Borrow<str> + Eq + Hash, V: SerializeValue, S: BuildHasher> SerializeRow for HashMap<K, V, S> {
    /// Values by bind-marker name (`HashMap<&str, _>` or `HashMap<String, _>`).
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        named(specs, self.keys().map(Borrow::borrow), |name| self.get(name))
    }
}

impl<K: Borrow<str> + Ord, V: SerializeValue> SerializeRow for BTreeMap<K, V> {
    /// Values by bind-marker name (`BTreeMap<&str, _>` or `BTreeMap<String, _>`).
    fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
        named(specs, self.keys().map(Borrow::borrow), |name| self.get(name))
    }
}

/// Tuples of values, by position.
macro_rules! tuple_serialize_row {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: SerializeValue),+> SerializeRow for ($($t,)+) {
            fn serialize_row(&self, specs: &[ColumnSpec]) -> Result<Vec<Value>, ValueError> {
                check_count(specs, $n)?;
                Ok(vec![$( bind(&self.$i, &specs[$i])? ),+])
            }
        }
    };
}

tuple_serialize_row!(1: A 0);
tuple_serialize_row!(2: A 0, B 1);
tuple_serialize_row!(3: A 0, B 1, C 2);
tuple_serialize_row!(4: A 0, B 1, C 2, D 3);
tuple_serialize_row!(5: A 0, B 1, C 2, D 3, E 4);
tuple_serialize_row!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_serialize_row!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_serialize_row!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_serialize_row!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_serialize_row!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_serialize_row!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_serialize_row!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_serialize_row!(13: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_serialize_row!(14: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_serialize_row!(15: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_serialize_row!(16: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

// ---------------------------------------------------------------------------------------------
// macro support: structs as UDT values and as named bound values

/// For [`impl_udt!`](crate::impl_udt): writes the fields of a UDT value of type `ty`, in the
/// type's order, from `(field name, value)` pairs; type fields with no pair are null, pairs
/// with no type field are an error.
pub fn serialize_udt_fields<T: ?Sized>(
    ty: &ColumnType,
    fields: &[(&str, &dyn SerializeValue)],
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    let ColumnType::Udt { fields: types, .. } = ty else {
        return Err(ValueError::mismatch::<T>(ty));
    };
    if let Some((name, _)) = fields.iter().find(|(n, _)| !types.iter().any(|(t, _)| t == n)) {
        return Err(ValueError::UnknownField { column: None, cql_type: type_name(ty), field: (*name).to_string() });
    }
    for (name, t) in types {
        match fields.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v.write_bytes(t, out).map_err(|e| e.in_column(name))?,
            None => write_null(out),
        }
    }
    Ok(())
}

/// For [`impl_serialize_row!`](crate::impl_serialize_row): binds markers by name.
pub fn serialize_named_fields(
    specs: &[ColumnSpec],
    fields: &[(&str, &dyn SerializeValue)],
) -> Result<Vec<Value>, ValueError> {
    fields.serialize_row(specs)
}

/// Implements [`SerializeValue`] and [`FromCql`](super::FromCql) for a struct as a CQL user type,
/// field by field: each struct field is the UDT field of the same name (`r#type` is `type`) or
/// of the name given as `field = "name"`.
///
/// Writing, UDT fields with no struct field are null, and a struct field the UDT lacks is
/// [`ValueError::UnknownField`]. Reading, a field missing from the value (trailing fields added
/// by `ALTER TYPE` after it was written) is null, so it reads as `None` into an `Option`
/// field.
///
/// ```
/// use sibyl_driver::value::{CqlValue, FromCql, SerializeValue};
/// use sibyl_protocol::ColumnType;
///
/// #[derive(Debug, PartialEq)]
/// struct Address {
///     street: String,
///     zip: Option<i32>,
///     kind: Option<String>,
/// }
/// sibyl_driver::impl_udt!(Address { street, zip, kind = "type" });
///
/// let ty = ColumnType::Udt {
///     keyspace: "ks".into(),
///     name: "address".into(),
///     fields: vec![
///         ("street".into(), ColumnType::Varchar),
///         ("zip".into(), ColumnType::Int),
///         ("type".into(), ColumnType::Varchar),
///     ],
/// };
/// let a = Address { street: "Main St".into(), zip: Some(12345), kind: None };
/// let mut bytes = Vec::new();
/// a.serialize(&ty, &mut bytes).unwrap();
/// assert_eq!(Address::from_cql(&ty, Some(&bytes)).unwrap(), a);
/// assert_eq!(
///     CqlValue::deserialize(&ty, &bytes).unwrap().to_string(),
///     "{street: 'Main St', zip: 12345, type: null}"
/// );
/// ```
#[macro_export]
macro_rules! impl_udt {
    ($ty:ident { $($field:ident $(= $name:literal)?),* $(,)? }) => {
        impl $crate::value::SerializeValue for $ty {
            fn serialize(
                &self,
                ty: &$crate::value::macro_support::ColumnType,
                out: &mut ::std::vec::Vec<u8>,
            ) -> ::std::result::Result<(), $crate::value::ValueError> {
                $crate::value::macro_support::serialize_udt_fields::<Self>(
                    ty,
                    &[$((
                        $crate::__field_name!($field $(= $name)?),
                        &self.$field as &dyn $crate::value::SerializeValue,
                    )),*],
                    out,
                )
            }
        }

        impl $crate::value::FromCql for $ty {
            fn from_cql(
                ty: &$crate::value::macro_support::ColumnType,
                bytes: ::std::option::Option<&[u8]>,
            ) -> ::std::result::Result<Self, $crate::value::ValueError> {
                let (fields, cells) = $crate::value::macro_support::udt_field_cells::<Self>(ty, bytes)?;
                ::std::result::Result::Ok($ty {
                    $($field: $crate::value::macro_support::udt_field(
                        ty,
                        fields,
                        &cells,
                        $crate::__field_name!($field $(= $name)?),
                    )?,)*
                })
            }
        }
    };
}

/// Implements [`SerializeRow`] for a struct: each bind marker gets the struct field of its
/// name (`field = "name"` renames). A marker with no field is
/// [`ValueError::MissingBindValue`], a field with no marker [`ValueError::UnknownBindName`].
///
/// ```
/// use sibyl_driver::value::SerializeRow;
/// use sibyl_protocol::{ColumnSpec, ColumnType, Value};
///
/// struct NewUser {
///     id: i32,
///     name: String,
/// }
/// sibyl_driver::impl_serialize_row!(NewUser { id, name });
///
/// let markers = vec![
///     ColumnSpec::new("ks", "users", "name", ColumnType::Varchar),
///     ColumnSpec::new("ks", "users", "id", ColumnType::Int),
/// ];
/// let values = NewUser { id: 1, name: "ann".into() }.serialize_row(&markers).unwrap();
/// assert_eq!(values, vec![Value::Set(b"ann".to_vec()), Value::Set(vec![0, 0, 0, 1])]);
/// ```
#[macro_export]
macro_rules! impl_serialize_row {
    ($ty:ident { $($field:ident $(= $name:literal)?),* $(,)? }) => {
        impl $crate::value::SerializeRow for $ty {
            fn serialize_row(
                &self,
                specs: &[$crate::value::macro_support::ColumnSpec],
            ) -> ::std::result::Result<::std::vec::Vec<$crate::value::macro_support::Value>, $crate::value::ValueError> {
                $crate::value::macro_support::serialize_named_fields(
                    specs,
                    &[$((
                        $crate::__field_name!($field $(= $name)?),
                        &self.$field as &dyn $crate::value::SerializeValue,
                    )),*],
                )
            }
        }
    };
}

/// The column or field name of a struct field in the `impl_*!` macros.
#[doc(hidden)]
#[macro_export]
macro_rules! __field_name {
    ($field:ident = $name:literal) => {
        $name
    };
    ($field:ident) => {
        $crate::value::macro_support::field_name(stringify!($field))
    };
}
