//! Cells to Rust values: [`FromCql`] (one value, checked against its column type) and
//! [`FromRow`] (a result row, by position or by column name).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sibyl_protocol::{ColumnSpec, ColumnType};

use super::codec::{self, fixed, read_components, read_count, read_element, read_non_null, Cursor};
use super::error::type_name;
use super::types::uuid_version;
use super::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlValue, CqlVarint, ValueError};

/// A Rust value that can be read from a cell of a CQL column type.
///
/// `bytes` is the cell: `None` for null. Reading checks that `ty` is a type the Rust type
/// represents ([`ValueError::TypeMismatch`] otherwise) and that the bytes are a valid value of
/// it; a null read as anything but an `Option` is [`ValueError::UnexpectedNull`].
///
/// Accepted types: `bool` (boolean), `i8` (tinyint), `i16` (smallint), `i32` (int), `i64`
/// (bigint, counter), `f32` (float), `f64` (double), `String` (text, ascii), `Vec<u8>` (blob,
/// custom), `[u8; 16]` (uuid, timeuuid), `IpAddr` (inet), [`CqlTimestamp`], [`CqlDate`],
/// [`CqlTime`], [`CqlDuration`], [`CqlDecimal`], [`CqlVarint`], [`CqlValue`] (any), `Vec<T>`,
/// `HashSet<T>`, `BTreeSet<T>` (list or set), `HashMap<K, V>`, `BTreeMap<K, V>` (map), tuples of
/// up to 8 (tuple of the same arity; missing trailing components are null), `Option<T>`, and
/// structs given [`impl_udt!`](crate::impl_udt) (user types).
///
/// Collections (`Vec`, sets, maps) read a null as empty: Cassandra stores an empty collection
/// as no cell at all, so the two cannot be told apart for non-frozen columns. Read an
/// `Option<Vec<T>>` to see the null.
pub trait FromCql: Sized {
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError>;
}

fn non_null<'a>(ty: &ColumnType, bytes: Option<&'a [u8]>) -> Result<&'a [u8], ValueError> {
    bytes.ok_or_else(|| ValueError::null(ty))
}

impl<T: FromCql> FromCql for Option<T> {
    /// Null is `None`.
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        bytes.map(|b| T::from_cql(ty, Some(b))).transpose()
    }
}

/// Implements `FromCql` for a fixed-size value of `$n` bytes accepted by the listed types.
macro_rules! fixed_from_cql {
    ($t:ty, $n:literal, $expected:literal, |$b:ident| $make:expr, $($ty:pat_param)|+) => {
        impl FromCql for $t {
            fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
                match ty {
                    $($ty)|+ => {
                        let $b: [u8; $n] = fixed(non_null(ty, bytes)?, ty, $expected)?;
                        Ok($make)
                    }
                    _ => Err(ValueError::mismatch::<$t>(ty)),
                }
            }
        }
    };
}

fixed_from_cql!(bool, 1, "1 byte", |b| b[0] != 0, ColumnType::Boolean);
fixed_from_cql!(i8, 1, "1 byte", |b| i8::from_be_bytes(b), ColumnType::Tinyint);
fixed_from_cql!(i16, 2, "2 bytes", |b| i16::from_be_bytes(b), ColumnType::Smallint);
fixed_from_cql!(i32, 4, "4 bytes", |b| i32::from_be_bytes(b), ColumnType::Int);
fixed_from_cql!(i64, 8, "8 bytes", |b| i64::from_be_bytes(b), ColumnType::Bigint | ColumnType::Counter);
fixed_from_cql!(f32, 4, "4 bytes", |b| f32::from_bits(u32::from_be_bytes(b)), ColumnType::Float);
fixed_from_cql!(f64, 8, "8 bytes", |b| f64::from_bits(u64::from_be_bytes(b)), ColumnType::Double);
fixed_from_cql!(CqlTimestamp, 8, "8 bytes", |b| CqlTimestamp(i64::from_be_bytes(b)), ColumnType::Timestamp);
fixed_from_cql!(CqlDate, 4, "4 bytes", |b| CqlDate(u32::from_be_bytes(b)), ColumnType::Date);
fixed_from_cql!(CqlTime, 8, "8 bytes", |b| CqlTime(i64::from_be_bytes(b)), ColumnType::Time);

