//! Every CQL type round-trips through a real `sibyl` node: written through prepared statements
//! with typed Rust values (`BoundValues::typed`, `impl_serialize_row!`), read back with
//! `Row::get` and `impl_from_row!` structs; boundary values, null vs unset, counters, typed
//! values in batches and pages, `CqlValue`s on simple statements, and typed errors.

#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "node/harness.rs"]
mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use futures_util::StreamExt;
use sibyl_driver::value::{
    parse_uuid, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlValue, CqlVarint, Unset, ValueError,
    NANOS_PER_DAY,
};
use sibyl_driver::{Batch, BoundValues, DriverError, Session};

use crate::harness::{keyspace, Node};

#[derive(Debug, Clone, PartialEq)]
struct Addr {
    street: String,
    zip: Option<i32>,
}
sibyl_driver::impl_udt!(Addr { street, zip });

/// One row of `all_types`, written by marker name and read by column name.
#[derive(Debug, Clone, PartialEq)]
struct AllTypes {
    k: i32,
    c_ascii: String,
    c_bigint: i64,
    c_blob: Vec<u8>,
    c_boolean: bool,
    c_date: CqlDate,
    c_decimal: CqlDecimal,
    c_double: f64,
    c_duration: CqlDuration,
    c_float: f32,
    c_inet: IpAddr,
    c_int: i32,
    c_smallint: i16,
    c_text: String,
    c_time: CqlTime,
    c_timestamp: CqlTimestamp,
    c_timeuuid: [u8; 16],
    c_tinyint: i8,
    c_uuid: [u8; 16],
    c_varint: CqlVarint,
    c_list: Vec<i32>,
    c_flist: Vec<String>,
    c_set: BTreeSet<String>,
    c_fset: BTreeSet<i32>,
    c_map: BTreeMap<String, i32>,
    c_fmap: BTreeMap<i32, String>,
    c_tuple: (Option<i32>, Option<String>, Option<bool>),
    c_udt: Addr,
    c_udts: Vec<Addr>,
    c_nested: BTreeMap<String, Vec<i64>>,
}

sibyl_driver::impl_serialize_row!(AllTypes {
    k,
    c_ascii,
    c_bigint,
    c_blob,
    c_boolean,
    c_date,
    c_decimal,
    c_double,
    c_duration,
    c_float,
    c_inet,
    c_int,
    c_smallint,
    c_text,
    c_time,
    c_timestamp,
    c_timeuuid,
    c_tinyint,
    c_uuid,
    c_varint,
    c_list,
    c_flist,
    c_set,
    c_fset,
    c_map,
    c_fmap,
    c_tuple,
    c_udt,
    c_udts,
    c_nested,
});
sibyl_driver::impl_from_row!(AllTypes {
    k,
    c_ascii,
    c_bigint,
    c_blob,
    c_boolean,
    c_date,
    c_decimal,
    c_double,
    c_duration,
    c_float,
    c_inet,
    c_int,
    c_smallint,
    c_text,
    c_time,
    c_timestamp,
    c_timeuuid,
    c_tinyint,
    c_uuid,
    c_varint,
    c_list,
    c_flist,
    c_set,
    c_fset,
    c_map,
    c_fmap,
    c_tuple,
    c_udt,
    c_udts,
    c_nested,
});

const COLUMNS: &str = "k, c_ascii, c_bigint, c_blob, c_boolean, c_date, c_decimal, c_double, c_duration, c_float, \
    c_inet, c_int, c_smallint, c_text, c_time, c_timestamp, c_timeuuid, c_tinyint, c_uuid, c_varint, c_list, c_flist, \
    c_set, c_fset, c_map, c_fmap, c_tuple, c_udt, c_udts, c_nested";

