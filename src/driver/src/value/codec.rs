//! The value encodings of native protocol v4 §6, and [`CqlValue`]'s serialize / deserialize.
//!
//! Collections are an `[int]` count then each element as `[bytes]`; tuples and UDT values are
//! their components as `[bytes]` (null allowed) and may stop early: missing trailing components
//! are null. `duration` is three zig-zag vints. Every read checks the remaining length first, and
//! a count is checked against the remaining bytes before anything is sized from it.

use sibyl_protocol::ColumnType;

use super::error::type_name;
use super::{CqlValue, FromCql, SerializeValue, ValueError, MAX_VALUE_DEPTH};

pub(crate) use sibyl_common::value_reader::{write_vint, ValueReader as Cursor};

/// Reads a collection's `[int]` count, checking that `fields` `[bytes]` (4 bytes each at
/// least) per element fit in what remains.
pub(crate) fn read_count(cur: &mut Cursor<'_>, ty: &ColumnType, fields: usize) -> Result<usize, ValueError> {
    let n = cur.int().ok_or_else(|| ValueError::truncated(ty))?;
    let remaining = cur.remaining();
    match usize::try_from(n) {
        Ok(count) if count.checked_mul(4 * fields).is_some_and(|need| need <= remaining) => Ok(count),
        _ => Err(ValueError::BadCount { column: None, cql_type: type_name(ty), count: i64::from(n), remaining }),
    }
}

/// The next `[bytes]` of a collection or tuple of type `ty` (`None` for null).
pub(crate) fn read_element<'a>(cur: &mut Cursor<'a>, ty: &ColumnType) -> Result<Option<&'a [u8]>, ValueError> {
    cur.bytes().ok_or_else(|| ValueError::truncated(ty))
}

/// The next non-null `[bytes]` of a collection of type `ty`.
pub(crate) fn read_non_null<'a>(cur: &mut Cursor<'a>, ty: &ColumnType) -> Result<&'a [u8], ValueError> {
    read_element(cur, ty)?.ok_or_else(|| ValueError::NullInCollection { column: None, cql_type: type_name(ty) })
}

/// Fails if bytes remain after a whole value of type `ty`.
pub(crate) fn finish(cur: &Cursor<'_>, ty: &ColumnType) -> Result<(), ValueError> {
    match cur.remaining() {
        0 => Ok(()),
        extra => Err(ValueError::TrailingBytes { column: None, cql_type: type_name(ty), extra }),
    }
}

/// The `n` components of a tuple or UDT value of type `ty`: `None` for null or missing
/// (trailing components may be left out).
pub(crate) fn read_components<'a>(
    bytes: &'a [u8],
    n: usize,
    ty: &ColumnType,
) -> Result<Vec<Option<&'a [u8]>>, ValueError> {
    let mut cur = Cursor::new(bytes);
    // At most one component per 4 bytes: `n` comes from the type, which the caller trusts,
    // but do not size from it beyond what the bytes could hold.
    let mut out = Vec::with_capacity(n.min(bytes.len() / 4 + 1));
    for _ in 0..n {
        if cur.remaining() == 0 {
            out.push(None);
        } else {
            out.push(read_element(&mut cur, ty)?);
        }
    }
    finish(&cur, ty)?;
    Ok(out)
}

/// The `N` bytes of a fixed-size value (`expected` describes the size for the error).
pub(crate) fn fixed<const N: usize>(
    bytes: &[u8],
    ty: &ColumnType,
    expected: &'static str,
) -> Result<[u8; N], ValueError> {
    bytes.try_into().map_err(|_| ValueError::bad_length(ty, expected, bytes.len()))
}

/// Appends a collection's `[int]` count.
pub(crate) fn write_count(n: usize, out: &mut Vec<u8>) -> Result<(), ValueError> {
    let n = i32::try_from(n).map_err(|_| ValueError::TooLarge { column: None, len: n })?;
    out.extend_from_slice(&n.to_be_bytes());
    Ok(())
}

/// Appends a null `[bytes]`.
pub(crate) fn write_null(out: &mut Vec<u8>) {
    out.extend_from_slice(&(-1i32).to_be_bytes());
}

/// Appends a `[bytes]` whose content `body` writes, patching the length in afterwards. On
/// error, `out` is left as it was.
pub(crate) fn write_sized(
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), ValueError>,
) -> Result<(), ValueError> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let result = body(out);
    let len = out.len() - start - 4;
    match (result, i32::try_from(len)) {
        (Ok(()), Ok(n)) => {
            out[start..start + 4].copy_from_slice(&n.to_be_bytes());
            Ok(())
        }
        (Err(e), _) => {
            out.truncate(start);
            Err(e)
        }
        (Ok(()), Err(_)) => {
            out.truncate(start);
            Err(ValueError::TooLarge { column: None, len })
        }
    }
}