impl FromCql for [u8; 16] {
    /// `uuid`, or `timeuuid` (which must be a version-1 UUID).
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        match ty {
            ColumnType::Uuid | ColumnType::Timeuuid => {
                let u: [u8; 16] = fixed(non_null(ty, bytes)?, ty, "16 bytes")?;
                if *ty == ColumnType::Timeuuid && uuid_version(&u) != 1 {
                    return Err(ValueError::invalid(ty, format!("version {} UUID", uuid_version(&u))));
                }
                Ok(u)
            }
            _ => Err(ValueError::mismatch::<[u8; 16]>(ty)),
        }
    }
}

impl FromCql for IpAddr {
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        if *ty != ColumnType::Inet {
            return Err(ValueError::mismatch::<IpAddr>(ty));
        }
        let b = non_null(ty, bytes)?;
        if let Ok(a) = <[u8; 4]>::try_from(b) {
            Ok(IpAddr::V4(Ipv4Addr::from(a)))
        } else if let Ok(a) = <[u8; 16]>::try_from(b) {
            Ok(IpAddr::V6(Ipv6Addr::from(a)))
        } else {
            Err(ValueError::bad_length(ty, "4 or 16 bytes", b.len()))
        }
    }
}

impl FromCql for String {
    /// `text` (must be UTF-8) or `ascii` (must be ASCII).
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        match ty {
            ColumnType::Varchar => {
                let b = non_null(ty, bytes)?;
                match std::str::from_utf8(b) {
                    Ok(s) => Ok(s.to_owned()),
                    Err(e) => Err(ValueError::InvalidUtf8 { column: None, valid_up_to: e.valid_up_to() }),
                }
            }
            ColumnType::Ascii => {
                let b = non_null(ty, bytes)?;
                if let Some(&byte) = b.iter().find(|b| !b.is_ascii()) {
                    return Err(ValueError::InvalidAscii { column: None, byte });
                }
                Ok(b.iter().map(|&c| char::from(c)).collect())
            }
            _ => Err(ValueError::mismatch::<String>(ty)),
        }
    }
}

impl FromCql for Vec<u8> {
    /// `blob`, or a custom type's raw bytes.
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        match ty {
            ColumnType::Blob | ColumnType::Custom(_) => Ok(non_null(ty, bytes)?.to_vec()),
            _ => Err(ValueError::mismatch::<Vec<u8>>(ty)),
        }
    }
}

impl FromCql for CqlVarint {
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        if *ty != ColumnType::Varint {
            return Err(ValueError::mismatch::<CqlVarint>(ty));
        }
        let b = non_null(ty, bytes)?;
        if b.is_empty() {
            return Err(ValueError::bad_length(ty, "at least 1 byte", 0));
        }
        Ok(CqlVarint(b.to_vec()))
    }
}

impl FromCql for CqlDecimal {
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        if *ty != ColumnType::Decimal {
            return Err(ValueError::mismatch::<CqlDecimal>(ty));
        }
        let b = non_null(ty, bytes)?;
        match b {
            [s0, s1, s2, s3, unscaled @ ..] if !unscaled.is_empty() => Ok(CqlDecimal {
                unscaled: CqlVarint(unscaled.to_vec()),
                scale: i32::from_be_bytes([*s0, *s1, *s2, *s3]),
            }),
            _ => Err(ValueError::bad_length(ty, "at least 5 bytes", b.len())),
        }
    }
}