async fn schema(session: &Session, ks: &str) {
    keyspace(session, ks).await;
    session.query("CREATE TYPE addr (street text, zip int)", ()).await.unwrap();
    session
        .query(
            "CREATE TABLE all_types (k int PRIMARY KEY, c_ascii ascii, c_bigint bigint, c_blob blob, \
             c_boolean boolean, c_date date, c_decimal decimal, c_double double, c_duration duration, \
             c_float float, c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time, \
             c_timestamp timestamp, c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid, c_varint varint, \
             c_list list<int>, c_flist frozen<list<text>>, c_set set<text>, c_fset frozen<set<int>>, \
             c_map map<text, int>, c_fmap frozen<map<int, text>>, c_tuple tuple<int, text, boolean>, \
             c_udt frozen<addr>, c_udts list<frozen<addr>>, c_nested map<text, frozen<list<bigint>>>)",
            (),
        )
        .await
        .unwrap();
}

fn uuid(s: &str) -> [u8; 16] {
    parse_uuid(s).unwrap()
}

/// Typical values, then the largest, then the smallest, then zeros and empties.
fn rows() -> Vec<AllTypes> {
    let typical = AllTypes {
        k: 1,
        c_ascii: "hello".into(),
        c_bigint: 1_234_567_890_123,
        c_blob: vec![0xca, 0xfe, 0x00, 0xff],
        c_boolean: true,
        c_date: CqlDate::from_ymd(2024, 2, 29).unwrap(),
        c_decimal: "-1234567890.0123456789".parse().unwrap(),
        c_double: std::f64::consts::PI,
        c_duration: CqlDuration::new(14, 3, 5_400_000_000_000),
        c_float: 1.5,
        c_inet: IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)),
        c_int: 42,
        c_smallint: -7,
        c_text: "it's ünïcode ✓".into(),
        c_time: CqlTime::from_hms_nano(13, 45, 30, 123_456_789).unwrap(),
        c_timestamp: CqlTimestamp::from_ymd_hms_milli(2024, 1, 2, 3, 4, 5, 678).unwrap(),
        c_timeuuid: uuid("50554d6e-29bb-11e5-b345-feff819cdc9f"),
        c_tinyint: 8,
        c_uuid: uuid("123e4567-e89b-42d3-a456-426614174000"),
        c_varint: "123456789012345678901234567890".parse().unwrap(),
        c_list: vec![3, 1, 2, 1],
        c_flist: vec!["b".into(), "a".into()],
        c_set: ["x", "y", "z"].iter().map(|s| s.to_string()).collect(),
        c_fset: [3, -1, 2].into_iter().collect(),
        c_map: [("one".to_string(), 1), ("two".to_string(), 2)].into_iter().collect(),
        c_fmap: [(1, "one".to_string()), (-5, "minus five".to_string())].into_iter().collect(),
        c_tuple: (Some(1), Some("t".into()), None),
        c_udt: Addr { street: "Main St".into(), zip: Some(12345) },
        c_udts: vec![Addr { street: "a".into(), zip: None }, Addr { street: "b".into(), zip: Some(2) }],
        c_nested: [("n".to_string(), vec![i64::MIN, 0, i64::MAX])].into_iter().collect(),
    };
    let max = AllTypes {
        k: 2,
        c_ascii: "~".repeat(1000),
        c_bigint: i64::MAX,
        c_blob: (0..=255).collect(),
        c_boolean: true,
        c_date: CqlDate(u32::MAX),
        c_decimal: CqlDecimal::new(CqlVarint::from(i64::MAX), i32::MAX),
        c_double: f64::MAX,
        c_duration: CqlDuration::new(i32::MAX, i32::MAX, i64::MAX),
        c_float: f32::MAX,
        c_inet: IpAddr::V6(Ipv6Addr::new(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff)),
        c_int: i32::MAX,
        c_smallint: i16::MAX,
        c_text: "x".repeat(100_000),
        c_time: CqlTime(NANOS_PER_DAY - 1),
        c_timestamp: CqlTimestamp(i64::MAX),
        c_timeuuid: uuid("ffffffff-ffff-1fff-bfff-ffffffffffff"),
        c_tinyint: i8::MAX,
        c_uuid: [0xff; 16],
        c_varint: "170141183460469231731687303715884105728000".parse().unwrap(),
        c_list: (0..1000).collect(),
        c_flist: vec!["".into(); 3],
        c_set: (0..100).map(|i| format!("{i:03}")).collect(),
        c_fset: [i32::MIN, i32::MAX].into_iter().collect(),
        c_map: [("k".repeat(300), i32::MAX)].into_iter().collect(),
        c_fmap: [(i32::MAX, "max".to_string())].into_iter().collect(),
        c_tuple: (Some(i32::MAX), Some("y".repeat(300)), Some(true)),
        c_udt: Addr { street: "s".repeat(500), zip: Some(i32::MAX) },
        c_udts: vec![Addr { street: "".into(), zip: Some(i32::MIN) }],
        c_nested: [("".to_string(), vec![])].into_iter().collect(),
    };
    let min = AllTypes {
        k: 3,
        c_ascii: "\u{0}\u{7f}".into(),
        c_bigint: i64::MIN,
        c_blob: vec![0],
        c_boolean: false,
        c_date: CqlDate(0),
        c_decimal: CqlDecimal::new(CqlVarint::from(i64::MIN), i32::MIN),
        c_double: f64::MIN_POSITIVE,
        c_duration: CqlDuration::new(i32::MIN, i32::MIN, i64::MIN),
        c_float: f32::MIN,
        c_inet: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        c_int: i32::MIN,
        c_smallint: i16::MIN,
        c_text: "\u{10FFFF}".into(),
        c_time: CqlTime(0),
        c_timestamp: CqlTimestamp(i64::MIN),
        c_timeuuid: uuid("00000000-0000-1000-8000-000000000000"),
        c_tinyint: i8::MIN,
        c_uuid: [0; 16],
        c_varint: "-170141183460469231731687303715884105729000".parse().unwrap(),
        c_list: vec![i32::MIN],
        c_flist: vec![],
        c_set: BTreeSet::new(),
        c_fset: BTreeSet::new(),
        c_map: BTreeMap::new(),
        c_fmap: BTreeMap::new(),
        c_tuple: (Some(i32::MIN), Some(String::new()), Some(false)),
        c_udt: Addr { street: String::new(), zip: None },
        c_udts: vec![],
        c_nested: BTreeMap::new(),
    };
    let zero = AllTypes {
        k: 0,
        c_ascii: String::new(),
        c_bigint: 0,
        c_blob: vec![],
        c_date: CqlDate::from_days_since_epoch(0),
        c_decimal: CqlDecimal::new(CqlVarint::from(0i64), 0),
        c_double: -0.0,
        c_duration: CqlDuration::new(0, 0, 0),
        c_float: f32::INFINITY,
        c_inet: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        c_int: 0,
        c_smallint: 0,
        c_text: String::new(),
        c_time: CqlTime::from_hms_nano(0, 0, 0, 1).unwrap(),
        c_timestamp: CqlTimestamp::from_unix_millis(0),
        c_tinyint: 0,
        c_varint: CqlVarint::from(0i64),
        c_tuple: (None, None, None),
        ..min.clone()
    };
    vec![typical, max, min, zero]
}

