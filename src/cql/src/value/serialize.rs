//! The native protocol serialization of values (v4 spec, section 6), which is also what
//! Cassandra stores for a frozen value.
//!
//! Collections are an `[int]` count then each element as `[bytes]` (`[int]` length, then the
//! bytes; a negative length is null, which only lists accept, for `IN` values). Tuples and UDT
//! values are their components as `[bytes]`, null allowed, and may stop early (trailing
//! components added by a later `ALTER TYPE` are null). `duration` is three zig-zag vints.
//!
//! Deserialization validates as Cassandra's serializers do, with their messages, never panics,
//! and allocates no more than a small multiple of the input length.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use num_bigint::BigInt;

use sibyl_common::value_reader::{write_vint, ValueReader as Reader};

use super::{compare, hex, timeuuid, CqlValue, ValueError};
use crate::types::CqlType;

fn marshal<T>(message: impl Into<String>) -> Result<T, ValueError> {
    Err(ValueError::Marshal(message.into()))
}

/// Whether a zero-length serialization is a valid value of `ty` (Cassandra's validators).
pub(crate) fn allows_empty(ty: &CqlType) -> bool {
    !matches!(
        ty,
        CqlType::Tinyint | CqlType::Smallint | CqlType::Date | CqlType::Time | CqlType::Duration | CqlType::List { .. }
    )
}

impl CqlValue {
    /// The serialization of this value as type `ty`.
    ///
    /// Fails when the value is not of that type (each type has its own variant: an `Int` is
    /// not a `bigint`), when it is [`CqlValue::Null`] (which has no bytes: see
    /// [`CqlValue::write_bytes`]), or when it breaks the type's rules (an `Ascii` with a
    /// non-ASCII character, a non-version-1 `Timeuuid`, a `Duration` of mixed signs, a null in
    /// a set or map).
    pub fn serialize(&self, ty: &CqlType) -> Result<Vec<u8>, ValueError> {
        let mut out = Vec::new();
        self.serialize_into(ty, &mut out)?;
        Ok(out)
    }

    /// Appends the protocol `[bytes]` of this value: an `[int]` length then the serialization,
    /// or length -1 for [`CqlValue::Null`].
    pub fn write_bytes(&self, ty: &CqlType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        if self.is_null() {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            return Ok(());
        }
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        let result = self.serialize_into(ty, out);
        let len = out.len() - start - 4;
        match (result, i32::try_from(len)) {
            (Ok(()), Ok(len)) => {
                out[start..start + 4].copy_from_slice(&len.to_be_bytes());
                Ok(())
            }
            (Err(e), _) => {
                out.truncate(start);
                Err(e)
            }
            (Ok(()), Err(_)) => {
                out.truncate(start);
                Err(ValueError::Invalid(format!("a {len}-byte value is too large")))
            }
        }
    }

