//! Tests of [`CqlValue`]'s serialization: round trips of every type, exact bytes (cross-checked
//! with the server's encoder, `src/cql/src/value/serialize.rs`), and hostile input.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sibyl_protocol::ColumnType;

use super::*;

pub(super) fn list(t: ColumnType) -> ColumnType {
    ColumnType::List(Box::new(t))
}
pub(super) fn set(t: ColumnType) -> ColumnType {
    ColumnType::Set(Box::new(t))
}
pub(super) fn map(k: ColumnType, v: ColumnType) -> ColumnType {
    ColumnType::Map(Box::new(k), Box::new(v))
}
pub(super) fn udt(fields: &[(&str, ColumnType)]) -> ColumnType {
    ColumnType::Udt {
        keyspace: "ks".into(),
        name: "u".into(),
        fields: fields.iter().map(|(n, t)| (n.to_string(), t.clone())).collect(),
    }
}
pub(super) fn text(s: &str) -> CqlValue {
    CqlValue::Text(s.to_string())
}
pub(super) fn varint(s: &str) -> CqlVarint {
    s.parse().unwrap()
}
pub(super) const UUID4: &str = "123e4567-e89b-42d3-a456-426614174000";
pub(super) const UUID1: &str = "d2177dd0-eaa2-11de-a572-001b779c76e3";