#[tokio::test]
async fn every_type_round_trips_through_prepared_statements() {
    let node = Node::start();
    let session = node.session().await;
    schema(&session, "types_all").await;
    let markers = vec!["?"; 30].join(", ");
    let insert = session.prepare(format!("INSERT INTO all_types ({COLUMNS}) VALUES ({markers})")).await.unwrap();
    let select = session.prepare(format!("SELECT {COLUMNS} FROM all_types WHERE k = ?")).await.unwrap();
    for row in rows() {
        let k = row.k;
        session.execute(&insert, BoundValues::typed(row.clone())).await.unwrap();
        let result = session.execute(&select, BoundValues::typed((k,))).await.unwrap();
        let read: Vec<AllTypes> = result.rows_typed().collect::<Result<_, _>>().unwrap();
        assert_eq!(read, vec![row.clone()], "row {k}");
        // The same cells one by one with Row::get.
        let r = result.first_row().unwrap();
        assert_eq!(r.get::<i64>("c_bigint").unwrap(), row.c_bigint);
        assert_eq!(r.get::<Vec<u8>>("c_blob").unwrap(), row.c_blob);
        assert_eq!(r.get::<CqlDuration>("c_duration").unwrap(), row.c_duration);
        assert_eq!(r.get::<Addr>("c_udt").unwrap(), row.c_udt);
        assert_eq!(r.get::<Option<Vec<Addr>>>("c_udts").unwrap().unwrap_or_default(), row.c_udts);
        assert_eq!(r.get_at::<i32>(0).unwrap(), k);
        // And generically, as CqlValues.
        let values: Vec<Option<CqlValue>> = r.typed().unwrap();
        assert_eq!(values.len(), 30);
        assert_eq!(values[0], Some(CqlValue::Int(k)));
    }
    // A NaN float reads back as NaN.
    let nan = AllTypes { k: 9, c_float: f32::NAN, c_double: f64::NAN, ..rows().remove(0) };
    session.execute(&insert, BoundValues::typed(nan)).await.unwrap();
    let r = session.execute(&select, BoundValues::typed((9,))).await.unwrap();
    let r = r.first_row().unwrap();
    assert!(r.get::<f32>("c_float").unwrap().is_nan() && r.get::<f64>("c_double").unwrap().is_nan());

    // All rows, paged, with typed values on the iterator too.
    let all = session.prepare("SELECT k, c_int FROM all_types WHERE k IN ?").await.unwrap().with_page_size(2);
    let mut stream = session.execute_iter(&all, BoundValues::typed((vec![0i32, 1, 2, 3, 9],)));
    let mut ks = Vec::new();
    while let Some(row) = stream.next().await {
        let (k, _): (i32, i32) = row.unwrap().into_typed().unwrap();
        ks.push(k);
    }
    ks.sort_unstable();
    assert_eq!(ks, vec![0, 1, 2, 3, 9]);
}

