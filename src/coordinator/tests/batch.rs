//! BATCH: logged, unlogged and counter batches, batch and per-statement timestamps, several
//! tables and partitions, conditional batches, protocol batches of prepared statements, and
//! Cassandra's batch rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use sibyl_coordinator::{BatchItem, QueryOptions};
use sibyl_cql::ast::BatchKind;
use support::{int, table, text, Harness};

fn users() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE users (id int PRIMARY KEY, firstname text, lastname text)");
    h.create_table("CREATE TABLE clicks (id int, n int, PRIMARY KEY (id, n))");
    h.create_table("CREATE TABLE cnt (id int PRIMARY KEY, c counter)");
    h
}

#[test]
fn empty_batch_is_valid() {
    let h = users();
    h.exec("BEGIN BATCH APPLY BATCH");
    h.exec("BEGIN UNLOGGED BATCH APPLY BATCH");
}

#[test]
fn batch_timestamp_applies_to_all() {
    let h = users();
    h.exec(
        "BEGIN BATCH USING TIMESTAMP 1111111111111111 \
         INSERT INTO users (id, firstname, lastname) VALUES (0, 'Jack', 'Sparrow'); \
         INSERT INTO users (id, firstname, lastname) VALUES (1, 'Will', 'Turner'); \
         APPLY BATCH",
    );
    assert_eq!(
        h.rows("SELECT id, writetime(firstname), writetime(lastname) FROM users WHERE id IN (0, 1)"),
        table(&[&["0", "1111111111111111", "1111111111111111"], &["1", "1111111111111111", "1111111111111111"]])
    );
}

#[test]
fn each_statement_may_have_its_own_timestamp() {
    let h = users();
    h.exec(
        "BEGIN BATCH \
         INSERT INTO users (id, firstname) VALUES (0, 'Jack') USING TIMESTAMP 1111111111111111; \
         INSERT INTO users (id, firstname) VALUES (1, 'Will') USING TIMESTAMP 1111111111111112; \
         APPLY BATCH",
    );
    assert_eq!(
        h.rows("SELECT id, writetime(firstname) FROM users WHERE id IN (0, 1)"),
        table(&[&["0", "1111111111111111"], &["1", "1111111111111112"]])
    );
    assert_eq!(
        h.invalid(
            "BEGIN BATCH USING TIMESTAMP 1111111111111111 \
             INSERT INTO users (id, firstname) VALUES (0, 'Jack') USING TIMESTAMP 2; APPLY BATCH"
        ),
        "Timestamp must be set either on BATCH or individual statements"
    );
}

#[test]
fn statements_without_timestamp_share_one() {
    let h = users();
    h.exec(
        "BEGIN UNLOGGED BATCH \
         INSERT INTO users (id, firstname) VALUES (5, 'a'); \
         INSERT INTO clicks (id, n) VALUES (5, 1); \
         UPDATE users SET lastname = 'b' WHERE id = 5; \
         DELETE FROM clicks WHERE id = 6 AND n = 1; \
         APPLY BATCH",
    );
    let r = h.rows("SELECT writetime(firstname), writetime(lastname) FROM users WHERE id = 5");
    assert_eq!(r[0][0], r[0][1]);
    assert_eq!(h.rows("SELECT * FROM clicks WHERE id = 5"), table(&[&["5", "1"]]));
}

#[test]
fn same_row_in_one_batch_merges() {
    let h = users();
    h.exec(
        "BEGIN BATCH \
         INSERT INTO users (id, firstname) VALUES (1, 'a'); \
         UPDATE users SET lastname = 'b' WHERE id = 1; \
         APPLY BATCH",
    );
    assert_eq!(h.rows("SELECT * FROM users WHERE id = 1"), table(&[&["1", "'a'", "'b'"]]));
    // An insert and a delete at the same timestamp: the tombstone wins.
    h.exec(
        "BEGIN BATCH \
         INSERT INTO users (id, firstname) VALUES (2, 'a'); \
         DELETE FROM users WHERE id = 2; \
         APPLY BATCH",
    );
    assert!(h.rows("SELECT * FROM users WHERE id = 2").is_empty());
}

