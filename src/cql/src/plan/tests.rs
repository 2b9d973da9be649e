//! Unit tests of planning and binding (the coordinator's tests drive whole statements).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use super::aggregate::{AggFn, AggState};
use super::functions::cast;
use super::json::{parse_json, value_to_json, Json};
use super::keys::{
    bind_clustering, encode_partition_key, range_is_empty, ranges_after, split_partition_key, CkBound, CkRange,
};
use super::modify::Operation;
use super::vars::{BindCtx, BoundValue};
use super::*;
use crate::parse_statement;
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, KeyspaceDef, TableDef, TableParams};
use crate::types::CqlType;
use crate::value::{CqlValue, NoEnv};

fn col(name: &str, ty: CqlType, kind: ColumnKind, position: i32, order: ClusteringOrder) -> ColumnDef {
    ColumnDef { name: name.into(), ty, kind, position, order }
}

/// `ks.t (k int, a int, b int DESC, v text, PRIMARY KEY (k, a, b))`.
fn schema() -> Schema {
    let mut def = TableDef {
        keyspace: "ks".into(),
        name: "t".into(),
        id: [1; 16],
        columns: vec![
            col("k", CqlType::Int, ColumnKind::PartitionKey, 0, ClusteringOrder::None),
            col("a", CqlType::Int, ColumnKind::Clustering, 0, ClusteringOrder::Asc),
            col("b", CqlType::Int, ColumnKind::Clustering, 1, ClusteringOrder::Desc),
            col("v", CqlType::Text, ColumnKind::Regular, -1, ClusteringOrder::None),
        ],
        params: TableParams::default(),
        dropped_columns: BTreeMap::new(),
    };
    def.sort_columns();
    let mut ks = KeyspaceDef::new("ks", BTreeMap::new(), true);
    ks.tables.insert("t".into(), Arc::new(def));
    // `ks.c (k int PRIMARY KEY, l list<int>, m map<text, int>, w int)`.
    let mut def = TableDef {
        keyspace: "ks".into(),
        name: "c".into(),
        id: [2; 16],
        columns: vec![
            col("k", CqlType::Int, ColumnKind::PartitionKey, 0, ClusteringOrder::None),
            col("l", CqlType::parse("list<int>").unwrap(), ColumnKind::Regular, -1, ClusteringOrder::None),
            col("m", CqlType::parse("map<text, int>").unwrap(), ColumnKind::Regular, -1, ClusteringOrder::None),
            col("w", CqlType::Int, ColumnKind::Regular, -1, ClusteringOrder::None),
        ],
        params: TableParams::default(),
        dropped_columns: BTreeMap::new(),
    };
    def.sort_columns();
    ks.tables.insert("c".into(), Arc::new(def));
    let mut s = Schema::default();
    s.keyspaces.insert("ks".into(), Arc::new(ks));
    s
}

fn plan_of(cql: &str) -> CqlResult<Plan> {
    plan(&parse_statement(cql).unwrap(), &schema(), Some("ks"))
}

fn err(cql: &str) -> String {
    plan_of(cql).unwrap_err().message()
}

#[test]
fn composite_partition_keys_round_trip() {
    let key = encode_partition_key(&[b"ab", b"", &[0, 1]]);
    assert_eq!(key, vec![0, 2, b'a', b'b', 0, 0, 0, 0, 0, 2, 0, 1, 0]);
    assert_eq!(split_partition_key(&key, 3), Some(vec![b"ab".to_vec(), vec![], vec![0, 1]]));
    assert_eq!(split_partition_key(&key, 2), None);
    assert_eq!(split_partition_key(&key[..5], 2), None);
    assert_eq!(encode_partition_key(&[b"single"]), b"single".to_vec());
}

fn b(prefix: &[u8], inclusive: bool) -> CkBound {
    CkBound { prefix: prefix.to_vec(), inclusive }
}

#[test]
fn empty_ranges_and_resuming_after_a_key() {
    assert!(!range_is_empty(&b(b"", true), &b(b"", true)));
    assert!(!range_is_empty(&b(b"a", true), &b(b"a", true)));
    assert!(range_is_empty(&b(b"a", false), &b(b"a", true)));
    assert!(range_is_empty(&b(b"b", true), &b(b"a", true)));
    assert!(!range_is_empty(&b(b"a", true), &b(b"ab", false)));
    let all = vec![CkRange { start: b(b"", true), end: b(b"", true) }];
    let after = ranges_after(&all, b"k", false);
    assert_eq!(after, vec![CkRange { start: b(b"k", false), end: b(b"", true) }]);
    let before = ranges_after(&all, b"k", true);
    assert_eq!(before, vec![CkRange { start: b(b"", true), end: b(b"k", false) }]);
    let two = vec![
        CkRange { start: b(b"a", true), end: b(b"a", true) },
        CkRange { start: b(b"c", true), end: b(b"c", true) },
    ];
    assert_eq!(ranges_after(&two, b"b", false), vec![two[1].clone()]);
    assert_eq!(ranges_after(&two, b"b", true), vec![two[0].clone()]);
    assert!(ranges_after(&two, b"c", false).is_empty());
}