#[tokio::test]
async fn null_unset_and_empty_values() {
    let node = Node::start();
    let session = node.session().await;
    schema(&session, "types_null").await;
    let insert = session
        .prepare("INSERT INTO all_types (k, c_int, c_text, c_list, c_udt, c_tuple) VALUES (?, ?, ?, ?, ?, ?)")
        .await
        .unwrap();
    let select = session
        .prepare("SELECT k, c_int, c_text, c_list, c_udt, c_tuple, c_blob FROM all_types WHERE k = ?")
        .await
        .unwrap();
    let udt = Addr { street: "s".into(), zip: None };
    let tuple = (Some(1i32), None::<String>, Some(true));
    session
        .execute(&insert, BoundValues::typed((1i32, 5i32, "x".to_string(), vec![1i32], udt.clone(), tuple.clone())))
        .await
        .unwrap();
    // Unset leaves c_int and c_list; None deletes c_text and c_udt; the tuple is rewritten.
    session
        .execute(
            &insert,
            BoundValues::typed((
                1i32,
                Unset,
                None::<String>,
                Unset,
                None::<Addr>,
                (None::<i32>, Some("t".to_string()), None::<bool>),
            )),
        )
        .await
        .unwrap();
    let result = session.execute(&select, BoundValues::typed((1i32,))).await.unwrap();
    let r = result.first_row().unwrap();
    assert_eq!(r.get::<i32>("c_int").unwrap(), 5);
    assert_eq!(r.get::<Vec<i32>>("c_list").unwrap(), vec![1]);
    assert_eq!(r.get::<Option<String>>("c_text").unwrap(), None);
    assert_eq!(r.get::<Option<Addr>>("c_udt").unwrap(), None);
    assert_eq!(
        r.get::<(Option<i32>, Option<String>, Option<bool>)>("c_tuple").unwrap(),
        (None, Some("t".into()), None)
    );
    assert_eq!(r.get::<Option<Vec<u8>>>("c_blob").unwrap(), None);
    // A null into a non-Option type names the column.
    match r.get::<String>("c_text") {
        Err(DriverError::Value(ValueError::UnexpectedNull { column, .. })) => {
            assert_eq!(column.as_deref(), Some("c_text"))
        }
        other => panic!("{other:?}"),
    }
    // Empty text and blob are values, not nulls.
    let set_blob = session.prepare("UPDATE all_types SET c_text = ?, c_blob = ? WHERE k = ?").await.unwrap();
    session.execute(&set_blob, BoundValues::typed((String::new(), Vec::<u8>::new(), 1i32))).await.unwrap();
    let result = session.execute(&select, BoundValues::typed((1i32,))).await.unwrap();
    let r = result.first_row().unwrap();
    assert_eq!(r.get::<Option<String>>("c_text").unwrap(), Some(String::new()));
    assert_eq!(r.get::<Option<Vec<u8>>>("c_blob").unwrap(), Some(vec![]));
    // Named values (by marker name), with a null.
    let named: BTreeMap<&'static str, Option<CqlValue>> =
        [("k", Some(CqlValue::Int(2))), ("c_int", None), ("c_text", Some(CqlValue::Text("n".into())))]
            .into_iter()
            .collect();
    let upd = session.prepare("UPDATE all_types SET c_int = ?, c_text = ? WHERE k = ?").await.unwrap();
    session.execute(&upd, BoundValues::typed(named)).await.unwrap();
    let result = session.execute(&select, BoundValues::typed((2i32,))).await.unwrap();
    let (k, n, t): (i32, Option<i32>, String) = {
        let r = result.first_row().unwrap();
        (r.get("k").unwrap(), r.get("c_int").unwrap(), r.get("c_text").unwrap())
    };
    assert_eq!((k, n, t.as_str()), (2, None, "n"));
}