#[test]
fn counter_batches() {
    let h = users();
    h.exec(
        "BEGIN COUNTER BATCH UPDATE cnt SET c = c + 2 WHERE id = 1; UPDATE cnt SET c = c + 3 WHERE id = 1; APPLY BATCH",
    );
    assert_eq!(h.rows("SELECT c FROM cnt WHERE id = 1"), table(&[&["5"]]));
    assert_eq!(
        h.invalid("BEGIN COUNTER BATCH INSERT INTO users (id) VALUES (1); APPLY BATCH"),
        "Cannot include non-counter statement in a counter batch"
    );
    assert_eq!(
        h.invalid("BEGIN BATCH UPDATE cnt SET c = c + 1 WHERE id = 1; APPLY BATCH"),
        "Cannot include a counter statement in a logged batch"
    );
    assert_eq!(
        h.invalid("BEGIN UNLOGGED BATCH UPDATE cnt SET c = c + 1 WHERE id = 1; INSERT INTO users (id) VALUES (1); APPLY BATCH"),
        "Counter and non-counter mutations cannot exist in the same batch"
    );
    assert_eq!(
        h.invalid("BEGIN COUNTER BATCH USING TIMESTAMP 5 UPDATE cnt SET c = c + 1 WHERE id = 1; APPLY BATCH"),
        "Cannot provide custom timestamp for counter BATCH"
    );
}

#[test]
fn conditional_batches() {
    let h = users();
    let r = h.rows(
        "BEGIN BATCH \
         INSERT INTO clicks (id, n) VALUES (1, 1) IF NOT EXISTS; \
         INSERT INTO clicks (id, n) VALUES (1, 2); \
         APPLY BATCH",
    );
    assert_eq!(r, table(&[&["true"]]));
    assert_eq!(h.rows("SELECT count(*) FROM clicks WHERE id = 1"), table(&[&["2"]]));
    let r = h.rows(
        "BEGIN BATCH \
         INSERT INTO clicks (id, n) VALUES (1, 1) IF NOT EXISTS; \
         INSERT INTO clicks (id, n) VALUES (1, 3); \
         APPLY BATCH",
    );
    assert_eq!(r[0][0], "false");
    assert_eq!(h.rows("SELECT count(*) FROM clicks WHERE id = 1"), table(&[&["2"]]));
    assert_eq!(
        h.invalid(
            "BEGIN BATCH INSERT INTO clicks (id, n) VALUES (1, 1) IF NOT EXISTS; INSERT INTO clicks (id, n) VALUES (2, 1); APPLY BATCH"
        ),
        "Batch with conditions cannot span multiple partitions"
    );
    assert_eq!(
        h.invalid(
            "BEGIN BATCH INSERT INTO clicks (id, n) VALUES (1, 1) IF NOT EXISTS; INSERT INTO users (id) VALUES (1); APPLY BATCH"
        ),
        "Batch with conditions cannot span multiple tables"
    );
    assert_eq!(
        h.invalid("BEGIN BATCH USING TIMESTAMP 1 INSERT INTO clicks (id, n) VALUES (1, 1) IF NOT EXISTS; APPLY BATCH"),
        "Cannot provide custom timestamp for conditional BATCH"
    );
}

#[test]
fn batch_with_markers() {
    let h = users();
    h.exec_with(
        "BEGIN BATCH USING TIMESTAMP ? INSERT INTO users (id, firstname) VALUES (?, ?); UPDATE users SET lastname = ? WHERE id = ?; APPLY BATCH",
        vec![support::bigint(77), int(1), text("a"), text("b"), int(1)],
    )
    .unwrap();
    assert_eq!(
        h.rows("SELECT firstname, lastname, writetime(lastname) FROM users WHERE id = 1"),
        table(&[&["'a'", "'b'", "77"]])
    );
}

#[test]
fn protocol_batch_of_prepared_statements() {
    let h = users();
    let ins = h.proc.prepare("INSERT INTO users (id, firstname) VALUES (?, ?)", Some("ks")).unwrap();
    let items = vec![
        BatchItem::Prepared(ins.clone(), vec![int(1), text("x")]),
        BatchItem::Prepared(ins, vec![int(2), text("y")]),
        BatchItem::Query("INSERT INTO clicks (id, n) VALUES (?, 3)".into(), vec![int(1)]),
    ];
    h.proc.batch(BatchKind::Logged, &items, &QueryOptions::default().keyspace("ks")).unwrap();
    assert_eq!(h.rows("SELECT firstname FROM users WHERE id IN (1, 2)"), table(&[&["'x'"], &["'y'"]]));
    assert_eq!(h.rows("SELECT n FROM clicks WHERE id = 1"), table(&[&["3"]]));
    let bad = vec![BatchItem::Query("SELECT * FROM users".into(), vec![])];
    let e = h.proc.batch(BatchKind::Logged, &bad, &QueryOptions::default().keyspace("ks")).unwrap_err();
    assert_eq!(e.code(), 0x2200);
}
