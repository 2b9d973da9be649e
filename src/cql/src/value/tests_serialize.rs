//! Tests of the native protocol serialization: round trips, exact bytes, rejections, and that
//! arbitrary input never panics.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use num_bigint::BigInt;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::timeuuid::{min_timeuuid, parse_uuid};
use super::*;

fn list(t: CqlType) -> CqlType {
    CqlType::List { element: Box::new(t), frozen: true }
}
fn set(t: CqlType) -> CqlType {
    CqlType::Set { element: Box::new(t), frozen: false }
}
fn map(k: CqlType, v: CqlType) -> CqlType {
    CqlType::Map { key: Box::new(k), value: Box::new(v), frozen: false }
}
fn udt() -> CqlType {
    CqlType::Udt {
        keyspace: "ks".into(),
        name: "u".into(),
        fields: vec![("a".into(), CqlType::Int), ("b".into(), CqlType::Text)],
        frozen: true,
    }
}
fn big(s: &str) -> BigInt {
    BigInt::from_str(s).unwrap()
}
fn text(s: &str) -> CqlValue {
    CqlValue::Text(s.to_string())
}

fn samples() -> Vec<(CqlType, CqlValue)> {
    use CqlType as T;
    use CqlValue as V;
    let u4 = parse_uuid("123e4567-e89b-42d3-a456-426614174000").unwrap();
    vec![
        (T::Ascii, V::Ascii("hello".into())),
        (T::Ascii, V::Ascii(String::new())),
        (T::Bigint, V::Bigint(i64::MIN)),
        (T::Blob, V::Blob(vec![0, 1, 0xFF])),
        (T::Blob, V::Blob(vec![])),
        (T::Boolean, V::Boolean(true)),
        (T::Boolean, V::Boolean(false)),
        (T::Counter, V::Counter(-5)),
        (T::Date, V::Date(DATE_EPOCH + 15_008)),
        (T::Decimal, V::Decimal { unscaled: big("-12345678901234567890123"), scale: 7 }),
        (T::Decimal, V::Decimal { unscaled: big("0"), scale: -3 }),
        (T::Double, V::Double(-1.5e300)),
        (T::Duration, V::Duration { months: 14, days: 3, nanos: 3_600_000_000_000 }),
        (T::Duration, V::Duration { months: -1, days: 0, nanos: i64::MIN }),
        (T::Duration, V::Duration { months: i32::MAX, days: i32::MAX, nanos: i64::MAX }),
        (T::Float, V::Float(3.25)),
        (T::Inet, V::Inet(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))),
        (T::Inet, V::Inet(IpAddr::V6(Ipv6Addr::from_str("2001:db8::1").unwrap()))),
        (T::Int, V::Int(-42)),
        (T::Smallint, V::Smallint(i16::MAX)),
        (T::Text, text("héllo ✓")),
        (T::Time, V::Time(NANOS_PER_DAY - 1)),
        (T::Timestamp, V::Timestamp(1_296_705_900_000)),
        (T::Timeuuid, V::Timeuuid(min_timeuuid(1_296_705_900_000))),
        (T::Tinyint, V::Tinyint(-128)),
        (T::Uuid, V::Uuid(u4)),
        (T::Varint, V::Varint(big("-170141183460469231731687303715884105729"))),
        (T::Varint, V::Varint(big("0"))),
        (T::Int, V::Empty),
        (T::Uuid, V::Empty),
        (list(T::Int), V::List(vec![V::Int(3), V::Int(1), V::Int(3)])),
        (list(T::Int), V::List(vec![])),
        (set(T::Text), V::Set(vec![text("a"), text("b")])),
        (map(T::Text, list(T::Int)), V::Map(vec![(text("a"), V::List(vec![V::Int(1)])), (text("b"), V::List(vec![]))])),
        (
            map(T::Int, set(T::Timeuuid)),
            V::Map(vec![(V::Int(-1), V::Set(vec![V::Timeuuid(min_timeuuid(0)), V::Timeuuid(min_timeuuid(1))]))]),
        ),
        (T::Tuple(vec![T::Int, T::Text]), V::Tuple(vec![Some(V::Int(1)), None])),
        (
            T::Tuple(vec![T::Int, T::Tuple(vec![T::Boolean, list(T::Text)])]),
            V::Tuple(vec![None, Some(V::Tuple(vec![Some(V::Boolean(false)), Some(V::List(vec![text("x")]))]))]),
        ),
        (udt(), V::Udt(vec![("a".into(), Some(V::Int(7))), ("b".into(), Some(text("x")))])),
        (list(udt()), V::List(vec![V::Udt(vec![("a".into(), None), ("b".into(), None)])])),
    ]
}

