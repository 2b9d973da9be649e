//! UPDATE, per Cassandra's documented behaviour: no row marker, collection and counter
//! operations, UDT fields, static columns, conditions and error messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{int, table, Harness};

#[test]
fn update_creates_no_row_marker() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int, w int)");
    h.exec("UPDATE t SET v = 1 WHERE k = 1");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 1"), table(&[&["1", "1", "null"]]));
    // Nulling the only column makes the row disappear (an INSERTed one would stay).
    h.exec("UPDATE t SET v = null WHERE k = 1");
    assert!(h.rows("SELECT * FROM t WHERE k = 1").is_empty());
    h.exec("INSERT INTO t (k, v) VALUES (2, 1)");
    h.exec("UPDATE t SET v = null WHERE k = 2");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 2"), table(&[&["2", "null", "null"]]));
}

#[test]
fn update_with_in_and_ttl() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))");
    h.exec("UPDATE t USING TTL 5 SET v = 7 WHERE k IN (1, 2) AND c IN (1, 2)");
    assert_eq!(h.rows("SELECT count(*) FROM t"), table(&[&["4"]]));
    h.clock.advance_secs(5);
    assert_eq!(h.rows("SELECT count(*) FROM t"), table(&[&["0"]]));
}

#[test]
fn list_operations() {
    let h = Harness::new();
    h.create_table("CREATE TABLE l (k int PRIMARY KEY, l list<int>)");
    h.exec("UPDATE l SET l = [1, 2] WHERE k = 1");
    h.exec("UPDATE l SET l = l + [3, 4] WHERE k = 1");
    h.exec("UPDATE l SET l = [0] + l WHERE k = 1");
    h.exec("UPDATE l SET l = [-2, -1] + l WHERE k = 1");
    assert_eq!(h.rows("SELECT l FROM l WHERE k = 1"), table(&[&["[-2, -1, 0, 1, 2, 3, 4]"]]));
    h.exec("UPDATE l SET l[2] = 100 WHERE k = 1");
    assert_eq!(h.rows("SELECT l FROM l WHERE k = 1"), table(&[&["[-2, -1, 100, 1, 2, 3, 4]"]]));
    h.exec("UPDATE l SET l = l - [1, 3, -2] WHERE k = 1");
    assert_eq!(h.rows("SELECT l FROM l WHERE k = 1"), table(&[&["[-1, 100, 2, 4]"]]));
    h.exec("DELETE l[0] FROM l WHERE k = 1");
    assert_eq!(h.rows("SELECT l FROM l WHERE k = 1"), table(&[&["[100, 2, 4]"]]));
    assert_eq!(h.invalid("UPDATE l SET l[7] = 1 WHERE k = 1"), "List index 7 out of bound, list has size 3");
    assert_eq!(h.invalid("UPDATE l SET l[0] = 1 WHERE k = 2"), "Attempted to set an element on a list which is null");
    // Operations of one statement see each other, in order.
    h.exec("UPDATE l SET l = l + [6, 8], l[4] = 5 WHERE k = 1");
    assert_eq!(h.rows("SELECT l FROM l WHERE k = 1"), table(&[&["[100, 2, 4, 6, 5]"]]));
    assert_eq!(
        h.invalid("UPDATE l SET l[5] = 5, l = l + [9] WHERE k = 1"),
        "List index 5 out of bound, list has size 5"
    );
    h.exec("UPDATE l SET l[1] = 8, l = l - [8] WHERE k = 1");
    assert_eq!(h.rows("SELECT l FROM l WHERE k = 1"), table(&[&["[100, 4, 6, 5]"]]));
}

#[test]
fn set_and_map_operations() {
    let h = Harness::new();
    h.create_table("CREATE TABLE c (k int PRIMARY KEY, s set<text>, m map<text, int>)");
    h.exec("UPDATE c SET s = s + {'a', 'b'}, m = m + {'x': 1, 'y': 2} WHERE k = 1");
    h.exec("UPDATE c SET s = s - {'a'}, m = m - {'x'} WHERE k = 1");
    h.exec("UPDATE c SET m['z'] = 26, s = s + {'c'} WHERE k = 1");
    assert_eq!(h.rows("SELECT s, m FROM c WHERE k = 1"), table(&[&["{'b', 'c'}", "{'y': 2, 'z': 26}"]]));
    h.exec("DELETE m['y'], s['c'] FROM c WHERE k = 1");
    assert_eq!(h.rows("SELECT s, m FROM c WHERE k = 1"), table(&[&["{'b'}", "{'z': 26}"]]));
    h.exec("UPDATE c SET m['z'] = null WHERE k = 1");
    assert_eq!(h.rows("SELECT m FROM c WHERE k = 1"), table(&[&["null"]]));
    h.exec("UPDATE c SET s = {'q'} WHERE k = 1");
    assert_eq!(h.rows("SELECT s FROM c WHERE k = 1"), table(&[&["{'q'}"]]));
}

