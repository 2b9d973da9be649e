//! Tests of the Rust conversions: [`SerializeValue`] / [`FromCql`] for every supported type,
//! rows ([`SerializeRow`], [`FromRow`]) and the `impl_*!` macros.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, UNIX_EPOCH};

use sibyl_protocol::{ColumnSpec, ColumnType, Value};

use super::error::short_type_name;
use super::tests::{list, map, set, text, udt, varint, UUID1, UUID4};
use super::*;

fn bytes_of<T: SerializeValue + ?Sized>(v: &T, ty: &ColumnType) -> Vec<u8> {
    let mut out = Vec::new();
    v.serialize(ty, &mut out).unwrap();
    out
}

/// `v` serializes as `ty` to the same bytes as `as_cql`, and reads back equal.
fn round_trip<T: SerializeValue + FromCql + PartialEq + Debug>(v: T, ty: &ColumnType, as_cql: CqlValue) {
    let bytes = bytes_of(&v, ty);
    assert_eq!(bytes, as_cql.serialize(ty).unwrap(), "{v:?} as {ty:?}");
    assert_eq!(T::from_cql(ty, Some(&bytes)).unwrap(), v);
    assert_eq!(Option::<T>::from_cql(ty, Some(&bytes)).unwrap(), Some(v));
    assert_eq!(Option::<T>::from_cql(ty, None).unwrap(), None);
    // Null is an error, except for collections (where it is empty).
    let null = T::from_cql(ty, None);
    if matches!(ty, ColumnType::List(_) | ColumnType::Set(_) | ColumnType::Map(..)) {
        assert!(null.is_ok());
    } else {
        assert!(matches!(null, Err(ValueError::UnexpectedNull { .. })));
    }
}

