//! Tests of [`from_term`]: every type from its literals, Cassandra's messages, collections,
//! tuples, UDTs, functions and casts.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use num_bigint::BigInt;

use super::timeuuid::{self, parse_uuid};
use super::*;
use crate::term::{BindMarker, Literal, Term};

fn lit(l: Literal) -> Term {
    Term::Literal(l)
}
fn s(v: &str) -> Term {
    lit(Literal::String(v.to_string()))
}
fn int(v: &str) -> Term {
    lit(Literal::Integer(v.to_string()))
}
fn float(v: &str) -> Term {
    lit(Literal::Float(v.to_string()))
}
fn dur(v: &str) -> Term {
    lit(Literal::Duration(v.to_string()))
}
fn list_t(t: CqlType) -> CqlType {
    CqlType::List { element: Box::new(t), frozen: false }
}
fn set_t(t: CqlType) -> CqlType {
    CqlType::Set { element: Box::new(t), frozen: false }
}
fn map_t(k: CqlType, v: CqlType) -> CqlType {
    CqlType::Map { key: Box::new(k), value: Box::new(v), frozen: false }
}
fn udt_t() -> CqlType {
    CqlType::Udt {
        keyspace: "ks".into(),
        name: "address".into(),
        fields: vec![("street".into(), CqlType::Text), ("zip".into(), CqlType::Int)],
        frozen: true,
    }
}

fn ok(ty: &CqlType, t: &Term) -> CqlValue {
    from_term(ty, t, "c", &mut NoEnv).unwrap()
}
fn err(ty: &CqlType, t: &Term) -> String {
    from_term(ty, t, "c", &mut NoEnv).unwrap_err().to_string()
}
fn ts(t: &str) -> i64 {
    match ok(&CqlType::Timestamp, &s(t)) {
        CqlValue::Timestamp(ms) => ms,
        other => panic!("{other:?}"),
    }
}

#[test]
fn integers() {
    use CqlType as T;
    use CqlValue as V;
    assert_eq!(ok(&T::Int, &int("-42")), V::Int(-42));
    assert_eq!(ok(&T::Int, &int("007")), V::Int(7));
    assert_eq!(ok(&T::Tinyint, &int("-128")), V::Tinyint(-128));
    assert_eq!(ok(&T::Smallint, &int("32767")), V::Smallint(32767));
    assert_eq!(ok(&T::Bigint, &int("-9223372036854775808")), V::Bigint(i64::MIN));
    assert_eq!(ok(&T::Counter, &int("5")), V::Counter(5));
    assert_eq!(
        ok(&T::Varint, &int("-123456789012345678901234567890")),
        V::Varint(BigInt::from_str("-123456789012345678901234567890").unwrap())
    );
    assert_eq!(err(&T::Int, &int("2147483648")), "Unable to make int from '2147483648'");
    assert_eq!(err(&T::Tinyint, &int("128")), "Unable to make byte from '128'");
    assert_eq!(err(&T::Smallint, &int("-32769")), "Unable to make short from '-32769'");
    assert_eq!(err(&T::Bigint, &int("9223372036854775808")), "Unable to make long from '9223372036854775808'");
    assert_eq!(err(&T::Int, &s("foo")), "Invalid STRING constant (foo) for \"c\" of type int");
    assert_eq!(err(&T::Int, &float("1.5")), "Invalid FLOAT constant (1.5) for \"c\" of type int");
    assert_eq!(err(&T::Text, &int("1")), "Invalid INTEGER constant (1) for \"c\" of type text");
    assert_eq!(err(&list_t(T::Int), &int("1")), "Invalid INTEGER constant (1) for \"c\" of type list<int>");
    assert_eq!(ok(&T::Int, &Term::Negate(Box::new(int("5")))), V::Int(-5));
    assert_eq!(ok(&T::Int, &Term::Negate(Box::new(int("-5")))), V::Int(5));
}