fn samples() -> Vec<(ColumnType, CqlValue)> {
    use ColumnType as T;
    use CqlValue as V;
    let u4 = parse_uuid(UUID4).unwrap();
    let u1 = parse_uuid(UUID1).unwrap();
    let address = udt(&[("street", T::Varchar), ("zip", T::Int), ("tags", set(T::Ascii))]);
    vec![
        (T::Ascii, V::Ascii("hello".into())),
        (T::Ascii, V::Ascii(String::new())),
        (T::Bigint, V::Bigint(i64::MIN)),
        (T::Bigint, V::Bigint(i64::MAX)),
        (T::Blob, V::Blob(vec![0, 1, 0xFF])),
        (T::Blob, V::Blob(vec![])),
        (T::Boolean, V::Boolean(true)),
        (T::Boolean, V::Boolean(false)),
        (T::Counter, V::Counter(-5)),
        (T::Date, V::Date(CqlDate(DATE_EPOCH))),
        (T::Date, V::Date(CqlDate(0))),
        (T::Date, V::Date(CqlDate(u32::MAX))),
        (T::Decimal, V::Decimal(CqlDecimal::new(varint("-12345678901234567890123"), 7))),
        (T::Decimal, V::Decimal(CqlDecimal::new(0, -3))),
        (T::Double, V::Double(-1.5e300)),
        (T::Double, V::Double(f64::INFINITY)),
        (T::Double, V::Double(-0.0)),
        (T::Duration, V::Duration(CqlDuration::new(14, 3, 3_600_000_000_000))),
        (T::Duration, V::Duration(CqlDuration::new(-1, 0, i64::MIN))),
        (T::Duration, V::Duration(CqlDuration::new(i32::MAX, i32::MAX, i64::MAX))),
        (T::Duration, V::Duration(CqlDuration::new(i32::MIN, i32::MIN, 0))),
        (T::Float, V::Float(3.25)),
        (T::Float, V::Float(f32::MIN_POSITIVE)),
        (T::Inet, V::Inet(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)))),
        (T::Inet, V::Inet(IpAddr::V6(Ipv6Addr::LOCALHOST))),
        (T::Int, V::Int(i32::MIN)),
        (T::Int, V::Int(0)),
        (T::Smallint, V::Smallint(i16::MIN)),
        (T::Varchar, text("héllo ✓")),
        (T::Varchar, text("")),
        (T::Time, V::Time(CqlTime(0))),
        (T::Time, V::Time(CqlTime(NANOS_PER_DAY - 1))),
        (T::Timestamp, V::Timestamp(CqlTimestamp(i64::MIN))),
        (T::Timestamp, V::Timestamp(CqlTimestamp(0))),
        (T::Timestamp, V::Timestamp(CqlTimestamp(1_704_067_200_123))),
        (T::Timeuuid, V::Timeuuid(u1)),
        (T::Tinyint, V::Tinyint(-128)),
        (T::Uuid, V::Uuid(u4)),
        (T::Varint, V::Varint(varint("-170141183460469231731687303715884105729"))),
        (T::Varint, V::Varint(varint("0"))),
        (T::Varint, V::Varint(varint("-1"))),
        (T::Varint, V::Varint(varint("255"))),
        (list(T::Int), V::List(vec![V::Int(3), V::Int(1), V::Int(3)])),
        (list(T::Int), V::List(vec![])),
        (list(list(T::Varchar)), V::List(vec![V::List(vec![text("a")]), V::List(vec![])])),
        (set(T::Varchar), V::Set(vec![text("a"), text("b")])),
        (
            map(T::Varchar, list(T::Int)),
            V::Map(vec![(text("a"), V::List(vec![V::Int(1)])), (text("b"), V::List(vec![]))]),
        ),
        (
            map(T::Int, map(T::Int, set(T::Uuid))),
            V::Map(vec![(V::Int(1), V::Map(vec![(V::Int(2), V::Set(vec![V::Uuid(u4)]))]))]),
        ),
        (
            T::Tuple(vec![T::Int, T::Varchar, T::Boolean]),
            V::Tuple(vec![Some(V::Int(1)), None, Some(V::Boolean(false))]),
        ),
        (T::Tuple(vec![T::Int, list(T::Int)]), V::Tuple(vec![None, None])),
        (
            address.clone(),
            V::Udt {
                keyspace: "ks".into(),
                name: "u".into(),
                fields: vec![
                    ("street".into(), Some(text("Main"))),
                    ("zip".into(), None),
                    ("tags".into(), Some(V::Set(vec![V::Ascii("x".into())]))),
                ],
            },
        ),
        (
            list(address),
            V::List(vec![V::Udt {
                keyspace: "ks".into(),
                name: "u".into(),
                fields: vec![("street".into(), None), ("zip".into(), Some(V::Int(9))), ("tags".into(), None)],
            }]),
        ),
        (T::Custom("org.example.Foo".into()), V::Custom { class: "org.example.Foo".into(), bytes: vec![1, 2] }),
        (T::Int, V::Empty),
        (T::Uuid, V::Empty),
        (list(T::Int), V::List(vec![V::Empty])),
    ]
}

#[test]
fn every_type_round_trips() {
    for (ty, v) in samples() {
        let bytes = v.serialize(&ty).unwrap();
        let back = CqlValue::deserialize(&ty, &bytes).unwrap();
        assert_eq!(back, v, "{ty:?}");
        assert_eq!(back.serialize(&ty).unwrap(), bytes, "{ty:?}");
        // Through the generic traits too.
        assert_eq!(CqlValue::from_cql(&ty, Some(&bytes)).unwrap(), v);
        assert_eq!(Option::<CqlValue>::from_cql(&ty, None).unwrap(), None);
        assert_eq!(v.to_value(&ty).unwrap(), sibyl_protocol::Value::Set(bytes));
    }
}

#[test]
fn nan_round_trips_bit_for_bit() {
    let bits = 0x7FF8_0000_0000_0001u64;
    let v = CqlValue::Double(f64::from_bits(bits));
    let bytes = v.serialize(&ColumnType::Double).unwrap();
    assert_eq!(bytes, bits.to_be_bytes());
    let CqlValue::Double(back) = CqlValue::deserialize(&ColumnType::Double, &bytes).unwrap() else { panic!() };
    assert_eq!(back.to_bits(), bits);
    let f = f32::NAN.serialize_to_vec(&ColumnType::Float);
    assert!(f32::from_cql(&ColumnType::Float, Some(&f)).unwrap().is_nan());
}