#[test]
fn collection_operation_errors() {
    let h = Harness::new();
    h.create_table("CREATE TABLE c (k int PRIMARY KEY, v int, s set<int>, f frozen<list<int>>, l list<int>)");
    assert_eq!(
        h.invalid("UPDATE c SET v = v + 1 WHERE k = 1"),
        "Invalid operation (v = v + 1) for non counter column v"
    );
    assert_eq!(
        h.invalid("UPDATE c SET f = f + [1] WHERE k = 1"),
        "Invalid operation (f = f + [1]) for frozen collection column f"
    );
    assert_eq!(h.invalid("UPDATE c SET s[1] = 2 WHERE k = 1"), "Invalid operation (s[1] = 2) for set column s");
    assert_eq!(
        h.invalid("UPDATE c SET v[1] = 2 WHERE k = 1"),
        "Invalid operation (v[1] = 2) for non collection column v"
    );
    assert_eq!(h.invalid("UPDATE c SET k = 2 WHERE k = 1"), "PRIMARY KEY part k found in SET part");
    // The grammar refuses it: a syntax error, as in Cassandra.
    let e = h.err("UPDATE c SET v = 1, v = 2 WHERE k = 1");
    assert_eq!((e.code(), e.message().as_str()), (0x2000, "Multiple incompatible setting of column v"));
    assert_eq!(h.invalid("UPDATE c SET v = 1 WHERE v = 1"), "Non PRIMARY KEY columns found in where clause: v ");
    assert_eq!(h.invalid("UPDATE c SET v = 1 WHERE k > 1"), "Only EQ and IN relation are supported on the partition key (unless you use the token() function) for UPDATE statements");
}

#[test]
fn counters() {
    let h = Harness::new();
    h.create_table("CREATE TABLE cnt (k int PRIMARY KEY, a counter, b counter)");
    h.exec("UPDATE cnt SET a = a + 5, b = b - 2 WHERE k = 1");
    h.exec("UPDATE cnt SET a = a + 1 WHERE k = 1");
    h.exec("UPDATE cnt SET a = a - 10 WHERE k = 1");
    assert_eq!(h.rows("SELECT a, b FROM cnt WHERE k = 1"), table(&[&["-4", "-2"]]));
    assert_eq!(
        h.invalid("UPDATE cnt SET a = 1 WHERE k = 1"),
        "Cannot set the value of counter column a (counters can only be incremented/decremented, not set)"
    );
    assert_eq!(
        h.invalid("UPDATE cnt USING TTL 1 SET a = a + 1 WHERE k = 1"),
        "Cannot provide custom TTL for counter updates"
    );
    assert_eq!(
        h.invalid("UPDATE cnt USING TIMESTAMP 1 SET a = a + 1 WHERE k = 1"),
        "Cannot provide custom timestamp for counter updates"
    );
    h.exec("DELETE a FROM cnt WHERE k = 1");
    assert_eq!(h.rows("SELECT a, b FROM cnt WHERE k = 1"), table(&[&["null", "-2"]]));
}

#[test]
fn udt_fields() {
    let h = Harness::new();
    h.create_type("CREATE TYPE pt (x int, y int)");
    h.create_table("CREATE TABLE u (k int PRIMARY KEY, p pt, f frozen<pt>)");
    h.exec("UPDATE u SET p.x = 1 WHERE k = 1");
    h.exec("UPDATE u SET p.y = 2 WHERE k = 1");
    assert_eq!(h.rows("SELECT p, p.y FROM u WHERE k = 1"), table(&[&["{x: 1, y: 2}", "2"]]));
    h.exec("DELETE p.x FROM u WHERE k = 1");
    assert_eq!(h.rows("SELECT p FROM u WHERE k = 1"), table(&[&["{x: null, y: 2}"]]));
    assert_eq!(h.invalid("UPDATE u SET p.z = 1 WHERE k = 1"), "UDT column p does not have a field named z");
    assert_eq!(h.invalid("UPDATE u SET f.x = 1 WHERE k = 1"), "Invalid operation (f.x = 1) for frozen UDT column f");
}

