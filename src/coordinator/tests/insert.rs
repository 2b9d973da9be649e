//! INSERT, per Cassandra's documented behaviour: row markers, nulls, TTLs, timestamps,
//! collections, static columns, IF NOT EXISTS, INSERT JSON, and the error messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{table, Harness};

fn kv() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v text, w int)");
    h
}

#[test]
fn insert_then_select() {
    let h = kv();
    h.exec("INSERT INTO t (k, v, w) VALUES (1, 'one', 10)");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 1"), table(&[&["1", "'one'", "10"]]));
    assert_eq!(h.rows("SELECT v, k FROM t WHERE k = 1"), table(&[&["'one'", "1"]]));
    assert!(h.rows("SELECT * FROM t WHERE k = 2").is_empty());
}

#[test]
fn insert_with_only_the_key_makes_a_row_exist() {
    let h = kv();
    h.exec("INSERT INTO t (k) VALUES (1)");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 1"), table(&[&["1", "null", "null"]]));
}

#[test]
fn null_deletes_and_later_write_wins() {
    let h = kv();
    h.exec("INSERT INTO t (k, v, w) VALUES (1, 'a', 1)");
    h.exec("INSERT INTO t (k, v) VALUES (1, null)");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 1"), table(&[&["1", "null", "1"]]));
}

#[test]
fn using_timestamp_orders_writes() {
    let h = kv();
    h.exec("INSERT INTO t (k, v) VALUES (1, 'new') USING TIMESTAMP 2000");
    h.exec("INSERT INTO t (k, v) VALUES (1, 'old') USING TIMESTAMP 1000");
    assert_eq!(h.rows("SELECT v, writetime(v) FROM t WHERE k = 1"), table(&[&["'new'", "2000"]]));
}

#[test]
fn ttl_expires_cells_and_the_row_marker() {
    let h = kv();
    h.exec("INSERT INTO t (k, v) VALUES (1, 'x') USING TTL 10");
    assert_eq!(h.rows("SELECT v, ttl(v) FROM t WHERE k = 1"), table(&[&["'x'", "10"]]));
    h.clock.advance_secs(4);
    assert_eq!(h.rows("SELECT ttl(v) FROM t WHERE k = 1"), table(&[&["6"]]));
    h.clock.advance_secs(6);
    assert!(h.rows("SELECT * FROM t WHERE k = 1").is_empty());
}

#[test]
fn ttl_zero_and_table_default_ttl() {
    let h = Harness::new();
    h.create_table("CREATE TABLE d (k int PRIMARY KEY, v int) WITH default_time_to_live = 100");
    h.exec("INSERT INTO d (k, v) VALUES (1, 1)");
    h.exec("INSERT INTO d (k, v) VALUES (2, 2) USING TTL 0");
    assert_eq!(h.rows("SELECT k, ttl(v) FROM d WHERE k IN (1, 2)"), table(&[&["1", "100"], &["2", "null"]]));
}

#[test]
fn ttl_errors() {
    let h = kv();
    assert_eq!(
        h.invalid("INSERT INTO t (k, v) VALUES (1, 'x') USING TTL -1"),
        "A TTL must be greater or equal to 0, but was -1"
    );
    assert_eq!(
        h.invalid("INSERT INTO t (k, v) VALUES (1, 'x') USING TTL 630720001"),
        "ttl is too large. requested (630720001) maximum (630720000)"
    );
}

