//! Byte-comparable, prefix-free, reversible encodings of clustering values.
//!
//! A clustering key is the concatenation of its components' encodings, so comparing two keys
//! with `memcmp` gives the order Apache Cassandra 5.0's `AbstractType.compare` gives, column by
//! column. Each component's encoding is prefix-free (none is a proper prefix of another), which is
//! what makes concatenation safe, and what lets a `DESC` column be stored as the bitwise
//! complement of its `ASC` encoding. The empty (zero-length) value, legal for most CQL types,
//! sorts before every other value of its type, as in Cassandra.
//!
//! Per type (ascending; `K` is an order-preserving fixed-width key):
//! * fixed-width types (`tinyint smallint int bigint timestamp date time float double uuid
//!   timeuuid`): `K` itself when its first byte is non-zero, `00 01 K[1..]` when it is zero, and
//!   `00 00` for the empty value. Signed integers flip the sign bit; `date` and `time` are
//!   Cassandra byte-ordered, so unsigned; floats use the IEEE sign-magnitude trick with every NaN
//!   made the canonical NaN (Java's `Double.compare`); uuids move the version nibble first and,
//!   for version 1, the timestamp after it; timeuuid also flips the sign bit of each of the last
//!   8 bytes (Cassandra compares them as signed bytes).
//! * `boolean`: one byte, `00` empty, `01` false, `02` true.
//! * `ascii text blob`: bytes with `00` escaped as `00 FF`, then `00 00`.
//! * `inet`: the first 4 address bytes as a fixed-width key, then `00` (IPv4) or `01` and the
//!   other 12 bytes (IPv6): unsigned lexicographic order of the address bytes.
//! * `varint`: a header byte for sign and length, then the minimal two's complement bytes.
//! * `decimal`: sign byte, decimal exponent, then the significant decimal digits as nibbles.
//!   Converting the unscaled value to decimal digits is quadratic in its length: tens of
//!   nanoseconds for everyday values, a few hundred milliseconds for a 64 KiB one.
//! * frozen `list`/`set`/`map`, `tuple` and frozen UDTs (a UDT is the tuple of its fields), as
//!   Cassandra's `ByteComparable` flattens them: `00` for the empty value; otherwise, per element
//!   (a map: per key, then per value; a tuple: per component up to the last non-null one) `40`
//!   and the element's own encoding, or `3E` alone for a null, then the terminator `38`. Every
//!   element encoding is prefix-free, so the first difference decides by the element types'
//!   comparators, a shorter collection sorts before one it is a prefix of (`38 < 40`) and a null
//!   component before any value (`3E < 40`). Tuples drop trailing nulls before encoding: in
//!   Cassandra 5.0 (`TupleType.compareCustom`) omitted trailing components are nulls, so `(1)`,
//!   `(1, null)` are equal and sort before `(1, x)` for every `x`; decoding gives the tuple back
//!   with all its components (the omitted ones null), so a UDT value written before `ALTER TYPE
//!   ... ADD` reads back with the new fields null.
//!
//! Values longer than [`MAX_KEY_COMPONENT_BYTES`] are rejected, as Cassandra rejects them.
//!
//! Values Cassandra considers equal encode identically, so decoding returns a canonical form:
//! a `varint` comes back minimal, a `decimal` without trailing zeros in its unscaled value
//! (`1.50` and `1.5` both decode to unscaled 15, scale 1; `10` to unscaled 1, scale -1), a NaN as
//! the canonical NaN bits, a `boolean` true as `01`. Decoding accepts only canonical encodings,
//! so decode and encode are inverse bijections between canonical values and valid encodings.

use crate::limits::MAX_KEY_COMPONENT_BYTES;

/// CQL types that can be clustering columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClusteringType {
    Ascii,
    Bigint,
    Blob,
    Boolean,
    Date,
    Decimal,
    Double,
    Float,
    Inet,
    Int,
    Smallint,
    Text,
    Time,
    Timestamp,
    Timeuuid,
    Tinyint,
    Uuid,
    Varint,
    /// `frozen<list<T>>`: element by element, then the shorter first (`ListType`).
    List(Box<ClusteringType>),
    /// `frozen<set<T>>`: as a list of its elements in their serialized order (`SetType`).
    Set(Box<ClusteringType>),
    /// `frozen<map<K, V>>`: entry by entry, key then value, then the shorter first (`MapType`).
    Map(Box<ClusteringType>, Box<ClusteringType>),
    /// A tuple, or a frozen UDT as the tuple of its fields: component by component, null first,
    /// omitted trailing components being nulls (`TupleType`).
    Tuple(Vec<ClusteringType>),
}

/// Clustering order of one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    Asc,
    Desc,
}

impl Order {
    /// The byte every encoded byte is XORed with.
    fn mask(self) -> u8 {
        match self {
            Order::Asc => 0x00,
            Order::Desc => 0xFF,
        }
    }
}