impl FromCql for CqlDuration {
    /// Three vints, months and days within `i32`, all of the same sign.
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        if *ty != ColumnType::Duration {
            return Err(ValueError::mismatch::<CqlDuration>(ty));
        }
        let b = non_null(ty, bytes)?;
        if b.len() < 3 {
            return Err(ValueError::bad_length(ty, "at least 3 bytes", b.len()));
        }
        let mut cur = Cursor::new(b);
        let mut read = || cur.vint().ok_or_else(|| ValueError::truncated(ty));
        let (months, days, nanos) = (read()?, read()?, read()?);
        codec::finish(&cur, ty)?;
        let (Ok(months), Ok(days)) = (i32::try_from(months), i32::try_from(days)) else {
            return Err(ValueError::invalid(ty, format!("months {months} or days {days} out of 32-bit range")));
        };
        let d = CqlDuration { months, days, nanos };
        if !d.is_valid() {
            return Err(ValueError::invalid(ty, format!("mixed signs ({months}, {days}, {nanos})")));
        }
        Ok(d)
    }
}

impl FromCql for CqlValue {
    /// Any type (see [`CqlValue::deserialize`]); null is an error, use `Option<CqlValue>`.
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        CqlValue::deserialize(ty, non_null(ty, bytes)?)
    }
}

/// Reads a list or set of type `ty` (either accepted). Null and zero-length values are an
/// empty collection. `C` names the Rust collection for errors.
fn read_seq<T: FromCql, C: ?Sized>(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Vec<T>, ValueError> {
    let (ColumnType::List(element) | ColumnType::Set(element)) = ty else {
        return Err(ValueError::mismatch::<C>(ty));
    };
    let Some(b) = bytes.filter(|b| !b.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut cur = Cursor::new(b);
    let n = read_count(&mut cur, ty, 1)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(T::from_cql(element, read_element(&mut cur, ty)?)?);
    }
    codec::finish(&cur, ty)?;
    Ok(out)
}

/// Reads a map of type `ty`, calling `push` with each entry (keys and values non-null); null
/// and zero-length values are an empty map.
fn read_map<K: FromCql, V: FromCql, C: ?Sized>(
    ty: &ColumnType,
    bytes: Option<&[u8]>,
    mut push: impl FnMut(K, V),
) -> Result<(), ValueError> {
    let ColumnType::Map(key, value) = ty else {
        return Err(ValueError::mismatch::<C>(ty));
    };
    let Some(b) = bytes.filter(|b| !b.is_empty()) else {
        return Ok(());
    };
    let mut cur = Cursor::new(b);
    let n = read_count(&mut cur, ty, 2)?;
    for _ in 0..n {
        let k = K::from_cql(key, Some(read_non_null(&mut cur, ty)?))?;
        let v = V::from_cql(value, Some(read_non_null(&mut cur, ty)?))?;
        push(k, v);
    }
    codec::finish(&cur, ty)
}

impl<T: FromCql> FromCql for Vec<T> {
    /// A `list` or `set`; a null element reads as null into `T` (so `Vec<Option<U>>` takes it).
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        read_seq::<T, Self>(ty, bytes)
    }
}

impl<T: FromCql + Eq + Hash, S: BuildHasher + Default> FromCql for HashSet<T, S> {
    /// A `set` or `list`.
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        Ok(read_seq::<T, Self>(ty, bytes)?.into_iter().collect())
    }
}

impl<T: FromCql + Ord> FromCql for BTreeSet<T> {
    /// A `set` or `list`.
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        Ok(read_seq::<T, Self>(ty, bytes)?.into_iter().collect())
    }
}

impl<K: FromCql + Eq + Hash, V: FromCql, S: BuildHasher + Default> FromCql for HashMap<K, V, S> {
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        let mut out = HashMap::with_hasher(S::default());
        read_map::<K, V, Self>(ty, bytes, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
}

impl<K: FromCql + Ord, V: FromCql> FromCql for BTreeMap<K, V> {
    fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
        let mut out = BTreeMap::new();
        read_map::<K, V, Self>(ty, bytes, |k, v| {
            out.insert(k, v);
        })?;
        Ok(out)
    }
}

/// Tuples from CQL tuples of the same arity; missing trailing components are null.
macro_rules! tuple_from_cql {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: FromCql),+> FromCql for ($($t,)+) {
            fn from_cql(ty: &ColumnType, bytes: Option<&[u8]>) -> Result<Self, ValueError> {
                match ty {
                    ColumnType::Tuple(types) if types.len() == $n => {
                        let cells = read_components(non_null(ty, bytes)?, $n, ty)?;
                        Ok(($($t::from_cql(&types[$i], cells[$i])?,)+))
                    }
                    _ => Err(ValueError::mismatch::<Self>(ty)),
                }
            }
        }
    };
}