#[test]
fn floating_point_and_decimal() {
    use CqlType as T;
    use CqlValue as V;
    assert_eq!(ok(&T::Float, &float("1.5")), V::Float(1.5));
    assert_eq!(ok(&T::Float, &int("3")), V::Float(3.0));
    assert_eq!(ok(&T::Float, &float("1e50")), V::Float(f32::INFINITY));
    assert_eq!(ok(&T::Double, &float("-2E-3")), V::Double(-0.002));
    assert!(matches!(ok(&T::Double, &lit(Literal::NaN)), V::Double(d) if d.is_nan()));
    assert_eq!(ok(&T::Double, &lit(Literal::Infinity { negative: true })), V::Double(f64::NEG_INFINITY));
    assert_eq!(ok(&T::Float, &lit(Literal::Infinity { negative: false })), V::Float(f32::INFINITY));
    let dec = |u: &str, scale: i32| V::Decimal { unscaled: BigInt::from_str(u).unwrap(), scale };
    assert_eq!(ok(&T::Decimal, &float("1.50")), dec("150", 2));
    assert_eq!(ok(&T::Decimal, &float("-1.5e10")), dec("-15", -9));
    assert_eq!(ok(&T::Decimal, &float("1.5E-3")), dec("15", 4));
    assert_eq!(ok(&T::Decimal, &int("42")), dec("42", 0));
    assert_eq!(err(&T::Decimal, &lit(Literal::NaN)), "unable to make BigDecimal from 'NaN'");
    assert_eq!(err(&T::Decimal, &float("1e2147483649")), "unable to make BigDecimal from '1e2147483649'");
    assert_eq!(err(&T::Int, &lit(Literal::NaN)), "Invalid FLOAT constant (NaN) for \"c\" of type int");
}

#[test]
fn strings_blobs_booleans_uuids() {
    use CqlType as T;
    use CqlValue as V;
    assert_eq!(ok(&T::Text, &s("it's")), V::Text("it's".into()));
    assert_eq!(ok(&T::Ascii, &s("abc")), V::Ascii("abc".into()));
    assert_eq!(
        err(&T::Ascii, &s("café")),
        "Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 1"
    );
    assert_eq!(ok(&T::Blob, &lit(Literal::Blob(vec![0xCA, 0xFE]))), V::Blob(vec![0xCA, 0xFE]));
    assert_eq!(err(&T::Blob, &s("cafe")), "Invalid STRING constant (cafe) for \"c\" of type blob");
    assert_eq!(err(&T::Text, &lit(Literal::Blob(vec![1]))), "Invalid HEX constant (0x01) for \"c\" of type text");
    assert_eq!(ok(&T::Tinyint, &lit(Literal::Blob(vec![0xFF]))), V::Tinyint(-1));
    assert_eq!(ok(&T::Boolean, &lit(Literal::Boolean(true))), V::Boolean(true));
    assert_eq!(err(&T::Boolean, &s("true")), "Invalid STRING constant (true) for \"c\" of type boolean");
    let v4 = parse_uuid("123e4567-e89b-42d3-a456-426614174000").unwrap();
    let v1 = timeuuid::min_timeuuid(0);
    assert_eq!(ok(&T::Uuid, &lit(Literal::Uuid(v4))), V::Uuid(v4));
    assert_eq!(ok(&T::Uuid, &lit(Literal::Uuid(v1))), V::Uuid(v1));
    assert_eq!(ok(&T::Timeuuid, &lit(Literal::Uuid(v1))), V::Timeuuid(v1));
    assert_eq!(err(&T::Timeuuid, &lit(Literal::Uuid(v4))), "TimeUUID supports only version 1 UUIDs");
    assert_eq!(
        err(&T::Uuid, &s("123e4567-e89b-42d3-a456-426614174000")),
        "Invalid STRING constant (123e4567-e89b-42d3-a456-426614174000) for \"c\" of type uuid"
    );
    assert_eq!(ok(&T::Text, &lit(Literal::Null)), V::Null);
    assert_eq!(err(&T::Counter, &lit(Literal::Null)), "Invalid null value for counter increment/decrement");
}