#[test]
fn insert_errors_match_cassandra() {
    let h = Harness::new();
    h.create_table("CREATE TABLE c (k int, c int, v int, PRIMARY KEY (k, c))");
    assert_eq!(h.invalid("INSERT INTO c (k, v) VALUES (1, 1)"), "Some clustering keys are missing: c");
    assert_eq!(h.invalid("INSERT INTO c (c, v) VALUES (1, 1)"), "Some partition key parts are missing: k");
    assert_eq!(h.invalid("INSERT INTO c (k, c, v) VALUES (1, 1)"), "Unmatched column names/values");
    assert_eq!(h.invalid("INSERT INTO c (k, c, c) VALUES (1, 1, 1)"), "The column names contains duplicates");
    assert_eq!(h.invalid("INSERT INTO c (k, c, x) VALUES (1, 1, 1)"), "Undefined column name x in table ks.c");
    assert_eq!(h.invalid("INSERT INTO nope (k) VALUES (1)"), "table nope does not exist");
    assert_eq!(h.invalid("INSERT INTO nk.c (k) VALUES (1)"), "keyspace nk does not exist");
    assert_eq!(
        h.invalid("INSERT INTO c (k, c, v) VALUES (1, null, 1)"),
        "Invalid null value in condition for column c"
    );
    assert_eq!(
        h.invalid("INSERT INTO c (k, c, v) VALUES (1, 1, 'x')"),
        "Invalid STRING constant (x) for \"v\" of type int"
    );
    let e = h.err("INSERT INTO c (k, c, v) VALUES (1, 1, 1");
    assert_eq!(e.code(), 0x2000);
}

#[test]
fn static_columns() {
    let h = Harness::new();
    h.create_table("CREATE TABLE s (k int, c int, s text static, v int, PRIMARY KEY (k, c))");
    h.exec("INSERT INTO s (k, s) VALUES (1, 'static only')");
    assert_eq!(h.rows("SELECT * FROM s WHERE k = 1"), table(&[&["1", "null", "'static only'", "null"]]));
    h.exec("INSERT INTO s (k, c, v) VALUES (1, 1, 10)");
    h.exec("INSERT INTO s (k, c, s, v) VALUES (1, 2, 'shared', 20)");
    assert_eq!(
        h.rows("SELECT * FROM s WHERE k = 1"),
        table(&[&["1", "1", "'shared'", "10"], &["1", "2", "'shared'", "20"]])
    );
    assert_eq!(h.rows("SELECT DISTINCT k, s FROM s"), table(&[&["1", "'shared'"]]));
}

#[test]
fn collections() {
    let h = Harness::new();
    h.create_table(
        "CREATE TABLE col (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>, f frozen<list<int>>)",
    );
    h.exec("INSERT INTO col (k, l, s, m, f) VALUES (1, [3, 1, 2], {'b', 'a', 'b'}, {'y': 2, 'x': 1}, [5, 6])");
    assert_eq!(
        h.rows("SELECT l, s, m, f FROM col WHERE k = 1"),
        table(&[&["[3, 1, 2]", "{'a', 'b'}", "{'x': 1, 'y': 2}", "[5, 6]"]])
    );
    // Overwriting replaces the whole collection.
    h.exec("INSERT INTO col (k, l, s) VALUES (1, [9], {'c'})");
    assert_eq!(h.rows("SELECT l, s FROM col WHERE k = 1"), table(&[&["[9]", "{'c'}"]]));
    // An empty collection is null.
    h.exec("INSERT INTO col (k, l) VALUES (1, [])");
    assert_eq!(h.rows("SELECT l FROM col WHERE k = 1"), table(&[&["null"]]));
}

#[test]
fn set_and_map_order_follow_the_element_type() {
    let h = Harness::new();
    h.create_table("CREATE TABLE o (k int PRIMARY KEY, s set<int>, m map<int, text>)");
    h.exec("INSERT INTO o (k, s, m) VALUES (1, {10, -1, 3}, {5: 'a', -7: 'b'})");
    assert_eq!(h.rows("SELECT s, m FROM o WHERE k = 1"), table(&[&["{-1, 3, 10}", "{-7: 'b', 5: 'a'}"]]));
}

#[test]
fn udt_and_tuple() {
    let h = Harness::new();
    h.create_type("CREATE TYPE addr (street text, num int)");
    h.create_table("CREATE TABLE u (k int PRIMARY KEY, a addr, fa frozen<addr>, t tuple<int, text>)");
    h.exec("INSERT INTO u (k, a, fa, t) VALUES (1, {street: 'main', num: 3}, {street: 'x'}, (1, 'z'))");
    assert_eq!(
        h.rows("SELECT a, fa, t, a.num FROM u WHERE k = 1"),
        table(&[&["{street: 'main', num: 3}", "{street: 'x', num: null}", "(1, 'z')", "3"]])
    );
}