#[tokio::test]
async fn counters_batches_simple_statements_and_errors() {
    let node = Node::start();
    let session = node.session().await;
    schema(&session, "types_misc").await;
    session.query("CREATE TABLE counts (k int PRIMARY KEY, c counter)", ()).await.unwrap();
    let bump = session.prepare("UPDATE counts SET c = c + ? WHERE k = ?").await.unwrap();
    session.execute(&bump, BoundValues::typed((i64::MAX - 1, 1i32))).await.unwrap();
    session.execute(&bump, BoundValues::typed((1i64, 1i32))).await.unwrap();
    session.execute(&bump, BoundValues::typed((-5i64, 2i32))).await.unwrap();
    let counts = session.query("SELECT k, c FROM counts", ()).await.unwrap();
    let mut counts: Vec<(i32, i64)> = counts.into_rows_typed().unwrap();
    counts.sort_unstable();
    assert_eq!(counts, vec![(1, i64::MAX), (2, -5)]);
    // A counter batch with typed values.
    let batch = Batch::counter().with_statement(&bump).with_statement(&bump);
    session.batch(&batch, vec![BoundValues::typed((10i64, 3i32)), BoundValues::typed((-1i64, 3i32))]).await.unwrap();
    let c = session.query("SELECT c FROM counts WHERE k = 3", ()).await.unwrap();
    assert_eq!(c.first_row().unwrap().get::<i64>("c").unwrap(), 9);

    // A logged batch mixing typed values and a simple statement with CqlValues.
    let insert = session.prepare("INSERT INTO all_types (k, c_map, c_set) VALUES (?, ?, ?)").await.unwrap();
    let batch = Batch::logged()
        .with_statement(&insert)
        .with_statement("INSERT INTO all_types (k, c_int, c_decimal) VALUES (?, ?, ?)");
    let map: BTreeMap<String, i32> = [("a".to_string(), 1)].into_iter().collect();
    let set: BTreeSet<String> = ["s".to_string()].into_iter().collect();
    let decimal: CqlDecimal = "3.14".parse().unwrap();
    session
        .batch(
            &batch,
            vec![
                BoundValues::typed((10i32, map.clone(), set.clone())),
                BoundValues::from(vec![CqlValue::Int(11), CqlValue::Int(-1), CqlValue::Decimal(decimal.clone())]),
            ],
        )
        .await
        .unwrap();
    // CqlValues on a simple statement carry their own types.
    let r = session.query("SELECT c_map, c_set FROM all_types WHERE k = ?", vec![CqlValue::Int(10)]).await.unwrap();
    let (m, s): (BTreeMap<String, i32>, BTreeSet<String>) = r.first_row_typed().unwrap().unwrap();
    assert_eq!((m, s), (map, set));
    let r = session.query("SELECT c_int, c_decimal FROM all_types WHERE k = ?", vec![CqlValue::Int(11)]).await.unwrap();
    let r = r.first_row().unwrap();
    assert_eq!((r.get::<i32>("c_int").unwrap(), r.get::<CqlDecimal>("c_decimal").unwrap()), (-1, decimal));
    assert_eq!(r.get::<CqlValue>("c_decimal").unwrap().to_string(), "3.14");

    // Typed errors: the wrong Rust type for a marker, the wrong count, typed values without
    // marker types, the wrong type for a column, an unknown column.
    let by_k = session.prepare("SELECT c_int FROM all_types WHERE k = ?").await.unwrap();
    match session.execute(&by_k, BoundValues::typed(("1",))).await {
        Err(DriverError::Value(e @ ValueError::TypeMismatch { .. })) => assert_eq!(e.column(), Some("k")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        session.execute(&by_k, BoundValues::typed((1i32, 2i32))).await,
        Err(DriverError::Value(ValueError::ColumnCountMismatch { expected: 1, got: 2 }))
    ));
    assert!(matches!(
        session.query("SELECT c_int FROM all_types WHERE k = ?", BoundValues::typed((1i32,))).await,
        Err(DriverError::InvalidArgument(_))
    ));
    let r = session.execute(&by_k, BoundValues::typed((11i32,))).await.unwrap();
    let r = r.first_row().unwrap();
    match r.get::<String>("c_int") {
        Err(DriverError::Value(e @ ValueError::TypeMismatch { .. })) => assert_eq!(e.column(), Some("c_int")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.get::<i32>("nope"), Err(DriverError::NoSuchColumn { .. })));
    // The session is still usable.
    assert_eq!(r.get::<i32>("c_int").unwrap(), -1);
    // Borrowed values, serialized up front by PreparedStatement::bind.
    let text = String::from("borrowed");
    let upd = session.prepare("UPDATE all_types SET c_text = ? WHERE k = ?").await.unwrap();
    session.execute(&upd, upd.bind(&(text.as_str(), 11i32)).unwrap()).await.unwrap();
    let r = session.query("SELECT c_text FROM all_types WHERE k = 11", ()).await.unwrap();
    assert_eq!(r.first_row().unwrap().get::<String>("c_text").unwrap(), text);
    assert!(matches!(upd.bind(&(11i32, text.as_str())), Err(DriverError::Value(ValueError::TypeMismatch { .. }))));
    session.query("SELECT k FROM counts", ()).await.unwrap();
}