#[test]
fn inet_addresses() {
    use CqlType as T;
    use CqlValue as V;
    assert_eq!(ok(&T::Inet, &s("10.0.0.1")), V::Inet(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    assert_eq!(ok(&T::Inet, &s("::1")), V::Inet(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(ok(&T::Inet, &s("[fe80::1]")), V::Inet(IpAddr::V6(Ipv6Addr::from_str("fe80::1").unwrap())));
    assert_eq!(ok(&T::Inet, &s("::ffff:1.2.3.4")), V::Inet(IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4))));
    assert_eq!(ok(&T::Inet, &s("")), V::Empty);
    assert_eq!(err(&T::Inet, &s("1.2.3.256")), "Unable to make inet address from '1.2.3.256'");
    assert_eq!(err(&T::Inet, &s("example.com")), "Unable to make inet address from 'example.com'");
}

#[test]
fn timestamps() {
    let base = 1_296_705_900_000; // 2011-02-03T04:05:00Z
    assert_eq!(ts("2011-02-03"), 1_296_691_200_000);
    for text in [
        "2011-02-03 04:05",
        "2011-02-03 04:05:00",
        "2011-02-03T04:05",
        "2011-02-03T04:05:00",
        "2011-02-03T04:05:00+0000",
        "2011-02-03T04:05:00Z",
        "2011-02-03 04:05:00.000+0000",
        "2011-02-03 04:05:00.000+00:00",
        "2011-02-03 04:05+00",
        "2011-02-03 04:05:00 UTC",
        "2011-02-03 04:05 GMT",
        "2011-02-03 04:05 +0000",
        "2011-02-03T05:05:00 GMT+01:00",
        "2011-02-03T05:05:00+0100",
        "2011-02-03T03:05:00-01:00",
        "2011-2-3 4:5",
        "1296705900000",
    ] {
        assert_eq!(ts(text), base, "{text}");
    }
    assert_eq!(ts("2011-02-03 04:05:00.5"), base + 5);
    assert_eq!(ts("2011-02-03 04:05:00.123Z"), base + 123);
    assert_eq!(ts("2011-02-03 +0100"), 1_296_691_200_000 - 3_600_000);
    assert_eq!(ts("-5"), -5);
    assert_eq!(ts("0001-01-01"), -62_135_596_800_000 - 2 * 86_400_000);
    // Before 1582-10-15 dates are Julian, as java.util.GregorianCalendar reads them.
    assert_eq!(ts("1000-01-01"), -30_609_792_000_000);
    let bad = |t: &str| err(&CqlType::Timestamp, &s(t));
    for text in [
        "2011-02-30",
        "2011-13-01",
        "2011-02-03 24:00",
        "2011-02-03 04:60",
        "2011-02-03 04:05:60",
        "2011-02-03 04:05:00.1234",
        "2011-02-03 04:05:00.123456",
        "2011-02-03X04:05",
        "2011-02-03 04:05 PST",
        "1582-10-10",
        "0000-01-01",
        "foo",
        "",
    ] {
        if text.is_empty() {
            assert_eq!(ok(&CqlType::Timestamp, &s(text)), CqlValue::Empty);
            continue;
        }
        assert_eq!(bad(text), format!("Unable to coerce '{text}' to a formatted date (long)"), "{text}");
    }
    assert_eq!(bad("99999999999999999999"), "Unable to make long (for date) from: '99999999999999999999'");
    assert_eq!(bad("now"), "the current time is not available here");
    let mut clock = FixedClock::new(1234, 0, 0);
    assert_eq!(from_term(&CqlType::Timestamp, &s("NOW"), "c", &mut clock).unwrap(), CqlValue::Timestamp(1234));
    assert_eq!(ok(&CqlType::Timestamp, &int("1296705900000")), CqlValue::Timestamp(base));
}

#[test]
fn dates() {
    let day = |t: &Term| match ok(&CqlType::Date, t) {
        CqlValue::Date(d) => d,
        other => panic!("{other:?}"),
    };
    assert_eq!(day(&s("2011-02-03")), 2_147_498_656);
    assert_eq!(day(&s("1970-01-01")), DATE_EPOCH);
    assert_eq!(day(&s("-0001-12-31")), (DATE_EPOCH as i64 - 719_162 - 366 - 1) as u32);
    assert_eq!(day(&s("+10000-01-01")), (DATE_EPOCH as i64 + 2_932_897) as u32);
    assert_eq!(day(&s("2147483648")), DATE_EPOCH);
    assert_eq!(day(&int("0")), 0);
    assert_eq!(day(&int("4294967295")), u32::MAX);
    let bad = |t: &Term| err(&CqlType::Date, t);
    assert_eq!(bad(&s("2011-2-3")), "Unable to coerce '2011-2-3' to a formatted date (long)");
    assert_eq!(bad(&s("2011-02-29")), "Unable to coerce '2011-02-29' to a formatted date (long)");
    assert_eq!(bad(&s("10000-01-01")), "Unable to coerce '10000-01-01' to a formatted date (long)");
    assert_eq!(bad(&s("+2011-01-01")), "Unable to coerce '+2011-01-01' to a formatted date (long)");
    assert_eq!(bad(&s("2011-02-03 04:05")), "Unable to coerce '2011-02-03 04:05' to a formatted date (long)");
    assert_eq!(bad(&int("4294967296")), "Unable to make unsigned int (for date) from: '4294967296'");
    assert_eq!(bad(&int("-1")), "Unable to make unsigned int (for date) from: '-1'");
    assert_eq!(
        bad(&s("-5877641-06-22")),
        "Input date -5877641-06-22 is less than min supported date -5877641-06-23T00:00Z"
    );
    assert_eq!(
        bad(&s("+5881580-07-12")),
        "Input date +5881580-07-12 is greater than max supported date +5881580-07-11T00:00Z"
    );
    assert_eq!(day(&s("-5877641-06-23")), 0);
    assert_eq!(day(&s("+5881580-07-11")), u32::MAX);
}

#[test]
fn times() {
    let t = |x: &Term| match ok(&CqlType::Time, x) {
        CqlValue::Time(n) => n,
        other => panic!("{other:?}"),
    };
    assert_eq!(t(&s("04:05:00")), 14_700_000_000_000);
    assert_eq!(t(&s("04:05:00.5")), 14_700_500_000_000);
    assert_eq!(t(&s("04:05:00.000000001")), 14_700_000_000_001);
    assert_eq!(t(&s(" 23:59:59.999999999 ")), NANOS_PER_DAY - 1);
    assert_eq!(t(&int("5")), 5);
    assert_eq!(t(&s("86399999999999")), NANOS_PER_DAY - 1);
    let bad = |x: &Term| err(&CqlType::Time, x);
    for text in ["24:00:00", "04:60:00", "04:05", "04:05:", "04:05:00.", "04:05:00.1234567890", "04:05:00.x", "a:b:c"] {
        assert_eq!(bad(&s(text)), format!("(TimeType) Unable to coerce '{text}' to a formatted time (long)"));
    }
    assert_eq!(bad(&int("86400000000000")), "Unable to make long (for time) from: '86400000000000'");
    assert_eq!(bad(&int("-1")), "Unable to make long (for time) from: '-1'");
}

#[test]
fn durations() {
    let d = |text: &str| match ok(&CqlType::Duration, &dur(text)) {
        CqlValue::Duration { months, days, nanos } => (months, days, nanos),
        other => panic!("{other:?}"),
    };
    const H: i64 = 3_600_000_000_000;
    assert_eq!(d("1h30m"), (0, 0, H + H / 2));
    assert_eq!(d("1y2mo3w4d5h6m7s8ms9us10ns"), (14, 25, 5 * H + 6 * 60_000_000_000 + 7_008_009_010));
    assert_eq!(d("1Y2MO"), (14, 0, 0));
    assert_eq!(d("3µs"), (0, 0, 3000));
    assert_eq!(d("-1d2h"), (0, -1, -2 * H));
    assert_eq!(d("P1DT2H"), (0, 1, 2 * H));
    assert_eq!(d("P1Y2M3DT4H5M6S"), (14, 3, 4 * H + 5 * 60_000_000_000 + 6_000_000_000));
    assert_eq!(d("PT30M"), (0, 0, 30 * 60_000_000_000));
    assert_eq!(d("P"), (0, 0, 0));
    assert_eq!(d("P2W"), (0, 14, 0));
    assert_eq!(d("-P0001-02-03T04:05:06"), (-14, -3, -(4 * H + 5 * 60_000_000_000 + 6_000_000_000)));
    assert_eq!(ok(&CqlType::Duration, &Term::Negate(Box::new(dur("1d")))), ok(&CqlType::Duration, &dur("-1d")));
    let bad = |text: &str| err(&CqlType::Duration, &dur(text));
    assert_eq!(bad("1x"), "Unable to convert '1x' to a duration");
    assert_eq!(bad("-h"), "Unable to convert 'h' to a duration");
    assert_eq!(bad("P1S"), "Unable to convert 'P1S' to a duration");
    assert_eq!(d("P1MT"), (1, 0, 0));
    assert_eq!(bad("1h1d"), "Invalid duration. The hours should be after days");
    assert_eq!(bad("1d1d"), "Invalid duration. The days are specified multiple times");
    assert_eq!(bad("2147483648mo"), "Invalid duration. The total number of months must be less or equal to 2147483647");
    assert_eq!(bad("9223372036854775807ns1us"), "Invalid duration. The nanoseconds should be after microseconds");
    assert_eq!(
        bad("2562048h"),
        "Invalid duration. The total number of nanoseconds must be less or equal to 2147483647"
    );
    assert_eq!(err(&CqlType::Duration, &int("5")), "Unable to convert '5' to a duration");
    assert_eq!(err(&CqlType::Duration, &s("1h")), "Invalid STRING constant (1h) for \"c\" of type duration");
}

#[test]
fn lists_sets_maps() {
    use CqlType as T;
    use CqlValue as V;
    let l = Term::List(vec![int("3"), int("1"), int("3")]);
    assert_eq!(ok(&list_t(T::Int), &l), V::List(vec![V::Int(3), V::Int(1), V::Int(3)]));
    assert_eq!(ok(&set_t(T::Int), &Term::Set(vec![int("3"), int("1"), int("3")])), V::Set(vec![V::Int(1), V::Int(3)]));
    let m = Term::Map(vec![(s("b"), int("1")), (s("a"), int("2")), (s("b"), int("3"))]);
    assert_eq!(
        ok(&map_t(T::Text, T::Int), &m),
        V::Map(vec![(V::Text("a".into()), V::Int(2)), (V::Text("b".into()), V::Int(3))])
    );
    // `{}` is an empty set or map; not a list.
    assert_eq!(ok(&set_t(T::Int), &Term::Map(vec![])), V::Set(vec![]));
    assert_eq!(ok(&map_t(T::Int, T::Int), &Term::Map(vec![])), V::Map(vec![]));
    assert_eq!(ok(&map_t(T::Int, T::Int), &Term::Set(vec![])), V::Map(vec![]));
    assert_eq!(err(&list_t(T::Int), &Term::Map(vec![])), "Invalid set literal for c of type list<int>");
    assert_eq!(err(&T::Int, &l), "Invalid list literal for c of type int");
    assert_eq!(
        err(&list_t(T::Int), &Term::List(vec![int("1"), s("a")])),
        "Invalid list literal for c: value 'a' is not of type int"
    );
    assert_eq!(
        err(&set_t(T::Text), &Term::Set(vec![int("1")])),
        "Invalid set literal for c: value 1 is not of type text"
    );
    assert_eq!(err(&set_t(T::Text), &l), "Invalid list literal for c of type set<text>");
    assert_eq!(
        err(&map_t(T::Text, T::Int), &Term::Map(vec![(int("1"), int("1"))])),
        "Invalid map literal for c: key 1 is not of type text"
    );
    assert_eq!(
        err(&map_t(T::Text, T::Int), &Term::Map(vec![(s("a"), s("b"))])),
        "Invalid map literal for c: value 'b' is not of type int"
    );
    assert_eq!(
        err(&set_t(T::Int), &Term::Map(vec![(int("1"), int("1"))])),
        "Invalid map literal for c of type set<int>"
    );
    assert_eq!(err(&list_t(T::Int), &Term::List(vec![lit(Literal::Null)])), "null is not supported inside collections");
    assert_eq!(
        err(&list_t(T::Int), &Term::List(vec![Term::Bind(BindMarker::anonymous())])),
        "Invalid collection literal for c: bind variables are not supported inside collection literals"
    );
    assert_eq!(err(&list_t(T::Int), &Term::List(vec![int("99999999999")])), "Unable to make int from '99999999999'");
    // Nested collections.
    let nested = map_t(T::Text, CqlType::List { element: Box::new(T::Int), frozen: true });
    let t = Term::Map(vec![(s("k"), Term::List(vec![int("1"), int("2")]))]);
    assert_eq!(ok(&nested, &t), V::Map(vec![(V::Text("k".into()), V::List(vec![V::Int(1), V::Int(2)]))]));
    assert_eq!(
        err(&nested, &Term::Map(vec![(s("k"), Term::List(vec![s("x")]))])),
        "Invalid map literal for c: value ['x'] is not of type frozen<list<int>>"
    );
    let frozen_set = CqlType::Set { element: Box::new(T::Int), frozen: true };
    let sets = set_t(frozen_set.clone());
    let t = Term::Set(vec![Term::Set(vec![int("2")]), Term::Set(vec![int("1"), int("5")]), Term::Set(vec![int("1")])]);
    assert_eq!(
        ok(&sets, &t),
        V::Set(vec![V::Set(vec![V::Int(1)]), V::Set(vec![V::Int(1), V::Int(5)]), V::Set(vec![V::Int(2)])])
    );
}

#[test]
fn tuples_and_user_types() {
    use CqlType as T;
    use CqlValue as V;
    let tt = T::Tuple(vec![T::Int, T::Text, T::Boolean]);
    assert_eq!(
        ok(&tt, &Term::Tuple(vec![int("1"), s("a")])),
        V::Tuple(vec![Some(V::Int(1)), Some(V::Text("a".into())), None])
    );
    assert_eq!(
        ok(&tt, &Term::Tuple(vec![int("1"), lit(Literal::Null), lit(Literal::Boolean(true))])),
        V::Tuple(vec![Some(V::Int(1)), None, Some(V::Boolean(true))])
    );
    assert_eq!(
        err(&tt, &Term::Tuple(vec![int("1"), s("a"), lit(Literal::Boolean(true)), int("4")])),
        "Invalid tuple literal for c: too many elements. Type frozen<tuple<int, text, boolean>> expects 3 but got 4"
    );
    assert_eq!(err(&tt, &Term::Tuple(vec![s("x")])), "Invalid tuple literal for c: component 0 is not of type int");
    assert_eq!(err(&T::Int, &Term::Tuple(vec![int("1")])), "Invalid tuple type literal for c of type int");

    let u = udt_t();
    assert_eq!(
        ok(&u, &Term::Udt(vec![("zip".into(), int("12345"))])),
        V::Udt(vec![("street".into(), None), ("zip".into(), Some(V::Int(12345)))])
    );
    assert_eq!(
        ok(&u, &Term::Tuple(vec![s("Main St"), int("1")])),
        V::Udt(vec![("street".into(), Some(V::Text("Main St".into()))), ("zip".into(), Some(V::Int(1)))])
    );
    assert_eq!(
        err(&u, &Term::Udt(vec![("zip".into(), s("x"))])),
        "Invalid user type literal for c: field zip is not of type int"
    );
    assert_eq!(
        err(&u, &Term::Udt(vec![("city".into(), s("x"))])),
        "Unknown field 'city' in value of user defined type address"
    );
    assert_eq!(
        err(&map_t(T::Text, T::Int), &Term::Udt(vec![("a".into(), int("1"))])),
        "Invalid user type literal for c of type map<text, int>"
    );
    let lu = list_t(u.clone());
    assert_eq!(
        ok(&lu, &Term::List(vec![Term::Udt(vec![("street".into(), s("x"))])])),
        V::List(vec![V::Udt(vec![("street".into(), Some(V::Text("x".into()))), ("zip".into(), None)])])
    );
}

struct Env {
    clock: FixedClock,
}

impl TermEnv for Env {
    fn now_millis(&self) -> Option<i64> {
        self.clock.now_millis()
    }
    fn next_timeuuid(&mut self) -> Option<[u8; 16]> {
        self.clock.next_timeuuid()
    }
    fn random_uuid(&mut self) -> Option<[u8; 16]> {
        parse_uuid("123e4567-e89b-42d3-a456-426614174000")
    }
    fn resolve_udt(&self, _ks: Option<&str>, name: &str) -> Option<CqlType> {
        (name == "address").then(udt_t)
    }
}

fn call(name: &str, args: Vec<Term>) -> Term {
    Term::Function { keyspace: None, name: name.to_string(), args }
}

#[test]
fn functions() {
    use CqlType as T;
    use CqlValue as V;
    let now = 1_296_705_900_123;
    let mut env = Env { clock: FixedClock::new(now, 7, 0xABCDEF) };
    let mut eval = |ty: &CqlType, t: &Term| from_term(ty, t, "c", &mut env);
    let a = eval(&T::Timeuuid, &call("now", vec![])).unwrap();
    let b = eval(&T::Timeuuid, &call("NOW", vec![])).unwrap();
    match (&a, &b) {
        (V::Timeuuid(x), V::Timeuuid(y)) => {
            assert_ne!(x, y);
            assert_eq!(timeuuid::unix_millis(x), now);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(eval(&T::Uuid, &call("now", vec![])).unwrap(), V::Uuid(_)));
    assert!(matches!(eval(&T::Uuid, &call("uuid", vec![])).unwrap(), V::Uuid(_)));
    assert_eq!(eval(&T::Timestamp, &call("currentTimestamp", vec![])).unwrap(), V::Timestamp(now));
    assert_eq!(eval(&T::Date, &call("currentDate", vec![])).unwrap(), V::Date(2_147_498_656));
    assert_eq!(eval(&T::Time, &call("currentTime", vec![])).unwrap(), V::Time(14_700_123_000_000));
    assert_eq!(
        eval(&T::Timeuuid, &call("minTimeuuid", vec![s("2011-02-03 04:05+0000")])).unwrap(),
        V::Timeuuid(timeuuid::min_timeuuid(1_296_705_900_000))
    );
    assert_eq!(
        eval(&T::Timeuuid, &call("maxTimeuuid", vec![int("5")])).unwrap(),
        V::Timeuuid(timeuuid::max_timeuuid(5))
    );
    assert_eq!(eval(&T::Timestamp, &call("toTimestamp", vec![call("now", vec![])])).unwrap(), V::Timestamp(now));
    assert_eq!(eval(&T::Bigint, &call("toUnixTimestamp", vec![call("now", vec![])])).unwrap(), V::Bigint(now));
    assert_eq!(
        eval(
            &T::Date,
            &call("toDate", vec![Term::TypeHint { cql_type: "timestamp".into(), term: Box::new(int("0")) }])
        )
        .unwrap(),
        V::Date(DATE_EPOCH)
    );
    assert_eq!(eval(&T::Blob, &call("intAsBlob", vec![int("3")])).unwrap(), V::Blob(vec![0, 0, 0, 3]));
    assert_eq!(eval(&T::Int, &call("blobAsInt", vec![lit(Literal::Blob(vec![0, 0, 0, 3]))])).unwrap(), V::Int(3));
    assert_eq!(
        eval(&T::Text, &call("now", vec![])).unwrap_err().to_string(),
        "Type error: cannot assign result of function system.now (type timeuuid) to c (type text)"
    );
    assert_eq!(eval(&T::Int, &call("nosuch", vec![])).unwrap_err().to_string(), "Unknown function nosuch called");
    assert_eq!(
        eval(&T::Timestamp, &call("toTimestamp", vec![s("2011-02-03")])).unwrap_err().to_string(),
        "Ambiguous call to function system.totimestamp: use a type cast on argument '2011-02-03'"
    );
    assert_eq!(
        eval(&T::Timeuuid, &call("now", vec![int("1")])).unwrap_err().to_string(),
        "Invalid number of arguments in call to function system.now: 0 required but 1 provided"
    );
    assert_eq!(
        from_term(&T::Timeuuid, &call("now", vec![]), "c", &mut NoEnv).unwrap_err().to_string(),
        "now() is not available here"
    );
}

#[test]
fn type_hints() {
    use CqlType as T;
    use CqlValue as V;
    let hint = |ty: &str, t: Term| Term::TypeHint { cql_type: ty.to_string(), term: Box::new(t) };
    assert_eq!(ok(&T::Int, &hint("int", int("3"))), V::Int(3));
    assert_eq!(ok(&T::Varint, &hint("int", int("3"))), V::Varint(BigInt::from(3)));
    assert_eq!(ok(&T::Timestamp, &hint("bigint", int("3"))), V::Timestamp(3));
    assert_eq!(ok(&T::Text, &hint("ascii", s("a"))), V::Text("a".into()));
    assert_eq!(err(&T::Int, &hint("int", s("a"))), "Cannot cast value 'a' to type int");
    assert_eq!(err(&T::Int, &hint("text", s("a"))), "Cannot assign value (text)'a' to c of type int");
    assert_eq!(ok(&list_t(T::Int), &hint("list<int>", Term::List(vec![int("1")]))), V::List(vec![V::Int(1)]));
    let mut env = Env { clock: FixedClock::new(0, 0, 0) };
    assert_eq!(
        from_term(&udt_t(), &hint("frozen<address>", Term::Udt(vec![("zip".into(), int("1"))])), "c", &mut env)
            .unwrap(),
        V::Udt(vec![("street".into(), None), ("zip".into(), Some(V::Int(1)))])
    );
}

#[test]
fn term_texts() {
    let t = Term::Map(vec![(s("a"), Term::List(vec![int("1"), float("2.5")]))]);
    assert_eq!(term_text(&t), "{'a': [1, 2.5]}");
    assert_eq!(term_text(&Term::Tuple(vec![lit(Literal::Null), dur("1h")])), "(NULL, 1h)");
    assert_eq!(term_text(&Term::Bind(BindMarker::named("x"))), ":x");
    assert_eq!(term_text(&call("now", vec![])), "now()");
}