    /// Appends the serialization of this value as type `ty` (see [`CqlValue::serialize`]).
    pub fn serialize_into(&self, ty: &CqlType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        use CqlType as T;
        use CqlValue as V;
        match (self, ty) {
            (V::Null, _) => {
                Err(ValueError::Invalid("null has no serialization (write it as [bytes] of length -1)".to_string()))
            }
            (V::Empty, t) => {
                if allows_empty(t) {
                    Ok(())
                } else {
                    CqlValue::deserialize(t, &[]).map(|_| ())
                }
            }
            (V::Ascii(s), T::Ascii) => {
                if let Some(b) = s.bytes().find(|b| !b.is_ascii()) {
                    return marshal(format!("Invalid byte for ascii: {}", b as i8));
                }
                out.extend_from_slice(s.as_bytes());
                Ok(())
            }
            (V::Text(s), T::Text) => {
                out.extend_from_slice(s.as_bytes());
                Ok(())
            }
            (V::Blob(b), T::Blob) => {
                out.extend_from_slice(b);
                Ok(())
            }
            (V::Boolean(b), T::Boolean) => {
                out.push(u8::from(*b));
                Ok(())
            }
            (V::Tinyint(v), T::Tinyint) => extend(out, &v.to_be_bytes()),
            (V::Smallint(v), T::Smallint) => extend(out, &v.to_be_bytes()),
            (V::Int(v), T::Int) => extend(out, &v.to_be_bytes()),
            (V::Bigint(v), T::Bigint) | (V::Counter(v), T::Counter) => extend(out, &v.to_be_bytes()),
            (V::Timestamp(v), T::Timestamp) | (V::Time(v), T::Time) => extend(out, &v.to_be_bytes()),
            (V::Date(v), T::Date) => extend(out, &v.to_be_bytes()),
            (V::Float(v), T::Float) => extend(out, &v.to_bits().to_be_bytes()),
            (V::Double(v), T::Double) => extend(out, &v.to_bits().to_be_bytes()),
            (V::Uuid(u), T::Uuid) => extend(out, u),
            (V::Timeuuid(u), T::Timeuuid) => {
                if timeuuid::version(u) != 1 {
                    return marshal("Invalid version for TimeUUID type.");
                }
                extend(out, u)
            }
            (V::Inet(IpAddr::V4(a)), T::Inet) => extend(out, &a.octets()),
            (V::Inet(IpAddr::V6(a)), T::Inet) => extend(out, &a.octets()),
            (V::Varint(v), T::Varint) => extend(out, &v.to_signed_bytes_be()),
            (V::Decimal { unscaled, scale }, T::Decimal) => {
                out.extend_from_slice(&scale.to_be_bytes());
                extend(out, &unscaled.to_signed_bytes_be())
            }
            (V::Duration { months, days, nanos }, T::Duration) => {
                check_duration_signs(i64::from(*months), i64::from(*days), *nanos)?;
                for v in [i64::from(*months), i64::from(*days), *nanos] {
                    write_vint(v, out);
                }
                Ok(())
            }
            (V::List(items), T::List { element, .. }) => {
                write_count(items.len(), out)?;
                items.iter().try_for_each(|item| item.write_bytes(element, out))
            }
            (V::Set(items), T::Set { element, .. }) => {
                let sorted;
                let items = if is_strictly_sorted(element, items.iter()) {
                    items
                } else {
                    sorted = CqlValue::set(element, items.clone());
                    match &sorted {
                        CqlValue::Set(s) => s,
                        _ => items,
                    }
                };
                write_count(items.len(), out)?;
                items.iter().try_for_each(|item| write_non_null(item, element, out))
            }
            (V::Map(entries), T::Map { key, value, .. }) => {
                let sorted;
                let entries = if is_strictly_sorted(key, entries.iter().map(|(k, _)| k)) {
                    entries
                } else {
                    sorted = CqlValue::map(key, entries.clone());
                    match &sorted {
                        CqlValue::Map(m) => m,
                        _ => entries,
                    }
                };
                write_count(entries.len(), out)?;
                entries.iter().try_for_each(|(k, v)| {
                    write_non_null(k, key, out)?;
                    write_non_null(v, value, out)
                })
            }
            (V::Tuple(items), T::Tuple(types)) => {
                if items.len() > types.len() {
                    return Err(ValueError::Invalid(format!(
                        "a tuple of {} components cannot be a value of type {ty}",
                        items.len()
                    )));
                }
                items.iter().zip(types).try_for_each(|(item, t)| match item {
                    Some(v) => v.write_bytes(t, out),
                    None => CqlValue::Null.write_bytes(t, out),
                })
            }
            (V::Udt(fields), T::Udt { fields: types, .. }) => {
                if fields.len() > types.len() {
                    return Err(ValueError::Invalid(format!(
                        "a value of {} fields cannot be a value of type {ty}",
                        fields.len()
                    )));
                }
                fields.iter().zip(types).try_for_each(|((name, item), (field, t))| {
                    if name != field {
                        return Err(ValueError::Invalid(format!(
                            "field {name} found where field {field} of type {ty} was expected"
                        )));
                    }
                    match item {
                        Some(v) => v.write_bytes(t, out),
                        None => CqlValue::Null.write_bytes(t, out),
                    }
                })
            }
            (v, t) => Err(ValueError::Invalid(format!("a {} value cannot be serialized as type {t}", v.kind()))),
        }
    }