#[test]
fn round_trips() {
    for (ty, v) in samples() {
        let bytes = v.serialize(&ty).unwrap();
        let back = CqlValue::deserialize(&ty, &bytes).unwrap();
        assert_eq!(back, v, "{ty}");
        assert_eq!(back.serialize(&ty).unwrap(), bytes, "{ty}");
    }
}

#[test]
fn exact_bytes() {
    use CqlValue as V;
    assert_eq!(V::Int(1).serialize(&CqlType::Int).unwrap(), [0, 0, 0, 1]);
    assert_eq!(V::Boolean(true).serialize(&CqlType::Boolean).unwrap(), [1]);
    assert_eq!(V::Varint(big("128")).serialize(&CqlType::Varint).unwrap(), [0, 0x80]);
    assert_eq!(V::Varint(big("-129")).serialize(&CqlType::Varint).unwrap(), [0xFF, 0x7F]);
    assert_eq!(V::Varint(big("0")).serialize(&CqlType::Varint).unwrap(), [0]);
    assert_eq!(V::Decimal { unscaled: big("15"), scale: 1 }.serialize(&CqlType::Decimal).unwrap(), [0, 0, 0, 1, 15]);
    assert_eq!(V::Date(DATE_EPOCH).serialize(&CqlType::Date).unwrap(), [0x80, 0, 0, 0]);
    let d = |months, days, nanos| V::Duration { months, days, nanos }.serialize(&CqlType::Duration).unwrap();
    assert_eq!(d(1, 2, 3), [2, 4, 6]);
    assert_eq!(d(-1, 0, -65), [1, 0, 0x80, 0x81]);
    assert_eq!(d(0, 0, 3_600_000_000_000_000), [0, 0, 0xFE, 0x19, 0x94, 0x5C, 0xA2, 0x62, 0, 0]);
    assert_eq!(d(0, 0, i64::MIN), [0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(d(0, 0, 1 << 62), [0, 0, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    let l = V::List(vec![V::Int(1), V::Null]).serialize(&list(CqlType::Int)).unwrap();
    assert_eq!(l, [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]);
    let t = V::Tuple(vec![None, Some(V::Boolean(true))]);
    let t = t.serialize(&CqlType::Tuple(vec![CqlType::Int, CqlType::Boolean])).unwrap();
    assert_eq!(t, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 1]);
    let mut out = Vec::new();
    V::Null.write_bytes(&CqlType::Int, &mut out).unwrap();
    V::Int(2).write_bytes(&CqlType::Int, &mut out).unwrap();
    assert_eq!(out, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4, 0, 0, 0, 2]);
}

#[test]
fn sets_and_maps_are_sorted_and_deduplicated() {
    use CqlValue as V;
    let ty = set(CqlType::Int);
    let bytes =
        [&[0u8, 0, 0, 3][..], &[0, 0, 0, 4, 0, 0, 0, 9], &[0, 0, 0, 4, 0, 0, 0, 2], &[0, 0, 0, 4, 0, 0, 0, 9]].concat();
    assert_eq!(CqlValue::deserialize(&ty, &bytes).unwrap(), V::Set(vec![V::Int(2), V::Int(9)]));
    // An unsorted value is written sorted.
    let unsorted = V::Set(vec![V::Int(9), V::Int(2)]);
    assert_eq!(unsorted.serialize(&ty).unwrap(), V::Set(vec![V::Int(2), V::Int(9)]).serialize(&ty).unwrap());
    let mty = map(CqlType::Text, CqlType::Int);
    let m = CqlValue::map(&CqlType::Text, vec![(text("b"), V::Int(1)), (text("a"), V::Int(2)), (text("b"), V::Int(3))]);
    assert_eq!(m, V::Map(vec![(text("a"), V::Int(2)), (text("b"), V::Int(3))]));
    assert_eq!(CqlValue::deserialize(&mty, &m.serialize(&mty).unwrap()).unwrap(), m);
}

fn err(ty: &CqlType, bytes: &[u8]) -> String {
    CqlValue::deserialize(ty, bytes).unwrap_err().to_string()
}

#[test]
fn rejections_with_cassandra_messages() {
    use CqlType as T;
    assert_eq!(err(&T::Int, &[0, 0, 1]), "Expected 4 or 0 byte int (3)");
    assert_eq!(err(&T::Bigint, &[0; 4]), "Expected 8 or 0 byte long (4)");
    assert_eq!(err(&T::Counter, &[0; 9]), "Expected 8 or 0 byte long (9)");
    assert_eq!(err(&T::Smallint, &[]), "Expected 2 bytes for a smallint (0)");
    assert_eq!(err(&T::Tinyint, &[0, 0, 0, 1]), "Expected 1 byte for a tinyint (4)");
    assert_eq!(err(&T::Float, &[0; 8]), "Expected 4 or 0 byte value for a float (8)");
    assert_eq!(err(&T::Double, &[0; 4]), "Expected 8 or 0 byte value for a double (4)");
    assert_eq!(err(&T::Boolean, &[0, 1]), "Expected 1 or 0 byte value (2)");
    assert_eq!(err(&T::Timestamp, &[0; 4]), "Expected 8 or 0 byte long for date (4)");
    assert_eq!(err(&T::Date, &[]), "Expected 4 byte long for date (0)");
    assert_eq!(err(&T::Time, &[0; 4]), "Expected 8 byte long for time (4)");
    assert_eq!(err(&T::Uuid, &[0; 15]), "UUID should be 16 or 0 bytes (15)");
    assert_eq!(err(&T::Timeuuid, &[0; 16]), "Invalid version for TimeUUID type.");
    assert_eq!(err(&T::Inet, &[1, 2, 3]), "Expected 4 or 16 byte inetaddress; got 0x010203");
    assert_eq!(err(&T::Ascii, b"ab\xC3\xA9"), "Invalid byte for ascii: -61");
    assert_eq!(err(&T::Text, b"ab\xC3"), "String didn't validate.");
    assert_eq!(err(&T::Text, b"\xED\xA0\x80"), "String didn't validate.");
    assert_eq!(err(&T::Decimal, &[0, 0]), "Expected 0 or at least 5 bytes for a decimal (2)");
    assert_eq!(err(&T::Duration, &[0, 0]), "Expected at least 3 bytes for a duration (2)");
    assert_eq!(
        err(&T::Duration, &[2, 1, 0]),
        "The duration months, days and nanoseconds must be all of the same sign (1, -1, 0)"
    );
    let mut huge_months = vec![0xF8, 0x01, 0, 0, 0, 0];
    huge_months.extend([0, 0]);
    assert_eq!(err(&T::Duration, &huge_months), "The duration months must be a 32 bits integer but was: 2147483648");
    assert_eq!(err(&T::Duration, &[0, 0, 0, 0]), "Unexpected extraneous bytes after duration value");
    assert_eq!(err(&T::Duration, &[0, 0, 0xFF, 0]), "Not enough bytes to read a duration");

    let l = list(T::Int);
    assert_eq!(err(&l, &[]), "Not enough bytes to read a list");
    assert_eq!(err(&l, &[0, 0, 0, 1, 0, 0, 0, 4, 0]), "Not enough bytes to read a list");
    assert_eq!(err(&l, &[0xFF, 0xFF, 0xFF, 0xFE]), "The data cannot be deserialized as a list");
    assert_eq!(err(&l, &[0, 0, 0, 0, 7]), "Unexpected extraneous bytes after list value");
    assert_eq!(err(&l, &[0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1]), "Expected 4 or 0 byte int (3)");
    // A count far beyond the input is an error, not an allocation.
    assert_eq!(err(&l, &[0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]), "Not enough bytes to read a list");
    let s = set(T::Int);
    assert_eq!(err(&s, &[0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]), "null is not supported inside collections");
    assert_eq!(err(&s, &[0, 0, 0, 1]), "Not enough bytes to read a set");
    let m = map(T::Int, T::Int);
    assert_eq!(err(&m, &[0, 0, 0, 1, 0, 0, 0, 0]), "Not enough bytes to read a map");
    assert_eq!(err(&m, &[0, 0, 0, 0, 1]), "Unexpected extraneous bytes after map value");

    let t = T::Tuple(vec![T::Int, T::Int]);
    assert_eq!(err(&t, &[0, 0]), "Not enough bytes to read size of 0th component");
    assert_eq!(err(&t, &[0, 0, 0, 4, 0]), "Not enough bytes to read 0th component");
    let three = [&[0u8, 0, 0, 0][..], &[0, 0, 0, 0], &[0, 0, 0, 0]].concat();
    assert_eq!(err(&t, &three), "Invalid remaining data after end of tuple value");
    assert_eq!(err(&udt(), &[0, 0, 0, 0, 0, 0, 0, 9, 1]), "Not enough bytes to read 1th field b");
    let too_many = [&[0u8, 0, 0, 0][..], &[0, 0, 0, 0], &[0, 0, 0, 0]].concat();
    assert_eq!(err(&udt(), &too_many), "Invalid remaining data after end of UDT value");
}

#[test]
fn empty_and_short_values() {
    use CqlType as T;
    use CqlValue as V;
    for ty in [T::Int, T::Bigint, T::Boolean, T::Decimal, T::Varint, T::Timestamp, T::Inet, T::Uuid, T::Double] {
        assert_eq!(CqlValue::deserialize(&ty, &[]).unwrap(), V::Empty, "{ty}");
        assert_eq!(V::Empty.serialize(&ty).unwrap(), Vec::<u8>::new());
    }
    assert_eq!(CqlValue::deserialize(&T::Text, &[]).unwrap(), text(""));
    assert_eq!(CqlValue::deserialize(&T::Blob, &[]).unwrap(), V::Blob(vec![]));
    assert_eq!(CqlValue::deserialize(&set(T::Int), &[]).unwrap(), V::Empty);
    assert_eq!(CqlValue::deserialize(&T::Tuple(vec![T::Int]), &[]).unwrap(), V::Empty);
    assert_eq!(V::Empty.serialize(&T::Tinyint).unwrap_err().to_string(), "Expected 1 byte for a tinyint (0)");
    // Fewer tuple components than declared: the rest are null.
    let t = T::Tuple(vec![T::Int, T::Text, T::Int]);
    assert_eq!(
        CqlValue::deserialize(&t, &[0, 0, 0, 4, 0, 0, 0, 5]).unwrap(),
        V::Tuple(vec![Some(V::Int(5)), None, None])
    );
    // An element may be empty.
    assert_eq!(CqlValue::deserialize(&list(T::Int), &[0, 0, 0, 1, 0, 0, 0, 0]).unwrap(), V::List(vec![V::Empty]));
    assert_eq!(CqlValue::deserialize(&T::Boolean, &[7]).unwrap(), V::Boolean(true));
}

#[test]
fn serialize_rejects_mismatches() {
    use CqlType as T;
    use CqlValue as V;
    let e = |v: V, t: &T| v.serialize(t).unwrap_err().to_string();
    assert_eq!(e(V::Int(1), &T::Bigint), "a int value cannot be serialized as type bigint");
    assert_eq!(e(V::Ascii("é".into()), &T::Ascii), "Invalid byte for ascii: -61");
    assert_eq!(e(V::Timeuuid([0; 16]), &T::Timeuuid), "Invalid version for TimeUUID type.");
    assert_eq!(
        e(V::Duration { months: 1, days: -1, nanos: 0 }, &T::Duration),
        "The duration months, days and nanoseconds must be all of the same sign (1, -1, 0)"
    );
    assert_eq!(e(V::Set(vec![V::Null]), &set(T::Int)), "null is not supported inside collections");
    assert!(V::Null.serialize(&T::Int).is_err());
    assert!(V::Tuple(vec![None, None, None]).serialize(&T::Tuple(vec![T::Int])).is_err());
    let wrong_field = V::Udt(vec![("b".into(), None)]);
    assert!(wrong_field.serialize(&udt()).is_err());
    let unresolved = T::UdtRef { keyspace: None, name: "u".into(), frozen: true };
    assert!(CqlValue::deserialize(&unresolved, &[0, 0, 0, 0]).is_err());
}

fn all_types() -> Vec<CqlType> {
    let mut types: Vec<CqlType> = samples().into_iter().map(|(t, _)| t).collect();
    types.push(map(CqlType::Duration, CqlType::Decimal));
    types.push(list(list(CqlType::Varint)));
    types
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = SmallRng::seed_from_u64(0x5EED_C0DE);
    let types = all_types();
    for _ in 0..20_000 {
        let len = rng.gen_range(0..40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.gen_range(0..4) {
                0 => 0,
                1 => 0xFF,
                _ => rng.gen(),
            })
            .collect();
        let ty = &types[rng.gen_range(0..types.len())];
        if let Ok(v) = CqlValue::deserialize(ty, &bytes) {
            // Whatever decodes re-encodes to bytes that decode and re-encode to themselves.
            let again = v.serialize(ty).unwrap();
            let back = CqlValue::deserialize(ty, &again).unwrap();
            assert_eq!(back.serialize(ty).unwrap(), again, "{ty} {bytes:02x?}");
        }
    }
}

#[test]
fn mutated_encodings_never_panic() {
    let mut rng = SmallRng::seed_from_u64(0xBAD_5EED);
    let samples = samples();
    for _ in 0..20_000 {
        let (ty, v) = &samples[rng.gen_range(0..samples.len())];
        let mut bytes = v.serialize(ty).unwrap();
        match rng.gen_range(0..3) {
            0 if !bytes.is_empty() => {
                let i = rng.gen_range(0..bytes.len());
                bytes[i] = rng.gen();
            }
            1 => bytes.truncate(rng.gen_range(0..=bytes.len())),
            _ => {
                let i = rng.gen_range(0..=bytes.len());
                bytes.insert(i, rng.gen());
            }
        }
        let _ = CqlValue::deserialize(ty, &bytes);
    }
}

fn random_native(ty: &CqlType, rng: &mut SmallRng) -> CqlValue {
    use CqlType as T;
    use CqlValue as V;
    let small: i64 = rng.gen_range(-3..3);
    let pick = rng.gen_bool(0.5);
    match ty {
        T::Int => V::Int(if pick { small as i32 } else { rng.gen() }),
        T::Bigint => V::Bigint(if pick { small } else { rng.gen() }),
        T::Timestamp => V::Timestamp(if pick { small } else { rng.gen() }),
        T::Tinyint => V::Tinyint(rng.gen()),
        T::Smallint => V::Smallint(rng.gen()),
        T::Date => V::Date(rng.gen()),
        T::Time => V::Time(rng.gen_range(0..NANOS_PER_DAY)),
        T::Boolean => V::Boolean(pick),
        T::Float => V::Float(if pick { small as f32 / 2.0 } else { f32::from_bits(rng.gen()) }),
        T::Double => V::Double(if pick { small as f64 / 2.0 } else { f64::from_bits(rng.gen()) }),
        T::Text => V::Text((0..rng.gen_range(0..4)).map(|_| ['a', 'é', '\0', 'z'][rng.gen_range(0..4)]).collect()),
        T::Blob => V::Blob((0..rng.gen_range(0..4)).map(|_| [0u8, 1, 0x7F, 0xFF][rng.gen_range(0..4)]).collect()),
        T::Inet => {
            if pick {
                V::Inet(IpAddr::V4(Ipv4Addr::from(rng.gen::<u32>() & 0x0101_0101)))
            } else {
                V::Inet(IpAddr::V6(Ipv6Addr::from(rng.gen::<u128>() & 0x0101_0101 << 96)))
            }
        }
        T::Uuid | T::Timeuuid => {
            let mut u: [u8; 16] = rng.gen();
            if *ty == T::Timeuuid || pick {
                u[6] = (u[6] & 0x0F) | 0x10;
            }
            if rng.gen_bool(0.5) {
                u[..8].fill(0);
                u[6] |= 0x10;
            }
            if *ty == T::Timeuuid {
                V::Timeuuid(u)
            } else {
                V::Uuid(u)
            }
        }
        T::Varint => V::Varint(BigInt::from(if pick { small } else { rng.gen::<i64>() }) * rng.gen_range(1..1000)),
        T::Decimal => V::Decimal {
            unscaled: BigInt::from(if pick { small } else { rng.gen::<i32>() as i64 }),
            scale: rng.gen_range(-5..5),
        },
        _ => V::Null,
    }
}

/// `compare` agrees with the order of `sibyl_common::clustering`'s encodings.
#[test]
fn compare_matches_clustering_order() {
    use sibyl_common::clustering::{encode_component, Order};
    use CqlType as T;
    let mut rng = SmallRng::seed_from_u64(0x0DE5_C0DE);
    let types = [
        T::Int,
        T::Bigint,
        T::Timestamp,
        T::Tinyint,
        T::Smallint,
        T::Date,
        T::Time,
        T::Boolean,
        T::Float,
        T::Double,
        T::Text,
        T::Blob,
        T::Inet,
        T::Uuid,
        T::Timeuuid,
        T::Varint,
        T::Decimal,
    ];
    for ty in &types {
        let ct = ty.clustering_type().unwrap();
        for _ in 0..2000 {
            let (a, b) = (random_native(ty, &mut rng), random_native(ty, &mut rng));
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            encode_component(&ct, Order::Asc, &a.serialize(ty).unwrap(), &mut ka).unwrap();
            encode_component(&ct, Order::Asc, &b.serialize(ty).unwrap(), &mut kb).unwrap();
            assert_eq!(compare(ty, &a, &b), ka.cmp(&kb), "{ty}: {a:?} vs {b:?}");
        }
    }
}

fn random_frozen(ty: &CqlType, rng: &mut SmallRng) -> CqlValue {
    use CqlType as T;
    use CqlValue as V;
    let len = rng.gen_range(0..3);
    let maybe = |t: &CqlType, rng: &mut SmallRng| (!rng.gen_ratio(1, 4)).then(|| random_frozen(t, rng));
    match ty {
        T::List { element, .. } => V::List((0..len).map(|_| random_frozen(element, rng)).collect()),
        T::Set { element, .. } => V::Set((0..len).map(|_| random_frozen(element, rng)).collect()),
        T::Map { key, value, .. } => {
            V::Map((0..len).map(|_| (random_frozen(key, rng), random_frozen(value, rng))).collect())
        }
        T::Tuple(items) => V::Tuple(items.iter().map(|t| maybe(t, rng)).collect()),
        T::Udt { fields, .. } => V::Udt(fields.iter().map(|(n, t)| (n.clone(), maybe(t, rng))).collect()),
        native => random_native(native, rng),
    }
}

/// `compare` agrees with the order of `sibyl_common::clustering`'s encodings of frozen
/// collections, tuples and UDTs too.
#[test]
fn compare_matches_clustering_order_of_frozen_types() {
    use sibyl_common::clustering::{decode_component, encode_component, Order};
    use CqlType as T;
    let mut rng = SmallRng::seed_from_u64(0x0DE5_C0DF);
    let tuple = T::Tuple(vec![T::Int, T::Text, T::Double]);
    let types = [
        list(T::Int),
        T::Set { element: Box::new(T::Text), frozen: true },
        T::Map { key: Box::new(T::Int), value: Box::new(T::Varint), frozen: true },
        tuple.clone(),
        udt(),
        list(list(T::Decimal)),
        list(tuple),
        T::Map { key: Box::new(udt()), value: Box::new(T::Blob), frozen: true },
    ];
    for ty in &types {
        let ct = ty.clustering_type().unwrap();
        for _ in 0..1000 {
            // Through the serialization, so sets and maps are sorted and deduplicated.
            let canonical = |v: CqlValue| CqlValue::deserialize(ty, &v.serialize(ty).unwrap()).unwrap();
            let (a, b) = (canonical(random_frozen(ty, &mut rng)), canonical(random_frozen(ty, &mut rng)));
            let (mut ka, mut kb) = (Vec::new(), Vec::new());
            encode_component(&ct, Order::Asc, &a.serialize(ty).unwrap(), &mut ka).unwrap();
            encode_component(&ct, Order::Asc, &b.serialize(ty).unwrap(), &mut kb).unwrap();
            assert_eq!(compare(ty, &a, &b), ka.cmp(&kb), "{ty}: {a:?} vs {b:?}");
            let (decoded, rest) = decode_component(&ct, Order::Asc, &ka).unwrap();
            assert!(rest.is_empty());
            let decoded = CqlValue::deserialize(ty, &decoded).unwrap();
            assert_eq!(compare(ty, &decoded, &a), std::cmp::Ordering::Equal, "{ty}: {a:?} decoded to {decoded:?}");
        }
    }
}