tuple_from_cql!(1: A 0);
tuple_from_cql!(2: A 0, B 1);
tuple_from_cql!(3: A 0, B 1, C 2);
tuple_from_cql!(4: A 0, B 1, C 2, D 3);
tuple_from_cql!(5: A 0, B 1, C 2, D 3, E 4);
tuple_from_cql!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_cql!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_cql!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

// ---------------------------------------------------------------------------------------------
// rows

/// A Rust value made from one result row: `columns` are the result's column specs, `cells`
/// the row's values (`None` for null), one per column.
///
/// Implemented for tuples of [`FromCql`] types (by position: as many elements as columns),
/// `Vec<Option<CqlValue>>` (every column, any type), and structs given
/// [`impl_from_row!`](crate::impl_from_row) (by column name). Errors about one value name its
/// column.
pub trait FromRow: Sized {
    fn from_row(columns: &[ColumnSpec], cells: &[Option<Vec<u8>>]) -> Result<Self, ValueError>;
}

fn check_cells(columns: &[ColumnSpec], cells: &[Option<Vec<u8>>]) -> Result<(), ValueError> {
    if columns.len() == cells.len() {
        Ok(())
    } else {
        Err(ValueError::ColumnCountMismatch { expected: columns.len(), got: cells.len() })
    }
}

fn cell<T: FromCql>(column: &ColumnSpec, cell: &Option<Vec<u8>>) -> Result<T, ValueError> {
    T::from_cql(&column.ty, cell.as_deref()).map_err(|e| e.in_column(&column.name))
}

impl FromRow for Vec<Option<CqlValue>> {
    fn from_row(columns: &[ColumnSpec], cells: &[Option<Vec<u8>>]) -> Result<Self, ValueError> {
        check_cells(columns, cells)?;
        columns.iter().zip(cells).map(|(c, v)| cell(c, v)).collect()
    }
}

/// Tuples, by position.
macro_rules! tuple_from_row {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: FromCql),+> FromRow for ($($t,)+) {
            fn from_row(columns: &[ColumnSpec], cells: &[Option<Vec<u8>>]) -> Result<Self, ValueError> {
                check_cells(columns, cells)?;
                if columns.len() != $n {
                    return Err(ValueError::ColumnCountMismatch { expected: $n, got: columns.len() });
                }
                Ok(($(cell::<$t>(&columns[$i], &cells[$i])?,)+))
            }
        }
    };
}