#[test]
fn static_only_updates() {
    let h = Harness::new();
    h.create_table("CREATE TABLE s (k int, c int, s int static, v int, PRIMARY KEY (k, c))");
    h.exec("UPDATE s SET s = 1 WHERE k = 1");
    assert_eq!(h.rows("SELECT k, c, s FROM s WHERE k = 1"), table(&[&["1", "null", "1"]]));
    assert_eq!(
        h.invalid("UPDATE s SET s = 2 WHERE k = 1 AND c = 1"),
        "Invalid restrictions on clustering columns since the UPDATE statement modifies only static columns"
    );
    assert_eq!(h.invalid("UPDATE s SET v = 2 WHERE k = 1"), "Some clustering keys are missing: c");
    assert_eq!(
        h.invalid("UPDATE s SET v = 2 WHERE k = 1 AND c > 1"),
        "Slice restrictions are not supported on the clustering columns in UPDATE statements"
    );
}

#[test]
fn conditions() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int, l list<int>, m map<text, int>)");
    assert_eq!(h.rows("UPDATE t SET v = 1 WHERE k = 1 IF EXISTS"), table(&[&["false"]]));
    assert!(h.rows("SELECT * FROM t WHERE k = 1").is_empty());
    h.exec("INSERT INTO t (k, v, l, m) VALUES (1, 1, [1, 2], {'a': 1})");
    assert_eq!(h.rows("UPDATE t SET v = 2 WHERE k = 1 IF EXISTS"), table(&[&["true"]]));
    assert_eq!(h.rows("UPDATE t SET v = 3 WHERE k = 1 IF v = 1"), table(&[&["false", "2"]]));
    assert_eq!(h.columns("UPDATE t SET v = 3 WHERE k = 1 IF v = 1"), vec!["[applied]", "v"]);
    assert_eq!(h.rows("UPDATE t SET v = 3 WHERE k = 1 IF v = 2"), table(&[&["true"]]));
    assert_eq!(h.rows("UPDATE t SET v = 4 WHERE k = 1 IF v > 2 AND v < 5"), table(&[&["true"]]));
    assert_eq!(h.rows("UPDATE t SET v = 5 WHERE k = 1 IF v IN (1, 4)"), table(&[&["true"]]));
    assert_eq!(h.rows("UPDATE t SET v = 6 WHERE k = 1 IF v != 5"), table(&[&["false", "5"]]));
    assert_eq!(h.rows("UPDATE t SET v = 6 WHERE k = 1 IF l[1] = 2 AND m['a'] = 1"), table(&[&["true"]]));
    assert_eq!(h.rows("UPDATE t SET v = 7 WHERE k = 1 IF l = [1, 2] AND m CONTAINS KEY 'a'"), table(&[&["true"]]));
    assert_eq!(h.rows("UPDATE t SET v = 8 WHERE k = 2 IF v = null"), table(&[&["true"]]));
    assert_eq!(h.rows("SELECT v FROM t WHERE k IN (1, 2)"), table(&[&["7"], &["8"]]));
    assert_eq!(
        h.invalid("UPDATE t SET v = 1 WHERE k IN (1, 2) IF v = 1"),
        "IN on the partition key is not supported with conditional updates"
    );
    assert_eq!(
        h.invalid("UPDATE t SET v = 1 WHERE k = 1 IF k = 1"),
        "PRIMARY KEY column 'k' cannot have IF conditions"
    );
}

#[test]
fn bound_values() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, l list<int>, m map<int, int>)");
    h.exec_with("UPDATE t SET l = l + [?, ?], m[?] = ? WHERE k = ?", vec![int(1), int(2), int(3), int(4), int(1)])
        .unwrap();
    assert_eq!(h.rows("SELECT l, m FROM t WHERE k = 1"), table(&[&["[1, 2]", "{3: 4}"]]));
}
