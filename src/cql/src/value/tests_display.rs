//! Tests of the cqlsh display form and of CQL literal text (which must read back).

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use num_bigint::BigInt;

use super::display::{cqlsh_float, python_decimal};
use super::timeuuid::{min_timeuuid, parse_uuid};
use super::*;
use crate::term::{Literal, Term};

fn text(s: &str) -> CqlValue {
    CqlValue::Text(s.to_string())
}
fn dec(u: &str, scale: i32) -> CqlValue {
    CqlValue::Decimal { unscaled: BigInt::from_str(u).unwrap(), scale }
}

#[test]
fn scalars_as_cqlsh_prints_them() {
    use CqlValue as V;
    let cases: Vec<(CqlValue, &str)> = vec![
        (V::Null, "null"),
        (V::Empty, ""),
        (V::Int(-42), "-42"),
        (V::Bigint(i64::MIN), "-9223372036854775808"),
        (V::Counter(7), "7"),
        (V::Tinyint(-1), "-1"),
        (V::Varint(BigInt::from_str("123456789012345678901234567890").unwrap()), "123456789012345678901234567890"),
        (V::Boolean(true), "True"),
        (V::Boolean(false), "False"),
        (text("it's"), "it's"),
        (text("a\\b"), "a\\\\b"),
        (text("line\nnext\ttab\r\u{1}\u{7f}\u{85}\u{a0}é✓"), "line\\nnext\\ttab\\r\\x01\\x7f\\x85\\xa0é✓"),
        (V::Ascii("plain 01!".into()), "plain 01!"),
        (V::Blob(vec![0xCA, 0xFE, 0x00]), "0xcafe00"),
        (V::Blob(vec![]), "0x"),
        (V::Uuid(parse_uuid("123E4567-E89B-42D3-A456-426614174000").unwrap()), "123e4567-e89b-42d3-a456-426614174000"),
        (V::Timeuuid(min_timeuuid(1_296_705_900_000)), "c4fb3e00-2f4a-11e0-8080-808080808080"),
        (V::Inet(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))), "127.0.0.1"),
        (V::Inet(IpAddr::V6(Ipv6Addr::from_str("2001:db8:0:0:0:0:0:1").unwrap())), "2001:db8::1"),
        (V::Inet(IpAddr::V6(Ipv6Addr::from_str("::1.2.3.4").unwrap())), "::1.2.3.4"),
        (V::Inet(IpAddr::V6(Ipv6Addr::from_str("::ffff:1.2.3.4").unwrap())), "::ffff:1.2.3.4"),
        (V::Timestamp(1_296_705_900_000), "2011-02-03 04:05:00.000000+0000"),
        (V::Timestamp(1_296_705_900_001), "2011-02-03 04:05:00.001000+0000"),
        (V::Timestamp(-1), "1969-12-31 23:59:59.999000+0000"),
        (V::Timestamp(253_402_300_799_999), "9999-12-31 23:59:59.998993+0000"),
        (V::Timestamp(-62_135_596_800_000), "1-01-01 00:00:00.000000+0000"),
        (V::Timestamp(-62_135_596_800_001), "-62135596800001"),
        (V::Timestamp(253_402_300_800_000), "253402300800000"),
        (V::Date(2_147_498_656), "2011-02-03"),
        (V::Date(0), "-2147483648"),
        (V::Time(14_700_000_000_001), "04:05:00.000000001"),
        (V::Time(0), "00:00:00.000000000"),
        (V::Duration { months: 0, days: 0, nanos: 5_400_000_000_000 }, "1h30m"),
        (V::Duration { months: 14, days: 3, nanos: 1_001 }, "1y2mo3d1us1ns"),
        (V::Duration { months: 0, days: -1, nanos: -7_200_000_000_000 }, "-1d2h"),
        (V::Duration { months: 0, days: 0, nanos: 0 }, ""),
    ];
    for (v, expected) in cases {
        assert_eq!(v.to_display(), expected, "{v:?}");
    }
}