tuple_from_row!(1: A 0);
tuple_from_row!(2: A 0, B 1);
tuple_from_row!(3: A 0, B 1, C 2);
tuple_from_row!(4: A 0, B 1, C 2, D 3);
tuple_from_row!(5: A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(6: A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(7: A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(9: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(10: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(11: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(12: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_from_row!(13: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_from_row!(14: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_from_row!(15: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_from_row!(16: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// The value of the column named `name` (the first, if several have that name), read as `T`.
/// Fails with [`ValueError::MissingColumn`] if there is none, or with the column's name in the
/// error if it does not convert.
///
/// ```
/// use sibyl_driver::value::column_by_name;
/// use sibyl_protocol::{ColumnSpec, ColumnType};
///
/// let columns = vec![ColumnSpec::new("ks", "t", "n", ColumnType::Int)];
/// let row = vec![Some(vec![0, 0, 0, 42])];
/// assert_eq!(column_by_name::<i32>(&columns, &row, "n").unwrap(), 42);
/// assert!(column_by_name::<i32>(&columns, &row, "m").is_err());
/// ```
pub fn column_by_name<T: FromCql>(
    columns: &[ColumnSpec],
    cells: &[Option<Vec<u8>>],
    name: &str,
) -> Result<T, ValueError> {
    check_cells(columns, cells)?;
    let i = columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| ValueError::MissingColumn { name: name.to_string() })?;
    cell(&columns[i], &cells[i])
}

/// A UDT type's fields and the cells of a value of it (`None` for null or missing).
pub type UdtCells<'a> = (&'a [(String, ColumnType)], Vec<Option<&'a [u8]>>);

/// For [`impl_udt!`](crate::impl_udt): the fields of UDT type `ty` and the cells of a value.
pub fn udt_field_cells<'a, T: ?Sized>(ty: &'a ColumnType, bytes: Option<&'a [u8]>) -> Result<UdtCells<'a>, ValueError> {
    let ColumnType::Udt { fields, .. } = ty else {
        return Err(ValueError::mismatch::<T>(ty));
    };
    let cells = read_components(non_null(ty, bytes)?, fields.len(), ty)?;
    Ok((fields, cells))
}

/// For [`impl_udt!`](crate::impl_udt): the field `name` of a UDT value read as `V`.
pub fn udt_field<V: FromCql>(
    ty: &ColumnType,
    fields: &[(String, ColumnType)],
    cells: &[Option<&[u8]>],
    name: &str,
) -> Result<V, ValueError> {
    let i = fields.iter().position(|(n, _)| n == name).ok_or_else(|| ValueError::UnknownField {
        column: None,
        cql_type: type_name(ty),
        field: name.to_string(),
    })?;
    let cell = cells.get(i).copied().flatten();
    V::from_cql(&fields[i].1, cell).map_err(|e| e.in_column(name))
}

/// Implements [`FromRow`] for a struct, filling each field from the column of the same name
/// (`r#type` reads column `type`; `field = "Name"` reads column `Name`). Columns without a
/// field are ignored; a field without a column is [`ValueError::MissingColumn`], a value of the
/// wrong type [`ValueError::TypeMismatch`] naming the column, a null into a non-`Option` field
/// [`ValueError::UnexpectedNull`].
///
/// ```
/// use sibyl_driver::value::{FromRow, ValueError};
/// use sibyl_protocol::{ColumnSpec, ColumnType};
///
/// #[derive(Debug)]
/// struct Event {
///     id: i64,
///     r#type: String,
///     user_name: Option<String>,
///     tags: Vec<String>,
/// }
/// sibyl_driver::impl_from_row!(Event { id, r#type, user_name = "userName", tags });
///
/// let list_of_text = ColumnType::List(Box::new(ColumnType::Varchar));
/// let columns = vec![
///     ColumnSpec::new("ks", "events", "id", ColumnType::Bigint),
///     ColumnSpec::new("ks", "events", "type", ColumnType::Varchar),
///     ColumnSpec::new("ks", "events", "userName", ColumnType::Varchar),
///     ColumnSpec::new("ks", "events", "tags", list_of_text),
/// ];
/// let row = vec![Some(5i64.to_be_bytes().to_vec()), Some(b"click".to_vec()), None, None];
/// let event = Event::from_row(&columns, &row).unwrap();
/// assert_eq!((event.id, event.r#type.as_str(), event.user_name, event.tags), (5, "click", None, vec![]));
///
/// // A null id: a typed error naming the column.
/// let row = vec![None, Some(b"click".to_vec()), None, None];
/// match Event::from_row(&columns, &row) {
///     Err(ValueError::UnexpectedNull { column, .. }) => assert_eq!(column.as_deref(), Some("id")),
///     other => panic!("{other:?}"),
/// }
/// ```
///
/// (The null `tags` cell reads as an empty `Vec`: see the note on collections in [`FromCql`].)
#[macro_export]
macro_rules! impl_from_row {
    ($ty:ident { $($field:ident $(= $name:literal)?),* $(,)? }) => {
        impl $crate::value::FromRow for $ty {
            fn from_row(
                columns: &[$crate::value::macro_support::ColumnSpec],
                cells: &[::std::option::Option<::std::vec::Vec<u8>>],
            ) -> ::std::result::Result<Self, $crate::value::ValueError> {
                ::std::result::Result::Ok($ty {
                    $($field: $crate::value::column_by_name(
                        columns,
                        cells,
                        $crate::__field_name!($field $(= $name)?),
                    )?,)*
                })
            }
        }
    };
}