#[test]
fn slices_on_descending_columns_swap_bounds() {
    let Plan::Select(p) = plan_of("SELECT * FROM t WHERE k = 1 AND a = 1 AND b > 5").unwrap() else { panic!() };
    let mut env = NoEnv;
    let mut ctx = BindCtx { values: &[], vars: &Vars::default(), env: &mut env };
    let c = bind_clustering(&p.restrictions.clustering, &p.table, &mut ctx).unwrap();
    assert_eq!(c.ranges.len(), 1);
    let r = &c.ranges[0];
    // a = 1 is the prefix; b > 5 on a DESC column is an exclusive end.
    assert!(r.start.inclusive && r.start.prefix.len() < r.end.prefix.len());
    assert!(!r.end.inclusive);
    assert!(!c.full);
}

#[test]
fn mixed_order_tuple_slices_split_into_ranges_in_storage_order() {
    // a ASC, b DESC: (a, b) >= (1, 5) AND (a, b) < (3, 2) is `a = 1 AND b >= 5`, `1 < a < 3`
    // and `a = 3 AND b < 2`, in that (storage) order.
    let cql = "SELECT * FROM t WHERE k = 1 AND (a, b) >= (1, 5) AND (a, b) < (3, 2)";
    let Plan::Select(p) = plan_of(cql).unwrap() else { panic!() };
    let mut env = NoEnv;
    let mut ctx = BindCtx { values: &[], vars: &Vars::default(), env: &mut env };
    let c = bind_clustering(&p.restrictions.clustering, &p.table, &mut ctx).unwrap();
    let enc = |v: &[i32]| {
        let values: Vec<Vec<u8>> = v.iter().map(|x| x.to_be_bytes().to_vec()).collect();
        keys::encode_clustering(&p.table, &values).unwrap()
    };
    assert_eq!(
        c.ranges,
        vec![
            CkRange { start: b(&enc(&[1]), true), end: b(&enc(&[1, 5]), true) },
            CkRange { start: b(&enc(&[1]), false), end: b(&enc(&[3]), false) },
            CkRange { start: b(&enc(&[3, 2]), false), end: b(&enc(&[3]), true) },
        ]
    );
    // One bound: a range per run of columns of the same order.
    let Plan::Select(p) = plan_of("SELECT * FROM t WHERE k = 1 AND (a, b) > (1, 5)").unwrap() else { panic!() };
    let c = bind_clustering(&p.restrictions.clustering, &p.table, &mut ctx).unwrap();
    assert_eq!(
        c.ranges,
        vec![
            CkRange { start: b(&enc(&[1]), true), end: b(&enc(&[1, 5]), false) },
            CkRange { start: b(&enc(&[1]), false), end: b(b"", true) },
        ]
    );
    // Bounds that exclude each other leave nothing to read.
    for cql in [
        "SELECT * FROM t WHERE k = 1 AND (a, b) >= (2, 5) AND (a, b) < (2, 5)",
        "SELECT * FROM t WHERE k = 1 AND (a, b) > (3, 0) AND (a, b) <= (2, 9)",
    ] {
        let Plan::Select(p) = plan_of(cql).unwrap() else { panic!() };
        assert!(bind_clustering(&p.restrictions.clustering, &p.table, &mut ctx).unwrap().ranges.is_empty(), "{cql}");
    }
}

#[test]
fn marker_specs_and_routing() {
    let p = plan_of("UPDATE t USING TTL ? SET v = ? WHERE k = ? AND a = ? AND b IN ?").unwrap();
    let names: Vec<&str> = p.bind_specs().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["[ttl]", "v", "k", "a", "in(b)"]);
    assert_eq!(p.pk_indexes(), vec![2]);
    let p = plan_of("SELECT v FROM t WHERE k = :key AND (a, b) > ? LIMIT ?").unwrap();
    let names: Vec<(String, String)> = p.bind_specs().iter().map(|s| (s.name.clone(), s.ty.to_string())).collect();
    assert_eq!(
        names,
        vec![
            ("key".to_string(), "int".to_string()),
            ("(a,b)".to_string(), "frozen<tuple<int, int>>".to_string()),
            ("[limit]".to_string(), "int".to_string())
        ]
    );
    assert_eq!(p.result_specs().len(), 1);
}