#[test]
fn scalars_round_trip() {
    use ColumnType as T;
    use CqlValue as V;
    round_trip(true, &T::Boolean, V::Boolean(true));
    round_trip(i8::MIN, &T::Tinyint, V::Tinyint(i8::MIN));
    round_trip(i16::MAX, &T::Smallint, V::Smallint(i16::MAX));
    round_trip(-7i32, &T::Int, V::Int(-7));
    round_trip(i64::MIN, &T::Bigint, V::Bigint(i64::MIN));
    round_trip(42i64, &T::Counter, V::Counter(42));
    round_trip(1.5f32, &T::Float, V::Float(1.5));
    round_trip(f64::MAX, &T::Double, V::Double(f64::MAX));
    round_trip("héllo".to_string(), &T::Varchar, text("héllo"));
    round_trip(String::new(), &T::Varchar, text(""));
    round_trip("plain".to_string(), &T::Ascii, V::Ascii("plain".into()));
    round_trip(vec![0u8, 1, 255], &T::Blob, V::Blob(vec![0, 1, 255]));
    round_trip(vec![9u8], &T::Custom("a.B".into()), V::Custom { class: "a.B".into(), bytes: vec![9] });
    round_trip(parse_uuid(UUID4).unwrap(), &T::Uuid, V::Uuid(parse_uuid(UUID4).unwrap()));
    round_trip(parse_uuid(UUID1).unwrap(), &T::Timeuuid, V::Timeuuid(parse_uuid(UUID1).unwrap()));
    round_trip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), &T::Inet, V::Inet(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    round_trip(IpAddr::V6(Ipv6Addr::LOCALHOST), &T::Inet, V::Inet(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    round_trip(CqlTimestamp(-1), &T::Timestamp, V::Timestamp(CqlTimestamp(-1)));
    round_trip(CqlDate(DATE_EPOCH), &T::Date, V::Date(CqlDate(DATE_EPOCH)));
    round_trip(CqlTime(123), &T::Time, V::Time(CqlTime(123)));
    round_trip(CqlDuration::new(-1, -2, -3), &T::Duration, V::Duration(CqlDuration::new(-1, -2, -3)));
    round_trip(CqlDecimal::new(-5, 3), &T::Decimal, V::Decimal(CqlDecimal::new(-5, 3)));
    round_trip(varint("-99999999999999999999999"), &T::Varint, V::Varint(varint("-99999999999999999999999")));
    // Borrowed forms serialize like the owned ones.
    assert_eq!(bytes_of("abc", &T::Varchar), b"abc");
    assert_eq!(bytes_of(&[1u8, 2][..], &T::Blob), [1, 2]);
    assert_eq!(bytes_of(&Ipv4Addr::new(1, 2, 3, 4), &T::Inet), [1, 2, 3, 4]);
    assert_eq!(bytes_of(&Ipv6Addr::LOCALHOST, &T::Inet), Ipv6Addr::LOCALHOST.octets());
    assert_eq!(bytes_of(&Box::new(5i32), &T::Int), [0, 0, 0, 5]);
    // NaN and boolean bytes other than 0 and 1.
    assert!(f64::from_cql(&T::Double, Some(&bytes_of(&f64::NAN, &T::Double))).unwrap().is_nan());
    assert!(bool::from_cql(&T::Boolean, Some(&[7])).unwrap());
}

#[test]
fn type_mismatches_are_typed_errors() {
    use ColumnType as T;
    let ser = |v: &dyn SerializeValue, ty: &T| {
        let mut out = Vec::new();
        v.serialize(ty, &mut out).unwrap_err()
    };
    assert_eq!(
        ser(&1i32, &T::Varchar),
        ValueError::TypeMismatch { column: None, rust_type: "i32".into(), cql_type: "text".into() }
    );
    assert_eq!(
        ser(&vec![1i32], &map(T::Int, T::Int)),
        ValueError::TypeMismatch { column: None, rust_type: "Vec<i32>".into(), cql_type: "map<int, int>".into() }
    );
    assert!(matches!(ser(&1i64, &T::Timestamp), ValueError::TypeMismatch { .. }));
    assert!(matches!(ser(&"x", &T::Blob), ValueError::TypeMismatch { .. }));
    assert!(matches!(ser(&vec![1u8], &T::Varchar), ValueError::TypeMismatch { .. }));
    assert!(matches!(ser(&(1i32, 2i32), &T::Tuple(vec![T::Int])), ValueError::TypeMismatch { .. }));
    assert!(matches!(ser(&"é", &T::Ascii), ValueError::InvalidAscii { byte: 0xC3, .. }));
    assert!(matches!(ser(&parse_uuid(UUID4).unwrap(), &T::Timeuuid), ValueError::InvalidValue { .. }));
    assert!(matches!(ser(&CqlTime(-5), &T::Time), ValueError::InvalidValue { .. }));
    assert!(matches!(ser(&CqlDuration::new(1, 0, -1), &T::Duration), ValueError::InvalidValue { .. }));

    let four = [0u8, 0, 0, 1];
    assert_eq!(
        String::from_cql(&T::Int, Some(&four)),
        Err(ValueError::TypeMismatch { column: None, rust_type: "String".into(), cql_type: "int".into() })
    );
    assert!(matches!(i64::from_cql(&T::Int, Some(&four)), Err(ValueError::TypeMismatch { .. })));
    assert!(matches!(HashMap::<i32, i32>::from_cql(&list(T::Int), Some(&four)), Err(ValueError::TypeMismatch { .. })));
    assert!(matches!(
        <(i32, i32)>::from_cql(&T::Tuple(vec![T::Int]), Some(&four)),
        Err(ValueError::TypeMismatch { .. })
    ));
    assert!(matches!(<[u8; 16]>::from_cql(&T::Timeuuid, Some(&[0; 16])), Err(ValueError::InvalidValue { .. })));
    assert!(matches!(IpAddr::from_cql(&T::Inet, Some(&[1; 5])), Err(ValueError::BadLength { got: 5, .. })));
    assert!(matches!(
        String::from_cql(&T::Varchar, Some(b"\xFF")),
        Err(ValueError::InvalidUtf8 { valid_up_to: 0, .. })
    ));
    assert!(matches!(String::from_cql(&T::Ascii, Some(b"\x80")), Err(ValueError::InvalidAscii { byte: 0x80, .. })));
}

#[test]
fn null_and_unset() {
    use ColumnType as T;
    assert_eq!(None::<i32>.to_value(&T::Int).unwrap(), Value::Null);
    assert_eq!(Some(1i32).to_value(&T::Int).unwrap(), Value::Set(vec![0, 0, 0, 1]));
    assert_eq!(Unset.to_value(&T::Int).unwrap(), Value::Unset);
    assert_eq!(Some(Unset).to_value(&T::Int).unwrap(), Value::Unset);
    // Only a whole value may be unset; collections hold no nulls.
    let mut out = Vec::new();
    assert_eq!(vec![Unset].serialize(&list(T::Int), &mut out), Err(ValueError::UnsetNotAllowed { column: None }));
    assert_eq!(vec![Unset].to_value(&list(T::Int)), Err(ValueError::UnsetNotAllowed { column: None }));
    assert!(matches!(
        vec![Some(1i32), None].serialize(&list(T::Int), &mut out),
        Err(ValueError::NullInCollection { .. })
    ));
    let mut m = BTreeMap::new();
    m.insert(1i32, None::<i32>);
    assert!(matches!(m.serialize(&map(T::Int, T::Int), &mut Vec::new()), Err(ValueError::NullInCollection { .. })));
    assert!(matches!(
        (1i32, Unset).serialize(&T::Tuple(vec![T::Int, T::Int]), &mut Vec::new()),
        Err(ValueError::UnsetNotAllowed { .. })
    ));
    // Null tuple components are fine.
    let t = T::Tuple(vec![T::Int, T::Varchar]);
    let bytes = bytes_of(&(None::<i32>, "a"), &t);
    assert_eq!(bytes, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, b'a']);
    assert_eq!(<(Option<i32>, String)>::from_cql(&t, Some(&bytes)).unwrap(), (None, "a".to_string()));
    assert!(matches!(<(i32, String)>::from_cql(&t, Some(&bytes)), Err(ValueError::UnexpectedNull { .. })));
    // Serializing a null directly is an error (it has no bytes).
    assert!(matches!(None::<i32>.serialize(&T::Int, &mut Vec::new()), Err(ValueError::UnexpectedNull { .. })));
    assert!(matches!(Unset.serialize(&T::Int, &mut Vec::new()), Err(ValueError::UnsetNotAllowed { .. })));
    // write_bytes: null is -1.
    let mut out = Vec::new();
    None::<i32>.write_bytes(&T::Int, &mut out).unwrap();
    7i32.write_bytes(&T::Int, &mut out).unwrap();
    assert_eq!(out, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4, 0, 0, 0, 7]);
}

