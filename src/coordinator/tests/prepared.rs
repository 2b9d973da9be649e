//! Prepared statements: plan once, bind many times; bind marker metadata with Cassandra's
//! names, partition key bind indexes for routing, and binding errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use sibyl_coordinator::{BatchItem, BoundValue, CqlError, QueryOptions};
use sibyl_cql::ast::BatchKind;
use sibyl_cql::types::CqlType;
use support::{bigint, int, render, table, text, Harness};

fn names(p: &sibyl_coordinator::Prepared) -> Vec<(String, String)> {
    p.bind_specs().iter().map(|s| (s.name.clone(), s.ty.to_string())).collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn insert_bind_many_times() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int, c text, v bigint, PRIMARY KEY (k, c))");
    let p = h.proc.prepare("INSERT INTO t (c, v, k) VALUES (?, ?, ?) USING TTL ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("c", "text"), ("v", "bigint"), ("k", "int"), ("[ttl]", "int")]));
    assert_eq!(p.pk_indexes(), vec![2]);
    for i in 0..10 {
        let o = QueryOptions::with_values(vec![text(&format!("c{i}")), bigint(i64::from(i)), int(i % 2), int(100)]);
        h.proc.execute(&p, &o).unwrap();
    }
    assert_eq!(h.rows("SELECT count(*) FROM t WHERE k = 1"), table(&[&["5"]]));
    assert_eq!(p.id, h.proc.prepare("INSERT INTO t (c, v, k) VALUES (?, ?, ?) USING TTL ?", Some("ks")).unwrap().id);
    let again = h.proc.prepared(&p.id).unwrap();
    assert_eq!(again.query, p.query);
}

#[test]
fn marker_names() {
    let h = Harness::new();
    h.create_table(
        "CREATE TABLE t (k int, c int, l list<text>, m map<int, text>, s set<int>, v int, PRIMARY KEY (k, c))",
    );
    let p = h
        .proc
        .prepare("SELECT * FROM t WHERE k IN ? AND c > ? AND c < :hi LIMIT ? PER PARTITION LIMIT ?", Some("ks"))
        .unwrap_err();
    assert_eq!(p.code(), 0x2000, "PER PARTITION LIMIT comes before LIMIT");
    let p = h
        .proc
        .prepare("SELECT * FROM t WHERE k IN ? AND c > ? AND c < :hi PER PARTITION LIMIT ? LIMIT ?", Some("ks"))
        .unwrap();
    assert_eq!(
        names(&p),
        pairs(&[
            ("in(k)", "list<int>"),
            ("c", "int"),
            ("hi", "int"),
            ("[per_partition_limit]", "int"),
            ("[limit]", "int")
        ])
    );
    assert!(p.pk_indexes().is_empty());
    let p = h
        .proc
        .prepare("UPDATE t USING TIMESTAMP ? SET l[?] = ?, m[?] = ?, s = s + ? WHERE k = ? AND c = ?", Some("ks"))
        .unwrap();
    assert_eq!(
        names(&p),
        pairs(&[
            ("[timestamp]", "bigint"),
            ("idx(l)", "int"),
            ("value(l)", "text"),
            ("key(m)", "int"),
            ("value(m)", "text"),
            ("s", "set<int>"),
            ("k", "int"),
            ("c", "int"),
        ])
    );
    assert_eq!(p.pk_indexes(), vec![6]);
    let p = h.proc.prepare("SELECT * FROM t WHERE token(k) > ? AND token(k) <= ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("partition key token", "bigint"), ("partition key token", "bigint")]));
    let p = h.proc.prepare("UPDATE t SET v = 1 WHERE k = 0 AND c = 0 IF v = ? AND l[?] = ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("v", "int"), ("idx(l)", "int"), ("value(l)", "text")]));
    let p = h.proc.prepare("INSERT INTO t (k, c, l) VALUES (?, ?, [?, ?])", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("k", "int"), ("c", "int"), ("value(l)", "text"), ("value(l)", "text")]));
    let p = h.proc.prepare("SELECT * FROM t WHERE k = ? AND (c) IN ?", Some("ks")).unwrap();
    assert_eq!(names(&p).len(), 2);
}