fn spec_names(cql: &str) -> Vec<String> {
    plan_of(cql).unwrap_or_else(|e| panic!("{cql}: {e:?}")).bind_specs().iter().map(|s| s.name.clone()).collect()
}

/// Cassandra numbers bind markers in order of appearance in the text, whatever clause they are in.
#[test]
fn markers_are_numbered_in_text_order() {
    let cases: &[(&str, &[&str], &[u16])] = &[
        (
            "INSERT INTO t (k, a, b, v) VALUES (?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?",
            &["k", "a", "b", "v", "[ttl]", "[timestamp]"],
            &[0],
        ),
        (
            "INSERT INTO t (k, a, b, v) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?",
            &["k", "a", "b", "v", "[timestamp]", "[ttl]"],
            &[0],
        ),
        ("INSERT INTO c (k, w) VALUES (?, ?) IF NOT EXISTS", &["k", "w"], &[0]),
        ("INSERT INTO c JSON ? USING TTL ?", &["[json]", "[ttl]"], &[]),
        (
            "UPDATE t USING TTL ? AND TIMESTAMP ? SET v = ? WHERE k = ? AND a = ? AND b = ?",
            &["[ttl]", "[timestamp]", "v", "k", "a", "b"],
            &[3],
        ),
        (
            "UPDATE t USING TIMESTAMP ? AND TTL ? SET v = ? WHERE k = ? AND a = ? AND b = ?",
            &["[timestamp]", "[ttl]", "v", "k", "a", "b"],
            &[3],
        ),
        ("UPDATE c SET w = ? WHERE k = ? IF w = ?", &["w", "k", "w"], &[1]),
        ("UPDATE c SET w = ? WHERE k = ? IF EXISTS", &["w", "k"], &[1]),
        (
            "UPDATE c USING TTL ? SET m[?] = ?, l = l + [?, ?], w = ? WHERE k = ? IF l[?] = ? AND m[?] > ?",
            &[
                "[ttl]", "key(m)", "value(m)", "value(l)", "value(l)", "w", "k", "idx(l)", "value(l)", "key(m)",
                "value(m)",
            ],
            &[6],
        ),
        ("UPDATE t SET v = ? WHERE b = ? AND k = ? AND a = ?", &["v", "b", "k", "a"], &[2]),
        ("DELETE FROM c USING TIMESTAMP ? WHERE k = ?", &["[timestamp]", "k"], &[1]),
        ("DELETE FROM c WHERE k = ? IF w = ?", &["k", "w"], &[0]),
        ("DELETE m[?], l[?] FROM c WHERE k = ? IF w IN ?", &["key(m)", "idx(l)", "k", "in(w)"], &[2]),
        ("DELETE FROM t WHERE k = ? AND a IN ? AND b > ?", &["k", "in(a)", "b"], &[0]),
        (
            "SELECT v FROM t WHERE a = ? AND k = ? AND b > ? PER PARTITION LIMIT ? LIMIT ?",
            &["a", "k", "b", "[per_partition_limit]", "[limit]"],
            &[1],
        ),
        (
            "SELECT * FROM t WHERE token(k) > ? AND a = ? AND token(k) < ? LIMIT ? ALLOW FILTERING",
            &["partition key token", "a", "partition key token", "[limit]"],
            &[],
        ),
        ("SELECT * FROM c WHERE w = ? AND m CONTAINS KEY ? AND k IN ? ALLOW FILTERING", &["w", "key(m)", "in(k)"], &[]),
        // A named marker written twice is two markers, as in Cassandra (bound by name to the
        // same value).
        ("SELECT * FROM t WHERE k = :x AND a = :x AND b = ?", &["x", "x", "b"], &[0]),
        ("UPDATE c SET w = :w WHERE k = :k IF w = :w", &["w", "k", "w"], &[1]),
    ];
    for (cql, want, pk) in cases {
        assert_eq!(spec_names(cql), *want, "{cql}");
        assert_eq!(plan_of(cql).unwrap().pk_indexes(), *pk, "{cql}");
    }
}