#[test]
fn collections_round_trip() {
    use ColumnType as T;
    use CqlValue as V;
    round_trip(vec![1i32, 2, 3], &list(T::Int), V::List(vec![V::Int(1), V::Int(2), V::Int(3)]));
    round_trip(Vec::<i32>::new(), &list(T::Int), V::List(vec![]));
    round_trip(
        vec![vec!["a".to_string()], vec![]],
        &list(list(T::Varchar)),
        V::List(vec![V::List(vec![text("a")]), V::List(vec![])]),
    );
    round_trip(BTreeSet::from([3i64, 1]), &set(T::Bigint), V::Set(vec![V::Bigint(1), V::Bigint(3)]));
    round_trip(
        BTreeMap::from([("a".to_string(), vec![1i32]), ("b".to_string(), vec![])]),
        &map(T::Varchar, list(T::Int)),
        V::Map(vec![(text("a"), V::List(vec![V::Int(1)])), (text("b"), V::List(vec![]))]),
    );
    let hs: HashSet<String> = ["x".to_string()].into();
    round_trip(hs, &set(T::Varchar), V::Set(vec![text("x")]));
    let hm: HashMap<i32, BTreeSet<String>> = [(1, BTreeSet::from(["s".to_string()]))].into();
    round_trip(hm, &map(T::Int, set(T::Varchar)), V::Map(vec![(V::Int(1), V::Set(vec![text("s")]))]));
    // Slices, and lists and sets read into either kind of collection.
    let bytes = bytes_of(&[2i32, 1, 2][..], &list(T::Int));
    assert_eq!(BTreeSet::<i32>::from_cql(&list(T::Int), Some(&bytes)).unwrap(), BTreeSet::from([1, 2]));
    assert_eq!(HashSet::<i32>::from_cql(&set(T::Int), Some(&bytes)).unwrap(), HashSet::from([1, 2]));
    assert_eq!(Vec::<i32>::from_cql(&set(T::Int), Some(&bytes)).unwrap(), vec![2, 1, 2]);
    // A null collection reads as empty (Cassandra cannot tell them apart), except as an Option.
    assert_eq!(Vec::<i32>::from_cql(&list(T::Int), None).unwrap(), Vec::<i32>::new());
    assert_eq!(BTreeMap::<i32, i32>::from_cql(&map(T::Int, T::Int), None).unwrap(), BTreeMap::new());
    assert_eq!(Option::<Vec<i32>>::from_cql(&list(T::Int), None).unwrap(), None);
    // Null list elements read into Option elements.
    let with_null = [0u8, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF];
    assert_eq!(Vec::<Option<i32>>::from_cql(&list(T::Int), Some(&with_null)).unwrap(), vec![Some(1), None]);
    assert!(matches!(Vec::<i32>::from_cql(&list(T::Int), Some(&with_null)), Err(ValueError::UnexpectedNull { .. })));
    // Hostile counts are refused by the typed readers too.
    let huge = [0x7Fu8, 0xFF, 0xFF, 0xFF];
    assert!(matches!(Vec::<i32>::from_cql(&list(T::Int), Some(&huge)), Err(ValueError::BadCount { .. })));
    assert!(matches!(
        HashMap::<i32, i32>::from_cql(&map(T::Int, T::Int), Some(&huge)),
        Err(ValueError::BadCount { .. })
    ));
}

