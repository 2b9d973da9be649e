//! Tests of how values print: cqlsh's forms (checked against the server's cqlsh-compatible
//! display, `src/cql/src/value/display.rs`, which follows cqlsh 6 byte for byte).

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use super::tests::{text, varint, UUID1, UUID4};
use super::*;

fn show(v: &CqlValue) -> String {
    v.to_string()
}

fn cell(v: &CqlValue) -> String {
    v.to_cqlsh_string(&DisplayOptions::default())
}

#[test]
fn scalars() {
    use CqlValue as V;
    assert_eq!(show(&text("it's")), "'it''s'");
    assert_eq!(format!("{:#}", text("it's")), "it's");
    assert_eq!(cell(&text("it's")), "it's");
    assert_eq!(show(&text("")), "''");
    assert_eq!(cell(&text("")), "");
    assert_eq!(cell(&text("a\\b\tc\nd\u{1}é")), "a\\\\b\\tc\\nd\\x01é");
    assert_eq!(show(&V::Ascii("x".into())), "'x'");
    assert_eq!(show(&V::Blob(vec![0xCA, 0xFE, 0x01])), "0xcafe01");
    assert_eq!(show(&V::Blob(vec![])), "0x");
    assert_eq!(show(&V::Custom { class: "a.B".into(), bytes: vec![0xAB] }), "0xab");
    assert_eq!(show(&V::Boolean(true)), "True");
    assert_eq!(show(&V::Boolean(false)), "False");
    assert_eq!(show(&V::Tinyint(-128)), "-128");
    assert_eq!(show(&V::Smallint(300)), "300");
    assert_eq!(show(&V::Int(i32::MIN)), "-2147483648");
    assert_eq!(show(&V::Bigint(i64::MIN)), "-9223372036854775808");
    assert_eq!(show(&V::Counter(5)), "5");
    assert_eq!(show(&V::Varint(varint("-123456789012345678901234567890"))), "-123456789012345678901234567890");
    assert_eq!(show(&V::Uuid(parse_uuid(UUID4).unwrap())), UUID4);
    assert_eq!(show(&V::Timeuuid(parse_uuid(UUID1).unwrap())), UUID1);
    assert_eq!(show(&V::Inet("127.0.0.1".parse().unwrap())), "127.0.0.1");
    assert_eq!(show(&V::Inet("2001:db8::1".parse().unwrap())), "2001:db8::1");
    assert_eq!(show(&V::Inet("::1.2.3.4".parse::<IpAddr>().unwrap())), "::1.2.3.4");
    assert_eq!(show(&V::Inet("::ffff:1.2.3.4".parse::<IpAddr>().unwrap())), "::ffff:1.2.3.4");
    assert_eq!(show(&V::Empty), "");
}

#[test]
fn numbers_as_cqlsh_prints_them() {
    use CqlValue as V;
    assert_eq!(show(&V::Double(1.5)), "1.5");
    assert_eq!(show(&V::Double(std::f64::consts::PI)), "3.14159");
    assert_eq!(show(&V::Double(1.0)), "1");
    assert_eq!(show(&V::Double(-0.0)), "-0");
    assert_eq!(show(&V::Double(123456.789)), "1.2346e+05");
    assert_eq!(show(&V::Double(12345.678)), "12345.678");
    assert_eq!(show(&V::Double(1e20)), "1e+20");
    assert_eq!(show(&V::Double(1.5e-7)), "1.5e-07");
    assert_eq!(show(&V::Double(0.001)), "0.001");
    assert_eq!(show(&V::Float(0.1)), "0.1");
    assert_eq!(show(&V::Float(3.25)), "3.25");
    assert_eq!(show(&V::Double(f64::NAN)), "NaN");
    assert_eq!(show(&V::Double(f64::INFINITY)), "Infinity");
    assert_eq!(show(&V::Float(f32::NEG_INFINITY)), "-Infinity");
    let options = DisplayOptions { double_precision: 10, ..DisplayOptions::default() };
    assert_eq!(V::Double(std::f64::consts::PI).to_cqlsh_string(&options), "3.1415926536");
    // Decimals: Python's str(Decimal).
    let dec = |s: &str| V::Decimal(s.parse().unwrap()).to_string();
    assert_eq!(dec("1.50"), "1.50");
    assert_eq!(dec("-0.001"), "-0.001");
    assert_eq!(dec("0"), "0");
    assert_eq!(dec("1E+3"), "1E+3");
    assert_eq!(dec("1.5e-7"), "1.5E-7");
    assert_eq!(dec("0.000001"), "0.000001");
    assert_eq!(dec("123456789012345678901234567890.5"), "123456789012345678901234567890.5");
    assert_eq!(V::Decimal(CqlDecimal::new(0, -3)).to_string(), "0E+3");
}