#[test]
fn if_not_exists() {
    let h = kv();
    let r = h.rows("INSERT INTO t (k, v) VALUES (1, 'a') IF NOT EXISTS");
    assert_eq!(r, table(&[&["true"]]));
    assert_eq!(h.columns("INSERT INTO t (k, v) VALUES (2, 'a') IF NOT EXISTS"), vec!["[applied]"]);
    let r = h.rows("INSERT INTO t (k, v) VALUES (1, 'b') IF NOT EXISTS");
    assert_eq!(r, table(&[&["false", "1", "'a'", "null"]]));
    assert_eq!(h.columns("INSERT INTO t (k, v) VALUES (1, 'b') IF NOT EXISTS"), vec!["[applied]", "k", "v", "w"]);
    assert_eq!(h.rows("SELECT v FROM t WHERE k = 1"), table(&[&["'a'"]]));
    assert_eq!(
        h.invalid("INSERT INTO t (k, v) VALUES (1, 'b') IF NOT EXISTS USING TIMESTAMP 5"),
        "Cannot provide custom timestamp for conditional updates"
    );
}

#[test]
fn insert_json() {
    let h = Harness::new();
    h.create_table("CREATE TABLE j (k int PRIMARY KEY, v text, l list<int>, m map<int, text>, ts timestamp)");
    h.exec(r#"INSERT INTO j JSON '{"k": 1, "v": "hello", "l": [1, 2], "m": {"3": "c"}, "ts": "2011-02-03 04:05:00.000Z"}'"#);
    assert_eq!(h.rows("SELECT k, v, l, m FROM j WHERE k = 1"), table(&[&["1", "'hello'", "[1, 2]", "{3: 'c'}"]]));
    assert_eq!(
        h.rows("SELECT JSON k, v, ts FROM j WHERE k = 1"),
        table(&[&[r#"'{"k": 1, "v": "hello", "ts": "2011-02-03 04:05:00.000Z"}'"#]])
    );
    // Absent columns become null, unless DEFAULT UNSET.
    h.exec(r#"INSERT INTO j JSON '{"k": 1, "l": [7]}' DEFAULT UNSET"#);
    assert_eq!(h.rows("SELECT v, l FROM j WHERE k = 1"), table(&[&["'hello'", "[7]"]]));
    h.exec(r#"INSERT INTO j JSON '{"k": 1}'"#);
    assert_eq!(h.rows("SELECT v, l FROM j WHERE k = 1"), table(&[&["null", "null"]]));
    assert_eq!(
        h.invalid(r#"INSERT INTO j JSON '{"k": 1, "nope": 2}'"#),
        "JSON values map contains unrecognized column: nope"
    );
}

#[test]
fn counter_tables_refuse_insert() {
    let h = Harness::new();
    h.create_table("CREATE TABLE cnt (k int PRIMARY KEY, c counter)");
    assert_eq!(
        h.invalid("INSERT INTO cnt (k, c) VALUES (1, 1)"),
        "INSERT statements are not allowed on counter tables, use UPDATE instead"
    );
}

#[test]
fn composite_partition_key() {
    let h = Harness::new();
    h.create_table("CREATE TABLE cp (a int, b text, c int, v int, PRIMARY KEY ((a, b), c))");
    h.exec("INSERT INTO cp (a, b, c, v) VALUES (1, 'x', 1, 1)");
    h.exec("INSERT INTO cp (a, b, c, v) VALUES (1, 'y', 1, 2)");
    assert_eq!(h.rows("SELECT v FROM cp WHERE a = 1 AND b = 'y'"), table(&[&["2"]]));
    assert_eq!(h.invalid("SELECT v FROM cp WHERE a = 1"), sibyl_cql::plan::restrict::REQUIRES_ALLOW_FILTERING);
    // The token is Murmur3 of Cassandra's composite encoding.
    let expected = {
        let mut key = Vec::new();
        for c in [&1i32.to_be_bytes()[..], b"x"] {
            key.extend_from_slice(&(c.len() as u16).to_be_bytes());
            key.extend_from_slice(c);
            key.push(0);
        }
        sibyl_common::murmur3_token(&key).0
    };
    assert_eq!(h.rows("SELECT token(a, b) FROM cp WHERE a = 1 AND b = 'x'"), table(&[&[&expected.to_string()]]));
}