/// Why a value could not be encoded, or an encoding decoded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ClusteringError {
    /// The native-protocol value has a length the type does not allow.
    #[error("a {ty:?} value cannot be {len} bytes long")]
    InvalidLength { ty: ClusteringType, len: usize },
    /// The native-protocol value has the right length but is not valid for its type.
    #[error("invalid {ty:?} value: {reason}")]
    InvalidValue { ty: ClusteringType, reason: &'static str },
    /// The value is longer than a clustering component may be.
    #[error("a {len}-byte {ty:?} value exceeds the {max}-byte clustering component limit")]
    TooLarge { ty: ClusteringType, len: usize, max: usize },
    /// The encoding ends before the component does.
    #[error("truncated {ty:?} encoding")]
    Truncated { ty: ClusteringType },
    /// The bytes are not an encoding this module produces.
    #[error("corrupt {ty:?} encoding: {reason}")]
    Corrupt { ty: ClusteringType, reason: &'static str },
    /// `encode_key` was given more values than the key has columns.
    #[error("{values} values given for {columns} clustering columns")]
    TooManyValues { values: usize, columns: usize },
    /// `decode_key` found bytes after the last clustering column.
    #[error("{0} bytes left over after the last clustering column")]
    TrailingBytes(usize),
}

/// A failure before the type it concerns is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Length(usize),
    Invalid(&'static str),
    TooLarge(usize),
    Truncated,
    Corrupt(&'static str),
}

impl Fault {
    fn for_type(self, ty: &ClusteringType) -> ClusteringError {
        let ty = ty.clone();
        match self {
            Fault::Length(len) => ClusteringError::InvalidLength { ty, len },
            Fault::Invalid(reason) => ClusteringError::InvalidValue { ty, reason },
            Fault::TooLarge(len) => ClusteringError::TooLarge { ty, len, max: MAX_KEY_COMPONENT_BYTES },
            Fault::Truncated => ClusteringError::Truncated { ty },
            Fault::Corrupt(reason) => ClusteringError::Corrupt { ty, reason },
        }
    }
}

/// Append the order-preserving encoding of one component. `value` is the CQL native-protocol
/// serialization of the value (e.g. Int = 4 bytes big-endian two's complement; Decimal = 4-byte
/// scale + varint unscaled; Date = u32 with 2^31 = epoch; Time = i64 nanos; Timestamp = i64
/// millis; Varint = two's complement big-endian; Uuid/Timeuuid 16 bytes; Inet 4 or 16 bytes; text
/// utf8; etc). A zero-length value is accepted for every type and sorts first.
///
/// On error nothing is appended to `out`.
pub fn encode_component(
    ty: &ClusteringType,
    order: Order,
    value: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), ClusteringError> {
    let start = out.len();
    match encode_asc(ty, value, out) {
        Ok(()) => {
            if order == Order::Desc {
                invert(&mut out[start..]);
            }
            Ok(())
        }
        Err(fault) => {
            out.truncate(start);
            Err(fault.for_type(ty))
        }
    }
}

/// Decode one component from the front of `input`, returning the native-protocol serialization
/// (in canonical form, see the module documentation) and the rest of the input.
pub fn decode_component<'a>(
    ty: &ClusteringType,
    order: Order,
    input: &'a [u8],
) -> Result<(Vec<u8>, &'a [u8]), ClusteringError> {
    let mut reader = Reader { input, pos: 0, mask: order.mask() };
    let value = decode_asc(ty, &mut reader).map_err(|fault| fault.for_type(ty))?;
    Ok((value, input.get(reader.pos..).unwrap_or_default()))
}

/// Convenience for a whole clustering key: components in clustering-column order. `values` may
/// be a prefix (fewer values than types).
pub fn encode_key(types: &[(ClusteringType, Order)], values: &[&[u8]]) -> Result<Vec<u8>, ClusteringError> {
    if values.len() > types.len() {
        return Err(ClusteringError::TooManyValues { values: values.len(), columns: types.len() });
    }
    let mut out = Vec::with_capacity(values.iter().map(|v| v.len() + 2).sum());
    for ((ty, order), value) in types.iter().zip(values) {
        encode_component(ty, *order, value, &mut out)?;
    }
    Ok(out)
}

/// Decode a whole clustering key (or a prefix of one) produced by [`encode_key`].
pub fn decode_key(types: &[(ClusteringType, Order)], input: &[u8]) -> Result<Vec<Vec<u8>>, ClusteringError> {
    let mut values = Vec::new();
    let mut rest = input;
    for (ty, order) in types {
        if rest.is_empty() {
            break;
        }
        let (value, tail) = decode_component(ty, *order, rest)?;
        values.push(value);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(ClusteringError::TrailingBytes(rest.len()));
    }
    Ok(values)
}

fn invert(bytes: &mut [u8]) {
    for b in bytes {
        *b = !*b;
    }
}

/// Reads an encoding, XORing every byte with `mask` (0xFF for a descending column, toggled
/// again for the body of a negative decimal).
struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    mask: u8,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, Fault> {
        let b = *self.input.get(self.pos).ok_or(Fault::Truncated)?;
        self.pos += 1;
        Ok(b ^ self.mask)
    }

    /// The next `n` bytes, still masked.
    fn raw(&mut self, n: usize) -> Result<&'a [u8], Fault> {
        let end = self.pos.checked_add(n).ok_or(Fault::Truncated)?;
        let bytes = self.input.get(self.pos..end).ok_or(Fault::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    fn bytes_into(&mut self, n: usize, out: &mut Vec<u8>) -> Result<(), Fault> {
        let mask = self.mask;
        let bytes = self.raw(n)?;
        out.extend(bytes.iter().map(|b| b ^ mask));
        Ok(())
    }

    fn u64(&mut self) -> Result<u64, Fault> {
        let mut v = 0u64;
        for _ in 0..8 {
            v = (v << 8) | u64::from(self.byte()?);
        }
        Ok(v)
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

fn encode_asc(ty: &ClusteringType, v: &[u8], out: &mut Vec<u8>) -> Result<(), Fault> {
    use ClusteringType as T;
    if v.len() > MAX_KEY_COMPONENT_BYTES {
        return Err(Fault::TooLarge(v.len()));
    }
    match ty {
        T::Boolean => {
            let b = match v {
                [] => BOOL_EMPTY,
                [0] => BOOL_FALSE,
                [_] => BOOL_TRUE,
                _ => return Err(Fault::Length(v.len())),
            };
            out.push(b);
            Ok(())
        }
        T::Ascii => {
            if !v.is_ascii() {
                return Err(Fault::Invalid("ascii value has a byte above 0x7F"));
            }
            put_bytes(v, out);
            Ok(())
        }
        T::Text => {
            if std::str::from_utf8(v).is_err() {
                return Err(Fault::Invalid("text value is not valid UTF-8"));
            }
            put_bytes(v, out);
            Ok(())
        }
        T::Blob => {
            put_bytes(v, out);
            Ok(())
        }
        T::List(element) | T::Set(element) => encode_sequence(&[element], v, out),
        T::Map(key, value) => encode_sequence(&[key, value], v, out),
        T::Tuple(components) => encode_tuple(components, v, out),
        T::Inet => encode_inet(v, out),
        T::Varint => {
            encode_varint(v, out);
            Ok(())
        }
        T::Decimal => encode_decimal(v, out),
        T::Tinyint
        | T::Smallint
        | T::Int
        | T::Bigint
        | T::Timestamp
        | T::Date
        | T::Time
        | T::Float
        | T::Double
        | T::Uuid
        | T::Timeuuid => {
            if v.is_empty() {
                out.extend_from_slice(&FIXED_EMPTY);
                return Ok(());
            }
            let mut key = [0u8; 16];
            let key = key.get_mut(..v.len()).ok_or(Fault::Length(v.len()))?;
            fixed_key(ty, v, key)?;
            put_fixed(key, out);
            Ok(())
        }
    }
}

fn decode_asc(ty: &ClusteringType, r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    use ClusteringType as T;
    match ty {
        T::Boolean => match r.byte()? {
            BOOL_EMPTY => Ok(Vec::new()),
            BOOL_FALSE => Ok(vec![0]),
            BOOL_TRUE => Ok(vec![1]),
            _ => Err(Fault::Corrupt("unknown boolean byte")),
        },
        T::Ascii => {
            let v = get_bytes(r)?;
            if !v.is_ascii() {
                return Err(Fault::Corrupt("ascii value has a byte above 0x7F"));
            }
            Ok(v)
        }
        T::Text => {
            let v = get_bytes(r)?;
            if std::str::from_utf8(&v).is_err() {
                return Err(Fault::Corrupt("text value is not valid UTF-8"));
            }
            Ok(v)
        }
        T::Blob => get_bytes(r),
        T::List(element) | T::Set(element) => decode_sequence(&[element], r),
        T::Map(key, value) => decode_sequence(&[key, value], r),
        T::Tuple(components) => decode_tuple(components, r),
        T::Inet => decode_inet(r),
        T::Varint => decode_varint(r),
        T::Decimal => decode_decimal(r),
        T::Tinyint
        | T::Smallint
        | T::Int
        | T::Bigint
        | T::Timestamp
        | T::Date
        | T::Time
        | T::Float
        | T::Double
        | T::Uuid
        | T::Timeuuid => {
            let width = fixed_width(ty);
            let mut key = [0u8; 16];
            let key = key.get_mut(..width).ok_or(Fault::Corrupt("bad width"))?;
            if !get_fixed(r, key)? {
                return Ok(Vec::new());
            }
            let mut value = vec![0u8; width];
            fixed_value(ty, key, &mut value)?;
            Ok(value)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed-width types.

const BOOL_EMPTY: u8 = 0x00;
const BOOL_FALSE: u8 = 0x01;
const BOOL_TRUE: u8 = 0x02;

/// Encoding of the empty value of a fixed-width type.
const FIXED_EMPTY: [u8; 2] = [0x00, 0x00];
/// Second byte of the encoding of a key whose first byte is zero.
const FIXED_ZERO_LEAD: u8 = 0x01;

fn fixed_width(ty: &ClusteringType) -> usize {
    use ClusteringType as T;
    match ty {
        T::Tinyint => 1,
        T::Smallint => 2,
        T::Int | T::Date | T::Float => 4,
        T::Bigint | T::Timestamp | T::Time | T::Double => 8,
        T::Uuid | T::Timeuuid => 16,
        _ => 0,
    }
}

/// Append a non-empty fixed-width key: as is if its first byte is non-zero, else escaped.
fn put_fixed(key: &[u8], out: &mut Vec<u8>) {
    match key.split_first() {
        Some((0, rest)) => {
            out.push(0x00);
            out.push(FIXED_ZERO_LEAD);
            out.extend_from_slice(rest);
        }
        _ => out.extend_from_slice(key),
    }
}

/// Read a fixed-width key into `key`; `false` for the empty value.
fn get_fixed(r: &mut Reader<'_>, key: &mut [u8]) -> Result<bool, Fault> {
    let Some((first, rest)) = key.split_first_mut() else {
        return Err(Fault::Corrupt("bad width"));
    };
    let b = r.byte()?;
    if b == 0 {
        match r.byte()? {
            0x00 => return Ok(false),
            FIXED_ZERO_LEAD => *first = 0,
            _ => return Err(Fault::Corrupt("bad escape after a zero first byte")),
        }
    } else {
        *first = b;
    }
    for k in rest {
        *k = r.byte()?;
    }
    Ok(true)
}

const F32_SIGN: u32 = 1 << 31;
const F32_CANONICAL_NAN: u32 = 0x7FC0_0000;
const F64_SIGN: u64 = 1 << 63;
const F64_CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

fn f32_is_nan(bits: u32) -> bool {
    bits & !F32_SIGN > 0x7F80_0000
}

fn f64_is_nan(bits: u64) -> bool {
    bits & !F64_SIGN > 0x7FF0_0000_0000_0000
}

/// Version-1 UUID most significant bits reordered so the timestamp compares as an integer:
/// `[time_hi_and_version][time_mid][time_low]` (Cassandra's `reorderTimestampBytes`).
fn reorder_timestamp(msb: u64) -> u64 {
    (msb << 48) | ((msb << 16) & 0xFFFF_0000_0000) | (msb >> 32)
}

fn reorder_timestamp_back(key: u64) -> u64 {
    (key << 32) | ((key >> 16) & 0xFFFF_0000) | (key >> 48)
}

/// Timeuuid's least significant bytes compare as signed bytes.
const SIGNED_BYTES: u64 = 0x8080_8080_8080_8080;

fn be_u32(v: &[u8]) -> Result<u32, Fault> {
    let a: [u8; 4] = v.try_into().map_err(|_| Fault::Length(v.len()))?;
    Ok(u32::from_be_bytes(a))
}

fn be_u64(v: &[u8]) -> Result<u64, Fault> {
    let a: [u8; 8] = v.try_into().map_err(|_| Fault::Length(v.len()))?;
    Ok(u64::from_be_bytes(a))
}

fn uuid_halves(v: &[u8]) -> Result<(u64, u64), Fault> {
    if v.len() != 16 {
        return Err(Fault::Length(v.len()));
    }
    let (hi, lo) = v.split_at(8);
    Ok((be_u64(hi)?, be_u64(lo)?))
}

fn put_halves(hi: u64, lo: u64, out: &mut [u8]) -> Result<(), Fault> {
    if out.len() != 16 {
        return Err(Fault::Corrupt("bad width"));
    }
    let (a, b) = out.split_at_mut(8);
    a.copy_from_slice(&hi.to_be_bytes());
    b.copy_from_slice(&lo.to_be_bytes());
    Ok(())
}

/// The order-preserving key of a non-empty fixed-width value (`key.len() == v.len()`).
fn fixed_key(ty: &ClusteringType, v: &[u8], key: &mut [u8]) -> Result<(), Fault> {
    use ClusteringType as T;
    if v.len() != fixed_width(ty) || key.len() != v.len() {
        return Err(Fault::Length(v.len()));
    }
    match ty {
        T::Tinyint | T::Smallint | T::Int | T::Bigint | T::Timestamp => {
            key.copy_from_slice(v);
            if let Some(first) = key.first_mut() {
                *first ^= 0x80;
            }
        }
        // Cassandra compares these with ByteBufferUtil.compareUnsigned.
        T::Date | T::Time => key.copy_from_slice(v),
        T::Float => {
            let mut bits = be_u32(v)?;
            if f32_is_nan(bits) {
                bits = F32_CANONICAL_NAN;
            }
            let k = if bits & F32_SIGN != 0 { !bits } else { bits | F32_SIGN };
            key.copy_from_slice(&k.to_be_bytes());
        }
        T::Double => {
            let mut bits = be_u64(v)?;
            if f64_is_nan(bits) {
                bits = F64_CANONICAL_NAN;
            }
            let k = if bits & F64_SIGN != 0 { !bits } else { bits | F64_SIGN };
            key.copy_from_slice(&k.to_be_bytes());
        }
        T::Uuid => {
            let (msb, lsb) = uuid_halves(v)?;
            let version = (msb >> 12) & 0xF;
            let hi = if version == 1 {
                reorder_timestamp(msb)
            } else {
                (version << 60) | ((msb >> 4) & 0x0FFF_FFFF_FFFF_F000) | (msb & 0xFFF)
            };
            put_halves(hi, lsb, key)?;
        }
        T::Timeuuid => {
            let (msb, lsb) = uuid_halves(v)?;
            if (msb >> 12) & 0xF != 1 {
                return Err(Fault::Invalid("a timeuuid must be a version 1 UUID"));
            }
            put_halves(reorder_timestamp(msb), lsb ^ SIGNED_BYTES, key)?;
        }
        _ => return Err(Fault::Length(v.len())),
    }
    Ok(())
}

/// Inverse of [`fixed_key`]; rejects keys `fixed_key` never produces.
fn fixed_value(ty: &ClusteringType, key: &[u8], v: &mut [u8]) -> Result<(), Fault> {
    use ClusteringType as T;
    if key.len() != fixed_width(ty) || key.len() != v.len() {
        return Err(Fault::Corrupt("bad width"));
    }
    match ty {
        T::Tinyint | T::Smallint | T::Int | T::Bigint | T::Timestamp => {
            v.copy_from_slice(key);
            if let Some(first) = v.first_mut() {
                *first ^= 0x80;
            }
        }
        T::Date | T::Time => v.copy_from_slice(key),
        T::Float => {
            let k = be_u32(key)?;
            let bits = if k & F32_SIGN != 0 { k & !F32_SIGN } else { !k };
            if f32_is_nan(bits) && bits != F32_CANONICAL_NAN {
                return Err(Fault::Corrupt("non-canonical NaN"));
            }
            v.copy_from_slice(&bits.to_be_bytes());
        }
        T::Double => {
            let k = be_u64(key)?;
            let bits = if k & F64_SIGN != 0 { k & !F64_SIGN } else { !k };
            if f64_is_nan(bits) && bits != F64_CANONICAL_NAN {
                return Err(Fault::Corrupt("non-canonical NaN"));
            }
            v.copy_from_slice(&bits.to_be_bytes());
        }
        T::Uuid => {
            let (hi, lo) = uuid_halves(key)?;
            let version = hi >> 60;
            let msb = if version == 1 {
                reorder_timestamp_back(hi)
            } else {
                ((hi << 4) & 0xFFFF_FFFF_FFFF_0000) | (version << 12) | (hi & 0xFFF)
            };
            put_halves(msb, lo, v)?;
        }
        T::Timeuuid => {
            let (hi, lo) = uuid_halves(key)?;
            if hi >> 60 != 1 {
                return Err(Fault::Corrupt("timeuuid key without version 1"));
            }
            put_halves(reorder_timestamp_back(hi), lo ^ SIGNED_BYTES, v)?;
        }
        _ => return Err(Fault::Corrupt("not a fixed-width type")),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Byte strings: ascii, text, blob, frozen.

/// Escape for a zero byte inside a byte string: `00 FF`.
const BYTES_ZERO_ESCAPE: u8 = 0xFF;

fn put_bytes(v: &[u8], out: &mut Vec<u8>) {
    out.reserve(v.len() + 2);
    for chunk in v.split_inclusive(|&b| b == 0) {
        out.extend_from_slice(chunk);
        if chunk.last() == Some(&0) {
            out.push(BYTES_ZERO_ESCAPE);
        }
    }
    out.extend_from_slice(&[0x00, 0x00]);
}

fn get_bytes(r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let mut v = Vec::new();
    loop {
        let b = r.byte()?;
        if b == 0 {
            match r.byte()? {
                0x00 => return Ok(v),
                BYTES_ZERO_ESCAPE => v.push(0),
                _ => return Err(Fault::Corrupt("bad escape after a zero byte")),
            }
        } else {
            v.push(b);
        }
        if v.len() > MAX_KEY_COMPONENT_BYTES {
            return Err(Fault::Corrupt("value longer than the component limit"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frozen collections, tuples and UDTs (see the module documentation). The native-protocol
// serialization of a collection is an `[int]` element count then each element as `[bytes]`
// (an `[int]` length, negative for null, and that many bytes), a map's entries as key then
// value; a tuple's is its components as `[bytes]`, possibly fewer than its type has.

/// The empty value of a collection or tuple type.
const SEQ_EMPTY: u8 = 0x00;
/// After the last element or component.
const SEQ_END: u8 = 0x38;
/// A null element or component (with no bytes after it).
const SEQ_NULL: u8 = 0x3E;
/// Before each non-null element or component.
const SEQ_NEXT: u8 = 0x40;

/// Reads `[int]` and `[bytes]` items from a serialized collection or tuple.
struct Items<'a> {
    v: &'a [u8],
}

impl<'a> Items<'a> {
    fn int(&mut self) -> Result<i32, Fault> {
        let (head, rest) = self.v.split_first_chunk::<4>().ok_or(Fault::Invalid("truncated collection or tuple"))?;
        self.v = rest;
        Ok(i32::from_be_bytes(*head))
    }

    /// The next `[bytes]`: `None` for null.
    fn value(&mut self) -> Result<Option<&'a [u8]>, Fault> {
        let Ok(len) = usize::try_from(self.int()?) else {
            return Ok(None);
        };
        if len > self.v.len() {
            return Err(Fault::Invalid("truncated collection or tuple"));
        }
        let (value, rest) = self.v.split_at(len);
        self.v = rest;
        Ok(Some(value))
    }
}

/// A nested value's fault, reworded where it would describe the outer value wrongly.
fn nested(fault: Fault) -> Fault {
    match fault {
        Fault::Length(_) => Fault::Invalid("an element or component has a length its type does not allow"),
        other => other,
    }
}

fn encode_element(ty: &ClusteringType, value: Option<&[u8]>, out: &mut Vec<u8>) -> Result<(), Fault> {
    match value {
        None => out.push(SEQ_NULL),
        Some(v) => {
            out.push(SEQ_NEXT);
            encode_asc(ty, v, out).map_err(nested)?;
        }
    }
    Ok(())
}

/// A list or set (`types` is the element type) or a map (key and value types).
fn encode_sequence(types: &[&ClusteringType], v: &[u8], out: &mut Vec<u8>) -> Result<(), Fault> {
    if v.is_empty() {
        out.push(SEQ_EMPTY);
        return Ok(());
    }
    let mut items = Items { v };
    let count = items.int()?;
    if count < 0 {
        return Err(Fault::Invalid("negative collection size"));
    }
    // Every element takes at least 4 bytes: the loop ends within `v.len() / 4` rounds.
    for _ in 0..count {
        for ty in types {
            encode_element(ty, items.value()?, out)?;
        }
    }
    if !items.v.is_empty() {
        return Err(Fault::Invalid("bytes after the last element of a collection"));
    }
    out.push(SEQ_END);
    Ok(())
}

fn encode_tuple(types: &[ClusteringType], v: &[u8], out: &mut Vec<u8>) -> Result<(), Fault> {
    if v.is_empty() {
        out.push(SEQ_EMPTY);
        return Ok(());
    }
    let mut items = Items { v };
    let mut components = Vec::with_capacity(types.len());
    while !items.v.is_empty() {
        if components.len() == types.len() {
            return Err(Fault::Invalid("a tuple value has more components than its type"));
        }
        components.push(items.value()?);
    }
    // Trailing nulls are left out: they compare equal to omitted components.
    let len = components.iter().rposition(Option::is_some).map_or(0, |last| last + 1);
    for (ty, value) in types.iter().zip(components.iter().take(len)) {
        encode_element(ty, *value, out)?;
    }
    out.push(SEQ_END);
    Ok(())
}

/// Decodes the element after `marker` and appends it to `out` as `[bytes]`.
fn decode_element(ty: &ClusteringType, marker: u8, r: &mut Reader<'_>, out: &mut Vec<u8>) -> Result<(), Fault> {
    match marker {
        SEQ_NULL => out.extend_from_slice(&(-1i32).to_be_bytes()),
        SEQ_NEXT => {
            let v = decode_asc(ty, r)?;
            // Decoded values are at most MAX_KEY_COMPONENT_BYTES long (or a tuple padded with
            // nulls): far below i32::MAX.
            let len = i32::try_from(v.len()).map_err(|_| Fault::Corrupt("element too long"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&v);
        }
        _ => return Err(Fault::Corrupt("unknown element marker")),
    }
    Ok(())
}

fn decode_sequence(types: &[&ClusteringType], r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let mut marker = r.byte()?;
    if marker == SEQ_EMPTY {
        return Ok(Vec::new());
    }
    let mut out = vec![0u8; 4];
    let mut count: i32 = 0;
    while marker != SEQ_END {
        for (i, ty) in types.iter().enumerate() {
            if i > 0 {
                marker = r.byte()?;
            }
            decode_element(ty, marker, r, &mut out)?;
        }
        count = count.checked_add(1).ok_or(Fault::Corrupt("too many elements"))?;
        marker = r.byte()?;
    }
    if let Some(head) = out.first_chunk_mut::<4>() {
        *head = count.to_be_bytes();
    }
    Ok(out)
}

fn decode_tuple(types: &[ClusteringType], r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let mut marker = r.byte()?;
    if marker == SEQ_EMPTY {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut decoded = 0;
    let mut last_null = false;
    while marker != SEQ_END {
        let ty = types.get(decoded).ok_or(Fault::Corrupt("more tuple components than the type has"))?;
        decode_element(ty, marker, r, &mut out)?;
        last_null = marker == SEQ_NULL;
        decoded += 1;
        marker = r.byte()?;
    }
    if last_null {
        return Err(Fault::Corrupt("trailing null tuple component"));
    }
    if types.is_empty() {
        return Err(Fault::Corrupt("a tuple type without components"));
    }
    // The omitted trailing components are nulls.
    for _ in decoded..types.len() {
        out.extend_from_slice(&(-1i32).to_be_bytes());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// inet: Cassandra orders addresses by unsigned lexicographic comparison of the 4- or 16-byte
// serialization, so an IPv4 address sorts before every IPv6 address it is a prefix of.

const INET_V4: u8 = 0x00;
const INET_V6: u8 = 0x01;

fn encode_inet(v: &[u8], out: &mut Vec<u8>) -> Result<(), Fault> {
    match v.len() {
        0 => out.extend_from_slice(&FIXED_EMPTY),
        4 => {
            put_fixed(v, out);
            out.push(INET_V4);
        }
        16 => {
            let (head, tail) = v.split_at(4);
            put_fixed(head, out);
            out.push(INET_V6);
            out.extend_from_slice(tail);
        }
        len => return Err(Fault::Length(len)),
    }
    Ok(())
}

fn decode_inet(r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let mut head = [0u8; 4];
    if !get_fixed(r, &mut head)? {
        return Ok(Vec::new());
    }
    let mut v = head.to_vec();
    match r.byte()? {
        INET_V4 => {}
        INET_V6 => r.bytes_into(12, &mut v)?,
        _ => return Err(Fault::Corrupt("unknown inet address family byte")),
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// varint. Header byte, then the minimal two's complement bytes unchanged:
//   00          empty
//   01 !len     negative, len >= 127 bytes (len as 8 bytes big-endian, inverted)
//   80 - len    negative, 1 <= len <= 126 bytes
//   80          zero (no payload)
//   80 + len    positive, 1 <= len <= 126 bytes
//   FF len      positive, len >= 127 bytes (len as 8 bytes big-endian)
// Among numbers of one sign, a longer minimal encoding means a larger magnitude; among numbers
// of one sign and length, unsigned comparison of the two's complement bytes is numeric order.

const VARINT_EMPTY: u8 = 0x00;
const VARINT_NEG_LONG: u8 = 0x01;
const VARINT_ZERO: u8 = 0x80;
const VARINT_POS_LONG: u8 = 0xFF;
const VARINT_SHORT_MAX: usize = 126;

/// Strip the redundant leading sign bytes of a two's complement big-endian integer.
fn minimal_twos_complement(mut v: &[u8]) -> &[u8] {
    while let [a, b, ..] = v {
        if (*a == 0x00 && *b < 0x80) || (*a == 0xFF && *b >= 0x80) {
            v = &v[1..];
        } else {
            break;
        }
    }
    v
}

fn encode_varint(v: &[u8], out: &mut Vec<u8>) {
    if v.is_empty() {
        out.push(VARINT_EMPTY);
        return;
    }
    let v = minimal_twos_complement(v);
    if v == [0] {
        out.push(VARINT_ZERO);
        return;
    }
    let negative = v.first().is_some_and(|b| b & 0x80 != 0);
    let len = v.len();
    if len <= VARINT_SHORT_MAX {
        // `len` is at most 126, so neither header overflows.
        out.push(if negative { VARINT_ZERO - len as u8 } else { VARINT_ZERO + len as u8 });
    } else if negative {
        out.push(VARINT_NEG_LONG);
        out.extend_from_slice(&(!(len as u64)).to_be_bytes());
    } else {
        out.push(VARINT_POS_LONG);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(v);
}

fn decode_varint(r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let header = r.byte()?;
    let (negative, len) = match header {
        VARINT_EMPTY => return Ok(Vec::new()),
        VARINT_ZERO => return Ok(vec![0]),
        VARINT_NEG_LONG | VARINT_POS_LONG => {
            let negative = header == VARINT_NEG_LONG;
            let raw = r.u64()?;
            let len = if negative { !raw } else { raw };
            if len <= VARINT_SHORT_MAX as u64 || len > MAX_KEY_COMPONENT_BYTES as u64 {
                return Err(Fault::Corrupt("varint length out of range"));
            }
            (negative, len as usize)
        }
        h if h < VARINT_ZERO => (true, usize::from(VARINT_ZERO - h)),
        h => (false, usize::from(h - VARINT_ZERO)),
    };
    let mut v = Vec::with_capacity(len);
    r.bytes_into(len, &mut v)?;
    let first_negative = v.first().is_some_and(|b| b & 0x80 != 0);
    if first_negative != negative {
        return Err(Fault::Corrupt("varint sign disagrees with its header"));
    }
    if minimal_twos_complement(&v).len() != v.len() || v == [0] {
        return Err(Fault::Corrupt("varint is not minimal"));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// decimal. Value = 0.d1 d2 ... dn * 10^E with d1 != 0 and dn != 0 (trailing zeros of the unscaled
// value dropped). Encoding:
//   00                      empty
//   01 !(exp digits)        negative: the positive body, bitwise inverted
//   02                      zero (any scale)
//   03 exp digits           positive
// exp: E + 0x80 as one byte for -127 <= E <= 126; else 00 (E < -127) or FF (E > 126) followed by
// E as 8 bytes big-endian with the sign bit flipped.
// digits: each digit d as the nibble d + 1, two per byte, ended by a zero nibble (padded with a
// zero nibble to a whole byte). A digit string that is a prefix of another is the smaller
// mantissa, and the zero terminator sorts below every digit.

const DEC_EMPTY: u8 = 0x00;
const DEC_NEG: u8 = 0x01;
const DEC_ZERO: u8 = 0x02;
const DEC_POS: u8 = 0x03;
const DEC_EXP_LOW: u8 = 0x00;
const DEC_EXP_HIGH: u8 = 0xFF;
const DEC_EXP_BIAS: i64 = 0x80;
/// More decimal digits than a `MAX_KEY_COMPONENT_BYTES`-byte unscaled value can have.
const DEC_MAX_DIGITS: usize = 160_000;

fn encode_decimal(v: &[u8], out: &mut Vec<u8>) -> Result<(), Fault> {
    if v.is_empty() {
        out.push(DEC_EMPTY);
        return Ok(());
    }
    // 4-byte scale and an unscaled varint of at least one byte (Cassandra cannot deserialize an
    // empty unscaled value).
    if v.len() < 5 {
        return Err(Fault::Length(v.len()));
    }
    let (scale, unscaled) = v.split_at(4);
    let scale = i64::from(be_u32(scale)? as i32);
    let negative = unscaled.first().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude = unscaled.to_vec();
    if negative {
        negate_be(&mut magnitude);
    }
    let limbs = be_to_limbs(&magnitude);
    if limbs.is_empty() {
        out.push(DEC_ZERO);
        return Ok(());
    }
    let mut digits = limbs_to_digits(limbs);
    // digits.len() is far below i64::MAX and scale is an i32: no overflow.
    let exponent = digits.len() as i64 - scale;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    out.push(if negative { DEC_NEG } else { DEC_POS });
    let body = out.len();
    put_exponent(exponent, out);
    put_digits(&digits, out);
    if negative {
        invert(&mut out[body..]);
    }
    Ok(())
}

fn decode_decimal(r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let negative = match r.byte()? {
        DEC_EMPTY => return Ok(Vec::new()),
        DEC_ZERO => return Ok(vec![0, 0, 0, 0, 0]),
        DEC_NEG => true,
        DEC_POS => false,
        _ => return Err(Fault::Corrupt("unknown decimal header")),
    };
    if negative {
        r.mask ^= 0xFF;
    }
    let body = decimal_body(r);
    if negative {
        r.mask ^= 0xFF;
    }
    let (exponent, mut digits) = body?;
    let mut scale =
        (digits.len() as i64).checked_sub(exponent).ok_or(Fault::Corrupt("decimal exponent out of range"))?;
    if scale > i64::from(i32::MAX) {
        return Err(Fault::Corrupt("decimal scale out of range"));
    }
    if scale < i64::from(i32::MIN) {
        // The value had trailing zeros that cannot all be dropped without the scale leaving
        // the i32 range: put back just enough of them.
        let pad = i64::from(i32::MIN) - scale;
        let total = usize::try_from(pad)
            .ok()
            .and_then(|p| p.checked_add(digits.len()))
            .filter(|&t| t <= DEC_MAX_DIGITS)
            .ok_or(Fault::Corrupt("decimal scale out of range"))?;
        digits.resize(total, 0);
        scale = i64::from(i32::MIN);
    }
    let limbs = digits_to_limbs(&digits);
    let unscaled = limbs_to_twos_complement(&limbs, negative);
    if unscaled.len() + 4 > MAX_KEY_COMPONENT_BYTES {
        return Err(Fault::Corrupt("decimal longer than the component limit"));
    }
    let mut v = Vec::with_capacity(unscaled.len() + 4);
    v.extend_from_slice(&(scale as i32).to_be_bytes());
    v.extend_from_slice(&unscaled);
    Ok(v)
}

fn decimal_body(r: &mut Reader<'_>) -> Result<(i64, Vec<u8>), Fault> {
    let exponent = get_exponent(r)?;
    Ok((exponent, get_digits(r)?))
}

fn put_exponent(e: i64, out: &mut Vec<u8>) {
    if (-127..=126).contains(&e) {
        // In 1..=254.
        out.push((e + DEC_EXP_BIAS) as u8);
    } else {
        out.push(if e < 0 { DEC_EXP_LOW } else { DEC_EXP_HIGH });
        out.extend_from_slice(&((e as u64) ^ (1 << 63)).to_be_bytes());
    }
}

fn get_exponent(r: &mut Reader<'_>) -> Result<i64, Fault> {
    let b = r.byte()?;
    match b {
        DEC_EXP_LOW | DEC_EXP_HIGH => {
            let e = (r.u64()? ^ (1 << 63)) as i64;
            let ok = if b == DEC_EXP_LOW { e < -127 } else { e > 126 };
            if ok {
                Ok(e)
            } else {
                Err(Fault::Corrupt("decimal exponent in long form but short range"))
            }
        }
        b => Ok(i64::from(b) - DEC_EXP_BIAS),
    }
}

fn put_digits(digits: &[u8], out: &mut Vec<u8>) {
    // With an odd digit count the terminator is the low nibble of the last byte.
    let mut terminated = false;
    for pair in digits.chunks(2) {
        let hi = pair.first().map_or(0, |d| d + 1);
        let lo = pair.get(1).map_or(0, |d| d + 1);
        out.push((hi << 4) | lo);
        terminated = lo == 0;
    }
    if !terminated {
        out.push(0x00);
    }
}

fn get_digits(r: &mut Reader<'_>) -> Result<Vec<u8>, Fault> {
    let mut digits = Vec::new();
    'bytes: loop {
        let b = r.byte()?;
        for nibble in [b >> 4, b & 0x0F] {
            match nibble {
                0 => {
                    if b & 0x0F != 0 {
                        return Err(Fault::Corrupt("decimal digits after the terminator"));
                    }
                    break 'bytes;
                }
                1..=10 => digits.push(nibble - 1),
                _ => return Err(Fault::Corrupt("decimal digit nibble above 10")),
            }
        }
        if digits.len() > DEC_MAX_DIGITS {
            return Err(Fault::Corrupt("too many decimal digits"));
        }
    }
    match (digits.first(), digits.last()) {
        (Some(&first), Some(&last)) if first != 0 && last != 0 => Ok(digits),
        _ => Err(Fault::Corrupt("decimal digits not normalized")),
    }
}

/// Two's complement negation of a big-endian integer in place.
fn negate_be(bytes: &mut [u8]) {
    invert(bytes);
    for b in bytes.iter_mut().rev() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
}

/// Unsigned big-endian bytes to little-endian u32 limbs without high zero limbs.
fn be_to_limbs(bytes: &[u8]) -> Vec<u32> {
    let mut limbs: Vec<u32> =
        bytes.rchunks(4).map(|chunk| chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))).collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    limbs
}

const BILLION: u64 = 1_000_000_000;

/// Decimal digits (most significant first, no leading zero) of a non-zero magnitude.
fn limbs_to_digits(mut limbs: Vec<u32>) -> Vec<u8> {
    let mut chunks = Vec::with_capacity(limbs.len() * 32 / 29 + 1);
    while !limbs.is_empty() {
        let mut rem = 0u64;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            // cur < BILLION << 32, so the quotient fits in a u32.
            *limb = (cur / BILLION) as u32;
            rem = cur % BILLION;
        }
        chunks.push(rem as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut digits = Vec::with_capacity(chunks.len() * 9);
    for (i, &chunk) in chunks.iter().rev().enumerate() {
        let mut buf = [0u8; 9];
        let mut c = chunk;
        for d in buf.iter_mut().rev() {
            *d = (c % 10) as u8;
            c /= 10;
        }
        if i == 0 {
            let lead = buf.iter().take_while(|&&d| d == 0).count();
            digits.extend_from_slice(buf.get(lead..).unwrap_or_default());
        } else {
            digits.extend_from_slice(&buf);
        }
    }
    digits
}

/// Little-endian u32 limbs of the number whose decimal digits are given.
fn digits_to_limbs(digits: &[u8]) -> Vec<u32> {
    let mut limbs: Vec<u32> = Vec::with_capacity(digits.len() * 10 / 96 + 1);
    let head = digits.len() % 9;
    let (first, rest) = digits.split_at(head);
    for chunk in std::iter::once(first).filter(|c| !c.is_empty()).chain(rest.chunks(9)) {
        let add = chunk.iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d));
        let mul = 10u32.pow(chunk.len() as u32);
        let mut carry = u64::from(add);
        for limb in limbs.iter_mut() {
            let cur = u64::from(*limb) * u64::from(mul) + carry;
            *limb = cur as u32;
            carry = cur >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
    }
    limbs
}

/// Minimal two's complement big-endian bytes of `±limbs`.
fn limbs_to_twos_complement(limbs: &[u32], negative: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(limbs.len() * 4 + 1);
    bytes.push(0);
    for limb in limbs.iter().rev() {
        bytes.extend_from_slice(&limb.to_be_bytes());
    }
    if negative {
        negate_be(&mut bytes);
    }
    minimal_twos_complement(&bytes).to_vec()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    use std::cmp::Ordering;
    use ClusteringType as T;

    const ALL_TYPES: [ClusteringType; 18] = [
        T::Ascii,
        T::Bigint,
        T::Blob,
        T::Boolean,
        T::Date,
        T::Decimal,
        T::Double,
        T::Float,
        T::Inet,
        T::Int,
        T::Smallint,
        T::Text,
        T::Time,
        T::Timestamp,
        T::Timeuuid,
        T::Tinyint,
        T::Uuid,
        T::Varint,
    ];

    fn enc(ty: &ClusteringType, order: Order, v: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_component(ty, order, v, &mut out).unwrap_or_else(|e| panic!("encode {ty:?} {v:02x?}: {e}"));
        out
    }

    /// `groups` lists values in Cassandra's order; the values of one group compare equal in
    /// Cassandra and the first of each group is the canonical form decoding returns.
    fn check_order(ty: ClusteringType, groups: &[Vec<Vec<u8>>]) {
        for order in [Order::Asc, Order::Desc] {
            let mut encodings = Vec::new();
            for (gi, group) in groups.iter().enumerate() {
                for v in group {
                    let e = enc(&ty, order, v);
                    let (d, rest) = decode_component(&ty, order, &e).unwrap();
                    assert!(rest.is_empty(), "{ty:?} {v:02x?}");
                    assert_eq!(d, group[0], "{ty:?} {order:?} canonical decode of {v:02x?}");
                    let mut tailed = e.clone();
                    tailed.extend_from_slice(&[0x42, 0x00, 0xFF]);
                    let (d2, rest2) = decode_component(&ty, order, &tailed).unwrap();
                    assert_eq!(d2, group[0]);
                    assert_eq!(rest2, [0x42, 0x00, 0xFF]);
                    encodings.push((gi, v, e));
                }
            }
            for (gi, vi, ei) in &encodings {
                for (gj, vj, ej) in &encodings {
                    let mut expected = gi.cmp(gj);
                    if order == Order::Desc {
                        expected = expected.reverse();
                    }
                    assert_eq!(
                        ei.cmp(ej),
                        expected,
                        "{ty:?} {order:?}: {vi:02x?} vs {vj:02x?} ({ei:02x?} vs {ej:02x?})"
                    );
                    if ei != ej {
                        assert!(!ej.starts_with(ei), "{ty:?}: {ei:02x?} prefixes {ej:02x?}");
                    }
                }
            }
        }
    }

    fn single(values: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>> {
        values.into_iter().map(|v| vec![v]).collect()
    }

    #[test]
    fn int_types_order() {
        let ints = [
            i32::MIN,
            i32::MIN + 1,
            i32::MIN + 0xFF_FFFF,
            i32::MIN + 0x100_0000,
            -65536,
            -256,
            -1,
            0,
            1,
            127,
            128,
            255,
            256,
            i32::MAX - 1,
            i32::MAX,
        ];
        let mut values = vec![vec![]];
        values.extend(ints.iter().map(|i| i.to_be_bytes().to_vec()));
        check_order(T::Int, &single(values));

        let longs = [
            i64::MIN,
            i64::MIN + 1,
            i64::MIN + (1 << 56) - 1,
            i64::MIN + (1 << 56),
            -(1 << 40),
            -1,
            0,
            1,
            1 << 40,
            i64::MAX,
        ];
        for ty in [T::Bigint, T::Timestamp] {
            let mut values = vec![vec![]];
            values.extend(longs.iter().map(|i| i.to_be_bytes().to_vec()));
            check_order(ty, &single(values));
        }

        let shorts = [i16::MIN, i16::MIN + 255, i16::MIN + 256, -1, 0, 1, i16::MAX];
        let mut values = vec![vec![]];
        values.extend(shorts.iter().map(|i| i.to_be_bytes().to_vec()));
        check_order(T::Smallint, &single(values));

        let mut values = vec![vec![]];
        values.extend((i8::MIN..=i8::MAX).map(|i| i.to_be_bytes().to_vec()));
        check_order(T::Tinyint, &single(values));
    }

    #[test]
    fn date_and_time_are_unsigned() {
        let epoch = 1u32 << 31;
        let dates = [0, 1, 0xFF_FFFF, 0x100_0000, epoch - 1, epoch, epoch + 1, u32::MAX];
        let mut values = vec![vec![]];
        values.extend(dates.iter().map(|d| d.to_be_bytes().to_vec()));
        check_order(T::Date, &single(values));

        // TimeType is ComparisonType.BYTE_ORDER: out-of-range negative nanos sort last.
        let times: [u64; 6] = [0, 1, 86_399_999_999_999, 1 << 56, 1 << 63, u64::MAX];
        let mut values = vec![vec![]];
        values.extend(times.iter().map(|t| t.to_be_bytes().to_vec()));
        check_order(T::Time, &single(values));
    }

    #[test]
    fn floats_order_like_java_compare() {
        let doubles = [
            f64::NEG_INFINITY,
            f64::MIN,
            -1e10,
            -1.0,
            -f64::MIN_POSITIVE,
            -5e-324,
            -0.0,
            0.0,
            5e-324,
            f64::MIN_POSITIVE,
            1.0,
            1e10,
            f64::MAX,
            f64::INFINITY,
        ];
        let mut groups = vec![vec![vec![]]];
        groups.extend(doubles.iter().map(|d| vec![d.to_bits().to_be_bytes().to_vec()]));
        groups.push(vec![
            F64_CANONICAL_NAN.to_be_bytes().to_vec(),
            0xFFF8_0000_0000_0000u64.to_be_bytes().to_vec(),
            0x7FF0_0000_0000_0001u64.to_be_bytes().to_vec(),
            u64::MAX.to_be_bytes().to_vec(),
        ]);
        check_order(T::Double, &groups);

        let floats = [f32::NEG_INFINITY, f32::MIN, -1.0, -1e-45, -0.0, 0.0, 1e-45, 1.0, f32::MAX, f32::INFINITY];
        let mut groups = vec![vec![vec![]]];
        groups.extend(floats.iter().map(|f| vec![f.to_bits().to_be_bytes().to_vec()]));
        groups.push(vec![
            F32_CANONICAL_NAN.to_be_bytes().to_vec(),
            0xFFC0_0000u32.to_be_bytes().to_vec(),
            0x7F80_0001u32.to_be_bytes().to_vec(),
        ]);
        check_order(T::Float, &groups);
    }

    #[test]
    fn boolean_order() {
        check_order(T::Boolean, &[vec![vec![]], vec![vec![0]], vec![vec![1], vec![2], vec![0xFF]]]);
    }

    fn varint_of(v: i128) -> Vec<u8> {
        minimal_twos_complement(&v.to_be_bytes()).to_vec()
    }

    /// Minimal varint of `sign * 2^(8 * bytes - 1)`-ish: a `len`-byte minimal encoding.
    fn long_varint(len: usize, negative: bool, fill: u8) -> Vec<u8> {
        let mut v = vec![fill; len];
        v[0] = if negative { 0x80 } else { 0x7F };
        v
    }

    #[test]
    fn varint_order() {
        let mut groups: Vec<Vec<Vec<u8>>> = vec![vec![vec![]]];
        for len in [300, 128, 127, 126, 20] {
            groups.push(vec![long_varint(len, true, 0x00)]);
            groups.push(vec![long_varint(len, true, 0xFF)]);
        }
        for v in [i128::MIN, -(1 << 64), -257, -256, -129, -128, -2] {
            groups.push(vec![varint_of(v)]);
        }
        groups.push(vec![vec![0xFF], vec![0xFF, 0xFF], vec![0xFF, 0xFF, 0xFF]]);
        groups.push(vec![vec![0x00], vec![0x00, 0x00], vec![0x00, 0x00, 0x00]]);
        groups.push(vec![vec![0x01], vec![0x00, 0x01]]);
        groups.push(vec![varint_of(127)]);
        groups.push(vec![vec![0x00, 0x80], vec![0x00, 0x00, 0x80]]);
        for v in [255, 256, 65535, 1 << 64, i128::MAX] {
            groups.push(vec![varint_of(v)]);
        }
        for len in [20, 126, 127, 128, 300] {
            groups.push(vec![long_varint(len, false, 0x00)]);
            groups.push(vec![long_varint(len, false, 0xFF)]);
        }
        // Sanity of the hand-written list against Cassandra's comparator.
        for pair in groups.windows(2) {
            assert_eq!(cassandra_varint_cmp(&pair[0][0], &pair[1][0]), Ordering::Less);
        }
        check_order(T::Varint, &groups);
    }

    fn dec(unscaled: i128, scale: i32) -> Vec<u8> {
        let mut v = scale.to_be_bytes().to_vec();
        v.extend(varint_of(unscaled));
        v
    }

    #[test]
    fn decimal_order() {
        // 10^60 + 7: with scale 60, 1.000...0007.
        let mut big_digits = vec![1u8];
        big_digits.extend([0u8; 59]);
        big_digits.push(7);
        let big_unscaled = limbs_to_twos_complement(&digits_to_limbs(&big_digits), false);
        let mut one_point_big = 60i32.to_be_bytes().to_vec();
        one_point_big.extend(&big_unscaled);
        let mut neg_big = 60i32.to_be_bytes().to_vec();
        neg_big.extend(limbs_to_twos_complement(&digits_to_limbs(&big_digits), true));

        let groups = vec![
            vec![vec![]],
            vec![dec(-1, -1000)],
            vec![dec(-1, -300)],
            vec![dec(-1, -127), dec(-10, -126)],
            vec![dec(-1, -10)],
            vec![dec(-123, 0), dec(-1230, 1)],
            vec![dec(-225, 2), dec(-2250, 3)],
            vec![dec(-15, 1), dec(-150, 2)],
            vec![neg_big],
            vec![dec(-1, 0), dec(-10, 1)],
            vec![dec(-1, 3)],
            vec![dec(-1, 1000)],
            vec![dec(0, 0), dec(0, 5), dec(0, -3), dec(0, i32::MIN), vec![0, 0, 0, 1, 0, 0]],
            vec![dec(1, 1000)],
            vec![dec(1, 200)],
            vec![dec(1, 129)],
            vec![dec(1, 128)],
            vec![dec(1, 127)],
            vec![dec(1, 126)],
            vec![dec(1, 3), dec(10, 4), dec(1000, 6)],
            vec![dec(1, 2)],
            vec![dec(1, 1)],
            vec![dec(10000000001, 11)],
            vec![dec(11, 2)],
            vec![dec(1, 0), dec(10, 1), dec(100, 2)],
            vec![one_point_big],
            vec![dec(10000000001, 10)],
            vec![dec(15, 1), dec(150, 2), vec![0, 0, 0, 1, 0, 0x0F]],
            vec![dec(2, 0)],
            vec![dec(225, 2)],
            vec![dec(9, 0)],
            vec![dec(1, -1), dec(10, 0), dec(100, 1)],
            vec![dec(1234, 2)],
            vec![dec(99, 0)],
            vec![dec(1, -2)],
            vec![dec(i128::MAX, 0)],
            vec![dec(1, -125), dec(10, -124)],
            vec![dec(1, -126)],
            vec![dec(1, -300), dec(1000, -297)],
            vec![dec(1, i32::MIN + 1)],
            vec![dec(10, i32::MIN)],
            vec![dec(100, i32::MIN)],
        ];
        check_order(T::Decimal, &groups);
    }

    #[test]
    fn decimal_scale_extremes_round_trip() {
        for v in [
            dec(1, i32::MAX),
            dec(-7, i32::MAX),
            dec(123, i32::MIN),
            dec(-1230, i32::MIN),
            dec(i128::MIN, i32::MIN),
            dec(i128::MAX, i32::MAX),
        ] {
            let e = enc(&T::Decimal, Order::Asc, &v);
            let (d, rest) = decode_component(&T::Decimal, Order::Asc, &e).unwrap();
            assert!(rest.is_empty());
            assert_eq!(enc(&T::Decimal, Order::Asc, &d), e);
            assert_eq!(cassandra_decimal_cmp_exact(&d, &v), Ordering::Equal);
        }
    }

    #[test]
    fn text_and_bytes_order() {
        let strings: [&[u8]; 15] = [
            b"",
            b"\0",
            b"\0\0",
            b"\0\x01",
            b"\0a",
            b"a",
            b"a\0",
            b"a\0\0",
            b"a\x01",
            b"aa",
            b"ab",
            b"b",
            "é".as_bytes(),
            "中".as_bytes(),
            "\u{10FFFF}".as_bytes(),
        ];
        let values: Vec<Vec<u8>> = strings.iter().map(|s| s.to_vec()).collect();
        check_order(T::Text, &single(values.clone()));
        check_order(T::Ascii, &single(values[..12].to_vec()));
        let mut blobs = values.clone();
        blobs.extend([vec![0xFF], vec![0xFF, 0x00], vec![0xFF, 0xFF]]);
        check_order(T::Blob, &single(blobs));
    }

    #[test]
    fn inet_order() {
        let mut v6_1 = vec![0u8; 16];
        v6_1[15] = 1;
        let mut v6_prefix = vec![1, 2, 3, 4];
        v6_prefix.extend([0u8; 12]);
        let v6_high = vec![0xFF; 16];
        let values = vec![
            vec![],
            vec![0, 0, 0, 0],
            vec![0u8; 16],
            v6_1,
            vec![0, 0, 0, 1],
            vec![1, 2, 3, 4],
            v6_prefix,
            vec![9, 0, 0, 1],
            vec![10, 0, 0, 1],
            vec![255, 255, 255, 255],
            v6_high,
        ];
        check_order(T::Inet, &single(values));
    }

    fn uuid(msb: u64, lsb: u64) -> Vec<u8> {
        let mut v = msb.to_be_bytes().to_vec();
        v.extend(lsb.to_be_bytes());
        v
    }

    fn uuid_v(version: u64, msb: u64, lsb: u64) -> Vec<u8> {
        uuid((msb & !0xF000) | (version << 12), lsb)
    }

    /// A version 1 UUID with a 60-bit timestamp.
    fn time_uuid(ts: u64, lsb: u64) -> Vec<u8> {
        let msb = ((ts & 0xFFFF_FFFF) << 32) | (((ts >> 32) & 0xFFFF) << 16) | 0x1000 | (ts >> 48);
        uuid(msb, lsb)
    }

    #[test]
    fn uuid_order() {
        let values = vec![
            vec![],
            uuid(0, 0),
            uuid(0, 1),
            uuid_v(0, 0x0000_0000_0000_0FFF, 0),
            uuid_v(0, 0x8000_0000_0000_0000, 0),
            // Version 1: by timestamp, then the low 8 bytes UNSIGNED (unlike timeuuid).
            time_uuid(0, 0),
            time_uuid(0, 0x7FFF_FFFF_FFFF_FFFF),
            time_uuid(0, 0x8000_0000_0000_0000),
            time_uuid(0, u64::MAX),
            time_uuid(1, 0),
            time_uuid(0xFFFF_FFFF, 0),
            time_uuid(0x1_0000_0000, 0),
            time_uuid(0x1_0000_0000_0000, 0),
            time_uuid((1 << 60) - 1, 0),
            // Other versions: version first, then the 16 bytes unsigned.
            uuid_v(2, 0, 0),
            uuid_v(3, 0x0000_0000_0000_0FFF, u64::MAX),
            uuid_v(3, 0x0000_0000_0001_0000, 0),
            uuid_v(3, 0xFFFF_FFFF_FFFF_0000, 0),
            uuid_v(4, 0x1234, 0x7FFF_FFFF_FFFF_FFFF),
            uuid_v(4, 0x1234, 0x8000_0000_0000_0000),
            uuid_v(5, 0, 0),
            uuid_v(6, 0, 0),
            uuid_v(7, 0, 0),
            uuid_v(8, 0, 0),
            uuid_v(15, u64::MAX, u64::MAX),
        ];
        check_order(T::Uuid, &single(values));
    }

    #[test]
    fn timeuuid_order() {
        let values = vec![
            vec![],
            // Same timestamp: the low 8 bytes compare as SIGNED bytes.
            time_uuid(0, 0x8000_0000_0000_0000),
            time_uuid(0, 0xFF00_0000_0000_0000),
            time_uuid(0, 0x0080_0000_0000_0000),
            time_uuid(0, 0x00FF_0000_0000_0000),
            time_uuid(0, 0),
            time_uuid(0, 0x007F_0000_0000_0000),
            time_uuid(0, 0x7F00_0000_0000_0000),
            time_uuid(1, 0x8000_0000_0000_0000),
            time_uuid(0xFFFF_FFFF, 0),
            time_uuid(0x1_0000_0000, 0),
            time_uuid(0x1_0000_0000_0000, 0),
            time_uuid((1 << 60) - 1, 0x7F7F_7F7F_7F7F_7F7F),
        ];
        check_order(T::Timeuuid, &single(values));
    }

    #[test]
    fn invalid_values_are_rejected() {
        let cases: Vec<(ClusteringType, Vec<u8>)> = vec![
            (T::Int, vec![1, 2, 3]),
            (T::Int, vec![1, 2, 3, 4, 5]),
            (T::Bigint, vec![1; 4]),
            (T::Smallint, vec![1]),
            (T::Tinyint, vec![1, 2]),
            (T::Date, vec![1; 8]),
            (T::Time, vec![1; 4]),
            (T::Timestamp, vec![1; 7]),
            (T::Float, vec![1; 8]),
            (T::Double, vec![1; 4]),
            (T::Uuid, vec![1; 15]),
            (T::Timeuuid, vec![1; 17]),
            (T::Inet, vec![1; 5]),
            (T::Inet, vec![1; 6]),
            (T::Boolean, vec![0, 1]),
            (T::Decimal, vec![0, 0, 0, 1]),
            (T::Decimal, vec![0]),
        ];
        for (ty, v) in cases {
            let mut out = vec![7];
            let err = encode_component(&ty, Order::Asc, &v, &mut out).unwrap_err();
            assert_eq!(err, ClusteringError::InvalidLength { ty, len: v.len() });
            assert_eq!(out, [7], "nothing appended on error");
        }
        let mut out = Vec::new();
        assert!(matches!(
            encode_component(&T::Timeuuid, Order::Asc, &uuid_v(4, 0, 0), &mut out),
            Err(ClusteringError::InvalidValue { .. })
        ));
        assert!(matches!(
            encode_component(&T::Text, Order::Asc, &[0x61, 0xFF], &mut out),
            Err(ClusteringError::InvalidValue { .. })
        ));
        assert!(matches!(
            encode_component(&T::Ascii, Order::Desc, "é".as_bytes(), &mut out),
            Err(ClusteringError::InvalidValue { .. })
        ));
        let huge = vec![1u8; MAX_KEY_COMPONENT_BYTES + 1];
        for ty in [T::Blob, T::Varint, T::Decimal] {
            assert!(matches!(
                encode_component(&ty, Order::Asc, &huge, &mut out),
                Err(ClusteringError::TooLarge { .. })
            ));
        }
        assert!(out.is_empty());
        // The largest allowed values work (a smaller decimal: its base conversion is quadratic
        // and tests run unoptimized).
        let max = vec![0x7Fu8; MAX_KEY_COMPONENT_BYTES];
        for (ty, len) in [(T::Blob, max.len()), (T::Varint, max.len()), (T::Decimal, 3000)] {
            let e = enc(&ty, Order::Desc, &max[..len]);
            let (d, rest) = decode_component(&ty, Order::Desc, &e).unwrap();
            assert!(rest.is_empty());
            assert_eq!(d, max[..len], "{ty:?}");
        }
    }

    #[test]
    fn truncated_and_corrupt_encodings() {
        let e = enc(&T::Bigint, Order::Asc, &5i64.to_be_bytes());
        assert_eq!(
            decode_component(&T::Bigint, Order::Asc, &e[..7]),
            Err(ClusteringError::Truncated { ty: T::Bigint })
        );
        assert_eq!(decode_component(&T::Text, Order::Asc, b"abc"), Err(ClusteringError::Truncated { ty: T::Text }));
        assert!(matches!(decode_component(&T::Text, Order::Asc, b"a\0\x05"), Err(ClusteringError::Corrupt { .. })));
        assert!(matches!(decode_component(&T::Boolean, Order::Asc, &[3]), Err(ClusteringError::Corrupt { .. })));
        assert!(matches!(
            decode_component(&T::Int, Order::Asc, &[0, 2, 0, 0, 0]),
            Err(ClusteringError::Corrupt { .. })
        ));
        // Varint with a header claiming a positive number but a negative payload.
        assert!(matches!(
            decode_component(&T::Varint, Order::Asc, &[0x81, 0x80]),
            Err(ClusteringError::Corrupt { .. })
        ));
        // Non-minimal varint payload.
        assert!(matches!(
            decode_component(&T::Varint, Order::Asc, &[0x82, 0x00, 0x01]),
            Err(ClusteringError::Corrupt { .. })
        ));
        // Decimal digit string with a trailing zero digit.
        assert!(matches!(
            decode_component(&T::Decimal, Order::Asc, &[DEC_POS, 0x81, 0x21, 0x00]),
            Err(ClusteringError::Corrupt { .. })
        ));
        assert_eq!(decode_component(&T::Int, Order::Asc, &[]), Err(ClusteringError::Truncated { ty: T::Int }));
    }

    #[test]
    fn keys_and_prefixes() {
        let types = vec![(T::Int, Order::Asc), (T::Text, Order::Desc), (T::Decimal, Order::Asc)];
        let a = 7i32.to_be_bytes();
        let key = encode_key(&types, &[&a, b"x\0y", &dec(150, 2)]).unwrap();
        assert_eq!(decode_key(&types, &key).unwrap(), vec![a.to_vec(), b"x\0y".to_vec(), dec(15, 1)]);
        let prefix = encode_key(&types, &[&a]).unwrap();
        assert!(key.starts_with(&prefix));
        assert_eq!(decode_key(&types, &prefix).unwrap(), vec![a.to_vec()]);
        assert_eq!(decode_key(&types, &[]).unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(encode_key(&types[..1], &[&a, &a]), Err(ClusteringError::TooManyValues { values: 2, columns: 1 }));
        let mut long = key.clone();
        long.push(0x80);
        assert_eq!(decode_key(&types, &long), Err(ClusteringError::TrailingBytes(1)));
        // Empty values in the middle of a key.
        let key = encode_key(&types, &[&[], &[], &[]]).unwrap();
        assert_eq!(decode_key(&types, &key).unwrap(), vec![vec![]; 3]);
        assert!(matches!(encode_key(&types, &[&a, &[0xC3]]), Err(ClusteringError::InvalidValue { .. })));
    }

    // -----------------------------------------------------------------------------------------
    // Reference comparators, written from Cassandra's sources, and randomized tests.

    /// Port of `IntegerType.compareIntegers`.
    fn cassandra_varint_cmp(l: &[u8], r: &[u8]) -> Ordering {
        match (l.is_empty(), r.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        fn msb_index(v: &[u8]) -> usize {
            let mut i = 0;
            while i + 1 < v.len() {
                let b0 = v[i] as i8;
                if b0 != 0 && b0 != -1 {
                    break;
                }
                let b1 = v[i + 1] as i8;
                if b0 == 0 && b1 != 0 {
                    if b1 > 0 {
                        i += 1;
                    }
                    break;
                }
                if b0 == -1 && b1 != -1 {
                    if b1 < 0 {
                        i += 1;
                    }
                    break;
                }
                i += 1;
            }
            i
        }
        let (li, ri) = (msb_index(l), msb_index(r));
        let (ld, rd) = (l.len() - li, r.len() - ri);
        let (lm, rm) = (l[li] as i8, r[ri] as i8);
        if ld != rd {
            if lm < 0 {
                return if rm < 0 { rd.cmp(&ld) } else { Ordering::Less };
            }
            if rm < 0 {
                return Ordering::Greater;
            }
            return ld.cmp(&rd);
        }
        if lm != rm {
            return lm.cmp(&rm);
        }
        l[li + 1..].cmp(&r[ri + 1..])
    }

    fn java_double_cmp(a: &[u8], b: &[u8]) -> Ordering {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let x = f64::from_bits(u64::from_be_bytes(a.try_into().unwrap()));
        let y = f64::from_bits(u64::from_be_bytes(b.try_into().unwrap()));
        match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => x.total_cmp(&y),
        }
    }

    fn signed_cmp(a: &[u8], b: &[u8]) -> Ordering {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => (a[0] as i8).cmp(&(b[0] as i8)).then_with(|| a[1..].cmp(&b[1..])),
        }
    }

    fn varint_to_i128(v: &[u8]) -> i128 {
        let m = minimal_twos_complement(v);
        let mut buf = if m[0] & 0x80 != 0 { [0xFF; 16] } else { [0; 16] };
        buf[16 - m.len()..].copy_from_slice(m);
        i128::from_be_bytes(buf)
    }

    /// BigDecimal.compareTo for small test values (|unscaled| < 2^40, |scale| <= 10).
    fn small_decimal_cmp(a: &[u8], b: &[u8]) -> Ordering {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let (sa, ua) = (i32::from_be_bytes(a[..4].try_into().unwrap()), varint_to_i128(&a[4..]));
        let (sb, ub) = (i32::from_be_bytes(b[..4].try_into().unwrap()), varint_to_i128(&b[4..]));
        let m = sa.max(sb);
        (ua * 10i128.pow((m - sa) as u32)).cmp(&(ub * 10i128.pow((m - sb) as u32)))
    }

    /// Exact decimal comparison through normalized digit strings (used on extreme scales).
    fn cassandra_decimal_cmp_exact(a: &[u8], b: &[u8]) -> Ordering {
        let norm = |v: &[u8]| {
            let scale = i64::from(i32::from_be_bytes(v[..4].try_into().unwrap()));
            let neg = v[4] & 0x80 != 0;
            let mut mag = v[4..].to_vec();
            if neg {
                negate_be(&mut mag);
            }
            let limbs = be_to_limbs(&mag);
            if limbs.is_empty() {
                return (false, 0i64, vec![]);
            }
            let mut d = limbs_to_digits(limbs);
            let e = d.len() as i64 - scale;
            while d.last() == Some(&0) {
                d.pop();
            }
            (neg, e, d)
        };
        let (x, y) = (norm(a), norm(b));
        assert_eq!(x.0, y.0);
        x.1.cmp(&y.1).then_with(|| x.2.cmp(&y.2))
    }

    fn reference_cmp(ty: &ClusteringType, a: &[u8], b: &[u8]) -> Ordering {
        match ty {
            T::Int | T::Bigint => signed_cmp(a, b),
            T::Varint => cassandra_varint_cmp(a, b),
            T::Double => java_double_cmp(a, b),
            T::Decimal => small_decimal_cmp(a, b),
            T::Text | T::Blob => a.cmp(b),
            T::List(element) | T::Set(element) => list_or_set_cmp(element, a, b),
            T::Map(key, value) => map_cmp(key, value, a, b),
            T::Tuple(types) => tuple_cmp(types, a, b),
            _ => unreachable!(),
        }
    }

    fn random_value(ty: &ClusteringType, rng: &mut SmallRng) -> Vec<u8> {
        if rng.gen_ratio(1, 30) {
            return Vec::new();
        }
        match ty {
            T::Int => {
                let edges = [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX];
                let v = if rng.gen_ratio(1, 5) {
                    edges[rng.gen_range(0..edges.len())]
                } else if rng.gen() {
                    rng.gen_range(-300..300)
                } else {
                    rng.gen()
                };
                v.to_be_bytes().to_vec()
            }
            T::Bigint => {
                let v: i64 = match rng.gen_range(0..4) {
                    0 => rng.gen_range(-300..300),
                    1 => [i64::MIN, i64::MAX, 0, -1][rng.gen_range(0..4)],
                    2 => i64::MIN + rng.gen_range(0..(1i64 << 57)),
                    _ => rng.gen(),
                };
                v.to_be_bytes().to_vec()
            }
            T::Varint => {
                let len = if rng.gen_ratio(1, 20) { rng.gen_range(120..140) } else { rng.gen_range(1..12) };
                let mut v: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
                // Sign-extension padding so non-minimal encodings show up.
                if rng.gen_ratio(1, 3) {
                    let pad = if rng.gen() { 0x00 } else { 0xFF };
                    for b in v.iter_mut().take(rng.gen_range(1..=len)) {
                        *b = pad;
                    }
                }
                v
            }
            T::Double => {
                let specials = [
                    0.0f64.to_bits(),
                    (-0.0f64).to_bits(),
                    f64::INFINITY.to_bits(),
                    f64::NEG_INFINITY.to_bits(),
                    F64_CANONICAL_NAN,
                    0xFFF0_0000_0000_0001,
                    1,
                    F64_SIGN | 1,
                ];
                let bits = match rng.gen_range(0..4) {
                    0 => specials[rng.gen_range(0..specials.len())],
                    1 => (rng.gen_range(-100..100) as f64 / 8.0).to_bits(),
                    _ => rng.gen(),
                };
                bits.to_be_bytes().to_vec()
            }
            T::Decimal => {
                let unscaled: i128 = match rng.gen_range(0..3) {
                    0 => rng.gen_range(-30..30),
                    1 => rng.gen_range(-1000..1000) * 10i128.pow(rng.gen_range(0..5)),
                    _ => rng.gen_range(-(1i128 << 40)..(1i128 << 40)),
                };
                let mut v = rng.gen_range(-10i32..=10).to_be_bytes().to_vec();
                let mut u = varint_of(unscaled);
                if rng.gen_ratio(1, 4) {
                    let pad = if unscaled < 0 { 0xFF } else { 0x00 };
                    u.insert(0, pad);
                }
                v.extend(u);
                v
            }
            T::Text => {
                const ALPHABET: [&str; 8] = ["\0", "a", "b", "\u{1}", "é", "z", "\u{7f}", "中"];
                let len = rng.gen_range(0..6);
                (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())]).collect::<String>().into_bytes()
            }
            T::Blob => {
                const BYTES: [u8; 6] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF];
                let len = rng.gen_range(0..6);
                (0..len).map(|_| if rng.gen() { BYTES[rng.gen_range(0..BYTES.len())] } else { rng.gen() }).collect()
            }
            T::List(element) | T::Set(element) => {
                let items: Vec<_> = (0..rng.gen_range(0..4)).map(|_| Some(random_element(element, rng))).collect();
                collection(&items)
            }
            T::Map(key, value) => {
                let entries: Vec<_> =
                    (0..rng.gen_range(0..4)).map(|_| (random_element(key, rng), random_element(value, rng))).collect();
                map_of(&entries)
            }
            T::Tuple(types) => {
                // Usually every component, sometimes fewer (as written before ALTER TYPE ... ADD).
                let n = if rng.gen_ratio(1, 4) { rng.gen_range(1..=types.len()) } else { types.len() };
                let items: Vec<_> = types[..n]
                    .iter()
                    .map(|t| if rng.gen_ratio(1, 4) { None } else { Some(random_element(t, rng)) })
                    .collect();
                tuple(&items)
            }
            _ => unreachable!(),
        }
    }

    /// A random value, from a pool of three half of the time, so that equal elements (and so
    /// comparisons decided further on) are common.
    fn random_element(ty: &ClusteringType, rng: &mut SmallRng) -> Vec<u8> {
        if rng.gen() {
            random_value(ty, &mut SmallRng::seed_from_u64(rng.gen_range(0..3)))
        } else {
            random_value(ty, rng)
        }
    }

    // -----------------------------------------------------------------------------------------
    // Frozen collections, tuples and UDTs.

    fn put_items(items: &[Option<Vec<u8>>], out: &mut Vec<u8>) {
        for item in items {
            match item {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(b) => {
                    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    out.extend_from_slice(b);
                }
            }
        }
    }

    /// A serialized list or set.
    fn collection(items: &[Option<Vec<u8>>]) -> Vec<u8> {
        let mut v = (items.len() as i32).to_be_bytes().to_vec();
        put_items(items, &mut v);
        v
    }

    fn map_of(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut v = (entries.len() as i32).to_be_bytes().to_vec();
        for (key, value) in entries {
            put_items(&[Some(key.clone()), Some(value.clone())], &mut v);
        }
        v
    }

    fn tuple(items: &[Option<Vec<u8>>]) -> Vec<u8> {
        let mut v = Vec::new();
        put_items(items, &mut v);
        v
    }

    /// `[bytes]` items up to the end of `v`.
    fn items_of(mut v: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut out = Vec::new();
        while !v.is_empty() {
            let len = i32::from_be_bytes(v[..4].try_into().unwrap());
            v = &v[4..];
            if len < 0 {
                out.push(None);
            } else {
                out.push(Some(v[..len as usize].to_vec()));
                v = &v[len as usize..];
            }
        }
        out
    }

    /// A collection's count and items.
    fn collection_items(v: &[u8]) -> (i32, Vec<Option<Vec<u8>>>) {
        (i32::from_be_bytes(v[..4].try_into().unwrap()), items_of(&v[4..]))
    }

    /// Elements compared with their type's comparator; null (which CQL never puts in a
    /// collection) first, as in a tuple.
    fn nullable_cmp(ty: &ClusteringType, a: &Option<Vec<u8>>, b: &Option<Vec<u8>>) -> Ordering {
        match (a, b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => reference_cmp(ty, x, y),
        }
    }

    /// `CollectionType.compareListOrSet`: the empty value first, then element by element, then
    /// the smaller size first.
    fn list_or_set_cmp(element: &ClusteringType, a: &[u8], b: &[u8]) -> Ordering {
        if a.is_empty() || b.is_empty() {
            return b.is_empty().cmp(&a.is_empty());
        }
        let ((na, x), (nb, y)) = (collection_items(a), collection_items(b));
        for (p, q) in x.iter().zip(&y) {
            let c = nullable_cmp(element, p, q);
            if c.is_ne() {
                return c;
            }
        }
        na.cmp(&nb)
    }

    /// `MapType.compareMaps`: entry by entry, key then value, then the smaller size first.
    fn map_cmp(key: &ClusteringType, value: &ClusteringType, a: &[u8], b: &[u8]) -> Ordering {
        if a.is_empty() || b.is_empty() {
            return b.is_empty().cmp(&a.is_empty());
        }
        let ((na, x), (nb, y)) = (collection_items(a), collection_items(b));
        for (p, q) in x.chunks(2).zip(y.chunks(2)) {
            let c = nullable_cmp(key, &p[0], &q[0]).then_with(|| nullable_cmp(value, &p[1], &q[1]));
            if c.is_ne() {
                return c;
            }
        }
        na.cmp(&nb)
    }

    /// Cassandra 5.0's `TupleType.compareCustom`.
    fn tuple_cmp(types: &[ClusteringType], a: &[u8], b: &[u8]) -> Ordering {
        if a.is_empty() || b.is_empty() {
            return b.is_empty().cmp(&a.is_empty());
        }
        let (x, y) = (items_of(a), items_of(b));
        let n = x.len().min(y.len()).min(types.len());
        for i in 0..n {
            let c = match (&x[i], &y[i]) {
                (None, None) => continue,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(p), Some(q)) => reference_cmp(&types[i], p, q),
            };
            if c.is_ne() {
                return c;
            }
        }
        let all_null = |rest: &[Option<Vec<u8>>]| rest.iter().all(Option::is_none);
        let (rx, ry) = (&x[n..], &y[n..]);
        if all_null(rx) && all_null(ry) {
            Ordering::Equal
        } else if rx.is_empty() {
            if all_null(ry) {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        } else if all_null(rx) {
            Ordering::Equal
        } else {
            Ordering::Greater
        }
    }

    fn list(t: ClusteringType) -> ClusteringType {
        T::List(Box::new(t))
    }

    fn int(v: i32) -> Option<Vec<u8>> {
        Some(v.to_be_bytes().to_vec())
    }

    fn txt(s: &str) -> Option<Vec<u8>> {
        Some(s.as_bytes().to_vec())
    }

    fn ints(v: &[i32]) -> Vec<u8> {
        collection(&v.iter().map(|&i| int(i)).collect::<Vec<_>>())
    }

    fn texts(v: &[&str]) -> Vec<u8> {
        collection(&v.iter().map(|s| txt(s)).collect::<Vec<_>>())
    }

    /// The structured types of the randomized tests.
    fn structured_types() -> Vec<ClusteringType> {
        vec![
            list(T::Int),
            T::Set(Box::new(T::Text)),
            T::Map(Box::new(T::Int), Box::new(T::Text)),
            T::Tuple(vec![T::Int, T::Text, T::Blob]),
            list(list(T::Int)),
            // A UDT (x int, y text, z frozen<list<varint>>), its fields often null.
            T::Tuple(vec![T::Int, T::Text, list(T::Varint)]),
            T::Map(Box::new(T::Tuple(vec![T::Decimal, T::Double])), Box::new(T::Set(Box::new(T::Blob)))),
            list(T::Tuple(vec![T::Bigint, T::Text])),
        ]
    }

    #[test]
    fn list_and_set_order() {
        let groups = vec![
            vec![vec![]],
            vec![ints(&[])],
            vec![collection(&[None])],
            vec![collection(&[None, int(5)])],
            vec![collection(&[Some(vec![])])],
            vec![ints(&[i32::MIN])],
            vec![ints(&[-1])],
            vec![ints(&[-1, i32::MAX])],
            vec![ints(&[0])],
            vec![ints(&[1])],
            vec![ints(&[1, i32::MIN])],
            vec![ints(&[1, -2])],
            vec![ints(&[1, 2])],
            vec![ints(&[1, 2, 0])],
            vec![ints(&[2])],
            vec![ints(&[256])],
        ];
        check_order(list(T::Int), &groups);
        check_order(T::Set(Box::new(T::Int)), &groups);

        let groups: Vec<Vec<Vec<u8>>> =
            [&[][..], &[""], &["", ""], &["\0"], &["a"], &["a", ""], &["a", "b"], &["a\0"], &["ab"], &["b"], &["é"]]
                .iter()
                .map(|v| vec![texts(v)])
                .collect();
        check_order(list(T::Text), &[vec![vec![]]].into_iter().chain(groups).collect::<Vec<_>>());

        // Elements that Cassandra considers equal make equal lists; decoding gives the
        // canonical elements.
        let decimals = |v: &[Vec<u8>]| collection(&v.iter().cloned().map(Some).collect::<Vec<_>>());
        check_order(
            list(T::Decimal),
            &[
                vec![decimals(&[dec(15, 1)]), decimals(&[dec(150, 2)])],
                vec![decimals(&[dec(15, 1), dec(1, 0)]), decimals(&[dec(1500, 3), dec(10, 1)])],
                vec![decimals(&[dec(2, 0)])],
            ],
        );
        check_order(
            list(list(T::Int)),
            &[
                vec![vec![]],
                vec![collection(&[])],
                vec![collection(&[Some(vec![])])],
                vec![collection(&[Some(ints(&[]))])],
                vec![collection(&[Some(ints(&[])), Some(ints(&[]))])],
                vec![collection(&[Some(ints(&[-1]))])],
                vec![collection(&[Some(ints(&[0]))])],
                vec![collection(&[Some(ints(&[0])), Some(ints(&[1]))])],
                vec![collection(&[Some(ints(&[0, 1]))])],
                vec![collection(&[Some(ints(&[1]))])],
            ],
        );
    }

    #[test]
    fn map_order() {
        let m = |entries: &[(i32, &str)]| {
            map_of(&entries.iter().map(|(k, v)| (k.to_be_bytes().to_vec(), v.as_bytes().to_vec())).collect::<Vec<_>>())
        };
        let groups = vec![
            vec![vec![]],
            vec![m(&[])],
            vec![m(&[(-1, "z")])],
            vec![m(&[(0, "")])],
            vec![m(&[(0, ""), (-7, "")])],
            vec![m(&[(0, "a")])],
            vec![m(&[(0, "a"), (-5, "")])],
            vec![m(&[(0, "a"), (1, "")])],
            vec![m(&[(0, "b")])],
            vec![m(&[(1, "")])],
        ];
        check_order(T::Map(Box::new(T::Int), Box::new(T::Text)), &groups);
    }

    #[test]
    fn tuple_order() {
        // Omitted trailing components are nulls; decoding gives every component back.
        let groups = vec![
            vec![vec![]],
            vec![tuple(&[None, None]), tuple(&[None])],
            vec![tuple(&[None, txt("")])],
            vec![tuple(&[None, txt("a")])],
            vec![tuple(&[Some(vec![]), None]), tuple(&[Some(vec![])])],
            vec![tuple(&[Some(vec![]), txt("")])],
            vec![tuple(&[int(-1), None]), tuple(&[int(-1)])],
            vec![tuple(&[int(-1), txt("")])],
            vec![tuple(&[int(1), None]), tuple(&[int(1)])],
            vec![tuple(&[int(1), txt("")])],
            vec![tuple(&[int(1), txt("a")])],
            vec![tuple(&[int(1), txt("ab")])],
            vec![tuple(&[int(1), txt("b")])],
            vec![tuple(&[int(2), None])],
        ];
        for pair in groups[1..].windows(2) {
            assert_eq!(tuple_cmp(&[T::Int, T::Text], &pair[0][0], &pair[1][0]), Ordering::Less);
        }
        check_order(T::Tuple(vec![T::Int, T::Text]), &groups);
        // A UDT (a int, b frozen<list<int>>, c text) with null fields.
        let udt = T::Tuple(vec![T::Int, list(T::Int), T::Text]);
        let groups = vec![
            vec![tuple(&[None, None, None]), tuple(&[None])],
            vec![tuple(&[None, None, txt("x")])],
            vec![tuple(&[None, Some(ints(&[])), None])],
            vec![tuple(&[None, Some(ints(&[3])), txt("")])],
            vec![tuple(&[int(0), None, None])],
            vec![tuple(&[int(0), None, txt("")])],
            vec![tuple(&[int(0), Some(ints(&[1, 2])), None])],
            vec![tuple(&[int(0), Some(ints(&[2])), None])],
        ];
        check_order(udt, &groups);
    }

    #[test]
    fn structured_encodings() {
        let li = list(T::Int);
        assert_eq!(enc(&li, Order::Asc, &[]), [0x00]);
        assert_eq!(enc(&li, Order::Asc, &ints(&[])), [0x38]);
        assert_eq!(enc(&li, Order::Asc, &ints(&[1, -1])), [0x40, 0x80, 0, 0, 1, 0x40, 0x7F, 0xFF, 0xFF, 0xFF, 0x38]);
        assert_eq!(enc(&li, Order::Desc, &ints(&[1])), [0xBF, 0x7F, 0xFF, 0xFF, 0xFE, 0xC7]);
        assert_eq!(enc(&li, Order::Asc, &collection(&[None])), [0x3E, 0x38]);
        let tt = T::Tuple(vec![T::Int, T::Text]);
        assert_eq!(enc(&tt, Order::Asc, &tuple(&[None, txt("a")])), [0x3E, 0x40, 0x61, 0x00, 0x00, 0x38]);
        assert_eq!(enc(&tt, Order::Asc, &tuple(&[int(i32::MIN), None])), [0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x38]);
        let mt = T::Map(Box::new(T::Boolean), Box::new(T::Blob));
        assert_eq!(
            enc(&mt, Order::Asc, &map_of(&[(vec![1], vec![0])])),
            [0x40, 0x02, 0x40, 0x00, 0xFF, 0x00, 0x00, 0x38]
        );
    }

    #[test]
    fn tuple_keys_survive_added_fields() {
        // ALTER TYPE ... ADD: keys written with the old type decode with the new field null.
        let old = T::Tuple(vec![T::Int, T::Text]);
        let new = T::Tuple(vec![T::Int, T::Text, list(T::Int)]);
        let v = tuple(&[int(1), txt("a")]);
        for order in [Order::Asc, Order::Desc] {
            let e = enc(&old, order, &v);
            assert_eq!(enc(&new, order, &v), e);
            assert_eq!(enc(&new, order, &tuple(&[int(1), txt("a"), None])), e);
            let (d, rest) = decode_component(&new, order, &e).unwrap();
            assert!(rest.is_empty());
            assert_eq!(d, tuple(&[int(1), txt("a"), None]));
            let with_field = enc(&new, order, &tuple(&[int(1), txt("a"), Some(ints(&[]))]));
            assert_eq!(with_field > e, order == Order::Asc);
        }
    }

    #[test]
    fn invalid_structured_values_are_rejected() {
        let li = list(T::Int);
        let cases: Vec<(ClusteringType, Vec<u8>)> = vec![
            (li.clone(), vec![0, 0, 0]),
            (li.clone(), vec![0, 0, 0, 1]),
            (li.clone(), vec![0, 0, 0, 1, 0, 0, 0, 4, 1]),
            (li.clone(), vec![0xFF, 0xFF, 0xFF, 0xFF]),
            (li.clone(), [ints(&[1]), vec![0]].concat()),
            (li.clone(), vec![0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]),
            (li.clone(), collection(&[Some(vec![1, 2, 3])])),
            (list(T::Text), collection(&[Some(vec![0xC3])])),
            (list(list(T::Int)), collection(&[Some(vec![0, 0, 0, 1])])),
            (T::Map(Box::new(T::Int), Box::new(T::Int)), collection(&[int(1)])),
            (T::Tuple(vec![T::Int]), tuple(&[int(1), int(2)])),
            (T::Tuple(vec![T::Int]), tuple(&[None, None])),
            (T::Tuple(vec![T::Int]), vec![0, 0, 0, 4, 0]),
            (T::Tuple(vec![T::Int]), vec![0, 0]),
            (T::Tuple(vec![T::Timeuuid]), tuple(&[Some(uuid_v(4, 0, 0))])),
        ];
        for (ty, v) in cases {
            let mut out = vec![7];
            let err = encode_component(&ty, Order::Asc, &v, &mut out).unwrap_err();
            assert!(matches!(err, ClusteringError::InvalidValue { .. }), "{ty:?} {v:02x?}: {err:?}");
            assert_eq!(out, [7], "nothing appended on error");
        }
        // The largest allowed value works.
        let big = collection(&[Some(vec![0; MAX_KEY_COMPONENT_BYTES - 8])]);
        let e = enc(&list(T::Blob), Order::Desc, &big);
        assert_eq!(decode_component(&list(T::Blob), Order::Desc, &e).unwrap().0, big);
        let mut out = Vec::new();
        let too_big = collection(&[Some(vec![0; MAX_KEY_COMPONENT_BYTES - 7])]);
        assert!(matches!(
            encode_component(&list(T::Blob), Order::Asc, &too_big, &mut out),
            Err(ClusteringError::TooLarge { .. })
        ));
    }

    #[test]
    fn corrupt_structured_encodings() {
        let li = list(T::Int);
        let corrupt = |ty: &ClusteringType, e: &[u8]| {
            let r = decode_component(ty, Order::Asc, e);
            assert!(matches!(r, Err(ClusteringError::Corrupt { .. })), "{ty:?} {e:02x?}: {r:?}");
        };
        assert_eq!(
            decode_component(&li, Order::Asc, &[0x40, 0x80, 0, 0, 1]),
            Err(ClusteringError::Truncated { ty: li.clone() })
        );
        corrupt(&li, &[0x41]);
        corrupt(&li, &[0x40, 0x80, 0, 0, 1, 0x00]);
        corrupt(&T::Tuple(vec![T::Int]), &[0x3E, 0x38]);
        corrupt(&T::Tuple(vec![T::Int]), &[0x40, 0x80, 0, 0, 1, 0x40, 0x80, 0, 0, 1, 0x38]);
        corrupt(&T::Tuple(vec![]), &[0x38]);
        corrupt(&T::Map(Box::new(T::Int), Box::new(T::Int)), &[0x40, 0x80, 0, 0, 1, 0x38]);
    }

    #[test]
    fn random_structured_values_match_reference() {
        let mut rng = SmallRng::seed_from_u64(0x5EED_0006);
        for ty in structured_types() {
            for _ in 0..1500 {
                let a = random_value(&ty, &mut rng);
                let b = random_value(&ty, &mut rng);
                let expected = reference_cmp(&ty, &a, &b);
                for order in [Order::Asc, Order::Desc] {
                    let (ea, eb) = (enc(&ty, order, &a), enc(&ty, order, &b));
                    let want = if order == Order::Asc { expected } else { expected.reverse() };
                    assert_eq!(ea.cmp(&eb), want, "{ty:?} {order:?} {a:02x?} vs {b:02x?}");
                    if ea != eb {
                        assert!(!eb.starts_with(&ea) && !ea.starts_with(&eb), "{ty:?}: not prefix-free");
                    }
                    let (da, rest) = decode_component(&ty, order, &ea).unwrap();
                    assert!(rest.is_empty());
                    assert_eq!(reference_cmp(&ty, &da, &a), Ordering::Equal, "{ty:?} {a:02x?} decoded to {da:02x?}");
                    assert_eq!(enc(&ty, order, &da), ea, "decode is canonical");
                }
            }
        }
    }

    #[test]
    fn random_single_components_match_reference() {
        let mut rng = SmallRng::seed_from_u64(0x5EED_0001);
        for ty in [T::Int, T::Bigint, T::Varint, T::Double, T::Decimal, T::Text, T::Blob] {
            for _ in 0..3000 {
                let a = random_value(&ty, &mut rng);
                let b = random_value(&ty, &mut rng);
                let expected = reference_cmp(&ty, &a, &b);
                for order in [Order::Asc, Order::Desc] {
                    let (ea, eb) = (enc(&ty, order, &a), enc(&ty, order, &b));
                    let want = if order == Order::Asc { expected } else { expected.reverse() };
                    assert_eq!(ea.cmp(&eb), want, "{ty:?} {order:?} {a:02x?} vs {b:02x?}");
                    let (da, rest) = decode_component(&ty, order, &ea).unwrap();
                    assert!(rest.is_empty());
                    assert_eq!(reference_cmp(&ty, &da, &a), Ordering::Equal);
                    assert_eq!(enc(&ty, order, &da), ea, "decode is canonical");
                }
            }
        }
    }

    fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
        v.iter().map(|x| x.as_slice()).collect()
    }

    #[test]
    fn random_composite_keys_match_reference() {
        let mut rng = SmallRng::seed_from_u64(0x5EED_0002);
        let mut pool = vec![T::Int, T::Bigint, T::Varint, T::Double, T::Decimal, T::Text, T::Blob];
        pool.extend(structured_types());
        for _ in 0..200 {
            let columns = rng.gen_range(1..=4);
            let types: Vec<(ClusteringType, Order)> = (0..columns)
                .map(|_| {
                    let ty = pool[rng.gen_range(0..pool.len())].clone();
                    (ty, if rng.gen() { Order::Asc } else { Order::Desc })
                })
                .collect();
            for _ in 0..30 {
                // Small value sets per column so that equal leading components are common.
                let make = |rng: &mut SmallRng| -> Vec<Vec<u8>> {
                    types
                        .iter()
                        .map(|(ty, _)| {
                            let mut small = SmallRng::seed_from_u64(rng.gen_range(0..4));
                            if rng.gen() {
                                random_value(ty, &mut small)
                            } else {
                                random_value(ty, rng)
                            }
                        })
                        .collect()
                };
                let a = make(&mut rng);
                let b = make(&mut rng);
                let expected = types
                    .iter()
                    .zip(a.iter().zip(&b))
                    .map(|((ty, order), (x, y))| {
                        let c = reference_cmp(ty, x, y);
                        if *order == Order::Desc {
                            c.reverse()
                        } else {
                            c
                        }
                    })
                    .find(|c| c.is_ne())
                    .unwrap_or(Ordering::Equal);
                let ka = encode_key(&types, &refs(&a)).unwrap();
                let kb = encode_key(&types, &refs(&b)).unwrap();
                assert_eq!(ka.cmp(&kb), expected, "{types:?}\n{a:02x?}\n{b:02x?}");
                let da = decode_key(&types, &ka).unwrap();
                assert_eq!(encode_key(&types, &refs(&da)).unwrap(), ka);
            }
        }
    }

    /// Decoding arbitrary bytes never panics, and whatever decodes re-encodes to exactly the
    /// bytes consumed (one encoding per value).
    fn check_decode_bijective(ty: &ClusteringType, order: Order, input: &[u8]) {
        if let Ok((value, rest)) = decode_component(ty, order, input) {
            let consumed = &input[..input.len() - rest.len()];
            assert_eq!(enc(ty, order, &value), consumed, "{ty:?} {order:?} {input:02x?} decoded to {value:02x?}");
        }
    }

    #[test]
    fn decoding_random_bytes_never_panics() {
        let mut rng = SmallRng::seed_from_u64(0x5EED_0003);
        const INTERESTING: [u8; 13] = [0x00, 0x01, 0x02, 0x03, 0x7F, 0x80, 0x81, 0xFE, 0xFF, 0x11, 0x38, 0x3E, 0x40];
        let mut all_types = ALL_TYPES.to_vec();
        all_types.extend(structured_types());
        for _ in 0..4000 {
            let len = rng.gen_range(0..40);
            let input: Vec<u8> = (0..len)
                .map(|_| if rng.gen() { INTERESTING[rng.gen_range(0..INTERESTING.len())] } else { rng.gen() })
                .collect();
            for ty in &all_types {
                for order in [Order::Asc, Order::Desc] {
                    check_decode_bijective(ty, order, &input);
                }
            }
            let types: Vec<(ClusteringType, Order)> = (0..rng.gen_range(0..4))
                .map(|_| (all_types[rng.gen_range(0..all_types.len())].clone(), Order::Asc))
                .collect();
            let _ = decode_key(&types, &input);
        }
    }

    #[test]
    fn decoding_mutated_encodings_never_panics() {
        let mut rng = SmallRng::seed_from_u64(0x5EED_0004);
        let samples: Vec<(ClusteringType, Vec<u8>)> = vec![
            (T::Decimal, dec(-12345, 3)),
            (T::Decimal, dec(1, -1000)),
            (T::Decimal, dec(10, i32::MIN)),
            (T::Varint, long_varint(130, true, 0x12)),
            (T::Varint, varint_of(-1234567)),
            (T::Uuid, time_uuid(12345, 99)),
            (T::Uuid, uuid_v(4, 0x1234, 0x5678)),
            (T::Timeuuid, time_uuid(0, 0)),
            (T::Inet, vec![0, 1, 2, 3]),
            (T::Inet, vec![0; 16]),
            (T::Double, F64_CANONICAL_NAN.to_be_bytes().to_vec()),
            (T::Float, 1.5f32.to_bits().to_be_bytes().to_vec()),
            (T::Text, b"a\0b\0\0".to_vec()),
            (T::Int, i32::MIN.to_be_bytes().to_vec()),
            (T::Boolean, vec![1]),
            (list(T::Int), ints(&[1, -1, 0])),
            (T::Set(Box::new(T::Text)), texts(&["", "a\0", "b"])),
            (T::Map(Box::new(T::Int), Box::new(T::Text)), map_of(&[(vec![0, 0, 0, 1], b"x".to_vec())])),
            (T::Tuple(vec![T::Int, T::Text, T::Blob]), tuple(&[None, txt("a"), Some(vec![0])])),
            (list(list(T::Int)), collection(&[Some(ints(&[])), Some(ints(&[7]))])),
            (T::Tuple(vec![T::Decimal, list(T::Varint)]), tuple(&[Some(dec(-15, 1)), Some(collection(&[]))])),
        ];
        for _ in 0..3000 {
            let (ty, v) = &samples[rng.gen_range(0..samples.len())];
            let order = if rng.gen() { Order::Asc } else { Order::Desc };
            let mut e = enc(ty, order, v);
            match rng.gen_range(0..3) {
                0 if !e.is_empty() => {
                    let i = rng.gen_range(0..e.len());
                    e[i] = rng.gen();
                }
                1 => e.truncate(rng.gen_range(0..=e.len())),
                _ => {
                    let i = rng.gen_range(0..=e.len());
                    e.insert(i, rng.gen());
                }
            }
            check_decode_bijective(ty, order, &e);
        }
    }

    #[test]
    fn bigint_digit_conversions() {
        let mut rng = SmallRng::seed_from_u64(0x5EED_0005);
        for _ in 0..500 {
            let len = rng.gen_range(1..60);
            let mut digits: Vec<u8> = (0..len).map(|_| rng.gen_range(0..10)).collect();
            digits[0] = rng.gen_range(1..10);
            assert_eq!(limbs_to_digits(digits_to_limbs(&digits)), digits);
        }
        for v in [1i128, 9, 10, 999_999_999, 1_000_000_000, i128::MAX, u64::MAX as i128] {
            let digits: Vec<u8> = v.to_string().bytes().map(|b| b - b'0').collect();
            assert_eq!(limbs_to_digits(be_to_limbs(&v.to_be_bytes())), digits);
            assert_eq!(limbs_to_twos_complement(&digits_to_limbs(&digits), false), varint_of(v));
            assert_eq!(limbs_to_twos_complement(&digits_to_limbs(&digits), true), varint_of(-v));
        }
    }
}