    /// Reads a value of type `ty` from its whole serialization `bytes`, validating it as
    /// Cassandra does. A zero-length input is [`CqlValue::Empty`] where the type allows it (an
    /// empty string or blob for the text and blob types).
    pub fn deserialize(ty: &CqlType, bytes: &[u8]) -> Result<CqlValue, ValueError> {
        use CqlType as T;
        use CqlValue as V;
        let len = bytes.len();
        if len == 0 && allows_empty(ty) && !matches!(ty, T::Ascii | T::Text | T::Blob) {
            return Ok(V::Empty);
        }
        Ok(match ty {
            T::Ascii => {
                if let Some(b) = bytes.iter().find(|b| !b.is_ascii()) {
                    return marshal(format!("Invalid byte for ascii: {}", *b as i8));
                }
                V::Ascii(String::from_utf8_lossy(bytes).into_owned())
            }
            T::Text => match std::str::from_utf8(bytes) {
                Ok(s) => V::Text(s.to_string()),
                Err(_) => return marshal("String didn't validate."),
            },
            T::Blob => V::Blob(bytes.to_vec()),
            T::Boolean => match bytes {
                [b] => V::Boolean(*b != 0),
                _ => return marshal(format!("Expected 1 or 0 byte value ({len})")),
            },
            T::Tinyint => match bytes {
                [b] => V::Tinyint(*b as i8),
                _ => return marshal(format!("Expected 1 byte for a tinyint ({len})")),
            },
            T::Smallint => match fixed::<2>(bytes) {
                Some(b) => V::Smallint(i16::from_be_bytes(b)),
                None => return marshal(format!("Expected 2 bytes for a smallint ({len})")),
            },
            T::Int => match fixed::<4>(bytes) {
                Some(b) => V::Int(i32::from_be_bytes(b)),
                None => return marshal(format!("Expected 4 or 0 byte int ({len})")),
            },
            T::Bigint | T::Counter => match fixed::<8>(bytes) {
                Some(b) if *ty == T::Counter => V::Counter(i64::from_be_bytes(b)),
                Some(b) => V::Bigint(i64::from_be_bytes(b)),
                None => return marshal(format!("Expected 8 or 0 byte long ({len})")),
            },
            T::Float => match fixed::<4>(bytes) {
                Some(b) => V::Float(f32::from_bits(u32::from_be_bytes(b))),
                None => return marshal(format!("Expected 4 or 0 byte value for a float ({len})")),
            },
            T::Double => match fixed::<8>(bytes) {
                Some(b) => V::Double(f64::from_bits(u64::from_be_bytes(b))),
                None => return marshal(format!("Expected 8 or 0 byte value for a double ({len})")),
            },
            T::Timestamp => match fixed::<8>(bytes) {
                Some(b) => V::Timestamp(i64::from_be_bytes(b)),
                None => return marshal(format!("Expected 8 or 0 byte long for date ({len})")),
            },
            T::Date => match fixed::<4>(bytes) {
                Some(b) => V::Date(u32::from_be_bytes(b)),
                None => return marshal(format!("Expected 4 byte long for date ({len})")),
            },
            T::Time => match fixed::<8>(bytes) {
                Some(b) => V::Time(i64::from_be_bytes(b)),
                None => return marshal(format!("Expected 8 byte long for time ({len})")),
            },
            T::Uuid | T::Timeuuid => {
                let Some(u) = fixed::<16>(bytes) else {
                    return marshal(format!("UUID should be 16 or 0 bytes ({len})"));
                };
                if *ty == T::Uuid {
                    V::Uuid(u)
                } else if timeuuid::version(&u) == 1 {
                    V::Timeuuid(u)
                } else {
                    return marshal("Invalid version for TimeUUID type.");
                }
            }
            T::Inet => match (fixed::<4>(bytes), fixed::<16>(bytes)) {
                (Some(a), _) => V::Inet(IpAddr::V4(Ipv4Addr::from(a))),
                (_, Some(a)) => V::Inet(IpAddr::V6(Ipv6Addr::from(a))),
                _ => return marshal(format!("Expected 4 or 16 byte inetaddress; got 0x{}", hex(bytes))),
            },
            T::Varint => V::Varint(BigInt::from_signed_bytes_be(bytes)),
            T::Decimal => {
                if len < 5 {
                    return marshal(format!("Expected 0 or at least 5 bytes for a decimal ({len})"));
                }
                let (scale, unscaled) = bytes.split_at(4);
                let scale = i32::from_be_bytes([scale[0], scale[1], scale[2], scale[3]]);
                V::Decimal { unscaled: BigInt::from_signed_bytes_be(unscaled), scale }
            }
            T::Duration => deserialize_duration(bytes)?,
            T::List { element, .. } => {
                let items = read_collection(bytes, "list", 1, |r| {
                    Ok(match r.bytes().ok_or(())? {
                        None => V::Null,
                        Some(b) => CqlValue::deserialize(element, b)?,
                    })
                })?;
                V::List(items)
            }
            T::Set { element, .. } => {
                let items = read_collection(bytes, "set", 1, |r| {
                    let b = r.bytes().ok_or(())?.ok_or(CollectionFault::Null)?;
                    Ok(CqlValue::deserialize(element, b)?)
                })?;
                CqlValue::set(element, items)
            }
            T::Map { key, value, .. } => {
                let entries = read_collection(bytes, "map", 2, |r| {
                    let k = r.bytes().ok_or(())?.ok_or(CollectionFault::Null)?;
                    let k = CqlValue::deserialize(key, k)?;
                    let v = r.bytes().ok_or(())?.ok_or(CollectionFault::Null)?;
                    Ok((k, CqlValue::deserialize(value, v)?))
                })?;
                CqlValue::map(key, entries)
            }
            T::Tuple(types) => V::Tuple(read_components(bytes, false, types.iter().map(|t| (t, None)))?),
            T::Udt { fields, .. } => {
                let items = read_components(bytes, true, fields.iter().map(|(n, t)| (t, Some(n.as_str()))))?;
                V::Udt(fields.iter().map(|(n, _)| n.clone()).zip(items).collect())
            }
            T::UdtRef { name, .. } => {
                return Err(ValueError::Invalid(format!("cannot read a value of unresolved user type {name}")))
            }
        })
    }