#[test]
fn composite_key_routing_indexes() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (a int, b text, c int, v int, PRIMARY KEY ((a, b), c))");
    let p = h.proc.prepare("SELECT v FROM t WHERE c = ? AND b = ? AND a = ?", Some("ks")).unwrap();
    assert_eq!(p.pk_indexes(), vec![2, 1]);
    let p = h.proc.prepare("UPDATE t SET v = ? WHERE a = ? AND b = 'x' AND c = ?", Some("ks")).unwrap();
    assert!(p.pk_indexes().is_empty(), "not every key column is a marker");
    let p = h.proc.prepare("SELECT * FROM t WHERE a = :a AND b = :b", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("a", "int"), ("b", "text")]));
    assert_eq!(p.pk_indexes(), vec![0, 1]);
}

#[test]
fn binding_errors() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let p = h.proc.prepare("INSERT INTO t (k, v) VALUES (?, ?)", Some("ks")).unwrap();
    let e = h.proc.execute(&p, &QueryOptions::with_values(vec![int(1)])).unwrap_err();
    assert_eq!((e.code(), e.message().as_str()), (0x2200, "Invalid amount of bind variables"));
    let e = h.proc.execute(&p, &QueryOptions::with_values(vec![int(1), bigint(2)])).unwrap_err();
    assert_eq!((e.code(), e.message().as_str()), (0x2200, "Expected 4 or 0 byte int (8)"));
    let e = h.proc.execute(&p, &QueryOptions::with_values(vec![BoundValue::Null, int(2)])).unwrap_err();
    assert_eq!(e.message(), "Invalid null value in condition for column k");
    let e = h.proc.execute(&p, &QueryOptions::with_values(vec![BoundValue::Unset, int(2)])).unwrap_err();
    assert_eq!(e.message(), "Invalid unset value for column k");
    let e = h.exec_with("SELECT * FROM t WHERE k = ?", vec![]).unwrap_err();
    assert_eq!(e.message(), "Invalid amount of bind variables");
    let e = h.proc.prepared(&[1, 2, 3]).unwrap_err();
    assert_eq!(e.code(), 0x2500);
}

#[test]
fn unset_leaves_columns_alone() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int, w int)");
    h.exec("INSERT INTO t (k, v, w) VALUES (1, 1, 1)");
    let p = h.proc.prepare("INSERT INTO t (k, v, w) VALUES (?, ?, ?)", Some("ks")).unwrap();
    h.proc.execute(&p, &QueryOptions::with_values(vec![int(1), BoundValue::Unset, int(9)])).unwrap();
    assert_eq!(h.rows("SELECT v, w FROM t WHERE k = 1"), table(&[&["1", "9"]]));
    let s = h.proc.prepare("SELECT * FROM t LIMIT ?", Some("ks")).unwrap();
    let r = h.proc.execute(&s, &QueryOptions::with_values(vec![BoundValue::Unset])).unwrap();
    assert_eq!(r.rows().unwrap().rows.len(), 1);
}

#[test]
fn named_values() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let o = QueryOptions { values: vec![int(5), int(1)], names: Some(vec!["val".into(), "key".into()]), ..h.opts() };
    h.proc.query("INSERT INTO t (k, v) VALUES (:key, :val)", &o).unwrap();
    assert_eq!(h.rows("SELECT v FROM t WHERE k = 1"), table(&[&["5"]]));
}

#[test]
fn select_result_metadata_and_execution() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c))");
    for c in 0..5 {
        h.exec(&format!("INSERT INTO t (k, c, v) VALUES (1, {c}, 'v{c}')"));
    }
    let p = h.proc.prepare("SELECT c, v AS value, writetime(v) FROM t WHERE k = ? AND c >= ?", Some("ks")).unwrap();
    let specs: Vec<(String, CqlType)> = p.result_specs().iter().map(|s| (s.name.clone(), s.ty.clone())).collect();
    assert_eq!(
        specs,
        vec![("c".into(), CqlType::Int), ("value".into(), CqlType::Text), ("writetime(v)".into(), CqlType::Bigint)]
    );
    let r = h.proc.execute(&p, &QueryOptions::with_values(vec![int(1), int(3)])).unwrap();
    let rows = render(r.rows().unwrap());
    assert_eq!(rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>(), vec!["'v3'", "'v4'"]);
}