#[test]
fn tuples_round_trip() {
    use ColumnType as T;
    use CqlValue as V;
    round_trip((1i32,), &T::Tuple(vec![T::Int]), V::Tuple(vec![Some(V::Int(1))]));
    round_trip(
        (1i32, "a".to_string(), Some(true)),
        &T::Tuple(vec![T::Int, T::Varchar, T::Boolean]),
        V::Tuple(vec![Some(V::Int(1)), Some(text("a")), Some(V::Boolean(true))]),
    );
    let eight = (1i8, 2i16, 3i32, 4i64, 5.0f32, 6.0f64, "7".to_string(), vec![8i32]);
    let ty = T::Tuple(vec![T::Tinyint, T::Smallint, T::Int, T::Bigint, T::Float, T::Double, T::Varchar, list(T::Int)]);
    let bytes = bytes_of(&eight, &ty);
    assert_eq!(FromCql::from_cql(&ty, Some(&bytes)), Ok(eight));
    // Tuples nest in collections.
    let pairs = vec![(1i32, "a".to_string()), (2, "b".to_string())];
    let ty = list(T::Tuple(vec![T::Int, T::Varchar]));
    assert_eq!(Vec::<(i32, String)>::from_cql(&ty, Some(&bytes_of(&pairs, &ty))).unwrap(), pairs);
}