    /// Checks that `bytes` is a valid serialization of `ty`.
    pub fn validate(ty: &CqlType, bytes: &[u8]) -> Result<(), ValueError> {
        CqlValue::deserialize(ty, bytes).map(|_| ())
    }
}

fn extend(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), ValueError> {
    out.extend_from_slice(bytes);
    Ok(())
}

fn fixed<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.try_into().ok()
}

fn write_count(n: usize, out: &mut Vec<u8>) -> Result<(), ValueError> {
    let n = i32::try_from(n).map_err(|_| ValueError::Invalid(format!("a collection of {n} elements is too large")))?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

fn write_non_null(v: &CqlValue, ty: &CqlType, out: &mut Vec<u8>) -> Result<(), ValueError> {
    if v.is_null() {
        return Err(ValueError::Invalid("null is not supported inside collections".to_string()));
    }
    v.write_bytes(ty, out)
}

fn is_strictly_sorted<'a>(ty: &CqlType, mut items: impl Iterator<Item = &'a CqlValue>) -> bool {
    let Some(mut prev) = items.next() else {
        return true;
    };
    for item in items {
        if !compare(ty, prev, item).is_lt() {
            return false;
        }
        prev = item;
    }
    true
}

/// Why reading one collection element failed.
enum CollectionFault {
    /// The input ended early.
    Truncated,
    /// A null set element, map key or map value.
    Null,
    /// The element itself is invalid.
    Element(ValueError),
}

impl From<()> for CollectionFault {
    fn from(_: ()) -> Self {
        CollectionFault::Truncated
    }
}

impl From<ValueError> for CollectionFault {
    fn from(e: ValueError) -> Self {
        CollectionFault::Element(e)
    }
}

