//! DELETE, per Cassandra's documented behaviour: partitions, rows, clustering ranges and
//! prefixes, columns, collection elements, timestamps, conditions and error messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{table, Harness};

fn wide() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE w (k int, a int, b int, s int static, v int, PRIMARY KEY (k, a, b))");
    for a in 0..3 {
        for b in 0..3 {
            h.exec(&format!("INSERT INTO w (k, a, b, v) VALUES (1, {a}, {b}, {})", a * 10 + b));
        }
    }
    h.exec("UPDATE w SET s = 7 WHERE k = 1");
    h
}

fn keys(h: &Harness) -> Vec<String> {
    h.rows("SELECT a, b FROM w WHERE k = 1").into_iter().map(|r| format!("{}{}", r[0], r[1])).collect()
}

#[test]
fn delete_row_prefix_and_ranges() {
    let h = wide();
    h.exec("DELETE FROM w WHERE k = 1 AND a = 0 AND b = 1");
    assert_eq!(keys(&h), vec!["00", "02", "10", "11", "12", "20", "21", "22"]);
    h.exec("DELETE FROM w WHERE k = 1 AND a = 1");
    assert_eq!(keys(&h), vec!["00", "02", "20", "21", "22"]);
    h.exec("DELETE FROM w WHERE k = 1 AND a = 2 AND b >= 1");
    assert_eq!(keys(&h), vec!["00", "02", "20"]);
    h.exec("DELETE FROM w WHERE k = 1 AND a < 2");
    assert_eq!(keys(&h), vec!["20"]);
    // The static row survives row and range deletions.
    assert_eq!(h.rows("SELECT DISTINCT s FROM w WHERE k = 1"), table(&[&["7"]]));
}

#[test]
fn delete_partition() {
    let h = wide();
    h.exec("DELETE FROM w WHERE k = 1");
    assert!(h.rows("SELECT * FROM w WHERE k = 1").is_empty());
    // Newer writes are visible again.
    h.exec("INSERT INTO w (k, a, b, v) VALUES (1, 5, 5, 55)");
    assert_eq!(h.rows("SELECT a, b, s, v FROM w WHERE k = 1"), table(&[&["5", "5", "null", "55"]]));
}

#[test]
fn delete_with_timestamp_only_shadows_older_data() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    h.exec("INSERT INTO t (k, v) VALUES (1, 1) USING TIMESTAMP 100");
    h.exec("DELETE FROM t USING TIMESTAMP 50 WHERE k = 1");
    assert_eq!(h.rows("SELECT v FROM t WHERE k = 1"), table(&[&["1"]]));
    h.exec("DELETE FROM t USING TIMESTAMP 100 WHERE k = 1");
    assert!(h.rows("SELECT v FROM t WHERE k = 1").is_empty());
}

#[test]
fn delete_columns_keeps_the_row() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int, c int, v int, w int, s int static, PRIMARY KEY (k, c))");
    h.exec("INSERT INTO t (k, c, v, w, s) VALUES (1, 1, 1, 1, 1)");
    h.exec("DELETE v, s FROM t WHERE k = 1 AND c = 1");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 1"), table(&[&["1", "1", "null", "null", "1"]]));
    h.exec("DELETE s FROM t WHERE k = 1");
    assert_eq!(
        h.invalid("DELETE s FROM t WHERE k = 1 AND c = 1"),
        "Invalid restrictions on clustering columns since the DELETE statement modifies only static columns"
    );
}

#[test]
fn delete_in_lists() {
    let h = wide();
    h.exec("DELETE FROM w WHERE k = 1 AND a IN (0, 2) AND b IN (0, 2)");
    assert_eq!(keys(&h), vec!["01", "10", "11", "12", "21"]);
    h.exec("DELETE v FROM w WHERE k IN (1, 2) AND a = 1 AND b = 1");
    assert_eq!(h.rows("SELECT v FROM w WHERE k = 1 AND a = 1 AND b = 1"), table(&[&["null"]]));
}

#[test]
fn delete_errors() {
    let h = wide();
    assert_eq!(
        h.invalid("DELETE v FROM w WHERE k = 1 AND a = 1"),
        "Range deletions are not supported for specific columns"
    );
    assert_eq!(h.invalid("DELETE v FROM w WHERE k = 1"), "Range deletions are not supported for specific columns");
    assert_eq!(
        h.invalid("DELETE FROM w WHERE k = 1 AND b = 1"),
        "PRIMARY KEY column \"b\" cannot be restricted as preceding column \"a\" is not restricted"
    );
    assert_eq!(
        h.invalid("DELETE FROM w WHERE k = 1 AND a > 1 AND b = 1"),
        "Clustering column \"b\" cannot be restricted (preceding column \"a\" is restricted by a non-EQ relation)"
    );
    assert_eq!(
        h.invalid("DELETE k FROM w WHERE k = 1"),
        "Invalid identifier k for deletion (should not be a PRIMARY KEY part)"
    );
    assert_eq!(h.invalid("DELETE FROM w WHERE a = 1"), "Some partition key parts are missing: k");
    assert_eq!(h.invalid("DELETE FROM w WHERE k = 1 AND v = 1"), "Non PRIMARY KEY columns found in where clause: v ");
    assert_eq!(
        h.invalid("DELETE v[1] FROM w WHERE k = 1 AND a = 1 AND b = 1"),
        "Invalid deletion operation for non collection column v"
    );
}

#[test]
fn delete_conditions() {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (k int PRIMARY KEY, v int)");
    assert_eq!(h.rows("DELETE FROM t WHERE k = 1 IF EXISTS"), table(&[&["false"]]));
    h.exec("INSERT INTO t (k, v) VALUES (1, 1)");
    assert_eq!(h.rows("DELETE FROM t WHERE k = 1 IF v = 2"), table(&[&["false", "1"]]));
    assert_eq!(h.rows("DELETE FROM t WHERE k = 1 IF v = 1"), table(&[&["true"]]));
    assert!(h.rows("SELECT * FROM t").is_empty());
    h.create_table("CREATE TABLE c (k int, c int, v int, PRIMARY KEY (k, c))");
    assert_eq!(
        h.invalid("DELETE FROM c WHERE k = 1 AND c IN (1, 2) IF v = 1"),
        "IN on the clustering key columns is not supported with conditional deletions"
    );
    assert_eq!(
        h.invalid("DELETE FROM c WHERE k = 1 IF v = 1"),
        "DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF condition on non static columns"
    );
}