#[test]
fn varints_and_decimals() {
    for v in [0i128, 1, -1, 127, 128, -128, -129, 255, 256, i64::MAX as i128, i64::MIN as i128, i128::MAX, i128::MIN] {
        let x = CqlVarint::from(v);
        assert_eq!(x.to_i128(), Some(v));
        assert_eq!(x.to_string(), v.to_string());
        assert_eq!(x.to_string().parse::<CqlVarint>().unwrap(), x);
    }
    assert_eq!(CqlVarint::from(u64::MAX).as_bytes(), [0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(CqlVarint::from(u64::MAX).to_i64(), None);
    assert_eq!(CqlVarint::from(-1i64).as_bytes(), [0xFF]);
    let big = "-123456789012345678901234567890123456789012345678901234567890";
    assert_eq!(varint(big).to_string(), big);
    assert_eq!(varint("+5"), CqlVarint::from(5));
    assert!("".parse::<CqlVarint>().is_err());
    assert!("1.5".parse::<CqlVarint>().is_err());
    assert!("-".parse::<CqlVarint>().is_err());
    // Equality is numeric; so is order.
    assert_eq!(CqlVarint(vec![0, 0, 1]), CqlVarint(vec![1]));
    assert_eq!(CqlVarint(vec![]), CqlVarint::from(0));
    let mut sorted = vec![varint("300"), varint("-1"), varint("-300"), varint("0"), varint("5")];
    sorted.sort();
    assert_eq!(sorted, vec![varint("-300"), varint("-1"), varint("0"), varint("5"), varint("300")]);

    let d: CqlDecimal = "123.4500".parse().unwrap();
    assert_eq!((d.unscaled.to_i64(), d.scale), (Some(1_234_500), 4));
    let d: CqlDecimal = "-1.5e-7".parse().unwrap();
    assert_eq!((d.unscaled.to_i64(), d.scale), (Some(-15), 8));
    let d: CqlDecimal = "1E+3".parse().unwrap();
    assert_eq!((d.unscaled.to_i64(), d.scale), (Some(1), -3));
    let d: CqlDecimal = ".5".parse().unwrap();
    assert_eq!((d.unscaled.to_i64(), d.scale), (Some(5), 1));
    assert!("1.2.3".parse::<CqlDecimal>().is_err());
    assert!("e5".parse::<CqlDecimal>().is_err());
    assert!("1e".parse::<CqlDecimal>().is_err());
}

#[test]
fn dates_times_and_timestamps() {
    assert_eq!(CqlDate::from_ymd(1970, 1, 1), Some(CqlDate(DATE_EPOCH)));
    assert_eq!(CqlDate::from_ymd(1969, 12, 31).unwrap().days_since_epoch(), -1);
    assert_eq!(CqlDate::from_ymd(2011, 2, 3).unwrap().days_since_epoch(), 15_008);
    assert_eq!(CqlDate::from_ymd(2023, 2, 29), None);
    assert_eq!(CqlDate::from_ymd(2024, 2, 29).unwrap().to_ymd(), (2024, 2, 29));
    assert_eq!(CqlDate(0).to_ymd(), (-5_877_641, 6, 23));
    assert_eq!(CqlDate(u32::MAX).to_ymd(), (5_881_580, 7, 11));
    assert_eq!(CqlDate::from_days_since_epoch(i32::MIN), CqlDate(0));
    assert_eq!(CqlDate::default(), CqlDate(DATE_EPOCH));

    let t = CqlTimestamp::from_ymd_hms_milli(2024, 1, 1, 12, 30, 15, 250).unwrap();
    assert_eq!(t.0, 1_704_112_215_250);
    assert_eq!(t.to_ymd_hms_milli(), (2024, 1, 1, 12, 30, 15, 250));
    assert_eq!(CqlTimestamp(-1).to_ymd_hms_milli(), (1969, 12, 31, 23, 59, 59, 999));
    assert_eq!(CqlTimestamp::from_ymd_hms_milli(2024, 1, 1, 24, 0, 0, 0), None);
    assert_eq!(CqlTimestamp::from_ymd_hms_milli(i64::MAX, 1, 1, 0, 0, 0, 0), None);
    assert_eq!(
        CqlTimestamp::from_ymd_hms_milli(-292_000_000, 1, 1, 0, 0, 0, 0).unwrap().to_ymd_hms_milli().0,
        -292_000_000
    );
    let st = UNIX_EPOCH + Duration::from_millis(1_500);
    assert_eq!(CqlTimestamp::from(st), CqlTimestamp(1_500));
    assert_eq!(CqlTimestamp(1_500).to_system_time(), Some(st));
    let before = UNIX_EPOCH - Duration::from_micros(1_500);
    assert_eq!(CqlTimestamp::from(before), CqlTimestamp(-2));
    assert_eq!(CqlTimestamp(-2).to_system_time(), Some(UNIX_EPOCH - Duration::from_millis(2)));

    assert_eq!(CqlTime::from_hms_nano(23, 59, 59, 999_999_999), Some(CqlTime(NANOS_PER_DAY - 1)));
    assert_eq!(CqlTime::from_hms_nano(24, 0, 0, 0), None);
    assert!(!CqlTime(NANOS_PER_DAY).is_valid());
    assert!(CqlDuration::new(0, 0, 0).is_valid());
    assert!(!CqlDuration::new(-1, 1, 0).is_valid());
}

#[test]
fn uuid_text() {
    let u = parse_uuid(UUID4).unwrap();
    assert_eq!(format_uuid(&u), UUID4);
    assert_eq!(parse_uuid(&UUID4.to_uppercase()), Some(u));
    assert_eq!(uuid_version(&u), 4);
    assert_eq!(uuid_version(&parse_uuid(UUID1).unwrap()), 1);
    assert_eq!(parse_uuid("123e4567e89b42d3a456426614174000"), None);
    assert_eq!(parse_uuid("123e4567-e89b-42d3-a456-42661417400g"), None);
    assert_eq!(parse_uuid("+23e4567-e89b-42d3-a456-426614174000"), None);
    assert_eq!(parse_uuid("123e4567-e89b-42d3-a456-4266141740é"), None);
}

fn spec(name: &str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec::new("ks", "t", name, ty)
}

#[test]
fn rows_of_bound_values() {
    use ColumnType as T;
    let specs = vec![spec("id", T::Int), spec("name", T::Varchar), spec("tags", set(T::Varchar))];
    let tags = BTreeSet::from(["a".to_string()]);
    let expected =
        vec![Value::Set(vec![0, 0, 0, 1]), Value::Set(b"ann".to_vec()), Value::Set(vec![0, 0, 0, 1, 0, 0, 0, 1, b'a'])];
    assert_eq!((1i32, "ann", &tags).serialize_row(&specs).unwrap(), expected);
    let named: &[(&str, &dyn SerializeValue)] = &[("tags", &tags), ("id", &1i32), ("name", &"ann")];
    assert_eq!(named.serialize_row(&specs).unwrap(), expected);
    let values = vec![CqlValue::Int(1), text("ann"), CqlValue::Set(vec![text("a")])];
    assert_eq!(values.serialize_row(&specs).unwrap(), expected);
    assert_eq!(values.as_slice().serialize_row(&specs).unwrap(), expected);
    let dynamic: Vec<&dyn SerializeValue> = vec![&1i32, &"ann", &tags];
    assert_eq!(dynamic.serialize_row(&specs).unwrap(), expected);
    let boxed: Vec<Box<dyn SerializeValue>> = vec![Box::new(1i32), Box::new("ann".to_string()), Box::new(tags.clone())];
    assert_eq!(boxed.serialize_row(&specs).unwrap(), expected);
    let mut by_name: HashMap<&str, CqlValue> = HashMap::new();
    by_name.insert("id", CqlValue::Int(1));
    by_name.insert("name", text("ann"));
    by_name.insert("tags", CqlValue::Set(vec![text("a")]));
    assert_eq!(by_name.serialize_row(&specs).unwrap(), expected);
    let by_name: BTreeMap<String, CqlValue> = by_name.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    assert_eq!(by_name.serialize_row(&specs).unwrap(), expected);
    assert_eq!(().serialize_row(&[]).unwrap(), vec![]);
    let nullable = vec![Some(CqlValue::Int(1)), None, None];
    assert_eq!(nullable.serialize_row(&specs).unwrap(), vec![expected[0].clone(), Value::Null, Value::Null]);
    assert_eq!([CqlValue::Int(1)].serialize_row(&specs[..1]).unwrap(), vec![expected[0].clone()]);

    // Errors: counts, names, and a bad value names its marker.
    assert_eq!(().serialize_row(&specs), Err(ValueError::ColumnCountMismatch { expected: 3, got: 0 }));
    assert_eq!((1i32,).serialize_row(&specs), Err(ValueError::ColumnCountMismatch { expected: 3, got: 1 }));
    let missing: &[(&str, &dyn SerializeValue)] = &[("id", &1i32), ("name", &"ann")];
    assert_eq!(missing.serialize_row(&specs), Err(ValueError::MissingBindValue { name: "tags".into() }));
    let unknown: &[(&str, &dyn SerializeValue)] = &[("id", &1i32), ("name", &"ann"), ("tags", &tags), ("x", &1i32)];
    assert_eq!(unknown.serialize_row(&specs), Err(ValueError::UnknownBindName { name: "x".into() }));
    assert_eq!(
        (1i32, 2i32, &tags).serialize_row(&specs),
        Err(ValueError::TypeMismatch { column: Some("name".into()), rust_type: "i32".into(), cql_type: "text".into() })
    );
    let e = (1i32, "ann", vec!["é"]).serialize_row(&[
        spec("id", T::Int),
        spec("name", T::Varchar),
        spec("tags", list(T::Ascii)),
    ]);
    assert_eq!(e, Err(ValueError::InvalidAscii { column: Some("tags".into()), byte: 0xC3 }));
    // A name used by two markers is bound to both.
    let twice = vec![spec("k", T::Int), spec("k", T::Int)];
    let named: &[(&str, &dyn SerializeValue)] = &[("k", &5i32)];
    assert_eq!(named.serialize_row(&twice).unwrap(), vec![Value::Set(vec![0, 0, 0, 5]); 2]);
    // Sixteen positional values.
    let sixteen: Vec<ColumnSpec> = (0..16).map(|i| spec(&format!("c{i}"), T::Int)).collect();
    let row = (0i32, 1i32, 2i32, 3i32, 4i32, 5i32, 6i32, 7i32, 8i32, 9i32, 10i32, 11i32, 12i32, 13i32, 14i32, Unset);
    let values = row.serialize_row(&sixteen).unwrap();
    assert_eq!((values.len(), &values[15]), (16, &Value::Unset));
}

#[derive(Debug, PartialEq)]
struct User {
    id: i32,
    name: String,
    email: Option<String>,
    r#type: Option<String>,
    scores: Vec<i64>,
    home: Option<Address>,
}
crate::impl_from_row!(User { id, name, email = "Email", r#type, scores, home });

#[derive(Debug, PartialEq, Clone)]
struct Address {
    street: String,
    zip: Option<i32>,
}
crate::impl_udt!(Address { street, zip });

struct NewUser {
    id: i32,
    name: Option<String>,
}
crate::impl_serialize_row!(NewUser { id, name });

fn address_type() -> ColumnType {
    udt(&[("street", ColumnType::Varchar), ("zip", ColumnType::Int), ("country", ColumnType::Varchar)])
}

fn user_columns() -> Vec<ColumnSpec> {
    use ColumnType as T;
    vec![
        spec("scores", list(T::Bigint)),
        spec("id", T::Int),
        spec("extra", T::Boolean),
        spec("name", T::Varchar),
        spec("Email", T::Varchar),
        spec("type", T::Varchar),
        spec("home", address_type()),
    ]
}

#[test]
fn rows_into_structs_by_column_name() {
    let home = Address { street: "Main".into(), zip: Some(7) };
    let home_bytes = bytes_of(&home, &address_type());
    let row = vec![
        Some(bytes_of(&vec![1i64, 2], &list(ColumnType::Bigint))),
        Some(vec![0, 0, 0, 9]),
        Some(vec![1]),
        Some(b"ann".to_vec()),
        None,
        Some(b"admin".to_vec()),
        Some(home_bytes.clone()),
    ];
    let user = User::from_row(&user_columns(), &row).unwrap();
    assert_eq!(
        user,
        User {
            id: 9,
            name: "ann".into(),
            email: None,
            r#type: Some("admin".into()),
            scores: vec![1, 2],
            home: Some(home.clone())
        }
    );
    // Errors name the column.
    let mut null_id = row.clone();
    null_id[1] = None;
    assert_eq!(
        User::from_row(&user_columns(), &null_id),
        Err(ValueError::UnexpectedNull { column: Some("id".into()), cql_type: "int".into() })
    );
    let mut columns = user_columns();
    columns[3].ty = ColumnType::Int;
    assert_eq!(
        User::from_row(&columns, &row),
        Err(ValueError::TypeMismatch {
            column: Some("name".into()),
            rust_type: "String".into(),
            cql_type: "int".into()
        })
    );
    let mut columns = user_columns();
    columns[4].name = "email".into();
    assert_eq!(User::from_row(&columns, &row), Err(ValueError::MissingColumn { name: "Email".into() }));
    assert_eq!(
        User::from_row(&user_columns(), &row[..3]),
        Err(ValueError::ColumnCountMismatch { expected: 7, got: 3 })
    );
    // A bad UDT field: the path is column.field.
    let mut bad_home = row.clone();
    bad_home[6] = Some(vec![0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0]);
    assert_eq!(
        User::from_row(&user_columns(), &bad_home),
        Err(ValueError::UnexpectedNull { column: Some("home.street".into()), cql_type: "text".into() })
    );
}

#[test]
fn rows_into_tuples_and_values() {
    use ColumnType as T;
    let columns = vec![spec("a", T::Int), spec("b", T::Varchar)];
    let row = vec![Some(vec![0, 0, 0, 1]), None];
    assert_eq!(<(i32, Option<String>)>::from_row(&columns, &row).unwrap(), (1, None));
    assert_eq!(<Vec<Option<CqlValue>>>::from_row(&columns, &row).unwrap(), vec![Some(CqlValue::Int(1)), None]);
    assert_eq!(<(i32,)>::from_row(&columns, &row), Err(ValueError::ColumnCountMismatch { expected: 1, got: 2 }));
    assert_eq!(
        <(i32, String)>::from_row(&columns, &row),
        Err(ValueError::UnexpectedNull { column: Some("b".into()), cql_type: "text".into() })
    );
    assert_eq!(column_by_name::<i32>(&columns, &row, "a").unwrap(), 1);
    assert_eq!(column_by_name::<i32>(&columns, &row, "z"), Err(ValueError::MissingColumn { name: "z".into() }));
    let bad = vec![Some(vec![0, 0, 1]), None];
    assert!(matches!(
        <Vec<Option<CqlValue>>>::from_row(&columns, &bad),
        Err(ValueError::BadLength { column: Some(c), .. }) if c == "a"
    ));
}

#[test]
fn structs_as_user_types() {
    let ty = address_type();
    let a = Address { street: "Main".into(), zip: None };
    let bytes = bytes_of(&a, &ty);
    // Type order, struct fields by name, the unknown-to-the-struct `country` null.
    assert_eq!(bytes, [0, 0, 0, 4, b'M', b'a', b'i', b'n', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(Address::from_cql(&ty, Some(&bytes)).unwrap(), a);
    // A value written before `zip` and `country` were added.
    assert_eq!(Address::from_cql(&ty, Some(&[0, 0, 0, 1, b'x'])).unwrap(), Address { street: "x".into(), zip: None });
    // UDT values inside collections.
    let many = vec![a.clone(), Address { street: "b".into(), zip: Some(1) }];
    let lt = list(ty.clone());
    assert_eq!(Vec::<Address>::from_cql(&lt, Some(&bytes_of(&many, &lt))).unwrap(), many);
    // A type without a struct field is an error both ways.
    let narrow = udt(&[("street", ColumnType::Varchar)]);
    assert_eq!(
        a.serialize(&narrow, &mut Vec::new()),
        Err(ValueError::UnknownField { column: None, cql_type: "ks.u".into(), field: "zip".into() })
    );
    assert!(matches!(Address::from_cql(&narrow, Some(&[0, 0, 0, 0])), Err(ValueError::UnknownField { .. })));
    assert!(matches!(Address::from_cql(&ColumnType::Int, Some(&[0; 4])), Err(ValueError::TypeMismatch { .. })));
    assert!(matches!(a.serialize(&ColumnType::Varchar, &mut Vec::new()), Err(ValueError::TypeMismatch { .. })));
    assert!(matches!(Address::from_cql(&ty, None), Err(ValueError::UnexpectedNull { .. })));
    // A wrong field type names the field.
    let wrong = udt(&[("street", ColumnType::Int), ("zip", ColumnType::Int)]);
    assert!(matches!(
        a.serialize(&wrong, &mut Vec::new()),
        Err(ValueError::TypeMismatch { column: Some(f), .. }) if f == "street"
    ));
    // What CqlValue makes of it.
    assert_eq!(CqlValue::deserialize(&ty, &bytes).unwrap().to_string(), "{street: 'Main', zip: null, country: null}");
}

#[test]
fn structs_as_bound_values() {
    use ColumnType as T;
    let specs = vec![spec("name", T::Varchar), spec("id", T::Int)];
    let values = NewUser { id: 3, name: None }.serialize_row(&specs).unwrap();
    assert_eq!(values, vec![Value::Null, Value::Set(vec![0, 0, 0, 3])]);
    assert_eq!(
        NewUser { id: 3, name: None }.serialize_row(&specs[1..]),
        Err(ValueError::UnknownBindName { name: "name".into() })
    );
    let more = vec![spec("name", T::Varchar), spec("id", T::Int), spec("age", T::Int)];
    assert_eq!(
        NewUser { id: 3, name: None }.serialize_row(&more),
        Err(ValueError::MissingBindValue { name: "age".into() })
    );
}

#[test]
fn error_columns_and_type_names() {
    let e = ValueError::UnexpectedNull { column: None, cql_type: "int".into() };
    assert_eq!(e.column(), None);
    let e = e.in_column("zip").in_column("home");
    assert_eq!(e.column(), Some("home.zip"));
    assert_eq!(e.to_string(), "column home.zip: unexpected null int (use Option<T> for a nullable value)");
    assert_eq!(ValueError::MissingColumn { name: "x".into() }.in_column("y").column(), Some("x"));
    assert_eq!(short_type_name::<Vec<Option<String>>>(), "Vec<Option<String>>");
    assert_eq!(short_type_name::<HashMap<String, (i32, [u8; 16])>>(), "HashMap<String, (i32, [u8; 16])>");
    assert_eq!(short_type_name::<str>(), "str");
    let nested = ColumnType::Map(
        Box::new(ColumnType::Varchar),
        Box::new(ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Custom("a.B".into())])),
    );
    assert_eq!(type_name(&nested), "map<text, tuple<int, 'a.B'>>");
}