fn check_depth(depth: usize) -> Result<(), ValueError> {
    if depth >= MAX_VALUE_DEPTH {
        Err(ValueError::TooDeep { column: None, max_depth: MAX_VALUE_DEPTH })
    } else {
        Ok(())
    }
}

impl CqlValue {
    /// The serialization of this value as a column of type `ty` (without a length prefix).
    ///
    /// Fails with [`ValueError::TypeMismatch`] when the value is not of that type. A few
    /// variants stand for more than one type: `Ascii`/`Text` for `ascii` and `text` (checked to
    /// be ASCII for `ascii`), `Bigint`/`Counter` for both, `Uuid`/`Timeuuid` for both (checked
    /// to be version 1 for `timeuuid`), `Blob` for a custom type, `List`/`Set` for both
    /// collections, and [`CqlValue::Empty`] for any type. Type rules are checked: a duration
    /// of mixed signs, a time outside the day or a null collection element are errors.
    pub fn serialize(&self, ty: &ColumnType) -> Result<Vec<u8>, ValueError> {
        let mut out = Vec::new();
        self.serialize_at(ty, &mut out, 0)?;
        Ok(out)
    }

    /// Appends the serialization of this value as type `ty` (see [`CqlValue::serialize`]).
    pub fn serialize_into(&self, ty: &ColumnType, out: &mut Vec<u8>) -> Result<(), ValueError> {
        self.serialize_at(ty, out, 0)
    }