/// Reads `[int] n` then `n` elements with `element`, each at least `min_fields` `[int]`s long.
fn read_collection<T>(
    bytes: &[u8],
    kind: &str,
    min_fields: usize,
    mut element: impl FnMut(&mut Reader<'_>) -> Result<T, CollectionFault>,
) -> Result<Vec<T>, ValueError> {
    let truncated = || ValueError::Marshal(format!("Not enough bytes to read a {kind}"));
    let mut r = Reader::new(bytes);
    let n = r.int().ok_or_else(truncated)?;
    let Ok(n) = usize::try_from(n) else {
        return marshal(format!("The data cannot be deserialized as a {kind}"));
    };
    let mut items = Vec::with_capacity(n.min(r.remaining() / (4 * min_fields)));
    for _ in 0..n {
        match element(&mut r) {
            Ok(item) => items.push(item),
            Err(CollectionFault::Truncated) => return Err(truncated()),
            Err(CollectionFault::Null) => {
                return marshal("null is not supported inside collections");
            }
            Err(CollectionFault::Element(e)) => return Err(e),
        }
    }
    if r.remaining() > 0 {
        return marshal(format!("Unexpected extraneous bytes after {kind} value"));
    }
    Ok(items)
}

/// Reads tuple components or UDT fields (named), allowing fewer than declared.
fn read_components<'t>(
    bytes: &[u8],
    udt: bool,
    types: impl Iterator<Item = (&'t CqlType, Option<&'t str>)>,
) -> Result<Vec<Option<CqlValue>>, ValueError> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::new();
    // Cassandra's UDT messages number the fields read so far, nulls not counted.
    let mut udt_index = 0usize;
    for (i, (ty, name)) in types.enumerate() {
        if r.remaining() == 0 {
            out.push(None);
            continue;
        }
        let what = |n: usize| match name {
            Some(field) => format!("{n}th field {field}"),
            None => format!("{i}th component"),
        };
        if r.remaining() < 4 {
            return marshal(format!("Not enough bytes to read size of {}", what(udt_index)));
        }
        match r.bytes() {
            Some(Some(b)) => {
                out.push(Some(CqlValue::deserialize(ty, b)?));
                udt_index += 1;
            }
            Some(None) => out.push(None),
            None => return marshal(format!("Not enough bytes to read {}", what(udt_index))),
        }
    }
    if r.remaining() > 0 {
        let what = if udt { "UDT" } else { "tuple" };
        return marshal(format!("Invalid remaining data after end of {what} value"));
    }
    Ok(out)
}

fn check_duration_signs(months: i64, days: i64, nanos: i64) -> Result<(), ValueError> {
    let all_non_negative = months >= 0 && days >= 0 && nanos >= 0;
    let all_non_positive = months <= 0 && days <= 0 && nanos <= 0;
    if all_non_negative || all_non_positive {
        Ok(())
    } else {
        marshal(format!(
            "The duration months, days and nanoseconds must be all of the same sign ({months}, {days}, {nanos})"
        ))
    }
}

fn deserialize_duration(bytes: &[u8]) -> Result<CqlValue, ValueError> {
    if bytes.len() < 3 {
        return marshal(format!("Expected at least 3 bytes for a duration ({})", bytes.len()));
    }
    let mut r = Reader::new(bytes);
    let mut read = || r.vint().ok_or_else(|| ValueError::Marshal("Not enough bytes to read a duration".into()));
    let (months, days, nanos) = (read()?, read()?, read()?);
    let Ok(months32) = i32::try_from(months) else {
        return marshal(format!("The duration months must be a 32 bits integer but was: {months}"));
    };
    let Ok(days32) = i32::try_from(days) else {
        return marshal(format!("The duration days must be a 32 bits integer but was: {days}"));
    };
    check_duration_signs(months, days, nanos)?;
    if r.remaining() > 0 {
        return marshal("Unexpected extraneous bytes after duration value");
    }
    Ok(CqlValue::Duration { months: months32, days: days32, nanos })
}