#[test]
fn floats_as_cqlsh_prints_them() {
    let cases: Vec<(f64, &str)> = vec![
        (f64::from(1.1f32), "1.1"),
        (std::f64::consts::PI, "3.14159"),
        (123_456.0, "1.2346e+05"),
        (12_345.6, "12345.6"),
        (0.001234, "0.001234"),
        (1e-20, "1e-20"),
        (0.0, "0"),
        (-0.0, "-0"),
        (1e100, "1e+100"),
        (f64::from(0.1f32), "0.1"),
        (100.0, "100"),
        (99_999.5, "99999.5"),
        (0.00001234, "1.2e-05"),
        (-1234.5678, "-1234.5678"),
        (1e15, "1e+15"),
        (123_456_789.0, "1.2346e+08"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ];
    for (v, expected) in cases {
        assert_eq!(cqlsh_float(v, 5), expected, "{v}");
    }
    assert_eq!(cqlsh_float(std::f64::consts::PI, 12), "3.14159265359");
    assert_eq!(CqlValue::Float(1.1).to_display(), "1.1");
    assert_eq!(CqlValue::Double(std::f64::consts::PI).to_display(), "3.14159");
    let wide = DisplayOptions { double_precision: 12, ..DisplayOptions::default() };
    assert_eq!(CqlValue::Double(std::f64::consts::PI).to_display_with(&wide), "3.14159265359");
    // Inside a collection the float precision applies.
    let l = CqlValue::List(vec![CqlValue::Double(std::f64::consts::PI)]);
    assert_eq!(l.to_display_with(&wide), "[3.14159]");
}

#[test]
fn decimals_as_python_prints_them() {
    for (u, scale, expected) in [
        ("15", 1, "1.5"),
        ("1", -1, "1E+1"),
        ("1", 7, "1E-7"),
        ("1", 6, "0.000001"),
        ("0", 8, "0E-8"),
        ("-12345", 2, "-123.45"),
        ("100", 0, "100"),
        ("0", 0, "0"),
        ("1", -3, "1E+3"),
        ("12", -1, "1.2E+2"),
        ("-1", 7, "-1E-7"),
    ] {
        assert_eq!(python_decimal(&BigInt::from_str(u).unwrap(), scale), expected, "{u} {scale}");
        assert_eq!(dec(u, scale).to_display(), expected);
    }
}

#[test]
fn collections_as_cqlsh_prints_them() {
    use CqlValue as V;
    assert_eq!(V::List(vec![V::Int(1), V::Int(2)]).to_display(), "[1, 2]");
    assert_eq!(V::Set(vec![V::Int(1), V::Int(2)]).to_display(), "{1, 2}");
    assert_eq!(V::List(vec![text("it's"), text("b")]).to_display(), "['it''s', 'b']");
    assert_eq!(V::Map(vec![(text("a"), V::Int(1)), (text("b"), V::Int(2))]).to_display(), "{'a': 1, 'b': 2}");
    assert_eq!(
        V::Map(vec![(text("k"), V::List(vec![V::Timestamp(0)]))]).to_display(),
        "{'k': ['1970-01-01 00:00:00.000000+0000']}"
    );
    // Inet addresses are quoted and listed in string order; uuids bare, in integer order.
    let ips =
        V::Set(vec![V::Inet(IpAddr::V4(Ipv4Addr::new(9, 0, 0, 1))), V::Inet(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))]);
    assert_eq!(ips.to_display(), "{'10.0.0.1', '9.0.0.1'}");
    let (a, b) = (min_timeuuid(0), min_timeuuid(1_000_000_000_000));
    let expected = if a < b { (a, b) } else { (b, a) };
    let uuids = CqlValue::set(&CqlType::Timeuuid, vec![V::Timeuuid(a), V::Timeuuid(b)]);
    assert_eq!(
        uuids.to_display(),
        format!("{{{}, {}}}", timeuuid::format_uuid(&expected.0), timeuuid::format_uuid(&expected.1))
    );
    assert_eq!(
        V::List(vec![
            V::Blob(vec![1]),
            V::Boolean(true),
            V::Date(2_147_498_656),
            V::Duration { months: 1, days: 0, nanos: 0 }
        ])
        .to_display(),
        "[0x01, True, 2011-02-03, 1mo]"
    );
    assert_eq!(V::Tuple(vec![Some(V::Int(1)), Some(text("a")), None]).to_display(), "(1, 'a', null)");
    assert_eq!(
        V::Udt(vec![("street".into(), Some(text("Main St"))), ("zip".into(), None)]).to_display(),
        "{street: 'Main St', zip: null}"
    );
    assert_eq!(V::List(vec![V::List(vec![V::Int(1)]), V::List(vec![])]).to_display(), "[[1], []]");
}