    fn serialize_at(&self, ty: &ColumnType, out: &mut Vec<u8>, depth: usize) -> Result<(), ValueError> {
        use ColumnType as T;
        use CqlValue as V;
        check_depth(depth)?;
        let scalar = match self {
            V::Empty => return Ok(()),
            V::Ascii(s) | V::Text(s) => s.as_str().serialize(ty, out),
            V::Bigint(v) | V::Counter(v) => v.serialize(ty, out),
            V::Blob(b) | V::Custom { bytes: b, .. } => b.as_slice().serialize(ty, out),
            V::Boolean(v) => v.serialize(ty, out),
            V::Decimal(v) => v.serialize(ty, out),
            V::Double(v) => v.serialize(ty, out),
            V::Float(v) => v.serialize(ty, out),
            V::Int(v) => v.serialize(ty, out),
            V::Timestamp(v) => v.serialize(ty, out),
            V::Uuid(u) | V::Timeuuid(u) => u.serialize(ty, out),
            V::Varint(v) => v.serialize(ty, out),
            V::Inet(v) => v.serialize(ty, out),
            V::Date(v) => v.serialize(ty, out),
            V::Time(v) => v.serialize(ty, out),
            V::Smallint(v) => v.serialize(ty, out),
            V::Tinyint(v) => v.serialize(ty, out),
            V::Duration(v) => v.serialize(ty, out),
            V::List(items) | V::Set(items) => {
                let (T::List(element) | T::Set(element)) = ty else {
                    return Err(self.mismatch(ty));
                };
                write_count(items.len(), out)?;
                return items
                    .iter()
                    .try_for_each(|item| write_sized(out, |out| item.serialize_at(element, out, depth + 1)));
            }
            V::Map(entries) => {
                let T::Map(key, value) = ty else {
                    return Err(self.mismatch(ty));
                };
                write_count(entries.len(), out)?;
                return entries.iter().try_for_each(|(k, v)| {
                    write_sized(out, |out| k.serialize_at(key, out, depth + 1))?;
                    write_sized(out, |out| v.serialize_at(value, out, depth + 1))
                });
            }
            V::Tuple(items) => {
                let T::Tuple(types) = ty else {
                    return Err(self.mismatch(ty));
                };
                if items.len() > types.len() {
                    return Err(ValueError::invalid(ty, format!("a tuple of {} components", items.len())));
                }
                return items.iter().zip(types).try_for_each(|(item, t)| match item {
                    Some(v) => write_sized(out, |out| v.serialize_at(t, out, depth + 1)),
                    None => {
                        write_null(out);
                        Ok(())
                    }
                });
            }
            V::Udt { fields, .. } => {
                let T::Udt { fields: types, .. } = ty else {
                    return Err(self.mismatch(ty));
                };
                if let Some((name, _)) = fields.iter().find(|(n, _)| !types.iter().any(|(t, _)| t == n)) {
                    return Err(ValueError::UnknownField {
                        column: None,
                        cql_type: type_name(ty),
                        field: name.clone(),
                    });
                }
                return types.iter().try_for_each(|(name, t)| {
                    match fields.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_ref()) {
                        Some(v) => write_sized(out, |out| v.serialize_at(t, out, depth + 1)),
                        None => {
                            write_null(out);
                            Ok(())
                        }
                    }
                });
            }
        };
        scalar.map_err(|e| match e {
            ValueError::TypeMismatch { .. } => self.mismatch(ty),
            e => e,
        })
    }

    fn mismatch(&self, ty: &ColumnType) -> ValueError {
        ValueError::TypeMismatch {
            column: None,
            rust_type: format!("CqlValue::{}", self.kind()),
            cql_type: type_name(ty),
        }
    }

    /// Reads a value of type `ty` from its whole serialization `bytes` (a non-null cell).
    ///
    /// Zero bytes are an empty string or blob for `ascii`, `text`, `blob` and custom types, and
    /// [`CqlValue::Empty`] for every other type. Sets and maps keep the order of the bytes
    /// (the server's order). Fails, never panics, on a bad length, truncated or trailing
    /// bytes, an element count the bytes cannot hold, invalid UTF-8 or ASCII, a null inside a
    /// collection, a non-version-1 timeuuid, a duration of mixed signs or out of range, or
    /// nesting deeper than [`MAX_VALUE_DEPTH`].
    pub fn deserialize(ty: &ColumnType, bytes: &[u8]) -> Result<CqlValue, ValueError> {
        Self::deserialize_at(ty, bytes, 0)
    }

    fn deserialize_at(ty: &ColumnType, bytes: &[u8], depth: usize) -> Result<CqlValue, ValueError> {
        use ColumnType as T;
        use CqlValue as V;
        check_depth(depth)?;
        let b = Some(bytes);
        if bytes.is_empty() && !matches!(ty, T::Ascii | T::Varchar | T::Blob | T::Custom(_)) {
            return Ok(V::Empty);
        }
        Ok(match ty {
            T::Custom(class) => V::Custom { class: class.clone(), bytes: bytes.to_vec() },
            T::Ascii => V::Ascii(String::from_cql(ty, b)?),
            T::Varchar => V::Text(String::from_cql(ty, b)?),
            T::Blob => V::Blob(bytes.to_vec()),
            T::Boolean => V::Boolean(bool::from_cql(ty, b)?),
            T::Bigint => V::Bigint(i64::from_cql(ty, b)?),
            T::Counter => V::Counter(i64::from_cql(ty, b)?),
            T::Decimal => V::Decimal(FromCql::from_cql(ty, b)?),
            T::Double => V::Double(f64::from_cql(ty, b)?),
            T::Float => V::Float(f32::from_cql(ty, b)?),
            T::Int => V::Int(i32::from_cql(ty, b)?),
            T::Timestamp => V::Timestamp(FromCql::from_cql(ty, b)?),
            T::Uuid => V::Uuid(FromCql::from_cql(ty, b)?),
            T::Timeuuid => V::Timeuuid(FromCql::from_cql(ty, b)?),
            T::Varint => V::Varint(FromCql::from_cql(ty, b)?),
            T::Inet => V::Inet(FromCql::from_cql(ty, b)?),
            T::Date => V::Date(FromCql::from_cql(ty, b)?),
            T::Time => V::Time(FromCql::from_cql(ty, b)?),
            T::Smallint => V::Smallint(i16::from_cql(ty, b)?),
            T::Tinyint => V::Tinyint(i8::from_cql(ty, b)?),
            T::Duration => V::Duration(FromCql::from_cql(ty, b)?),
            T::List(element) | T::Set(element) => {
                let mut cur = Cursor::new(bytes);
                let n = read_count(&mut cur, ty, 1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let b = read_non_null(&mut cur, ty)?;
                    items.push(Self::deserialize_at(element, b, depth + 1)?);
                }
                finish(&cur, ty)?;
                if matches!(ty, T::List(_)) {
                    V::List(items)
                } else {
                    V::Set(items)
                }
            }
            T::Map(key, value) => {
                let mut cur = Cursor::new(bytes);
                let n = read_count(&mut cur, ty, 2)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = Self::deserialize_at(key, read_non_null(&mut cur, ty)?, depth + 1)?;
                    let v = Self::deserialize_at(value, read_non_null(&mut cur, ty)?, depth + 1)?;
                    entries.push((k, v));
                }
                finish(&cur, ty)?;
                V::Map(entries)
            }
            T::Tuple(types) => {
                let cells = read_components(bytes, types.len(), ty)?;
                let items = types
                    .iter()
                    .zip(cells)
                    .map(|(t, c)| c.map(|c| Self::deserialize_at(t, c, depth + 1)).transpose())
                    .collect::<Result<_, _>>()?;
                V::Tuple(items)
            }
            T::Udt { keyspace, name, fields: types } => {
                let cells = read_components(bytes, types.len(), ty)?;
                let fields = types
                    .iter()
                    .zip(cells)
                    .map(|((n, t), c)| Ok((n.clone(), c.map(|c| Self::deserialize_at(t, c, depth + 1)).transpose()?)))
                    .collect::<Result<_, ValueError>>()?;
                V::Udt { keyspace: keyspace.clone(), name: name.clone(), fields }
            }
        })
    }
}