/// The Python driver's side of [`read_identically_by_the_python_driver`]: checks the row the
/// Rust driver wrote (k = 1) against Python values, then writes the same values at k = 101.
const PYTHON_CHECK: &str = r#"
import datetime, math, sys, uuid
from decimal import Decimal
from cassandra.cluster import Cluster
from cassandra.util import Duration, Time

port, ks = int(sys.argv[1]), sys.argv[2]
cluster = Cluster(contact_points=["127.0.0.1"], port=port, protocol_version=4, connect_timeout=10,
                  control_connection_timeout=10)
session = cluster.connect(ks)
expected = dict(
    c_ascii="hello", c_bigint=1234567890123, c_blob=b"\xca\xfe\x00\xff", c_boolean=True,
    c_date=datetime.date(2024, 2, 29), c_decimal=Decimal("-1234567890.0123456789"), c_double=math.pi,
    c_duration=Duration(14, 3, 5400000000000), c_float=1.5, c_inet="192.168.1.10", c_int=42, c_smallint=-7,
    c_text="it's ünïcode ✓", c_time=Time(49530123456789),
    c_timestamp=datetime.datetime(2024, 1, 2, 3, 4, 5, 678000),
    c_timeuuid=uuid.UUID("50554d6e-29bb-11e5-b345-feff819cdc9f"), c_tinyint=8,
    c_uuid=uuid.UUID("123e4567-e89b-42d3-a456-426614174000"), c_varint=123456789012345678901234567890,
    c_list=[3, 1, 2, 1], c_flist=["b", "a"], c_set={"x", "y", "z"}, c_fset={3, -1, 2},
    c_map={"one": 1, "two": 2}, c_fmap={1: "one", -5: "minus five"}, c_tuple=(1, "t", None),
    c_udt=("Main St", 12345), c_udts=[("a", None), ("b", 2)],
    c_nested={"n": [-2**63, 0, 2**63 - 1]},
)