#[test]
fn batch_markers_are_numbered_in_text_order() {
    let cql = "BEGIN BATCH USING TIMESTAMP ? \
               INSERT INTO t (k, a, b, v) VALUES (?, ?, ?, ?) USING TTL ?; \
               UPDATE c USING TTL ? SET w = ? WHERE k = ?; \
               DELETE FROM c WHERE k = ?; \
               APPLY BATCH";
    let want = ["[timestamp]", "k", "a", "b", "v", "[ttl]", "[ttl]", "w", "k", "k"];
    assert_eq!(spec_names(cql), want);
    let Plan::Batch(b) = plan_of(cql).unwrap() else { panic!() };
    assert_eq!(b.offsets, vec![1, 6, 9]);
    let cql = "BEGIN BATCH UPDATE c SET w = ? WHERE k = ? IF w = ?; \
               UPDATE c USING TTL ? SET l = ? WHERE k = ?; APPLY BATCH";
    assert_eq!(spec_names(cql), ["w", "k", "w", "[ttl]", "l", "k"]);
}

/// Values bound by position reach the markers they were meant for.
#[test]
fn values_bind_by_text_position() {
    let int = |v: i32| BoundValue::Value(v.to_be_bytes().to_vec());
    let bigint = |v: i64| BoundValue::Value(v.to_be_bytes().to_vec());
    for (cql, values) in [
        ("INSERT INTO c (k, w) VALUES (?, ?) USING TTL ? AND TIMESTAMP ?", [int(1), int(2), int(1000), bigint(5)]),
        ("INSERT INTO c (k, w) VALUES (?, ?) USING TIMESTAMP ? AND TTL ?", [int(1), int(2), bigint(5), int(1000)]),
        ("UPDATE c USING TTL ? AND TIMESTAMP ? SET w = ? WHERE k = ?", [int(1000), bigint(5), int(2), int(1)]),
        ("UPDATE c USING TIMESTAMP ? AND TTL ? SET w = ? WHERE k = ?", [bigint(5), int(1000), int(2), int(1)]),
    ] {
        let Plan::Modification(m) = plan_of(cql).unwrap() else { panic!() };
        let mut env = NoEnv;
        let mut ctx = BindCtx { values: &values, vars: &m.vars, env: &mut env };
        let ttl = m.ttl.as_ref().unwrap().bind_value(&CqlType::Int, &mut ctx).unwrap();
        let ts = m.timestamp.as_ref().unwrap().bind_value(&CqlType::Bigint, &mut ctx).unwrap();
        assert_eq!((ttl, ts), (Some(CqlValue::Int(1000)), Some(CqlValue::Bigint(5))), "{cql}");
        let Operation::Set { value, .. } = &m.operations[0] else { panic!() };
        assert_eq!(value.bind_value(&CqlType::Int, &mut ctx).unwrap(), Some(CqlValue::Int(2)), "{cql}");
    }
    // The values are checked against the type of the marker they bind to.
    let Plan::Modification(m) = plan_of("UPDATE c USING TTL ? AND TIMESTAMP ? SET w = ? WHERE k = ?").unwrap() else {
        panic!()
    };
    let values = [bigint(5), int(1000), int(2), int(1)];
    let mut env = NoEnv;
    let mut ctx = BindCtx { values: &values, vars: &m.vars, env: &mut env };
    let e = m.ttl.as_ref().unwrap().bind_value(&CqlType::Int, &mut ctx).unwrap_err();
    assert_eq!(e.message(), "Expected 4 or 0 byte int (8)");
}

#[test]
fn planning_errors() {
    assert_eq!(
        err("SELECT * FROM t WHERE k = 1 AND b = 1"),
        "PRIMARY KEY column \"b\" cannot be restricted as preceding column \"a\" is not restricted"
    );
    assert_eq!(err("SELECT * FROM t WHERE v = 'x'"), restrict::REQUIRES_ALLOW_FILTERING);
    assert_eq!(err("SELECT * FROM u"), "table u does not exist");
    assert_eq!(err("SELECT * FROM x.t"), "keyspace x does not exist");
    assert_eq!(err("UPDATE t SET v = 'x' WHERE k = 1 AND a = 1"), "Some clustering keys are missing: b");
    assert_eq!(
        err("UPDATE t SET v = 'x' WHERE k = 1 AND a = 1 AND b = 1 AND v = 'y'"),
        "Non PRIMARY KEY columns found in where clause: v "
    );
    assert_eq!(
        err("SELECT * FROM t WHERE k = 1 AND (b, a) > (1, 1)"),
        "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: (b, a)"
    );
    assert_eq!(
        err("SELECT * FROM t WHERE k = 1 AND a = 1 AND (a, b) > (1, 1)"),
        "Mixing single column relations and multi column relations on clustering columns is not allowed"
    );
    assert_eq!(
        err("SELECT * FROM t WHERE token(k) > 1 AND k = 1"),
        "Columns \"k\" cannot be restricted by both a normal relation and a token relation"
    );
    assert_eq!(
        err("DELETE FROM t WHERE token(k) > 1"),
        "The token function cannot be used in WHERE clauses for DELETE statements"
    );
    assert_eq!(
        err("SELECT DISTINCT v FROM t"),
        "SELECT DISTINCT queries must only request partition key columns and/or static columns (not v)"
    );
    assert_eq!(
        err("SELECT count(*) FROM t PER PARTITION LIMIT 1"),
        "PER PARTITION LIMIT is not allowed with aggregate queries."
    );
    assert_eq!(
        err("SELECT * FROM t WHERE k = 1 GROUP BY b"),
        "Group by currently only support groups of columns following their declared order in the PRIMARY KEY"
    );
    assert!(plan_of("SELECT * FROM t WHERE k = 1 AND a = 1 GROUP BY k, a, b").is_ok());
    assert!(plan_of("SELECT * FROM t WHERE k = 1 AND b = 1 ALLOW FILTERING").is_ok());
}