#[test]
fn schema_change_replans() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let p = h.proc.prepare("SELECT * FROM t WHERE k = ?", Some("ks")).unwrap();
    h.exec("INSERT INTO t (k, v) VALUES (1, 1)");
    h.create_table("CREATE TABLE other (k int PRIMARY KEY)");
    let r = h.proc.execute(&p, &QueryOptions::with_values(vec![int(1)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["1", "1"]]));
}

/// A serialized collection of `[int]` count then `[bytes]` items.
fn collection(items: &[Vec<u8>]) -> BoundValue {
    let mut out = (items.len() as i32).to_be_bytes().to_vec();
    for i in items {
        out.extend_from_slice(&(i.len() as i32).to_be_bytes());
        out.extend_from_slice(i);
    }
    BoundValue::Value(out)
}

fn tuple(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in items {
        out.extend_from_slice(&(i.len() as i32).to_be_bytes());
        out.extend_from_slice(i);
    }
    out
}

#[test]
fn in_tuple_and_json_markers() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int, a int, b int, v text, PRIMARY KEY (k, a, b))");
    for a in 0..3 {
        for b in 0..3 {
            h.exec(&format!("INSERT INTO t (k, a, b, v) VALUES (1, {a}, {b}, 'v{a}{b}')"));
        }
    }
    let four = |v: i32| v.to_be_bytes().to_vec();
    let r = h
        .exec_with(
            "SELECT a, b FROM t WHERE k IN ? AND a IN ? AND b = 1",
            vec![collection(&[four(1), four(2)]), collection(&[four(2), four(0)])],
        )
        .unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["0", "1"], &["2", "1"]]));
    let r = h
        .exec_with("SELECT a, b FROM t WHERE k = 1 AND (a, b) > ?", vec![BoundValue::Value(tuple(&[four(2), four(0)]))])
        .unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["2", "1"], &["2", "2"]]));
    let r = h
        .exec_with("SELECT a, b FROM t WHERE k = 1 AND (a, b) IN ?", vec![collection(&[tuple(&[four(1), four(1)])])])
        .unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["1", "1"]]));
    let p = h.proc.prepare("INSERT INTO t JSON ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("[json]", "text")]));
    h.proc
        .execute(&p, &QueryOptions::with_values(vec![text(r#"{"k": 2, "a": 0, "b": 0, "v": "from json"}"#)]))
        .unwrap();
    assert_eq!(h.rows("SELECT v FROM t WHERE k = 2"), table(&[&["'from json'"]]));
    let e = h.proc.execute(&p, &QueryOptions::with_values(vec![text(r#"{"k": 2, "a": 0}"#)])).unwrap_err();
    assert_eq!(e.message(), "Invalid null value in condition for column b");
}

#[test]
fn the_cache_is_bounded_and_evicted_ids_are_unprepared() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let query = |i: usize| format!("SELECT v FROM t WHERE k = ? AND v = {i} ALLOW FILTERING");
    let first = h.proc.prepare(&query(0), Some("ks")).unwrap();
    let one = sibyl_coordinator::prepared_cache::weight(&first);
    // Room for about four statements of this size.
    h.proc.set_prepared_cache_capacity(4 * one + one / 2);
    let ids: Vec<[u8; 16]> = (0..10).map(|i| h.proc.prepare(&query(i), Some("ks")).unwrap().id).collect();
    let (count, bytes) = h.proc.prepared_cache_usage();
    assert_eq!(count, 4);
    assert!(bytes <= 4 * one + one / 2, "{bytes}");
    // The oldest statements went first; the newest are still there.
    for id in &ids[..6] {
        let e = h.proc.prepared(id).unwrap_err();
        assert_eq!(e.code(), 0x2500);
        assert!(matches!(&e, sibyl_coordinator::CqlError::Unprepared { id: got, .. } if got == id));
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            e.message(),
            format!(
                "Prepared query with ID {hex} not found (either the query was not prepared on this host (maybe the \
                 host has been restarted?) or you have prepared too many queries and it has been evicted from the \
                 internal cache)"
            )
        );
    }
    for id in &ids[6..] {
        assert!(h.proc.prepared(id).is_ok());
    }
    // A statement handle kept by the caller still executes; preparing again brings the id back.
    h.exec("INSERT INTO t (k, v) VALUES (1, 0)");
    let r = h.proc.execute(&first, &QueryOptions::with_values(vec![int(1)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["0"]]));
    let again = h.proc.prepare(&query(0), Some("ks")).unwrap();
    assert_eq!(again.id, ids[0], "the id is the same: it depends on the keyspace and text only");
    let p = h.proc.prepared(&again.id).unwrap();
    let r = h.proc.execute(&p, &QueryOptions::with_values(vec![int(1)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["0"]]));
    assert_eq!(h.proc.prepared_cache_usage().0, 4);
}

#[test]
fn statements_in_use_survive_eviction_longer() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let query = |i: usize| format!("SELECT v FROM t WHERE k = ? AND v = {i} ALLOW FILTERING");
    let hot = h.proc.prepare(&query(0), Some("ks")).unwrap();
    let one = sibyl_coordinator::prepared_cache::weight(&hot);
    // Room for three (two-digit numbers make later statements a few bytes larger).
    h.proc.set_prepared_cache_capacity(3 * one + 16);
    for i in 1..20 {
        // Executing looks the statement up by id (as EXECUTE does): it is in use.
        h.proc.prepared(&hot.id).unwrap();
        h.proc.prepare(&query(i), Some("ks")).unwrap();
    }
    assert!(h.proc.prepared(&hot.id).is_ok(), "a statement executed between preparations stays");
    assert_eq!(h.proc.prepared_cache_usage().0, 3);
    // A statement larger than the whole cache is still kept until the next one comes.
    h.proc.set_prepared_cache_capacity(1);
    assert_eq!(h.proc.prepared_cache_usage().0, 0);
    let big = h.proc.prepare(&query(100), Some("ks")).unwrap();
    assert!(h.proc.prepared(&big.id).is_ok());
    let next = h.proc.prepare(&query(101), Some("ks")).unwrap();
    assert!(h.proc.prepared(&next.id).is_ok());
    assert!(h.proc.prepared(&big.id).is_err());
}

/// Cassandra numbers bind markers in order of appearance in the text: values bound by position
/// reach the TTL or the timestamp as written, whichever comes first.
#[test]
fn using_markers_bind_in_text_order() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v text)");
    let ts = 1_700_000_000_000_000i64;
    let cases: [(&str, [&str; 4]); 4] = [
        ("INSERT INTO t (k, v) VALUES (?, ?) USING TTL ? AND TIMESTAMP ?", ["k", "v", "[ttl]", "[timestamp]"]),
        ("INSERT INTO t (k, v) VALUES (?, ?) USING TIMESTAMP ? AND TTL ?", ["k", "v", "[timestamp]", "[ttl]"]),
        ("UPDATE t USING TTL ? AND TIMESTAMP ? SET v = ? WHERE k = ?", ["[ttl]", "[timestamp]", "v", "k"]),
        ("UPDATE t USING TIMESTAMP ? AND TTL ? SET v = ? WHERE k = ?", ["[timestamp]", "[ttl]", "v", "k"]),
    ];
    for (k, (cql, order)) in (0..).zip(cases) {
        let p = h.proc.prepare(cql, Some("ks")).unwrap();
        let got: Vec<String> = p.bind_specs().iter().map(|s| s.name.clone()).collect();
        assert_eq!(got, order, "{cql}");
        assert_eq!(p.pk_indexes(), vec![order.iter().position(|n| *n == "k").unwrap() as u16], "{cql}");
        let values = order
            .iter()
            .map(|n| match *n {
                "k" => int(k),
                "v" => text("x"),
                "[ttl]" => int(1000),
                _ => bigint(ts + i64::from(k)),
            })
            .collect();
        h.proc.execute(&p, &QueryOptions::with_values(values)).unwrap();
        let want = [1000.to_string(), (ts + i64::from(k)).to_string()];
        assert_eq!(h.rows(&format!("SELECT TTL(v), WRITETIME(v) FROM t WHERE k = {k}")), [want], "{cql}");
    }
    // DELETE … USING TIMESTAMP ? WHERE k = ?: an older timestamp leaves the row, a newer one
    // deletes it.
    let p = h.proc.prepare("DELETE FROM t USING TIMESTAMP ? WHERE k = ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("[timestamp]", "bigint"), ("k", "int")]));
    assert_eq!(p.pk_indexes(), vec![1]);
    h.proc.execute(&p, &QueryOptions::with_values(vec![bigint(ts - 1), int(0)])).unwrap();
    assert_eq!(h.rows("SELECT k FROM t WHERE k = 0"), table(&[&["0"]]));
    h.proc.execute(&p, &QueryOptions::with_values(vec![bigint(ts + 1), int(0)])).unwrap();
    assert_eq!(h.rows("SELECT k FROM t WHERE k = 0"), Vec::<Vec<String>>::new());
}

/// The markers of an `IF` condition come after those of the `WHERE` clause, as written.
#[test]
fn condition_markers_bind_in_text_order() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v text, w int)");
    h.exec("INSERT INTO t (k, v, w) VALUES (1, 'old', 10)");
    h.exec("INSERT INTO t (k, v, w) VALUES (2, 'old', 10)");
    let p = h.proc.prepare("UPDATE t SET v = ? WHERE k = ? IF w = ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("v", "text"), ("k", "int"), ("w", "int")]));
    assert_eq!(p.pk_indexes(), vec![1]);
    let r = h.proc.execute(&p, &QueryOptions::with_values(vec![text("new"), int(1), int(10)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["true"]]));
    assert_eq!(h.rows("SELECT v FROM t WHERE k = 1"), table(&[&["'new'"]]));
    let p = h.proc.prepare("DELETE FROM t WHERE k = ? IF w = ?", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("k", "int"), ("w", "int")]));
    assert_eq!(p.pk_indexes(), vec![0]);
    let r = h.proc.execute(&p, &QueryOptions::with_values(vec![int(2), int(10)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["true"]]));
    assert_eq!(h.rows("SELECT k FROM t"), table(&[&["1"]]));
    // In a batch, the markers are numbered through the whole text.
    let cql = "BEGIN BATCH UPDATE t SET v = ? WHERE k = ? IF w = ?; \
               UPDATE t USING TTL ? SET w = ? WHERE k = ?; APPLY BATCH";
    let p = h.proc.prepare(cql, Some("ks")).unwrap();
    let got: Vec<String> = p.bind_specs().iter().map(|s| s.name.clone()).collect();
    assert_eq!(got, ["v", "k", "w", "[ttl]", "w", "k"]);
    let values = vec![text("batched"), int(1), int(10), int(500), int(11), int(1)];
    let r = h.proc.execute(&p, &QueryOptions::with_values(values)).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["true"]]));
    assert_eq!(h.rows("SELECT v, w, TTL(w), TTL(v) FROM t WHERE k = 1"), table(&[&["'batched'", "11", "500", "null"]]));
    // SELECT: WHERE, then PER PARTITION LIMIT, then LIMIT.
    let p = h.proc.prepare("SELECT v FROM t WHERE w = ? AND k = ? LIMIT ? ALLOW FILTERING", Some("ks")).unwrap();
    assert_eq!(names(&p), pairs(&[("w", "int"), ("k", "int"), ("[limit]", "int")]));
    assert_eq!(p.pk_indexes(), vec![1]);
    let r = h.proc.execute(&p, &QueryOptions::with_values(vec![int(11), int(1), int(1)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["'batched'"]]));
}