/// A helper for the tests: serialization without the `out` argument.
trait SerializeToVec {
    fn serialize_to_vec(&self, ty: &ColumnType) -> Vec<u8>;
}

impl<T: SerializeValue> SerializeToVec for T {
    fn serialize_to_vec(&self, ty: &ColumnType) -> Vec<u8> {
        let mut out = Vec::new();
        self.serialize(ty, &mut out).unwrap();
        out
    }
}

/// The same bytes as the server's encoder produces (its `exact_bytes` test and values run
/// through `sibyl_cql::value::CqlValue::serialize`).
#[test]
fn exact_bytes_match_the_server() {
    use ColumnType as T;
    use CqlValue as V;
    assert_eq!(V::Int(1).serialize(&T::Int).unwrap(), [0, 0, 0, 1]);
    assert_eq!(V::Boolean(true).serialize(&T::Boolean).unwrap(), [1]);
    assert_eq!(V::Varint(varint("128")).serialize(&T::Varint).unwrap(), [0, 0x80]);
    assert_eq!(V::Varint(varint("-129")).serialize(&T::Varint).unwrap(), [0xFF, 0x7F]);
    assert_eq!(V::Varint(varint("0")).serialize(&T::Varint).unwrap(), [0]);
    assert_eq!(V::Varint(varint("-128")).serialize(&T::Varint).unwrap(), [0x80]);
    assert_eq!(V::Varint(varint("65535")).serialize(&T::Varint).unwrap(), [0, 0xFF, 0xFF]);
    // Non-minimal input bytes are written minimally.
    assert_eq!(V::Varint(CqlVarint(vec![0xFF, 0xFF, 0x7F])).serialize(&T::Varint).unwrap(), [0xFF, 0x7F]);
    assert_eq!(V::Decimal(CqlDecimal::new(15, 1)).serialize(&T::Decimal).unwrap(), [0, 0, 0, 1, 15]);
    assert_eq!(V::Decimal(CqlDecimal::new(-1, -2)).serialize(&T::Decimal).unwrap(), [0xFF, 0xFF, 0xFF, 0xFE, 0xFF]);
    assert_eq!(V::Date(CqlDate(DATE_EPOCH)).serialize(&T::Date).unwrap(), [0x80, 0, 0, 0]);
    assert_eq!(V::Time(CqlTime(1)).serialize(&T::Time).unwrap(), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(V::Timestamp(CqlTimestamp(-1)).serialize(&T::Timestamp).unwrap(), [0xFF; 8]);
    assert_eq!(V::Float(1.0).serialize(&T::Float).unwrap(), [0x3F, 0x80, 0, 0]);
    assert_eq!(V::Inet("::1".parse().unwrap()).serialize(&T::Inet).unwrap(), Ipv6Addr::LOCALHOST.octets());
    let d = |months, days, nanos| V::Duration(CqlDuration::new(months, days, nanos)).serialize(&T::Duration).unwrap();
    assert_eq!(d(1, 2, 3), [2, 4, 6]);
    assert_eq!(d(-1, 0, -65), [1, 0, 0x80, 0x81]);
    assert_eq!(d(0, 0, 3_600_000_000_000_000), [0, 0, 0xFE, 0x19, 0x94, 0x5C, 0xA2, 0x62, 0, 0]);
    assert_eq!(d(0, 0, i64::MIN), [0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(d(0, 0, 1 << 62), [0, 0, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(d(14, 3, 3_600_000_000_000), [28, 6, 252, 6, 140, 97, 113, 64, 0]);
    let l = V::List(vec![V::Int(1), V::Int(-1)]).serialize(&list(T::Int)).unwrap();
    assert_eq!(l, [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF]);
    let t = V::Tuple(vec![None, Some(V::Boolean(true))]);
    let t = t.serialize(&T::Tuple(vec![T::Int, T::Boolean])).unwrap();
    assert_eq!(t, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 1]);
    let m = V::Map(vec![(text("a"), V::Bigint(1))]).serialize(&map(T::Varchar, T::Bigint)).unwrap();
    assert_eq!(m, [0, 0, 0, 1, 0, 0, 0, 1, b'a', 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]);
    let u = udt(&[("a", T::Int), ("b", T::Varchar)]);
    let v = V::Udt { keyspace: "ks".into(), name: "u".into(), fields: vec![("b".into(), Some(text("x")))] };
    assert_eq!(v.serialize(&u).unwrap(), [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, b'x']);
}

#[test]
fn missing_trailing_fields_are_null() {
    use ColumnType as T;
    use CqlValue as V;
    let t = T::Tuple(vec![T::Int, T::Varchar, T::Int]);
    assert_eq!(
        CqlValue::deserialize(&t, &[0, 0, 0, 4, 0, 0, 0, 5]).unwrap(),
        V::Tuple(vec![Some(V::Int(5)), None, None])
    );
    // A short tuple value serializes as given.
    assert_eq!(V::Tuple(vec![Some(V::Int(5))]).serialize(&t).unwrap(), [0, 0, 0, 4, 0, 0, 0, 5]);
    let u = udt(&[("a", T::Int), ("b", T::Varchar), ("c", list(T::Int))]);
    let read = CqlValue::deserialize(&u, &[0, 0, 0, 4, 0, 0, 0, 7]).unwrap();
    assert_eq!(
        read,
        V::Udt {
            keyspace: "ks".into(),
            name: "u".into(),
            fields: vec![("a".into(), Some(V::Int(7))), ("b".into(), None), ("c".into(), None)]
        }
    );
    // Typed reads see the missing fields as null.
    let (a, b, c) = <(i32, Option<String>, Option<Vec<i32>>)>::from_cql(
        &T::Tuple(vec![T::Int, T::Varchar, list(T::Int)]),
        Some(&[0, 0, 0, 4, 0, 0, 0, 7]),
    )
    .unwrap();
    assert_eq!((a, b, c), (7, None, None));
}

#[test]
fn zero_length_values() {
    use ColumnType as T;
    use CqlValue as V;
    for ty in [T::Int, T::Bigint, T::Boolean, T::Decimal, T::Varint, T::Timestamp, T::Inet, T::Uuid, T::Double, T::Date]
    {
        assert_eq!(CqlValue::deserialize(&ty, &[]).unwrap(), V::Empty, "{ty:?}");
        assert_eq!(V::Empty.serialize(&ty).unwrap(), Vec::<u8>::new());
    }
    assert_eq!(CqlValue::deserialize(&T::Varchar, &[]).unwrap(), text(""));
    assert_eq!(CqlValue::deserialize(&T::Ascii, &[]).unwrap(), V::Ascii(String::new()));
    assert_eq!(CqlValue::deserialize(&T::Blob, &[]).unwrap(), V::Blob(vec![]));
    assert_eq!(CqlValue::deserialize(&set(T::Int), &[]).unwrap(), V::Empty);
    // Typed reads of an empty int are a length error, of an empty collection an empty one.
    assert!(matches!(i32::from_cql(&T::Int, Some(&[])), Err(ValueError::BadLength { got: 0, .. })));
    assert!(matches!(CqlVarint::from_cql(&T::Varint, Some(&[])), Err(ValueError::BadLength { got: 0, .. })));
    assert_eq!(Vec::<i32>::from_cql(&list(T::Int), Some(&[])).unwrap(), Vec::<i32>::new());
    assert_eq!(String::from_cql(&T::Varchar, Some(&[])).unwrap(), "");
}

fn err(ty: &ColumnType, bytes: &[u8]) -> ValueError {
    match CqlValue::deserialize(ty, bytes) {
        Err(e) => e,
        Ok(v) => panic!("{ty:?} {bytes:?} read as {v:?}"),
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    use ColumnType as T;
    let bad_len = |ty: &T, b: &[u8]| matches!(err(ty, b), ValueError::BadLength { got, .. } if got == b.len());
    assert!(bad_len(&T::Int, &[0, 0, 1]));
    assert!(bad_len(&T::Bigint, &[0; 4]));
    assert!(bad_len(&T::Counter, &[0; 9]));
    assert!(bad_len(&T::Smallint, &[0]));
    assert!(bad_len(&T::Tinyint, &[0, 0, 0, 1]));
    assert!(bad_len(&T::Float, &[0; 8]));
    assert!(bad_len(&T::Double, &[0; 4]));
    assert!(bad_len(&T::Boolean, &[0, 1]));
    assert!(bad_len(&T::Timestamp, &[0; 4]));
    assert!(bad_len(&T::Date, &[0; 3]));
    assert!(bad_len(&T::Time, &[0; 4]));
    assert!(bad_len(&T::Uuid, &[0; 15]));
    assert!(bad_len(&T::Inet, &[1, 2, 3]));
    assert!(bad_len(&T::Decimal, &[0, 0, 0, 0]));
    assert!(bad_len(&T::Duration, &[0, 0]));
    assert!(matches!(err(&T::Timeuuid, &[0; 16]), ValueError::InvalidValue { .. }));
    assert_eq!(err(&T::Ascii, b"ab\xC3\xA9"), ValueError::InvalidAscii { column: None, byte: 0xC3 });
    assert_eq!(err(&T::Varchar, b"ab\xC3"), ValueError::InvalidUtf8 { column: None, valid_up_to: 2 });
    assert!(matches!(err(&T::Varchar, b"\xED\xA0\x80"), ValueError::InvalidUtf8 { .. }));
    // Durations: mixed signs, months beyond i32, trailing bytes, a truncated vint.
    assert!(matches!(err(&T::Duration, &[2, 1, 0]), ValueError::InvalidValue { .. }));
    assert!(matches!(err(&T::Duration, &[0xF8, 0x01, 0, 0, 0, 0, 0, 0]), ValueError::InvalidValue { .. }));
    assert!(matches!(err(&T::Duration, &[0, 0, 0, 0]), ValueError::TrailingBytes { extra: 1, .. }));
    assert!(matches!(err(&T::Duration, &[0, 0, 0xFF, 0]), ValueError::Truncated { .. }));

    let l = list(T::Int);
    assert!(matches!(err(&l, &[0, 0, 0]), ValueError::Truncated { .. }));
    assert!(matches!(err(&l, &[0, 0, 0, 1, 0, 0, 0, 4, 0]), ValueError::Truncated { .. }));
    assert!(matches!(err(&l, &[0xFF, 0xFF, 0xFF, 0xFE]), ValueError::BadCount { count: -2, .. }));
    assert!(matches!(err(&l, &[0, 0, 0, 0, 7]), ValueError::TrailingBytes { extra: 1, .. }));
    assert!(matches!(err(&l, &[0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1]), ValueError::BadLength { got: 3, .. }));
    assert!(matches!(err(&l, &[0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]), ValueError::NullInCollection { .. }));
    // A huge count is refused before anything is allocated from it.
    assert!(matches!(
        err(&l, &[0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]),
        ValueError::BadCount { count: 0x7FFF_FFFF, remaining: 4, .. }
    ));
    let m = map(T::Int, T::Int);
    // One entry needs at least 8 bytes.
    assert!(matches!(err(&m, &[0, 0, 0, 1, 0, 0, 0, 0]), ValueError::BadCount { .. }));
    assert!(matches!(err(&m, &[0, 0, 0, 0, 1]), ValueError::TrailingBytes { .. }));
    assert!(matches!(err(&m, &[0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]), ValueError::NullInCollection { .. }));

    let t = T::Tuple(vec![T::Int, T::Int]);
    assert!(matches!(err(&t, &[0, 0]), ValueError::Truncated { .. }));
    assert!(matches!(err(&t, &[0, 0, 0, 4, 0]), ValueError::Truncated { .. }));
    let three = [0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    assert!(matches!(err(&t, &three), ValueError::TrailingBytes { extra: 4, .. }));
    let u = udt(&[("a", T::Int), ("b", T::Varchar)]);
    assert!(matches!(err(&u, &[0, 0, 0, 0, 0, 0, 0, 9, 1]), ValueError::Truncated { .. }));
    assert!(matches!(err(&u, &three), ValueError::TrailingBytes { .. }));
    // A negative element length other than -1 is also null.
    assert!(matches!(err(&l, &[0, 0, 0, 1, 0x80, 0, 0, 0]), ValueError::NullInCollection { .. }));
}

#[test]
fn typed_errors_name_the_types() {
    let e = err(&list(ColumnType::Int), &[0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1]);
    assert_eq!(e.to_string(), "int value of 3 bytes (expected 4 bytes)");
    let e = e.in_column("scores");
    assert_eq!(e.column(), Some("scores"));
    assert_eq!(e.to_string(), "column scores: int value of 3 bytes (expected 4 bytes)");
    let e = err(&map(ColumnType::Varchar, list(ColumnType::Int)), &[0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(e.to_string(), "map<text, list<int>> value claims -1 elements but only 0 bytes remain");
}

#[test]
fn serialize_checks_types_and_rules() {
    use ColumnType as T;
    use CqlValue as V;
    let e = |v: V, t: &T| v.serialize(t).unwrap_err();
    assert_eq!(
        e(V::Int(1), &T::Bigint),
        ValueError::TypeMismatch { column: None, rust_type: "CqlValue::Int".into(), cql_type: "bigint".into() }
    );
    assert_eq!(
        e(V::List(vec![V::Int(1)]), &list(T::Varchar)),
        ValueError::TypeMismatch { column: None, rust_type: "CqlValue::Int".into(), cql_type: "text".into() }
    );
    assert!(matches!(e(V::List(vec![]), &map(T::Int, T::Int)), ValueError::TypeMismatch { .. }));
    assert_eq!(e(V::Ascii("é".into()), &T::Ascii), ValueError::InvalidAscii { column: None, byte: 0xC3 });
    assert!(matches!(e(V::Timeuuid(parse_uuid(UUID4).unwrap()), &T::Timeuuid), ValueError::InvalidValue { .. }));
    assert!(matches!(e(V::Duration(CqlDuration::new(1, -1, 0)), &T::Duration), ValueError::InvalidValue { .. }));
    assert!(matches!(e(V::Time(CqlTime(NANOS_PER_DAY)), &T::Time), ValueError::InvalidValue { .. }));
    assert!(matches!(e(V::Time(CqlTime(-1)), &T::Time), ValueError::InvalidValue { .. }));
    assert!(matches!(e(V::Tuple(vec![None, None, None]), &T::Tuple(vec![T::Int])), ValueError::InvalidValue { .. }));
    let u = udt(&[("a", T::Int), ("b", T::Varchar)]);
    let wrong_field = V::Udt { keyspace: String::new(), name: String::new(), fields: vec![("c".into(), None)] };
    assert_eq!(
        e(wrong_field, &u),
        ValueError::UnknownField { column: None, cql_type: "ks.u".into(), field: "c".into() }
    );
    // The interchangeable variants.
    assert_eq!(text("abc").serialize(&T::Ascii).unwrap(), b"abc");
    assert_eq!(V::Ascii("abc".into()).serialize(&T::Varchar).unwrap(), b"abc");
    assert_eq!(V::Counter(1).serialize(&T::Bigint).unwrap(), V::Bigint(1).serialize(&T::Counter).unwrap());
    let u1 = parse_uuid(UUID1).unwrap();
    assert_eq!(V::Uuid(u1).serialize(&T::Timeuuid).unwrap(), u1);
    assert_eq!(V::Blob(vec![1]).serialize(&T::Custom("x".into())).unwrap(), [1]);
    assert_eq!(
        V::Set(vec![V::Int(1)]).serialize(&list(T::Int)).unwrap(),
        V::List(vec![V::Int(1)]).serialize(&set(T::Int)).unwrap()
    );
}

#[test]
fn nesting_is_limited() {
    let mut ty = ColumnType::Int;
    let mut v = CqlValue::Int(1);
    for _ in 0..MAX_VALUE_DEPTH - 1 {
        ty = list(ty);
        v = CqlValue::List(vec![v]);
    }
    let bytes = v.serialize(&ty).unwrap();
    assert_eq!(CqlValue::deserialize(&ty, &bytes).unwrap(), v);
    // One more level is refused both ways, without recursing further.
    let deeper_ty = list(ty);
    let deeper_v = CqlValue::List(vec![v]);
    assert!(matches!(deeper_v.serialize(&deeper_ty), Err(ValueError::TooDeep { .. })));
    let mut deeper_bytes = vec![0, 0, 0, 1];
    deeper_bytes.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    deeper_bytes.extend_from_slice(&bytes);
    assert!(matches!(CqlValue::deserialize(&deeper_ty, &deeper_bytes), Err(ValueError::TooDeep { .. })));
}

#[test]
fn truncation_at_every_position_never_panics() {
    for (ty, v) in samples() {
        let bytes = v.serialize(&ty).unwrap();
        for cut in 0..bytes.len() {
            // Some prefixes are valid values (an empty one, a shorter tuple): only no panic.
            let _ = CqlValue::deserialize(&ty, &bytes[..cut]);
        }
    }
}

/// A small xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    use ColumnType as T;
    let types = [
        T::Int,
        T::Varchar,
        T::Ascii,
        T::Decimal,
        T::Varint,
        T::Duration,
        T::Inet,
        T::Timeuuid,
        list(T::Varchar),
        set(map(T::Int, T::Duration)),
        map(list(T::Int), T::Tuple(vec![T::Int, T::Varchar])),
        udt(&[("a", list(T::Int)), ("b", T::Varchar), ("c", T::Tuple(vec![T::Duration]))]),
    ];
    let mut rng = Rng(0x5EED_C0DE_1234_5678);
    for round in 0..20_000 {
        let len = (rng.next() % 40) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| match rng.next() % 4 {
                0 => 0,
                1 => 0xFF,
                2 => (rng.next() % 9) as u8,
                _ => rng.next() as u8,
            })
            .collect();
        let ty = &types[round % types.len()];
        if let Ok(v) = CqlValue::deserialize(ty, &bytes) {
            // Whatever reads must write back and read the same.
            let again = v.serialize(ty).unwrap();
            assert_eq!(CqlValue::deserialize(ty, &again).unwrap(), v);
            let _ = v.to_string();
        }
    }
}

#[test]
fn column_types_of_values() {
    use ColumnType as T;
    use CqlValue as V;
    assert_eq!(V::Int(1).column_type(), T::Int);
    assert_eq!(V::List(vec![text("a")]).column_type(), list(T::Varchar));
    assert_eq!(V::Map(vec![]).column_type(), map(T::Blob, T::Blob));
    assert_eq!(V::Tuple(vec![Some(V::Int(1)), None]).column_type(), T::Tuple(vec![T::Int, T::Blob]));
    for (ty, v) in samples() {
        // The natural type serializes every sample (empty values and nulls aside).
        if !matches!(v, V::Empty) {
            assert!(v.serialize(&v.column_type()).is_ok(), "{ty:?}");
        }
    }
}