#[test]
fn json_round_trips() {
    let j = parse_json(r#" {"a": [1, -2.5e3, "x\"\u00e9"], "b": {"c": null, "d": true}} "#).unwrap();
    let Json::Object(entries) = &j else { panic!() };
    assert_eq!(
        entries[0].1,
        Json::Array(vec![Json::Number("1".into()), Json::Number("-2.5e3".into()), Json::String("x\"é".into())])
    );
    assert!(parse_json("{\"a\": 1,}").is_err());
    assert!(parse_json(&"[".repeat(1000)).is_err());
    let ty = CqlType::Map { key: Box::new(CqlType::Int), value: Box::new(CqlType::Text), frozen: true };
    let v = CqlValue::Map(vec![(CqlValue::Int(1), CqlValue::Text("a\nb".into()))]);
    assert_eq!(value_to_json(&ty, &v), r#"{"1": "a\nb"}"#);
    assert_eq!(value_to_json(&CqlType::Timestamp, &CqlValue::Timestamp(0)), r#""1970-01-01 00:00:00.000Z""#);
}

#[test]
fn aggregates_keep_types() {
    let mut s = AggState::new(AggFn::Sum, &CqlType::Int);
    for v in [i32::MAX, 1] {
        s.add(AggFn::Sum, Some(&v.to_be_bytes())).unwrap();
    }
    assert_eq!(s.result().unwrap(), Some(i32::MIN.to_be_bytes().to_vec()), "int sums wrap like Java's");
    let mut a = AggState::new(AggFn::Avg, &CqlType::Int);
    for v in [1i32, 2] {
        a.add(AggFn::Avg, Some(&v.to_be_bytes())).unwrap();
    }
    assert_eq!(a.result().unwrap(), Some(1i32.to_be_bytes().to_vec()), "integer avg truncates");
    let mut m = AggState::new(AggFn::Max, &CqlType::Text);
    m.add(AggFn::Max, Some(b"b")).unwrap();
    m.add(AggFn::Max, Some(b"a")).unwrap();
    m.add(AggFn::Max, None).unwrap();
    assert_eq!(m.result().unwrap(), Some(b"b".to_vec()));
}

#[test]
fn casts() {
    let v = 300i32.to_be_bytes();
    assert_eq!(cast(Some(&v), &CqlType::Int, &CqlType::Tinyint).unwrap(), Some(vec![44]));
    assert_eq!(cast(Some(&v), &CqlType::Int, &CqlType::Text).unwrap(), Some(b"300".to_vec()));
    assert_eq!(cast(None, &CqlType::Int, &CqlType::Text).unwrap(), None);
    let d = cast(Some(&v), &CqlType::Int, &CqlType::Double).unwrap().unwrap();
    assert_eq!(d, 300f64.to_be_bytes().to_vec());
}

#[test]
fn bound_values_are_checked() {
    let p = plan_of("SELECT * FROM t WHERE k = ?").unwrap();
    let Plan::Select(s) = &p else { panic!() };
    let mut env = NoEnv;
    let values = [BoundValue::Value(vec![1, 2])];
    let mut ctx = BindCtx { values: &values, vars: &s.vars, env: &mut env };
    let e = keys::bind_partition_keys(
        match &s.restrictions.partition {
            restrict::PartitionRestrictions::Keys(k) => k,
            _ => panic!(),
        },
        &s.table,
        &mut ctx,
    )
    .unwrap_err();
    assert_eq!(e.message(), "Expected 4 or 0 byte int (2)");
}
