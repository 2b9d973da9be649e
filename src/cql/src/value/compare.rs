//! Cassandra's ordering of values (`AbstractType.compare`), for set elements, map keys,
//! clustering and `ORDER BY`.
//!
//! Per type: numbers numerically (`float`/`double` as Java's `Float.compare`: `-0.0 < 0.0`,
//! NaN above everything); `varint`/`decimal` numerically (`1.0 == 1.00`); text, ascii, blob and
//! inet by unsigned bytes; `date` and `time` as unsigned integers (Cassandra compares their
//! bytes); `uuid` by version, then (version 1) timestamp, then the remaining bits unsigned;
//! `timeuuid` by timestamp, then the last 8 bytes as signed bytes; `duration` by its bytes.
//! Frozen lists and sets element by element then by size, maps entry by entry (key, then
//! value), tuples and UDT values component by component with null first. The empty value sorts
//! before every other value of its type; `Null` before everything.
//!
//! This is the order `sibyl_common::clustering` encodes, frozen collections, tuples and UDTs
//! included (there a tuple's omitted trailing components are nulls, as here).

use std::cmp::Ordering;

use num_bigint::{BigInt, Sign};
use num_traits::Signed;

use super::timeuuid::halves;
use super::CqlValue;
use crate::types::CqlType;