#[test]
fn cql_literals() {
    use CqlValue as V;
    let cases: Vec<(CqlValue, &str)> = vec![
        (V::Null, "null"),
        (text("it's"), "'it''s'"),
        (V::Blob(vec![0xCA, 0xFE]), "0xcafe"),
        (V::Boolean(false), "false"),
        (V::Int(-3), "-3"),
        (V::Timestamp(1_296_705_900_123), "'2011-02-03T04:05:00.123Z'"),
        (V::Timestamp(-1), "'1969-12-31T23:59:59.999Z'"),
        (V::Timestamp(i64::MAX), "9223372036854775807"),
        (V::Date(2_147_498_656), "'2011-02-03'"),
        (V::Date(0), "'-5877641-06-23'"),
        (V::Time(14_700_000_000_001), "'04:05:00.000000001'"),
        (V::Duration { months: 0, days: 0, nanos: 5_400_000_000_000 }, "1h30m"),
        (V::Duration { months: 0, days: 0, nanos: 0 }, "0s"),
        (V::Double(1e10), "1.0E10"),
        (V::Double(0.001), "0.001"),
        (V::Double(1e-4), "1.0E-4"),
        (V::Double(123.0), "123.0"),
        (V::Double(1_234_567.0), "1234567.0"),
        (V::Double(12_345_678.0), "1.2345678E7"),
        (V::Double(-0.0), "-0.0"),
        (V::Double(f64::NAN), "NaN"),
        (V::Double(f64::NEG_INFINITY), "-Infinity"),
        (V::Float(1.1), "1.1"),
        (V::Float(3.0e38), "3.0E38"),
        (dec("15", 1), "1.5"),
        (dec("-5", 3), "-0.005"),
        (dec("1", -3), "1E+3"),
        (dec("123", 0), "123"),
        (dec("12", 200), "1.2E-199"),
        (V::Inet(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))), "'10.0.0.1'"),
        (V::Uuid(min_timeuuid(0)), "13814000-1dd2-11b2-8080-808080808080"),
        (V::List(vec![V::Int(1), V::Int(2)]), "[1, 2]"),
        (V::Set(vec![text("a")]), "{'a'}"),
        (V::Map(vec![(text("a"), V::Int(1))]), "{'a': 1}"),
        (V::Tuple(vec![Some(V::Int(1)), None]), "(1, null)"),
        (V::Udt(vec![("Zip".into(), Some(V::Int(1))), ("street".into(), None)]), "{\"Zip\": 1, street: null}"),
    ];
    for (v, expected) in cases {
        assert_eq!(v.to_cql_literal(), expected, "{v:?}");
    }
}

/// A literal's text, read back as the parser would read it, gives the same value.
#[test]
fn cql_literals_read_back() {
    use CqlType as T;
    use CqlValue as V;
    let read = |ty: &CqlType, text: &str| -> CqlValue {
        let term = if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            Term::Literal(Literal::String(inner.replace("''", "'")))
        } else if text.contains(['.', 'E']) || text == "NaN" {
            Term::Literal(Literal::Float(text.to_string()))
        } else if text.ends_with(['h', 's', 'd']) {
            Term::Literal(Literal::Duration(text.to_string()))
        } else {
            Term::Literal(Literal::Integer(text.to_string()))
        };
        from_term(ty, &term, "c", &mut NoEnv).unwrap()
    };
    let cases: Vec<(CqlType, CqlValue)> = vec![
        (T::Text, text("it's")),
        (T::Timestamp, V::Timestamp(1_296_705_900_123)),
        (T::Timestamp, V::Timestamp(-62_135_596_800_000)),
        (T::Timestamp, V::Timestamp(i64::MIN)),
        (T::Date, V::Date(0)),
        (T::Date, V::Date(u32::MAX)),
        (T::Date, V::Date(2_147_498_656)),
        (T::Time, V::Time(14_700_000_000_001)),
        (T::Duration, V::Duration { months: 14, days: 3, nanos: 1001 }),
        (T::Double, V::Double(12_345_678.9)),
        (T::Double, V::Double(5e-324)),
        (T::Float, V::Float(f32::MAX)),
        (T::Float, V::Float(1.1)),
        (T::Decimal, dec("12", 200)),
        (T::Decimal, dec("-5", 3)),
        (T::Decimal, dec("1", -3)),
        (T::Decimal, dec("1", i32::MIN)),
        (T::Decimal, dec("123456789", i32::MAX)),
        (T::Inet, V::Inet(IpAddr::V6(Ipv6Addr::from_str("fe80::1").unwrap()))),
    ];
    for (ty, v) in cases {
        assert_eq!(read(&ty, &v.to_cql_literal()), v, "{ty} {}", v.to_cql_literal());
    }
}