fn unprepared(h: &Harness, p: &std::sync::Arc<sibyl_coordinator::Prepared>, values: Vec<BoundValue>) {
    let e = h.proc.prepared(&p.id).unwrap_err();
    assert_eq!(e.code(), 0x2500, "{}: {e:?}", p.query);
    // A handle kept from before is refused too (as the node would if it still had the id).
    let e = h.proc.execute(p, &QueryOptions::with_values(values.clone())).unwrap_err();
    assert!(matches!(&e, CqlError::Unprepared { id, .. } if id == &p.id), "{}: {e:?}", p.query);
    let e = h.proc.batch(BatchKind::Logged, &[BatchItem::Prepared(p.clone(), values)], &h.opts()).unwrap_err();
    assert_eq!(e.code(), 0x2500, "{}", p.query);
}

/// Cassandra forgets the prepared statements of a dropped table or keyspace: executing one gets
/// Unprepared (0x2500), and drivers prepare it again, against the new table if it was created
/// again.
#[test]
fn dropping_a_table_or_keyspace_unprepares_its_statements() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    h.create_table("CREATE TABLE u (k int PRIMARY KEY, v int)");
    let ins = h.proc.prepare("INSERT INTO t (k, v) VALUES (?, ?)", Some("ks")).unwrap();
    let sel = h.proc.prepare("SELECT * FROM t WHERE k = ?", Some("ks")).unwrap();
    let qualified = h.proc.prepare("UPDATE ks.t SET v = ? WHERE k = ?", None).unwrap();
    let batch = h
        .proc
        .prepare(
            "BEGIN BATCH INSERT INTO u (k, v) VALUES (?, ?); INSERT INTO t (k, v) VALUES (?, ?); APPLY BATCH",
            Some("ks"),
        )
        .unwrap();
    let other = h.proc.prepare("SELECT * FROM u WHERE k = ?", Some("ks")).unwrap();
    h.proc.execute(&ins, &QueryOptions::with_values(vec![int(1), int(1)])).unwrap();
    // Altering the table keeps the statements (planned again for the new columns).
    h.exec("ALTER TABLE t ADD w text");
    assert!(h.proc.prepared(&sel.id).is_ok());
    let r = h.proc.execute(&sel, &QueryOptions::with_values(vec![int(1)])).unwrap();
    assert_eq!(render(r.rows().unwrap()), table(&[&["1", "1", "null"]]));

    h.exec("DROP TABLE t");
    unprepared(&h, &ins, vec![int(1), int(2)]);
    unprepared(&h, &sel, vec![int(1)]);
    unprepared(&h, &qualified, vec![int(1), int(2)]);
    unprepared(&h, &batch, vec![int(1), int(1), int(1), int(1)]);
    assert!(h.proc.prepared(&other.id).is_ok(), "a statement on another table stays");
    h.proc.execute(&other, &QueryOptions::with_values(vec![int(1)])).unwrap();
    // Preparing again fails while the table is missing...
    let e = h.proc.prepare("SELECT * FROM t WHERE k = ?", Some("ks")).unwrap_err();
    assert_eq!(e.code(), 0x2200);
    // ... and gives the new table's metadata once it is created again (same id: same text).
    h.exec("CREATE TABLE t (k int PRIMARY KEY, a text, v int)");
    let again = h.proc.prepare("SELECT * FROM t WHERE k = ?", Some("ks")).unwrap();
    assert_eq!(again.id, sel.id);
    let cols: Vec<&str> = again.result_specs().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(cols, ["k", "a", "v"]);
    assert_eq!(h.rows("SELECT * FROM t"), Vec::<Vec<String>>::new(), "the old table's rows went with it");
    // A table dropped and created again between two executions is another table.
    let ins = h.proc.prepare("INSERT INTO t (k, v) VALUES (?, ?)", Some("ks")).unwrap();
    h.exec("DROP TABLE t");
    h.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    unprepared(&h, &ins, vec![int(1), int(2)]);

    // DROP KEYSPACE forgets the statements of all its tables.
    h.exec("CREATE KEYSPACE ks2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    h.exec("CREATE TABLE ks2.a (k int PRIMARY KEY, v int)");
    h.exec("CREATE TABLE ks2.b (k int PRIMARY KEY, v int)");
    let a = h.proc.prepare("INSERT INTO a (k, v) VALUES (?, ?)", Some("ks2")).unwrap();
    let b = h.proc.prepare("SELECT v FROM ks2.b WHERE k = ?", Some("ks")).unwrap();
    h.exec("DROP KEYSPACE ks2");
    unprepared(&h, &a, vec![int(1), int(2)]);
    unprepared(&h, &b, vec![int(1)]);
    assert!(h.proc.prepared(&other.id).is_ok());
    assert_eq!(h.proc.prepared_cache_usage().0, 1, "only the statement on ks.u remains");
}