def norm(name, v):
    if name == "c_date":
        return v.date()
    if name in ("c_set", "c_fset"):
        return set(v)
    if name in ("c_map", "c_fmap"):
        return dict(v)
    if name == "c_nested":
        return {k: list(x) for k, x in dict(v).items()}
    if name == "c_udt":
        return tuple(v)
    if name == "c_udts":
        return [tuple(x) for x in v]
    return v

row = session.execute("SELECT * FROM all_types WHERE k = 1").one()
bad = []
for name, want in expected.items():
    got = norm(name, getattr(row, name))
    if got != want:
        bad.append(f"{name}: python read {got!r}, expected {want!r}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
cols = ", ".join(expected)
insert = session.prepare(f"INSERT INTO all_types (k, {cols}) VALUES (?, {', '.join('?' * len(expected))})")
session.execute(insert, [101] + list(expected.values()))
cluster.shutdown()
print("ok")
"#;

/// The same table read identically by the Python driver: Rust writes, Python reads and checks;
/// Python writes, Rust reads and checks. Needs the compat venv (`tests/compat/run` creates
/// `target/compat-venv` with cassandra-driver); skipped when it is missing, except under
/// scripts/test-all, which installs it first.
#[tokio::test]
async fn read_identically_by_the_python_driver() {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = manifest.join("../../target/compat-venv/bin/python");
    let python = std::env::var_os("SIBYL_COMPAT_PYTHON").map(std::path::PathBuf::from).unwrap_or(python);
    let has_driver = std::process::Command::new(&python)
        .args(["-c", "import cassandra"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_driver {
        // scripts/test-all (CI) sets SIBYL_COMPAT_PYTHON after installing the venv: there the
        // cross-check must run. A bare `cargo test` without the venv skips it.
        assert!(
            std::env::var_os("SIBYL_COMPAT_PYTHON").is_none(),
            "SIBYL_COMPAT_PYTHON={} has no cassandra-driver",
            python.display()
        );
        eprintln!("skipped: no Python with cassandra-driver at {} (run tests/compat/run)", python.display());
        return;
    }
    let node = Node::start();
    let session = node.session().await;
    schema(&session, "types_py").await;
    let markers = vec!["?"; 30].join(", ");
    let insert = session.prepare(format!("INSERT INTO all_types ({COLUMNS}) VALUES ({markers})")).await.unwrap();
    let typical = rows().remove(0);
    assert_eq!(typical.k, 1);
    session.execute(&insert, BoundValues::typed(typical.clone())).await.unwrap();

    let port = node.addr.port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python).args(["-c", PYTHON_CHECK, &port, "types_py"]).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "python: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), "ok");

    let select = session.prepare(format!("SELECT {COLUMNS} FROM all_types WHERE k = ?")).await.unwrap();
    let result = session.execute(&select, BoundValues::typed((101i32,))).await.unwrap();
    let written_by_python: AllTypes = result.first_row_typed().unwrap().unwrap();
    assert_eq!(written_by_python, AllTypes { k: 101, ..typical });
}