#[test]
fn dates_and_times() {
    use CqlValue as V;
    assert_eq!(show(&V::Timestamp(CqlTimestamp(0))), "1970-01-01 00:00:00.000000+0000");
    assert_eq!(show(&V::Timestamp(CqlTimestamp(1_704_067_200_000))), "2024-01-01 00:00:00.000000+0000");
    assert_eq!(show(&V::Timestamp(CqlTimestamp(1_296_705_900_123))), "2011-02-03 04:05:00.123000+0000");
    assert_eq!(show(&V::Timestamp(CqlTimestamp(-1))), "1969-12-31 23:59:59.999000+0000");
    // Outside Python's datetime: the milliseconds.
    assert_eq!(show(&V::Timestamp(CqlTimestamp(i64::MIN))), "-9223372036854775808");
    assert_eq!(show(&V::Timestamp(CqlTimestamp(253_402_300_800_000))), "253402300800000");
    // cqlsh's quirks: the Python driver's float seconds, glibc's unpadded year.
    // (Strings as the server's cqlsh-compatible display prints them.)
    assert_eq!(show(&V::Timestamp(CqlTimestamp(253_402_300_799_999))), "9999-12-31 23:59:59.998993+0000");
    assert_eq!(show(&V::Timestamp(CqlTimestamp(120_325_018_815_748))), "5782-12-12 16:20:15.748001+0000");
    assert_eq!(show(&V::Timestamp(CqlTimestamp(-40_322_226_100_824))), "692-03-28 13:38:19.176003+0000");
    assert_eq!(CqlTimestamp(-40_322_226_100_824).to_string(), "0692-03-28 13:38:19.176000+0000");
    assert_eq!(CqlTimestamp(253_402_300_799_999).to_string(), "9999-12-31 23:59:59.999000+0000");
    assert_eq!(show(&V::Date(CqlDate(DATE_EPOCH))), "1970-01-01");
    assert_eq!(show(&V::Date(CqlDate::from_ymd(2011, 2, 3).unwrap())), "2011-02-03");
    assert_eq!(show(&V::Date(CqlDate(0))), "-2147483648");
    assert_eq!(show(&V::Time(CqlTime(0))), "00:00:00.000000000");
    assert_eq!(show(&V::Time(CqlTime::from_hms_nano(13, 30, 5, 42).unwrap())), "13:30:05.000000042");
    assert_eq!(show(&V::Duration(CqlDuration::new(14, 3, 5_400_000_000_000))), "1y2mo3d1h30m");
    assert_eq!(show(&V::Duration(CqlDuration::new(0, 0, -1_001_000))), "-1ms1us");
    assert_eq!(show(&V::Duration(CqlDuration::new(0, 0, 0))), "");
    assert_eq!(CqlDuration::new(0, 0, 0).to_string(), "0s");
    assert_eq!(CqlDuration::new(1, 0, 1).to_string(), "1mo1ns");
}

#[test]
fn collections_tuples_and_udts() {
    use CqlValue as V;
    assert_eq!(show(&V::List(vec![V::Int(1), V::Int(2)])), "[1, 2]");
    assert_eq!(show(&V::List(vec![])), "[]");
    assert_eq!(show(&V::Set(vec![V::Int(1), V::Int(2)])), "{1, 2}");
    assert_eq!(show(&V::Map(vec![(text("a"), V::Int(1)), (text("b"), V::Int(2))])), "{'a': 1, 'b': 2}");
    assert_eq!(show(&V::Tuple(vec![Some(V::Int(1)), Some(text("a")), None])), "(1, 'a', null)");
    let u = V::Udt {
        keyspace: "ks".into(),
        name: "u".into(),
        fields: vec![("f".into(), Some(V::Int(1))), ("g".into(), None), ("h".into(), Some(text("x")))],
    };
    assert_eq!(show(&u), "{f: 1, g: null, h: 'x'}");
    // Inside collections text, timestamps and inets are quoted, doubles use float precision.
    let nested = V::List(vec![
        V::Timestamp(CqlTimestamp(0)),
        V::Inet("10.0.0.1".parse().unwrap()),
        V::Date(CqlDate(DATE_EPOCH)),
        V::Double(std::f64::consts::PI),
        V::Blob(vec![1]),
        V::Boolean(true),
    ]);
    assert_eq!(show(&nested), "['1970-01-01 00:00:00.000000+0000', '10.0.0.1', 1970-01-01, 3.14159, 0x01, True]");
    assert_eq!(format!("{nested:#}"), show(&nested));
    let deep = V::Map(vec![(V::Int(1), V::List(vec![V::Set(vec![text("it's")])]))]);
    assert_eq!(show(&deep), "{1: [{'it''s'}]}");
    let options = DisplayOptions { null: "NULL".into(), ..DisplayOptions::default() };
    assert_eq!(V::Tuple(vec![None]).to_cqlsh_string(&options), "(NULL)");
}

#[test]
fn value_types_print_alone() {
    assert_eq!(CqlTimestamp(0).to_string(), "1970-01-01 00:00:00.000000+0000");
    assert_eq!(CqlDate(DATE_EPOCH + 1).to_string(), "1970-01-02");
    assert_eq!(CqlTime(1).to_string(), "00:00:00.000000001");
    assert_eq!(CqlTime(-1).to_string(), "-1");
    assert_eq!(CqlVarint::from(-5).to_string(), "-5");
    assert_eq!(format!("{:?}", CqlVarint::from(-5)), "CqlVarint(-5)");
    assert_eq!(CqlDecimal::new(12345, 2).to_string(), "123.45");
}

#[test]
fn errors_print_readably() {
    let e = ValueError::TypeMismatch { column: Some("id".into()), rust_type: "String".into(), cql_type: "int".into() };
    assert_eq!(e.to_string(), "column id: Rust type String cannot be converted to or from CQL type int");
    assert_eq!(ValueError::MissingColumn { name: "x".into() }.to_string(), "no column named x in the result");
    assert_eq!(ValueError::ColumnCountMismatch { expected: 2, got: 3 }.to_string(), "expected 2 values, got 3");
    assert_eq!(ValueError::MissingBindValue { name: "k".into() }.to_string(), "no value for bind marker k");
    assert_eq!(ValueError::UnknownBindName { name: "k".into() }.to_string(), "no bind marker named k");
    assert_eq!(
        ValueError::NullInCollection { column: None, cql_type: "set<int>".into() }.to_string(),
        "null is not allowed inside set<int>"
    );
}