/// Compares two values of type `ty` in Cassandra's order. Values carry their type, so `ty`
/// only selects the element types of collections; values of different kinds (which a well-typed
/// caller never compares) are ordered by kind.
pub fn compare(ty: &CqlType, a: &CqlValue, b: &CqlValue) -> Ordering {
    use CqlValue as V;
    match (a, b) {
        (V::Null, V::Null) | (V::Empty, V::Empty) => Ordering::Equal,
        (V::Null, _) => Ordering::Less,
        (_, V::Null) => Ordering::Greater,
        (V::Empty, _) => Ordering::Less,
        (_, V::Empty) => Ordering::Greater,
        (V::Ascii(x), V::Ascii(y)) | (V::Text(x), V::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::Blob(x), V::Blob(y)) => x.cmp(y),
        (V::Boolean(x), V::Boolean(y)) => x.cmp(y),
        (V::Tinyint(x), V::Tinyint(y)) => x.cmp(y),
        (V::Smallint(x), V::Smallint(y)) => x.cmp(y),
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Bigint(x), V::Bigint(y)) | (V::Counter(x), V::Counter(y)) => x.cmp(y),
        (V::Timestamp(x), V::Timestamp(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        (V::Time(x), V::Time(y)) => (*x as u64).cmp(&(*y as u64)),
        (V::Float(x), V::Float(y)) => java_float_order(f64::from(*x), f64::from(*y)),
        (V::Double(x), V::Double(y)) => java_float_order(*x, *y),
        (V::Varint(x), V::Varint(y)) => x.cmp(y),
        (V::Decimal { unscaled: ux, scale: sx }, V::Decimal { unscaled: uy, scale: sy }) => {
            compare_decimals(ux, *sx, uy, *sy)
        }
        (V::Uuid(x), V::Uuid(y)) => uuid_key(x).cmp(&uuid_key(y)),
        (V::Timeuuid(x), V::Timeuuid(y)) => timeuuid_key(x).cmp(&timeuuid_key(y)),
        (V::Inet(x), V::Inet(y)) => inet_bytes(x).cmp(&inet_bytes(y)),
        (V::Duration { .. }, V::Duration { .. }) => {
            let x = a.serialize(&CqlType::Duration).unwrap_or_default();
            let y = b.serialize(&CqlType::Duration).unwrap_or_default();
            x.cmp(&y)
        }
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => {
            let element = match ty {
                CqlType::List { element, .. } | CqlType::Set { element, .. } => element,
                other => other,
            };
            compare_sequences(element, x, y)
        }
        (V::Map(x), V::Map(y)) => {
            let (kt, vt) = match ty {
                CqlType::Map { key, value, .. } => (&**key, &**value),
                other => (other, other),
            };
            for ((kx, vx), (ky, vy)) in x.iter().zip(y) {
                let c = compare(kt, kx, ky).then_with(|| compare(vt, vx, vy));
                if c.is_ne() {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (V::Tuple(x), V::Tuple(y)) => {
            let types: Vec<&CqlType> = match ty {
                CqlType::Tuple(types) => types.iter().collect(),
                _ => Vec::new(),
            };
            compare_components(&types, x.iter(), y.iter(), x.len().max(y.len()))
        }
        (V::Udt(x), V::Udt(y)) => {
            let types: Vec<&CqlType> = match ty {
                CqlType::Udt { fields, .. } => fields.iter().map(|(_, t)| t).collect(),
                _ => Vec::new(),
            };
            let n = x.len().max(y.len());
            compare_components(&types, x.iter().map(|(_, v)| v), y.iter().map(|(_, v)| v), n)
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn compare_sequences(element: &CqlType, x: &[CqlValue], y: &[CqlValue]) -> Ordering {
    for (a, b) in x.iter().zip(y) {
        let c = compare(element, a, b);
        if c.is_ne() {
            return c;
        }
    }
    x.len().cmp(&y.len())
}

/// Component-wise, a missing trailing component being null, null first.
fn compare_components<'a>(
    types: &[&CqlType],
    mut x: impl Iterator<Item = &'a Option<CqlValue>>,
    mut y: impl Iterator<Item = &'a Option<CqlValue>>,
    n: usize,
) -> Ordering {
    for i in 0..n {
        let a = x.next().and_then(Option::as_ref);
        let b = y.next().and_then(Option::as_ref);
        let ty = types.get(i).copied().unwrap_or(&CqlType::Blob);
        let c = match (a, b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => compare(ty, a, b),
        };
        if c.is_ne() {
            return c;
        }
    }
    Ordering::Equal
}

/// Java's `Double.compare`: `-0.0 < 0.0`, every NaN equal and above everything.
pub(crate) fn java_float_order(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.total_cmp(&y),
    }
}

fn inet_bytes(ip: &std::net::IpAddr) -> Vec<u8> {
    match ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// `[time_hi_and_version][time_mid][time_low]`: a version-1 timestamp as an integer.
fn reorder_timestamp(msb: u64) -> u64 {
    (msb << 48) | ((msb << 16) & 0xFFFF_0000_0000) | (msb >> 32)
}

fn uuid_key(u: &[u8; 16]) -> (u64, u64) {
    let (msb, lsb) = halves(u);
    let version = (msb >> 12) & 0xF;
    let hi = if version == 1 {
        reorder_timestamp(msb)
    } else {
        (version << 60) | ((msb >> 4) & 0x0FFF_FFFF_FFFF_F000) | (msb & 0xFFF)
    };
    (hi, lsb)
}

fn timeuuid_key(u: &[u8; 16]) -> (u64, u64) {
    let (msb, lsb) = halves(u);
    (reorder_timestamp(msb), lsb ^ 0x8080_8080_8080_8080)
}

/// Number of decimal digits of `|v|` (1 for zero).
pub(crate) fn decimal_digits(v: &BigInt) -> u64 {
    let bits = v.bits();
    if bits <= 64 {
        let m = v.magnitude().iter_u64_digits().next().unwrap_or(0);
        return if m == 0 { 1 } else { u64::from(m.ilog10()) + 1 };
    }
    // 10^k <= |v| < 10^(k+1) for some k near (bits - 1) * log10(2); correct the estimate.
    let mag = v.abs();
    let mut k = ((bits - 1) as f64 * std::f64::consts::LOG10_2) as u64;
    let ten = BigInt::from(10u32);
    let pow = |k: u64| -> BigInt { num_traits::pow(ten.clone(), usize::try_from(k).unwrap_or(usize::MAX)) };
    while k > 0 && pow(k) > mag {
        k -= 1;
    }
    while pow(k + 1) <= mag {
        k += 1;
    }
    k + 1
}

/// `BigDecimal.compareTo`: numeric, whatever the scales.
pub(crate) fn compare_decimals(ux: &BigInt, sx: i32, uy: &BigInt, sy: i32) -> Ordering {
    let sign = |v: &BigInt| match v.sign() {
        Sign::Minus => -1,
        Sign::NoSign => 0,
        Sign::Plus => 1,
    };
    let (gx, gy) = (sign(ux), sign(uy));
    if gx != gy || gx == 0 {
        return gx.cmp(&gy);
    }
    // Same non-zero sign: compare magnitudes by adjusted exponent, then digits.
    let adjusted = |u: &BigInt, s: i32| decimal_digits(u) as i64 - 1 - i64::from(s);
    let (ex, ey) = (adjusted(ux, sx), adjusted(uy, sy));
    let magnitude = if ex != ey {
        ex.cmp(&ey)
    } else {
        // Equal adjusted exponents: the scale difference is bounded by the digit counts.
        let diff = i64::from(sx) - i64::from(sy);
        let shift = |v: &BigInt, by: i64| -> BigInt {
            let by = usize::try_from(by).unwrap_or(0);
            v.abs() * num_traits::pow(BigInt::from(10u32), by)
        };
        if diff >= 0 {
            ux.abs().cmp(&shift(uy, diff))
        } else {
            shift(ux, -diff).cmp(&uy.abs())
        }
    };
    if gx < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// An order among kinds, for values of different kinds.
fn rank(v: &CqlValue) -> u8 {
    use CqlValue as V;
    match v {
        V::Null => 0,
        V::Empty => 1,
        V::Ascii(_) => 2,
        V::Bigint(_) => 3,
        V::Blob(_) => 4,
        V::Boolean(_) => 5,
        V::Counter(_) => 6,
        V::Date(_) => 7,
        V::Decimal { .. } => 8,
        V::Double(_) => 9,
        V::Duration { .. } => 10,
        V::Float(_) => 11,
        V::Inet(_) => 12,
        V::Int(_) => 13,
        V::Smallint(_) => 14,
        V::Text(_) => 15,
        V::Time(_) => 16,
        V::Timestamp(_) => 17,
        V::Timeuuid(_) => 18,
        V::Tinyint(_) => 19,
        V::Uuid(_) => 20,
        V::Varint(_) => 21,
        V::List(_) => 22,
        V::Set(_) => 23,
        V::Map(_) => 24,
        V::Tuple(_) => 25,
        V::Udt(_) => 26,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(u: &str, s: i32) -> CqlValue {
        CqlValue::Decimal { unscaled: BigInt::from_str(u).unwrap_or_default(), scale: s }
    }

    #[test]
    fn decimals_compare_numerically() {
        let t = CqlType::Decimal;
        assert_eq!(compare(&t, &dec("15", 1), &dec("150", 2)), Ordering::Equal);
        assert_eq!(compare(&t, &dec("1", -3), &dec("999", 0)), Ordering::Greater);
        assert_eq!(compare(&t, &dec("-1", -3), &dec("-999", 0)), Ordering::Less);
        assert_eq!(compare(&t, &dec("0", 5), &dec("0", -5)), Ordering::Equal);
        assert_eq!(compare(&t, &dec("1", i32::MAX), &dec("1", i32::MIN)), Ordering::Less);
        assert_eq!(compare(&t, &dec("-1", 0), &dec("0", 0)), Ordering::Less);
        let big = "1".repeat(200);
        assert_eq!(compare(&t, &dec(&big, 199), &dec("1111", 3)), Ordering::Greater);
        assert_eq!(compare(&t, &dec(&big, 199), &dec("11112", 4)), Ordering::Less);
        assert_eq!(compare(&t, &dec(&format!("{big}0"), 200), &dec(&big, 199)), Ordering::Equal);
    }

    #[test]
    fn digit_counts() {
        for (v, d) in [("0", 1), ("9", 1), ("10", 2), ("-99999", 5), ("18446744073709551615", 20)] {
            assert_eq!(decimal_digits(&BigInt::from_str(v).unwrap_or_default()), d, "{v}");
        }
        let n = BigInt::from(10u32).pow(100);
        assert_eq!(decimal_digits(&n), 101);
        assert_eq!(decimal_digits(&(n - 1u32)), 100);
    }

    #[test]
    fn floats_follow_java() {
        let t = CqlType::Double;
        let d = CqlValue::Double;
        assert_eq!(compare(&t, &d(-0.0), &d(0.0)), Ordering::Less);
        assert_eq!(compare(&t, &d(f64::NAN), &d(f64::INFINITY)), Ordering::Greater);
        assert_eq!(compare(&t, &d(f64::NAN), &d(-f64::NAN)), Ordering::Equal);
        assert_eq!(compare(&t, &CqlValue::Empty, &d(f64::NEG_INFINITY)), Ordering::Less);
    }

    #[test]
    fn uuids_and_timeuuids() {
        use super::super::timeuuid::{max_timeuuid, min_timeuuid};
        let t = CqlType::Timeuuid;
        let (a, b) = (min_timeuuid(1000), max_timeuuid(1000));
        assert_eq!(compare(&t, &CqlValue::Timeuuid(a), &CqlValue::Timeuuid(b)), Ordering::Less);
        let c = min_timeuuid(1001);
        assert_eq!(compare(&t, &CqlValue::Timeuuid(b), &CqlValue::Timeuuid(c)), Ordering::Less);
        // A uuid orders by version first.
        let mut v4 = [0u8; 16];
        v4[6] = 0x40;
        assert_eq!(compare(&CqlType::Uuid, &CqlValue::Uuid(a), &CqlValue::Uuid(v4)), Ordering::Less);
    }

    #[test]
    fn collections_and_tuples() {
        let lt = CqlType::List { element: Box::new(CqlType::Int), frozen: true };
        let l = |v: &[i32]| CqlValue::List(v.iter().map(|i| CqlValue::Int(*i)).collect());
        assert_eq!(compare(&lt, &l(&[1, 2]), &l(&[1, 3])), Ordering::Less);
        assert_eq!(compare(&lt, &l(&[1, 2]), &l(&[1])), Ordering::Greater);
        assert_eq!(compare(&lt, &l(&[2]), &l(&[1, 5])), Ordering::Greater);
        let tt = CqlType::Tuple(vec![CqlType::Int, CqlType::Text]);
        let t1 = CqlValue::Tuple(vec![Some(CqlValue::Int(1)), None]);
        let t2 = CqlValue::Tuple(vec![Some(CqlValue::Int(1)), Some(CqlValue::Text("a".into()))]);
        let t3 = CqlValue::Tuple(vec![Some(CqlValue::Int(1))]);
        assert_eq!(compare(&tt, &t1, &t2), Ordering::Less);
        assert_eq!(compare(&tt, &t1, &t3), Ordering::Equal);
        assert_eq!(compare(&CqlType::Time, &CqlValue::Time(-1), &CqlValue::Time(5)), Ordering::Greater);
    }
}
